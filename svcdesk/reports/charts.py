"""Charts for the reports as inline SVG: pure functions of numbers and labels that return SVG
text (no script, no external file, no style sheet of their own), readable on an A4 page and in
Chinese.

Every piece of text (labels, titles, legends) is data: it is escaped for XML, its control
characters shown as visible symbols (as the renderer shows them, `render.visible`), and what
XML cannot hold at all (a lone surrogate, U+FFFE) replaced by U+FFFD, so any label gives
well-formed XML. A label too long for its column is cut with an ellipsis (the report's tables
carry the full text); widths are estimated from the characters, a CJK character counting as a
full em and others as about half of one.

    bar_chart(["硬件问题", "软件问题"], [12, 5])                 # horizontal bars with values
    grouped_bars(["硬件问题"], [[12, 9]], ["新报修", "已关闭"])    # two bars a row
    stacked_bars(["实质性响应"], [[18, 2]], ["按时", "超时"])      # 100% bars with shares
    column_chart(["<1天", "1-3天"], [4, 2])                      # a histogram

The SVGs scale to the width of their container (`width="100%"`, a viewBox 640 units wide).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

WIDTH = 640
FONT = ("WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, "
        "Helvetica Neue, Arial, sans-serif")  # fmt: skip
SIZE = 12  # font size in viewBox units
INK, MUTED, GRID = "#1d2733", "#5d6b78", "#c5d0db"
ACCENT = "#1f4e79"
PALETTE = ("#1e7b34", "#b3261e", "#8a5a00", "#1f4e79", "#5d6b78")
"""Series colours in order: good (met), bad (breached), warning, accent, muted."""


# --------------------------------------------------------------------------------------------
# Text


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def escape(text: str) -> str:
    """`text` escaped for XML text and attribute values (xml.sax.saxutils would do, but its
    import pulls in urllib and http.client: 50 ms of a report's start)."""
    return text.translate(_ESCAPES)


def quoteattr(text: str) -> str:
    return f'"{escape(text)}"'


def _xml_char(ch: str) -> str:
    code = ord(ch)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD:
        return ch
    if code >= 0x10000:
        return ch
    return "\ufffd"


def clean(text: object) -> str:
    """`text` as one line that XML can hold: control characters as visible symbols, line
    breaks and tabs as spaces, characters XML forbids as U+FFFD."""
    from svcdesk.reports.render import visible

    shown = visible(str(text)).replace("\n", " ").replace("\t", " ")
    return "".join(_xml_char(ch) for ch in shown)


def text_width(text: str, size: float = SIZE) -> float:
    """About how wide `text` is at font size `size`: wide (CJK, full-width) characters one em,
    combining marks nothing, others 0.58 em."""
    total = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.58
    return total * size


def fit(text: object, width: float, size: float = SIZE) -> str:
    """`text` (cleaned) cut to fit `width` at font size `size`, with an ellipsis if cut."""
    shown = clean(text)
    if text_width(shown, size) <= width:
        return shown
    out = ""
    for ch in shown:
        if text_width(out + ch + "…", size) > width:
            break
        out += ch
    return out + "…"


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: float = SIZE,
          fill: str = INK, weight: str | None = None) -> str:  # fmt: skip
    bold = ' font-weight="bold"' if weight else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'fill="{fill}"{bold}>{escape(content)}</text>')  # fmt: skip


def _svg(height: float, body: list[str], title: str) -> str:
    name = clean(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {math.ceil(height)}" '
        f'width="100%" role="img" aria-label={quoteattr(name)} '
        f'font-family={quoteattr(FONT)} class="chart">'
        f"<title>{escape(name)}</title>{''.join(body)}</svg>"
    )


def number(value: float) -> str:
    """A value as a chart prints it: whole numbers without decimals, others with one."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _check(labels: Sequence[object], values: Sequence[float]) -> list[float]:
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    out = []
    for v in values:
        f = float(v)
        if not math.isfinite(f) or f < 0:
            raise ValueError(f"a chart's values must be finite and not negative, got {v!r}")
        out.append(f)
    return out


# --------------------------------------------------------------------------------------------
# Charts


def bar_chart(labels: Sequence[object], values: Sequence[float], *, title: str = "",
              empty: str = "", color: str = ACCENT) -> str:  # fmt: skip
    """Horizontal bars, one a row: the label on the left, the bar, its value at its end. With
    no rows, the `empty` text."""
    vals = _check(labels, values)
    row, top = 22.0, 8.0
    if not vals:
        return _svg(30, [_text(WIDTH / 2, 19, fit(empty, WIDTH - 20), anchor="middle",
                               fill=MUTED)], title)  # fmt: skip
    label_w = min(max(text_width(clean(lb)) for lb in labels) + 8, WIDTH * 0.36)
    value_w = max(text_width(number(v)) for v in vals) + 10
    x0, span = label_w + 6, WIDTH - label_w - 6 - value_w - 4
    top_value = max(vals) or 1.0
    body = [f'<line x1="{x0:.1f}" y1="{top - 2:.1f}" x2="{x0:.1f}" '
            f'y2="{top + row * len(vals) + 2:.1f}" stroke="{GRID}" stroke-width="1"/>']
    for i, (lb, v) in enumerate(zip(labels, vals, strict=True)):
        y = top + i * row
        w = span * v / top_value
        body.append(_text(label_w, y + row / 2 + SIZE * 0.36, fit(lb, label_w - 4),
                          anchor="end"))  # fmt: skip
        body.append(f'<rect x="{x0:.1f}" y="{y + 4:.1f}" width="{w:.1f}" height="{row - 8:.1f}" '
                    f'fill="{color}" rx="1.5"/>')  # fmt: skip
        body.append(_text(x0 + w + 4, y + row / 2 + SIZE * 0.36, number(v), fill=MUTED,
                          size=SIZE - 1))  # fmt: skip
    return _svg(top * 2 + row * len(vals), body, title)


def grouped_bars(labels: Sequence[object], rows: Sequence[Sequence[float]],
                 names: Sequence[object], *, title: str = "", empty: str = "",
                 colors: Sequence[str] = (ACCENT, "#7aa6cf", "#8a5a00", "#5d6b78")
                 ) -> str:  # fmt: skip
    """Horizontal bars in groups, one group a row: bar j of a row is series j (`names[j]`, in
    the legend), each with its value at its end; all on one scale."""
    if len(labels) != len(rows):
        raise ValueError(f"{len(labels)} labels for {len(rows)} rows")
    vals = [_check(names, r) for r in rows]
    if not vals:
        return _svg(30, [_text(WIDTH / 2, 19, fit(empty, WIDTH - 20), anchor="middle",
                               fill=MUTED)], title)  # fmt: skip
    k = max(len(names), 1)
    bar, gap, legend_h = 9.0, 8.0, 26.0
    row = bar * k + gap
    label_w = min(max(text_width(clean(lb)) for lb in labels) + 8, WIDTH * 0.36)
    flat = [v for r in vals for v in r]
    value_w = max((text_width(number(v), SIZE - 1) for v in flat), default=0) + 10
    x0, span = label_w + 6, WIDTH - label_w - 6 - value_w - 4
    top_value = max(flat, default=0) or 1.0
    body = [f'<line x1="{x0:.1f}" y1="0" x2="{x0:.1f}" y2="{row * len(vals):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>']
    for i, (lb, r) in enumerate(zip(labels, vals, strict=True)):
        y = i * row + gap / 2
        body.append(_text(label_w, y + bar * k / 2 + SIZE * 0.36, fit(lb, label_w - 4),
                          anchor="end"))  # fmt: skip
        for j, v in enumerate(r):
            w = span * v / top_value
            yj = y + j * bar
            body.append(f'<rect x="{x0:.1f}" y="{yj:.1f}" width="{w:.1f}" '
                        f'height="{bar - 1:.1f}" fill="{colors[j % len(colors)]}"/>')
            body.append(_text(x0 + w + 4, yj + bar - 1.5, number(v), fill=MUTED,
                              size=SIZE - 2))  # fmt: skip
    body += _legend(names, colors, x0, row * len(vals) + 8)
    return _svg(row * len(vals) + legend_h, body, title)


def _legend(names: Sequence[object], colors: Sequence[str], x: float, y: float) -> list[str]:
    out = []
    for j, name in enumerate(names):
        shown = fit(name, WIDTH / 3)
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" '
                   f'fill="{colors[j % len(colors)]}"/>')
        out.append(_text(x + 14, y + 9, shown, size=SIZE - 1))
        x += 14 + text_width(shown, SIZE - 1) + 18
    return out


def stacked_bars(labels: Sequence[object], parts: Sequence[Sequence[float]],
                 names: Sequence[object], *, title: str = "", empty: str = "",
                 colors: Sequence[str] = PALETTE) -> str:  # fmt: skip
    """One bar a row, split into its parts as shares of the row's total (`names[j]` is part
    j's name, in the legend), each share's percentage printed in it where it fits, the row's
    total at the right. A row whose parts are all zero has an empty bar."""
    if len(labels) != len(parts):
        raise ValueError(f"{len(labels)} labels for {len(parts)} rows")
    rows = [_check(names, p) for p in parts]
    row, legend_h = 24.0, 26.0
    if not rows:
        return _svg(30, [_text(WIDTH / 2, 19, fit(empty, WIDTH - 20), anchor="middle",
                               fill=MUTED)], title)  # fmt: skip
    label_w = min(max(text_width(clean(lb)) for lb in labels) + 8, WIDTH * 0.36)
    totals = [sum(r) for r in rows]
    total_w = max(text_width(number(t)) for t in totals) + 12
    x0, span = label_w + 6, WIDTH - label_w - 6 - total_w
    body: list[str] = []
    for i, (lb, r, total) in enumerate(zip(labels, rows, totals, strict=True)):
        y = i * row
        body.append(_text(label_w, y + row / 2 + SIZE * 0.36, fit(lb, label_w - 4),
                          anchor="end"))  # fmt: skip
        body.append(f'<rect x="{x0:.1f}" y="{y + 4:.1f}" width="{span:.1f}" '
                    f'height="{row - 8:.1f}" fill="none" stroke="{GRID}" stroke-width="0.8"/>')
        x = x0
        for j, v in enumerate(r):
            if total <= 0 or v <= 0:
                continue
            w = span * v / total
            body.append(f'<rect x="{x:.1f}" y="{y + 4:.1f}" width="{w:.1f}" '
                        f'height="{row - 8:.1f}" fill="{colors[j % len(colors)]}"/>')
            share = f"{100 * v / total:.0f}%"
            if text_width(share, SIZE - 1) + 6 <= w:
                body.append(_text(x + w / 2, y + row / 2 + SIZE * 0.33, share, anchor="middle",
                                  size=SIZE - 1, fill="#ffffff", weight="bold"))  # fmt: skip
            x += w
        body.append(_text(WIDTH - 2, y + row / 2 + SIZE * 0.36, number(total), anchor="end",
                          fill=MUTED, size=SIZE - 1))  # fmt: skip
    body += _legend(names, colors, x0, row * len(rows) + 8)
    return _svg(row * len(rows) + legend_h, body, title)


def column_chart(labels: Sequence[object], values: Sequence[float], *, title: str = "",
                 empty: str = "", color: str = ACCENT) -> str:  # fmt: skip
    """Vertical columns side by side (a histogram): the value above each, its label below."""
    vals = _check(labels, values)
    if not vals:
        return _svg(30, [_text(WIDTH / 2, 19, fit(empty, WIDTH - 20), anchor="middle",
                               fill=MUTED)], title)  # fmt: skip
    top, plot_h, label_h = 18.0, 130.0, 22.0
    slot = (WIDTH - 20) / len(vals)
    bar = min(slot * 0.7, 90)
    top_value = max(vals) or 1.0
    base = top + plot_h
    body = [f'<line x1="10" y1="{base:.1f}" x2="{WIDTH - 10}" y2="{base:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>']
    for i, (lb, v) in enumerate(zip(labels, vals, strict=True)):
        cx = 10 + slot * (i + 0.5)
        h = plot_h * v / top_value
        body.append(f'<rect x="{cx - bar / 2:.1f}" y="{base - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{color}" rx="1.5"/>')
        body.append(_text(cx, base - h - 4, number(v), anchor="middle", fill=MUTED,
                          size=SIZE - 1))  # fmt: skip
        body.append(_text(cx, base + 15, fit(lb, slot - 4, SIZE - 1), anchor="middle",
                          size=SIZE - 1))  # fmt: skip
    return _svg(base + label_h, body, title)
