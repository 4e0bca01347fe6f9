"""Progress lines for the two long steps (校验, 写入); no I/O of its own, it calls the `write` it is given."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

# Rows are written in batches of this size, so progress is drawn at most once a batch.
BATCH_SIZE = 1000


class Progress:
    """Writes `校验 [#####.....] 50% 5000/10000 行` every `every` items and once at the end.

    `total` may be an estimate or None; `write` None makes a silent progress.
    """

    WIDTH = 20

    def __init__(self, write: Callable[[str], None] | None, label: str, total: int | None, unit: str):
        self.write, self.label, self.total, self.unit = write, label, total, unit
        # Writing advances a batch at a time, so a finer step would not show.
        self.every = max(BATCH_SIZE, (total or 0) // 20)
        self.done = self.shown = 0

    def track(self, items: Iterable) -> Iterator:
        for item in items:
            yield item
            self.advance()
        self.finish()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done // self.every != self.shown // self.every:
            self._show()

    def finish(self) -> None:
        """Show the final count as the total, unless the last line already did."""
        already_shown = self.shown == self.done == self.total
        self.total = self.done
        if not already_shown:
            self._show()

    def _show(self) -> None:
        self.shown = self.done
        if self.write is None:
            return
        if not self.total:
            self.write(f"{self.label} {self.done} {self.unit}")
            return
        total = max(self.total, self.done)
        filled = self.WIDTH * self.done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.write(f"{self.label} [{bar}] {100 * self.done // total}% {self.done}/{total} {self.unit}")
