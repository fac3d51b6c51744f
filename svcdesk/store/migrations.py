"""Numbered schema migrations: only ever added, each applied in its own transaction.

The schema version lives in `svcdesk_meta` (key `schema_version`). A new database gets every
table of the declaration (`models.py`, compiled by `ddl.py`) at once and the newest version; an
older one is upgraded by running, in order, each migration after its version (after a backup of
the file). A migration names what it adds (`ddl.add_column(conn, "ticket", "priority")`), and
gets the statement compiled from the declaration for the database at hand. A database written
by a newer svcdesk is refused.

Version 1 is the schema of svcdesk 0.1.0 (tests/store/test_migrations.py opens a database made
by that release and checks that it matches what `init` makes today).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from svcdesk.store.sql import Conn

Migration = Callable[["Conn"], None]


def m001_initial(conn: Conn) -> None:
    """The first schema: every table as declared (only ever run on a new database)."""
    from svcdesk.store import ddl

    ddl.create_all(conn)


def m002_timeline_order(conn: Conn) -> None:
    """Events keep the order they were recorded in at one instant; a ticket notes the events
    its merged timeline made impossible."""
    from svcdesk.store import ddl

    ddl.add_column(conn, "ticket_event", "seq")
    ddl.add_column(conn, "ticket", "contradictions")
    ddl.create_index(conn, "ticket", "ix_ticket_contradictions")


def m003_aliases(conn: Conn) -> None:
    """Old codes, refs and ids of records renamed, re-keyed or merged."""
    from svcdesk.store import ddl

    ddl.create_table(conn, "alias")
    ddl.add_column(conn, "site", "merged_into")
    ddl.add_column(conn, "asset", "merged_into")


def m004_list_order(conn: Conn) -> None:
    """The open-ticket and deadline indexes order ties by id (the same order everywhere)."""
    from svcdesk.store import ddl

    for index in ("ix_ticket_open", "ix_ticket_due"):
        ddl.drop_index(conn, index)
        ddl.create_index(conn, "ticket", index)


def m005_field_work(conn: Conn) -> None:
    """Field work: visits and the parts they replaced, inspections, upgrades and trainings."""
    from svcdesk.store import ddl

    for table in ("visit", "visit_part", "inspection", "upgrade", "training"):
        ddl.create_table(conn, table)


def m006_brief_list(conn: Conn) -> None:
    """The open tickets' listed columns in one narrow index: text lists read nothing else."""
    from svcdesk.store import ddl

    ddl.create_index(conn, "ticket", "ix_ticket_brief")


def m007_knowledge_base(conn: Conn) -> None:
    """The knowledge base: articles, and their search index (derived, never synced)."""
    from svcdesk.store import ddl

    for table in ("article", "kb_doc", "kb_token"):
        ddl.create_table(conn, table)


def m008_csv_lines(conn: Conn) -> None:
    """The open tickets' CSV lines (derived: filled when the derived state is written again,
    which the derived format's change asks for)."""
    from svcdesk.store import ddl

    ddl.create_table(conn, "ticket_csv")


def m009_digests(conn: Conn) -> None:
    """The FAQ digests pushed to the operators (synced, append-only)."""
    from svcdesk.store import ddl

    ddl.create_table(conn, "kb_digest")


def m010_serial_keys(conn: Conn) -> None:
    """Each asset's serial under the one serial rule, indexed: sync merges one device
    registered twice, `asset add` refuses a serial taken and a look-up finds an asset by
    serial without scanning a site's assets (store/keys.py keeps it; filled here for the
    assets already stored). What points at an asset is indexed too: a merge moves it."""
    from svcdesk.store import ddl, keys

    ddl.add_column(conn, "asset", "serial_key")
    keys.fill(conn, "asset")
    ddl.create_index(conn, "asset", "ix_asset_serial_key")
    ddl.create_index(conn, "ticket", "ix_ticket_asset")
    ddl.create_index(conn, "visit_part", "ix_visit_part_asset", if_missing=True)  # (m005)


def m011_contract_start(conn: Conn) -> None:
    """Each site's own service periods start on its contract start; existing sites keep NULL,
    read as the contract year they always had (the policy's anniversary on or before the day
    they were added)."""
    from svcdesk.store import ddl

    ddl.add_column(conn, "site", "contract_start")


def m012_board_order(conn: Conn) -> None:
    """The board's order and columns in one index: `sla board` streams without a sort. The
    index is declared anew by m013 (over a column that arrives there), which makes it: a
    database at v12 has this one's, dropped there."""


def m013_board_records(conn: Conn) -> None:
    """Each open ticket's next clock and board record, derived state (filled in by the derived
    format 8 this brings): the board's text formats read the next clock from ix_ticket_board
    instead of the clocks, JSON and CSV the records in the board's order from
    ix_ticket_board_view (no look-up in the table per ticket)."""
    from svcdesk.store import ddl

    ddl.add_column(conn, "ticket", "next_clock")
    ddl.add_column(conn, "ticket", "board_view")
    ddl.drop_index(conn, "ix_ticket_board")
    ddl.create_index(conn, "ticket", "ix_ticket_board")
    ddl.create_index(conn, "ticket", "ix_ticket_board_view")


def m014_team(conn: Conn) -> None:
    """The team and its members, as enrolled by signed certificates (issue 20, first part)."""
    from svcdesk.store import ddl

    ddl.create_table(conn, "team")
    ddl.create_table(conn, "team_member")


MIGRATIONS: list[Migration] = [
    m001_initial,
    m002_timeline_order,
    m003_aliases,
    m004_list_order,
    m005_field_work,
    m006_brief_list,
    m007_knowledge_base,
    m008_csv_lines,
    m009_digests,
    m010_serial_keys,
    m011_contract_start,
    m012_board_order,
    m013_board_records,
    m014_team,
]
SCHEMA_VERSION = len(MIGRATIONS)
