"""CSV cells and lines exactly as every `-f csv` writes them (light: the standard library and
orjson only), shared by the renderer (output.py) and the derived-state writer, which stores each
open ticket's CSV line beside its JSON so `ticket list -f csv` only fills in the clocks.

A text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a CR first, or one of
the first four after white space) gets a leading `'` (OWASP's CSV injection rule), in CSV and
XLSX alike (exports use the same rule); numbers stay numbers; a list of scalars is one cell joined
with `; `, records (clocks) their JSON. A line holding a lone CR has every cell quoted (the csv
module quotes only the line terminator, and readers take a CR for a line break).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
RISKY = frozenset("=+-@")
# What str.lstrip() takes away (str.isspace), a tab and a carriage return among them: a cell
# starting with one of these is looked at more closely.
SPACE = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002"
                  "\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f"
                  "\u205f\u3000")
FIRST = RISKY | SPACE  # a text starting with none of these is never a formula


def needs_quote(text: str) -> bool:
    """Would a spreadsheet take this text for a formula? It starts with `=`, `+`, `-`, `@`,
    a tab or a carriage return, or with one of the first four after leading white space.
    (Text that reads as a number is quoted too: `-inf` or `-1_0` would become `#NAME?`.)"""
    if not text or text[0] not in FIRST:
        return False
    if text[0] in "\t\r":
        return True
    rest = text.lstrip()
    return bool(rest) and rest[0] in RISKY


def neutralised(text: str) -> str:
    """Text a spreadsheet shows as text: a `'` in front when it would run as a formula."""
    return "'" + text if needs_quote(text) else text


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
    if isinstance(value, int | float):
        return str(value)  # a number stays a number
    return neutralised(str(value))


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
