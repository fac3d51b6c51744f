"""Natural identities: records that are one thing, whatever replica made them.

Two engineers add the same tax bureau on two laptops: two site records with one code. Two
laptops register the same server: two assets with one serial at one site (case and spaces
aside). Once a replica holds both, they are one record: the one made first (the smaller stamp
of its first operation) stays, the other is merged into it. Its operations fold into the one
that stays, what pointed at it points there, and its id and old names become aliases; the
fields they disagree on are listed by `sync conflicts` (both creations are concurrent writes).
An explicit `site merge A B` / `asset merge A B` is a logged write of A's `merged_into`, and
the merge follows it on every replica alike.

Every replica that holds the same operations makes the same merges, so replicas converge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from svcdesk.domain import history
from svcdesk.domain.serials import serial_key
from svcdesk.store import aliases, changelog, field, merges

if TYPE_CHECKING:
    from svcdesk.store.db import Tx
    from svcdesk.store.sql import Conn

# The names a record may have had, kept as aliases once it has another.
_NAMES = {"site": ("code", "code"), "asset": ("ref", "ref")}
# What a record merged into another never gives it: its identity and where it is.
_OWN = {"site": ("id", "code", "merged_into"), "asset": ("id", "ref", "site_id", "merged_into")}
OWN_FIELDS = _OWN


def fold(conn: Conn, table: str, row_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Record id -> its fields folded from its operations and those of every record merged
    into it, in stamp order (newest value per field); also `_names`, every name it had."""
    merged = aliases.merged_ids_of(conn, tbl=table, row_ids=row_ids)
    groups = {rid: [rid, *merged.get(rid, ())] for rid in row_ids}
    owner = {member: rid for rid, members in groups.items() for member in members}
    ops: dict[str, list[tuple[str, str, str, str]]] = {}
    for row in changelog.row_ops_stamped(conn, table=table, row_ids=sorted(owner)):
        ops.setdefault(owner[row[0]], []).append(row)
    name_col = _NAMES[table][0]
    states: dict[str, dict[str, Any]] = {}
    for rid, rows in ops.items():
        state: dict[str, Any] = {}
        names: set[str] = set()
        for member, _stamp, op, data in sorted(rows, key=lambda r: r[1]):
            values = orjson.loads(data)
            if isinstance(values.get(name_col), str):
                names.add(values[name_col])
            if member != rid:  # a merged record's name and bookkeeping are not the survivor's
                for key in _OWN[table]:
                    values.pop(key, None)
            if op == "insert" and state:  # a creation says nothing of what it leaves empty
                values = {k: v for k, v in values.items() if v is not None or k not in state}
            state.update(values)
        if any(op == "delete" for _, _, op, _ in rows):
            # removal wins over a concurrent write of the tombstone (a `sync keep` that
            # brought the record back without seeing another replica's removal)
            hs = history.heads(changelog.row_writes(conn, table=table, row_id=rid),
                               history.REMOVED)  # fmt: skip
            removals = [w for w in hs if w.op == "delete"]
            if removals:
                state[history.REMOVED] = removals[-1].data[history.REMOVED]
        if "id" in state or any(m != rid for m, *_ in rows):
            state["id"] = rid
            state["_names"] = names
            states[rid] = state
    return states


def rebuild(tx: Tx, table: str, row_ids: Iterable[str]) -> None:
    """Set these records (sites or assets) to the fold of their operations, merging those that
    turn out to be one thing with another."""
    conn = tx.conn
    ids = sorted(set(row_ids))
    canon = aliases.canonical(conn, tbl=table, ids=ids)
    todo = sorted({canon.get(i, i) for i in ids})
    for start in range(0, len(todo), BATCH):
        for rid in _settle_many(tx, table, todo[start : start + BATCH]):
            _settle(tx, table, rid)
    for _ in range(8):  # a site settled before the merge that gave its code to another
        late = merges.holding_old_codes(conn) if table == "site" else []
        if not late:
            break
        for rid in late:
            _settle(tx, table, rid)


BATCH = 500


def _key(table: str, state: dict[str, Any]) -> tuple[str, str] | None:
    """A folded record's natural key as `merges.holder` compares it: (site id, serial key) of
    an asset, ("", code) of a site (None: a site without a code holds none)."""
    if table == "site":
        code = state.get("code")
        return ("", code) if isinstance(code, str) else None
    return (str(state.get("site_id")), serial_key(str(state.get("serial") or "")))


def _settle_many(tx: Tx, table: str, rids: list[str]) -> list[str]:
    """`_settle` a batch of records at once where nothing is to merge: each is written as
    folded unless it is merged into another, another record holds its natural key, or another
    of the batch has it too. Returns those (in order), for `_settle` one at a time. A sync of
    N records costs a few statements per batch, not per record."""
    conn = tx.conn
    states = fold(conn, table, rids)
    ready = {rid: st for rid in rids  # (none: updates whose creation has not arrived yet)
             if (st := states.get(rid)) is not None and not set(st) <= {"id", "_names"}}
    if table == "asset":  # an asset at a site merged into another
        sites = [st["site_id"] for st in ready.values() if isinstance(st.get("site_id"), str)]
        canon = aliases.canonical(conn, tbl="site", ids=sites)
        for st in ready.values():
            if st.get("site_id") in canon:
                st["site_id"] = canon[st["site_id"]]
    one_by_one: list[str] = []
    keys: dict[str, tuple[str, str] | None] = {}
    for rid, st in ready.items():
        target = st.get("merged_into")
        if isinstance(target, str) and target != rid:
            one_by_one.append(rid)
        else:
            keys[rid] = _key(table, st)
    held = merges.held_keys(conn, table, [k[1] for k in keys.values() if k is not None])
    twins = Counter(k for k in keys.values() if k is not None)
    plain: list[str] = []
    for rid, key in keys.items():
        if key is not None and (twins[key] > 1 or any(
                other != rid and site == key[0] for other, site in held.get(key[1], ()))):
            one_by_one.append(rid)  # fmt: skip
        else:
            plain.append(rid)
    existing = changelog.existing_ids(conn, table=table, row_ids=plain)
    col, kind = _NAMES[table]
    inserts, updates, touched = [], [], []
    for rid in plain:
        state = ready[rid]
        old = sorted(n for n in state.pop("_names", set()) if n != state.get(col))
        if old:
            aliases.add(conn, tbl=table, names=old, row_id=rid, kind=kind)
        if rid in existing:
            before = merges.shown(conn, table, rid)
            updates.append(state)
            changed = {k: v for k, v in state.items() if k in before and before[k] != v}
            touched.append((rid, changed))
        else:
            inserts.append(state)
            touched.append((rid, state))
    changelog.write_rows(conn, table=table, inserts=inserts, updates=updates)
    for rid, changes in touched:
        tx.touch(table, rid, changes)
    return sorted(one_by_one)


def _settle(tx: Tx, table: str, rid: str, depth: int = 0) -> None:
    conn = tx.conn
    state = fold(conn, table, [rid]).get(rid)
    if state is None or set(state) <= {"id", "_names"}:
        return  # updates whose creation has not arrived yet
    if "site_id" in state:  # an asset at a site merged into another
        site = state["site_id"]
        state["site_id"] = aliases.canonical(conn, tbl="site", ids=[site]).get(site, site)
    target = state.get("merged_into")
    if isinstance(target, str) and target != rid and depth < 8:
        target = aliases.canonical(conn, tbl=table, ids=[target]).get(target, target)
        if target != rid and (merges.exists(conn, table, target) or fold(conn, table, [target])):
            merge(tx, table, loser=rid, survivor=target, depth=depth + 1)
            _settle(tx, table, target, depth + 1)
            return
    other = merges.holder(conn, table, state)
    if other is not None and depth < 8:
        first = changelog.stamps_of(conn, table=table, row_ids=[rid, other])
        survivor, loser = sorted((rid, other), key=lambda i: (first.get(i, "~"), i))
        merge(tx, table, loser=loser, survivor=survivor, depth=depth + 1)
        _settle(tx, table, survivor, depth + 1)
        return
    _write(tx, table, state)


def merge(tx: Tx, table: str, *, loser: str, survivor: str, depth: int = 0) -> None:
    """Merge record `loser` into `survivor`: aliases first (so the survivor's fold takes the
    loser's operations), then what pointed at the loser, then the loser's row goes."""
    conn = tx.conn
    moved_ids = [loser, *aliases.merged_ids(conn, tbl=table, row_id=loser)]
    aliases.add(conn, tbl=table, names=moved_ids, row_id=survivor, kind="id")
    if merges.exists(conn, table, loser):
        merges.park(conn, table, loser)
        if not merges.exists(conn, table, survivor):
            # its row first, settled as any (it may meet a record of its own name first)
            _settle(tx, table, survivor, depth=depth + 1)
            survivor = aliases.canonical(conn, tbl=table, ids=[survivor]).get(survivor, survivor)
        meeting = merges.park_clashing_assets(conn, loser, survivor) if table == "site" else []
        for ticket_id in merges.move_references(conn, table, loser, survivor):
            tx.touch("ticket", ticket_id, {})
        # visits, inspections, upgrades, trainings and replaced parts follow it too
        (field.move_site if table == "site" else field.move_asset)(conn, loser, survivor)
        merges.drop(conn, table, loser)
        for asset_id in meeting:  # one serial at one site: one asset
            _settle(tx, "asset", asset_id)


def _write(tx: Tx, table: str, state: dict[str, Any]) -> None:
    conn = tx.conn
    names = state.pop("_names", set())
    rid = state["id"]
    col, kind = _NAMES[table]
    old = sorted(n for n in names if n != state.get(col))
    if old:
        aliases.add(conn, tbl=table, names=old, row_id=rid, kind=kind)
    if merges.exists(conn, table, rid):
        before = merges.shown(conn, table, rid)
        changelog.write_rows(conn, table=table, inserts=[], updates=[state])
        # a site's tickets show its code and keep time in its zone: only a change of those
        # touches them (a sync of N operations costs O(N), not O(tickets))
        tx.touch(table, rid, {k: v for k, v in state.items() if k in before and before[k] != v})
    else:
        changelog.write_rows(conn, table=table, inserts=[state], updates=[])
        tx.touch(table, rid, state)
