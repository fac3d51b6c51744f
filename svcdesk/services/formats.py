"""The formats of stored derived state (light: `--check -q` reads them without the writer)."""

from __future__ import annotations

# A database that holds another format is derived again when opened (services/derived.py).
# 3: status and clocks folded from the timeline's total order; 4: update clocks; 5: the open
# tickets' CSV lines (`ticket_csv`); 6: every ticket's.
DERIVED_FORMAT = "6"
DERIVED_FORMAT_KEY = "derived_format"
