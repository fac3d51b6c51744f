"""Opening a database for the services: the store's connection, with the one writer of derived
ticket state installed (every command, and every remote a sync opens, goes through here)."""

from __future__ import annotations

from svcdesk.services import derived
from svcdesk.store.db import Database, open_db


def open_database(url: str | None = None, *, create: bool = False, read_only: bool = False
                  ) -> Database:  # fmt: skip
    """Open (with `create`, initialise) the database at `url`, migrated and derived up to date;
    with `read_only`, as it is (nothing written: not migrated, re-keyed or derived again)."""
    db = open_db(url, create=create, read_only=read_only)
    if read_only:
        return db
    try:
        return derived.install(db)
    except BaseException:
        db.close()
        raise


def redact(text: str) -> str:
    """`text` fit to print: every PostgreSQL password in it as *** (the one redaction,
    store/dsn.py), for a layer above the store that shows a message it did not build."""
    from svcdesk.store import dsn

    return dsn.redact(text)
