"""A bundle never leaves a gap: each replica holds every other replica's operations as a prefix
without holes, because a sync sends only what follows the newest stamp held from each replica
(DESIGN.md, Sync). A bundle made with --since states what it carries; an import that would
leave the receiver without what the bundle leaves out is refused, naming the --since it needs,
and `sync status` reports replicas known to hold operations this one lacks."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from svcdesk import clock
from svcdesk.sync.bundle import write_bundle

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
START_MS = 1_796_083_200_000  # 2026-12-01T00:00:00Z (after 0.1.0's bundle), on the stamps' clock
MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR


class WallClock:
    """The computer's clock as stamps read it (`time.time_ns`): it moves only when told, a
    millisecond a reading, so a test can put --since between two operations."""

    def __init__(self) -> None:
        self.ms = START_MS

    def time_ns(self) -> int:
        self.ms += 1
        return self.ms * 1_000_000

    def advance(self, ms: int) -> None:
        self.ms += ms

    def iso(self, ms: int | None = None) -> str:
        """An instant as a user types it for --since (ISO 8601 with its offset)."""
        at = datetime.fromtimestamp((self.ms if ms is None else ms) / 1000, UTC)
        return at.replace(microsecond=0).isoformat()


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> WallClock:
    fake = WallClock()
    monkeypatch.setattr(time, "time_ns", fake.time_ns)
    return fake


def laptop(cli: Any, path: Path, *args: str) -> Any:
    return cli("--db", str(path), *args)


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


def make(cli: Any, folder: Path, *names: str) -> list[Path]:
    paths = [folder / f"{n}.db" for n in names]
    for p in paths:
        ok(laptop(cli, p, "init"))
    return paths


def info(cli: Any, path: Path) -> dict[str, Any]:
    return ok(laptop(cli, path, "db", "info", "-f", "json")).json()


def data(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but this replica's own settings (svcdesk_meta), every row, in order."""
    with sqlite3.connect(path) as conn:
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'svcdesk_meta' ORDER BY name")]  # fmt: skip
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }


def meta(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM svcdesk_meta").fetchall())


def stamps(path: Path) -> dict[str, list[str]]:
    """Each replica's operations this database holds, in stamp order."""
    out: dict[str, list[str]] = {}
    with sqlite3.connect(path) as conn:
        for replica, stamp in conn.execute("SELECT replica, stamp FROM changelog ORDER BY stamp"):
            out.setdefault(replica, []).append(stamp)
    return out


def newest(path: Path, replica: str) -> str:
    return stamps(path)[replica][-1]


def shown(stamp: str) -> str:
    """A stamp's instant as svcdesk shows it to people (display zone, to the minute)."""
    at = clock.from_epoch(int(stamp[:13]) // 1000)
    assert at is not None
    return at.strftime("%Y-%m-%d %H:%M")


def since_for(stamp: str) -> str:
    at = clock.from_epoch(int(stamp[:13]) // 1000)
    assert at is not None
    return at.replace(second=0).isoformat(timespec="minutes")


def header_of(bundle: Path) -> dict[str, Any]:
    return orjson.loads(gzip.decompress(bundle.read_bytes()).split(b"\n", 1)[0])


def refused(result: Any) -> str:
    """The one line of a refused command."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("svcdesk: error: ")
    assert "Traceback" not in result.stderr and "FOREIGN KEY" not in result.stderr
    return result.stderr.strip()


@pytest.fixture
def behind(cli: Any, tmp_path: Path, wall: WallClock) -> dict[str, Any]:
    """Office laptop a and site laptop b: b saw a's first day, then a worked on for a week and
    exported the last day only."""
    a, b = make(cli, tmp_path, "a", "b")
    ok(laptop(cli, a, "site", "add", "BJ-HD", "--name", "Haidian"))
    ok(laptop(cli, b, "sync", str(a)))  # b holds a's operations up to here
    wall.advance(DAY)
    t = ok(laptop(cli, a, "ticket", "open", "--site", "BJ-HD", "--title", "DVR down", "-f", "json"))
    ref = t.json()["ref"]
    wall.advance(6 * DAY)
    cut = wall.iso()
    wall.advance(HOUR)
    ok(laptop(cli, a, "ticket", "comment", ref, "spare part ordered"))
    bundle = tmp_path / "last-day.svcbundle"
    ok(laptop(cli, a, "sync", "export", str(bundle), "--since", cut))
    return {"a": a, "b": b, "ref": ref, "bundle": bundle, "cut": cut,
            "a_info": info(cli, a), "b_held": newest(b, info(cli, a)["replica_id"])}  # fmt: skip


# -- refusing what would leave a gap ---------------------------------------------------------


def test_a_bundle_since_after_what_the_receiver_holds_is_refused_and_changes_nothing(
    cli: Any, behind: dict[str, Any]
) -> None:
    a, b, bundle = behind["a"], behind["b"], behind["bundle"]
    code, replica = behind["a_info"]["replica_code"], behind["a_info"]["replica_id"]
    before_a, before_b, meta_b = data(a), data(b), meta(b)
    line = refused(laptop(cli, b, "sync", "import", str(bundle)))
    first = header_of(bundle)["ranges"][replica]["first"]
    assert line == (
        f"svcdesk: error: {bundle} starts replica {code}'s operations at {shown(first)}, but "
        f"this database holds them only up to {shown(behind['b_held'])}: export again with "
        f"--since {since_for(behind['b_held'])} (or without --since); nothing was imported"
    )
    assert data(a) == before_a and data(b) == before_b
    after = meta(b)  # only the note of what the bundle showed, never synced
    assert {k: v for k, v in after.items() if k != "bundle.seen"} == meta_b
    # the --since it names is enough
    again = behind["bundle"].with_name("again.svcbundle")
    ok(laptop(cli, a, "sync", "export", str(again), "--since", since_for(behind["b_held"])))
    ok(laptop(cli, b, "sync", "import", str(again)))
    assert stamps(b)[replica] == stamps(a)[replica]


def test_the_header_states_what_the_bundle_carries_of_each_replica(
    cli: Any, behind: dict[str, Any]
) -> None:
    replica = behind["a_info"]["replica_id"]
    header = header_of(behind["bundle"])
    held = stamps(behind["a"])[replica]
    cut_ms = clock.to_epoch(clock.parse_instant(behind["cut"])) * 1000
    carried = [s for s in held if s > f"{cut_ms:013d}"]
    before = held[len(held) - len(carried) - 1]
    assert header["ranges"] == {replica: {"first": carried[0], "last": carried[-1],
                                          "count": len(carried), "previous": before}}  # fmt: skip
    assert header["version_vector"] == {replica: held[-1]}
    assert header["codes"] == {replica: behind["a_info"]["replica_code"]}
    full = behind["bundle"].with_name("full.svcbundle")
    ok(laptop(cli, behind["a"], "sync", "export", str(full)))
    assert header_of(full)["ranges"][replica]["previous"] is None


def test_a_full_export_imports_where_the_since_one_was_refused(
    cli: Any, behind: dict[str, Any]
) -> None:
    a, b = behind["a"], behind["b"]
    refused(laptop(cli, b, "sync", "import", str(behind["bundle"])))
    full = behind["bundle"].with_name("full.svcbundle")
    ok(laptop(cli, a, "sync", "export", str(full)))
    r = ok(laptop(cli, b, "sync", "import", str(full)))
    assert " 3 new of " in r.stderr  # the ticket, its opening event, the comment
    assert stamps(b) == stamps(a)
    shows = [ok(laptop(cli, p, "ticket", "show", behind["ref"], "-f", "json")).json()
             for p in (a, b)]  # fmt: skip
    assert shows[0] == shows[1]
    r = ok(laptop(cli, b, "sync", str(a), "-f", "json"))
    assert (r.json()["pushed"], r.json()["pulled"]) == (0, 0)


def test_the_refused_bundle_imports_once_the_receiver_has_caught_up(
    cli: Any, tmp_path: Path, wall: WallClock
) -> None:
    """Caught up by another bundle that reaches as far as the refused one starts."""
    a, b = make(cli, tmp_path, "a", "b")
    ok(laptop(cli, a, "site", "add", "BJ-HD", "--name", "Haidian"))
    ok(laptop(cli, b, "sync", str(a)))
    wall.advance(DAY)
    t = ok(laptop(cli, a, "ticket", "open", "--site", "BJ-HD", "--title", "DVR down", "-f", "json"))
    middle = tmp_path / "middle.svcbundle"
    ok(laptop(cli, a, "sync", "export", str(middle), "--since", wall.iso(wall.ms - HOUR)))
    wall.advance(DAY)
    cut = wall.iso()
    wall.advance(HOUR)
    ok(laptop(cli, a, "ticket", "assign", t.json()["ref"], "Li Wei"))
    late = tmp_path / "late.svcbundle"
    ok(laptop(cli, a, "sync", "export", str(late), "--since", cut))
    before = data(b)
    refused(laptop(cli, b, "sync", "import", str(late)))
    assert data(b) == before
    ok(laptop(cli, b, "sync", "import", str(middle)))
    r = ok(laptop(cli, b, "sync", "import", str(late)))
    assert " 2 new of 2 " in r.stderr  # the assignee and its event
    assert stamps(b) == stamps(a)
    shown_b = ok(laptop(cli, b, "ticket", "show", t.json()["ref"], "-f", "json")).json()
    assert shown_b["assignee"] == "Li Wei"


def test_a_third_replicas_operations_relayed_through_a_second(
    cli: Any, tmp_path: Path, wall: WallClock
) -> None:
    """c works, syncs with b; b carries c's later work to a. Where c is unknown the bundle is
    refused (it leaves out c's beginning); once a holds c's earlier work, it applies."""
    a, b, c = make(cli, tmp_path, "a", "b", "c")
    c_info = info(cli, c)
    ok(laptop(cli, c, "site", "add", "SH-PD", "--name", "Pudong"))
    t = ok(laptop(cli, c, "ticket", "open", "--site", "SH-PD", "--title", "LED dark", "-f", "json"))
    earlier = tmp_path / "earlier.svcbundle"
    ok(laptop(cli, c, "sync", "export", str(earlier)))
    ok(laptop(cli, b, "sync", str(c)))
    wall.advance(DAY)
    cut = wall.iso()
    wall.advance(HOUR)
    ok(laptop(cli, c, "ticket", "comment", t.json()["ref"], "on site tomorrow"))
    ok(laptop(cli, b, "sync", str(c)))
    relay = tmp_path / "relay.svcbundle"
    ok(laptop(cli, b, "sync", "export", str(relay), "--since", cut))
    assert header_of(relay)["codes"][c_info["replica_id"]] == c_info["replica_code"]
    before = data(a)
    line = refused(laptop(cli, a, "sync", "import", str(relay)))
    assert f"starts replica {c_info['replica_code']}'s operations at " in line
    assert line.endswith("this database holds none of them: export again without --since; "
                         "nothing was imported")  # fmt: skip
    assert data(a) == before
    ok(laptop(cli, a, "sync", "import", str(earlier)))
    r = ok(laptop(cli, a, "sync", "import", str(relay)))
    assert " 1 new of 1 " in r.stderr
    assert stamps(a)[c_info["replica_id"]] == stamps(c)[c_info["replica_id"]]
    events = ok(laptop(cli, a, "ticket", "show", t.json()["ref"], "-f", "json")).json()["events"]
    assert [e["kind"] for e in events] == ["opened", "comment"]


def test_a_bundle_that_leaves_out_a_replica_the_receiver_lacks_is_refused(
    cli: Any, tmp_path: Path, wall: WallClock
) -> None:
    """b's later work refers to c's site; a, which never saw c, would get it without the site."""
    a, b, c = make(cli, tmp_path, "a", "b", "c")
    c_info = info(cli, c)
    ok(laptop(cli, c, "site", "add", "SH-PD", "--name", "Pudong"))
    ok(laptop(cli, c, "asset", "add", "--site", "SH-PD", "--kind", "server", "--serial", "S-1"))
    ok(laptop(cli, b, "sync", str(c)))
    wall.advance(DAY)
    cut = wall.iso()
    wall.advance(HOUR)
    ok(laptop(cli, b, "ticket", "open", "--site", "SH-PD", "--title", "LED dark"))
    bundle = tmp_path / "b.svcbundle"
    ok(laptop(cli, b, "sync", "export", str(bundle), "--since", cut))
    before = data(a)
    line = refused(laptop(cli, a, "sync", "import", str(bundle)))
    assert f"leaves out replica {c_info['replica_code']}'s operations up to " in line
    assert "export again without --since" in line
    assert data(a) == before


# -- what this replica knows it lacks ---------------------------------------------------------


def test_status_reports_a_replica_a_refused_bundle_showed_to_hold_more(
    cli: Any, behind: dict[str, Any]
) -> None:
    a, b, bundle = behind["a"], behind["b"], behind["bundle"]
    code, replica = behind["a_info"]["replica_code"], behind["a_info"]["replica_id"]
    refused(laptop(cli, b, "sync", "import", str(bundle)))
    ok(laptop(cli, b, "sync", "remote", "add", "office", str(a)))
    r = ok(laptop(cli, b, "sync", "status", "-f", "json"))
    rows = r.json()
    remote, from_bundle = rows
    assert {"name", "remote", "default", "last_sync", "not_pushed"} <= remote.keys()
    assert (remote["name"], remote["kind"], remote["lacking"]) == ("office", "remote", [])
    assert (from_bundle["kind"], from_bundle["name"]) == ("bundle", code)
    assert from_bundle["remote"] == str(bundle.resolve())
    newest_a = newest(a, replica)
    (lack,) = from_bundle["lacking"]
    at = clock.from_epoch(int(newest_a[:13]) // 1000)
    held = clock.from_epoch(int(behind["b_held"][:13]) // 1000)
    assert at is not None and held is not None
    assert lack == {"replica": replica, "code": code, "newest": at.isoformat(),
                    "newest_stamp": newest_a, "held": held.isoformat(),
                    "seen_in": f"bundle {bundle.resolve()} from {code}"}  # fmt: skip
    assert lack["newest"].endswith("+08:00")  # the display zone
    plain = ok(laptop(cli, b, "sync", "status"))
    (line,) = [x for x in plain.stderr.splitlines() if x.startswith(f"replica {code} ")]
    assert f"has operations up to {shown(newest_a)} that this database lacks" in line
    assert f"--since {since_for(behind['b_held'])}" in line
    # once b has them, nothing is reported
    ok(laptop(cli, b, "sync", "office"))
    r = ok(laptop(cli, b, "sync", "status", "-f", "json"))
    assert [(s["name"], s["lacking"]) for s in r.json()] == [("office", [])]
    assert "lacks" not in r.stderr


def test_status_reports_operations_a_remote_held_that_were_held_back(
    cli: Any, tmp_path: Path, wall: WallClock
) -> None:
    """c's clock runs two days fast: a sync holds its work back, and status says whose."""
    a, c = make(cli, tmp_path, "a", "c")
    c_info = info(cli, c)
    ok(laptop(cli, a, "sync", "remote", "add", "c", str(c)))
    wall.advance(2 * DAY)
    ok(laptop(cli, c, "site", "add", "SH-PD", "--name", "Pudong"))
    wall.advance(-2 * DAY)
    ok(laptop(cli, a, "sync", "c"))
    (row,) = ok(laptop(cli, a, "sync", "status", "-f", "json")).json()
    assert [(x["replica"], x["seen_in"]) for x in row["lacking"]] == [
        (c_info["replica_id"], "remote c")
    ]


# -- bundles from before, and bundles nobody exported -----------------------------------------


def test_a_0_1_0_bundle_imports_as_from_the_beginning_and_its_replica_keeps_its_name(
    cli: Any, tmp_path: Path, wall: WallClock
) -> None:
    old = FIXTURES / "svcdesk-0.1.0-demo.svcbundle"
    assert "ranges" not in header_of(old)
    b, c, d = make(cli, tmp_path, "b", "c", "d")
    for p in (b, c):
        r = ok(laptop(cli, p, "sync", "import", str(old)))
        assert " 3062 new of 3062 " in r.stderr
    assert ok(laptop(cli, b, "sync", "status", "-f", "json")).json() == []
    wall.advance(DAY)
    cut = wall.iso()
    wall.advance(HOUR)
    ok(laptop(cli, b, "site", "add", "ZZ-QA", "--name", "Somewhere new"))
    bundle = tmp_path / "b.svcbundle"
    ok(laptop(cli, b, "sync", "export", str(bundle), "--since", cut))
    r = ok(laptop(cli, c, "sync", "import", str(bundle)))
    assert " 1 new of 1 " in r.stderr
    line = refused(laptop(cli, d, "sync", "import", str(bundle)))
    newest_old = newest(b, header_of(old)["replica_id"])
    assert f"leaves out replica FWYB's operations up to {shown(newest_old)}, " in line


def test_a_crafted_bundle_whose_operations_refer_to_missing_rows_gets_one_line(
    cli: Any, tmp_path: Path
) -> None:
    a, b = make(cli, tmp_path, "a", "b")
    ok(laptop(cli, a, "site", "add", "BJ-HD", "--name", "Haidian"))
    t = ok(laptop(cli, a, "ticket", "open", "--site", "BJ-HD", "--title", "DVR", "-f", "json"))
    ok(laptop(cli, a, "ticket", "comment", t.json()["ref"], "a comment"))
    with sqlite3.connect(a) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM changelog ORDER BY stamp DESC LIMIT 1").fetchone()
    crafted = tmp_path / "crafted.svcbundle"
    write_bundle(crafted, schema_version=1, replica_id="e" * 32, replica_code="EVIL",
                 created_at="2026-11-01T00:00:00+00:00", ops=[dict(row)])  # fmt: skip
    before = data(b)
    line = refused(laptop(cli, b, "sync", "import", str(crafted)))
    assert "refers to a record this database does not have" in line
    assert data(b) == before


def test_a_header_stating_other_ranges_than_it_carries_is_refused(
    cli: Any, behind: dict[str, Any]
) -> None:
    bundle, replica = behind["bundle"], behind["a_info"]["replica_id"]
    lines = gzip.decompress(bundle.read_bytes()).splitlines(keepends=True)
    header = orjson.loads(lines[0])
    header["ranges"][replica]["previous"] = None  # "from the beginning": it is not
    header["ranges"][replica]["count"] += 1
    lines[0] = orjson.dumps(header) + b"\n"
    body = lines[:-1]
    end = {
        "end": True,
        "count": len(body) - 1,
        "sha256": hashlib.sha256(b"".join(body)).hexdigest(),
    }
    bundle.write_bytes(gzip.compress(b"".join([*body, orjson.dumps(end) + b"\n"])))
    before = data(behind["b"])
    line = refused(laptop(cli, behind["b"], "sync", "import", str(bundle)))
    assert "the ranges it states are not the operations it holds" in line
    assert data(behind["b"]) == before


# -- any work, any bundles, any syncs ---------------------------------------------------------

ACTIONS = ["open", "open", "comment", "comment", "export", "export", "import", "import",
           "import", "sync", "wait"]  # fmt: skip
steps = st.lists(
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 2), st.integers(-1, 12)),
    min_size=4,
    max_size=16,
)


def assert_prefixes(paths: list[Path]) -> None:
    """Each replica holds each origin's operations as a prefix of what that origin wrote."""
    held = [stamps(p) for p in paths]
    own = {}
    for mine in held:
        for replica, ops in mine.items():
            if len(ops) > len(own.get(replica, [])):
                own[replica] = ops
    for i, mine in enumerate(held):
        for replica, ops in mine.items():
            assert ops == own[replica][: len(ops)], (i, replica)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=steps)
@example(script=[("open", 0, 0), ("open", 0, 0), ("export", 0, 1), ("import", 0, 0)])  # a gap
@example(script=[("open", 0, 0), ("comment", 0, 0), ("export", 0, 1), ("import", 0, 0)])  # FK
def test_bundles_with_any_since_never_leave_a_gap(
    cli: Any, tmp_path_factory: pytest.TempPathFactory, wall: WallClock, script: list[Any]
) -> None:
    folder = tmp_path_factory.mktemp("gaps")
    paths = make(cli, folder, "r0", "r1", "r2")
    ok(laptop(cli, paths[0], "site", "add", "BJ-HD", "--name", "Haidian"))
    ok(laptop(cli, paths[1], "sync", str(paths[0])))
    moments = [wall.ms]  # the instants a --since may name: each step's start
    bundles: list[tuple[int, Path]] = []
    for step, (action, who, which) in enumerate(script):
        wall.advance(HOUR)
        moments.append(wall.ms)
        path = paths[who]
        if action == "wait":
            wall.advance((which % 3) * DAY)
        elif action == "open":
            sites = ok(laptop(cli, path, "site", "list", "-f", "json")).json()
            if sites:
                ok(laptop(cli, path, "ticket", "open", "--site", sites[0]["code"],
                          "--title", f"fault {step}"))  # fmt: skip
        elif action == "comment":
            listed = ok(laptop(cli, path, "ticket", "list", "--status", "all", "-f", "json"))
            if listed.json():
                ref = listed.json()[which % len(listed.json())]["ref"]
                ok(laptop(cli, path, "ticket", "comment", ref, f"note {step}"))
        elif action == "export":  # with a --since some steps back, or (-1) without
            bundle = folder / f"b{step}.svcbundle"
            since = [] if which < 0 else ["--since", wall.iso(moments[-1 - which % len(moments)])]
            ok(laptop(cli, path, "sync", "export", str(bundle), *since))
            bundles.append((who, bundle))
        elif action == "import" and bundles:  # a recent bundle, on one of the other replicas
            exporter, bundle = bundles[-1 - which % len(bundles)]
            path = paths[(exporter + 1 + who % 2) % 3]
            before = data(path)
            r = laptop(cli, path, "sync", "import", str(bundle))
            if r.exit_code:
                line = refused(r)
                assert "export again with" in line or "export again without" in line, line
                assert data(path) == before
                event("an import refused")
            else:
                event("an import applied" if " 0 new of " not in r.stderr else "nothing new")
        elif action == "sync" and which % 3 != who:
            ok(laptop(cli, path, "sync", str(paths[which % 3])))
        assert_prefixes(paths)
    for _ in range(2):  # everyone syncs with everyone: then every replica holds every operation
        for i in range(3):
            ok(laptop(cli, paths[i], "sync", str(paths[(i + 1) % 3])))
    held = [stamps(p) for p in paths]
    assert held[0] == held[1] == held[2]
    with sqlite3.connect(paths[0]) as conn:
        total = conn.execute("SELECT count(*) FROM changelog").fetchone()[0]
    assert total == sum(len(ops) for ops in held[0].values())
