"""Inspections: the reads `store/field.py` does not have (one row by its id)."""

from __future__ import annotations

from svcdesk.store.registry import select_list
from svcdesk.store.schema import InspectionRow
from svcdesk.store.sql import Conn

_INSPECTION = select_list(InspectionRow.COLUMNS)


def inspection_by_id(conn: Conn, inspection_id: str) -> InspectionRow | None:
    """The inspection with this id, if this replica holds it."""
    row = conn.execute(f"SELECT {_INSPECTION} FROM inspection WHERE id = :i",
                       {"i": inspection_id}).first()  # fmt: skip
    return InspectionRow(*row) if row else None
