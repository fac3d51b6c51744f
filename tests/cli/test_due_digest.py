"""`svcdesk due` reminds the desk of the operators' FAQ digest ("定时整理常见问题,并主动推送给基层
操作人员"): due the policy's `[digest] every` after the last push (after the first FAQ article
when none was pushed), listed while FAQ articles wait for it; a push on one laptop clears it on
every laptop it syncs with."""

from __future__ import annotations

import pytest
from support import replicas

KEYS = ["kind", "site", "ticket", "what", "due_at", "state", "seconds_left"]
DAY = 86_400


def ok(r):
    assert r.exit_code == 0, r.stderr
    return r


def due(cli, *args: str) -> list[dict]:
    return ok(cli("due", *args, "-f", "json")).json()


def digests(cli, *args: str) -> list[dict]:
    return [i for i in due(cli, *args) if i["kind"] == "digest"]


def faq(cli, title: str, at: str, kind: str = "faq") -> None:
    ok(cli("kb", "add", "--title", title, "--kind", kind, "--at", at))


@pytest.fixture
def desk(cli) -> None:
    ok(cli("init"))
    ok(cli("site", "add", "BJ-HD", "--name", "Haidian"))


def test_no_faq_no_digest_owed(cli, desk):
    assert digests(cli) == []
    faq(cli, "LED 屏模组不亮", "2026-08-01T09:00", kind="case")  # a case is no FAQ
    assert digests(cli, "--within", "365d") == []


def test_the_first_digest_is_due_every_after_the_first_faq(cli, desk):
    # the clock is 2026-10-14 10:00; 30 days after 2026-09-10 09:00 is 2026-10-10 09:00
    faq(cli, "叫号机卡纸", "2026-09-10T09:00")
    faq(cli, "显示器黑屏", "2026-10-01T09:00")
    items = due(cli)
    mine = [i for i in items if i["kind"] == "digest"]
    assert mine == [{
        "kind": "digest", "site": None, "ticket": None,
        "what": "FAQ digest for the operators (never pushed; 2 FAQ articles so far)",
        "due_at": "2026-10-10T09:00:00+08:00", "state": "overdue",
        "seconds_left": -(4 * DAY + 3600),
    }]  # fmt: skip
    assert all(list(i) == KEYS for i in items)
    r = cli("due", "--check", "-q")
    assert (r.exit_code, r.stdout) == (3, "")
    table = ok(cli("due")).stdout
    assert "digest" in table and "FAQ digest for the operators" in table


def test_due_soon_within_a_week_and_within_sets_the_window(cli, desk):
    faq(cli, "叫号机卡纸", "2026-09-20T10:00")  # due 2026-10-20 10:00: in 6 days
    [item] = digests(cli)
    assert (item["state"], item["seconds_left"]) == ("due_soon", 6 * DAY)
    assert digests(cli, "--within", "5d") == []
    assert digests(cli, "--within", "6d")[0]["due_at"] == "2026-10-20T10:00:00+08:00"


def test_a_digest_further_off_than_a_week_is_not_listed(cli, desk):
    faq(cli, "叫号机卡纸", "2026-09-30T10:00")  # due 2026-10-30: 16 days off
    assert digests(cli) == []
    assert len(digests(cli, "--within", "16d")) == 1


def test_a_push_clears_it_and_new_faq_bring_it_back_every_after_the_push(cli, desk):
    faq(cli, "叫号机卡纸", "2026-08-01T09:00")
    assert digests(cli)[0]["state"] == "overdue"
    ok(cli("kb", "digest", "--push", "--since", "2026-08-01", "--at", "2026-09-10T09:00"))
    assert digests(cli, "--within", "365d") == []  # nothing waits for the next one
    faq(cli, "显示器黑屏", "2026-09-20T09:00")
    [item] = digests(cli)
    assert item == {
        "kind": "digest", "site": None, "ticket": None,
        "what": "FAQ digest for the operators (last pushed 2026-09-10; 1 FAQ article new or "
                "updated since)",
        "due_at": "2026-10-10T09:00:00+08:00", "state": "overdue",
        "seconds_left": -(4 * DAY + 3600),
    }  # fmt: skip
    # an edit counts as much as a new article
    ok(cli("kb", "digest", "--push", "--at", "2026-10-12T09:00"))
    assert digests(cli, "--within", "365d") == []
    ok(cli("kb", "edit", "1", "--title", "叫号机打印卡纸", "--at", "2026-10-13T09:00"))
    assert digests(cli) == []  # due 30 days after the push: not within the week
    [item] = digests(cli, "--within", "30d")
    assert item["what"].endswith("(last pushed 2026-10-12; 1 FAQ article new or updated since)")
    assert (item["due_at"], item["state"]) == ("2026-11-11T09:00:00+08:00", "due_soon")


def test_the_policy_says_how_often(cli, desk, tmp_path):
    from svcdesk.resources import default_policy_text

    policy = tmp_path / "p.toml"
    policy.write_text(default_policy_text() + '\n[digest]\nevery = "14d"\n', encoding="utf-8")
    ok(cli("sla", "policy", "load", str(policy), "--at", "2026-09-01T00:00"))
    faq(cli, "叫号机卡纸", "2026-10-01T10:00")
    assert digests(cli)[0]["due_at"] == "2026-10-15T10:00:00+08:00"
    # and the digest's default period is that long too
    assert "**汇编期间**：2026年9月30日 至 2026年10月14日" in ok(cli("kb", "digest")).stdout


def test_site_and_engineer_leave_the_digest_out(cli, desk):
    faq(cli, "叫号机卡纸", "2026-08-01T09:00")
    assert len(digests(cli)) == 1
    assert digests(cli, "--site", "BJ-HD") == []
    assert digests(cli, "--engineer", "Li Wei") == []


def test_a_push_on_one_laptop_clears_the_digest_on_the_other(tmp_path):
    from svcdesk.services import digest, due, kb, reports, sync

    a, b = replicas(tmp_path, 2)
    kb.add_article(a, title="叫号机卡纸", at="2026-08-01T09:00")
    sync.sync(a, str(b.path))
    for db in (a, b):
        assert [i["kind"] for i in due.board(db)] == ["digest"]
    req = reports.request(b, fmt="md")
    _, pushed = digest.push(b, req, since="2026-08-01", at="2026-10-12T09:00")
    assert pushed["articles"] == 1
    assert list(due.board(b)) == []
    sync.sync(b, str(a.path))
    assert list(due.board(a)) == []
    for db in (a, b):  # the push itself, whole, on both
        assert [(p["id"], p["articles"], p["pushed_by"]) for p in digest.pushes(db)] == [
            (pushed["id"], 1, "tester")]
    # the next FAQ on the first laptop: the next digest counts from the push made on the other
    kb.add_article(a, title="显示器黑屏", at="2026-10-13T09:00")
    sync.sync(a, str(b.path))
    for db in (a, b):
        assert list(due.board(db, within="30d"))[0]["what"] == (
            "FAQ digest for the operators (last pushed 2026-10-12; 1 FAQ article new or updated "
            "since)")
