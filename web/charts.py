"""Bar charts drawn on the server as SVG markup: no script, no CDN, nothing for the policy to block.

Colours and fonts come from classes (``chart``, ``bar s0`` … ``s7``, ``axis``, ``grid``) styled in
``static/css/app.css``, so the markup carries no ``style`` attribute, and it prints as it shows. Every bar
has a ``<title>`` (the browser's tooltip: category, series and value); the figures themselves belong in
the table beside the chart.

Series that share a ``stack`` pile up; stacks stand side by side in each category's band. One stack is a
stacked bar chart, one series per stack a grouped one.
"""

from dataclasses import dataclass
from math import floor, log10
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAND = 26  # height of a category's band in a horizontal chart
PLOT_HEIGHT = 220  # height of the plotting area of a vertical chart
LABEL_WIDTH = 64  # room for the categories' labels (horizontal)
COLOURS = 8  # classes s0 … s7 in app.css


@dataclass(frozen=True)
class Series:
    label: str
    stack: str = ""


def nice_step(largest: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) that divides 0 … ``largest`` into about ``ticks`` parts."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    power = 10 ** floor(log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def bar_chart(
    title: str,
    categories: list[str],
    series: list[Series],
    values: list[list[float]],
    *,
    horizontal: bool = True,
    unit: str = "",
    digits: int = 0,
) -> SafeString:
    """An SVG bar chart: ``values[i][j]`` is category ``i``'s value of series ``j``."""
    stacks = list(dict.fromkeys(s.stack for s in series))
    totals = [
        sum(row[j] for j, s in enumerate(series) if s.stack == stack) for row in values for stack in stacks
    ]
    step = max(nice_step(max(totals, default=0)), 10**-digits)  # counts never step by a fraction
    top = step * max(1, -(-max(totals, default=0) // step))
    legend_rows = -(-len(series) // 4)
    if horizontal:
        left, right, head = LABEL_WIDTH, 16, 8
        length = WIDTH - left - right
        height = head + BAND * max(1, len(categories)) + 24 + 18 * legend_rows
        plot = (left, head, length, BAND * max(1, len(categories)))
    else:
        left, right, head = 48, 12, 10
        length = PLOT_HEIGHT
        height = head + PLOT_HEIGHT + 26 + 18 * legend_rows
        plot = (left, head, WIDTH - left - right, PLOT_HEIGHT)
    px, py, pw, ph = plot
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    # Grid lines and their values along the value axis.
    ticks = round(top / step)
    for k in range(ticks + 1):
        value = k * step
        label = escape(number(value, digits if step < 1 else 0))
        if horizontal:
            x = px + pw * value / top
            parts.append(f'<line class="grid" x1="{x:.1f}" y1="{py}" x2="{x:.1f}" y2="{py + ph}"/>')
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{py + ph + 14}" text-anchor="middle">{label}</text>'
            )
        else:
            y = py + ph - ph * value / top
            parts.append(f'<line class="grid" x1="{px}" y1="{y:.1f}" x2="{px + pw}" y2="{y:.1f}"/>')
            parts.append(f'<text class="tick" x="{px - 4}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    band = (ph if horizontal else pw) / max(1, len(categories))
    inner = band * 0.8
    width = inner / len(stacks) if stacks else inner
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        start = (py if horizontal else px) + band * i
        name = escape(category)
        if horizontal:
            parts.append(
                f'<text class="category" x="{px - 6}" y="{start + band / 2 + 4:.1f}" text-anchor="end">{name}</text>'
            )
        else:
            parts.append(
                f'<text class="category" x="{start + band / 2:.1f}" y="{py + ph + 14}" text-anchor="middle">{name}</text>'
            )
        for s, stack in enumerate(stacks):
            offset = 0.0
            across = start + band * 0.1 + width * s
            for j, one in enumerate(series):
                if one.stack != stack or row[j] <= 0:
                    continue
                size = (pw if horizontal else ph) * row[j] / top
                tip = escape(f"{category} {one.label}：{number(row[j], digits)}{unit}")
                if horizontal:
                    box = (px + offset, across, size, width)
                else:
                    box = (across, py + ph - offset - size, width, size)
                parts.append(
                    f'<rect class="bar s{j % COLOURS}" x="{box[0]:.1f}" y="{box[1]:.1f}" width="{box[2]:.1f}"'
                    f' height="{box[3]:.1f}"><title>{tip}</title></rect>'
                )
                offset += size
    axis = (px, py, px, py + ph) if horizontal else (px, py + ph, px + pw, py + ph)
    parts.append('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'.format(*axis))
    # The legend, four series a line, under the plot.
    legend_top = height - 18 * legend_rows + 2
    for j, one in enumerate(series):
        x, y = 8 + (j % 4) * (WIDTH - 16) / 4, legend_top + 18 * (j // 4)
        parts.append(f'<rect class="bar s{j % COLOURS}" x="{x:.1f}" y="{y}" width="12" height="12"/>')
        parts.append(f'<text class="legend" x="{x + 16:.1f}" y="{y + 10}">{escape(one.label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()
