"""On a terminal, ticket open asks for what is missing and checks each answer as it is given."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def site(cli):
    cli("init")
    cli("site", "add", "BJ-HD", "--name", "Beijing Haidian")
    return "BJ-HD"


def test_a_wrong_answer_is_asked_again_with_the_reason(cli, site, monkeypatch):
    monkeypatch.setenv("SVCDESK_INTERACTIVE", "1")
    got = cli("ticket", "open", "-f", "json",
              input="NOPE\nbj-hd\n\nPrinter jams\nfoo\nHARDWARE\n")  # fmt: skip
    assert got.exit_code == 0, got.stderr
    # the test runner echoes typed answers to stdout as a terminal would: the record is last
    rec = json.loads(got.stdout[got.stdout.index('{"id"'):])
    assert (rec["site"], rec["title"], rec["category"]) == ("BJ-HD", "Printer jams", "hardware")
    assert "NOPE" in got.stderr  # the unknown site was named before asking again
    assert "operation/environment/software/hardware/other" in got.stderr  # the choices shown
    assert "choose from" in got.stderr


def test_end_of_input_at_a_prompt_writes_nothing(cli, site, monkeypatch):
    monkeypatch.setenv("SVCDESK_INTERACTIVE", "1")
    got = cli("ticket", "open", input="BJ-HD\n")
    assert got.exit_code == 130
    assert got.stderr.strip().endswith("aborted; nothing was written")
    monkeypatch.setenv("SVCDESK_INTERACTIVE", "0")
    assert cli("ticket", "list", "-f", "json").json() == []


def test_in_a_pipe_nothing_is_asked(cli, site):
    got = cli("ticket", "open", "--site", site)
    assert got.exit_code == 2 and "missing --title" in got.stderr
