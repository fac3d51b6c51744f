"""The checklist keys a user reads in `inspect record --help` are the default policy's: a results
file written from the help is accepted, `na` stands for not_applicable, and the help reads no
policy to say so."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from support import child_env


def help_keys(cli) -> list[str]:
    """The checklist keys as `inspect record --help` lists them."""
    got = cli("inspect", "record", "--help")
    assert got.exit_code == 0
    text = " ".join(got.stdout.split())
    m = re.search(r"the default policy's keys are: ([a-z_, ]+) \(", text)
    assert m, got.stdout
    return [k.strip() for k in m.group(1).split(",")]


def test_the_help_lists_the_shipped_policys_checklist_in_order(cli):
    from svcdesk.cli.inspect import CHECKLIST_KEYS
    from svcdesk.domain import inspections
    from svcdesk.domain.policy import InspectionSettings
    from svcdesk.resources import default_policy

    shipped = [i.key for i in default_policy().inspections.checklist]
    assert help_keys(cli) == list(CHECKLIST_KEYS) == shipped
    assert shipped == [i.key for i in InspectionSettings().checklist]
    assert shipped == [i.key for i in inspections.DEFAULT_CHECKLIST]


def test_a_results_file_written_from_the_help_is_accepted(cli, tmp_path):
    keys = help_keys(cli)
    results = ["ok", "fault", "na", "not_applicable", "N/A", "NA", "Not applicable"]
    lines = [f'{key} = "{results[n % len(results)]}"' for n, key in enumerate(keys)]
    path = tmp_path / "from-help.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Beijing Haidian").exit_code == 0
    got = cli("inspect", "record", "--site", "BJ-HD", "--results", str(path), "-f", "json")
    assert got.exit_code == 0, got.stderr
    rec = got.json()
    assert [i["item"] for i in rec["items"]] == keys
    canonical = {"ok": "ok", "fault": "fault"}
    assert [i["result"] for i in rec["items"]] == [
        canonical.get(results[n % len(results)], "not_applicable") for n in range(len(keys))
    ]


def test_the_prompts_name_each_key_and_take_na(cli, monkeypatch):
    from svcdesk.cli.inspect import CHECKLIST_KEYS

    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Beijing Haidian").exit_code == 0
    monkeypatch.setenv("SVCDESK_INTERACTIVE", "1")
    answers = ["na", "n/a", "bogus", "NA"] + ["ok"] * len(CHECKLIST_KEYS)
    got = cli("inspect", "record", "--site", "BJ-HD", "-f", "json",
              input="\n".join(answers) + "\n")  # fmt: skip
    assert got.exit_code == 0, got.stderr
    rec = __import__("json").loads(got.stdout[got.stdout.index('{"id"'):])
    assert [i["result"] for i in rec["items"][:4]] == ["not_applicable"] * 3 + ["ok"]
    for n, key in enumerate(CHECKLIST_KEYS, 1):
        assert f"[{n}/{len(CHECKLIST_KEYS)}] {key}: " in got.stderr
    assert "'bogus' is not a result; choose from: ok, fault, not_applicable"  in got.stderr


@pytest.mark.parametrize("answer", ["na", "NA", "n/a", "N/A", "not applicable", "Not-Applicable"])
def test_na_and_its_spellings_are_not_applicable(answer):
    from svcdesk.domain.inspections import check_results, result_of

    assert result_of(answer) == "not_applicable"
    assert check_results({"ups": answer})[0].result == "not_applicable"


def test_the_help_reads_no_policy(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "svcdesk", "--db", str(tmp_path / "x.db"),
         "inspect", "record", "--help"],
        capture_output=True, text=True, env=child_env(), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "servers, database" in " ".join(proc.stdout.split())
    loaded = set(re.findall(r"\|\s+([\w.]+)\s*$", proc.stderr, re.M))
    assert not loaded & {"svcdesk.domain.policy", "svcdesk.domain.policy_toml", "tomllib",
                         "svcdesk.resources", "sqlite3"}  # fmt: skip
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("key,category", [("os", "environment"), ("dvr", "hardware"),
                                          ("database", "environment"), ("servers", "hardware")])
def test_a_fault_of_a_default_item_opens_a_ticket_of_its_class(cli, tmp_path, key, category):
    path = tmp_path / "r.toml"
    path.write_text(f'[{key}]\nresult = "fault"\nfinding = "it broke"\n', encoding="utf-8")
    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Beijing Haidian").exit_code == 0
    got = cli("inspect", "record", "--site", "BJ-HD", "--results", str(path), "--open-tickets",
              "-f", "json")  # fmt: skip
    assert got.exit_code == 0, got.stderr
    ticket = cli("ticket", "show", got.json()["tickets"][0], "-f", "json").json()
    assert ticket["category"] == category


def test_the_readme_names_the_default_policys_checklist_keys(cli):
    """The README's list of checklist keys is the shipped policy's, in order, each once."""
    from pathlib import Path

    from svcdesk.resources import default_policy

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("The default policy's items, by the key a results file names them")
    paragraph = readme[start : readme.index(". Each item is", start)]
    named = re.findall(r"`([a-z_]+)`\s+\(", paragraph)
    assert named == [i.key for i in default_policy().inspections.checklist]
