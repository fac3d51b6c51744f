"""This replica's own settings in `svcdesk_meta`: schema version, identity, counters, remotes.

Never synced: each replica has its own. Keys are svcdesk's (`replica_id`, `seq.ticket`,
`remote.hub`, `sync.hub.seen`, `home`, `replica.previous`...); values are text.

Identity: a replica writes its operations under its id and hands out refs that start with its
code. Two files must never do that under one identity, so a file records where it lives
(`home`: host, device and inode) and a copy or restore of it, which lives elsewhere, takes a new
identity before it writes (`take_identity`); the old id becomes just another replica whose
operations the file holds. Re-keying a replica that already wrote under the old identity after
the fork also moves those operations (`own_ops`, `replace_ops`; services/rekey.py decides).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from svcdesk import ids
from svcdesk.store.changelog import Change
from svcdesk.store.sql import Conn, in_list

HOME = "home"  # JSON: {"host", "device", "inode", "path"} of the file this replica lives in
PREVIOUS = "replica.previous"  # JSON list: the identities this file wrote under before
BUNDLE_NOTE = "bundle.seen"  # JSON: what the bundles read here said (services/sync.py)
CODES_NOTE = "replica.codes"  # JSON: replica id -> code, as syncs told (services/sync.py)
# The refs each counter numbers, per table (services build them the same way).
REFS = {"ticket": "{code}-{n}", "asset": "{code}-A{n}", "visit": "{code}-V{n}",
        "inspection": "{code}-I{n}", "article": "{code}-K{n}"}


def codes_in(text: str | None) -> dict[str, str]:
    """Replica id -> code from a JSON object (anything else in it is ignored)."""
    try:
        codes = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(codes, dict):
        return {}
    return {str(k): v for k, v in codes.items() if isinstance(v, str)}


def replica_codes(conn: Conn) -> dict[str, str]:
    """Replica id -> code, as the syncs and bundles this replica took part in told it."""
    told = codes_in(get(conn, CODES_NOTE))
    try:
        notes = json.loads(get(conn, BUNDLE_NOTE) or "{}")
    except ValueError:
        notes = {}
    bundles = notes.get("codes") if isinstance(notes, dict) else None
    if isinstance(bundles, dict):
        told.update({str(k): v for k, v in bundles.items() if isinstance(v, str)})
    return told


def read_all(conn: Conn) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM svcdesk_meta").all()}


def get(conn: Conn, key: str) -> str | None:
    value = conn.execute("SELECT value FROM svcdesk_meta WHERE key = :k", {"k": key}).scalar()
    return None if value is None else str(value)


def with_prefix(conn: Conn, prefix: str) -> dict[str, str]:
    """Every key starting with `prefix` (a literal: `%` and `_` match themselves), by key."""
    rows = conn.execute(
        "SELECT key, value FROM svcdesk_meta WHERE key >= :lo AND key < :hi ORDER BY key",
        {"lo": prefix, "hi": prefix + "\U0010ffff"},
    ).all()
    return dict(rows)


def put(conn: Conn, values: Mapping[str, str]) -> None:
    """Set each key to its value (inserting or replacing)."""
    for key, value in values.items():
        conn.execute(
            "INSERT INTO svcdesk_meta (key, value) VALUES (:k, :v) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"k": key, "v": value},
        )


def delete(conn: Conn, keys: list[str]) -> None:
    for key in keys:
        conn.execute("DELETE FROM svcdesk_meta WHERE key = :k", {"k": key})


def next_counter(conn: Conn, name: str, *, last: int | None = None,
                 code: str | None = None, free_above: int | None = None
                 ) -> tuple[int, str | None]:  # fmt: skip
    """(the next value of a per-replica counter (refs), the replica code); local, never
    synced. `last` and `code`, when the caller holds them from this transaction, save reading
    them again. A counter that numbers refs skips any value whose ref this database already
    knows (a record, or an old name in the alias table), whatever the counter said; values
    above `free_above` are known to be free (the caller looked once: `highest_ref`)."""
    key = f"seq.{name}"
    value = (int(get(conn, key) or 0) if last is None else last) + 1
    pattern = REFS.get(name)
    if pattern and code is None:
        code = get(conn, "replica_code")
    while (pattern and code and (free_above is None or value <= free_above)
           and ref_taken(conn, name, pattern.format(code=code, n=value))):  # fmt: skip
        value += 1
    put(conn, {key: str(value)})
    return value, code


def highest_ref(conn: Conn, name: str, code: str) -> int:
    """The largest number N of a ref `code-N` (`code-AN`) of `name` this database knows, as a
    record's ref or an old name (0: none)."""
    from svcdesk.store import registry

    prefix = REFS[name].format(code=code, n="")
    table = registry.table(name)
    rows = conn.execute(
        f"SELECT ref FROM {table} WHERE ref >= :lo AND ref < :hi UNION ALL "
        "SELECT name FROM alias WHERE tbl = :t AND name >= :lo AND name < :hi",
        {"lo": prefix, "hi": prefix + "\U0010ffff", "t": table},
    ).all()
    numbers = [int(r[len(prefix):]) for (r,) in rows if r[len(prefix):].isdigit()]
    return max(numbers, default=0)


def ref_taken(conn: Conn, table: str, ref: str) -> bool:
    """Does a record of `table` have this ref, or had it (an alias)?"""
    from svcdesk.store import registry

    name = registry.table(table)
    found = conn.execute(
        f"SELECT 1 FROM {name} WHERE ref = :r UNION ALL "
        "SELECT 1 FROM alias WHERE tbl = :t AND name = :r LIMIT 1",
        {"r": ref, "t": name},
    ).first()
    return found is not None


# --------------------------------------------------------------------------------------------
# Where this file lives


def home_of(path: Path) -> dict[str, Any]:
    """Where the SQLite file at `path` lives: a copy, a restore or a backup lives elsewhere
    (another inode or device, another computer); a rename within its file system does not."""
    st = os.stat(path)
    return {"host": _host(), "device": st.st_dev, "inode": st.st_ino,
            "path": os.path.abspath(path)}  # fmt: skip


def _host() -> str:
    return socket.gethostname()


def parse_home(text: str | None) -> dict[str, Any] | None:
    """A recorded `home` (None: none recorded, or not one that can be read)."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def same_home(was: Mapping[str, Any] | None, now: Mapping[str, Any]) -> bool:
    return was is not None and all(was.get(k) == now.get(k) for k in ("host", "device", "inode"))


def encode_home(home: Mapping[str, Any]) -> str:
    return json.dumps(dict(home), separators=(",", ":"), sort_keys=True)


# --------------------------------------------------------------------------------------------
# Identity


def code_taken(conn: Conn, code: str) -> bool:
    """Does any ref this database knows (records, old names) start with `code`?"""
    lo, hi = f"{code}-", f"{code}."  # '.' follows '-': every ref of the code lies between
    for table in ("ticket", "asset"):
        if (
            conn.execute(
                f"SELECT 1 FROM {table} WHERE ref >= :lo AND ref < :hi LIMIT 1",
                {"lo": lo, "hi": hi},
            ).first()
            is not None
        ):
            return True
    return (
        conn.execute(
            "SELECT 1 FROM alias WHERE tbl IN ('ticket', 'asset') AND name >= :lo AND name < :hi "
            "LIMIT 1",
            {"lo": lo, "hi": hi},
        ).first()
        is not None
    )


def new_identity(conn: Conn, *, avoid: set[str], there: Conn | None = None) -> tuple[str, str]:
    """A new replica id, and a replica code that no ref this database (nor `there`, the other
    side of a sync) knows starts with."""
    previous = {p.get("code") for p in previous_identities(conn)}
    for _ in range(64):
        code = ids.new_replica_code()
        if code in avoid or code in previous or code_taken(conn, code):
            continue
        if there is None or not code_taken(there, code):
            return ids.uuid7().replace("-", ""), code
    raise RuntimeError("no free replica code found")  # 64 draws from a million: never


def previous_identities(conn: Conn) -> list[dict[str, Any]]:
    try:
        value = json.loads(get(conn, PREVIOUS) or "[]")
    except ValueError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def wrote_under(conn: Conn, replica: str) -> bool:
    """Did this database write anything under `replica` (operations, or refs handed out)?"""
    if any(int(v or 0) for v in with_prefix(conn, "seq.").values() if v.isdigit()):
        return True
    row = conn.execute("SELECT 1 FROM changelog WHERE replica = :r LIMIT 1", {"r": replica})
    return row.first() is not None


def take_identity(
    conn: Conn, *, replica_id: str, replica_code: str, why: str, at: str,
    home: Mapping[str, Any] | None = None,
) -> dict[str, str]:  # fmt: skip
    """Make this database replica `replica_id` with code `replica_code`: its ref counters start
    again (the new code's refs are all free), the identity it leaves is noted in
    `replica.previous` if it wrote anything. Returns the keys set (deleted counters aside)."""
    old_id, old_code = get(conn, "replica_id"), get(conn, "replica_code")
    values = {"replica_id": replica_id, "replica_code": replica_code}
    if home is not None:
        values[HOME] = encode_home(home)
    if old_id and wrote_under(conn, old_id):
        history = previous_identities(conn)
        history.append({"id": old_id, "code": old_code, "until": at, "why": why})
        values[PREVIOUS] = json.dumps(history, ensure_ascii=False, separators=(",", ":"))
    delete(conn, sorted(with_prefix(conn, "seq.")))
    put(conn, values)
    return values


# --------------------------------------------------------------------------------------------
# This replica's own operations (re-keying moves those nobody else holds)


def own_ops(conn: Conn, replica: str, *, batch: int = 500) -> Iterator[list[Change]]:
    """Batches of every operation stamped with `replica`'s id, in stamp order."""
    from svcdesk.store import changelog

    yield from changelog.ops_after(conn, replica=replica, after="", batch=batch)


def count_ops(conn: Conn, replica: str, *, upto: str) -> int:
    """How many operations of `replica` stamped up to `upto` this database holds."""
    return int(
        conn.execute(
            "SELECT count(*) FROM changelog WHERE replica = :r AND stamp <= :s",
            {"r": replica, "s": upto},
        ).scalar()
        or 0
    )


def replace_ops(conn: Conn, old: list[str], new: list[Change]) -> None:
    """Take the operations stamped `old` out of the log and put `new` in (one re-keying)."""
    from svcdesk.store import changelog

    for marks, params in in_list(old):
        conn.execute(f"DELETE FROM changelog WHERE stamp IN ({marks})", params)
    if new:
        changelog.append_many(conn, new)
