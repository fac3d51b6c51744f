"""Command groups register lazily: `svcdesk --help` and completion import none of the group
modules, yet list every group with the one-line help its module declares, and every group and
command works as when they were all registered up front. Guarded by imports, not by time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from support import child_env

from svcdesk.cli import app, groups

GROUP_MODULES = sorted({target.split(":")[0] for target in groups.LAZY.values()})
HEAVY = {"sqlmodel", "sqlalchemy", "pendulum", "jinja2", "holidays", "orjson", "tabulate",
         "pydantic", "rich"}  # fmt: skip

REPORT = ("import atexit, json, sys\n"
          "atexit.register(lambda: sys.stderr.write(\n"
          "    '\\nMODULES ' + json.dumps(sorted(sys.modules))))\n"
          "from svcdesk.cli import main\n"
          "main(sys.argv[1:])\n")  # fmt: skip


def run(*args: str, **env: str) -> tuple[str, set[str]]:
    """stdout of `svcdesk ARGS` in a fresh process, and every module it imported."""
    proc = subprocess.run([sys.executable, "-c", REPORT, *args], capture_output=True, text=True,
                          env=child_env(**env), check=False)  # fmt: skip
    err, _, modules = proc.stderr.rpartition("\nMODULES ")
    assert proc.returncode in (0, 2), err
    return proc.stdout, set(json.loads(modules))


def complete(words: str, shell: str = "bash") -> tuple[list[str], set[str]]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    out, modules = run(_SVCDESK_COMPLETE=f"complete_{shell}", COMP_WORDS=words,
                       COMP_CWORD=str(cword))  # fmt: skip
    return out.split("\n"), modules


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def test_help_lists_every_group_without_importing_one():
    out, modules = run("--help")
    listed = out.split("Commands:", 1)[1]
    for name, *_ in groups.GROUPS:
        assert f"\n  {name} " in listed, name
    assert not modules & set(GROUP_MODULES)
    assert not heavy(modules)


def test_no_arguments_prints_the_same_help_lightly():
    out, modules = run()
    assert out == run("--help")[0]
    assert not modules & set(GROUP_MODULES)


def test_completing_a_group_name_imports_no_group_and_shows_its_help():
    lines, modules = complete("svcdesk ", shell="zsh")
    assert not modules & set(GROUP_MODULES)
    assert not {m.split(".")[0] for m in heavy(modules)} - {"rich"}  # typer: zsh help via rich
    offered = {ln.split('":"')[0].rpartition('("')[2].strip('"') for ln in lines if '":"' in ln}
    assert offered >= {name for name, *_ in groups.GROUPS}
    lines, modules = complete("svcdesk s")
    assert {"site", "sla", "sync"} <= {line.split(",")[-1] for line in lines if line}
    assert not modules & set(GROUP_MODULES)
    assert not heavy(modules)


def test_completing_inside_a_group_imports_that_group_only():
    lines, modules = complete("svcdesk ticket re")
    assert {"respond", "resolve", "reopen", "report"} <= {ln.split(",")[-1] for ln in lines}
    assert "svcdesk.cli.ticket" in modules
    assert not modules & (set(GROUP_MODULES) - {"svcdesk.cli.ticket"})
    assert not heavy(modules)


@pytest.mark.parametrize("name", [name for name, target, _ in groups.GROUPS if target])
def test_a_groups_help_imports_that_group_only(name):
    out, modules = run(name, "--help")
    assert out.startswith(f"Usage: svcdesk {name} ")
    mine = groups.LAZY[name].split(":")[0]
    assert mine in modules
    assert not modules & (set(GROUP_MODULES) - {mine})


def root_help() -> str:
    command = typer.main.get_command(app)
    with command.make_context("svcdesk", ["--db", "x.db"], resilient_parsing=True) as ctx:
        return command.get_help(ctx)


def test_the_static_table_matches_what_each_module_declares():
    assert set(groups.LAZY) == {name for name, *_ in groups.GROUPS} - {"init"}
    for name, target, text in groups.GROUPS:
        if target is None:
            continue
        real = groups.build(name)
        assert not isinstance(real, groups._Stub)
        assert not real.hidden and not real.short_help and not real.deprecated
        # the first paragraph of the module's help, as the table holds it
        assert " ".join(real.help.split("\n\n")[0].split()) == text, name
        stub = typer.core.TyperCommand(name, help=text)
        for limit in range(10, 160):
            assert stub.get_short_help_str(limit) == real.get_short_help_str(limit), (name, limit)


def offered(command) -> list[tuple[str, str]]:
    with command.make_context("svcdesk", [], resilient_parsing=True) as ctx:
        return [(item.value, item.help) for item in command.shell_complete(ctx, "")]


def test_lazy_help_and_completion_equal_those_of_every_group_loaded():
    lazy = root_help()
    command = typer.main.get_command(app)
    lazy_offered = offered(command)
    assert {name for name, _ in lazy_offered} >= {name for name, *_ in groups.GROUPS}
    loaded = []
    for name in command.list_commands(None):  # type: ignore[arg-type]
        cmd = command.get_command(None, name)  # type: ignore[arg-type]
        loaded.append(cmd)
        assert not isinstance(cmd, groups._Stub)
    with command.make_context("svcdesk", ["--db", "x.db"], resilient_parsing=True) as ctx:
        assert command.get_help(ctx) == lazy
    assert offered(command) == lazy_offered
    assert [c.name for c in loaded] == [name for name, *_ in groups.GROUPS]


def walk(cmd, path):
    yield path, cmd
    for name in getattr(cmd, "commands", {}):
        yield from walk(cmd.get_command(None, name), [*path, name])


def test_every_command_of_every_group_still_answers_help(cli):
    command = typer.main.get_command(app)
    seen = 0
    for path, cmd in walk(command, []):
        if not path:
            continue
        result = cli(*path, "--help")
        assert result.exit_code == 0, (path, result.stderr)
        assert result.stdout.startswith("Usage: svcdesk " + " ".join(path)), path
        if isinstance(cmd, typer.core.TyperGroup):
            for sub, subcmd in cmd.commands.items():
                assert subcmd.hidden or f"\n  {sub} " in result.stdout, (path, sub)
        seen += 1
    assert seen > 80  # every group and its commands


def test_a_group_runs_and_a_typo_is_still_suggested(cli):
    assert cli("init").exit_code == 0
    listed = cli("site", "list", "-f", "json")
    assert listed.exit_code == 0 and listed.json() == []
    typo = cli("tickt", "list")
    assert typo.exit_code == 2
    assert "No such command 'tickt'. Did you mean 'ticket'?" in typo.stderr
