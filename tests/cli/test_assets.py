"""The asset registry from the command line: add, list, show, edit and CSV import."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

import pytest

ASSET_FIELDS = {
    "id",
    "ref",
    "site",
    "kind",
    "serial",
    "model",
    "installed_on",
    "warranty_until",
    "notes",
    "created_at",
    "updated_at",
    "removed_at",
}
HEADER = "site,kind,serial,model,installed_on,warranty_until,notes\n"


@pytest.fixture
def sites(cli, site) -> tuple[str, str]:
    r = cli("site", "add", "SH-PD", "--name", "Shanghai Pudong New Area Tax Bureau")
    assert r.exit_code == 0, r.stderr
    return site, "SH-PD"


@pytest.fixture
def asset(cli, sites) -> dict:
    r = cli(
        "asset", "add", "--site", "BJ-HD", "--kind", "queue-machine", "--serial", "QM-2291-0042",
        "--model", "Hisense QM-900", "--installed", "2023-05-10", "--warranty-until",
        "2026-05-09", "--notes", "hall 1", "-f", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()


def counts(cli) -> dict[str, int]:
    info = cli("db", "info", "-f", "json").json()
    return {k: info[k] for k in ("asset", "changelog")}


def write(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def assets_by_serial(cli, *args: str) -> dict[str, dict]:
    return {a["serial"]: a for a in cli("asset", "list", *args, "-f", "json").json()}


# --------------------------------------------------------------------------------------------
# add, list, show


def test_add_prints_the_new_asset_as_show_would(cli, asset):
    assert set(asset) == ASSET_FIELDS
    assert asset["site"] == "BJ-HD"
    assert asset["kind"] == "queue_machine"  # "-" for "_"
    assert asset["serial"] == "QM-2291-0042"
    assert asset["model"] == "Hisense QM-900"
    assert asset["installed_on"] == "2023-05-10"
    assert asset["warranty_until"] == "2026-05-09"
    assert asset["notes"] == "hall 1"
    assert asset["created_at"] == asset["updated_at"] == "2026-10-14T10:00:00+08:00"
    assert re.fullmatch(r"[0-9A-Z]{4}-A1", asset["ref"])
    for name in (asset["ref"], "1", asset["id"][:13]):
        r = cli("asset", "show", name, "-f", "json")
        assert r.exit_code == 0, (name, r.stderr)
        assert r.json() == asset
    shown = cli("asset", "show", "1", "-f", "plain").stdout
    assert "QM-2291-0042" in shown and "Warranty until" in shown


def test_kinds_accept_unique_prefixes(cli, sites):
    r = cli("asset", "add", "--site", "BJ-HD", "--kind", "LED", "--serial", "L1", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["kind"] == "led_screen"
    assert r.json()["model"] is None and r.json()["installed_on"] is None


def test_list_filters_by_site_and_kind(cli, sites):
    for site, kind, serial in (
        ("BJ-HD", "server", "S-2"),
        ("BJ-HD", "server", "S-1"),
        ("BJ-HD", "dvr", "D-1"),
        ("SH-PD", "server", "S-9"),
    ):
        r = cli("asset", "add", "--site", site, "--kind", kind, "--serial", serial)
        assert r.exit_code == 0, r.stderr
    every = cli("asset", "list", "-f", "json").json()
    assert [(a["site"], a["kind"], a["serial"]) for a in every] == [
        ("BJ-HD", "dvr", "D-1"),
        ("BJ-HD", "server", "S-1"),
        ("BJ-HD", "server", "S-2"),
        ("SH-PD", "server", "S-9"),
    ]
    assert all(set(a) == ASSET_FIELDS for a in every)
    assert [a["serial"] for a in cli("asset", "list", "--site", "SH", "-f", "json").json()] == [
        "S-9"
    ]
    servers = cli("asset", "list", "--kind", "serv", "--site", "BJ-HD", "-f", "json").json()
    assert [a["serial"] for a in servers] == ["S-1", "S-2"]
    rows = list(csv.DictReader(io.StringIO(cli("asset", "list", "-f", "csv").stdout)))
    assert [r["serial"] for r in rows] == ["D-1", "S-1", "S-2", "S-9"]
    plain = cli("asset", "list", "-f", "plain").stdout
    assert plain.splitlines()[0].split()[:4] == ["REF", "SITE", "KIND", "SERIAL"]
    r = cli("asset", "list", "--kind", "toaster")
    assert r.exit_code == 2 and "unknown asset kind 'toaster'" in r.stderr


def test_an_empty_list_says_so_only_on_a_terminal(cli, site):
    r = cli("asset", "list", "-f", "json")
    assert r.exit_code == 0 and r.json() == []
    r = cli("asset", "show", "nope")
    assert r.exit_code == 1 and "no asset matches 'nope'" in r.stderr


# --------------------------------------------------------------------------------------------
# What add refuses: one line, nothing written


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("--kind", "toaster"),
            2,
            "unknown asset kind 'toaster' (choose from: server, monitor, dvr, queue_machine, "
            "led_screen, network, pc, software)",
        ),
        (("--kind", "s"), 2, "unknown asset kind 's'"),  # server or software: ambiguous
        (
            ("--installed", "2024-01-05", "--warranty-until", "2023-12-31"),
            2,
            "--warranty-until 2023-12-31 is before the installation date 2024-01-05",
        ),
        (
            ("--installed", "2026-10-15"),
            2,
            "--installed 2026-10-15 is in the future (today is 2026-10-14)",
        ),
        (("--installed", "2024/01/05"), 2, "invalid --installed '2024/01/05': use YYYY-MM-DD"),
        (("--installed", "20240105"), 2, "invalid --installed '20240105': use YYYY-MM-DD"),
        (("--warranty-until", "2027-02-30"), 2, "invalid --warranty-until '2027-02-30'"),
        (
            ("--serial", "qm-2291-0042"),
            1,
            "serial qm-2291-0042 is already registered at site BJ-HD as asset",
        ),  # fmt: skip
        (("--serial", "  "), 2, "an asset needs a --serial"),
        (("--site", "XX"), 1, "no site matches 'XX'"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(cli, asset, args, code, message):
    before = counts(cli)
    base = {"--site": "BJ-HD", "--kind": "server", "--serial": "NEW-1"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    r = cli("asset", "add", *(x for kv in base.items() for x in kv))
    assert r.exit_code == code, r.stderr
    assert message in r.stderr
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1
    assert r.stdout == ""
    assert counts(cli) == before


def test_a_serial_may_repeat_at_another_site(cli, asset):
    r = cli("asset", "add", "--site", "SH-PD", "--kind", "server", "--serial", "QM-2291-0042")
    assert r.exit_code == 0, r.stderr


def test_kinds_come_from_the_policy_in_force(cli, site, tmp_path):
    source = cli("sla", "policy", "show", "--source").stdout
    line = next(x for x in source.splitlines() if x.startswith("kinds = ["))
    mine = tmp_path / "policy.toml"
    kiosk_rule = (
        '\n[[warranty.rule]]\nname = "kiosks"\nclause = "Kiosks: repair only."\n'
        'kinds = ["kiosk"]\nrepair = "free"\nreplacement = "not_covered"\nsupport = "free"\n'
    )
    mine.write_text(source.replace(line, line[:-1] + ', "kiosk"]', 1) + kiosk_rule)
    r = cli("sla", "policy", "load", str(mine), "--at", "2026-10-01")
    assert r.exit_code == 0, r.stderr
    r = cli("asset", "add", "--site", site, "--kind", "kio", "--serial", "K-1", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["kind"] == "kiosk"
    r = cli("asset", "add", "--site", site, "--kind", "toaster", "--serial", "K-2")
    assert r.exit_code == 2 and "software, kiosk)" in r.stderr


# --------------------------------------------------------------------------------------------
# edit


def last_change(db: Path) -> tuple[str, str]:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT op, data FROM changelog ORDER BY stamp DESC LIMIT 1").fetchone()
    return row[0], row[1]


def test_edit_changes_only_what_is_given_and_logs_only_that(cli, asset, env_setup):
    before = counts(cli)
    r = cli(
        "--now", "2026-10-14T11:00+08:00", "asset", "edit", asset["ref"], "--model",
        "Hisense QM-950", "--notes", "hall 1, by the door", "--installed", "2023-05-10",
        "-f", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    edited = r.json()
    assert "changed model, notes of asset" in r.stderr
    assert edited["model"] == "Hisense QM-950" and edited["notes"] == "hall 1, by the door"
    assert edited["updated_at"] == "2026-10-14T11:00:00+08:00"
    same = ("id", "ref", "site", "kind", "serial", "installed_on", "warranty_until", "created_at")
    assert {k: edited[k] for k in same} == {k: asset[k] for k in same}
    op, data = last_change(env_setup)
    assert op == "update"
    assert set(__import__("json").loads(data)) == {"model", "notes", "updated_at"}
    assert counts(cli) == {"asset": before["asset"], "changelog": before["changelog"] + 1}
    assert cli("asset", "show", asset["ref"], "-f", "json").json() == edited


def test_edit_with_the_same_values_writes_nothing(cli, asset):
    before = counts(cli)
    r = cli("asset", "edit", "1", "--model", "Hisense QM-900", "--kind", "queue", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert "already has these values; nothing changed" in r.stderr
    assert r.json() == asset
    assert counts(cli) == before


def test_edit_clears_optional_fields_and_changes_kind_and_serial(cli, asset):
    r = cli(
        "asset", "edit", "1", "--model", "", "--warranty-until", "", "--kind", "led",
        "--serial", "LED-7", "-f", "json",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    rec = r.json()
    assert rec["model"] is None and rec["warranty_until"] is None
    assert rec["kind"] == "led_screen" and rec["serial"] == "LED-7"
    assert rec["ref"] == asset["ref"] and rec["id"] == asset["id"]
    # a change of case only is a change of the serial, not a duplicate of itself
    r = cli("asset", "edit", "1", "--serial", "led-7", "-f", "json")
    assert r.exit_code == 0 and r.json()["serial"] == "led-7"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ((), 2, "nothing to change: give one or more of --kind, --serial"),
        (
            ("--warranty-until", "2023-01-01"),
            2,
            "--warranty-until 2023-01-01 is before the installation date 2023-05-10",
        ),  # fmt: skip
        (
            ("--installed", "2026-05-10"),
            2,
            "--warranty-until 2026-05-09 is before the installation date 2026-05-10",
        ),  # fmt: skip
        (("--installed", "2027-01-01"), 2, "--installed 2027-01-01 is in the future"),
        (("--installed", "10/05/2023"), 2, "invalid --installed '10/05/2023': use YYYY-MM-DD"),
        (("--kind", "toaster"), 2, "unknown asset kind 'toaster'"),
        (("--serial", ""), 2, "--serial cannot be empty"),
        (("--serial", "srv-1"), 1, "serial srv-1 is already registered at site BJ-HD as asset"),
    ],
)
def test_edit_refuses_bad_input_and_writes_nothing(cli, asset, args, code, message):
    r = cli("asset", "add", "--site", "BJ-HD", "--kind", "server", "--serial", "SRV-1")
    assert r.exit_code == 0
    before = counts(cli)
    r = cli("asset", "edit", asset["ref"], *args)
    assert r.exit_code == code, r.stderr
    assert message in r.stderr and r.stderr.count("\n") == 1
    assert counts(cli) == before
    assert cli("asset", "show", asset["ref"], "-f", "json").json() == asset


# --------------------------------------------------------------------------------------------
# import


GOOD = (
    "Site,Kind,Serial Number,Model,Installed,Warranty-End,NOTES\n"
    "BJ-HD,server,SRV-0001,Dell PowerEdge R740,2022-03-01,2027-02-28,rack A\n"
    "bj-hd,led-screen,LED-0001,Leyard TVF1.8,2021-06-15,,hall 1\n"
    'SH-PD,dvr,DVR-0001,,,,"main hall, cameras 1-16"\n'
    "SH-PD,server,SRV-0001,Inspur NF5280M6,2023-01-01,2026-12-31,\n"
)


def test_import_adds_every_row_and_reports_counts(cli, sites, tmp_path, env_setup):
    before = counts(cli)
    path = write(tmp_path / "assets.csv", GOOD)
    r = cli("asset", "import", path)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"imported {path}: 4 added, 0 updated, 0 unchanged\n"
    assert r.stdout == ""
    every = cli("asset", "list", "-f", "json").json()
    assert [(a["site"], a["serial"]) for a in every] == [
        ("BJ-HD", "LED-0001"),
        ("BJ-HD", "SRV-0001"),
        ("SH-PD", "DVR-0001"),
        ("SH-PD", "SRV-0001"),
    ]
    led = every[0]
    assert set(led) == ASSET_FIELDS
    assert led["kind"] == "led_screen" and led["model"] == "Leyard TVF1.8"
    assert led["installed_on"] == "2021-06-15" and led["warranty_until"] is None
    assert every[2]["notes"] == "main hall, cameras 1-16" and every[2]["model"] is None
    assert every[3]["notes"] is None
    # one transaction, every insert in the change log
    after = counts(cli)
    assert after == {"asset": before["asset"] + 4, "changelog": before["changelog"] + 4}
    with sqlite3.connect(env_setup) as conn:
        ops = conn.execute(
            "SELECT op, count(*) FROM changelog WHERE tbl = 'asset' GROUP BY op"
        ).fetchall()
    assert ops == [("insert", 4)]


def test_import_prints_its_report_as_json_on_request(cli, sites, tmp_path):
    path = write(tmp_path / "assets.csv", GOOD)
    r = cli("asset", "import", path, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json() == {
        "file": path,
        "rows": 4,
        "added": 4,
        "updated": 0,
        "unchanged": 0,
        "dry_run": False,
    }


def test_import_twice_changes_nothing_the_second_time(cli, sites, tmp_path):
    path = write(tmp_path / "assets.csv", GOOD)
    assert cli("asset", "import", path).exit_code == 0
    before = counts(cli)
    listed = cli("asset", "list", "-f", "json").json()
    r = cli("asset", "import", path, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert (r.json()["added"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 4)
    assert counts(cli) == before
    assert cli("asset", "list", "-f", "json").json() == listed


def test_import_updates_rows_whose_values_changed(cli, sites, tmp_path, env_setup):
    assert cli("asset", "import", write(tmp_path / "a.csv", GOOD)).exit_code == 0
    listed = assets_by_serial(cli, "--site", "BJ-HD")
    before = counts(cli)
    changed = GOOD.replace("Dell PowerEdge R740", "Dell PowerEdge R750").replace(
        "LED-0001", "led-0001"
    )
    r = cli(
        "--now", "2026-10-14T12:00+08:00", "asset", "import", write(tmp_path / "b.csv", changed)
    )
    assert r.exit_code == 0, r.stderr
    assert r.stderr.endswith(": 0 added, 2 updated, 2 unchanged\n")
    now = assets_by_serial(cli, "--site", "BJ-HD")
    server = now["SRV-0001"]
    assert server["model"] == "Dell PowerEdge R750"
    assert server["ref"] == listed["SRV-0001"]["ref"]  # refs never change
    assert server["updated_at"] == "2026-10-14T12:00:00+08:00"
    assert now["led-0001"]["ref"] == listed["LED-0001"]["ref"]  # same serial, any case
    assert counts(cli) == {"asset": before["asset"], "changelog": before["changelog"] + 2}
    op, data = last_change(env_setup)
    assert op == "update" and set(__import__("json").loads(data)) == {"serial", "updated_at"}


def test_import_leaves_columns_the_file_does_not_have_alone(cli, sites, tmp_path):
    assert cli("asset", "import", write(tmp_path / "a.csv", GOOD)).exit_code == 0
    # no notes or dates: those stay; an empty model cell clears the model
    r = cli(
        "asset", "import", "--site", "BJ-HD", "-f", "json",
        write(tmp_path / "b.csv", "kind,serial,model\nserver,SRV-0001,\n"),
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert r.json()["updated"] == 1
    server = assets_by_serial(cli, "--site", "BJ-HD")["SRV-0001"]
    assert server["model"] is None
    assert server["notes"] == "rack A" and server["installed_on"] == "2022-03-01"


def test_import_site_option_fills_rows_without_a_site(cli, sites, tmp_path):
    text = "kind,serial\nmonitor,MON-1\nmonitor,MON-2\n"
    r = cli("asset", "import", write(tmp_path / "hall.csv", text), "--site", "SH")
    assert r.exit_code == 0, r.stderr
    assert [a["site"] for a in cli("asset", "list", "-f", "json").json()] == ["SH-PD", "SH-PD"]
    mixed = "site,kind,serial\n,monitor,MON-3\nBJ-HD,monitor,MON-4\n"
    r = cli("asset", "import", write(tmp_path / "mixed.csv", mixed), "--site", "SH-PD")
    assert r.exit_code == 2
    assert f"{tmp_path / 'mixed.csv'}:3: site BJ-HD is not --site SH-PD" in r.stderr


def test_import_dry_run_checks_and_counts_but_writes_nothing(cli, sites, tmp_path):
    path = write(tmp_path / "assets.csv", GOOD)
    before = counts(cli)
    r = cli("asset", "import", path, "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert "all 4 rows are valid" in r.stderr and "4 added, 0 updated, 0 unchanged" in r.stderr
    assert "nothing was written" in r.stderr
    assert counts(cli) == before
    r = cli("asset", "import", path, "--dry-run", "-f", "json")
    assert r.json()["dry_run"] is True and r.json()["added"] == 4
    assert counts(cli) == before
    bad = write(tmp_path / "bad.csv", HEADER + "BJ-HD,toaster,T-1,,,,\n")
    r = cli("asset", "import", bad, "--dry-run")
    assert r.exit_code == 2 and f"{bad}:2: unknown asset kind 'toaster'" in r.stderr


def test_import_reports_every_bad_row_and_imports_nothing(cli, sites, tmp_path):
    assert cli("asset", "add", "--site", "BJ-HD", "--kind", "pc", "--serial", "PC-1").exit_code == 0
    before = counts(cli)
    text = (
        HEADER
        + "BJ-HD,server,OK-1,,2022-01-01,2025-01-01,\n"  # 2: good
        + "BJ-HD,toaster,BAD-1,,,,\n"  # 3
        + "BJ-HD,server,BAD-2,,01/02/2022,,\n"  # 4
        + 'BJ-HD,server,OK-2,,,,"a note\nover two lines"\n'  # 5-6: good
        + "XX-YY,server,BAD-3,,,,\n"  # 7
        + "\n"  # 8: blank lines are skipped
        + "BJ-HD,server,BAD-4,,2024-05-01,2024-04-30,\n"  # 9
        + "BJ-HD,server,BAD-5,,2026-10-15,,\n"  # 10: installed tomorrow
        + "BJ-HD,server,ok-1,,,,\n"  # 11: same serial as line 2
        + "BJ-HD,server,,,,,\n"  # 12
        + ",,BAD-6,,,,\n"  # 13
        + "BJ-HD,pc,PC-1,,,2020-01-01,\n"  # 14: fine (updates the existing PC)
    )
    path = write(tmp_path / "assets.csv", text)
    r = cli("asset", "import", path)
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert lines == [
        f"{path}:3: unknown asset kind 'toaster' (choose from: server, monitor, dvr, "
        "queue_machine, led_screen, network, pc, software)",
        f"{path}:4: invalid installed_on '01/02/2022': use YYYY-MM-DD, such as 2024-03-15",
        f"{path}:7: no site matches 'XX-YY'",
        f"{path}:9: warranty_until 2024-04-30 is before the installation date 2024-05-01",
        f"{path}:10: installed_on 2026-10-15 is in the future (today is 2026-10-14); "
        "register equipment once it is installed",
        f"{path}:11: serial ok-1 appears again for site BJ-HD (first on line 2 as OK-1; "
        "serials compare without case or spaces)",
        f"{path}:12: no serial",
        f"{path}:13: no site: fill in the site column (or pass --site); no kind (choose from: "
        "server, monitor, dvr, queue_machine, led_screen, network, pc, software)",
        f"svcdesk: error: {path}: 8 of 11 rows are bad; nothing was imported",
    ]
    assert r.stdout == ""
    assert counts(cli) == before


def test_import_names_unknown_and_missing_columns_in_one_error(cli, sites, tmp_path):
    before = counts(cli)
    path = write(tmp_path / "cols.csv", "Serial,Colour,Kind,Price\nX-1,red,server,100\n")
    r = cli("asset", "import", path)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1
    assert r.stderr == (
        f"svcdesk: error: {path}:1: unknown columns 'Colour', 'Price'; missing required column "
        "site (or pass --site); known columns: site, kind, serial, model, installed_on, "
        "warranty_until, notes (also installed, warranty_end, warranty, serial_number, ...); "
        "nothing was imported\n"
    )
    r = cli("asset", "import", write(tmp_path / "two.csv", "site,notes\nBJ-HD,x\n"))
    assert r.exit_code == 2 and "missing required columns kind, serial" in r.stderr
    r = cli(
        "asset", "import", "--site", "BJ-HD",
        write(tmp_path / "twice.csv", "kind,serial,installed,installed_on\nserver,A,,\n"),
    )  # fmt: skip
    assert r.exit_code == 2 and "columns 'installed' and 'installed_on' both mean" in r.stderr
    r = cli("asset", "import", write(tmp_path / "empty.csv", ""))
    assert r.exit_code == 2 and "has no header line" in r.stderr
    r = cli("asset", "import", str(tmp_path / "missing.csv"))
    assert r.exit_code == 2 and "missing.csv: no such file" in r.stderr
    assert counts(cli) == before


def test_import_reads_semicolon_files_and_ignores_empty_nameless_columns(cli, sites, tmp_path):
    text = "site;kind;serial;;\nBJ-HD;server;S-1;;\n"
    r = cli("asset", "import", write(tmp_path / "excel.csv", text), "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["added"] == 1
    r = cli("asset", "import", write(tmp_path / "x.csv", "site,kind,serial,\nBJ-HD,pc,P,oops\n"))
    assert r.exit_code == 2 and ":2: a value in column 4, which has no name" in r.stderr


# --------------------------------------------------------------------------------------------
# Encodings


CHINESE = HEADER + "BJ-HD,server,GB-0001,浪潮 NF5280M6,2022-03-01,2027-02-28,机房 2 号机柜\n"


def test_a_utf8_file_with_a_bom_is_read(cli, sites, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(CHINESE.encode("utf-8-sig"))
    r = cli("asset", "import", str(path))
    assert r.exit_code == 0, r.stderr
    assert assets_by_serial(cli)["GB-0001"]["notes"] == "机房 2 号机柜"


def test_a_gbk_file_with_chinese_is_read_as_gb18030_and_says_so(cli, sites, tmp_path):
    path = write(tmp_path / "gbk.csv", CHINESE, "gbk")
    r = cli("asset", "import", path)
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines()[0] == f"read {path} as GB18030 (GBK); pass --encoding to choose"
    server = assets_by_serial(cli)["GB-0001"]
    assert server["notes"] == "机房 2 号机柜" and server["model"] == "浪潮 NF5280M6"
    # --encoding says which, and then nothing is guessed
    r = cli("asset", "import", path, "--encoding", "gbk", "-f", "json")
    assert r.exit_code == 0 and r.json()["unchanged"] == 1
    assert "GB18030" not in r.stderr


def test_chinese_column_names_are_understood(cli, sites, tmp_path):
    text = (
        "站点,类型,序列号,型号,安装日期,保修截止,备注\nBJ-HD,dvr,DVR-9,海康威视,2023-01-01,,大厅\n"
    )
    r = cli("asset", "import", write(tmp_path / "zh.csv", text, "gb18030"), "-f", "json")
    assert r.exit_code == 0, r.stderr
    dvr = assets_by_serial(cli)["DVR-9"]
    assert (dvr["model"], dvr["installed_on"], dvr["notes"]) == ("海康威视", "2023-01-01", "大厅")


# Latin-1 accents before a letter decode as (rare) GBK ideographs; before a comma they do not
# decode at all. Both must be refused, not misread.
LATIN1_READABLE_AS_GBK = HEADER + "BJ-HD,dvr,CAM-1,Caméra réseau,,,Salle réservée\n"
LATIN1_NOT_GBK = HEADER + "BJ-HD,dvr,CAM-1,Caméra réseau,,,Entrée du café\n"


@pytest.mark.parametrize("text", [LATIN1_READABLE_AS_GBK, LATIN1_NOT_GBK])
def test_a_latin1_file_is_refused_unless_its_encoding_is_given(cli, sites, tmp_path, text):
    data = text.encode("latin-1")
    if text is LATIN1_READABLE_AS_GBK:
        assert re.search("[\u4e00-\u9fff]", data.decode("gb18030"))  # the trap is real
    else:
        with pytest.raises(UnicodeDecodeError):
            data.decode("gb18030")
    path = write(tmp_path / "latin1.csv", text, "latin-1")
    before = counts(cli)
    r = cli("asset", "import", path)
    assert r.exit_code == 2
    assert r.stderr == (
        f"svcdesk: error: {path} is not UTF-8 (byte 0xe9 on line 2): save it as UTF-8, or pass "
        "its encoding, e.g. --encoding gb18030, --encoding cp1252 or --encoding latin-1\n"
    )
    assert counts(cli) == before
    r = cli("asset", "import", path, "--encoding", "latin-1")
    assert r.exit_code == 0, r.stderr
    cam = assets_by_serial(cli)["CAM-1"]
    assert cam["model"] == "Caméra réseau" and cam["notes"] == text.split(",")[-1].strip()


def test_a_wrong_or_unknown_encoding_is_refused(cli, sites, tmp_path):
    path = write(tmp_path / "gbk.csv", CHINESE, "gbk")
    r = cli("asset", "import", path, "--encoding", "utf-8")
    assert r.exit_code == 2
    assert f"{path} is not valid utf-8: byte 0xc0 on line 2" in r.stderr
    r = cli("asset", "import", path, "--encoding", "klingon")
    assert r.exit_code == 2 and "unknown encoding 'klingon'" in r.stderr


def test_a_removed_asset_leaves_lists_and_new_tickets_but_stays_for_old_ones(cli, site):
    ref = cli("asset", "add", "--site", site, "--kind", "dvr", "--serial", "D1", "-f", "json")
    ref = ref.json()["ref"]
    t = cli("ticket", "open", "--asset", ref, "--title", "no signal", "-f", "json").json()
    r = cli("asset", "remove", ref, "-f", "json")
    assert r.exit_code == 0 and r.json()["removed_at"] == "2026-10-14T10:00:00+08:00"
    assert cli("asset", "list", "-f", "json").json() == []
    assert [a["ref"] for a in cli("asset", "list", "--removed", "-f", "json").json()] == [ref]
    r = cli("ticket", "open", "--asset", ref, "--title", "again")
    assert r.exit_code == 1 and "was removed" in r.stderr
    assert cli("ticket", "show", t["ref"], "-f", "json").json()["asset"] == ref
    r = cli("asset", "remove", ref)
    assert r.exit_code == 1 and "removed already" in r.stderr
