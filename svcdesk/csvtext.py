"""CSV cells and lines exactly as every `-f csv` writes them (light: the standard library and
orjson only), shared by the renderer (output.py) and the derived-state writer, which stores each
open ticket's CSV line beside its JSON so `ticket list -f csv` only fills in the clocks.

A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a CR first) gets a
leading `'` (OWASP's CSV injection rule), numbers aside; a list of scalars is one cell joined
with `; `, records (clocks) their JSON. A line holding a lone CR has every cell quoted (the csv
module quotes only the line terminator, and readers take a CR for a line break).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def cell(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        import orjson

        value = orjson.dumps(value, default=_json_default).decode()
    text = str(value)
    if text.startswith(FORMULA_START) and not is_number(text):
        return "'" + text
    return text


def list_value(value: Any) -> Any:
    """A list field in one cell: scalars joined with `; `, records (clocks) as JSON."""
    if isinstance(value, list | tuple) and all(not isinstance(v, dict | list) for v in value):
        return "; ".join("" if v is None else str(v) for v in value)
    return value


def line(cells: Sequence[str]) -> str:
    """The cells as one CSV line (no terminator), quoted as `-f csv` writes them."""
    import csv
    import io

    buffer = io.StringIO()
    if any("\r" in c for c in cells):
        csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(cells)
    else:
        csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()[:-1]


def record_line(record: dict[str, Any], keys: Sequence[str]) -> str:
    """A record's CSV line in the order of `keys`."""
    return line([cell(list_value(record.get(k))) for k in keys])
