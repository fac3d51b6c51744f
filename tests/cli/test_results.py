"""Commands return results and one place prints them: an unknown -f is refused before anything
is recorded, and `render_result` alone decides what goes to stdout, to stderr and the exit code."""

from __future__ import annotations

import pytest

from svcdesk.output import Col, Result, render_result

BAD_FORMAT = "svcdesk: error: unknown format 'xml' (choose from: table, plain, md, csv, json)\n"


def tickets(cli) -> list[dict]:
    r = cli("ticket", "list", "--status", "all", "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def refused(r) -> None:
    assert r.exit_code == 2
    assert r.stderr == BAD_FORMAT
    assert r.stdout == ""


def test_ticket_open_with_an_unknown_format_opens_nothing(cli, site):
    before = tickets(cli)
    refused(cli("ticket", "open", "--site", site, "--title", "DVR down", "-f", "xml"))
    assert tickets(cli) == before


def test_a_lifecycle_command_with_an_unknown_format_changes_nothing(cli, ticket):
    refused(cli("ticket", "assign", ticket["ref"], "Li Wei", "-f", "xml"))
    refused(cli("ticket", "comment", ticket["ref"], "called back", "-f", "xml"))
    shown = cli("ticket", "show", ticket["ref"], "-f", "json").json()
    assert shown["assignee"] is None
    assert [e["kind"] for e in shown["events"]] == ["opened"]


def test_site_add_with_an_unknown_format_adds_nothing(cli, site):
    before = cli("site", "list", "-f", "json").json()
    refused(cli("site", "add", "SH-PD", "--name", "Pudong", "-f", "xml"))
    assert cli("site", "list", "-f", "json").json() == before


def test_asset_add_with_an_unknown_format_adds_nothing(cli, site):
    refused(
        cli("asset", "add", "--site", site, "--kind", "server", "--serial", "SRV-1", "-f", "xml")
    )
    assert cli("asset", "list", "-f", "json").json() == []
    assert cli("db", "info", "-f", "json").json()["asset"] == 0


def test_init_with_an_unknown_format_creates_no_database(cli, tmp_path):
    fresh = tmp_path / "fresh.db"
    refused(cli("--db", str(fresh), "init", "-f", "xml"))
    assert not list(tmp_path.glob("fresh*"))  # no database, no -wal or -shm file


def test_an_unknown_format_is_refused_before_the_database_is_opened(cli, tmp_path):
    # a list command used to fail on the missing database first
    refused(cli("--db", str(tmp_path / "none.db"), "site", "list", "-f", "xml"))


def test_brief_commands_print_a_line_without_f_and_the_record_with_it(cli, tmp_path):
    db = tmp_path / "brief.db"
    r = cli("--db", str(db), "init")
    assert r.exit_code == 0 and r.stdout == ""
    assert r.stderr.startswith(f"initialised {db} (") and r.stderr.count("\n") == 1
    r = cli("--db", str(db), "init", "-f", "json")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.json()["database"] == str(db)


# --------------------------------------------------------------------------------------------
# render_result itself

COLS = [Col("name", "NAME")]


def test_rows_go_to_stdout_and_check_exits_3_only_when_a_row_was_printed(capsys):
    assert render_result(Result(rows=[{"name": "a"}], cols=COLS, check=True), "plain") == 3
    assert capsys.readouterr().out == "NAME\na\n"
    assert render_result(Result(rows=[], cols=COLS, check=True, empty="none"), "plain") == 0
    assert render_result(Result(rows=[{"name": "a"}], cols=COLS), "plain") == 0
    # the empty message is for a person at a table, never in a pipe's formats
    assert render_result(Result(rows=[], cols=COLS, empty="none"), "table") == 0
    out = capsys.readouterr()
    assert out.err == "none\n"


def test_a_brief_result_prints_its_message_without_f_and_its_record_with_it(capsys):
    result = Result(record={"n": 1}, fields=[Col("n", "N")], message="did 1 thing", brief=True)
    assert render_result(result, None) == 0
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "did 1 thing\n")
    render_result(result, "json")
    out = capsys.readouterr()
    assert (out.out, out.err) == ('{"n":1}\n', "")


def test_notes_come_first_on_stderr_and_the_exit_code_is_returned(capsys):
    result = Result(record={"n": 1}, fields=[Col("n", "N")], notes=["careful"], exit_code=1)
    assert render_result(result, "json") == 1
    out = capsys.readouterr()
    assert (out.out, out.err) == ('{"n":1}\n', "careful\n")


def test_the_human_view_is_for_people_and_json_gets_the_record_as_it_is(capsys):
    def human(rec):
        return {**rec, "shown": rec["n"] * 2}

    result = Result(record={"n": 2}, fields=[Col("shown", "Shown")], human=human)
    render_result(result, "plain")
    assert capsys.readouterr().out == "Shown  4\n"
    render_result(result, "json")
    assert capsys.readouterr().out == '{"n":2}\n'


def test_a_title_is_said_above_a_table_only(capsys):
    result = Result(rows=[{"name": "a"}], cols=COLS, title="T-1 (open): DVR down")
    render_result(result, "table")
    assert capsys.readouterr().err == "T-1 (open): DVR down\n"
    render_result(result, "csv")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("fmt", ["xml", ""])
def test_render_result_refuses_an_unknown_format(fmt):
    from svcdesk.errors import InvalidValue

    with pytest.raises(InvalidValue):
        render_result(Result(rows=[], cols=COLS), fmt)
