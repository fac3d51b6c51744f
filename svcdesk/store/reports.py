"""What the reports read that no other store module does: every statement of `reports/` lives
here (DESIGN.md: only svcdesk/store/ writes SQL). The same text on SQLite and PostgreSQL.
"""

from __future__ import annotations

from svcdesk.store.registry import select_list
from svcdesk.store.schema import InspectionRow, TicketRow
from svcdesk.store.sql import Conn

_T_COLS = select_list(TicketRow.COLUMNS, "t")
_I_COLS = select_list(InspectionRow.COLUMNS)
_N = len(TicketRow.COLUMNS)


def site_tickets(conn: Conn, *, site_id: str, since: int) -> list[tuple[TicketRow, str | None]]:
    """(ticket, its clocks) of a site: every one not closed, and those opened or changed at or
    after `since`; newest first (the site dossier)."""
    sql = (
        f"SELECT {_T_COLS}, t.clocks FROM ticket t WHERE t.site_id = :s AND "
        "(t.status <> 'closed' OR t.opened_at >= :since OR t.updated_at >= :since) "
        "ORDER BY t.opened_at DESC, t.id DESC"
    )
    rows = conn.execute(sql, {"s": site_id, "since": since}).all()
    return [(TicketRow(*r[:_N]), r[_N]) for r in rows]


def inspection_that_opened(conn: Conn, ticket_id: str) -> InspectionRow | None:
    """The inspection whose fault opened this ticket (its items name the ticket's id), if any."""
    # ids are lowercase hex and dashes: nothing in them is special to LIKE
    pattern = f'%"ticket":"{ticket_id}"%'
    row = conn.execute(
        f"SELECT {_I_COLS} FROM inspection WHERE items LIKE :p ORDER BY at, id", {"p": pattern}
    ).first()
    return InspectionRow(*row) if row else None
