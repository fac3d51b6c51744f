"""Every event says whether it stands (issue 19), as two laptops meet it: two SQLite files
synced with `svcdesk sync`. After a merge, `ticket show` marks each event the merged timeline
set aside (`in_effect` false, `set_aside_by` the event that stands instead) and its table and
plain timelines name what it lost to; `export events` says the same; the monthly review counts
exactly the events that stand."""

from __future__ import annotations

from pathlib import Path

import pytest

NOW = "2026-11-05T10:00:00+08:00"


@pytest.fixture
def laptops(cli, tmp_path, monkeypatch):
    """Two laptops holding one resolved ticket (opened and resolved on A, synced to B)."""
    monkeypatch.setenv("SVCDESK_NOW", NOW)
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for db in (a, b):
        assert cli("--db", db, "init").exit_code == 0
    assert cli("--db", a, "site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    ref = ok(cli, "--db", a, "ticket", "open", "--site", "BJ-HD", "--title", "DVR down",
             "--category", "hardware", "--at", "2026-10-14T09:00")["ref"]  # fmt: skip
    ok(cli, "--db", a, "ticket", "resolve", ref, "--note", "rebooted", "--at", "2026-10-14T09:30")
    synced(cli, a, b)
    return a, b, ref


def ok(cli, *args: str) -> dict:
    r = cli(*args, "-f", "json")
    assert r.exit_code == 0, (args, r.stderr)
    return r.json()


def synced(cli, a: str, b: str) -> None:
    r = cli("--db", a, "sync", b)
    assert r.exit_code == 0, r.stderr


def events(cli, db: str, ref: str) -> tuple[str, list[dict]]:
    shown = ok(cli, "--db", db, "ticket", "show", ref)
    for e in shown["events"]:
        assert {"id", "kind", "at", "actor", "note", "details", "in_effect",
                "set_aside_by"} <= e.keys()  # fmt: skip
        assert isinstance(e["in_effect"], bool)
        assert (e["set_aside_by"] is None) == e["in_effect"]
    return shown["status"], shown["events"]


def review(cli, db: str) -> dict:
    return ok(cli, "--db", db, "report", "monthly", "--month", "2026-10")


def exported(cli, db: str) -> dict[str, tuple[bool, str | None]]:
    r = cli("--db", db, "export", "events", "-f", "jsonl")
    assert r.exit_code == 0, r.stderr
    import json

    rows = [json.loads(line) for line in r.stdout.splitlines()]
    return {e["id"]: (e["in_effect"], e["set_aside_by"]) for e in rows}


def test_two_laptops_reopen_the_same_ticket(cli, laptops):
    a, b, ref = laptops
    ok(cli, "--db", a, "ticket", "reopen", ref, "--reason", "blank again",
       "--at", "2026-10-14T09:40")  # fmt: skip
    ok(cli, "--db", b, "ticket", "reopen", ref, "--reason", "still blank",
       "--at", "2026-10-14T09:45")  # fmt: skip
    synced(cli, a, b)
    for db in (a, b):
        status, evs = events(cli, db, ref)
        assert status == "open"
        first, second = [e for e in evs if e["kind"] == "reopened"]
        # the first reopening stands; the second could not follow it (the ticket was open)
        assert first["in_effect"] and first["set_aside_by"] is None
        assert not second["in_effect"] and second["set_aside_by"] == first["id"]
        assert all(e["in_effect"] for e in evs if e["kind"] != "reopened")
        # the review counts the ticket reopened once (it said 0 before issue 19)
        figs = review(cli, db)
        assert (figs["resolved"], figs["reopened"], figs["closed"]) == (1, 1, 0)
        assert figs["reopen_rate"] == 100.0
        md = cli("--db", db, "report", "monthly", "--month", "2026-10", "--lang", "en").stdout
        assert "| Reopen rate | 100.0% (Reopened 1) |" in md
        zh = cli("--db", db, "report", "monthly", "--month", "2026-10").stdout
        assert "（重新处理 1）" in zh
        # the table and the plain timeline mark the one set aside and name what it lost to
        for fmt in ("plain", "table"):
            r = cli("--db", db, "ticket", "show", ref, "-f", fmt)
            assert r.exit_code == 0, r.stderr
            lines = [ln for ln in r.stdout.splitlines() if "reopened" in ln]
            marked = [ln for ln in lines if "set aside" in ln]
            assert len(marked) == 1, r.stdout
            assert "reopened ✗" in marked[0]
            assert "set aside: lost to reopened at 2026-10-14 09:40" in marked[0]
            assert "2026-10-14 09:45" in marked[0] and "still blank" in marked[0]
        assert exported(cli, db)[second["id"]] == (False, first["id"])
        assert exported(cli, db)[first["id"]] == (True, None)


def test_a_reopening_on_one_laptop_and_a_close_on_the_other(cli, laptops):
    a, b, ref = laptops
    ok(cli, "--db", a, "ticket", "reopen", ref, "--reason", "again", "--at", "2026-10-14T09:40")
    ok(cli, "--db", b, "ticket", "close", ref, "--at", "2026-10-14T09:45")
    synced(cli, a, b)
    for db in (a, b):
        status, evs = events(cli, db, ref)
        # the timeline ends with the close, yet the ticket is open: the close says why
        assert status == "open" and evs[-1]["kind"] == "closed"
        reopen = next(e for e in evs if e["kind"] == "reopened")
        assert reopen["in_effect"]
        assert evs[-1]["in_effect"] is False and evs[-1]["set_aside_by"] == reopen["id"]
        figs = review(cli, db)
        assert (figs["resolved"], figs["reopened"], figs["closed"]) == (1, 1, 0)
        assert figs["backlog"] == 1
        plain = cli("--db", db, "ticket", "show", ref, "-f", "plain").stdout
        close_line = next(ln for ln in plain.splitlines() if "closed" in ln)
        assert "closed ✗" in close_line
        assert "set aside: lost to reopened at 2026-10-14 09:40" in close_line
        assert exported(cli, db)[evs[-1]["id"]] == (False, reopen["id"])


def test_sync_keep_voids_the_other_event_and_the_review_follows(cli, laptops):
    a, b, ref = laptops
    ok(cli, "--db", a, "ticket", "reopen", ref, "--reason", "again", "--at", "2026-10-14T09:40")
    ok(cli, "--db", b, "ticket", "close", ref, "--at", "2026-10-14T09:45")
    synced(cli, a, b)
    conflicts = ok(cli, "--db", b, "sync", "conflicts")
    (lifecycle,) = [c for c in conflicts if c["field"] == "lifecycle"]
    # keep the close: the reopening is taken out of the timeline (a void event, synced)
    r = cli("--db", b, "sync", "keep", lifecycle["lost_stamp"])
    assert r.exit_code == 0, r.stderr
    synced(cli, a, b)
    for db in (a, b):
        status, evs = events(cli, db, ref)
        assert status == "closed"
        void = next(e for e in evs if e["kind"] == "void")
        reopen = next(e for e in evs if e["kind"] == "reopened")
        close = next(e for e in evs if e["kind"] == "closed")
        assert void["in_effect"] and close["in_effect"]
        assert void["details"]["event"] == reopen["id"]
        assert reopen["in_effect"] is False and reopen["set_aside_by"] == void["id"]
        assert [c for c in ok(cli, "--db", db, "sync", "conflicts")
                if c["field"] == "lifecycle"] == []  # fmt: skip
        figs = review(cli, db)
        assert (figs["resolved"], figs["reopened"], figs["closed"]) == (1, 0, 1)
        assert figs["backlog"] == 0
        plain = cli("--db", db, "ticket", "show", ref, "-f", "plain").stdout
        line = next(ln for ln in plain.splitlines() if "reopened" in ln)
        assert "reopened ✗" in line and "set aside: voided at 2026-10-14 09:40" in line
        assert exported(cli, db)[reopen["id"]] == (False, void["id"])


def test_an_unmerged_timeline_has_every_event_in_effect(cli, laptops):
    a, _, ref = laptops
    _, evs = events(cli, a, ref)
    assert [(e["kind"], e["in_effect"], e["set_aside_by"]) for e in evs] == [
        ("opened", True, None), ("resolved", True, None)]
    r = cli("--db", a, "export", "events", "-f", "csv")
    header = r.stdout.splitlines()[0]
    assert header.endswith(",details,in_effect,set_aside_by")
    assert all(line.endswith(",true,") for line in r.stdout.splitlines()[1:])


def test_an_old_database_is_derived_again_and_marks_what_it_set_aside(cli, laptops):
    """A database derived by svcdesk before issue 19 stored only the contradicted pairs: it is
    derived again when opened (DERIVED_FORMAT), and the review and the timeline agree."""
    import sqlite3

    a, b, ref = laptops
    ok(cli, "--db", a, "ticket", "reopen", ref, "--reason", "again", "--at", "2026-10-14T09:40")
    ok(cli, "--db", b, "ticket", "close", ref, "--at", "2026-10-14T09:45")
    synced(cli, a, b)
    with sqlite3.connect(Path(a)) as conn:
        (text,) = conn.execute("SELECT contradictions FROM ticket").fetchone()
        pairs = [[lost, kept] for lost, kept, _ in __import__("json").loads(text)]
        conn.execute("UPDATE ticket SET contradictions = ?", [__import__("json").dumps(pairs)])
        conn.execute("UPDATE svcdesk_meta SET value = '6' WHERE key = 'derived_format'")
    figs = review(cli, a)
    assert (figs["reopened"], figs["closed"]) == (1, 0)
    _, evs = events(cli, a, ref)
    assert evs[-1]["in_effect"] is False
