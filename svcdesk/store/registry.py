"""Which table and column names may reach SQL: those of the generated `schema.py`, nothing else.

A name that comes from outside (a sync operation, a bundle, a conflict being kept) is looked up
here first; one that is not declared is refused with one line, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from svcdesk.errors import StoreError
from svcdesk.store.schema import COLUMNS, DERIVED, REPLICATED, TYPES

__all__ = ["COLUMNS", "DERIVED", "REPLICATED", "TYPES"]


def shown_name(name: object, limit: int = 80) -> str:
    """A table or column name from outside as a message shows it: exactly, quoted and escaped
    (`ascii`: quotes, line breaks, control, invisible and look-alike characters visible; every
    declared name is ASCII), so that it never reads as a declared name; past `limit` characters
    cut, saying how long it is."""
    text = ascii(name)
    if not isinstance(name, str):
        return f"{text[:limit]} (a {type(name).__name__}, not a name)"
    return text if len(text) <= limit else f"{text[:limit]}… ({len(name)} characters)"


def table(name: str) -> str:
    """`name` if it is a declared table."""
    if name not in COLUMNS:
        raise StoreError(f"unknown table {shown_name(name)}: not part of svcdesk's schema")
    return name


def columns(tbl: str, names: Iterable[str]) -> list[str]:
    """`names`, each a declared column of `tbl`, in the order given."""
    known = COLUMNS[table(tbl)]
    out = list(names)
    for name in out:
        if name not in known:
            raise StoreError(f"unknown column {shown_name(name)} in table {tbl}: not part of "
                             "svcdesk's schema")
    return out


def replicated(tbl: str) -> str:
    """`tbl` if replicas exchange its rows (the change log names only these)."""
    if tbl not in REPLICATED:
        raise StoreError(f"table {shown_name(tbl)} does not sync: an operation may not name it")
    return tbl


def synced_values(tbl: str, values: Mapping[str, Any]) -> None:
    """Check the fields an operation writes: declared, not derived, of the declared type."""
    replicated(tbl)
    derived = DERIVED[tbl]
    types = TYPES[tbl]
    for name, value in values.items():
        if not isinstance(name, str) or name not in types:
            raise StoreError(f"unknown column {shown_name(name)} in table {tbl}: not part of "
                             "svcdesk's schema")
        if name in derived:
            raise StoreError(f"column {tbl}.{name} is derived on each replica; it does not sync")
        kind, nullable = types[name]
        if value is None:
            if not nullable:
                raise StoreError(f"column {tbl}.{name} may not be empty")
        elif type(value) is not kind:
            raise StoreError(
                f"column {tbl}.{name} holds {kind.__name__ == 'int' and 'a number' or 'text'}, "
                f"not {type(value).__name__}"
            )


def select_list(columns: Iterable[str], alias: str | None = None) -> str:
    """`a.col, a.col2` for declared columns (callers pass a row type's COLUMNS)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in columns)
