"""Start-up promises: help and completion stay light; the package ships its data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from support import child_env

# The libraries the issue names, and what svcdesk itself loads only when a command runs.
HEAVY = {"sqlmodel", "sqlalchemy", "pendulum", "jinja2", "holidays", "orjson", "tabulate"}


def imported_modules(*args: str, extra_env: dict[str, str] | None = None) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "svcdesk", *args],
        capture_output=True,
        text=True,
        env=child_env(**(extra_env or {})),
        check=False,
    )
    names = set()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", line)
        if m:
            names.add(m.group(1).split(".")[0])
    return names


def test_help_imports_no_heavy_library():
    # typer itself needs pydantic to coerce a subcommand's values, and rich for nothing here
    assert not imported_modules("--help") & (HEAVY | {"pydantic", "rich"})
    assert not imported_modules("ticket", "open", "--help") & HEAVY


def test_completion_imports_no_heavy_library():
    env = {
        "_SVCDESK_COMPLETE": "complete_bash",
        "COMP_WORDS": "svcdesk ticket li",
        "COMP_CWORD": "2",
    }
    assert not imported_modules(extra_env=env) & (HEAVY | {"pydantic", "rich"})


def test_completion_offers_the_subcommands():
    env = {
        **child_env(),
        "_SVCDESK_COMPLETE": "complete_bash",
        "COMP_WORDS": "svcdesk ticket re",
        "COMP_CWORD": "2",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "svcdesk"], capture_output=True, text=True, env=env, check=False
    )
    offered = {line.split(",")[-1] for line in proc.stdout.split()}
    assert {"respond", "resume", "resolve", "report", "reopen"} <= offered


def test_the_default_policy_and_templates_ship_with_the_package():
    import tomllib

    from svcdesk import resources
    from svcdesk.resources import default_policy

    policy = tomllib.loads(resources.default_policy_text())
    assert policy["timezone"] == "Asia/Shanghai"
    assert default_policy().class_for("major", "hardware").clock("restore").target == 72 * 3600
    assert (resources.templates_dir() / "README.md").is_file()


def test_readme_quickstart_is_two_commands_and_ci_runs_the_second():
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    quick = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = quick.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    ci = (root / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()
