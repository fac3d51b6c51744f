"""Re-keying: a replica whose file was copied or restored takes a new identity; nothing is lost.

Sync relies on each replica's operations being one sequence: replicas exchange, per replica,
what comes after the newest stamp the other holds (version vectors). Two files writing under one
replica id (a file copied to a second laptop, a laptop restored from a backup that goes on where
the lost one had got to) break that: each holds operations of the id the other lacks, below
stamps both hold, that no sync ever exchanges; and both hand out the same refs. So a copy takes
a new replica id and code; the old id becomes just another replica whose operations the copy
holds a prefix of (a sync brings back what the old identity wrote elsewhere).

- When it is opened where it was not before (store/db.py `_check_home`), before it writes
  anything: nothing to move, it wrote nothing as the copy.
- At a sync (`settle`), when the other side holds operations stamped with this replica's id that
  this file lacks (or the other way round): a copy the open could not tell (restored into the
  same inode, or copied before svcdesk recorded where files live). What it wrote under the old
  id that the other side does not hold (its work since the fork, as far as anyone can know)
  must not stay under the old id, whose sequence goes on elsewhere: it moves to the new
  identity (`_rekey`). Each operation keeps its instant and counter (so every merge orders it
  as before) under the new id, its parent links follow, the tickets and assets it created get
  refs of the new code (their old refs become aliases), all in one transaction.
- `db restore` re-keys the restored file at once (`rekey_now`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from svcdesk import clock
from svcdesk.store import aliases, changelog
from svcdesk.store import field as field_store
from svcdesk.store import kb as kb_store
from svcdesk.store import meta as meta_store
from svcdesk.store.changelog import Change, Stamp, decode
from svcdesk.store.db import Database, Tx
from svcdesk.store.sql import Conn
from svcdesk.sync import engine

_SHOWN = 3  # refs named in a message; the rest are counted


@dataclass
class Settled:
    """What `settle` did: a line per re-keyed side, and the ids they had."""

    notes: list[str] = field(default_factory=list)
    mine: list[str] = field(default_factory=list)  # this database's old ids
    theirs: list[str] = field(default_factory=list)  # the remote's old ids


def settle(
    db: Database, other: Database, *, mine: dict[str, str], theirs: dict[str, str]
) -> Settled:
    """Before a sync exchanges anything: re-key whichever side is a copy of the other's
    replica, or of a replica whose work went on elsewhere. `mine` and `theirs` are the
    version vectors of `db` and `other`."""
    out = Settled()
    if db.replica_id == other.replica_id or db.replica_code == other.replica_code:
        copies = db.replica_id == other.replica_id
        old_id, old_code = db.replica_id, db.replica_code
        why = "copy" if copies else "same code"
        done = _rekey_against(db, other, why=f"{why} of {other.label}")
        if copies:
            what = f"{db.label} and {other.label} are copies of one replica {old_code}"
        else:
            what = f"{db.label} and {other.label} had the same replica code {old_code} by chance"
        out.notes.append(f"{what}: re-keyed {db.label} as replica {done['code']}{_moved(done)}")
        out.mine.append(old_id)
        return out
    with db.read() as here, other.read() as there:
        this_forked = forked(here, there, db.replica_id, theirs.get(db.replica_id))
        that_forked = forked(there, here, other.replica_id, mine.get(other.replica_id))
    sides = ((this_forked, db, other, f"{other.label} holds some this file lacks", out.mine),
             (that_forked, other, db, "this database holds some it lacks", out.theirs))  # fmt: skip
    for forked_, copy, holder, where, old_ids in sides:
        if not forked_:
            continue
        old_id, old_code = copy.replica_id, copy.replica_code
        done = _rekey_against(copy, holder, why=f"forked: {holder.label} holds work it lacks")
        out.notes.append(
            f"{copy.label} is a copy or restore of replica {old_code}, whose work went on "
            f"elsewhere ({where}): re-keyed it as replica {done['code']}{_moved(done)}"
        )
        old_ids.append(old_id)
    return out


def forked(here: Conn, there: Conn, replica: str, newest: str | None) -> bool:
    """Does `there`, whose newest operation of `replica` is `newest`, hold one that `here`
    lacks? (`here` being that replica: then another file wrote under its id.) What `there`
    holds of it is normally a prefix of what `here` holds: its newest is here, and as many
    operations up to it."""
    if newest is None:
        return False
    if not changelog.known_stamps(here, [newest]):
        return True
    return meta_store.count_ops(there, replica, upto=newest) > meta_store.count_ops(
        here, replica, upto=newest
    )


def unshared(here: Conn, there: Conn, replica: str) -> list[Change]:
    """The operations of `replica` that `here` holds and `there` does not, in stamp order."""
    out: list[Change] = []
    for batch in meta_store.own_ops(here, replica):
        known = changelog.known_stamps(there, [op.stamp for op in batch])
        out.extend(op for op in batch if op.stamp not in known)
    return out


def rekey_now(db: Database, *, why: str) -> dict[str, Any]:
    """Give `db` a new identity now (a restored file), moving nothing: every operation it holds
    was written before the copy was made, so it is a prefix of what the old identity wrote."""
    with db.write() as tx:
        done = _rekey(tx, [], why=why, avoid=set())
    _remember(db, done)
    return done


def _rekey_against(db: Database, other: Database, *, why: str) -> dict[str, Any]:
    """Re-key `db`, moving to its new identity what it wrote under the old one that `other`
    does not hold; one transaction, under the write lock (no write of another command slips
    in between)."""
    with db.write() as tx, other.read() as there:
        ops = unshared(tx.conn, there, tx.replica_id)
        done = _rekey(tx, ops, why=why, avoid={other.replica_code}, there=there)
    _remember(db, done)
    return done


def _remember(db: Database, done: dict[str, Any]) -> None:
    for key in [k for k in db.meta if k.startswith("seq.")]:
        del db.meta[key]
    db.meta.update(done["meta"])


def _rekey(
    tx: Tx, ops: list[Change], *, why: str, avoid: set[str], there: Conn | None = None
) -> dict[str, Any]:
    conn = tx.conn
    old_id, old_code = tx.replica_id, meta_store.get(conn, "replica_code") or ""
    new_id, new_code = meta_store.new_identity(conn, avoid=avoid | {old_code}, there=there)
    values = meta_store.take_identity(conn, replica_id=new_id, replica_code=new_code, why=why,
                                      at=clock.now().isoformat())  # fmt: skip
    refs: dict[tuple[str, str], tuple[str, str]] = {}  # (table, id) -> (old ref, new ref)
    sites: set[str] = set()
    for op in ops:
        if (op.op not in ("insert", "append") or op.tbl not in meta_store.REFS
                or (op.tbl, op.row_id) in refs):
            continue
        data = orjson.loads(op.data)
        if isinstance(data.get("ref"), str):
            n, _ = meta_store.next_counter(conn, op.tbl)
            fresh = meta_store.REFS[op.tbl].format(code=new_code, n=n)
            refs[(op.tbl, op.row_id)] = (data["ref"], fresh)
            if op.tbl == "asset" and isinstance(data.get("site_id"), str):
                sites.add(data["site_id"])  # its tickets show its ref
    stamps = {op.stamp: _restamp(op.stamp, new_id) for op in ops}
    moved = []
    for op in ops:
        text = op.data
        new_ref = refs.get((op.tbl, op.row_id))
        if new_ref is not None:
            data = orjson.loads(op.data)
            if "ref" in data:
                data["ref"] = new_ref[1]
                text = orjson.dumps(data).decode()
        moved.append(Change(stamp=stamps[op.stamp], replica=new_id, tbl=op.tbl,
                            row_id=op.row_id, op=op.op, data=text,
                            parent=_relink(op.parent, stamps)))  # fmt: skip
    meta_store.replace_ops(conn, [op.stamp for op in ops], moved)
    for table in ("asset", "ticket"):
        row_ids = sorted(r for t, r in refs if t == table)
        if not row_ids:
            continue
        engine.rebuild_many(tx, table, row_ids)  # the rows are the fold of the log again
        now = aliases.canonical(conn, tbl=table, ids=row_ids)
        for row_id in row_ids:
            aliases.add(conn, tbl=table, names=[refs[(table, row_id)][0]],
                        row_id=now.get(row_id, row_id), kind="ref")  # fmt: skip
    # numbered like tickets, named in their rows alone
    setters = {"visit": field_store.set_ref, "inspection": field_store.set_ref,
               "article": kb_store.set_ref}  # fmt: skip
    for (table, row_id), (was, fresh) in refs.items():
        if table in setters:
            setters[table](conn, table, row_id, fresh)
            aliases.add(conn, tbl=table, names=[was], row_id=row_id, kind="ref")
    tx.dirty_sites.update(sites)
    return {"old_id": old_id, "old_code": old_code, "id": new_id, "code": new_code,
            "moved": len(ops), "refs": list(refs.values()), "meta": values}  # fmt: skip


def _restamp(stamp: str, replica: str) -> str:
    """The same instant and counter, under another replica id."""
    old = decode(stamp)
    return Stamp(old.wall_ms, old.counter, replica).encode()


def _relink(parent: str | None, stamps: dict[str, str]) -> str | None:
    """A parent (what a write had seen) with the moved stamps replaced."""
    if parent is None:
        return None
    if not parent.startswith("{"):
        return stamps.get(parent, parent)  # a 0.1.0 parent: one stamp
    value = json.loads(parent)
    return json.dumps(
        {k: [stamps.get(s, s) for s in v] for k, v in value.items()}, separators=(",", ":")
    )


def _moved(done: dict[str, Any]) -> str:
    """The part of a message that names the new refs."""
    pairs = done["refs"]
    if not pairs:
        return ""
    shown = ", ".join(f"{old} is now {new}" for old, new in pairs[:_SHOWN])
    more = f" and {len(pairs) - _SHOWN} more" if len(pairs) > _SHOWN else ""
    return f"; what it made since got new refs ({shown}{more}; the old ones are kept as aliases)"
