"""A record's ref as shown, without its replica code (`V1`, `I1`, `K1`, `A1`, a ticket's bare
number), names this replica's record, in any case, for every kind of record and wherever a
record is named; another replica's record needs its full ref, and ambiguity is still an error."""

from __future__ import annotations

import os

import pytest
from support import complete

from svcdesk import ids


@pytest.fixture
def codes(monkeypatch):
    """Replica codes handed out in this order (a fresh file takes the next one)."""

    def use(*given: str) -> None:
        it = iter(given)
        monkeypatch.setattr(ids, "new_replica_code", lambda length=4: next(it))

    return use


def on(cli, db, *args, code: int = 0):
    got = cli("--db", str(db), *args)
    assert got.exit_code == code, got.stderr
    return got


def laptop(cli, db) -> dict[str, str]:
    """A laptop holding one record of each kind; their refs."""
    on(cli, db, "init")
    on(cli, db, "site", "add", "BJ-HD", "--name", "Haidian")
    refs = {
        "ticket": on(cli, db, "ticket", "open", "--site", "BJ-HD", "--title", "Printer jams",
                     "-f", "json").json()["ref"],
        "asset": on(cli, db, "asset", "add", "--site", "BJ-HD", "--kind", "server",
                    "--serial", "SN-100", "-f", "json").json()["ref"],
        "visit": on(cli, db, "visit", "start", "--site", "BJ-HD", "-f", "json").json()["ref"],
        "article": on(cli, db, "kb", "add", "--title", "Paper jams", "-f", "json").json()["ref"],
    }  # fmt: skip
    results = db.parent / f"{db.stem}-results.toml"
    results.write_text('servers = "ok"\n', encoding="utf-8")
    refs["inspection"] = on(cli, db, "inspect", "record", "--site", "BJ-HD", "--results",
                            str(results), "-f", "json").json()["ref"]  # fmt: skip
    return refs


SHOW = {
    "ticket": ("ticket", "show"),
    "asset": ("asset", "show"),
    "visit": ("visit", "show"),
    "inspection": ("inspect", "show"),
    "article": ("kb", "show"),
}


def short(ref: str) -> str:
    return ref.split("-", 1)[1]


def test_each_kind_is_named_by_its_ref_without_the_replica_code(cli, tmp_path, codes):
    codes("KQ7M")
    db = tmp_path / "a.db"
    refs = laptop(cli, db)
    assert {k: short(r) for k, r in refs.items()} == {
        "ticket": "1", "asset": "A1", "visit": "V1", "article": "K1", "inspection": "I1"}
    for kind, ref in refs.items():
        for typed in (short(ref), short(ref).lower(), f" {short(ref)} ", ref.lower()):
            got = on(cli, db, *SHOW[kind], typed, "-f", "json").json()
            assert got["ref"] == ref, (kind, typed)


def test_the_commands_the_issue_named_take_short_refs(cli, tmp_path, codes):
    codes("KQ7M")
    db = tmp_path / "a.db"
    refs = laptop(cli, db)
    ended = on(cli, db, "visit", "end", "V1", "--summary", "Cleaned the printer", "-f", "json")
    assert ended.json()["ref"] == refs["visit"] and ended.json()["ended_at"]
    report = on(cli, db, "report", "inspection", "i1", "--lang", "en").stdout
    assert refs["inspection"] in report
    assert on(cli, db, "kb", "show", "K1", "-f", "json").json()["ref"] == refs["article"]
    assert on(cli, db, "warranty", "check", "a1", "-f", "json").json()["asset"] in (
        refs["asset"], "SN-100")
    opened = on(cli, db, "ticket", "open", "--site", "BJ-HD", "--title", "Screen dark",
                "--asset", "A1", "-f", "json").json()  # fmt: skip
    assert short(opened["ref"]) == "2"
    on(cli, db, "ticket", "comment", "2", "on it")


def test_another_replicas_records_need_their_full_ref(cli, tmp_path, codes):
    codes("KQ7M", "P3ZX")
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    theirs = laptop(cli, a)
    on(cli, b, "init")
    on(cli, b, "sync", str(a))
    for kind, ref in theirs.items():
        typed = short(ref)
        missed = on(cli, b, *SHOW[kind], typed, code=1)
        assert missed.stderr.count("\n") == 1 and "Traceback" not in missed.stderr
        assert f"matches {typed!r}" in missed.stderr
        assert on(cli, b, *SHOW[kind], ref, "-f", "json").json()["ref"] == ref
    # b's own V1 is b's, not a's
    mine = on(cli, b, "visit", "start", "--site", "BJ-HD", "-f", "json").json()["ref"]
    assert mine == "P3ZX-V1"
    assert on(cli, b, "visit", "show", "v1", "-f", "json").json()["ref"] == "P3ZX-V1"
    assert on(cli, b, "visit", "show", "KQ7M-V1", "-f", "json").json()["ref"] == "KQ7M-V1"


def test_ambiguity_is_still_reported(cli, tmp_path, codes):
    # two other replicas whose codes start with V1: on a third with no visit of its own, "V1"
    # is a prefix of both their refs, and neither is chosen
    codes("V1AB", "V1CD", "P3ZX")
    a, c, b = (tmp_path / f"{n}.db" for n in "acb")
    for db in (a, c):
        on(cli, db, "init")
        on(cli, db, "site", "add", "BJ-HD", "--name", "Haidian")
        on(cli, db, "visit", "start", "--site", "BJ-HD")
    on(cli, b, "init")
    on(cli, b, "sync", str(a))
    on(cli, b, "sync", str(c))
    got = on(cli, b, "visit", "show", "V1", code=1)
    assert "ambiguous" in got.stderr and "V1AB-V1" in got.stderr and "V1CD-V1" in got.stderr
    assert got.stderr.count("\n") == 1
    # once b has its own V1, V1 is b's (this replica's refs come before prefixes)
    on(cli, b, "visit", "start", "--site", "BJ-HD")
    assert on(cli, b, "visit", "show", "V1", "-f", "json").json()["ref"] == "P3ZX-V1"
    # a prefix of two refs of this replica is ambiguous as ever
    on(cli, b, "visit", "start", "--site", "BJ-HD")
    got = on(cli, b, "visit", "show", "P3ZX-V", code=1)
    assert "ambiguous" in got.stderr and "P3ZX-V1, P3ZX-V2" in got.stderr


@pytest.mark.parametrize("typed", ["V", "V1V", "VV1", "V-1", "V1.5", "V١", "V" + "9" * 5000])
def test_what_is_not_a_short_ref_is_no_match_not_an_error(cli, tmp_path, codes, typed):
    codes("KQ7M")
    db = tmp_path / "a.db"
    on(cli, db, "init")
    got = on(cli, db, "visit", "show", typed, code=1)
    assert got.stderr.count("\n") == 1 and "internal error" not in got.stderr


def test_the_rule_itself():
    from svcdesk.store.refs import local_ref

    assert local_ref("v12", "KQ7M-V%d") == "KQ7M-V12"
    assert local_ref("12", "KQ7M-V%d") == "KQ7M-V12"
    assert local_ref("007", "KQ7M-%d") == "KQ7M-7"
    assert local_ref("A3", "KQ7M-%d") is None  # a ticket's short ref is its number
    assert local_ref("K3", "KQ7M-V%d") is None
    assert local_ref("", "KQ7M-V%d") is None


def test_tab_completes_short_refs_in_the_form_typed(cli, tmp_path, codes):
    codes("KQ7M")
    db = tmp_path / "a.db"
    laptop(cli, db)
    for n in range(2, 12):
        on(cli, db, "asset", "add", "--site", "BJ-HD", "--kind", "server", "--serial", f"SN-{n}")
    got = complete(str(db), "svcdesk asset show a1")
    assert got[:3] == ["a1", "a10", "a11"]
    assert "1" in complete(str(db), "svcdesk ticket show 1")
    assert os.path.exists(db)
