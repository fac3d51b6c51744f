"""Writes `schema.py` from the declaration in `models.py`: `python -m svcdesk.store.codegen`.

Hot commands must not import SQLAlchemy, so the registry of tables and columns and the typed
rows they use are generated Python; `tests/store/test_schema.py` regenerates the text and
fails when it differs from the file, so the two can never drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

TARGET = Path(__file__).with_name("schema.py")

HEADER = '''"""The column registry and typed rows, generated from `models.py` (do not edit).

Regenerate with `python -m svcdesk.store.codegen`; a test checks that this file is what the
declaration gives. Every table and column name that reaches SQL comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
'''


def _py_type(col: Any) -> str:
    from sqlalchemy import BigInteger, Integer

    base = "int" if isinstance(col.type, BigInteger | Integer) else "str"
    return f"{base} | None" if _nullable(col) else base


def _nullable(col: Any) -> bool:
    return bool(col.nullable and not col.primary_key)


def _class_name(table: str) -> str:
    return "".join(part.title() for part in table.removeprefix("svcdesk_").split("_")) + "Row"


def generate() -> str:
    from svcdesk.store.models import SQLModel

    tables = sorted(SQLModel.metadata.tables.values(), key=lambda t: t.name)
    lines = [HEADER]

    def mapping(name: str, kind: str, items: list[tuple[str, str]]) -> None:
        lines.append(f"{name}: {kind} = {{")
        lines.extend(f"    {k!r}: {v}," for k, v in items)
        lines.append("}")
        lines.append("")

    lines.append("# Every column of every table, in declaration order.")
    mapping("COLUMNS", "dict[str, tuple[str, ...]]",
            [(t.name, repr(tuple(c.name for c in t.columns))) for t in tables])  # fmt: skip
    lines.append("# Columns the one writer of derived state computes: never synced.")
    mapping("DERIVED", "dict[str, frozenset[str]]",
            [(t.name, f"frozenset({sorted(c.name for c in t.columns if c.info.get('derived'))!r})")
             for t in tables])  # fmt: skip
    lines.append("# The Python type each column holds (None allowed where nullable).")
    def types(t: Any) -> str:
        return "{" + ", ".join(f"{c.name!r}: ({_py_type(c).split(' ')[0]}, {_nullable(c)})"
                               for c in t.columns) + "}"  # fmt: skip

    kinds = [(t.name, types(t)) for t in tables]
    mapping("TYPES", "dict[str, dict[str, tuple[type, bool]]]", kinds)
    replicated = [t.name for t in tables if not t.info.get("local") and not t.info.get("log")]
    lines.append("# Tables whose rows replicas exchange through the change log.")
    lines.append(f"REPLICATED: frozenset[str] = frozenset({replicated!r})")
    lines.append("")
    for t in tables:
        base = [c for c in t.columns if not c.info.get("derived")]
        derived = [c for c in t.columns if c.info.get("derived")]
        lines += _row_class(_class_name(t.name), t.name, base, f"A row of `{t.name}`")
        if derived:
            pk = [c for c in t.columns if c.primary_key]
            lines += _row_class(_class_name(t.name)[:-3] + "DerivedRow", t.name, pk + derived,
                                f"The derived columns of a `{t.name}` row")  # fmt: skip
    return _formatted("\n".join(lines).rstrip() + "\n")


def _row_class(name: str, table: str, cols: list[Any], what: str) -> list[str]:
    out = [
        "",
        "@dataclass(frozen=True, slots=True)",
        f"class {name}:",
        f'    """{what}."""',
        "",
        f"    COLUMNS: ClassVar[tuple[str, ...]] = {tuple(c.name for c in cols)!r}",
        f"    TABLE: ClassVar[str] = {table!r}",
        "",
    ]
    out += [f"    {c.name}: {_py_type(c)}" for c in cols]
    out.append("")
    return out


def _formatted(text: str) -> str:
    """The text as `ruff format` writes it (ruff comes with the development tools)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(TARGET), "-"],
        input=text, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


def main() -> None:
    text = generate()
    if "--check" in sys.argv[1:]:
        sys.exit(0 if TARGET.read_text(encoding="utf-8") == text else 1)
    TARGET.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
