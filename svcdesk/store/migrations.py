"""Numbered schema migrations: only ever added, each applied in its own transaction.

The schema version lives in `svcdesk_meta` (key `schema_version`). Every command that opens a
database migrates it first (after a backup of the file); a database written by a newer
svcdesk is refused. The SQL is portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svcdesk.store.sql import Conn

Migration = Callable[["Conn"], None]


def m001_initial(conn: Conn) -> None:
    conn.script(
        """
        CREATE TABLE svcdesk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE site (
            id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
            tz TEXT, region TEXT, contact TEXT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
        );
        CREATE TABLE asset (
            id TEXT PRIMARY KEY, ref TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL REFERENCES site(id),
            kind TEXT NOT NULL, serial TEXT NOT NULL, model TEXT,
            installed_on TEXT, warranty_until TEXT, notes TEXT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, removed_at BIGINT
        );
        CREATE UNIQUE INDEX ix_asset_site_serial ON asset (site_id, serial);
        CREATE TABLE ticket (
            id TEXT PRIMARY KEY, ref TEXT NOT NULL UNIQUE,
            site_id TEXT NOT NULL REFERENCES site(id),
            asset_id TEXT REFERENCES asset(id),
            title TEXT NOT NULL, category TEXT NOT NULL, severity TEXT NOT NULL,
            channel TEXT NOT NULL, status TEXT NOT NULL,
            assignee TEXT, reporter TEXT, due_at BIGINT,
            opened_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            policy_id TEXT, clocks TEXT, next_due_at BIGINT, view TEXT, due_view TEXT
        );
        CREATE INDEX ix_ticket_open ON ticket (opened_at, site_id, assignee, id, view)
            WHERE status <> 'closed';
        CREATE INDEX ix_ticket_due ON ticket (
            next_due_at, site_id, ref, title, assignee, status, due_view, clocks
        ) WHERE next_due_at IS NOT NULL;
        CREATE INDEX ix_ticket_opened ON ticket (opened_at);
        CREATE INDEX ix_ticket_site ON ticket (site_id, opened_at);
        CREATE INDEX ix_ticket_assignee ON ticket (assignee);
        CREATE TABLE ticket_event (
            id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL REFERENCES ticket(id),
            kind TEXT NOT NULL, at BIGINT NOT NULL, actor TEXT, note TEXT, data TEXT,
            recorded_at BIGINT NOT NULL
        );
        CREATE INDEX ix_event_ticket ON ticket_event (ticket_id, at);
        CREATE TABLE changelog (
            stamp TEXT PRIMARY KEY, replica TEXT NOT NULL, tbl TEXT NOT NULL,
            row_id TEXT NOT NULL, op TEXT NOT NULL, data TEXT NOT NULL, parent TEXT
        );
        CREATE INDEX ix_changelog_row ON changelog (tbl, row_id, stamp);
        CREATE TABLE policy (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, timezone TEXT NOT NULL, source TEXT NOT NULL,
            effective_at BIGINT NOT NULL, loaded_at BIGINT NOT NULL
        );
        CREATE INDEX ix_policy_effective ON policy (effective_at);
        CREATE TABLE holiday_cache (
            country TEXT NOT NULL, subdiv TEXT NOT NULL, year INTEGER NOT NULL,
            package TEXT NOT NULL, days_off TEXT NOT NULL, workdays TEXT NOT NULL,
            PRIMARY KEY (country, subdiv, year, package)
        )
        """
    )


MIGRATIONS: list[Migration] = [m001_initial]
SCHEMA_VERSION = len(MIGRATIONS)
