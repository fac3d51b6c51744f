"""The schema, declared once as SQLModel classes (DESIGN.md, store/).

Everything else about the tables derives from these classes: `ddl.py` compiles them to the DDL
of SQLite and PostgreSQL for `init` and for the numbered migrations, and `codegen.py` writes
`schema.py` from them (the column registry every identifier in SQL comes from, and the typed
rows the store returns), which a test regenerates and compares. Importing this module loads
SQLAlchemy, so only `init`, upgrades, code generation and tests do.

Instants are stored as integer Unix seconds (UTC): compact, indexable, identical on SQLite and
PostgreSQL. Dates (installation, warranty end) are ISO `YYYY-MM-DD` text. Primary keys are
time-ordered UUIDs made offline; `ref` is the short reference people type.

Column `info` keys: `derived` marks a column computed from the others by the one writer of
derived state, or by the store itself for a natural key (store/keys.py) (never synced, never
taken from an operation); `local` marks a table that is this replica's own (never synced).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, Text, text
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False, **info: Any) -> Any:
    """An instant column (Unix seconds)."""
    return Field(default=None, sa_column=Column(BigInteger, nullable=nullable, info=info))


def _text(*, nullable: bool = True, primary_key: bool = False, unique: bool = False,
          foreign_key: str | None = None, **info: Any) -> Any:  # fmt: skip
    """A text column (TEXT on both databases)."""
    from sqlalchemy import ForeignKey

    args: list[Any] = [ForeignKey(foreign_key)] if foreign_key else []
    col = Column(Text, *args, nullable=nullable and not primary_key, primary_key=primary_key,
                 unique=unique, info=info)  # fmt: skip
    return Field(default=None, sa_column=col)


def _open_only(*columns: str, name: str, where: str) -> Index:
    """A partial index, the same on SQLite and PostgreSQL."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Meta(SQLModel, table=True):
    """Per-replica settings: schema version, replica id and code, reference counters."""

    __tablename__ = "svcdesk_meta"
    __table_args__ = {"info": {"local": True}}
    key: str = _text(primary_key=True)
    value: str = _text(nullable=False)


class Site(SQLModel, table=True):
    """A customer site, named by its short code."""

    __tablename__ = "site"
    id: str = _text(primary_key=True)
    code: str = _text(nullable=False, unique=True)
    name: str = _text(nullable=False)
    tz: str | None = _text()
    region: str | None = _text()
    contact: str | None = _text()
    created_at: int = _ts()
    updated_at: int = _ts()
    # `site merge`: the site this one was merged into (its tickets and assets moved there).
    merged_into: str | None = _text()
    # The day (`YYYY-MM-DD`) the site's 12-month service periods start (`--contract-start`;
    # default the day it was added). NULL on a site recorded before it existed: it keeps the
    # policy's anniversary on or before the day it was added (services/inspections.py,
    # `contract_start`, is the one reader of this rule).
    contract_start: str | None = _text()


class Asset(SQLModel, table=True):
    """A piece of equipment at a site; a removed one stays as a tombstone."""

    __tablename__ = "asset"
    __table_args__ = (
        Index("ix_asset_site_serial", "site_id", "serial", unique=True),
        # A serial's natural key (domain/serials.py) and its site: sync's merge of one device
        # registered twice, `asset add` and every look-up by serial read this, never a scan of
        # the site's assets (not unique: `db check` reports two live assets under one key).
        Index("ix_asset_serial_key", "serial_key", "site_id"),
    )
    id: str = _text(primary_key=True)
    ref: str = _text(nullable=False, unique=True)
    site_id: str = _text(nullable=False, foreign_key="site.id")
    kind: str = _text(nullable=False)
    serial: str = _text(nullable=False)
    model: str | None = _text()
    installed_on: str | None = _text()
    warranty_until: str | None = _text()
    notes: str | None = _text()
    created_at: int = _ts()
    updated_at: int = _ts()
    # A tombstone: a removed asset stays (tickets name it, sync must see the removal).
    removed_at: int | None = _ts(nullable=True)
    # `asset merge`: the asset this one was merged into (its tickets moved there).
    merged_into: str | None = _text()
    # `serial` under the one serial rule (domain/serials.py): computed by the store at every
    # write of `serial` (store/keys.py), on every replica alike; never synced.
    serial_key: str | None = _text(derived=True)


class Ticket(SQLModel, table=True):
    """A fault ticket or upgrade request; its lifecycle is its events."""

    __tablename__ = "ticket"
    __table_args__ = (
        # Lists order ties by id: lowercase hex sorts alike under every collation, so rows with
        # equal instants list in the same order on SQLite and PostgreSQL.
        _open_only("opened_at", "id", "site_id", "assignee", "view",
                   name="ix_ticket_open", where="status <> 'closed'"),
        _open_only("next_due_at", "id", "site_id", "ref", "title", "assignee", "status",
                   "due_view", "clocks", name="ix_ticket_due", where="next_due_at IS NOT NULL"),
        # `ticket list` on a terminal or in a pipe reads its columns from this narrow index
        # alone, in order (half the time of looking each ticket up in the table).
        _open_only("opened_at", "id", "ref", "site_id", "status", "severity", "category",
                   "assignee", "title", name="ix_ticket_brief", where="status <> 'closed'"),
        # `sla board`, most urgent first: its order and the columns of its text formats, so
        # the board streams in order from the index alone, as `ticket list` does; in JSON and
        # CSV, the same order beside each ticket's pre-rendered board record (m013)
        _open_only("next_due_at", "opened_at", "id", "ref", "site_id", "status", "severity",
                   "assignee", "title", "next_clock", name="ix_ticket_board",
                   where="status <> 'closed'"),
        _open_only("next_due_at", "opened_at", "id", "site_id", "status", "board_view",
                   name="ix_ticket_board_view", where="status <> 'closed'"),
        Index("ix_ticket_opened", "opened_at"),
        Index("ix_ticket_site", "site_id", "opened_at"),
        Index("ix_ticket_assignee", "assignee"),
        # an asset's tickets (a sync that merges one device made twice moves them)
        _open_only("asset_id", name="ix_ticket_asset", where="asset_id IS NOT NULL"),
        _open_only("id", name="ix_ticket_contradictions", where="contradictions IS NOT NULL"),
    )  # fmt: skip
    id: str = _text(primary_key=True)
    ref: str = _text(nullable=False, unique=True)
    site_id: str = _text(nullable=False, foreign_key="site.id")
    asset_id: str | None = _text(foreign_key="asset.id")
    title: str = _text(nullable=False)
    category: str = _text(nullable=False)
    severity: str = _text(nullable=False)
    channel: str = _text(nullable=False)
    status: str = _text(nullable=False)
    assignee: str | None = _text()
    reporter: str | None = _text()
    due_at: int | None = _ts(nullable=True)
    opened_at: int = _ts()
    updated_at: int = _ts()
    # Derived (DESIGN.md, "Deadlines are materialised, by one writer"): services/derived.py
    # computes them from the columns above, the events and the policy, at every commit that
    # touched them; replicas holding the same operations hold the same values.
    policy_id: str | None = _text(derived=True)  # the policy version in force when opened
    clocks: str | None = _text(derived=True)  # JSON: the SLA clocks as of the events
    next_due_at: int | None = _ts(nullable=True, derived=True)  # the earliest running deadline
    # The ticket's JSON and its running clocks' `sla overdue` records, pre-rendered in the zone
    # of its policy with holes for what depends on now (open tickets only): what makes a list
    # of 100,000 open tickets fast.
    view: str | None = _text(derived=True)
    due_view: str | None = _text(derived=True)
    # JSON [[event id, the event that stands instead or null, why], ...]: the events the merged
    # timeline set aside (domain.tickets `fold`), why `contradicted` (its order made them
    # impossible: a close after a concurrent reopen; `sync conflicts` lists these) or `voided`
    # (`sync keep` took them out). NULL for almost every ticket; services/formats.py reads it.
    contradictions: str | None = _text(derived=True)
    # The running clock due first (at `next_due_at`; the first of those due alike), and the
    # ticket's `sla board` record pre-rendered like `view` (open tickets only): what makes a
    # board of 200,000 open tickets stream as fast as their list.
    next_clock: str | None = _text(derived=True)
    board_view: str | None = _text(derived=True)


class TicketEvent(SQLModel, table=True):
    """Append-only: one row per thing that happened to a ticket."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_event_ticket", "ticket_id", "at"),)
    id: str = _text(primary_key=True)
    ticket_id: str = _text(nullable=False, foreign_key="ticket.id")
    kind: str = _text(nullable=False)
    at: int = _ts()
    actor: str | None = _text()
    note: str | None = _text()
    data: str | None = _text()  # JSON object with the event's fields (reason, to, type, ...)
    recorded_at: int = _ts()
    # The timeline's order is (at, seq, id): seq is one more than the largest its recorder held
    # for the ticket, so events recorded at one instant keep the order they were recorded in.
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


def _int(nullable: bool = False) -> Any:
    """A small integer column (counts, flags)."""
    return Field(default=None, sa_column=Column(Integer, nullable=nullable))


class Visit(SQLModel, table=True):
    """An engineer on site: started, later ended with a summary and the customer's sign-off.

    Mutable per field (the end is recorded after the start, maybe on another replica), synced
    per field like sites and assets. `ref` is `CODE-Vn`, numbered per replica like tickets.
    """

    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_site", "site_id", "started_at"),
        Index("ix_visit_started", "started_at"),
        Index("ix_visit_engineer", "engineer", "started_at"),
        Index("ix_visit_ticket", "ticket_id"),
    )
    id: str = _text(primary_key=True)
    ref: str = _text(nullable=False, unique=True)
    site_id: str = _text(nullable=False, foreign_key="site.id")
    ticket_id: str | None = _text(foreign_key="ticket.id")
    engineer: str = _text(nullable=False)
    kind: str = _text(nullable=False)  # repair | inspection | training | install | upgrade
    started_at: int = _ts()
    ended_at: int | None = _ts(nullable=True)
    summary: str | None = _text()
    signed_by: str | None = _text()  # the customer's sign-off name
    created_at: int = _ts()
    updated_at: int = _ts()


class VisitPart(SQLModel, table=True):
    """Append-only: a part replaced during a visit, with its warranty decision on that day.

    `cost` is integer cents (no float rounding, the same on both databases); `coverage` is the
    replacement level the asset's warranty gave (`free`, `paid`, `not_covered`: a replacement it
    does not cover is paid), `reasons` the decision's sentences as a JSON list.
    """

    __tablename__ = "visit_part"
    __table_args__ = (
        Index("ix_visit_part_visit", "visit_id", "position"),
        _open_only("asset_id", name="ix_visit_part_asset", where="asset_id IS NOT NULL"),
    )
    id: str = _text(primary_key=True)
    visit_id: str = _text(nullable=False, foreign_key="visit.id")
    position: int = _int()  # the order the parts were given in
    serial_out: str = _text(nullable=False)  # the faulty part taken out
    serial_in: str = _text(nullable=False)  # the replacement put in
    cost: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    asset_id: str | None = _text(foreign_key="asset.id")  # the asset the faulty serial named
    coverage: str = _text(nullable=False)
    reasons: str | None = _text()


class Inspection(SQLModel, table=True):
    """Append-only: one on-site inspection against the policy's checklist (a yearly quota).

    `items` is JSON text of [{"item", "result", "finding"}] (result ok | fault |
    not_applicable), `faults` how many are `fault`; `policy_id` the version whose checklist it
    followed. `ref` is `CODE-In`, numbered per replica like tickets.
    """

    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_site", "site_id", "at"),
        Index("ix_inspection_at", "at"),
        Index("ix_inspection_visit", "visit_id"),
    )
    id: str = _text(primary_key=True)
    ref: str = _text(nullable=False, unique=True)
    site_id: str = _text(nullable=False, foreign_key="site.id")
    visit_id: str | None = _text(foreign_key="visit.id")
    at: int = _ts()
    signed_by: str | None = _text()
    policy_id: str = _text(nullable=False)
    items: str = _text(nullable=False)
    faults: int = _int()
    recorded_at: int = _ts()


class Upgrade(SQLModel, table=True):
    """Append-only: a product upgrade at a site; a major one obliges training its operators."""

    __tablename__ = "upgrade"
    __table_args__ = (Index("ix_upgrade_site", "site_id", "at"),)
    id: str = _text(primary_key=True)
    site_id: str = _text(nullable=False, foreign_key="site.id")
    version: str = _text(nullable=False)
    major: int = _int()  # 1: a major upgrade (training follows), 0: not
    at: int = _ts()
    recorded_at: int = _ts()


class Training(SQLModel, table=True):
    """Append-only: operators trained at a site, perhaps discharging an upgrade's obligation."""

    __tablename__ = "training"
    __table_args__ = (
        Index("ix_training_site", "site_id", "at"),
        Index("ix_training_upgrade", "upgrade_id"),
    )
    id: str = _text(primary_key=True)
    site_id: str = _text(nullable=False, foreign_key="site.id")
    upgrade_id: str | None = _text(foreign_key="upgrade.id")
    topic: str = _text(nullable=False)
    attendees: int = _int()
    at: int = _ts()
    recorded_at: int = _ts()


class Article(SQLModel, table=True):
    """A knowledge-base article: an FAQ answer for operators, or a classic case (the plan's
    常见问题 and 经典案例), updated with every upgrade.

    Mutable per field, synced per field like visits (two laptops editing one body: `sync
    conflicts` lists the loser). `tags` is a JSON list of tags (NFKC, lower case), `tickets` a
    JSON list of the ids of the tickets it draws on; `applies_to` the upgrade version it is
    for. `ref` is `CODE-Kn`, numbered per replica like visits.
    """

    __tablename__ = "article"
    __table_args__ = (Index("ix_article_updated", "updated_at", "id"),)
    id: str = _text(primary_key=True)
    ref: str = _text(nullable=False, unique=True)
    kind: str = _text(nullable=False)  # faq | case
    title: str = _text(nullable=False)
    body: str = _text(nullable=False)  # Markdown
    tags: str = _text(nullable=False)
    tickets: str = _text(nullable=False)
    applies_to: str | None = _text()
    created_at: int = _ts()
    updated_at: int = _ts()


class KbDigest(SQLModel, table=True):
    """Append-only: an FAQ digest pushed to the operators (the plan: "定时整理常见问题,并主动推送
    给基层操作人员"): when (`at`), the window of article changes it covered (`since_at` to
    `until_at`, both included), how many FAQ articles it held and who pushed it. The newest
    one's `at` plus the policy's `[digest] every` is when the next digest is due.
    """

    __tablename__ = "kb_digest"
    __table_args__ = (Index("ix_kb_digest_at", "at", "id"),)
    id: str = _text(primary_key=True)
    at: int = _ts()
    since_at: int = _ts()
    until_at: int = _ts()
    articles: int = _int()
    pushed_by: str = _text(nullable=False)
    recorded_at: int = _ts()


def _doc() -> Any:
    """An article's number in the search index, part of the key (63 bits of its id: see
    store/kb.py): INTEGER on SQLite, BIGINT on PostgreSQL, never generated by the database."""
    col = Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                 autoincrement=False)  # fmt: skip
    return Field(default=None, sa_column=col)


class KbDoc(SQLModel, table=True):
    """The search index's articles: each one's number and the tokens it is indexed under.

    Derived from `article` (store/kb.py, at every write of an article and after every sync),
    this replica's own: never synced.
    """

    __tablename__ = "kb_doc"
    __table_args__ = {"info": {"local": True}}
    doc: int = _doc()
    article_id: str = _text(nullable=False, unique=True, foreign_key="article.id")
    tokens: str = _text(nullable=False)  # space-separated: what to take out on the next write


class KbToken(SQLModel, table=True):
    """The search index's postings: token, article number, the token's weight in it (integer
    BM25-like, title above body: domain/search.py). Derived and local, as `kb_doc`.

    One clustered key on SQLite (WITHOUT ROWID); tokens compare by code point on PostgreSQL too
    (COLLATE "C"), so a one-character query reads the pairs it begins as a key range.
    """

    __tablename__ = "kb_token"
    __table_args__ = {"info": {"local": True}, "sqlite_with_rowid": False}
    token: str = Field(default=None, sa_column=Column(
        Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True))
    doc: int = _doc()
    weight: int = _int()


class TicketCsv(SQLModel, table=True):
    """Each open ticket's CSV line as `ticket list -f csv` writes it, with `%s`/`%d` where its
    running clocks' state and seconds left go (the deadlines are its view's). Derived state
    (services/derived.py writes it with the view), this replica's own: never synced. Apart
    from `ticket` so the rows every other list reads stay narrow; keyed as the open list is
    ordered (newest first), so the list reads both side by side.
    """

    __tablename__ = "ticket_csv"
    __table_args__ = {"info": {"local": True}, "sqlite_with_rowid": False}
    opened_at: int = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=False))  # fmt: skip
    id: str = _text(primary_key=True)
    zone: str = _text(nullable=False)  # the zone its instants are in, as the view's
    dues: str = _text(nullable=False)  # its running clocks' deadlines, DUE,DUE (the view's)
    line: str = _text(nullable=False)


class Change(SQLModel, table=True):
    """The change log: every write as an operation stamped with a hybrid logical clock."""

    __tablename__ = "changelog"
    __table_args__ = (Index("ix_changelog_row", "tbl", "row_id", "stamp"), {"info": {"log": True}})
    stamp: str = _text(primary_key=True)  # HLC: wall ms, counter, replica id
    replica: str = _text(nullable=False)
    tbl: str = _text(nullable=False)
    row_id: str = _text(nullable=False)
    op: str = _text(nullable=False)  # insert | update | append | delete
    data: str = _text(nullable=False)  # JSON object: the fields written
    # update ops: the newest stamp on this row the writer had applied (concurrency detection)
    parent: str | None = _text()


class Policy(SQLModel, table=True):
    """A loaded policy version; tickets keep the one in force when they were opened.

    The id is a digest of (effective_at, source), so every replica that loads the same policy
    (the default one, above all) names it alike and a sync merges them into one.
    """

    __tablename__ = "policy"
    __table_args__ = (Index("ix_policy_effective", "effective_at"),)
    id: str = _text(primary_key=True)
    name: str = _text(nullable=False)
    timezone: str = _text(nullable=False)  # the display zone while this version is in force
    source: str = _text(nullable=False)
    effective_at: int = _ts()
    loaded_at: int = _ts()


class Alias(SQLModel, table=True):
    """Names a record was known by and is no more: a site's old code, an asset's or a ticket's
    old ref, the id of a record merged into another (kind `id`). Derived from the change log on
    every replica alike (never synced); lookups that miss try it."""

    __tablename__ = "alias"
    __table_args__ = (Index("ix_alias_row", "tbl", "row_id"), {"info": {"local": True}})
    tbl: str = _text(primary_key=True)
    name: str = _text(primary_key=True)  # the old code, ref or id, as stored
    row_id: str = _text(nullable=False)  # the record it names now
    kind: str = _text(nullable=False)  # code | ref | id


class HolidayCache(SQLModel, table=True):
    """Public days from the `holidays` package, per year and package version (a local cache)."""

    __tablename__ = "holiday_cache"
    __table_args__ = {"info": {"local": True}}
    country: str = _text(primary_key=True)
    subdiv: str = _text(primary_key=True)
    year: int = Field(default=None, sa_column=Column(Integer, primary_key=True))
    package: str = _text(primary_key=True)
    days_off: str = _text(nullable=False)  # JSON list of ISO dates
    workdays: str = _text(nullable=False)


class Team(SQLModel, table=True):
    """The team this replica belongs to (issue 20): its id, name and public team key (lowercase
    hex of the raw Ed25519 key). Never a private key. This replica's own for now: member
    records sync once replicas verify them on arrival (a later part of issue 20)."""

    __tablename__ = "team"
    __table_args__ = {"info": {"local": True}}
    id: str = _text(primary_key=True)
    name: str = _text(nullable=False)
    team_key: str = _text(nullable=False)
    created_at: int = _ts()


class TeamMember(SQLModel, table=True):
    """A member as a manager's certificate enrolled them: `id` is the fingerprint of their key
    (SHA-256 of the raw public key, hex), `regions` a JSON list, `certificate` the signed
    document itself (public: it holds public keys only). Append-only; `revoked_at` stays NULL
    until revocation arrives (a later part of issue 20)."""

    __tablename__ = "team_member"
    __table_args__ = (Index("ix_team_member_engineer", "engineer"), {"info": {"local": True}})
    id: str = _text(primary_key=True)
    team_id: str = _text(nullable=False, foreign_key="team.id")
    engineer: str = _text(nullable=False)
    role: str = _text(nullable=False)
    regions: str = _text(nullable=False)
    key: str = _text(nullable=False)
    enrolled_at: int = _ts()
    revoked_at: int | None = _ts(nullable=True)
    certificate: str = _text(nullable=False)
    recorded_at: int = _ts()
