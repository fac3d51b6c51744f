"""The formats of stored derived state (light: `--check -q` reads them without the writer)."""

from __future__ import annotations

# A database that holds another format is derived again when opened (services/derived.py).
# 3: status and clocks folded from the timeline's total order; 4: update clocks; 5: the open
# tickets' CSV lines (`ticket_csv`); 6: every ticket's; 7: `ticket.contradictions` holds every
# event the timeline set aside, voided ones too, with why (`set_aside`); 8: each ticket's next
# clock and its board record (`sla board`).
DERIVED_FORMAT = "8"
DERIVED_FORMAT_KEY = "derived_format"


def set_aside(stored: str | None) -> dict[str, tuple[str | None, str]]:
    """The events a ticket's merged timeline set aside, as derived state stores them
    (`ticket.contradictions`: JSON `[[event, the event that stands instead or null, why],
    ...]`, why `contradicted` or `voided`, from `domain.tickets.fold`): event id -> (the id
    of the event that stands instead, why). Empty for most tickets (NULL)."""
    if not stored:
        return {}
    import orjson

    return {e: (by, why) for e, by, why in orjson.loads(stored)}
