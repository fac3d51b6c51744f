"""Rows with wide characters (the board's time left in Chinese words) are laid out by compiled
lines that keep each column's padded wide texts: one layout, used for every row of a long
list, must give exactly the cell-by-cell layout for each row, whatever it has kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk import output

# printable text, ASCII or wide (CJK takes two cells), as the fast lines receive it
cell_text = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
    st.text(st.sampled_from("已超时天小时分钟后打印机a 1-"), max_size=10),
    st.sampled_from(["已超时1天2小时", "2小时10分钟后", "已超时96天4小时", "é", "ab"]),
)


@st.composite
def tables(draw):
    n = draw(st.integers(1, 6))
    widths = draw(st.lists(st.integers(0, 14), min_size=n, max_size=n))
    right = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    cut = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    rows = draw(st.lists(st.lists(cell_text, min_size=n, max_size=n), min_size=1, max_size=12))
    return widths, right, cut, rows


def cell_by_cell(values, widths, right, cut) -> str:
    """`laid_out` of output._rich_list: `_fit` of each cell, a code wider than its column
    taking the room from the first free text."""
    cells = [output._width(v) for v in values]
    sizes = list(widths)
    over = sum(max(n - w, 0) for n, w, c in zip(cells, widths, cut, strict=True) if not c)
    first = next((i for i, c in enumerate(cut) if c), None)
    if over and first is not None:
        sizes[first] = max(sizes[first] - over, 1)
    out = []
    for v, n, w, r, c in zip(values, cells, sizes, right, cut, strict=True):
        if n > w and c:
            v, n = output._fit(v, w, r, c), w
        gap = " " * (w - n)
        out.append(gap + v if r else v + gap)
    return "  ".join(out)


@settings(max_examples=300)
@given(tables())
def test_a_terminal_tables_wide_rows_are_laid_out_cell_by_cell(case):
    widths, right, cut, rows = case
    line = output._wide_rich_layout(widths, right, cut, output._cell_widths())
    for values in rows + rows:  # the second time round, from what the line kept
        assert line(values) == cell_by_cell(values, widths, right, cut), values


@settings(max_examples=300)
@given(tables(), st.booleans())
def test_plain_and_markdown_wide_rows_are_padded_by_their_cells(case, md):
    widths, _, _, rows = case
    line = output._wide_layout(widths, md)
    for values in rows + rows:
        padded = [output._pad(v, w) for v, w in zip(values, widths, strict=True)]
        expected = "| " + " | ".join(padded) + " |" if md else "  ".join(padded).rstrip()
        assert line(values) == expected, values
