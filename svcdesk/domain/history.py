"""Per-field causality: which writes to a field of one record a later write had seen.

A record is the fold of the operations written to it (an insert, updates, a removal). Every
update or removal records, for each field it writes, the *heads* of that field as its writer
saw them: the writes to the field that no other write it held had superseded. From those links:

- a write is *superseded* when a later write lists it (its writer saw it and wrote over it);
- the *heads* of a field are the writes nobody superseded: normally one, the current value;
  two or more when writers on different replicas wrote the field without seeing each other;
- every head but the winner is a *concurrent loser*: listed by `sync conflicts`, restorable
  by `sync keep`. Every value ever written is current, superseded knowingly, or such a loser.

A removal is a write to every field of the record: an edit its writer had not seen is
concurrent with it. Removal wins (the record stays removed) and the edit is the loser.

Operations written by svcdesk 0.1.0 carry one stamp instead of a map: the newest operation on
the record its writer had applied. They are read as having seen every write to the record up
to that stamp (what that release assumed); a 0.1.0 removal, as having seen every earlier write.

Pure functions over plain values; nothing here reads a database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

# Bookkeeping fields: written along with the others, never a conflict of their own.
UNTRACKED = frozenset({"id", "updated_at"})
REMOVED = "removed_at"


class Write(NamedTuple):
    stamp: str
    op: str  # insert | update | append | delete
    data: dict[str, Any]
    parent: str | None  # a JSON map {field: [stamps]}, a 0.1.0 stamp, or None


class Head(NamedTuple):
    field: str
    write: Write

    @property
    def value(self) -> Any:
        return self.write.data.get(self.field)

    @property
    def removal(self) -> bool:
        return self.write.op == "delete"


def decode_parent(parent: str | None) -> dict[str, list[str]] | str | None:
    """A parent map, a 0.1.0 stamp, or None (an insert)."""
    if parent is None or not parent.startswith("{"):
        return parent
    value = json.loads(parent)
    return value if isinstance(value, dict) else None


def valid_parent(parent: str | None) -> bool:
    """Is this the shape of a parent (a map of field names to lists of stamps, or a stamp)?"""
    if parent is None or not parent.startswith("{"):
        return True
    try:
        value = json.loads(parent)
    except ValueError:
        return False
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(s, str) for s in v)
        for k, v in value.items()
    )


def fields_of(writes: Iterable[Write]) -> set[str]:
    """Every tracked field any of these writes wrote."""
    out: set[str] = set()
    for w in writes:
        out.update(w.data)
    return out - UNTRACKED


def _writes_field(w: Write, field: str) -> bool:
    """A removal writes every field; a creation, those it gives a value (two records of one
    thing made on two replicas, then merged, do not disagree where one of them said nothing)."""
    if w.op == "delete":
        return True
    if w.op == "insert":
        return w.data.get(field) is not None
    return field in w.data


def heads(writes: Sequence[Write], field: str) -> list[Write]:
    """The writes to `field` that no other write in `writes` superseded, in stamp order.

    A removal that was undone (superseded on the tombstone by `sync keep` bringing the record
    back) no longer stands for the other fields either: it holds no value of its own.
    """
    found = _heads(writes, field)
    if field == REMOVED or not any(w.op == "delete" for w in found):
        return found
    standing = {w.stamp for w in _heads(writes, REMOVED)}
    return [w for w in found if w.op != "delete" or w.stamp in standing]


def _heads(writes: Sequence[Write], field: str) -> list[Write]:
    mine = [w for w in writes if _writes_field(w, field)]
    covered: set[str] = set()
    for w in mine:
        parent = decode_parent(w.parent)
        if isinstance(parent, dict):
            covered.update(parent.get(field, ()))
        elif isinstance(parent, str):  # 0.1.0: saw everything on the record up to that stamp
            covered.update(x.stamp for x in mine if x.stamp <= parent and x is not w)
        elif w.op == "delete":  # a 0.1.0 removal: saw everything before it
            covered.update(x.stamp for x in mine if x.stamp < w.stamp)
    return sorted((w for w in mine if w.stamp not in covered), key=lambda w: w.stamp)


def parent_for(writes: Sequence[Write], fields: Iterable[str]) -> str:
    """The parent map of a new write to `fields` of a record whose operations are `writes`."""
    tracked = sorted(set(fields) - UNTRACKED)
    return json.dumps(
        {f: [w.stamp for w in heads(writes, f)] for f in tracked}, separators=(",", ":")
    )


def removal_fields(writes: Sequence[Write]) -> set[str]:
    """What a removal of the record writes: every field it has, and the tombstone."""
    return fields_of(writes) | {REMOVED}


def losers(writes: Sequence[Write]) -> list[tuple[Head, Head]]:
    """(kept, lost) for every concurrent loser of every field of one record.

    The kept side is the removal when one is among the heads (removal wins), else the head
    with the newest stamp (the value the fold holds). Heads with the winner's value are no
    conflict: both writers agreed. A concurrent removal of a removed record is no conflict.
    """
    out: list[tuple[Head, Head]] = []
    for field in sorted(fields_of(writes)):
        hs = heads(writes, field)
        if len(hs) < 2:
            continue
        removals = [w for w in hs if w.op == "delete"]
        winner = removals[-1] if removals else hs[-1]
        kept = Head(field, winner)
        for w in hs:
            if w is winner or w.op == "delete":
                continue
            lost = Head(field, w)
            if not kept.removal and lost.value == kept.value:
                continue
            out.append((kept, lost))
    return out
