"""Helpers the tests import (tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a svcdesk child process: this checkout's code, whatever is installed."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def replicas(folder: Path, n: int, name: str = "r") -> list:
    """`n` fresh replicas (SQLite files in `folder`), initialised."""
    from svcdesk.services.dbadmin import init
    from svcdesk.services.session import open_database

    dbs = []
    for i in range(n):
        db = open_database(str(folder / f"{name}{i}.db"), create=True)
        init(db)
        dbs.append(db)
    return dbs


def walked_status(shown: dict) -> str:
    """A ticket's status as an independent walk of its shown events gives it: each lifecycle
    event that its status allows moves it on, voided events and the void events aside."""
    from svcdesk.domain import tickets as rules

    voided = {e["details"].get("event") for e in shown["events"] if e["kind"] == "void"}
    status = "open"
    for e in shown["events"]:
        if e["kind"] in ("opened", "void", "comment") or e["id"] in voided:
            continue
        allowed, after = rules.TRANSITIONS[e["kind"]]
        if status in allowed and after:
            status = after
    return status


LIFECYCLE = ("assign", "respond", "escalate", "arrive", "pause", "resume", "resolve", "reopen",
             "close", "report", "comment")  # fmt: skip


def lifecycle(db, action: str, ref: str, at: str | None = None) -> None:
    """Record lifecycle event `action` on ticket `ref` as its command would (at `at`)."""
    from svcdesk.services import tickets

    steps = {
        "assign": lambda: tickets.assign(db, ref, "Li Wei", at=at),
        "respond": lambda: tickets.respond(db, ref, at=at),
        "escalate": lambda: tickets.escalate(db, ref, to="Zhang Min", at=at),
        "arrive": lambda: tickets.arrive(db, ref, engineer="Zhang Min", at=at),
        "pause": lambda: tickets.pause(db, ref, reason="waiting for the customer", at=at),
        "resume": lambda: tickets.resume(db, ref, at=at),
        "resolve": lambda: tickets.resolve_ticket(db, ref, note="fixed", at=at),
        "reopen": lambda: tickets.reopen(db, ref, reason="again", at=at),
        "close": lambda: tickets.close(db, ref, at=at),
        "report": lambda: tickets.report(db, ref, type="hardware", cause="worn part",
                                         method="replaced it", at=at),
        "comment": lambda: tickets.comment(db, ref, "called the hall manager", at=at),
    }  # fmt: skip
    steps[action]()


def reset_cli_state() -> None:
    """The CLI keeps process-wide state (global options, the open database): reset it."""
    from svcdesk import clock
    from svcdesk.cli import common

    if common.state._db is not None:
        common.state._db.close()
    common.state.__init__()  # type: ignore[misc]
    clock.set_now(None)
    clock.set_display_tz(None)
    clock.set_policy_tz(None)


def complete(db: str, words: str) -> list[str]:
    """What Tab offers after `words` (bash's completion protocol; a trailing space: a new
    word), in a child process as a shell runs it."""
    import subprocess
    import sys

    env = {**child_env(), "_SVCDESK_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
           "SVCDESK_DB": db}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", "from svcdesk.cli import main; main()"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.stderr == ""
    return proc.stdout.split()
