"""Sync use cases: exchange operations with a remote replica, remotes, bundles, status.

A remote is another svcdesk SQLite file (a shared folder, a USB stick), a `postgresql://` URL
(the team hub) or a saved name. Each direction of an exchange is one transaction on the
receiving side, so an interrupted sync leaves both sides consistent and the next one finishes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from svcdesk import clock
from svcdesk.errors import InvalidValue, NotFound, StoreError
from svcdesk.services.session import open_database
from svcdesk.store import changelog, refs, registry
from svcdesk.store import meta as meta_store
from svcdesk.store.db import Database, is_postgres, redact
from svcdesk.sync import engine

_NAME = re.compile(r"^[A-Za-z][\w.-]*$")


def _meta(db: Database, key: str) -> str | None:
    with db.read() as conn:
        return meta_store.get(conn, key)


def _set_meta(db: Database, values: dict[str, str]) -> None:
    with db.write() as tx:
        meta_store.put(tx.conn, values)


def without_password(url: str) -> str:
    """A remote as it may be stored: credentials come from ~/.pgpass or PGPASSWORD instead."""
    return re.sub(r"^(\w[\w+.-]*://[^:/@]*):[^@/]*@", r"\1@", url)


def remote_add(db: Database, name: str, remote: str, *, default: bool = False) -> dict[str, Any]:
    if not _NAME.match(name):
        raise InvalidValue(f"invalid remote name {name!r}: a word such as hub or usb")
    stored = remote if is_postgres(remote) else str(Path(remote).expanduser().resolve())
    stored = without_password(stored)
    values = {f"remote.{name}": stored}
    if default or not remotes(db):
        values["remote.default"] = name
    _set_meta(db, values)
    return {"name": name, "remote": redact(stored), "default": values.get("remote.default") == name}


def remotes(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = list(meta_store.with_prefix(conn, "remote.").items())
    default = dict(rows).get("remote.default")
    return [
        {"name": k.removeprefix("remote."), "remote": redact(v),
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
    saved = _meta(db, f"remote.{remote}")
    if saved is not None:
        return remote, saved
    if is_postgres(remote) or "/" in remote or remote.endswith(".db") or Path(remote).exists():
        where = remote if is_postgres(remote) else str(Path(remote).expanduser().resolve())
        for r in remotes(db):  # a saved remote given by its location keeps its name
            if _meta(db, f"remote.{r['name']}") == without_password(where):
                return r["name"], remote
        return without_password(where), remote
    raise NotFound(f"no remote named {remote!r} (see 'svcdesk sync remote list')")


def open_remote(db: Database, remote: str) -> Database:
    other = open_database(remote)  # refuses what is not a svcdesk database, newer schemas
    if other.replica_id == db.replica_id:
        other.close()
        raise StoreError(
            f"{other.label} is this same replica (a copy of this database?): sync needs another"
        )
    if other.replica_code == db.replica_code:
        other.close()
        raise StoreError(
            f"{other.label} uses the same replica code {db.replica_code} as this database; "
            "their ticket refs would collide"
        )
    return other


def sync(
    db: Database, remote: str | None = None, *, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Push what the remote lacks, then pull what this replica lacks."""
    name, location = _resolve(db, remote)
    other = open_remote(db, location)
    try:
        with db.read() as conn:
            mine = engine.version_vector(conn)
        with other.read() as conn:
            theirs = engine.version_vector(conn)
        with other.read() as conn:  # refuse a crafted remote before either side changes
            for batch in engine.ops_since(conn, mine):
                for op in batch:
                    engine.checked(op)
        with db.read() as conn:
            pushed = engine.apply_ops(other, engine.ops_since(conn, theirs), progress=progress)
        with other.read() as conn:
            pulled = engine.apply_ops(db, engine.ops_since(conn, mine), progress=progress)
        with other.read() as conn:
            seen = engine.version_vector(conn)
    finally:
        other.close()
    now = clock.now().isoformat()
    _set_meta(db, {f"sync.{name}.seen": orjson.dumps(seen).decode(), f"sync.{name}.at": now})
    return {
        "remote": redact(location),
        "pushed": pushed["applied"],
        "pulled": pulled["applied"],
        "tickets_updated": pulled["tickets"],
    }


def status(db: Database) -> list[dict[str, Any]]:
    """Per remote: when it last exchanged, and how many local operations it has not seen."""
    out = []
    for r in remotes(db):
        seen_text = _meta(db, f"sync.{r['name']}.seen")
        seen = orjson.loads(seen_text) if seen_text else {}
        with db.read() as conn:
            pending = sum(len(b) for b in engine.ops_since(conn, seen))
        at = _meta(db, f"sync.{r['name']}.at")
        out.append({**r, "last_sync": at, "not_pushed": pending})
    return out


def conflicts(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        found = engine.conflicts(conn)
        for c in found:
            c["ref"] = refs.label(conn, c["table"], c["row"])
    return found


def keep(db: Database, stamp: str) -> dict[str, Any]:
    """Restore the value a conflicting write lost: write it again, now the newest."""
    stamp = stamp.strip()
    with db.read() as conn:
        match = [c for c in engine.conflicts(conn) if c["lost_stamp"] == stamp]
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


def export(db: Database, file: str, *, since: str | None = None) -> dict[str, Any]:
    """Write every operation (or those recorded since an instant) to a bundle file."""
    from svcdesk.store.migrations import SCHEMA_VERSION
    from svcdesk.sync.bundle import write_bundle

    after = None
    if since:
        ms = clock.to_epoch(clock.parse_instant(since, what="--since")) * 1000
        after = f"{ms:013d}"
    path = Path(file).expanduser()
    with db.read() as conn:
        batches = engine.ops_since(conn, {}, since=after)
        ops = (changelog.as_dict(op) for batch in batches for op in batch)
        count = write_bundle(
            path,
            schema_version=SCHEMA_VERSION,
            replica_id=db.replica_id,
            replica_code=db.replica_code,
            created_at=clock.now().isoformat(),
            ops=ops,
        )
    return {"file": str(path), "operations": count}


def import_(
    db: Database, file: str, *, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Apply a bundle: it is verified whole first; applying it twice changes nothing."""
    from svcdesk.store.migrations import SCHEMA_VERSION
    from svcdesk.sync.bundle import read_bundle

    header, ops = read_bundle(Path(file).expanduser(), max_schema_version=SCHEMA_VERSION)
    if header.get("replica_id") == db.replica_id:
        raise StoreError(f"{file} was exported from this database; nothing to import")

    def batches() -> Any:
        batch: list[changelog.Change] = []
        for op in ops:
            batch.append(changelog.Change(**op))
            if len(batch) >= engine.BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    result = engine.apply_ops(db, batches(), progress=progress)
    return {"file": file, "operations": result["received"], "applied": result["applied"]}
