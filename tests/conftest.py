"""Shared fixtures: every test gets its own database and a fixed clock; nothing touches $HOME."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import reset_cli_state
from typer.testing import CliRunner

NOW = "2026-10-14T10:00:00+08:00"  # a Wednesday, working hours


@pytest.fixture(autouse=True)
def env_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "svcdesk.db"
    monkeypatch.setenv("SVCDESK_DB", str(db))
    monkeypatch.setenv("SVCDESK_NOW", NOW)
    monkeypatch.setenv("SVCDESK_USER", "tester")
    monkeypatch.setenv("SVCDESK_BUSY_TIMEOUT", "2")
    monkeypatch.delenv("SVCDESK_TZ", raising=False)
    monkeypatch.delenv("SVCDESK_INTERACTIVE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("SVCDESK_KEYS", str(tmp_path / "keys"))
    monkeypatch.delenv("SVCDESK_PASSPHRASE", raising=False)
    yield db
    reset_cli_state()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(*args: str, input: str | None = None) -> Result:
    """Run the svcdesk entry point as a user would (one-line errors, exit codes)."""
    from svcdesk.cli import main

    runner = CliRunner()
    code = 0
    with runner.isolation(input=input) as (out, err, *_):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        stdout = out.getvalue().decode()
        stderr = err.getvalue().decode() if err is not None else ""
    reset_cli_state()
    return Result(code, stdout, stderr)


@pytest.fixture
def cli():
    return run


@pytest.fixture
def site(cli) -> str:
    assert cli("init").exit_code == 0
    # a customer since January: its service years are calendar years, as the inspection quota
    # tests count them (a site's own contract start: tests/cli/test_contract_start.py)
    r = cli("site", "add", "BJ-HD", "--name", "Beijing Haidian District Tax Bureau",
            "--contract-start", "2026-01-01", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return "BJ-HD"


@pytest.fixture
def ticket(cli, site) -> dict[str, Any]:
    r = cli(
        "ticket",
        "open",
        "--site",
        site,
        "--title",
        "Queue machine prints blank tickets",
        "--category",
        "hardware",
        "--at",
        "2026-10-14T09:00",
        "-f",
        "json",
    )
    assert r.exit_code == 0, r.stderr
    return r.json()


PG_URL = os.environ.get("SVCDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database; a missing server fails when SVCDESK_REQUIRE_PG=1."""
    import uuid

    import psycopg

    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("SVCDESK_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required (SVCDESK_REQUIRE_PG=1) but unreachable: {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_URL}")
    name = f"svcdesk_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_url_factory(pg_url) -> Iterator[Any]:
    """Fresh PostgreSQL databases on demand (for property tests: one per example)."""
    import uuid

    import psycopg

    made: list[str] = []
    base = PG_URL.rsplit("/", 1)[0]

    def make() -> str:
        name = f"svcdesk_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"{base}/{name}"

    yield make
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a disk that fills up (root on Linux only, else a skip)."""
    import subprocess

    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a tmpfs is mounted by root on Linux only")
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                          capture_output=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
