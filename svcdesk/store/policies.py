"""SLA policy versions: the rows of `policy` (append-only; the id is a digest of the text)."""

from __future__ import annotations

from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import PolicyRow
from svcdesk.store.sql import Conn

_COLS = select_list(PolicyRow.COLUMNS)
# The version in force at an instant: the latest effective, then the latest loaded, then id.
_ORDER = "effective_at DESC, loaded_at DESC, id DESC"


def in_force(conn: Conn, at: int) -> PolicyRow | None:
    """The version in force at epoch second `at` (None: none stored takes effect by then)."""
    row = conn.execute(
        f"SELECT {_COLS} FROM policy WHERE effective_at <= :at ORDER BY {_ORDER} LIMIT 1",
        {"at": at},
    ).first()
    return PolicyRow(*row) if row else None


def by_id(conn: Conn, policy_id: str) -> PolicyRow | None:
    row = conn.execute(f"SELECT {_COLS} FROM policy WHERE id = :i", {"i": policy_id}).first()
    return PolicyRow(*row) if row else None


def versions(conn: Conn) -> list[PolicyRow]:
    """Every version, oldest in force first (ties: loaded first, then id)."""
    rows = conn.execute(
        f"SELECT {_COLS} FROM policy ORDER BY effective_at, loaded_at, id"
    ).all()
    return [PolicyRow(*r) for r in rows]


def add(tx: Tx, policy: PolicyRow) -> bool:
    """Store a loaded version (logged, so it syncs); False if it is there already."""
    if by_id(tx.conn, policy.id) is not None:
        return False
    tx.insert("policy", {c: getattr(policy, c) for c in PolicyRow.COLUMNS}, append_only=True)
    return True


def ensure(conn: Conn, policy: PolicyRow) -> None:
    """Store a version every replica has anyway (the shipped default), without logging it."""
    if by_id(conn, policy.id) is None:
        conn.execute(
            f"INSERT INTO policy ({_COLS}) VALUES "
            f"({', '.join(':' + c for c in PolicyRow.COLUMNS)})",
            {c: getattr(policy, c) for c in PolicyRow.COLUMNS},
        )
