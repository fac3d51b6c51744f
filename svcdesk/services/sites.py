"""Customer sites: the places tickets, assets and visits belong to."""

from __future__ import annotations

from typing import Any

from svcdesk import clock, ids
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services.refs import resolve
from svcdesk.store.db import Database
from svcdesk.store.sql import Conn


def site_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "tz": row["tz"],
        "region": row["region"],
        "contact": row["contact"],
        "created_at": clock.from_epoch(row["created_at"]),
        "updated_at": clock.from_epoch(row["updated_at"]),
    }


def find_site(conn: Conn, typed: str) -> dict[str, Any]:
    return resolve(conn, "site", typed, what="site", ref_col="code")


def add_site(
    db: Database,
    *,
    code: str,
    name: str,
    tz: str | None = None,
    region: str | None = None,
    contact: str | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    """Register a customer site under a short unique CODE (stored upper-case)."""
    code = code.strip().upper()
    if not code or any(c.isspace() for c in code):
        raise InvalidValue(f"invalid site code {code!r}: one word, such as BJ-HD")
    if not name.strip():
        raise InvalidValue("a site needs a --name")
    if tz:
        clock.zone(tz)
    now = clock.to_epoch(clock.parse_instant(at, what="--at") if at else clock.now())
    row = {
        "id": ids.uuid7(),
        "code": code,
        "name": name.strip(),
        "tz": tz,
        "region": region,
        "contact": contact,
        "created_at": now,
        "updated_at": now,
    }
    with db.write() as tx:
        taken = tx.conn.execute("SELECT 1 FROM site WHERE code = :c", {"c": code}).first()
        if taken:
            raise RuleViolation(f"site {code} already exists (see 'svcdesk site show {code}')")
        tx.insert("site", row)
    return site_record(row)


def list_sites(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute("SELECT * FROM site ORDER BY code").records()
        counts: dict[str, int] = dict(
            conn.execute(
                "SELECT site_id, count(*) FROM ticket WHERE status <> 'closed' GROUP BY site_id"
            ).all()
        )
    out = []
    for r in rows:
        rec = site_record(dict(r))
        rec["open_tickets"] = counts.get(r["id"], 0)
        out.append(rec)
    return out


def show_site(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        row = find_site(conn, typed)
        rec = site_record(row)
        rec["open_tickets"] = conn.execute(
            "SELECT count(*) FROM ticket WHERE site_id = :s AND status <> 'closed'",
            {"s": row["id"]},
        ).scalar()
        rec["assets"] = conn.execute(
            "SELECT count(*) FROM asset WHERE site_id = :s", {"s": row["id"]}
        ).scalar()
    return rec
