"""Records handed on as the JSON text they already are (light: no third-party import)."""

from __future__ import annotations

from typing import Any


class JsonObject(str):
    """A record given as the compact JSON text of its object (orjson's, as stored views hold
    them), whose values are text or null but for the last, which may be a list of records:
    CSV reads the cells out of the text (output.py) instead of building the record."""

    __slots__ = ()

    def record(self) -> dict[str, Any]:
        """The record itself."""
        import orjson

        return orjson.loads(str(self))  # orjson takes exact str only


class CsvLine(str):
    """A record given as its finished CSV line (no terminator), in the order of the list's
    keys: the stored line of an open ticket, its clocks filled in (services/derived.py)."""

    __slots__ = ()
