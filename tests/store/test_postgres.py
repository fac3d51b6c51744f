"""The same commands against a PostgreSQL hub (the server on 127.0.0.1:5432 in CI)."""

from __future__ import annotations

import threading

import psycopg


def test_a_hub_runs_the_ticket_lifecycle(cli, pg_url):
    assert cli("--db", pg_url, "init").exit_code == 0
    assert cli("--db", pg_url, "init").exit_code == 0  # idempotent
    assert cli("--db", pg_url, "site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    t = cli("--db", pg_url, "ticket", "open", "--site", "BJ", "--title", "DVR down", "-f", "json")
    assert t.exit_code == 0, t.stderr
    ref = t.json()["ref"]
    assert cli("--db", pg_url, "ticket", "resolve", ref, "--note", "rebooted").exit_code == 0
    r = cli("--db", pg_url, "ticket", "close", ref)
    assert r.exit_code == 0, r.stderr
    r = cli("--db", pg_url, "ticket", "reopen", "1", "--reason", "again")
    assert r.exit_code == 0
    shown = cli("--db", pg_url, "ticket", "show", ref, "-f", "json").json()
    assert [e["kind"] for e in shown["events"]] == ["opened", "resolved", "closed", "reopened"]
    info = cli("--db", pg_url, "db", "info", "-f", "json").json()
    # a site, a ticket and its four events: the status is folded from them, never written
    assert (info["backend"], info["ticket"], info["changelog"]) == ("postgresql", 1, 6)
    assert cli("--db", pg_url, "db", "check").exit_code == 0


def test_a_hub_that_is_not_svcdesk_is_left_untouched(cli, pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    r = cli("--db", pg_url, "ticket", "list")
    assert r.exit_code == 1 and "not a svcdesk database" in r.stderr
    with psycopg.connect(pg_url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    assert tables == {"invoices"}


def test_an_unreachable_hub_gets_one_clear_line_without_the_password(cli):
    r = cli("--db", "postgresql://postgres:s3cret@127.0.0.1:1/x", "ticket", "list")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "cannot reach database" in r.stderr
    assert "s3cret" not in r.stderr


def test_concurrent_writers_on_a_hub_all_succeed(cli, pg_url):
    from svcdesk.services import tickets
    from svcdesk.services.session import open_database as open_db

    cli("--db", pg_url, "init")
    cli("--db", pg_url, "site", "add", "BJ-HD", "--name", "Haidian")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        db = open_db(pg_url)
        try:
            for i in range(10):
                tickets.open_ticket(db, site="BJ-HD", title=f"w{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    listed = cli("--db", pg_url, "ticket", "list", "-f", "json").json()
    assert len(listed) == 30 and len({t["ref"] for t in listed}) == 30


def test_a_hub_keeps_sla_clocks_and_lists_what_is_overdue(cli, pg_url):
    cli("--db", pg_url, "init")
    cli("--db", pg_url, "site", "add", "BJ-HD", "--name", "Haidian")
    t = cli("--db", pg_url, "ticket", "open", "--site", "BJ-HD", "--title", "Printer",
            "--category", "hardware", "--at", "2026-10-14T09:00", "-f", "json").json()  # fmt: skip
    overdue = cli("--db", pg_url, "sla", "overdue", "-f", "json").json()
    assert [(c["ticket"], c["name"], c["state"]) for c in overdue] == [
        (t["ref"], "respond", "breached")
    ]
    assert cli("--db", pg_url, "sla", "board", "-f", "json").json()[0]["ticket"] == t["ref"]
    r = cli("--db", pg_url, "sla", "recompute", "-f", "json")
    assert r.exit_code == 0 and r.json() == {"tickets": 1, "changed": 0}
    listed = cli("--db", pg_url, "ticket", "list", "-f", "json").json()
    shown = cli("--db", pg_url, "ticket", "show", t["ref"], "-f", "json").json()
    shown.pop("events")
    assert listed == [shown]


def test_rows_with_equal_instants_and_lookalike_codes_list_alike_on_both(cli, pg_url, tmp_path):
    """Ties in instants order by id, text by code point, on a laptop and on the hub alike."""
    laptop = str(tmp_path / "laptop.db")
    for db in (laptop, pg_url):
        assert cli("--db", db, "init").exit_code == 0
    for code in ("BJHA", "BJ-HD", "BJ_HC", "BJ.HB"):
        assert cli("--db", laptop, "site", "add", code, "--name", code).exit_code == 0
        for serial in ("a-1", "A1", "a 2"):
            cli("--db", laptop, "asset", "add", "--site", code, "--kind", "server",
                "--serial", f"{serial}{code}")  # fmt: skip
        for n in range(3):
            r = cli("--db", laptop, "ticket", "open", "--site", code, "--title", f"t{n}",
                    "--at", "2026-10-14T09:00")  # fmt: skip
            assert r.exit_code == 0, r.stderr
    assert cli("--db", laptop, "sync", pg_url).exit_code == 0
    for command in (("ticket", "list", "--status", "all"), ("site", "list"), ("asset", "list"),
                    ("sla", "overdue", "--within", "30d"), ("sla", "board")):  # fmt: skip
        mine = cli("--db", laptop, *command, "-f", "json").json()
        hubs = cli("--db", pg_url, *command, "-f", "json").json()
        assert [r.get("ref") or r.get("code") or r.get("ticket") for r in mine] == [
            r.get("ref") or r.get("code") or r.get("ticket") for r in hubs
        ], command
        assert len(mine) >= 4
