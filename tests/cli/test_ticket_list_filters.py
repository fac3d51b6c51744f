"""`ticket list --severity --category --search --sort --limit`, `--assignee` in any case: what
an engineer reaches for first, with the same answers on a laptop and on the PostgreSQL hub."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import replicas

from svcdesk.domain.tickets import LIST_SORTS
from svcdesk.services import sites, sync, tickets
from svcdesk.services.session import open_database

TITLES = [
    "Printer offers 50% off",
    "printer jams at 50 percent",
    "a_b underscore in the name",
    "ab without one",
    "back\\slash path C:\\queue",
    "Écran noir dans le hall",
    "écran qui clignote",
    "打印机故障",
    "LED screen dark",
    "Queue machine PRINTS blank tickets",
]
SEVERITIES = ["normal", "major", "minor", "upgrade"]
CATEGORIES = ["hardware", "software", "operation", "environment", "other"]
ASSIGNEES = [None, "Li Wei", "li wei", "Zhang Min", "LI WEI"]


def populate(db) -> None:
    """Tickets at two sites, of every class, opened a minute apart, some moved on."""
    sites.add_site(db, code="BJ-HD", name="Haidian")
    sites.add_site(db, code="AA-1", name="First")
    start = datetime.fromisoformat("2026-10-13T08:00:00+08:00")
    for i, title in enumerate(TITLES * 2):
        severity = SEVERITIES[i % 4]
        at = start + timedelta(minutes=7 * i)
        rec = tickets.open_ticket(
            db, title=title, site=("BJ-HD", "AA-1")[i % 2], severity=severity,
            category=CATEGORIES[i % 5], reporter="Ms Wang" if i % 3 == 0 else None,
            due=(at + timedelta(days=3 + i)).isoformat() if severity == "upgrade" else None,
            at=at.isoformat(),
        )  # fmt: skip
        who = ASSIGNEES[i % len(ASSIGNEES)]
        if who:
            tickets.assign(db, rec["ref"], who, at=(at + timedelta(minutes=1)).isoformat())
        if i % 6 == 5:
            tickets.resolve_ticket(
                db, rec["ref"], note="fixed", at=(at + timedelta(minutes=2)).isoformat()
            )
            tickets.close(db, rec["ref"], at=(at + timedelta(minutes=3)).isoformat())


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    (db,) = replicas(tmp_path_factory.mktemp("filters"), 1)
    populate(db)
    yield db
    db.close()


def listed(db, **kw) -> list[dict]:
    return list(tickets.list_tickets(db, **{"status": "all", **kw}))


def refs(db, **kw) -> list[str]:
    return [r["ref"] for r in listed(db, **kw)]


def test_search_is_literal_and_ignores_the_case_of_latin_letters(laptop):
    def titles(text: str) -> set[str]:
        return {r["title"] for r in listed(laptop, search=text)}

    assert titles("PRINT") == {TITLES[0], TITLES[1], TITLES[9]}
    assert titles("50%") == {TITLES[0]}  # % is a percent sign, not "anything"
    assert titles("a_b") == {TITLES[2]}  # _ is an underscore, not "any one character"
    assert titles("\\") == {TITLES[4]}
    assert titles("打印") == {TITLES[7]}
    assert titles("ms wang") == {t for i, t in enumerate(TITLES * 2) if i % 3 == 0}  # reporter
    assert titles("no such thing") == set()


def test_severity_category_and_assignee_in_any_case(laptop):
    majors = listed(laptop, severity="MAJ")
    assert majors and {r["severity"] for r in majors} == {"major"}
    soft = listed(laptop, category="software", severity="normal")
    assert {(r["category"], r["severity"]) for r in soft} == {("software", "normal")}
    li = listed(laptop, assignee="LI wei")
    assert {r["assignee"] for r in li} == {"Li Wei", "li wei", "LI WEI"}
    assert listed(laptop, assignee="nobody") == []
    opened = listed(laptop, status="open", assignee="zhang min")
    assert opened and all(r["status"] != "closed" for r in opened)


def test_sort_orders_as_a_person_expects(laptop):
    urgency = ["major", "normal", "minor", "upgrade"].index
    rows = listed(laptop, sort="severity")
    assert len(rows) == len(TITLES) * 2
    ranks = [urgency(r["severity"]) for r in rows]
    assert ranks == sorted(ranks)
    ranks = [urgency(r["severity"]) for r in listed(laptop, sort="-severity")]
    assert ranks == sorted(ranks, reverse=True)
    rows = listed(laptop, sort="-opened")
    assert [r["opened_at"] for r in rows] == sorted((r["opened_at"] for r in rows), reverse=True)
    rows = listed(laptop, sort="opened")
    assert [r["opened_at"] for r in rows] == sorted(r["opened_at"] for r in rows)
    numbers = [int(r["ref"].rsplit("-", 1)[1]) for r in listed(laptop, sort="ref")]
    assert numbers == sorted(numbers)  # KQ7M-9 before KQ7M-10
    for sort in ("due", "-due"):  # no running deadline (closed, met): last either way
        rows = listed(laptop, sort=sort)
        pending = [r for r in rows if any(c["met_at"] is None for c in r["clocks"])]
        assert rows[: len(pending)] == pending
    sites_ = [r["site"] for r in listed(laptop, sort="-site")]
    assert sites_ == sorted(sites_, reverse=True)
    statuses = [r["status"] for r in listed(laptop, sort="status")]
    assert statuses == sorted(statuses, key=["open", "paused", "resolved", "closed"].index)


def test_limit_stops_after_that_many_in_the_order_asked(laptop):
    assert refs(laptop, sort="severity", limit=3) == refs(laptop, sort="severity")[:3]
    assert len(refs(laptop, limit=10**30)) == len(TITLES) * 2  # more than there are: all


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--sort", "priority"), "unknown --sort field 'priority' (choose from: opened, updated"),
        (("--sort", "s"), "unknown --sort field"),  # severity, status or site?
        (("--limit", "0"), "--limit must be 1 or more"),
        (("--limit", "-5"), "--limit must be 1 or more"),
        (("--limit", "many"), "--limit"),
        (("--severity", "urgent"), "unknown severity"),
        (("--category", "printer"), "unknown category"),
        (("--search", ""), "--search needs some text"),
        (("--search", "a\x00"), "NUL"),
        (("--site", "NOWHERE"), "no site matches"),
    ],
)
def test_bad_filters_are_one_line_before_any_output(cli, site, args, says):
    for fmt in ("csv", "json", "plain"):
        r = cli("ticket", "list", *args, "-f", fmt)
        assert r.exit_code != 0 and r.stdout == ""
        assert r.stderr.count("\n") == 1 and says in r.stderr, r.stderr


def test_the_cli_takes_every_option(cli, ticket):
    r = cli("ticket", "list", "--severity", "normal", "--category", "hardware", "--search",
            "QUEUE", "--sort", "-due", "--limit", "5", "--assignee", "nobody",
            "-f", "json")  # fmt: skip
    assert r.exit_code == 0 and r.json() == []
    r = cli("ticket", "list", "--severity", "normal", "--search", "queue", "--sort", "title",
            "-f", "json")  # fmt: skip
    assert [t["ref"] for t in r.json()] == [ticket["ref"]]
    assert cli("ticket", "assign", ticket["ref"], "Li Wei").exit_code == 0
    r = cli("ticket", "list", "--assignee", "li wei", "-f", "csv")
    assert ticket["ref"] in r.stdout


@pytest.fixture(scope="module")
def hub(laptop, tmp_path_factory):
    """The laptop's tickets on a PostgreSQL hub (same ids, same refs)."""
    import os
    import uuid

    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("SVCDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("SVCDESK_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable: {exc}")
        pytest.skip(f"no PostgreSQL server at {base}")
    name = f"svcdesk_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{base.rsplit('/', 1)[0]}/{name}"
    try:
        db = open_database(url, create=True)
        sync.sync(laptop, url)
        yield db
        db.close()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


queries = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["open", "closed", "all", "resolved"]),
        "severity": st.sampled_from(SEVERITIES),
        "category": st.sampled_from(CATEGORIES),
        "search": st.sampled_from(
            [
                "print",
                "PRINT",
                "50%",
                "a_b",
                "_",
                "%",
                "\\",
                "écran",
                "ÉCRAN",
                "打印",
                "ms WANG",
                "e",
            ]
        ),  # fmt: skip
        "assignee": st.sampled_from(["li wei", "ZHANG MIN", "nobody"]),
        "site": st.sampled_from(["BJ-HD", "AA-1"]),
        "sort": st.sampled_from([*LIST_SORTS, *(f"-{s}" for s in LIST_SORTS)]),
        "limit": st.integers(1, 25),
    },
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=queries, as_json=st.booleans())
def test_sqlite_and_postgresql_list_the_same(laptop, hub, query, as_json):
    query.setdefault("status", "all")
    here = [r["ref"] for r in _plain(tickets.list_tickets(laptop, as_json=as_json, **query))]
    there = [r["ref"] for r in _plain(tickets.list_tickets(hub, as_json=as_json, **query))]
    assert here == there


def _plain(rows) -> list[dict]:
    import orjson

    return [orjson.loads(orjson.dumps(r, default=str)) for r in rows]
