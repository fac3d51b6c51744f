"""The hot commands never load SQLAlchemy or SQLModel: the schema declaration is for `init`
and upgrades; everyday commands run on the generated registry and the DBAPI drivers."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from support import child_env

DECLARATION = {"sqlmodel", "sqlalchemy", "pydantic"}


def loaded(db: str, *args: str, full: bool = False) -> set[str]:
    """The modules a command imports (top-level packages, or with `full` dotted names)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "svcdesk", "--db", db, *args],
        capture_output=True, text=True, env=child_env(), check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 3), proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", line)
        if m:
            name = m.group(1).strip()
            names.add(name if full else name.split(".")[0])
    return names


@pytest.fixture
def demo(cli, tmp_path) -> str:
    db = str(tmp_path / "demo.db")
    assert cli("--db", db, "init", "--demo").exit_code == 0
    return db


@pytest.mark.parametrize(
    "args",
    [
        ("ticket", "open", "--site", "BJ-HD", "--title", "blank tickets", "-f", "json"),
        ("ticket", "list", "--status", "open", "-f", "json"),
        ("ticket", "list"),
        ("sla", "overdue", "-f", "json"),
        ("sla", "overdue", "--check"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_hot_commands_load_no_schema_declaration(demo, args):
    assert not loaded(demo, *args) & DECLARATION


def test_init_does_compile_the_declaration(tmp_path):
    assert {"sqlalchemy", "sqlmodel"} <= loaded(str(tmp_path / "new.db"), "init")
