"""The demo's data files (svcdesk/data/demo): each loads, a malformed one is named, and a fresh
`init --demo` has the shape the files promise."""

from __future__ import annotations

import random
import re
from importlib import resources
from pathlib import Path
from string import Formatter

import pytest

from svcdesk.services import demo_data
from svcdesk.services.demo_data import DemoDataError

SHIPPED = resources.files("svcdesk").joinpath("data/demo")


def test_every_shipped_file_loads_and_none_is_left_unread():
    shipped = sorted(p.name for p in SHIPPED.iterdir() if p.name.endswith(".toml"))
    assert shipped == sorted(demo_data.FILES)
    data = demo_data.load()
    assert len(data.sites) == 12 and len({s.code for s in data.sites}) == 12
    assert set(data.kinds) == {"server", "monitor", "dvr", "queue_machine", "led_screen"}
    assert data.faults and data.upgrades and data.fates and data.forced
    assert {f.fate for f in data.forced} | {f for g in data.fates for f, _ in g.weights} == set(
        demo_data.FATES
    )
    assert all(site.engineer in data.first_line for site in data.sites)


def test_the_fault_placeholders_are_the_values_the_demo_draws():
    from svcdesk.services import demo

    assert set(demo._fault_values(random.Random(1), None)) == demo_data.FAULT_FIELDS


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped files."""
    root = tmp_path / "demo"
    root.mkdir()
    for name in demo_data.FILES:
        (root / name).write_text(SHIPPED.joinpath(name).read_text(encoding="utf-8"), "utf-8")
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    text = (root / name).read_text(encoding="utf-8")
    assert old in text
    (root / name).write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copy_of_the_shipped_files_loads_the_same(copy):
    assert demo_data.load(copy) == demo_data.load()


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        (
            "faults.toml",
            "severities =",
            "severites =",
            r"faults\.toml: fault\[0\]\.severities: missing",
        ),
        (
            "faults.toml",
            'severities = ["normal", "minor"]',
            'severities = ["normal", "mild"]',
            r"faults\.toml: fault\[0\]\.severities: expected a non-empty list of major, normal",
        ),
        (
            "faults.toml",
            "prints blank tickets",
            "prints {colour} tickets",
            r"faults\.toml: fault\[0\]\.title: unknown placeholder \{colour\}",
        ),
        (
            "faults.toml",
            'role = "database server"',
            'role = "database sever"',
            r"faults\.toml: fault\[\d+\]\.role: no \[\[fleet\]\] server has the notes",
        ),
        ("sites.toml", 'engineer = "Li Wei"', 'engineer = "Chen Jing"', r"site\[0\]\.engineer"),
        ("sites.toml", 'code = "BJ-CY"', 'code = "BJ-HD"', r"site\[1\]\.code: 'BJ-HD' .*twice"),
        ("equipment.toml", "chance = 0.6", "chance = 60", r"fleet\[2\]\.chance: expected a num"),
        ("equipment.toml", 'kind = "dvr"', 'kind = "nvr"', r"fleet\[4\]\.kind: expected one of"),
        ("lifecycle.toml", "closed = 70", "closd = 70", r"fates\[2\]\.weights\.closd: not one"),
        ("lifecycle.toml", "[15, 40]", "[40, 15]", r"forced\[0\]\.age_minutes: expected \[young"),
        ("lifecycle.toml", "[channels.other]", "[channels.misc]", r"channels\.misc: not one of"),
        ("notes.toml", "onsite = [", "on_site = [", r"notes\.toml: responses\.onsite: missing"),
        ("notes.toml", "of {day}", "of {date}", r"lines\.upgrade_scheduled: unknown placeholder"),
        ("people.toml", "[names]", "[names", r"people\.toml: cannot be read"),
    ],
)
def test_a_malformed_file_is_named_with_its_key(copy, name, old, new, message):
    edit(copy, name, old, new)
    with pytest.raises(DemoDataError, match=message) as err:
        demo_data.load(copy)
    assert str(err.value).startswith(f"{copy / name}: ")


def test_a_misspelt_key_is_not_ignored(copy):
    edit(copy, "faults.toml", "losses =", "loses =")
    with pytest.raises(DemoDataError, match=r"fault\[0\]\.loses: unknown key"):
        demo_data.load(copy)


def _pattern(template: str) -> re.Pattern[str]:
    """A regex matching what `template` formats to, whatever the values."""
    parse = Formatter().parse(template)
    return re.compile(
        "".join(re.escape(text) + (".+?" if name else "") for text, name, _, _ in parse) + "$"
    )


def test_a_fresh_demo_has_the_shape_the_files_promise(cli):
    data = demo_data.load()
    r = cli("init", "--demo")
    assert r.exit_code == 0, r.stderr
    sites = cli("site", "list", "-f", "json").json()
    assert len(sites) == 12
    assert sorted(s["code"] for s in sites) == sorted(s.code for s in data.sites)
    assert {s["tz"] for s in sites} == {data.tz}
    tickets = cli("ticket", "list", "--status", "all", "-f", "json").json()
    assert len(tickets) == 200
    assert {t["status"] for t in tickets} == {"open", "paused", "resolved", "closed"}
    assert {t["severity"] for t in tickets} == {"major", "normal", "minor", "upgrade"}
    assert {t["category"] for t in tickets} == set(data.channels)
    titles = [_pattern(f.title) for f in data.faults + data.upgrades]
    assert all(any(p.match(t["title"]) for p in titles) for t in tickets)
    assets = cli("asset", "list", "-f", "json").json()
    assert {a["kind"] for a in assets} == set(data.kinds)
    models = {m for k in data.kinds.values() for m in k.models}
    assert {a["model"] for a in assets} <= models
    assignees = {t["assignee"] for t in tickets} - {None}
    assert assignees <= set(data.first_line) | set(data.seniors)


def test_the_demo_does_field_work_and_keeps_a_knowledge_base(cli):
    """Visits for the on-site arrivals (some with a paid part), every site inspected this year
    but one behind, upgrades with their trainings (one owed), and the dozen articles."""
    assert cli("init", "--demo").exit_code == 0
    visits = cli("visit", "list", "-f", "json").json()
    assert {v["kind"] for v in visits} == {"repair", "inspection"}
    tickets = {t["ref"]: t for t in cli("ticket", "list", "--status", "all", "-f", "json").json()}
    assert all(v["ticket"] in tickets for v in visits if v["kind"] == "repair")
    parts = [p for v in visits for p in v["parts"]]
    assert parts and {p["coverage"] for p in parts} <= {"free", "paid"}
    inspections = cli("inspect", "list", "-f", "json").json()
    assert len({i["site"] for i in inspections}) >= 10
    behind = cli("inspect", "due", "-f", "json").json()
    assert behind and all(d["kind"] == "inspection" for d in behind)
    upgrades = cli("upgrade", "list", "-f", "json").json()
    assert {"owed", "held"} <= {u["training"] for u in upgrades}
    articles = cli("kb", "list", "-f", "json").json()
    assert len(articles) == 12 and {a["kind"] for a in articles} == {"faq", "case"}
    assert cli("kb", "search", "卡纸", "-f", "json").json()
    info = cli("db", "info", "-f", "json").json()
    assert (info["visit"], info["inspection"], info["article"]) == (
        len(visits), len(inspections), 12)
    board = cli("due", "-f", "json").json()
    assert {"clock", "report", "inspection"} <= {d["kind"] for d in board}


def test_the_loader_reads_through_importlib_resources(monkeypatch, copy):
    """The shipped files are found inside the package, wherever it is installed."""
    calls = []
    real = resources.files

    def files(anchor):
        calls.append(anchor)
        return real(anchor)

    demo_data._shipped.cache_clear()
    monkeypatch.setattr(demo_data.resources, "files", files)
    try:
        assert demo_data.load() == demo_data.load(copy)
    finally:
        demo_data._shipped.cache_clear()
    assert calls == ["svcdesk"]
