"""The tables, as SQLModel classes (DESIGN.md, store/).

Instants are stored as integer Unix seconds (UTC): compact, indexable, identical on SQLite and
PostgreSQL. Dates (installation, warranty end) are ISO `YYYY-MM-DD` text. Primary keys are
time-ordered UUIDs made offline; `ref` is the short reference people type.

The schema itself is created by the numbered migrations in `migrations.py`;
`tests/store/test_migrations.py` checks that both agree.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:
    return Column(BigInteger, nullable=nullable)


class Meta(SQLModel, table=True):
    """Per-replica settings: schema version, replica id and code, reference counters."""

    __tablename__ = "svcdesk_meta"
    key: str = Field(primary_key=True)
    value: str


class Site(SQLModel, table=True):
    __tablename__ = "site"
    id: str = Field(primary_key=True)
    code: str = Field(unique=True)
    name: str
    tz: str | None = None
    region: str | None = None
    contact: str | None = None
    created_at: int = Field(sa_column=_ts())
    updated_at: int = Field(sa_column=_ts())


class Asset(SQLModel, table=True):
    __tablename__ = "asset"
    id: str = Field(primary_key=True)
    ref: str = Field(unique=True)
    site_id: str = Field(foreign_key="site.id")
    kind: str
    serial: str
    model: str | None = None
    installed_on: str | None = None
    warranty_until: str | None = None
    notes: str | None = None
    created_at: int = Field(sa_column=_ts())
    updated_at: int = Field(sa_column=_ts())
    # A tombstone: a removed asset stays (tickets name it, sync must see the removal).
    removed_at: int | None = Field(default=None, sa_column=_ts(nullable=True))


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    id: str = Field(primary_key=True)
    ref: str = Field(unique=True)
    site_id: str = Field(foreign_key="site.id")
    asset_id: str | None = Field(default=None, foreign_key="asset.id")
    title: str
    category: str
    severity: str
    channel: str
    status: str
    assignee: str | None = None
    reporter: str | None = None
    due_at: int | None = Field(default=None, sa_column=_ts(nullable=True))
    opened_at: int = Field(sa_column=_ts())
    updated_at: int = Field(sa_column=_ts())
    # Derived (DESIGN.md, "Deadlines are materialised"): rebuilt by `sla recompute`, never synced.
    policy_id: str | None = None  # the policy version the ticket was opened under
    clocks: str | None = None  # JSON: the SLA clocks as of the ticket's events
    next_due_at: int | None = Field(default=None, sa_column=_ts(nullable=True))
    # The ticket's JSON, pre-rendered for the display zone with holes for the time-dependent
    # clock fields (open tickets only): what makes a list of 100,000 open tickets fast.
    view: str | None = None
    due_view: str | None = None  # likewise, each running clock's `sla overdue` record


class TicketEvent(SQLModel, table=True):
    """Append-only: one row per thing that happened to a ticket."""

    __tablename__ = "ticket_event"
    id: str = Field(primary_key=True)
    ticket_id: str = Field(foreign_key="ticket.id")
    kind: str
    at: int = Field(sa_column=_ts())
    actor: str | None = None
    note: str | None = None
    data: str | None = None  # JSON object with the event's fields (reason, to, type, cause, ...)
    recorded_at: int = Field(sa_column=_ts())


class Change(SQLModel, table=True):
    """The change log: every write as an operation stamped with a hybrid logical clock."""

    __tablename__ = "changelog"
    stamp: str = Field(primary_key=True)  # HLC: 13-digit wall ms, 5-digit counter, replica id
    replica: str
    tbl: str
    row_id: str
    op: str  # insert | update | append | delete
    data: str  # JSON object: the fields written
    # update ops: the newest stamp on this row the writer had applied (concurrency detection)
    parent: str | None = None


class Policy(SQLModel, table=True):
    """A loaded policy version; tickets keep the one in force when they were opened.

    The id is a digest of (effective_at, source), so every replica that loads the same policy
    (the default one, above all) names it alike and a sync merges them into one.
    """

    __tablename__ = "policy"
    id: str = Field(primary_key=True)
    name: str
    timezone: str  # the display zone while this version is in force
    source: str
    effective_at: int = Field(sa_column=_ts())
    loaded_at: int = Field(sa_column=_ts())


class HolidayCache(SQLModel, table=True):
    """Public days from the `holidays` package, per year and package version (derived, local)."""

    __tablename__ = "holiday_cache"
    country: str = Field(primary_key=True)
    subdiv: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    package: str = Field(primary_key=True)
    days_off: str  # JSON list of ISO dates
    workdays: str
