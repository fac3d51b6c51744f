"""The team (issue 20, first part): create one, ask to join, enrol, join, list, whoami.

Keys stay in the key folder (svcdesk/keyfolder.py); the database holds the team (its id, name
and public team key) and its members as enrolled by certificates that verified here. Nothing
is signed or verified beyond membership yet: operations are recorded as before.
"""

from __future__ import annotations

from typing import Any

import orjson

from svcdesk import clock, ids, keyfolder
from svcdesk.domain import trust
from svcdesk.errors import NotFound, TrustError
from svcdesk.store import team as store
from svcdesk.store.db import Database
from svcdesk.store.schema import TeamMemberRow, TeamRow

NOT_IN_A_TEAM = (
    "not in a team: ask a manager to enrol this laptop (svcdesk team request, then svcdesk team "
    "join CERTIFICATE), or create one with svcdesk team init"
)


def _now_iso() -> tuple[int, str]:
    from datetime import UTC

    ts = clock.to_epoch(clock.now())
    return ts, clock.iso(ts, UTC) or ""


def _member_row(cert: trust.Certificate, recorded_at: int) -> TeamMemberRow:
    from datetime import datetime

    enrolled = clock.to_epoch(datetime.fromisoformat(cert.enrolled_at))
    return TeamMemberRow(
        id=cert.fingerprint, team_id=cert.team, engineer=cert.engineer, role=cert.role,
        regions=orjson.dumps(list(cert.regions)).decode(), key=cert.key.hex(),
        enrolled_at=enrolled, revoked_at=None, certificate=cert.raw.decode("utf-8"),
        recorded_at=recorded_at,
    )  # fmt: skip


def member_record(row: TeamMemberRow) -> dict[str, Any]:
    """A member as `team list` and `whoami` show it (CLI.md, JSON shapes: member)."""
    return {
        "engineer": row.engineer, "role": row.role, "regions": orjson.loads(row.regions),
        "key": row.id, "enrolled_at": clock.iso(row.enrolled_at),
        "revoked_at": clock.iso(row.revoked_at),
    }  # fmt: skip


def _record(db: Database, cert: trust.Certificate, *, with_team: bool) -> None:
    """Record the member (and, on a replica outside any team, the team) of a verified cert."""
    ts = clock.to_epoch(clock.now())
    with db.write() as tx:
        team = store.team(tx.conn)
        if team is None and with_team:
            store.insert_team(tx, TeamRow(id=cert.team, name=cert.team_name,
                                          team_key=cert.team_key.hex(), created_at=ts))  # fmt: skip
        if store.member(tx.conn, cert.fingerprint) is None:
            store.insert_member(tx, _member_row(cert, ts))


def _team(db: Database) -> TeamRow | None:
    with db.read() as conn:
        return store.team(conn)


def init_team(db: Database, *, name: str, engineer: str) -> dict[str, Any]:
    """Create a team: the team key in the key folder, the team and this laptop's manager in the
    database, the manager's certificate installed here."""
    name = name.strip()
    if not name:
        raise TrustError("a team needs a name: give --name NAME")
    existing = _team(db)
    if existing is not None:
        raise TrustError(f"this replica is already in team {existing.name}; a replica is in "
                         "one team")  # fmt: skip
    if keyfolder.installed_certificate() is not None:
        raise TrustError(f"{keyfolder.certificate_path()}: this laptop is already enrolled in "
                         "a team")  # fmt: skip
    laptop = keyfolder.public_bytes(keyfolder.laptop_key())
    _, at = _now_iso()
    key = keyfolder.create_team_key()
    try:
        body = trust.certificate_body(
            team=ids.uuid7(), team_name=name, team_key=keyfolder.public_bytes(key),
            engineer=engineer, role="manager", regions=(), key=laptop, enrolled_at=at,
        )  # fmt: skip
        raw = keyfolder.sign_certificate(body, key)
        cert = trust.read_certificate(raw)
        _record(db, cert, with_team=True)
        keyfolder.install_certificate(raw)
    except BaseException:
        keyfolder.remove_team_key()
        raise
    return whoami(db)


def request() -> bytes:
    """This laptop's join request (its key created on first need)."""
    return keyfolder.sign_request()


def enroll(db: Database, *, request_raw: bytes, label: str, engineer: str, role: str,
           regions: list[str]) -> tuple[bytes, dict[str, Any]]:  # fmt: skip
    """(manager) Sign a certificate for the laptop of `request_raw` and record its member."""
    team = _team(db)
    if team is None:
        raise TrustError(NOT_IN_A_TEAM)
    laptop = trust.read_request(request_raw, label)
    _, at = _now_iso()
    body = trust.certificate_body(
        team=team.id, team_name=team.name, team_key=bytes.fromhex(team.team_key),
        engineer=engineer, role=role, regions=regions, key=laptop, enrolled_at=at,
    )  # fmt: skip
    with db.read() as conn:
        known = store.member(conn, trust.fingerprint(laptop))
    if known is not None:
        raise TrustError(f"{label}: this key is already enrolled as {known.engineer}")
    raw = keyfolder.sign_certificate(body)
    cert = trust.read_certificate(raw, team=team.id, team_key=bytes.fromhex(team.team_key))
    _record(db, cert, with_team=False)
    with db.read() as conn:
        row = store.member(conn, cert.fingerprint)
    assert row is not None
    return raw, member_record(row)


def join(db: Database, *, certificate_raw: bytes, label: str) -> dict[str, Any]:
    """(laptop) Verify a certificate for this laptop's key, install it, record the member."""
    team = _team(db)
    cert = trust.read_certificate(
        certificate_raw, label=label, team=team.id if team else None,
        team_key=bytes.fromhex(team.team_key) if team else None, now=clock.now(),
    )  # fmt: skip
    mine = keyfolder.public_bytes(keyfolder.laptop_key(create=False))
    if cert.key != mine:
        raise TrustError(f"{label}: the certificate is for another laptop's key "
                         f"({trust.short_fingerprint(cert.key)})")  # fmt: skip
    installed = keyfolder.installed_certificate()
    if installed is not None and installed != certificate_raw:
        current = trust.read_certificate(installed, label=str(keyfolder.certificate_path()))
        if current.team != cert.team:
            raise TrustError(f"{label}: this laptop is already in team {current.team_name}")
    _record(db, cert, with_team=True)
    keyfolder.install_certificate(certificate_raw)
    return whoami(db)


def list_members(db: Database, *, everyone: bool = False) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [member_record(r) for r in store.members(conn, revoked=everyone)]


def whoami(db: Database) -> dict[str, Any]:
    """This laptop's member (from its installed certificate) with its team; NotFound when this
    laptop is in no team."""
    raw = keyfolder.installed_certificate()
    if raw is None:
        raise NotFound(NOT_IN_A_TEAM)
    team = _team(db)
    cert = trust.read_certificate(
        raw, label=str(keyfolder.certificate_path()), team=team.id if team else None,
        team_key=bytes.fromhex(team.team_key) if team else None,
    )  # fmt: skip
    row = _member_row(cert, 0)
    return {**member_record(row), "team": cert.team_name, "team_id": cert.team}
