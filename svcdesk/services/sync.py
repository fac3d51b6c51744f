"""Sync use cases: exchange operations with a remote replica, remotes, bundles, status.

A remote is another svcdesk SQLite file (a shared folder, a USB stick), a `postgresql://` URL
(the team hub) or a saved name. Each direction of an exchange is one transaction on the
receiving side, so an interrupted sync leaves both sides consistent and the next one finishes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from svcdesk import clock
from svcdesk.errors import InvalidValue, NotFound, StoreError
from svcdesk.services import rekey
from svcdesk.services.session import open_database
from svcdesk.store import changelog, dsn, refs, registry
from svcdesk.store import meta as meta_store
from svcdesk.store.db import Database, is_postgres, redact
from svcdesk.sync import engine

_NAME = re.compile(r"^[A-Za-z][\w.-]*$")


def _meta(db: Database, key: str) -> str | None:
    with db.read() as conn:
        return meta_store.get(conn, key)


def _set_meta(db: Database, values: dict[str, str], *, drop: list[str] | None = None) -> None:
    with db.write() as tx:
        if drop:
            meta_store.delete(tx.conn, drop)
        meta_store.put(tx.conn, values)
        _scrub(tx.conn)


def _scrub(conn: Any) -> None:
    """Take out of this replica's settings any password an older svcdesk stored with a remote
    (`remote.NAME`, or the `sync.URL.*` keys of a URL synced without saving it)."""
    for key, value in meta_store.with_prefix(conn, "remote.").items():
        if key != "remote.default" and is_postgres(value) and _has_password(value):
            meta_store.put(conn, {key: without_password(value)})
    for key, value in meta_store.with_prefix(conn, "sync.").items():
        where = key.removeprefix("sync.").rpartition(".")[0]
        if is_postgres(where) and _has_password(where):
            meta_store.delete(conn, [key])
            meta_store.put(conn, {f"sync.{without_password(where)}.{key.rpartition('.')[2]}":
                                  value})  # fmt: skip


def _has_password(text: str) -> bool:
    try:
        return dsn.parse(text).has_password
    except InvalidValue:
        return True  # it cannot be read: take no chance


def without_password(url: str) -> str:
    """A remote as it may be stored: the password comes from PGPASSWORD or ~/.pgpass instead."""
    try:
        return dsn.public(url)
    except InvalidValue:
        return redact(url)


def _location(remote: str) -> str:
    """Where a remote is, as it is stored: a PostgreSQL connection string without its password,
    or a file's absolute path (exactly as written, whatever characters it holds)."""
    if is_postgres(remote):
        return dsn.parse(remote).public  # a malformed one is refused without repeating it
    if "\x00" in remote:
        raise InvalidValue("a remote path cannot contain a NUL character")
    return str(Path(remote).expanduser().resolve())


def remote_add(db: Database, name: str, remote: str, *, default: bool = False) -> dict[str, Any]:
    """Save `remote` under `name`; a password in it is not stored (`password_dropped`)."""
    if not _NAME.match(name) or name == "default":
        raise InvalidValue(f"invalid remote name {redact(name)!r}: a word such as hub or usb")
    stored = _location(remote)
    values = {f"remote.{name}": stored}
    if default or not [r for r in remotes(db) if r["name"] != name]:
        values["remote.default"] = name
    _set_meta(db, values)
    dropped = is_postgres(remote) and dsn.parse(remote).has_password
    return {"name": name, "remote": redact(stored), "default": values.get("remote.default") == name,
            "password_dropped": dropped}  # fmt: skip


def remote_remove(db: Database, name: str) -> dict[str, Any]:
    """Forget the saved remote `name` (and when it last synced); the remote itself is untouched."""
    found = [r for r in remotes(db) if r["name"] == name]
    if not found:
        raise NotFound(f"no remote named {redact(name)!r} (see 'svcdesk sync remote list')")
    drop = [f"remote.{name}", f"sync.{name}.seen", f"sync.{name}.at"]
    if found[0]["default"]:
        drop.append("remote.default")
    _set_meta(db, {}, drop=drop)
    return found[0]


def remotes(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = list(meta_store.with_prefix(conn, "remote.").items())
    default = dict(rows).get("remote.default")
    return [
        {"name": k.removeprefix("remote."), "remote": redact(v),  # no password even if stored
         "default": k.removeprefix("remote.") == default}
        for k, v in rows
        if k != "remote.default"
    ]  # fmt: skip


def _resolve(db: Database, remote: str | None) -> tuple[str, str]:
    """(name, url-or-path) of a remote given by name, path or URL (None: the default)."""
    if remote is None:
        name = _meta(db, "remote.default")
        if name is None:
            raise InvalidValue(
                "no default remote: name one, or add one with 'svcdesk sync remote add NAME REMOTE'"
            )
        remote = name
    elif remote == "default":  # `remote.default` names the default remote: it is no location
        remote = _meta(db, "remote.default") or remote
    saved = _meta(db, f"remote.{remote}") if remote != "default" else None
    if saved is not None:
        return remote, saved
    if is_postgres(remote) or "/" in remote or remote.endswith(".db") or Path(remote).exists():
        where = _location(remote)
        for r in remotes(db):  # a saved remote given by its location keeps its name
            if _meta(db, f"remote.{r['name']}") == where:
                return r["name"], remote
        return where, remote  # (its password, if any, is used to connect, never kept)
    raise NotFound(f"no remote named {redact(remote)!r} (see 'svcdesk sync remote list')")


def open_remote(db: Database, remote: str) -> Database:
    """The remote as a database (opening it re-keys a copied or restored file); this very
    database is refused. Another file with this replica's id or code is a copy, or a chance
    collision of codes: `sync` re-keys one side before anything is exchanged."""
    other = open_database(remote)  # refuses what is not a svcdesk database, newer schemas
    if other.replica_id == db.replica_id and _same_database(db, other):
        other.close()
        raise StoreError(f"{other.label} is this same replica (this very database): sync needs "
                         "another")  # fmt: skip
    return other


def _same_database(db: Database, other: Database) -> bool:
    if db.path is not None and other.path is not None:
        try:
            return db.path.samefile(other.path)
        except OSError:
            return False
    if db.path is None and other.path is None:
        return db.url == other.url  # both without their passwords
    return False


AHEAD_ENV = "SVCDESK_MAX_CLOCK_AHEAD"


def max_ahead_ms() -> int:
    """How far ahead of this computer's clock an operation may be stamped and still be applied:
    `SVCDESK_MAX_CLOCK_AHEAD` (a duration such as 6h or 2d), default 1 day."""
    text = os.environ.get(AHEAD_ENV)
    if not text:
        return engine.DAY_MS
    try:
        return int(clock.parse_duration(text, what=AHEAD_ENV).total_seconds() * 1000)
    except InvalidValue as exc:
        raise InvalidValue(f"{exc.message} (in the environment)") from None


def held_notes(held: list[dict[str, Any]]) -> list[str]:
    """One line per replica whose operations were held back, saying what to do."""
    lines = []
    now_ms = changelog.wall_ms()
    for h in held:
        who = h["code"] or h["replica"][:8]
        when = _when(h["newest"])
        ahead = clock.format_duration(max(0, (int(h["newest"][:13]) - now_ms) // 1000))
        lines.append(
            f"held back {h['count']} operation(s) from replica {who}: stamped up to {when}, "
            f"{ahead} ahead of this computer's clock; correct whichever clock is wrong, then "
            f"sync again (or allow more with {AHEAD_ENV}, now "
            f"{clock.format_duration(max_ahead_ms() // 1000)})"
        )
    return lines


def sync(
    db: Database, remote: str | None = None, *, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Push what the remote lacks, then pull what this replica lacks; first, a side that turns
    out to be a copy of a replica (a copied or restored file) is re-keyed (`notes` says so)."""
    ahead = max_ahead_ms()
    name, location = _resolve(db, remote)
    other = open_remote(db, location)
    try:
        notes = list(other.notes)  # the remote re-keyed as it was opened
        with db.read() as conn:
            mine = engine.version_vector(conn)
        with other.read() as conn:
            theirs = engine.version_vector(conn)
        # A side that is a copy of the other's replica, or of one whose work went on elsewhere,
        # takes a new identity before anything is exchanged (services/rekey.py).
        settled = rekey.settle(db, other, mine=mine, theirs=theirs)
        if settled.notes:
            notes += settled.notes
            with db.read() as conn:
                mine = engine.version_vector(conn)
            with other.read() as conn:
                theirs = engine.version_vector(conn)
            # An identity just left behind is another replica now, whose operations either
            # side may hold below the other's newest: all are offered, the known ones skipped.
            mine = {**mine, **dict.fromkeys(settled.mine, "")}
            theirs = {**theirs, **dict.fromkeys(settled.theirs, "")}
        with other.read() as conn:  # refuse a crafted remote before either side changes
            for batch in engine.ops_since(conn, mine):
                for op in batch:
                    engine.checked(op)
        with db.read() as conn:
            # this replica's own log: checked when each operation arrived or was written
            pushed = engine.apply_ops(other, engine.ops_since(conn, theirs), progress=progress,
                                      max_ahead_ms=ahead, checked_already=True)  # fmt: skip
        with other.read() as conn:
            pulled = engine.apply_ops(db, engine.ops_since(conn, mine), progress=progress,
                                      max_ahead_ms=ahead, checked_already=True)  # fmt: skip
        with other.read() as conn:
            seen = engine.version_vector(conn)
        _share_codes(db, other)
    finally:
        other.close()
    notes += renamed_notes([*pushed.get("renamed", []), *pulled.get("renamed", [])])
    now = clock.now().isoformat()
    _set_meta(db, {f"sync.{name}.seen": orjson.dumps(seen).decode(), f"sync.{name}.at": now})
    return {
        "remote": other.label if other.path is None else redact(location),
        "pushed": pushed["applied"],
        "pulled": pulled["applied"],
        "tickets_updated": pulled["tickets"],
        "held_back": _merge_held(pushed["held"], pulled["held"]),
        "notes": notes,  # one line per side re-keyed (a copied or restored file)
    }


def renamed_notes(renamed: list[tuple[str, str, str]]) -> list[str]:
    """One line per visit or inspection that met another under its ref (sync/engine.py)."""
    return [f"{table} {old} was made twice under one replica identity (a copied file): the one "
            f"made later is now {new}" for table, old, new in sorted(set(renamed))]  # fmt: skip


def _merge_held(*sides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for side in sides:
        for h in side:
            seen = out.setdefault(h["replica"], {**h, "count": 0})
            seen["count"] += h["count"]
            seen["newest"] = max(seen["newest"], h["newest"])
            seen["code"] = seen["code"] or h["code"]
    return [out[k] for k in sorted(out)]


def status(db: Database) -> list[dict[str, Any]]:
    """Per remote: when it last exchanged, how many local operations it has not seen, and the
    replicas it was seen holding operations of that this one lacks (`lacking`). Then a row
    (`kind` bundle) per replica whose bundles showed operations this one lacks."""
    with db.read() as conn:
        held = engine.version_vector(conn)
    notes = _bundle_notes(db)
    codes = _codes(db, notes)
    out = []
    for r in remotes(db):
        seen_text = _meta(db, f"sync.{r['name']}.seen")
        seen = _vector(seen_text)
        with db.read() as conn:
            pending = sum(len(b) for b in engine.ops_since(conn, seen))
        at = _meta(db, f"sync.{r['name']}.at")
        lacking = _lacking(seen, held, codes, f"remote {r['name']}")
        out.append({**r, "last_sync": at, "not_pushed": pending, "kind": "remote",
                    "lacking": lacking})  # fmt: skip
    for exporter, note in sorted(notes.get("from", {}).items()):
        said = _vector_of(note.get("vector"))
        where = f"bundle {note.get('file')} from {codes.get(exporter) or exporter[:8]}"
        lacking = _lacking(said, held, codes, where)
        if not lacking:
            continue
        with db.read() as conn:
            pending = sum(len(b) for b in engine.ops_since(conn, said))
        out.append({"name": codes.get(exporter) or exporter[:8], "remote": note.get("file"),
                    "default": False, "last_sync": note.get("read_at"), "not_pushed": pending,
                    "kind": "bundle", "lacking": lacking})  # fmt: skip
    return out


def conflicts(db: Database) -> list[dict[str, Any]]:
    """Concurrent edits of one field that lost, then lifecycle events of a merged timeline
    that its order made impossible (`field` is `lifecycle`: the event that stood, and the one
    that could not follow it)."""
    with db.read() as conn:
        found = engine.conflicts(conn)
        for c in found:
            c["ref"] = refs.label(conn, c["table"], c["row"])
        found += _contradictions(conn)
    return found


def _contradictions(conn: Any) -> list[dict[str, Any]]:
    from svcdesk.domain import tickets as lifecycle
    from svcdesk.services import formats
    from svcdesk.store import tickets as ticket_store

    out = []
    for ticket_id, ref, text in ticket_store.with_contradictions(conn):
        # what the timeline set aside; a voided event was settled, and is no conflict now
        pairs = [(lost, kept or "") for lost, (kept, why) in formats.set_aside(text).items()
                 if why == lifecycle.CONTRADICTED]  # fmt: skip
        if not pairs:
            continue
        events = {e.id: e for e in ticket_store.events(conn, ticket_id)}
        stamps = changelog.stamps_of(conn, table="ticket_event", row_ids=sorted(events))
        for lost_id, kept_id in pairs:
            lost, kept = events.get(lost_id), events.get(kept_id)
            if lost is None or kept is None:
                continue
            out.append({"table": "ticket_event", "row": ticket_id, "ref": ref,
                        "field": "lifecycle", "kept": _event_line(kept),
                        "kept_stamp": stamps.get(kept_id), "removed": False,
                        "lost": _event_line(lost), "lost_stamp": stamps.get(lost_id),
                        "kept_event": kept_id, "lost_event": lost_id})  # fmt: skip
    return out


def _event_line(event: Any) -> str:
    when = f"{clock.from_epoch(event.at):%Y-%m-%d %H:%M}"
    return f"{event.kind} at {when}" + (f" by {event.actor}" if event.actor else "")


def keep(db: Database, stamp: str) -> dict[str, Any]:
    """Restore the value a conflicting write lost: write it again, now the newest."""
    stamp = stamp.strip()
    with db.read() as conn:
        match = [c for c in engine.conflicts(conn) if c["lost_stamp"] == stamp]
        if not match:
            lifecycle = [
                c for c in _contradictions(conn) if stamp in (c["lost_stamp"], c["kept_stamp"])
            ]
            if lifecycle:
                return _settle(db, lifecycle[0], keep_lost=lifecycle[0]["lost_stamp"] == stamp)
    if not match:
        raise NotFound(f"no open conflict lost the write {stamp} (see 'svcdesk sync conflicts')")
    c = match[0]
    now = clock.to_epoch(clock.now())
    # Every field that write lost, written again now, having seen every head: that settles
    # them. An edit that lost to a removal brings the record back with it.
    changes: dict[str, Any] = {m["field"]: m["lost"] for m in match}
    if any(m["removed"] for m in match):
        changes["removed_at"] = None
    if "updated_at" in registry.COLUMNS.get(c["table"], ()):
        changes["updated_at"] = now
    registry.synced_values(c["table"], changes)  # the log came from other replicas too
    with db.write() as tx:
        tx.update(c["table"], c["row"], changes)
        ref = refs.label(tx.conn, c["table"], c["row"])
    fields = sorted(m["field"] for m in match)
    value = c["lost"] if len(match) == 1 else {m["field"]: m["lost"] for m in match}
    return {"ref": ref, "field": ", ".join(fields), "value": value,
            "restored": any(m["removed"] for m in match)}  # fmt: skip


def _settle(db: Database, c: dict[str, Any], *, keep_lost: bool) -> dict[str, Any]:
    """Settle a contradiction of a merged timeline: take the other event of the two out of it
    (a `void` event, which syncs like any other), so the one chosen stands."""
    from svcdesk.services import tickets

    drop, keep_line = (c["kept_event"], c["lost"]) if keep_lost else (c["lost_event"], c["kept"])
    tickets.void_event(db, c["row"], drop)
    return {"ref": c["ref"], "field": "lifecycle", "value": keep_line, "restored": False}


def export(db: Database, file: str, *, since: str | None = None) -> dict[str, Any]:
    """Write every operation (or those recorded since an instant) to a bundle file, its header
    stating what it carries of each replica and what this replica holds (bundle.py)."""
    from svcdesk.store.migrations import SCHEMA_VERSION
    from svcdesk.sync.bundle import write_bundle

    after = None
    if since:
        ms = clock.to_epoch(clock.parse_instant(since, what="--since")) * 1000
        after = f"{ms:013d}"
    path = Path(file).expanduser()
    codes = _codes(db, _bundle_notes(db))
    with db.read() as conn:
        holds = engine.version_vector(conn)
        previous: dict[str, str | None] = {}
        count = write_bundle(
            path,
            schema_version=SCHEMA_VERSION,
            replica_id=db.replica_id,
            replica_code=db.replica_code,
            created_at=clock.now().isoformat(),
            ops=_carried(engine.ops_since(conn, {}), after, previous, codes),
            holds=holds,
            previous=previous,
            codes=codes,
        )
    return {"file": str(path), "operations": count}


def import_(
    db: Database, file: str, *, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Apply a bundle: it is verified whole first; applying it twice changes nothing.

    A bundle that would leave this replica without operations it leaves out (made with
    `--since` for a replica that is further behind) is refused, changing nothing but the note
    of what it showed (`sync status` reports it); so is one whose operations refer to records
    this replica does not have.
    """
    from svcdesk.store.migrations import SCHEMA_VERSION
    from svcdesk.sync.bundle import open_bundle

    path = Path(file).expanduser()
    header, carried, ops = open_bundle(path, max_schema_version=SCHEMA_VERSION)
    if header.get("replica_id") == db.replica_id:
        raise StoreError(f"{file} was exported from this database; nothing to import")
    with db.read() as conn:
        held = engine.version_vector(conn)
    notes = _note_bundle(db, path, header, carried)
    left_out = _left_out(header, carried, held)
    if left_out:
        raise StoreError(_left_out_message(file, left_out, _codes(db, notes)))

    def batches() -> Any:
        batch: list[changelog.Change] = []
        for number, op in enumerate(ops, 1):
            why = _stamp_problem(op)
            if why:
                raise StoreError(f"{file}: operation {number} {why}; nothing was applied")
            batch.append(changelog.Change(**op))
            if len(batch) >= engine.BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    result = engine.apply_ops(db, batches(), progress=progress, max_ahead_ms=max_ahead_ms())
    return {"file": file, "operations": result["received"], "applied": result["applied"],
            "held_back": result.get("held", [])}  # fmt: skip


# --------------------------------------------------------------------------------------------
# What bundles carry, and what this replica knows other replicas hold (export, import_, status)

BUNDLE_NOTE = meta_store.BUNDLE_NOTE  # meta: what the bundles read here said, per exporter
_STAMP = re.compile(r"^[0-9]{13}-[0-9]{5}-(.+)$", re.DOTALL)


def _carried(
    batches: Any, after: str | None, previous: dict[str, str | None], codes: dict[str, str]
) -> Any:
    """The operations stamped after `after` (all: None), as bundle lines. Notes in `previous`
    each replica's newest operation left out (batches come in stamp order per replica), and in
    `codes` the code of each replica that created a ticket or an asset (its refs start with
    it), so a bundle names the replicas it carries."""
    for batch in batches:
        for op in batch:
            if op.replica not in codes:
                code = changelog.code_named(op)
                if code is not None:
                    codes[op.replica] = code
            if after is not None and op.stamp <= after:
                previous[op.replica] = op.stamp
            else:
                yield changelog.as_dict(op)


def _vector(text: str | None) -> dict[str, str]:
    """A version vector kept as JSON text."""
    try:
        return _vector_of(orjson.loads(text) if text else {})
    except orjson.JSONDecodeError:
        return {}


def _vector_of(value: Any) -> dict[str, str]:
    """A version vector from a JSON value; anything else in it is ignored."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _bundle_notes(db: Database) -> dict[str, Any]:
    """{"from": {exporter id: what its bundles said}, "codes": {replica id: code}}."""
    try:
        value = orjson.loads(_meta(db, BUNDLE_NOTE) or "{}")
    except orjson.JSONDecodeError:
        value = {}
    return value if isinstance(value, dict) else {}


def _codes(db: Database, notes: dict[str, Any]) -> dict[str, str]:
    """The replica codes this replica knows: its own, and those bundles named."""
    codes = {k: v for k, v in (notes.get("codes") or {}).items() if isinstance(v, str)}
    codes[db.replica_id] = db.replica_code
    return codes


def _share_codes(db: Database, other: Database) -> None:
    """Each side of a sync learns the replica codes the other knows, its own among them
    (meta `replica.codes`): a replica that never made a record with a ref is still named by
    its code (`ticket show` names the replica that recorded an event dated ahead of this
    computer's clock)."""
    sides = [(side, _told_codes(side)) for side in (db, other)]
    known: dict[str, str] = {}
    for side, told in sides:
        known.update({**told, **_codes(side, _bundle_notes(side))})
    for side, told in sides:
        if any(told.get(r) != c for r, c in known.items()):
            _set_meta(side, {meta_store.CODES_NOTE: orjson.dumps({**known, **told}).decode()})


def _told_codes(db: Database) -> dict[str, str]:
    with db.read() as conn:
        return meta_store.codes_in(meta_store.get(conn, meta_store.CODES_NOTE))


def _note_bundle(
    db: Database, path: Path, header: dict[str, Any], carried: dict[str, Any]
) -> dict[str, Any]:
    """Remember what a bundle said exists (per-replica bookkeeping in meta, never synced, and
    never in the data tables): the newest stamp of each replica its exporter held."""
    exporter = str(header["replica_id"])
    said = dict(header.get("version_vector") or {})
    for replica, c in carried.items():
        said[replica] = max(said.get(replica, ""), c.last)
    notes = _bundle_notes(db)
    known = notes.setdefault("from", {})
    before = known.get(exporter) or {}
    vector = _vector_of(before.get("vector"))
    for replica, stamp in said.items():
        vector[replica] = max(vector.get(replica, ""), stamp)
    known[exporter] = {
        "file": str(path.resolve()),
        "exported_at": header.get("created_at"),
        "read_at": clock.now().isoformat(),
        "vector": vector,
    }
    codes = notes.setdefault("codes", {})
    for replica, code in (header.get("codes") or {}).items():
        codes.setdefault(replica, code)
    codes[exporter] = str(header["replica_code"])
    _set_meta(db, {BUNDLE_NOTE: orjson.dumps(notes).decode()})
    return notes


def _left_out(
    header: dict[str, Any], carried: dict[str, Any], held: dict[str, str]
) -> list[dict[str, Any]]:
    """What a bundle leaves out that this replica lacks: per replica, the newest operation the
    exporter held but did not carry (just before the first carried, or its newest when none
    is carried), where this replica holds less. A bundle without a version vector (0.1.0)
    carries everything from the beginning and leaves nothing out."""
    exporter_held = header.get("version_vector")
    if exporter_held is None:
        return []
    found = []
    for replica in sorted(exporter_held.keys() | carried.keys()):
        c = carried.get(replica)
        needed = c.previous if c is not None else exporter_held[replica]
        have = held.get(replica)
        if needed is not None and (have is None or have < needed):
            found.append({"replica": replica, "needed": needed, "have": have,
                          "first": c.first if c is not None else None})  # fmt: skip
    # the replica held least first: the --since that suits it suits every other
    found.sort(key=lambda g: (g["have"] is not None, g["have"] or "", g["first"] is None))
    return found


def _left_out_message(file: str, left_out: list[dict[str, Any]], codes: dict[str, str]) -> str:
    g = left_out[0]
    who = codes.get(g["replica"]) or g["replica"][:8]
    if g["first"] is not None:
        said = f"{file} starts replica {who}'s operations at {_when(g['first'])}"
    else:
        said = f"{file} leaves out replica {who}'s operations up to {_when(g['needed'])}"
    if g["have"] is None:
        have = "this database holds none of them"
    else:
        have = f"this database holds them only up to {_when(g['have'])}"
    more = len(left_out) - 1
    also = f" ({more} more replica(s) likewise)" if more else ""
    if g["have"] is None:
        fix = "export again without --since"
    else:
        fix = f"export again with --since {_since(g['have'])} (or without --since)"
    return f"{said}, but {have}{also}: {fix}; nothing was imported"


def _lacking(
    seen: dict[str, str], held: dict[str, str], codes: dict[str, str], where: str
) -> list[dict[str, Any]]:
    """The replicas `seen` holds operations of that this replica lacks."""
    return [
        {"replica": replica, "code": codes.get(replica), "newest": _instant(stamp),
         "newest_stamp": stamp, "held": _instant(held[replica]) if replica in held else None,
         "seen_in": where}
        for replica, stamp in sorted(seen.items())
        if stamp > held.get(replica, "")
    ]  # fmt: skip


def _stamp_problem(op: dict[str, Any]) -> str | None:
    """What is wrong with an operation's stamp from outside (its order is what keeps each
    replica's operations a prefix without gaps), or None."""
    match = _STAMP.match(op["stamp"])
    if match is None:
        return f"has a malformed stamp {op['stamp']!r:.60}"
    if match.group(1) != op["replica"]:
        return f"has a stamp {op['stamp']!r:.60} of another replica than {op['replica']!r:.40}"
    return None


def _instant(stamp: str) -> Any:
    """The wall-clock instant of a stamp, in the display zone (None if it is not a stamp)."""
    if _STAMP.match(stamp) is None:
        return None
    return clock.from_epoch(int(stamp[:13]) // 1000)


def _when(stamp: str) -> str:
    """A stamp as people read it: its instant to the minute, in the display zone."""
    at = _instant(stamp)
    return at.strftime("%Y-%m-%d %H:%M") if at is not None else f"{stamp!r:.40}"


def _since(stamp: str) -> str:
    """A --since that includes every operation after `stamp`: its minute, with the offset, so
    an exporter in another time zone reads the same instant."""
    at = _instant(stamp)
    if at is None:
        return "the beginning"
    return _since_instant(at)


def lacking_notes(rows: list[dict[str, Any]]) -> list[str]:
    """One line per replica that `status` found holding operations this one lacks (the newest
    known of it, wherever that was seen), saying what brings them."""
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        for lack in row.get("lacking") or []:
            known = newest.get(lack["replica"])
            if known is None or lack["newest_stamp"] > known["newest_stamp"]:
                newest[lack["replica"]] = lack
    lines = []
    for replica, lack in sorted(newest.items()):
        who = lack["code"] or replica[:8]
        held = lack["held"]
        if held is None:
            have, fix = "it holds none of them", "import a bundle exported without --since"
        else:
            have = f"it holds them up to {held:%Y-%m-%d %H:%M}"
            fix = f"import a bundle exported with --since {_since_instant(held)}"
        lines.append(
            f"replica {who} has operations up to {_when(lack['newest_stamp'])} that this "
            f"database lacks ({have}; seen in {lack['seen_in']}): {fix}, or sync with a "
            "replica that has them"
        )
    return lines


def _since_instant(at: Any) -> str:
    return str(at.replace(second=0).isoformat(timespec="minutes"))
