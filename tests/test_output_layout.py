"""Rows after the first chunk are laid out by svcdesk, not Rich: the fast layout of plain ASCII
rows must be exactly what the cell-by-cell layout gives (`_fit`), or hand the row back to it."""

from __future__ import annotations

import io
import os

from hypothesis import given
from hypothesis import strategies as st

from svcdesk import output
from svcdesk.output import Col

ascii_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@st.composite
def layouts(draw):
    n = draw(st.integers(1, 6))
    widths = draw(st.lists(st.integers(0, 20), min_size=n, max_size=n))
    right = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    cut = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    values = draw(st.lists(ascii_text, min_size=n, max_size=n))
    return widths, right, cut, values


@given(layouts())
def test_the_fast_ascii_layout_is_the_cell_by_cell_layout(case):
    widths, right, cut, values = case
    fast = output._ascii_layout(widths, right, cut)(values)
    too_wide = any(len(v) > w for v, w, c in zip(values, widths, cut, strict=True) if not c)
    if too_wide:
        assert fast is None  # the slow path takes that room from the free text
    else:
        assert fast == "  ".join(
            output._fit(v, w, r, c) for v, w, r, c in zip(values, widths, right, cut, strict=True)
        )


def test_a_long_table_cuts_later_titles_to_the_first_chunks_width():
    first = "Printer in hall 2 jams at every paper change"  # free text: wider than SHORT_TEXT
    rows = [{"ref": f"T-{i}", "title": first, "site": "BJ"} for i in range(output.CHUNK)]
    rows += [{"ref": "T-X", "title": first + ", and now the scanner fails too", "site": "BJ"}]
    cjk = "二号大厅的排队叫号机每次换纸以后都卡纸，扫描枪也坏了"
    rows += [{"ref": "T-Y", "title": cjk, "site": "BJ"}]

    class Term(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Term()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        output.render_list(rows, [Col("ref", "REF"), Col("title", "TITLE"), Col("site", "SITE")],
                           "table", out=out)  # fmt: skip
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    import re

    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert len(lines) == output.CHUNK + 3
    ascii_row, cjk_row = lines[-2], lines[-1]
    assert ascii_row.startswith("T-X") and "jams at every paper chang…" in ascii_row
    assert ascii_row.rstrip().endswith("BJ")
    assert len(ascii_row) == len(lines[1])  # the same widths as the first chunk's rows
    assert "…" in cjk_row and cjk_row.rstrip().endswith("BJ")
    from wcwidth import wcswidth

    assert wcswidth(cjk_row) == len(lines[1])


# --------------------------------------------------------------------------------------------
# CSV of records given as their JSON text: read out of the text, the same cells as the record's

text_value = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.lists(st.sampled_from(["=1+1", "-2", "@A1", "+", ",", '"', "\\", "\r", "\n", "\t",
                              "null", '":null', '","', "打印", "a", " ", "%s", ":["]),
             max_size=4).map("".join),
)  # fmt: skip
clock_records = st.lists(
    st.fixed_dictionaries({"name": st.sampled_from(["respond", "resolve"]),
                           "due_at": st.one_of(st.none(), st.just("2026-12-02T09:00:00+08:00")),
                           "seconds_left": st.integers(-10**6, 10**6), "late": st.booleans()}),
    max_size=3,
)  # fmt: skip


@given(st.lists(st.tuples(text_value, text_value, text_value, clock_records), min_size=1,
                max_size=6))  # fmt: skip
def test_csv_of_json_text_is_the_csv_of_the_record(rows):
    import orjson

    from svcdesk.jsontext import JsonObject

    records = [{"id": f"id-{i}", "title": a, "assignee": b, "reporter": c, "clocks": clocks}
               for i, (a, b, c, clocks) in enumerate(rows)]  # fmt: skip
    as_text = [JsonObject(orjson.dumps(r).decode()) for r in records]
    expected, got = io.StringIO(), io.StringIO()
    output._csv_list(records, expected, list(records[0]))
    output._csv_list(as_text, got, list(records[0]))
    assert got.getvalue() == expected.getvalue()


other_value = st.one_of(st.integers(-(2**62), 2**62), st.booleans(), st.none(),
                        st.just({"a": "b"}), text_value)  # fmt: skip


@given(st.lists(st.tuples(text_value, other_value, clock_records), min_size=1, max_size=4))
def test_csv_of_json_text_with_other_values_is_the_csv_of_the_record(rows):
    import orjson

    from svcdesk.jsontext import JsonObject

    records = [{"id": f"id-{i}", "title": a, "n": b, "clocks": clocks}
               for i, (a, b, clocks) in enumerate(rows)]  # fmt: skip
    expected, got = io.StringIO(), io.StringIO()
    output._csv_list(records, expected, list(records[0]))
    output._csv_list([JsonObject(orjson.dumps(r).decode()) for r in records], got,
                     list(records[0]))  # fmt: skip
    assert got.getvalue() == expected.getvalue()
