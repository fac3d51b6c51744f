"""Field work: the rows of `visit`, `visit_part`, `inspection`, `upgrade` and `training`.

A visit is mutable per field (its end is written after its start); the others are append-only
and merge by union. Instants are Unix seconds; windows are half-open, [since, until). Every
statement here is the same text on SQLite and PostgreSQL; text sorts by code point on both.
Refs are `CODE-Vn` (visits) and `CODE-In` (inspections), numbered per replica like tickets'.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from svcdesk.store import meta, refs
from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import (
    InspectionRow,
    TrainingRow,
    UpgradeRow,
    VisitPartRow,
    VisitRow,
)
from svcdesk.store.sql import Conn, by_code_points, in_list

_VISIT = select_list(VisitRow.COLUMNS)
_PART = select_list(VisitPartRow.COLUMNS)
_INSPECTION = select_list(InspectionRow.COLUMNS)
_UPGRADE = select_list(UpgradeRow.COLUMNS)
_TRAINING = select_list(TrainingRow.COLUMNS)

# The ref each numbered table hands out: the replica's code, a letter, this replica's number.
REF_PATTERNS = {t: meta.REFS[t] for t in ("visit", "inspection")}
# The tables of field work that name a site, and those that name an asset (a merge moves them).
SITE_TABLES = ("visit", "inspection", "upgrade", "training")
ASSET_TABLES = ("visit_part",)


def next_ref(tx: Tx, table: str, code: str) -> str:
    """The next free ref of `table` (visit, inspection) for the replica with this code: its
    counter's next value, skipping any ref this database knows (a record, or an old name)."""
    pattern = REF_PATTERNS[table]
    while True:
        ref = pattern.format(code=code, n=tx.next_counter(table))
        if not meta.ref_taken(tx.conn, table, ref):
            return ref


def ref_holders(conn: Conn, table: str, wanted: list[str]) -> dict[str, str]:
    """Ref -> the id of the row of `table` (visit, inspection) that holds it, for those held."""
    name = _ref_table(table)
    out: dict[str, str] = {}
    for marks, params in in_list(sorted(set(wanted))):
        rows = conn.execute(f"SELECT ref, id FROM {name} WHERE ref IN ({marks})", params).all()
        out.update((str(r), str(i)) for r, i in rows)
    return out


def clash_ref(ref: str, row_id: str) -> str:
    """The ref a record gets when another, made earlier, has its ref (a file copied where
    nothing could tell hands out the refs the original hands out): its own, with the end of
    its id, the same on every replica (`KQ7M-V5.3F9A2C`)."""
    return f"{ref}.{row_id.replace('-', '')[-6:].upper()}"


def set_ref(conn: Conn, table: str, row_id: str, ref: str) -> None:
    """Give a record another ref (not logged: every replica does the same, see `clash_ref`)."""
    conn.execute(f"UPDATE {_ref_table(table)} SET ref = :r WHERE id = :i", {"r": ref, "i": row_id})


def _ref_table(table: str) -> str:
    if table not in REF_PATTERNS:
        raise ValueError(f"{table!r} hands out no refs of its own")
    return table


def window(col: str, since: int | None, until: int | None, params: dict[str, Any]) -> list[str]:
    """The clauses of a half-open window [since, until) on `col`, its values put in `params`."""
    where = []
    if since is not None:
        where.append(f"{col} >= :since")
        params["since"] = since
    if until is not None:
        where.append(f"{col} < :until")
        params["until"] = until
    return where


def where_clause(clauses: list[str]) -> str:
    return " WHERE " + " AND ".join(clauses) if clauses else ""


# --------------------------------------------------------------------------------------------
# Visits


def find_visit(conn: Conn, typed: str, *, replica_code: str) -> VisitRow:
    """The visit a person names: its ref (KQ7M-V3), its number here (3), or a unique prefix of
    its ref or id."""
    return refs.resolve(conn, VisitRow, typed, what="visit", local=f"{replica_code}-V%d")


def visit_by_id(conn: Conn, visit_id: str) -> VisitRow | None:
    row = conn.execute(f"SELECT {_VISIT} FROM visit WHERE id = :i", {"i": visit_id}).first()
    return VisitRow(*row) if row else None


def insert_visit(tx: Tx, visit: VisitRow) -> None:
    tx.insert("visit", {c: getattr(visit, c) for c in VisitRow.COLUMNS})


def update_visit(tx: Tx, visit_id: str, changes: dict[str, Any]) -> None:
    """Write some fields of a visit (each syncs on its own; concurrent writes: `sync
    conflicts`)."""
    tx.update("visit", visit_id, changes)


def engineers(conn: Conn) -> list[str]:
    """Every engineer name visits were recorded under."""
    rows = conn.execute("SELECT DISTINCT engineer FROM visit").all()
    return sorted(str(e) for (e,) in rows)


def visits(conn: Conn, *, site_id: str | None = None, engineers: list[str] | None = None,
           since: int | None = None, until: int | None = None,
           ticket_id: str | None = None) -> list[VisitRow]:  # fmt: skip
    """Visits started in [since, until), at a site, by one of `engineers` (the names as
    stored), for a ticket; oldest first (ties by id)."""
    params: dict[str, Any] = {}
    where = window("started_at", since, until, params)
    if site_id is not None:
        where.append("site_id = :s")
        params["s"] = site_id
    if ticket_id is not None:
        where.append("ticket_id = :t")
        params["t"] = ticket_id
    if engineers is not None:
        if not engineers:
            return []
        marks = ", ".join(f":e{n}" for n in range(len(engineers)))
        where.append(f"engineer IN ({marks})")
        params.update({f"e{n}": e for n, e in enumerate(engineers)})
    sql = f"SELECT {_VISIT} FROM visit{where_clause(where)} ORDER BY started_at, id"
    return [VisitRow(*r) for r in conn.execute(sql, params).all()]


def open_visits(conn: Conn, *, engineer: str | None = None) -> list[VisitRow]:
    """Visits not ended yet (of one engineer, as stored), oldest first."""
    params: dict[str, Any] = {}
    where = ["ended_at IS NULL"]
    if engineer is not None:
        where.append("engineer = :e")
        params["e"] = engineer
    sql = f"SELECT {_VISIT} FROM visit{where_clause(where)} ORDER BY started_at, id"
    return [VisitRow(*r) for r in conn.execute(sql, params).all()]


class TimeOnSite(NamedTuple):
    """Per engineer and site: visits ended, their total seconds on site, visits still open."""

    engineer: str
    site_id: str
    visits: int
    seconds: int
    open: int


def time_on_site(conn: Conn, *, site_id: str | None = None, engineers: list[str] | None = None,
                 since: int | None = None, until: int | None = None
                 ) -> list[TimeOnSite]:  # fmt: skip
    """Time on site of the visits started in [since, until), summed per engineer and site in
    SQL; by engineer, then site code (code points)."""
    params: dict[str, Any] = {}
    where = window("v.started_at", since, until, params)
    if site_id is not None:
        where.append("v.site_id = :s")
        params["s"] = site_id
    if engineers is not None:
        if not engineers:
            return []
        marks = ", ".join(f":e{n}" for n in range(len(engineers)))
        where.append(f"v.engineer IN ({marks})")
        params.update({f"e{n}": e for n, e in enumerate(engineers)})
    sql = (
        "SELECT v.engineer, v.site_id, "
        "sum(CASE WHEN v.ended_at IS NOT NULL THEN 1 ELSE 0 END), "
        "sum(CASE WHEN v.ended_at IS NOT NULL THEN v.ended_at - v.started_at ELSE 0 END), "
        "sum(CASE WHEN v.ended_at IS NULL THEN 1 ELSE 0 END) "
        f"FROM visit v JOIN site s ON s.id = v.site_id{where_clause(where)} "
        "GROUP BY v.engineer, v.site_id, s.code "
        f"ORDER BY {by_code_points(conn, 'v.engineer')}, {by_code_points(conn, 's.code')}"
    )
    return [TimeOnSite(str(e), str(s), int(n or 0), int(t or 0), int(o or 0))
            for e, s, n, t, o in conn.execute(sql, params).all()]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Parts replaced during a visit


def add_part(tx: Tx, part: VisitPartRow) -> None:
    tx.insert("visit_part", {c: getattr(part, c) for c in VisitPartRow.COLUMNS}, append_only=True)


def parts_of(conn: Conn, visit_ids: Iterable[str]) -> dict[str, list[VisitPartRow]]:
    """Visit id -> its parts in the order given (ties by id); visits without parts are absent."""
    out: dict[str, list[VisitPartRow]] = {}
    for marks, params in in_list(sorted(set(visit_ids))):
        rows = conn.execute(
            f"SELECT {_PART} FROM visit_part WHERE visit_id IN ({marks}) "
            "ORDER BY visit_id, position, id",
            params,
        ).all()
        for r in rows:
            part = VisitPartRow(*r)
            out.setdefault(part.visit_id, []).append(part)
    return out


# --------------------------------------------------------------------------------------------
# Inspections


def find_inspection(conn: Conn, typed: str, *, replica_code: str) -> InspectionRow:
    """The inspection a person names: its ref (KQ7M-I3), its number here, or a unique prefix."""
    return refs.resolve(conn, InspectionRow, typed, what="inspection",
                        local=f"{replica_code}-I%d")  # fmt: skip


def insert_inspection(tx: Tx, inspection: InspectionRow) -> None:
    tx.insert("inspection", {c: getattr(inspection, c) for c in InspectionRow.COLUMNS},
              append_only=True)  # fmt: skip


def inspections(conn: Conn, *, site_id: str | None = None, since: int | None = None,
                until: int | None = None, visit_id: str | None = None
                ) -> list[InspectionRow]:  # fmt: skip
    """Inspections at a site (or every site) with `at` in [since, until), oldest first."""
    params: dict[str, Any] = {}
    where = window("at", since, until, params)
    if site_id is not None:
        where.append("site_id = :s")
        params["s"] = site_id
    if visit_id is not None:
        where.append("visit_id = :v")
        params["v"] = visit_id
    sql = f"SELECT {_INSPECTION} FROM inspection{where_clause(where)} ORDER BY at, id"
    return [InspectionRow(*r) for r in conn.execute(sql, params).all()]


def inspection_times(conn: Conn, *, since: int | None = None, until: int | None = None
                     ) -> dict[str, list[int]]:  # fmt: skip
    """Site id -> the instants of its inspections in [since, until), in order (one indexed
    scan for every site: what a board of thousands of sites needs)."""
    params: dict[str, Any] = {}
    where = window("at", since, until, params)
    out: dict[str, list[int]] = {}
    sql = f"SELECT site_id, at FROM inspection{where_clause(where)} ORDER BY site_id, at"
    for site, at in conn.execute(sql, params).all():
        out.setdefault(str(site), []).append(int(at))
    return out


# --------------------------------------------------------------------------------------------
# Upgrades and trainings


def insert_upgrade(tx: Tx, upgrade: UpgradeRow) -> None:
    tx.insert("upgrade", {c: getattr(upgrade, c) for c in UpgradeRow.COLUMNS}, append_only=True)


def insert_training(tx: Tx, training: TrainingRow) -> None:
    tx.insert("training", {c: getattr(training, c) for c in TrainingRow.COLUMNS},
              append_only=True)  # fmt: skip


def upgrades(conn: Conn, *, site_id: str | None = None, since: int | None = None,
             until: int | None = None, version: str | None = None,
             major: bool | None = None) -> list[UpgradeRow]:  # fmt: skip
    """Upgrades at a site (or every site) with `at` in [since, until), of one version, major
    or not; oldest first."""
    params: dict[str, Any] = {}
    where = window("at", since, until, params)
    if site_id is not None:
        where.append("site_id = :s")
        params["s"] = site_id
    if version is not None:
        where.append("version = :v")
        params["v"] = version
    if major is not None:
        where.append("major = :m")
        params["m"] = 1 if major else 0
    sql = f"SELECT {_UPGRADE} FROM upgrade{where_clause(where)} ORDER BY at, id"
    return [UpgradeRow(*r) for r in conn.execute(sql, params).all()]


def upgrade_by_id(conn: Conn, upgrade_id: str) -> UpgradeRow | None:
    row = conn.execute(f"SELECT {_UPGRADE} FROM upgrade WHERE id = :i", {"i": upgrade_id}).first()
    return UpgradeRow(*row) if row else None


def training_by_id(conn: Conn, training_id: str) -> TrainingRow | None:
    row = conn.execute(f"SELECT {_TRAINING} FROM training WHERE id = :i",
                       {"i": training_id}).first()  # fmt: skip
    return TrainingRow(*row) if row else None


def trainings(conn: Conn, *, site_id: str | None = None, since: int | None = None,
              until: int | None = None, upgrade_id: str | None = None
              ) -> list[TrainingRow]:  # fmt: skip
    """Trainings at a site (or every site) with `at` in [since, until), for one upgrade;
    oldest first."""
    params: dict[str, Any] = {}
    where = window("at", since, until, params)
    if site_id is not None:
        where.append("site_id = :s")
        params["s"] = site_id
    if upgrade_id is not None:
        where.append("upgrade_id = :u")
        params["u"] = upgrade_id
    sql = f"SELECT {_TRAINING} FROM training{where_clause(where)} ORDER BY at, id"
    return [TrainingRow(*r) for r in conn.execute(sql, params).all()]


def untrained_major_upgrades(conn: Conn, *, site_id: str | None = None) -> list[UpgradeRow]:
    """Major upgrades no training names (`training.upgrade_id`): the trainings still owed,
    oldest first."""
    params: dict[str, Any] = {}
    where = ["u.major = 1", "NOT EXISTS (SELECT 1 FROM training t WHERE t.upgrade_id = u.id)"]
    if site_id is not None:
        where.append("u.site_id = :s")
        params["s"] = site_id
    cols = select_list(UpgradeRow.COLUMNS, "u")
    sql = f"SELECT {cols} FROM upgrade u{where_clause(where)} ORDER BY u.at, u.id"
    return [UpgradeRow(*r) for r in conn.execute(sql, params).all()]


# --------------------------------------------------------------------------------------------
# Merges (sync/identity.py): field work follows a site or an asset merged into another


def move_site(conn: Conn, old: str, new: str) -> None:
    """Point the field work of site `old` at site `new` (not logged: every replica does the
    same from the same operations)."""
    for table in SITE_TABLES:
        conn.execute(f"UPDATE {table} SET site_id = :n WHERE site_id = :o", {"n": new, "o": old})


def move_asset(conn: Conn, old: str, new: str) -> None:
    """Point the parts that named asset `old` at asset `new` (not logged, as `move_site`)."""
    for table in ASSET_TABLES:
        conn.execute(f"UPDATE {table} SET asset_id = :n WHERE asset_id = :o", {"n": new, "o": old})


def sites_visited(conn: Conn, engineers: list[str], *, since: int) -> set[str]:
    """The sites (ids) any of these engineers (names as stored) visited since `since`."""
    if not engineers:
        return set()
    found: set[str] = set()
    for marks, params in in_list(engineers):
        sql = f"SELECT DISTINCT site_id FROM visit WHERE engineer IN ({marks}) AND started_at >= :s"
        found |= {r[0] for r in conn.execute(sql, {**params, "s": since}).all()}
    return found
