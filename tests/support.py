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
