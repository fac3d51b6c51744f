"""Upgrades at a site and the training each major one owes that site's operators.

The plan: "系统重大升级后主动组织培训" — after a major upgrade, the site's operators are
trained within the policy's `[training] within` (default 30 days). `upgrade record --major`
creates that obligation; `training record` discharges it: the upgrade it names with
`--upgrade V`, else the oldest major upgrade at the site that no training has discharged yet
and that happened before the training. The plan also says a fault during an upgrade is handled
on site at once ("升级期间出现故障立即到现场"): `upgrade_under_way` tells `ticket open` so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from svcdesk import clock, ids
from svcdesk.errors import InvalidValue, NotFound, RuleViolation
from svcdesk.store import field as store
from svcdesk.store import sites as site_store
from svcdesk.store.db import Database
from svcdesk.store.schema import SiteRow, TrainingRow, UpgradeRow
from svcdesk.store.sql import Conn

# A fault reported this long after an upgrade began is a fault during the upgrade.
UPGRADE_WINDOW = 24 * 3600
MAX_ATTENDEES = 100_000


def _text(value: str | None, what: str, *, example: str) -> str:
    if value is None or not value.strip():
        raise InvalidValue(f"{what} must not be empty (for example {what} {example})")
    if "\x00" in value:
        raise InvalidValue(f"{what} must not contain a NUL character")
    return value.strip()


def _version(value: str | None, what: str = "--version") -> str:
    version = _text(value, what, example="3.2")
    if not version.isprintable() or len(version) > 64:
        raise InvalidValue(f"{what} {version!r} is not a version (printable, at most 64 chars)")
    return version


def _local(ts: int) -> str:
    return f"{clock.from_epoch(ts, clock.display_tz()):%Y-%m-%d %H:%M}"


def _within(conn: Conn, ts: int) -> int:
    from svcdesk.services import policies

    return policies.in_force(conn, ts)[1].training.within


# --------------------------------------------------------------------------------------------
# Recording


def record_upgrade(db: Database, *, site: str, version: str, major: bool = False,
                   at: str | datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Record an upgrade of a site's system to `version`; a major one owes its operators a
    training within the policy's window."""
    v = _version(version)
    ts = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        conn = tx.conn
        site_row = site_store.find(conn, site)
        same = store.upgrades(conn, site_id=site_row.id, version=v)
        if same:
            raise RuleViolation(
                f"site {site_row.code} was already upgraded to {v} at {_local(same[0].at)}; "
                "nothing was recorded"
            )
        row = UpgradeRow(id=ids.uuid7(), site_id=site_row.id, version=v, major=int(major),
                         at=ts, recorded_at=clock.to_epoch(clock.now()))  # fmt: skip
        store.insert_upgrade(tx, row)
    return show_upgrade(db, row.id)


def record_training(db: Database, *, site: str, topic: str, attendees: int,
                    upgrade: str | None = None,
                    at: str | datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """Record a training of a site's operators; it discharges the upgrade named by `upgrade`
    (a version), else the oldest major upgrade at the site still owed a training."""
    subject = _text(topic, "--topic", example='"new queue screens"')
    if isinstance(attendees, bool) or not 1 <= attendees <= MAX_ATTENDEES:
        raise InvalidValue(f"--attendees must be a whole number from 1 to {MAX_ATTENDEES}")
    wanted = _version(upgrade, "--upgrade") if upgrade is not None else None
    ts = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        conn = tx.conn
        site_row = site_store.find(conn, site)
        target = _upgrade_trained(conn, site_row, wanted, ts)
        row = TrainingRow(id=ids.uuid7(), site_id=site_row.id,
                          upgrade_id=target.id if target else None, topic=subject,
                          attendees=attendees, at=ts,
                          recorded_at=clock.to_epoch(clock.now()))  # fmt: skip
        store.insert_training(tx, row)
    return show_training(db, row.id)


def _upgrade_trained(conn: Conn, site: SiteRow, version: str | None, ts: int) -> UpgradeRow | None:
    """The upgrade a training at `ts` discharges."""
    if version is None:
        owed = [u for u in store.untrained_major_upgrades(conn, site_id=site.id) if u.at <= ts]
        return owed[0] if owed else None
    found = store.upgrades(conn, site_id=site.id, version=version)
    if not found:
        known = [u.version for u in store.upgrades(conn, site_id=site.id)]
        hint = f" (its upgrades: {', '.join(known[-5:])})" if known else ""
        raise NotFound(
            f"site {site.code} has no upgrade {version} recorded{hint}; record it first with "
            f"'svcdesk upgrade record --site {site.code} --version {version}'"
        )
    before = [u for u in found if u.at <= ts]
    if not before:
        raise RuleViolation(
            f"the training at {_local(ts)} is before upgrade {version} at site {site.code} "
            f"({_local(found[0].at)}); nothing was recorded"
        )
    return before[-1]


# --------------------------------------------------------------------------------------------
# Reading


def _upgrade_records(conn: Conn, rows: list[UpgradeRow]) -> list[dict[str, Any]]:
    local = clock.local_times(clock.display_tz())
    sites = site_store.codes(conn)
    trained: dict[str, TrainingRow] = {}
    for t in store.trainings(conn):
        if t.upgrade_id is not None:
            trained.setdefault(t.upgrade_id, t)
    out = []
    for u in rows:
        done = trained.get(u.id)
        due = u.at + _within(conn, u.at) if u.major else None
        out.append({
            "id": u.id,
            "site": sites.get(u.site_id),
            "version": u.version,
            "major": bool(u.major),
            "at": local(u.at),
            "training_due_at": local(due) if due is not None else None,
            "trained_at": local(done.at) if done else None,
            "training": ("held" if done else "owed") if u.major else None,
        })  # fmt: skip
    return out


def show_upgrade(db: Database, upgrade_id: str) -> dict[str, Any]:
    with db.read() as conn:
        row = store.upgrade_by_id(conn, upgrade_id)
        assert row is not None
        return _upgrade_records(conn, [row])[0]


def list_upgrades(db: Database, *, site: str | None = None) -> list[dict[str, Any]]:
    """Upgrades (of one site), oldest first, with the training each major one owes."""
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site is not None else None
        return _upgrade_records(conn, store.upgrades(conn, site_id=site_id))


def _training_records(conn: Conn, rows: list[TrainingRow]) -> list[dict[str, Any]]:
    local = clock.local_times(clock.display_tz())
    sites = site_store.codes(conn)
    versions = {}
    for upgrade_id in {t.upgrade_id for t in rows if t.upgrade_id}:
        up = store.upgrade_by_id(conn, upgrade_id)
        if up is not None:
            versions[upgrade_id] = up.version
    out = []
    for t in rows:
        out.append({
            "id": t.id,
            "site": sites.get(t.site_id),
            "topic": t.topic,
            "attendees": t.attendees,
            "at": local(t.at),
            "upgrade": versions.get(t.upgrade_id or ""),
        })  # fmt: skip
    return out


def show_training(db: Database, training_id: str) -> dict[str, Any]:
    with db.read() as conn:
        row = store.training_by_id(conn, training_id)
        assert row is not None
        return _training_records(conn, [row])[0]


def list_trainings(db: Database, *, site: str | None = None) -> list[dict[str, Any]]:
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site is not None else None
        return _training_records(conn, store.trainings(conn, site_id=site_id))


def trainings_owed(conn: Conn, *, site_id: str | None = None) -> list[dict[str, Any]]:
    """Major upgrades still owed a training, as due items' raw facts: site id, version, the
    instant of the upgrade and the instant the training is due."""
    return [{"site_id": u.site_id, "version": u.version, "at": u.at,
             "due_at": u.at + _within(conn, u.at)}
            for u in store.untrained_major_upgrades(conn, site_id=site_id)]  # fmt: skip


# --------------------------------------------------------------------------------------------
# A fault during an upgrade


def upgrade_under_way(conn: Conn, site_id: str, ts: int) -> str | None:
    """Why a fault reported at `ts` at this site happens during an upgrade (an upgrade that
    began within the last 24 hours, or an upgrade visit still open), else None."""
    recent = store.upgrades(conn, site_id=site_id, since=ts - UPGRADE_WINDOW, until=ts + 1)
    if recent:
        u = recent[-1]
        return f"upgrade {u.version} began at {_local(u.at)}"
    for v in store.open_visits(conn):
        if v.site_id == site_id and v.kind == "upgrade" and v.started_at <= ts:
            return f"upgrade visit {v.ref} is under way (since {_local(v.started_at)})"
    return None
