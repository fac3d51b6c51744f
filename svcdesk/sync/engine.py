"""The merge rule: change-log operations from other replicas applied to this one.

Every replica keeps every operation (the change log is the source of truth); a row is the fold
of its operations in stamp order, so for mutable tables the newest stamp wins per field, and
append-only rows (events, policy versions) merge by union. Applying an operation twice changes
nothing; any order of syncs between any replicas converges to the same state. Overwritten
values stay in the log. Derived data (SLA clocks, list views) follows for the tickets an
exchange touched, written by the one writer the database was opened with.

Operations come from another replica, so nothing in them is trusted: every table and column
they name must be in the store's registry (and not derived), every value of the declared type.
One bad operation refuses the whole exchange before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from svcdesk.domain import history
from svcdesk.errors import StoreError
from svcdesk.store import aliases, changelog, field, kb, merges, registry
from svcdesk.store.changelog import Change
from svcdesk.sync import identity

if TYPE_CHECKING:
    from svcdesk.store.db import Database, Tx
    from svcdesk.store.sql import Conn

# In foreign-key order: a row's parents are rebuilt before it.
TABLES = ("site", "asset", "policy", "ticket", "ticket_event", "visit", "visit_part", "upgrade",
          "inspection", "training", "article", "kb_digest")  # fmt: skip
APPEND_ONLY = frozenset({"ticket_event", "policy", "visit_part", "inspection", "upgrade",
                         "training", "kb_digest"})  # fmt: skip
# What a row of each table points at that a merge can take away: (column, table merged).
FOLLOWS = {
    "ticket": (("site_id", "site"), ("asset_id", "asset")),
    **{t: (("site_id", "site"),) for t in field.SITE_TABLES},
    **{t: (("asset_id", "asset"),) for t in field.ASSET_TABLES},
}
# The tables whose records keep the refs they were made with, and the store that holds them.
_REF_STORES: dict[str, Any] = {**dict.fromkeys(field.REF_PATTERNS, field), kb.TABLE: kb}
_REF_NAMES = {"ticket": "ticket ref", "visit": "visit ref", "inspection": "inspection ref",
              "article": "article ref"}  # fmt: skip
OPS = frozenset({"insert", "update", "append", "delete"})
OP_FIELDS = changelog.OP_FIELDS
BATCH = 5000


def version_vector(conn: Conn) -> dict[str, str]:
    """The newest stamp this replica holds from each replica (what it has seen)."""
    return changelog.version_vector(conn)


def ops_since(
    conn: Conn, seen: dict[str, str], *, since: str | None = None
) -> Iterator[list[Change]]:
    """Batches of the operations this replica holds that a replica with version vector `seen`
    lacks (each replica's stamps only grow), in stamp order within each replica."""
    for replica in changelog.replicas(conn):
        after = max(seen.get(replica, ""), since or "")
        yield from changelog.ops_after(conn, replica=replica, after=after, batch=BATCH)


def checked(op: Change) -> dict[str, Any]:
    """The fields an operation from another replica writes, once it is known to be sound."""
    where = f"operation {op.stamp:.60} from replica {op.replica:.40}"
    if op.tbl not in TABLES or op.tbl not in registry.REPLICATED:
        raise StoreError(f"{where} names table {registry.shown_name(op.tbl)}, which does not sync; "
                         "nothing was applied")  # fmt: skip
    if op.op not in OPS:
        raise StoreError(f"{where} has an unknown kind {registry.shown_name(op.op, 40)}; "
                         "nothing was applied")
    try:
        data = orjson.loads(op.data)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise StoreError(f"{where} carries no field values; nothing was applied")
    try:
        registry.synced_values(op.tbl, data)
    except StoreError as exc:
        raise StoreError(f"{where}: {exc.message}; nothing was applied") from None
    if op.op in ("insert", "append") and data.get("id") != op.row_id:
        raise StoreError(f"{where} creates a row whose id is not its own; nothing was applied")
    if not history.valid_parent(op.parent):
        raise StoreError(f"{where} names what it had seen in an unknown form; nothing was applied")
    if op.op == "delete" and set(data) != {"removed_at"}:
        raise StoreError(f"{where} removes a row with other fields; nothing was applied")
    return data


DAY_MS = 86_400_000


def apply_ops(
    db: Database,
    batches: Iterable[list[Change]],
    *,
    progress: Callable[[int], None] | None = None,
    max_ahead_ms: int = DAY_MS,
    checked_already: bool = False,
) -> dict[str, Any]:
    """Apply operations in one transaction: all of them, or (on any error) none.

    Operations stamped more than `max_ahead_ms` ahead of this computer's clock are held back,
    with every later one of the same replica (each replica's operations are kept as a prefix
    without gaps): applied, they would drag this replica's clock, and so every stamp it writes,
    into that future. They arrive at a later sync once the clocks agree. `held` says whose.
    """
    received = applied = 0
    touched: dict[str, set[str]] = {t: set() for t in TABLES}
    limit = changelog.wall_ms() + max_ahead_ms
    held: dict[str, dict[str, Any]] = {}
    with db.write() as tx:
        conn = tx.conn
        for batch in batches:
            received += len(batch)
            if not checked_already:  # (a sync checks what it pulls before either side changes)
                for op in batch:
                    checked(op)
            batch = _hold_back(batch, limit, held)
            for op in _store_new(conn, batch):
                applied += 1
                touched[op.tbl].add(op.row_id)
            if progress:
                progress(received)
        renamed = []
        for table in TABLES:
            renamed += rebuild_many(tx, table, sorted(touched[table]))
        tickets = len(tx.dirty_tickets)
    return {"received": received, "applied": applied, "tickets": tickets,
            "held": sorted(held.values(), key=lambda h: h["replica"]),
            "renamed": renamed}  # fmt: skip


def _hold_back(batch: list[Change], limit: int, held: dict[str, dict[str, Any]]) -> list[Change]:
    """The operations of `batch` to apply now; notes the others in `held`, per replica."""
    keep = []
    bound = f"{limit:013d}"  # stamps start with 13 digits of milliseconds: compare as text
    for op in batch:
        note = held.get(op.replica)
        if note is None and op.stamp[:13] <= bound:
            keep.append(op)
            continue
        if note is None:
            note = held[op.replica] = {"replica": op.replica, "code": None, "count": 0,
                                       "first": op.stamp, "newest": op.stamp}  # fmt: skip
        note["count"] += 1
        note["newest"] = max(note["newest"], op.stamp)
        if note["code"] is None:
            note["code"] = changelog.code_named(op)
    return keep


def _store_new(conn: Conn, batch: list[Change]) -> list[Change]:
    """Add a batch of operations to the log; returns those that were not there yet."""
    known = changelog.known_stamps(conn, [op.stamp for op in batch])
    new, seen = [], set()
    for op in batch:
        if op.stamp not in known and op.stamp not in seen:
            seen.add(op.stamp)
            new.append(op)
    if new:
        changelog.append_many(conn, new)
    return new


def rebuild_many(tx: Tx, table: str, row_ids: list[str]) -> list[tuple[str, str, str]]:
    """Set rows to the fold of their operations in stamp order (newest value per field),
    a batch at a time, and tell the transaction what that means for derived state. Returns
    (table, old ref, new ref) of each visit or inspection given another ref (`_settle_refs`)."""
    conn = tx.conn
    renamed: list[tuple[str, str, str]] = []
    if table in merges.IDENTITY:  # the same site code or serial made twice is one record
        identity.rebuild(tx, table, row_ids)
        return renamed
    merged = aliases.any_merged(conn)
    for start in range(0, len(row_ids), 500):
        chunk = row_ids[start : start + 500]
        states: dict[str, dict[str, Any]] = {}
        for row_id, op, data in changelog.row_ops(conn, table=table, row_ids=chunk):
            if op in OPS:  # delete: the tombstone field
                states.setdefault(row_id, {}).update(orjson.loads(data))
        if merged and table in FOLLOWS:  # a record at a site or of an asset merged away
            _follow_merges(conn, states, FOLLOWS[table])
        if table in _REF_STORES:  # one ref handed out twice under one identity
            renamed += _settle_refs(conn, table, states, _REF_STORES[table])
        existing = changelog.existing_ids(conn, table=table, row_ids=chunk)
        inserts, updates = [], []
        for row_id, state in states.items():
            if "id" not in state:
                continue  # updates whose insert has not arrived yet: the insert brings the row
            if row_id not in existing:
                inserts.append(state)
                tx.touch(table, row_id, state)
            elif table not in APPEND_ONLY:
                updates.append(state)
                tx.touch(table, row_id, state)
        try:
            changelog.write_rows(conn, table=table, inserts=inserts, updates=updates)
        except StoreError:
            raise
        except Exception as exc:
            if "unique" not in str(exc).lower():
                raise
            # (sites and assets merge instead: sync/identity.py)
            what = _REF_NAMES.get(table, "key")
            raise StoreError(
                f"the same {what} was created on two replicas ({exc}); "
                "rename one of them on its replica, then sync again"
            ) from None
    return renamed


def _settle_refs(conn: Conn, table: str, states: dict[str, dict[str, Any]], store: Any
                 ) -> list[tuple[str, str, str]]:  # fmt: skip
    """Records of `table` (visits, inspections, articles: `store` holds them) that came with a
    ref another record has: a file copied where nothing could tell handed out the refs its
    original hands out, before a sync re-keyed it (services/rekey.py renumbers tickets and
    assets). The record made first (the smaller stamp of its first operation) keeps the ref,
    every other gets `field.clash_ref`; every replica does the same, so they converge. Returns
    (table, old ref, new ref)."""
    wanted: dict[str, set[str]] = {}
    for row_id, state in states.items():
        if "id" in state and isinstance(state.get("ref"), str):
            wanted.setdefault(state["ref"], set()).add(row_id)
    holders = store.ref_holders(conn, table, list(wanted))
    clashing = {ref: ids | ({holders[ref]} if ref in holders else set())
                for ref, ids in wanted.items()}  # fmt: skip
    clashing = {ref: ids for ref, ids in clashing.items() if len(ids) > 1}
    if not clashing:
        return []
    first = changelog.stamps_of(conn, table=table,
                                row_ids=sorted({i for ids in clashing.values() for i in ids}))
    stored = {i: r for r, i in store.ref_holders(conn, table, [
        field.clash_ref(ref, i) for ref, ids in clashing.items() for i in ids]).items()}
    renamed = []
    for ref, ids in sorted(clashing.items()):
        keeper = min(ids, key=lambda i: (first.get(i, "~"), i))
        for row_id in sorted(ids - {keeper}):
            new = field.clash_ref(ref, row_id)
            if row_id == holders.get(ref):  # stored under the ref: free it first
                store.set_ref(conn, table, row_id, new)
            if row_id in states:
                states[row_id]["ref"] = new
            if stored.get(row_id) != new:
                renamed.append((table, ref, new))
    return renamed


MUTABLE = tuple(t for t in TABLES if t not in APPEND_ONLY)


def _follow_merges(conn: Conn, states: dict[str, dict[str, Any]],
                   follows: tuple[tuple[str, str], ...]) -> None:  # fmt: skip
    for col, table in follows:
        ids = [s[col] for s in states.values() if isinstance(s.get(col), str)]
        canon = aliases.canonical(conn, tbl=table, ids=ids)
        if canon:
            for s in states.values():
                if s.get(col) in canon:
                    s[col] = canon[s[col]]


def conflicts(conn: Conn) -> list[dict[str, Any]]:
    """Every concurrent loser of every field (`domain.history`): two replicas wrote the field
    without either having seen the other's write, and no later write settled it. The newest
    stamp won, or the removal when one of them removed the record; the other value is kept in
    the log for `sync keep`."""
    found = []
    seen: set[tuple[str, str]] = set()
    for table, row_id in changelog.shared_rows(conn, tables=MUTABLE):
        if table in merges.IDENTITY:  # a record merged into another: its writes are the other's
            row_id = aliases.canonical(conn, tbl=table, ids=[row_id]).get(row_id, row_id)
        if (table, row_id) in seen or not merges.exists(conn, table, row_id):
            continue
        seen.add((table, row_id))
        writes = changelog.row_writes(conn, table=table, row_id=row_id)
        merged = table in merges.IDENTITY and aliases.merged_ids(conn, tbl=table, row_id=row_id)
        for kept, lost in history.losers(writes):
            if merged and lost.field in identity.OWN_FIELDS[table]:
                continue  # the record merged into it keeps its name as an alias
            found.append(
                {"table": table, "row": row_id, "field": lost.field,
                 "kept": None if kept.removal else kept.value, "kept_stamp": kept.write.stamp,
                 "removed": kept.removal,
                 "lost": lost.value, "lost_stamp": lost.write.stamp}
            )  # fmt: skip
    return found
