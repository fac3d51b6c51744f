"""The team and its members (issue 20): rows of `team` and `team_member`, this replica's own.

Members are written only from a certificate that verified (services/team.py); the rows hold
public keys and the certificate document, never a private key or a passphrase.
"""

from __future__ import annotations

from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import TeamMemberRow, TeamRow
from svcdesk.store.sql import Conn

_TEAM = select_list(TeamRow.COLUMNS)
_MEMBER = select_list(TeamMemberRow.COLUMNS)


def team(conn: Conn) -> TeamRow | None:
    """The team this replica belongs to, or None (a replica outside any team)."""
    row = conn.execute(f"SELECT {_TEAM} FROM team ORDER BY created_at, id LIMIT 1").first()
    return TeamRow(*row) if row else None


def insert_team(tx: Tx, row: TeamRow) -> None:
    tx.insert("team", {c: getattr(row, c) for c in TeamRow.COLUMNS})


def member(conn: Conn, member_id: str) -> TeamMemberRow | None:
    """The member of this key fingerprint, or None."""
    row = conn.execute(f"SELECT {_MEMBER} FROM team_member WHERE id = :i",
                       {"i": member_id}).first()  # fmt: skip
    return TeamMemberRow(*row) if row else None


def insert_member(tx: Tx, row: TeamMemberRow) -> None:
    tx.insert("team_member", {c: getattr(row, c) for c in TeamMemberRow.COLUMNS})


def members(conn: Conn, *, revoked: bool = False) -> list[TeamMemberRow]:
    """The members, in the order they were enrolled; `revoked`: the revoked ones too."""
    where = "" if revoked else " WHERE revoked_at IS NULL"
    sql = f"SELECT {_MEMBER} FROM team_member{where} ORDER BY enrolled_at, engineer, id"
    return [TeamMemberRow(*r) for r in conn.execute(sql).all()]
