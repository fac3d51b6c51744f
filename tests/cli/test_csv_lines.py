"""`ticket list -f csv` writes the stored CSV line of each open ticket with its clocks filled in
for now: whatever the text, the line is the one the record itself would give (cells quoted,
formulas neutralised, `%` and quotes kept), and a spreadsheet reads back the JSON's values."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk import csvtext

TEXT = st.lists(
    st.sampled_from(list('ab %"\',;=+-@\t\r\n|<>&\\') + ["打印", "卡纸", "\u202e", "😀"]),
    min_size=1,
    max_size=12,
).map("".join).filter(lambda t: bool(t.strip()))


def cells_of(record: dict) -> list[str]:
    return [csvtext.cell(csvtext.list_value(v)) for k, v in record.items() if k != "events"]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(title=TEXT, reporter=TEXT, later=st.integers(0, 3 * 86400))
def test_the_stored_line_is_the_line_of_the_record_as_of_now(cli, site, title, reporter, later):
    from svcdesk import clock

    r = cli("ticket", "open", "--site", site, "--title", title, "--reporter", reporter,
            "--at", "2026-10-14T09:00", "-f", "json")  # fmt: skip
    if r.exit_code != 0:  # text the command refuses (NUL is never drawn) is said in one line
        assert r.stderr.count("\n") == 1
        return
    ref = r.json()["ref"]
    now = clock.parse_instant("2026-10-14T10:00") + __import__("datetime").timedelta(seconds=later)
    status = "all" if later % 2 else "open"  # every ticket reads the lines alone
    listed = cli("--now", now.isoformat(), "ticket", "list", "--status", status, "-f", "csv")
    records = cli("--now", now.isoformat(), "ticket", "list", "--status", status,
                  "-f", "json").json()  # fmt: skip
    assert listed.exit_code == 0, listed.stderr
    rows = list(csv.reader(io.StringIO(listed.stdout, newline="")))
    assert rows[0] == [k for k in records[0] if k != "events"]
    assert rows[1:] == [cells_of(rec) for rec in records]
    mine = next(row for row, rec in zip(rows[1:], records, strict=True) if rec["ref"] == ref)
    # a cell that could start a formula is quoted; otherwise the text is as given
    assert mine[2] in (title.strip(), "'" + title.strip())  # the title as stored
    assert not any(c.startswith(("=", "+", "-", "@")) for c in mine)
    # nor after white space (a spreadsheet trims it), nor a tab or CR first
    assert not any(c.lstrip()[:1] in ("=", "+", "-", "@") and not c.startswith("'")
                   for c in mine if c.strip())  # fmt: skip
    assert not any(c[:1] in ("\t", "\r") for c in mine)


def test_tickets_without_a_stored_line_still_list_the_same(cli, site):
    """A ticket whose CSV line is missing (a database derived before they were stored) lists
    from its JSON view, the same line."""
    import os
    import sqlite3

    for n in range(3):
        cli("ticket", "open", "--site", site, "--title", f"T{n}, with a comma")
    before = cli("ticket", "list", "-f", "csv").stdout
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        assert conn.execute("SELECT count(*) FROM ticket_csv").fetchone()[0] == 3
        conn.execute("DELETE FROM ticket_csv WHERE id IN (SELECT id FROM ticket_csv LIMIT 2)")
    assert cli("ticket", "list", "--status", "all", "-f", "csv").stdout == before
    assert cli("ticket", "list", "-f", "csv").stdout == before
    assert cli("sla", "recompute").exit_code == 0  # a rebuild stores them again
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        assert conn.execute("SELECT count(*) FROM ticket_csv").fetchone()[0] == 3
    assert cli("ticket", "list", "-f", "csv").stdout == before


def test_every_ticket_lists_from_its_line_closed_ones_and_other_zones_too(cli, site):
    """Closed tickets keep a line (exports list them all); a list of every ticket reads the
    lines alone, and a ticket whose line is missing or in another zone lists the same."""
    import os
    import sqlite3

    refs = [cli("ticket", "open", "--site", site, "--title", f"T{n}, =1+1", "--at",
                f"2026-10-13T0{n}:00", "-f", "json").json()["ref"] for n in range(4)]  # fmt: skip
    for args in (("resolve", refs[0], "--note", "done"), ("close", refs[0])):
        assert cli("ticket", *args).exit_code == 0
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        assert conn.execute("SELECT count(*) FROM ticket_csv").fetchone()[0] == 4
    for args in ((), ("--limit", "2"), ("--status", "closed"), ("--sort", "title")):
        listed = cli("ticket", "list", "--status", "all", *args, "-f", "csv")
        records = cli("ticket", "list", "--status", "all", *args, "-f", "json").json()
        rows = list(csv.reader(io.StringIO(listed.stdout, newline="")))
        assert rows[1:] == [cells_of(rec) for rec in records], args
    every = cli("ticket", "list", "--status", "all", "-f", "csv").stdout
    assert refs[0] in every and every.count("'T") == 0  # a title is one cell, as given
    # another display zone: the lines were rendered for the policy's, so records are written
    utc = cli("--tz", "UTC", "ticket", "list", "--status", "all", "-f", "csv").stdout
    records = cli("--tz", "UTC", "ticket", "list", "--status", "all", "-f", "json").json()
    rows = list(csv.reader(io.StringIO(utc, newline="")))
    assert rows[1:] == [cells_of(rec) for rec in records]
    assert "+00:00" in utc
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:  # one line lost: the rest as usual
        conn.execute("DELETE FROM ticket_csv WHERE id IN (SELECT id FROM ticket_csv LIMIT 1)")
    assert cli("ticket", "list", "--status", "all", "-f", "csv").stdout == every


def test_a_recompute_renders_again_the_line_of_a_closed_ticket_whose_state_changed(cli, site):
    """sla recompute renders a closed ticket's line only when its derived state changed (every
    line is kept): then the line is right again."""
    import os
    import sqlite3

    ref = cli("ticket", "open", "--site", site, "--title", "x", "-f", "json").json()["ref"]
    for args in (("resolve", ref, "--note", "done"), ("close", ref)):
        assert cli("ticket", *args).exit_code == 0
    before = cli("ticket", "list", "--status", "all", "-f", "csv").stdout
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        conn.execute("UPDATE ticket_csv SET line = 'stale' WHERE id = (SELECT id FROM ticket)")
        conn.execute("UPDATE ticket SET clocks = '[]'")  # its derived state no longer current
    r = cli("sla", "recompute")
    assert r.exit_code == 0 and "1 had new deadlines" in (r.stdout + r.stderr)
    assert cli("ticket", "list", "--status", "all", "-f", "csv").stdout == before
