"""Text from users is data: stored as given, harmless wherever it is shown.

Random text (Rich markup, terminal escapes, OSC 8 links, CR, bidi overrides, NUL, CJK, emoji)
goes through every output format, for a list and for a record; a terminal, a Markdown page or
a spreadsheet must never act on it, and JSON and CSV must give it back exactly.
"""

from __future__ import annotations

import csv
import io
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk import output
from svcdesk.output import Col

PIECES = [
    "[bold]",
    "[/]",
    "[link=http://evil]x[/link]",
    "\x1b[31m",
    "\x1b]8;;http://evil\x1b\\",
    "\x9b2J",
    "\r",
    "\n",
    "\t",
    "\x00",
    "\x07",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u200f",
    "打印机卡纸",
    "🖨️",
    "👩‍🔧",
    "%",
    "%s",
    "|",
    "<script>",
    "&amp;",
    "=1+1",
    "@SUM(A1)",
    "-2",
    "\\",
    "'",
    '"',
]

hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), min_size=1, max_size=8
).map("".join)

COLS = [Col("ref", "REF"), Col("title", "TITLE"), Col("site", "SITE")]
DANGEROUS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class Out(io.StringIO):
    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def rendered(fmt: str, rows: list[dict], tty: bool = False) -> str:
    out = Out(tty)
    output.render_list(rows, COLS, fmt, out=out)
    return out.getvalue()


@settings(max_examples=60, deadline=None)
@given(title=hostile, site=hostile)
def test_no_format_for_people_lets_text_act_on_the_terminal(title, site):
    rows = [{"ref": "T-1", "title": title, "site": site}]
    for fmt in ("plain", "md", "table"):
        text = rendered(fmt, rows)
        assert not DANGEROUS.search(text), (fmt, text)
        # one row is one line: a CR or newline in a title cannot forge another row
        assert len([ln for ln in text.splitlines() if "T-1" in ln]) == 1
    record = io.StringIO()
    output.render_record({"ref": "T-1", "title": title}, COLS, "plain", out=record)
    assert not DANGEROUS.search(record.getvalue().replace("\n", ""))


@settings(max_examples=60, deadline=None)
@given(title=hostile)
def test_json_gives_the_text_back_exactly(title):
    back = json.loads(rendered("json", [{"ref": "T-1", "title": title, "site": "S"}]))
    assert back[0]["title"] == title


@settings(max_examples=60, deadline=None)
@given(title=hostile)
def test_csv_gives_the_text_back_and_never_a_formula(title):
    text = rendered("csv", [{"ref": "T-1", "title": title, "site": "S"}])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cell = rows[1][1]
    assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell.startswith("'")
    assert cell == title or (cell.startswith("'") and cell[1:] == title)


@settings(max_examples=40, deadline=None)
@given(title=hostile)
def test_markdown_cells_keep_the_table_whole(title):
    text = rendered("md", [{"ref": "T-1", "title": title, "site": "S"}])
    row = text.splitlines()[2]
    # the row has exactly its three cells: no unescaped pipe, no raw HTML
    assert len(re.findall(r"(?<!\\)\|", row)) == 4
    assert "<" not in row and ">" not in row


def test_rich_markup_in_a_title_is_shown_as_written():
    title = "Printer on [/dev/usb/lp0] offline [bold red]now[/]"
    text = rendered("table", [{"ref": "T-1", "title": title, "site": "S"}])
    assert title in text


def test_a_markup_title_does_not_break_the_database_tables(cli):
    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ", "--name", "Beijing").exit_code == 0
    title = "Printer on [/dev/usb/lp0] offline 100% [bold]"
    opened = cli("ticket", "open", "--site", "BJ", "--title", title, "-f", "json")
    assert opened.exit_code == 0, opened.stderr
    assert opened.json()["title"] == title
    for fmt in ("table", "plain", "md"):
        shown = cli("ticket", "list", "-f", fmt)
        assert shown.exit_code == 0, shown.stderr
        assert "[/dev/usb/lp0]" in shown.stdout
    assert cli("ticket", "list", "-f", "json").json()[0]["title"] == title


def test_escapes_in_stored_text_never_reach_the_terminal_or_stderr(cli):
    cli("init")
    title = "esc \x1b[31mRED\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ cr\rX"
    opened = cli("ticket", "open", "--site", "BJ", "--title", title)
    assert opened.exit_code != 0  # no such site: the error quotes nothing raw either
    cli("site", "add", "BJ", "--name", "Beijing")
    assert cli("ticket", "open", "--site", "BJ", "--title", title).exit_code == 0
    for args in (("ticket", "list"), ("ticket", "show", "1"), ("ticket", "list", "-f", "md")):
        shown = cli(*args)
        assert "\x1b" not in shown.stdout and "\r" not in shown.stdout
        assert "RED" in shown.stdout
    bad = cli("site", "show", "\x1b[2Jgone")
    assert bad.exit_code != 0
    assert "\x1b" not in bad.stderr and bad.stderr.count("\n") == 1


def test_an_empty_csv_list_still_has_its_header(cli):
    cli("init")
    shown = cli("site", "list", "-f", "csv")
    assert shown.exit_code == 0
    assert shown.stdout.strip().split(",")[0] == "code"


def test_csv_keeps_list_fields_joined():
    out = Out()
    output.render_list([{"ref": "A", "tags": ["printer", "jam"]}], COLS, "csv", out=out)
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == ["A", "printer; jam"]


def test_a_long_list_streams_with_the_first_rows_widths():
    rows = ({"ref": f"T-{i}", "title": "t" * (i % 7), "site": "S"} for i in range(2500))
    text = rendered("plain", list(rows))
    lines = text.splitlines()
    assert len(lines) == 2501
    assert lines[0].split() == ["REF", "TITLE", "SITE"]
    assert lines[-1].split()[0] == "T-2499"


def test_wide_characters_line_up_in_plain_text():
    rows = [
        {"ref": "T-1", "title": "打印机卡纸", "site": "S1"},
        {"ref": "T-2", "title": "paper jam!", "site": "S2"},
    ]
    from wcwidth import wcswidth

    lines = rendered("plain", rows).splitlines()
    assert wcswidth(lines[1].split("S1")[0]) == wcswidth(lines[2].split("S2")[0])


def test_tables_fit_80_columns_cutting_only_free_text():
    long_title = "Queue-ticket machine in hall 2 prints blank tickets after the paper change " * 2
    rows = [
        {"ref": "T-1", "title": long_title, "site": "BJ-HD", "opened": "2026-11-30T09:12:00+08:00"}
    ]
    cols = [*COLS, Col("opened", "OPENED", "instant")]

    class Term(Out):
        def isatty(self) -> bool:
            return True

    out = Term()
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        output.render_list(rows, cols, "table", out=out)
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
    lines = text.splitlines()
    assert len(lines) == 2  # header and one row: no nine-line title
    assert all(len(line) <= 80 for line in lines)
    assert "2026-11-30 09:12" in lines[1] and "BJ-HD" in lines[1]
    assert "…" in lines[1]


def test_a_percent_sign_is_one_percent_sign_in_every_json_list(cli):
    cli("init")
    cli("site", "add", "BJ", "--name", "Beijing")
    title = "CPU at 100% (%s %d %%)"
    ref = cli("ticket", "open", "--site", "BJ", "--title", title, "-f", "json").json()["ref"]
    for step in (("respond", ref), ("resolve", ref, "--note", "fixed"), ("close", ref)):
        assert cli("ticket", *step).exit_code == 0
    listed = cli("ticket", "list", "--status", "all", "-f", "json").json()
    assert [t["title"] for t in listed] == [title]
    assert cli("ticket", "show", ref, "-f", "json").json()["title"] == title


def test_text_tables_of_tickets_show_what_their_records_say(cli):
    """`ticket list` in a text format reads only its columns; they agree with the JSON."""
    cli("init", "--demo")
    listed = cli("ticket", "list", "--status", "all", "-f", "json").json()
    plain = cli("ticket", "list", "--status", "all", "-f", "plain").stdout.splitlines()[1:]
    assert len(plain) == len(listed)
    for line, rec in zip(plain, listed, strict=True):
        opened = rec["opened_at"][:10] + " " + rec["opened_at"][11:16]
        assert line.startswith(rec["ref"]) and opened in line and line.endswith(rec["title"])
    empty = cli("ticket", "list", "--search", "no such words anywhere", "-f", "csv")
    assert empty.stdout.strip().split(",") == list(next(iter(listed)).keys())


def test_csv_of_tickets_gives_the_json_records_cell_for_cell(cli):
    cli("init", "--demo")
    listed = cli("ticket", "list", "--status", "all", "-f", "json").json()
    rows = list(csv.DictReader(io.StringIO(cli("ticket", "list", "--status", "all", "-f", "csv")
                                           .stdout)))  # fmt: skip
    assert len(rows) == len(listed)
    for row, rec in zip(rows, listed, strict=True):
        assert json.loads(row.pop("clocks")) == rec.pop("clocks")
        assert row == {k: "" if v is None else output.csv_cell(v) for k, v in rec.items()}


def test_a_long_table_on_a_terminal_keeps_its_layout_past_the_first_rows(monkeypatch):
    class Term(Out):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "80")
    rows = [{"ref": f"T-{i}", "title": f"hall {i} " + "printer jams again " * (i % 5), "site": "S",
             "opened": "2026-11-30T09:12:00+08:00"} for i in range(2600)]  # fmt: skip
    cols = [*COLS, Col("opened", "OPENED", "instant")]
    out = Term()
    output.render_list(rows, cols, "table", out=out, style=lambda r: "bold red")
    raw = out.getvalue()
    assert "\x1b[1;31m" in raw.splitlines()[-1]  # later rows keep their colour
    lines = re.sub(r"\x1b\[[0-9;]*m", "", raw).splitlines()
    assert len(lines) == 2601
    from wcwidth import wcswidth

    for i, line in enumerate(lines[1:]):
        assert line.startswith(f"T-{i} ") and "2026-11-30 09:12" in line
        assert wcswidth(line) <= 80
    # the instants line up down the whole table: a longer ref later takes room from the title
    assert len({line.index("2026-11-30") for line in lines[1:]}) == 1
