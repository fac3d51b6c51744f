"""Data flows one way (DESIGN.md, Architecture): cli -> services -> domain + store; sync apart.

Read from the source with `ast`, imports inside functions included: no module imports a layer
above its own, nothing imports in a circle, and no SQL text stands outside svcdesk/store/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "svcdesk"

# layer -> the project layers it may import (besides itself); top-level modules are utilities.
ALLOWED = {
    "domain": set(),
    "store": {"domain", "errors", "clock", "ids"},
    "sync": {"store", "domain", "errors", "clock", "ids"},
    "reports": {"store", "domain", "errors", "clock", "ids", "resources", "jsontext", "humanize",
                "csvtext"},
    "services": {"store", "domain", "sync", "errors", "clock", "ids", "resources", "jsontext",
                 "reports", "csvtext", "keyfolder"},
    "cli": {"services", "output", "errors", "clock", "domain", "humanize", "resources",
            "jsontext", "csvtext", "keyfolder"},
}
UTILITIES = {"errors": {"domain"}, "clock": {"domain", "errors"}, "ids": set(),
             "resources": {"domain"},
             "output": {"errors", "clock", "humanize", "jsontext", "csvtext"},
             "humanize": set(), "jsontext": set(), "csvtext": set(),
             "keyfolder": {"domain"},
             "__main__": {"cli"}}  # fmt: skip

SQL = re.compile(
    r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)"
    r"|ALTER\s+TABLE|PRAGMA\s+\w|BEGIN\s+IMMEDIATE)",
)


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        out[name] = path
    return out


def imports(path: Path) -> set[str]:
    """The svcdesk modules `path` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("svcdesk")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("svcdesk"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "svcdesk"


def test_each_layer_imports_only_the_layers_below_it():
    known = modules()
    wrong = []
    for name, path in known.items():
        here = layer(name)
        allowed = ALLOWED.get(here, UTILITIES.get(here, set()))
        for target in imports(path):
            if target not in known:
                continue  # `from svcdesk.x import name`: the name, not a module
            there = layer(target)
            if there != here and there != "svcdesk" and there not in allowed:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_module_imports_in_a_circle():
    known = modules()
    graph = {n: {t for t in imports(p) if t in known and t != n} for n, p in known.items()}
    # a package's __init__ imported for its submodules is no edge of the design
    graph = {n: {t for t in ts if known[t].name != "__init__.py"} for n, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_domain_imports_nothing_of_the_project_but_itself():
    for name, path in modules().items():
        if layer(name) == "domain":
            outside = {t for t in imports(path) if not t.startswith("svcdesk.domain")}
            assert not outside, f"{name} imports {outside}"


def test_no_sql_outside_the_store():
    found = []
    for name, path in modules().items():
        if layer(name) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(
                node.value
            ):
                found.append(f"{name}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "\n".join(found)


def test_the_check_itself_finds_sql_and_a_wrong_import(tmp_path):
    """The checks above can fail: they see what they are meant to see."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        'from svcdesk.services import tickets\nQ = "SELECT code FROM site WHERE id = :i"\n'
    )
    assert "svcdesk.services" in imports(sample)
    assert SQL.search('SELECT code FROM site WHERE id = :i')
    assert SQL.search("UPDATE ticket SET view = :v")
    assert not SQL.search("select the site from the list")
