"""What storage holds, from listings: one request per 1,000 objects in a bucket (``list_objects_v2``
pages), one directory walk on disk; never one request per file.

``stored()`` yields every file under a folder with its size and modification time; ``compare()`` sets
that against the ``Attachment`` rows, both ways, for ``manage.py check_attachments`` (after a restore)
and ``manage.py sweep_attachments``.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.core.files.storage import FileSystemStorage, Storage

ROOT = "attachments"


@dataclass(frozen=True)
class Stored:
    name: str  # the storage name, as in Attachment.file
    size: int
    modified: datetime


def stored(storage: Storage, folder: str = ROOT) -> Iterator[Stored]:
    if isinstance(storage, FileSystemStorage):
        yield from _walk(Path(storage.location), folder)
    elif hasattr(storage, "bucket"):  # django-storages' S3Storage
        yield from _list_bucket(storage, folder)
    else:  # any other storage: its own listing (slower, but the same answer)
        yield from _listdir(storage, folder)


def _walk(location: Path, folder: str) -> Iterator[Stored]:
    for directory, _dirs, names in os.walk(location / folder):
        for name in names:
            path = Path(directory) / name
            stat = path.stat()
            yield Stored(
                path.relative_to(location).as_posix(),
                stat.st_size,
                datetime.fromtimestamp(stat.st_mtime, tz=UTC),
            )


def _list_bucket(storage, folder: str) -> Iterator[Stored]:
    prefix = f"{storage.location.strip('/')}/" if storage.location else ""
    client = storage.bucket.meta.client
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket_name, Prefix=f"{prefix}{folder}/"
    )
    for page in pages:
        for obj in page.get("Contents", []):
            yield Stored(obj["Key"][len(prefix) :], obj["Size"], obj["LastModified"])


def _listdir(storage, folder: str) -> Iterator[Stored]:
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{folder}/{name}"
        yield Stored(path, storage.size(path), storage.get_modified_time(path))
    for sub in dirs:
        yield from _listdir(storage, f"{folder}/{sub}")


@dataclass
class Comparison:
    missing: list[str] = field(default_factory=list)  # rows whose file is not in storage
    wrong_size: list[str] = field(default_factory=list)  # rows whose file has another size
    unreferenced: list[Stored] = field(default_factory=list)  # files no row references
    rows: int = 0
    files: int = 0

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.wrong_size or self.unreferenced)


def compare(rows: Iterator[tuple[str, int]], files: Iterator[Stored]) -> Comparison:
    """Rows given as (name, size) against stored files, both ways."""
    by_name = {f.name: f for f in files}
    result = Comparison(files=len(by_name))
    for name, size in rows:
        result.rows += 1
        found = by_name.pop(name, None)
        if found is None:
            result.missing.append(name)
        elif found.size != size:
            result.wrong_size.append(name)
    result.unreferenced = sorted(by_name.values(), key=lambda f: f.name)
    return result
