"""Time left in words on the board and in `sla status`, in the policy's language or --lang;
scripts keep seconds (JSON, CSV) and `sla overdue` keeps its compact column."""

from __future__ import annotations

import unicodedata

NOW = "2026-10-14T10:00:00+08:00"  # conftest's clock: a Wednesday, 10:00


def open_ticket(cli, *args, at="2026-10-14T09:00"):
    r = cli("ticket", "open", "--site", "BJ-HD", "--at", at, "-f", "json", *args)
    assert r.exit_code == 0, r.stderr
    return r.json()


def left_column(stdout: str, row: int = 1) -> str:
    """The LEFT cell of a plain table, found by the header's position (cells may hold spaces)."""
    lines = stdout.splitlines()
    start = lines[0].index("LEFT")
    end = lines[0].index(next(h for h in ("ASSIGNEE", "MET") if h in lines[0]))
    # Chinese characters take two columns: cut by display width, not by code points
    cells, width = [], 0
    for ch in lines[row]:
        if start <= width < end:
            cells.append(ch)
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return "".join(cells).strip()


def load_language(cli, tmp_path, lang: str) -> None:
    text = cli("sla", "policy", "show", "--source").stdout
    mine = tmp_path / f"{lang}.toml"
    mine.write_text(f'language = "{lang}"\n' + text)
    r = cli("sla", "policy", "load", str(mine), "--at", "2026-10-01T00:00")
    assert r.exit_code == 0, r.stderr


def test_the_default_policy_speaks_chinese_on_the_board(cli, site):
    # hardware, opened 09:00: respond 30 min of working time, breached at 09:30
    open_ticket(cli, "--title", "Queue machine jammed", "--category", "hardware")
    r = cli("sla", "board")
    assert r.exit_code == 0, r.stderr
    assert left_column(r.stdout) == "已超时30分钟"


def test_lang_en_and_an_english_policy_say_it_in_english(cli, site, tmp_path):
    open_ticket(cli, "--title", "Filing app crashes", "--category", "software",
                at="2026-10-14T09:50")  # fmt: skip
    # software: respond by 10:20, the nearest deadline, 20 minutes ahead
    assert left_column(cli("sla", "board", "--lang", "en").stdout) == "in 20 min"
    load_language(cli, tmp_path, "en")
    assert left_column(cli("sla", "board").stdout) == "in 20 min"
    assert left_column(cli("sla", "board", "--lang", "zh").stdout) == "20分钟后"


def test_sla_status_words_every_running_clock_and_leaves_met_ones_blank(cli, site):
    t = open_ticket(cli, "--title", "Filing app crashes", "--category", "software",
                    at="2026-10-14T08:50")  # fmt: skip
    assert cli("ticket", "respond", t["ref"], "--at", "2026-10-14T09:00").exit_code == 0
    r = cli("sla", "status", t["ref"], "--lang", "en")
    assert r.exit_code == 0, r.stderr
    rows = {line.split()[0]: i for i, line in enumerate(r.stdout.splitlines()) if i}
    assert left_column(r.stdout, rows["respond"]) == ""  # met
    assert left_column(r.stdout, rows["resolve"]) == "overdue by 10 min"  # due 09:50


def test_scripts_keep_seconds_whatever_the_language(cli, site):
    open_ticket(cli, "--title", "Queue machine jammed", "--category", "hardware")
    board = cli("sla", "board", "--lang", "zh", "-f", "json").json()
    assert board[0]["seconds_left"] == -1800
    csv = cli("sla", "board", "-f", "csv").stdout.splitlines()
    header = csv[0].split(",")
    assert csv[1].split(",")[header.index("seconds_left")] == "-1800"
    # the overdue list keeps its compact column, which scripts have been reading
    assert "-30m" in cli("sla", "overdue").stdout


def test_an_unknown_language_is_a_usage_error(cli, site, tmp_path):
    r = cli("sla", "board", "--lang", "fr")
    assert r.exit_code == 2
    assert "unknown language 'fr' (choose from: zh, en)" in r.stderr
    assert r.stderr.count("\n") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('language = "fr"\n' + cli("sla", "policy", "show", "--source").stdout)
    r = cli("sla", "policy", "check", str(bad))
    assert r.exit_code != 0
    assert f'{bad}:1: language: must be "zh" or "en", not \'fr\'' in r.stderr


def test_chinese_cells_keep_the_columns_aligned(cli, site):
    open_ticket(cli, "--title", "叫号机卡纸", "--category", "hardware")
    open_ticket(cli, "--title", "Printer offline", "--category", "hardware",
                at="2026-10-14T09:05")  # fmt: skip
    lines = cli("sla", "board").stdout.splitlines()

    def col_of(line: str, text: str) -> int:
        before = line[: line.index(text)]
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in before)

    # every row's ASSIGNEE-and-TITLE column starts where its header does, measured on screen
    title_at = lines[0].index("TITLE")
    assert col_of(lines[1], "叫号机卡纸" if "叫号机卡纸" in lines[1] else "Printer") == title_at
    assert col_of(lines[2], "叫号机卡纸" if "叫号机卡纸" in lines[2] else "Printer") == title_at
