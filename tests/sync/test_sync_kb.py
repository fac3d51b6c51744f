"""Articles sync per field between laptops and a PostgreSQL hub; the search index is derived on
each replica (never synced) and gives the same results everywhere; two laptops editing one
body keep both versions: the loser is listed by `sync conflicts` and `sync keep` brings it
back."""

from __future__ import annotations

import pytest
from support import replicas

from svcdesk.services import kb, sync
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database
from svcdesk.store import admin
from svcdesk.store import kb as kb_store
from svcdesk.store.db import Database

INDEX = ("kb_doc", "kb_token")
QUERIES = ("打印", "卡纸", "叫号机 打印", "卡", "dvr", "DVR disk", "硬盘", "服务器", "raid",
           "queue machine", "3.2", "屏", "数据库 表空间")  # fmt: skip


def rows(db: Database, *tables: str) -> dict[str, list]:
    with db.read() as conn:
        return {t: sorted(admin.dump(conn, t)) for t in tables}


def results(db: Database) -> dict[str, list]:
    """What every query finds: refs, scores, snippets and marks, in order, with the total."""
    out = {}
    for q in QUERIES:
        found = kb.search(db, q, limit=0)
        out[q] = [found["total"]] + [(h["ref"], h["score"], h["snippet"], h["marks"])
                                     for h in found["hits"]]  # fmt: skip
    return out


def demo(db: Database, *, half: int) -> list[str]:
    """Half of the demo's articles (0: the first six, 1: the others), with the upgrade version
    of those that have one."""
    articles = kb.demo_articles()
    mine = articles[:6] if half == 0 else articles[6:]
    return [kb.add_article(db, **a)["ref"] for a in mine]


def test_two_laptops_add_articles_and_search_alike(tmp_path):
    a, b = replicas(tmp_path, 2)
    demo(a, half=0)
    demo(b, half=1)
    sync.sync(a, str(b.path))
    sync.sync(b, str(a.path))
    assert rows(a, "article") == rows(b, "article")
    assert len(rows(a, "article")["article"]) == 12
    assert results(a) == results(b)
    assert results(a)["卡纸"][0] >= 1 and results(a)["dvr"][0] >= 2
    for db in (a, b):  # the articles the index counts (its N) are the articles there are
        with db.read() as conn:
            assert kb_store.indexed(conn) == 12
    # the index is each replica's own, derived alike: never in the change log
    with a.read() as conn:
        logged = {t for (t,) in conn.execute("SELECT DISTINCT tbl FROM changelog").all()}
    assert not logged & set(INDEX)
    assert sync.conflicts(a) == sync.conflicts(b) == []


def test_an_edit_on_one_laptop_is_searchable_on_the_other_after_a_sync(tmp_path):
    a, b = replicas(tmp_path, 2)
    ref = kb.add_article(a, title="叫号机不出票", body="检查打印机。")["ref"]
    sync.sync(a, str(b.path))
    assert [h["ref"] for h in kb.search(b, "打印机")["hits"]] == [ref]
    kb.edit_article(a, ref, body="更换热敏纸卷。", tags=["热敏纸"])
    sync.sync(a, str(b.path))
    for db in (a, b):
        assert kb.search(db, "打印机")["hits"] == []
        assert [h["ref"] for h in kb.search(db, "纸卷")["hits"]] == [ref]
        assert [h["ref"] for h in kb.search(db, "热敏纸")["hits"]] == [ref]
    assert rows(a, "article", *INDEX) == rows(b, "article", *INDEX)


def concurrent_bodies(tmp_path) -> tuple[Database, Database, str]:
    a, b = replicas(tmp_path, 2)
    ref = kb.add_article(a, title="LED 屏黑块", body="重新压紧排线。", tags=["led屏"])["ref"]
    sync.sync(a, str(b.path))
    kb.edit_article(a, ref, body="更换同批次模组，并校正亮度。", at="2026-10-14T09:00")
    kb.edit_article(b, ref, body="清洁接口，仍不亮再换接收卡。", tags=["接收卡"],
                    at="2026-10-14T09:30")  # fmt: skip
    sync.sync(a, str(b.path))
    return a, b, ref


def test_two_laptops_editing_one_body_keep_both_versions(tmp_path):
    a, b, ref = concurrent_bodies(tmp_path)
    shown = [kb.show_article(db, ref) for db in (a, b)]
    assert shown[0] == shown[1]
    assert shown[0]["body"] == "清洁接口，仍不亮再换接收卡。"  # b wrote last: the newer stamp
    assert shown[0]["tags"] == ["led屏", "接收卡"]
    lost = {(c["table"], c["ref"], c["field"]): (c["kept"], c["lost"]) for c in sync.conflicts(a)}
    assert lost[("article", ref, "body")] == (
        "清洁接口，仍不亮再换接收卡。", "更换同批次模组，并校正亮度。")  # fmt: skip
    assert sorted(map(str, sync.conflicts(b))) == sorted(map(str, sync.conflicts(a)))
    for db in (a, b):  # the index follows the body that stands, on both
        assert [h["ref"] for h in kb.search(db, "接收卡")["hits"]] == [ref]
        assert kb.search(db, "模组")["hits"] == []
    # keeping the lost body brings it back everywhere and settles the conflict
    stamp = next(c["lost_stamp"] for c in sync.conflicts(a) if c["field"] == "body")
    sync.keep(a, stamp)
    sync.sync(a, str(b.path))
    for db in (a, b):
        assert kb.show_article(db, ref)["body"] == "更换同批次模组，并校正亮度。"
        assert [c for c in sync.conflicts(db) if c["field"] == "body"] == []
    assert [h["ref"] for h in kb.search(b, "模组")["hits"]] == [ref]  # b derived it in the sync


def test_the_laptop_that_keeps_a_lost_body_searches_it_at_once(tmp_path):
    a, _, ref = concurrent_bodies(tmp_path)
    stamp = next(c["lost_stamp"] for c in sync.conflicts(a) if c["field"] == "body")
    sync.keep(a, stamp)
    assert [h["ref"] for h in kb.search(a, "模组")["hits"]] == [ref]


def test_a_bundle_carries_articles_and_the_index_is_derived_where_it_lands(tmp_path):
    a, b = replicas(tmp_path, 2)
    demo(a, half=0)
    bundle = tmp_path / "kb.svcbundle"
    sync.export(a, str(bundle))
    sync.import_(b, str(bundle))
    assert rows(a, "article", *INDEX) == rows(b, "article", *INDEX)
    assert results(a) == results(b)


@pytest.mark.pg
def test_a_postgresql_hub_holds_the_same_index_and_ranks_alike(tmp_path, pg_url):
    hub = open_database(pg_url, create=True)
    try:
        init(hub)
        a, b = replicas(tmp_path, 2)
        demo(a, half=0)
        demo(b, half=1)
        for n in range(30):  # ties and long posting lists: many articles of like text
            kb.add_article(a, title=f"打印机巡检 {n % 3}", body="检查打印机和叫号机的卡纸情况。"
                           * (n % 4 + 1) + f" printer check {n}")  # fmt: skip
        for db in (a, b, a):
            sync.sync(db, pg_url)
        kb.add_article(hub, title="Hub article: queue machine screen", body="Written on the hub.")
        for db in (a, b):
            sync.sync(db, pg_url)
        assert rows(a, "article", *INDEX) == rows(hub, "article", *INDEX)
        assert rows(b, "article", *INDEX) == rows(hub, "article", *INDEX)
        assert results(a) == results(hub) == results(b)
        assert results(hub)["打印"][0] > 30 and results(hub)["queue machine"][0] == 3
    finally:
        hub.close()
