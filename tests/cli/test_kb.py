"""The knowledge base as an engineer uses it: articles added from Markdown files with tags,
tickets and a version; edited; listed; searched in Chinese and English, ranked, with the match
highlighted on a terminal; every bad input refused in one line with nothing written."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.cli import kb as kb_cli

ARTICLE_FIELDS = {"id", "ref", "title", "kind", "tags", "tickets", "body", "updated_at"}
ANSI = re.compile(r"\x1b\[")
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def count(table: str) -> int:
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def ok(r):
    assert r.exit_code == 0, r.stderr
    return r


def add(cli, title: str, *args: str, body: str | None = None) -> dict:
    """An article added as `kb add` does it (its body from standard input)."""
    extra = ["--body", "-"] if body is not None else []
    return ok(cli("kb", "add", "--title", title, *extra, *args, "-f", "json", input=body)).json()


@pytest.fixture
def kb(cli) -> dict[str, dict]:
    """A few articles about the plan's equipment, in Chinese and English."""
    assert cli("init").exit_code == 0
    out = {}
    out["jam"] = add(cli, "叫号机打印卡纸的处理", "--tag", "叫号机", "--tag", "Printer",
                     body="打开前盖，取出卡住的纸张，重新装入热敏纸。")  # fmt: skip
    out["blank"] = add(cli, "出票空白", "--tag", "叫号机",
                       body="热敏纸装反时票面空白；翻转纸卷后重新打印测试页。")  # fmt: skip
    out["dvr"] = add(cli, "DVR keeps only three days of recordings", "--kind", "case",
                     "--tag", "DVR", body="A failed disk in the DVR: replace the disk, then "
                     "check the recording schedule.")  # fmt: skip
    out["led"] = add(cli, "LED 屏模组不亮", "--kind", "case", "--applies-to", "3.2",
                     body="接收卡排线松动，打印机无关。")  # fmt: skip
    return out


# --------------------------------------------------------------------------------------------
# Adding, showing, listing, editing


def test_an_article_has_the_shape_of_cli_md(cli, kb, ticket):
    jam = kb["jam"]
    assert jam.keys() >= ARTICLE_FIELDS
    assert re.fullmatch(r"[0-9A-Z]{4}-K1", jam["ref"])
    assert (jam["kind"], jam["tags"], jam["tickets"]) == ("faq", ["叫号机", "printer"], [])
    assert jam["body"] == "打开前盖，取出卡住的纸张，重新装入热敏纸。"
    assert jam["updated_at"] == jam["created_at"] and jam["updated_at"].endswith("+08:00")
    assert kb["led"]["applies_to"] == "3.2" and kb["led"]["ref"].endswith("-K4")
    for name in ("1", jam["ref"], jam["ref"].lower(), jam["id"][:13]):
        assert ok(cli("kb", "show", name, "-f", "json")).json() == jam, name
    linked = add(cli, "蓝屏", "--ticket", ticket["ref"], "--ticket", ticket["ref"])
    assert linked["tickets"] == [ticket["ref"]] and linked["body"] == ""


def test_db_info_counts_the_articles(cli, kb):
    assert ok(cli("db", "info", "-f", "json")).json()["article"] == 4


def test_show_in_a_pipe_gives_the_body_whole(cli, kb):
    out = ok(cli("kb", "show", kb["dvr"]["ref"])).stdout
    assert "DVR keeps only three days of recordings" in out
    assert "replace the disk, then check the recording schedule." in out
    assert "Applies to" in out and not ANSI.search(out)


def test_list_is_newest_first_and_filters_by_kind_and_tag_in_any_case(cli, kb):
    listed = ok(cli("kb", "list", "-f", "json")).json()
    assert [a["ref"] for a in listed] == [kb[k]["ref"] for k in ("led", "dvr", "blank", "jam")]
    assert [a["ref"] for a in ok(cli("kb", "list", "--kind", "case", "-f", "json")).json()] \
        == [kb["led"]["ref"], kb["dvr"]["ref"]]  # fmt: skip
    for tag in ("dvr", "DVR", "ＤＶＲ"):
        assert [a["ref"] for a in ok(cli("kb", "list", "--tag", tag, "-f", "json")).json()] \
            == [kb["dvr"]["ref"]]  # fmt: skip
    assert ok(cli("kb", "list", "--tag", "叫号机", "--kind", "case", "-f", "json")).json() == []
    plain = ok(cli("kb", "list")).stdout.splitlines()
    assert plain[0].split() == ["REF", "KIND", "TITLE", "TAGS", "UPDATED"]
    assert len(plain) == 5


def test_a_tag_no_article_has_is_said_so(cli, kb):
    r = cli("kb", "list", "--tag", "printr")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "svcdesk: error: no article has tag 'printr' (tags in use: dvr, printer, 叫号机)"]


def test_an_empty_list_in_csv_still_has_its_header(cli):
    assert cli("init").exit_code == 0
    rows = list(csv.reader(io.StringIO(ok(cli("kb", "list", "-f", "csv")).stdout)))
    assert rows == [list(kb_cli.ARTICLE_KEYS)]


def test_edit_changes_what_it_is_given(cli, kb, ticket, tmp_path):
    ref = kb["jam"]["ref"]
    new_body = tmp_path / "new.md"
    new_body.write_bytes("\ufeff## 处理\r\n先暂停取号。\r\n".encode())
    r = ok(cli("kb", "edit", "1", "--title", "叫号机卡纸", "--body", str(new_body), "--tag",
               "卡纸", "--untag", "PRINTER", "--ticket", ticket["ref"], "--version", "3.1",
               "--at", "2026-10-14T09:30", "-f", "json"))  # fmt: skip
    edited = r.json()
    assert edited["title"] == "叫号机卡纸"
    assert edited["body"] == "## 处理\n先暂停取号。\n"  # BOM dropped, LF line ends
    assert edited["tags"] == ["叫号机", "卡纸"]
    assert (edited["tickets"], edited["applies_to"]) == ([ticket["ref"]], "3.1")
    assert edited["updated_at"] == kb["jam"]["updated_at"]  # never before the last write
    cleared = ok(cli("kb", "edit", ref, "--applies-to", "", "--unlink", ticket["ref"],
                     "--kind", "case", "-f", "json")).json()  # fmt: skip
    assert (cleared["applies_to"], cleared["tickets"], cleared["kind"]) == (None, [], "case")
    before = count("changelog")
    same = cli("kb", "edit", ref, "--kind", "case", "-f", "json")
    assert same.exit_code == 0 and "nothing was changed" in same.stderr
    assert count("changelog") == before


def test_the_body_can_come_from_standard_input(cli, kb):
    r = ok(cli("kb", "add", "--title", "RAID 告警", "--body", "-", "-f", "json",
               input="## 现象\n硬盘指示灯橙色。\n"))  # fmt: skip
    assert r.json()["body"] == "## 现象\n硬盘指示灯橙色。\n"


# --------------------------------------------------------------------------------------------
# Bad input: one line, a usage or error exit, nothing written


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("kb", "add", "--title", "x", "--body", "{latin1}"), 2,
         "is not UTF-8 text (byte 0xe9 at offset 4); save it as UTF-8"),
        (("kb", "add", "--title", "x", "--body", "{missing}"), 2, "no such file"),
        (("kb", "add", "--title", "x", "--body", "{folder}"), 2, "is a folder"),
        (("kb", "add", "--title", "  "), 2, "an article needs a --title"),
        (("kb", "add", "--title", "two\nlines"), 2, "--title must be one line"),
        (("kb", "add", "--title", "x", "--kind", "howto"), 2, "unknown article kind 'howto'"),
        (("kb", "add", "--title", "x", "--tag", " "), 2, "a --tag must not be empty"),
        (("kb", "add", "--title", "x", "--ticket", "99"), 1, "no ticket matches '99'"),
        (("kb", "edit", "1"), 2, "nothing to change"),
        (("kb", "edit", "1", "--untag", "dvr"), 2, "has no tag 'dvr'"),
        (("kb", "edit", "1", "--tag", "a", "--untag", "A"), 2, "both added"),
        (("kb", "edit", "1", "--body", "{latin1}"), 2, "is not UTF-8 text"),
        (("kb", "edit", "9", "--title", "x"), 1, "no article matches '9'"),
        (("kb", "show", "ZZZZ"), 1, "no article matches 'ZZZZ'"),
        (("kb", "search", ""), 2, "an empty query finds nothing"),
        (("kb", "search", "  "), 2, "an empty query finds nothing"),
        (("kb", "search", "？！", "..."), 2, "has no word or character to search for"),
        (("kb", "search", "打印", "--limit", "-1"), 2, "--limit must be 0"),
        (("kb", "list", "--kind", "howto"), 2, "unknown article kind"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(cli, kb, tmp_path, args,
                                                                 code, says):  # fmt: skip
    (tmp_path / "latin1.md").write_bytes("cafe\u00e9t\u00e9".encode("latin-1"))  # été
    (tmp_path / "folder").mkdir()
    paths = {"latin1": tmp_path / "latin1.md", "missing": tmp_path / "nope.md",
             "folder": tmp_path / "folder"}  # fmt: skip
    argv = [a.format(**paths) if a.startswith("{") else a for a in args]
    before = (count("article"), count("changelog"), count("kb_token"))
    r = cli(*argv)
    assert r.exit_code == code, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert (count("article"), count("changelog"), count("kb_token")) == before


# --------------------------------------------------------------------------------------------
# Search


def refs(r) -> list[str]:
    return [h["ref"] for h in ok(r).json()]


def test_two_chinese_characters_find_the_articles_that_hold_them(cli, kb):
    assert refs(cli("kb", "search", "卡纸", "-f", "json")) == [kb["jam"]["ref"]]
    assert set(refs(cli("kb", "search", "热敏", "-f", "json"))) == {kb["jam"]["ref"],
                                                                    kb["blank"]["ref"]}
    assert set(refs(cli("kb", "search", "打印", "-f", "json"))) == {
        kb["jam"]["ref"], kb["blank"]["ref"], kb["led"]["ref"]}  # fmt: skip
    assert refs(cli("kb", "search", "纸卷", "-f", "json")) == [kb["blank"]["ref"]]
    assert refs(cli("kb", "search", "卡", "-f", "json"))[0] == kb["jam"]["ref"]  # one character
    assert refs(cli("kb", "search", "模组不亮", "-f", "json")) == [kb["led"]["ref"]]
    assert refs(cli("kb", "search", "硬盘", "-f", "json")) == []


def test_english_words_in_any_case_and_width_and_every_word_must_match(cli, kb):
    for q in (["disk"], ["DISK"], ["ｄｉｓｋ"], ["dvr", "schedule"], ["Recordings"]):
        assert refs(cli("kb", "search", *q, "-f", "json")) == [kb["dvr"]["ref"]], q
    assert refs(cli("kb", "search", "dvr", "打印", "-f", "json")) == []
    assert refs(cli("kb", "search", "dis", "-f", "json")) == []  # words are whole
    assert refs(cli("kb", "search", "printer", "-f", "json")) == [kb["jam"]["ref"]]  # its tag


def test_a_title_match_ranks_above_a_body_match(cli, kb):
    hits = ok(cli("kb", "search", "打印", "-f", "json")).json()
    assert hits[0]["ref"] == kb["jam"]["ref"]  # 打印 in its title
    assert hits[0]["score"] > hits[1]["score"] >= hits[2]["score"] > 0
    many = [add(cli, f"叫号机 {n}", "--tag", "x", body="叫号机打印机故障。" * (n + 1))["ref"]
            for n in range(3)]  # fmt: skip
    titled = add(cli, "故障排查", body="先看电源。")
    assert refs(cli("kb", "search", "故障", "-f", "json"))[0] == titled["ref"]
    assert set(refs(cli("kb", "search", "故障", "-f", "json"))[1:]) == set(many)


def test_rarer_terms_rank_higher(cli, kb, tmp_path):
    common = [add(cli, f"第{n}条", body="服务器日志。服务器重启。")["ref"] for n in range(4)]
    rare = add(cli, "第五条", body="服务器日志。内存告警。")["ref"]
    hits = refs(cli("kb", "search", "服务器", "告警", "-f", "json"))
    assert hits == [rare]
    hits = refs(cli("kb", "search", "日志", "告警", "-f", "json"))
    assert hits == [rare] and common


def test_the_best_are_shown_and_the_rest_counted(cli, kb):
    for n in range(5):
        add(cli, f"打印测试 {n}")
    r = ok(cli("kb", "search", "打印", "--limit", "3", "-f", "json"))
    assert len(r.json()) == 3
    assert r.stderr.strip() == "showing the best 3 of 8 matches; --limit 0 shows them all"
    assert len(ok(cli("kb", "search", "打印", "--limit", "0", "-f", "json")).json()) == 8
    r = ok(cli("kb", "search", "打印", "测试", "--limit", "2", "-f", "json"))
    assert len(r.json()) == 2 and "of 6 matches" in r.stderr  # with 重新打印测试页


def test_both_ways_of_matching_several_terms_rank_alike(cli, kb, monkeypatch):
    """By key from the rarest term (the usual plan) or summed per article (long queries, and
    those with a one-character term): the same hits, scores and totals."""
    from svcdesk.cli.common import get_db
    from svcdesk.services import kb as service
    from svcdesk.store import kb as store

    for n in range(12):  # ties, and terms of different rarity
        body = "检查打印机和热敏纸。" * (n % 4 + 1) + " disk" * (n % 2)
        add(cli, f"打印机巡检 {n % 3}", body=body)
    db = get_db()
    queries = ("叫号机 打印", "打印 热敏", "dvr disk", "打印机 巡检 disk", "热敏纸")
    for limit in (0, 3):
        joined = [service.search(db, q, limit=limit) for q in queries]
        monkeypatch.setattr(store, "_JOINED", 0)
        summed = [service.search(db, q, limit=limit) for q in queries]
        monkeypatch.undo()
        assert joined == summed
        assert [j["total"] for j in joined] == [2, 14, 1, 6, 14]


def test_results_in_a_pipe_carry_no_styling(cli, kb):
    plain = ok(cli("kb", "search", "卡纸"))
    assert plain.stdout.splitlines()[0].split() == ["REF", "KIND", "TITLE", "SNIPPET"]
    assert kb["jam"]["ref"] in plain.stdout and "取出卡住的纸张" in plain.stdout
    table = ok(cli("kb", "search", "卡纸", "-f", "table"))
    assert kb["jam"]["ref"] in table.stdout and "卡住" in table.stdout
    for r in (plain, table, ok(cli("kb", "search", "卡纸", "-f", "json"))):
        assert not ANSI.search(r.stdout)
    hit = ok(cli("kb", "search", "卡纸", "-f", "json")).json()[0]
    assert hit["snippet"] == "打开前盖，取出卡住的纸张，重新装入热敏纸。"
    marked = [hit["snippet"][s:e] for s, e in hit["marks"]["snippet"]]
    assert marked == [] and [hit["title"][s:e] for s, e in hit["marks"]["title"]] == ["卡纸"]
    assert "no article matches '硬盘'" in cli("kb", "search", "硬盘", "-f", "table").stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_every_match_is_highlighted_and_user_text_neutralised(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(kb_cli.sys, "stdout", _Terminal())
    hits = [{"ref": "KQ7M-K1", "title": "打印\x1b[31m卡纸", "kind": "faq", "tags": ["[bold]x"],
             "snippet": "…取出卡纸后再\x1b]8;;http://x\x07打印…",
             "marks": {"title": [[0, 2], [7, 9]], "snippet": [[3, 5], [21, 23]]}}]  # fmt: skip
    text = kb_cli._highlighted(hits)
    assert "\x1b[31m" not in text and "\x1b]8" not in text and "\x07" not in text
    assert "␛[31m" in text and "[bold]x" in text  # shown as written
    bold_yellow = re.compile(r"\x1b\[1;33m([^\x1b]*)\x1b\[0m")
    assert bold_yellow.findall(text) == ["打印", "卡纸", "卡纸", "打印"]


# --------------------------------------------------------------------------------------------
# Any two Chinese characters or any whole word of an article finds it (through the database)

HAN = "打印机卡纸叫号屏幕录像服务器数据库硬盘显示故障网络升级排队热敏大厅窗口"
WORDS = ("dvr", "printer", "queue", "led", "server", "raid", "jam", "disk", "screen", "kiosk")


@st.composite
def article_text(draw) -> str:
    return "".join(draw(st.lists(st.one_of(
        st.text(HAN, min_size=1, max_size=10),
        st.sampled_from(WORDS).map(lambda w: w.title() if len(w) % 2 else w),
        st.sampled_from([" ", "，", "。", "\n", "：", "- ", "**"]),
    ), min_size=1, max_size=30)))  # fmt: skip


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.tuples(article_text(), article_text()), st.data())
def test_any_cjk_pair_run_or_whole_word_of_an_article_finds_it(tmp_path_factory, texts, data):
    from svcdesk.services import kb
    from svcdesk.services.dbadmin import init
    from svcdesk.services.session import open_database

    db = _property_db(tmp_path_factory, open_database, init)
    title, body = texts
    if not (title.strip() and re.search(f"[{HAN}]|[a-z]", (title + body).lower())):
        return
    if "\n" in title:
        title = title.replace("\n", " ")
    ref = kb.add_article(db, title=title, body=body)["ref"]
    text = title + "\n" + body
    runs = re.findall(f"[{HAN}]{{2,}}", text)
    words = re.findall(r"[A-Za-z]+", text)
    queries = []
    if runs:
        run = data.draw(st.sampled_from(runs))
        start = data.draw(st.integers(0, len(run) - 2))
        queries.append(run[start : data.draw(st.integers(start + 2, len(run)))])
    if words:
        queries.append(data.draw(st.sampled_from(words)).upper())
    for q in queries:
        found = [h["ref"] for h in kb.search(db, q, limit=0)["hits"]]
        assert ref in found, q


_DBS: dict[str, object] = {}


def _property_db(factory, open_database, init):
    """One database for every example (hundreds of articles by the end)."""
    key = str(factory.getbasetemp())
    if key not in _DBS:
        db = open_database(str(factory.mktemp("kbprop") / "kb.db"), create=True)
        init(db)
        _DBS[key] = db
    return _DBS[key]


# --------------------------------------------------------------------------------------------
# The demo's articles, the constants, an old database


def test_the_demo_articles_are_a_dozen_in_chinese_and_english(cli):
    from svcdesk.services import kb

    articles = kb.demo_articles()
    assert len(articles) >= 12
    assert {a["kind"] for a in articles} == {"faq", "case"}
    chinese = [a for a in articles if re.search("[\u4e00-\u9fff]", a["title"])]
    assert 4 <= len(chinese) <= len(articles) - 4
    assert cli("init").exit_code == 0
    from svcdesk.cli.common import get_db

    db = get_db()
    for a in articles:
        assert set(a) <= {"title", "body", "kind", "tags", "applies_to"}
        kb.add_article(db, **a)
    for q, wanted in (("卡纸", "排队叫号机打印卡纸的处理"),
                      ("RAID", "服务器 RAID 硬盘告警的更换流程"),
                      ("dvr", "DVR unreachable on the network after an IP address change")):
        assert kb.search(db, q)["hits"][0]["title"] == wanted, q
    assert articles == kb.demo_articles()  # a copy each time


def test_the_cli_constants_are_the_services(cli):
    from svcdesk.services import kb

    assert (kb_cli.KINDS, kb_cli.LIMIT) == (kb.KINDS, kb.LIMIT)


def test_an_old_database_gains_the_knowledge_base_at_m007(cli, tmp_path):
    path = tmp_path / "v010.db"
    with gzip.open(FIXTURES / "svcdesk-0.1.0-demo.db.gz") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    r = ok(cli("--db", str(path), "kb", "add", "--title", "升级后检查", "-f", "json"))
    assert r.json()["ref"].endswith("-K1")
    assert refs(cli("--db", str(path), "kb", "search", "升级", "-f", "json")) == [r.json()["ref"]]
    with sqlite3.connect(path) as conn:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"article", "kb_doc", "kb_token"} <= tables
