"""Answers for scripts that only ask a yes-or-no question (`--check -q`), from the stored derived
state, without loading the services that write it: light imports, nothing written."""

from __future__ import annotations

from svcdesk import clock
from svcdesk.services.formats import DERIVED_FORMAT, DERIVED_FORMAT_KEY
from svcdesk.store import location
from svcdesk.store.dsn import is_postgres


def anything_overdue(url: str | None, *, within: str | None) -> bool | None:
    """Is a clock breached, or due within `within`, on any ticket? None when the database
    cannot answer this way (PostgreSQL, an older file to migrate, another derived format):
    the caller asks `services.sla.overdue`, which opens it fully."""
    limit = clock.to_epoch(clock.now()) + clock.within_seconds(within)
    where = location.resolve_url(url)
    if is_postgres(where):
        return None
    from svcdesk.store.migrations import SCHEMA_VERSION
    from svcdesk.store.quick import any_due_before

    return any_due_before(
        location.sqlite_path(where), limit, schema_version=str(SCHEMA_VERSION),
        derived_key=DERIVED_FORMAT_KEY, derived_format=DERIVED_FORMAT,
    )  # fmt: skip
