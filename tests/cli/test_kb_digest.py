"""The FAQ digest for the operators (常见问题汇编) as a desk sends it: the FAQ articles added or
updated since the last digest pushed, in Chinese unless asked, in Markdown that pastes into mail
and a self-contained HTML page; `--push` records it; every bad request is one line with nothing
written."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from svcdesk.reports.digest import html_body, markdown_body
from svcdesk.reports.render import visible

HOSTILE_TITLE = "打印机 <b>卡纸</b> | 处理"
HOSTILE_BODY = """标题一
===

<script>alert(1)</script> 正文 <b>粗</b> `<code>` \x1b[31m

![外部图片](http://example.com/x.png) [恶意](javascript:alert(1)) [正常](https://example.com)

# 一级标题
"""


def ok(r):
    assert r.exit_code == 0, r.stderr
    return r


def add(cli, title: str, at: str, *args: str, body: str = "") -> dict:
    return ok(cli("kb", "add", "--title", title, "--body", "-", "--at", at, *args, "-f", "json",
                  input=body)).json()  # fmt: skip


def pushes() -> list[tuple]:
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        return conn.execute("SELECT at, since_at, until_at, articles, pushed_by FROM kb_digest "
                            "ORDER BY at").fetchall()  # fmt: skip


def refused(r, code: int = 1) -> str:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("svcdesk: error: "), r.stderr
    return lines[0]


def toc(md: str) -> list[list[str]]:
    """The rows of the digest's table of contents (序号, 问题, 分类, 类型, 日期)."""
    rows = []
    for line in md.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0].isdigit():
            rows.append(cells)
    return rows


@pytest.fixture
def faq(cli) -> dict[str, dict]:
    """FAQ articles of the last months (the clock is 14 October 2026, 10:00) and a case."""
    ok(cli("init"))
    out = {
        "old": add(cli, "叫号机打印卡纸的处理", "2026-08-01T09:00", "--tag", "叫号机",
                   body="打开前盖，取出卡住的纸张。"),
        "screen": add(cli, "显示器黑屏、提示无信号的排查", "2026-09-20T09:00", "--tag", "显示器",
                      body="## 先由操作人员检查\n\n1. 电源灯是否亮。\n2. 重新插紧视频线。\n"),
        "dvr": add(cli, "DVR 离线的处理", "2026-10-10T09:00", "--tag", "dvr",
                   body="重新设置 DVR 的 IP 地址。"),
        "case": add(cli, "LED 屏模组不亮", "2026-10-01T09:00", "--kind", "case",
                    body="更换模组。"),
    }  # fmt: skip
    ok(cli("kb", "edit", out["old"]["ref"], "--body", "-", "--at", "2026-10-05T09:00",
           input="打开前盖，取出卡住的纸张；装纸时光面朝向打印头。"))  # fmt: skip
    return out


def test_the_digest_is_chinese_and_holds_the_faq_of_the_period(cli, faq):
    md = ok(cli("kb", "digest")).stdout
    assert md.startswith("# 常见问题汇编\n")
    # 30 days back (the policy's [digest] every): the case and the FAQ of August stay out
    assert "**汇编期间**：2026年9月14日 至 2026年10月14日" in md
    assert "**上期推送**：无（本期为首期）" in md and "致各基层单位操作人员" in md
    assert ("本期整理了2026年9月14日至2026年10月14日新增和更新的常见问题，共 3 个（新增 2 个，"
            "更新 1 个），供各基层单位操作人员日常参考。") in md  # fmt: skip
    assert toc(md) == [
        ["1", "DVR 离线的处理", "dvr", "新增", "2026年10月10日"],
        ["2", "叫号机打印卡纸的处理", "叫号机", "更新", "2026年10月5日"],
        ["3", "显示器黑屏、提示无信号的排查", "显示器", "新增", "2026年9月20日"],
    ]
    assert "LED 屏模组不亮" not in md
    assert "## 一、本期目录" in md and "## 二、问题解答" in md and "## 三、仍无法解决时" in md
    # each answer whole, under its own heading: its headings below the digest's
    assert f"### 2. 叫号机打印卡纸的处理\n\n编号 {faq['old']['ref']} · 更新于 2026年10月5日" in md
    assert "装纸时光面朝向打印头。" in md
    assert "##### 先由操作人员检查\n\n1. 电源灯是否亮。\n2. 重新插紧视频线。" in md
    assert "拨打服务热线" in md  # where to turn when the answer does not help


def test_since_a_date_and_in_english(cli, faq):
    md = ok(cli("kb", "digest", "--since", "2026-08-01", "--lang", "en")).stdout
    assert md.startswith("# FAQ digest\n") and "For the operators at every branch" in md
    assert "**Period**: 1 Aug 2026 to 14 Oct 2026" in md
    assert "the 3 common questions added from 1 Aug 2026 to 14 Oct 2026" in md
    assert [r[1] for r in toc(md)] == ["DVR 离线的处理", "叫号机打印卡纸的处理",
                                       "显示器黑屏、提示无信号的排查"]  # fmt: skip
    assert [r[3] for r in toc(md)] == ["new", "new", "new"]  # the August one too, now
    one = ok(cli("kb", "digest", "--since", "2026-10-10", "--lang", "en")).stdout
    assert "the 1 common question added from 10 Oct 2026" in one


def test_a_push_is_recorded_and_the_next_digest_starts_after_it(cli, faq, tmp_path,
                                                                monkeypatch):  # fmt: skip
    monkeypatch.setenv("SVCDESK_USER", "张敏")
    out = tmp_path / "faq.html"
    r = ok(cli("kb", "digest", "--push", "--at", "2026-10-12T09:00", "-o", str(out)))
    assert r.stdout == "" and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert r.stderr.splitlines()[-1] == ("recorded the FAQ digest as pushed at 2026-10-12 09:00 "
                                         "by 张敏: 3 articles, 2026-09-12 09:00 to 2026-10-12 "
                                         "09:00")  # fmt: skip
    at = int(datetime.fromisoformat("2026-10-12T09:00+08:00").timestamp())
    assert pushes() == [(at, at - 30 * 86_400, at, 3, "张敏")]
    # after the push: what changed since, and the push named as the last one
    add(cli, "叫号机取号后不打印", "2026-10-13T09:00", body="检查热敏纸。")
    ok(cli("kb", "edit", faq["screen"]["ref"], "--title", "显示器黑屏的排查",
           "--at", "2026-10-13T10:00"))  # fmt: skip
    md = ok(cli("kb", "digest")).stdout
    assert "**汇编期间**：2026年10月12日 至 2026年10月14日" in md
    assert "**上期推送**：2026年10月12日 09:00" in md
    assert toc(md) == [["1", "显示器黑屏的排查", "显示器", "更新", "2026年10月13日"],
                       ["2", "叫号机取号后不打印", "—", "新增", "2026年10月13日"]]
    ok(cli("kb", "digest", "--push"))
    assert [p[3] for p in pushes()] == [3, 2]


def test_nothing_to_push_is_refused_and_nothing_written(cli, faq, tmp_path):
    ok(cli("kb", "digest", "--push"))
    out = tmp_path / "again.md"
    line = refused(cli("kb", "digest", "--push", "-o", str(out)))
    assert line == ("svcdesk: error: no FAQ article was added or updated since the last digest "
                    "was pushed (2026-10-14 10:00): there is nothing to push; nothing was "
                    "written")  # fmt: skip
    assert not out.exists() and len(pushes()) == 1
    # the empty digest itself still reads: nothing new this time
    md = ok(cli("kb", "digest")).stdout
    assert "> 2026年10月14日至2026年10月14日没有新增或更新的常见问题。" in md
    assert "本期目录" not in md


def test_bad_requests_are_one_line_and_write_nothing(cli, faq, tmp_path):
    out = tmp_path / "d.md"
    cases = [
        (("--since", "2026-02-30"), 2, "invalid --since '2026-02-30': use YYYY-MM-DD"),
        (("--since", "yesterday"), 2, "invalid --since 'yesterday': use YYYY-MM-DD"),
        (("--since", "2026-10-15"), 2, "--since 2026-10-15 is after the digest's end "
                                       "(2026-10-14 10:00); give an earlier day"),
        (("--at", "2026-10-01T09:00"), 2, "--at is when a digest was pushed: give it with --push"),
        (("--push", "--at", "2026-10-20T09:00"), 2, "in the future"),
        (("-f", "xlsx"), 2, "unknown report format 'xlsx'"),
        (("--lang", "fr"), 2, "unknown language 'fr'"),
        (("--push", "-o", str(tmp_path)), 1, "it is a folder"),
        (("--push", "--template-dir", str(tmp_path / "nowhere")), 2, "does not exist"),
    ]
    for args, code, said in cases:
        line = refused(cli("kb", "digest", *args, *(() if "-o" in args else ("-o", str(out)))),
                       code)  # fmt: skip
        assert said in line, (args, line)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root may write anyway
            line = refused(cli("kb", "digest", "--push", "-o", str(locked / "d.md")))
            assert "permission denied; nothing was written" in line
    finally:
        locked.chmod(0o700)
    assert not out.exists() and os.listdir(locked) == [] and pushes() == []
    # a push dated before the last one
    ok(cli("kb", "digest", "--push", "--at", "2026-10-13T09:00"))
    line = refused(cli("kb", "digest", "--push", "--at", "2026-10-12T09:00", "-o", str(out)))
    assert "the last digest was pushed at 2026-10-13 09:00, after --at 2026-10-12 09:00" in line
    assert not out.exists() and len(pushes()) == 1


def test_report_digest_is_the_same_report(cli, faq):
    for args in ((), ("--since", "2026-08-01", "--lang", "en"), ("-f", "html")):
        assert ok(cli("report", "digest", *args)).stdout == ok(cli("kb", "digest", *args)).stdout
    assert "digest" in ok(cli("report", "--help")).stdout
    assert pushes() == []  # the report is never a push


def test_html_is_one_safe_self_contained_page(cli, faq):
    add(cli, HOSTILE_TITLE, "2026-10-13T09:00", "--tag", "打印机", body=HOSTILE_BODY)
    page = ok(cli("kb", "digest", "-f", "html")).stdout
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "<script" not in page and "<img" not in page and "<link" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "打印机 &lt;b&gt;卡纸&lt;/b&gt; | 处理" in page
    assert "javascript:" not in re.findall(r'href="([^"]*)"', page).__str__()
    assert '<a class="image" href="http://example.com/x.png">外部图片</a>' in page  # not loaded
    assert "<h4>标题一</h4>" in page and "<h4>一级标题</h4>" in page
    assert "\x1b" not in page and "\u241b" in page  # an ESC shows as a symbol
    md = ok(cli("kb", "digest")).stdout
    assert "打印机 \\<b\\>卡纸\\</b\\> \\| 处理" in md  # a title stays in its table cell
    assert "#### 标题一" in md and "\\<script>alert(1)\\</script>" in md and "`<code>`" in md


def test_a_team_template_replaces_the_shipped_one(cli, faq, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "digest.md.j2").write_text(
        "{{ counts.total }} FAQ: {% for a in articles %}{{ a.ref }} {% endfor %}\n",
        encoding="utf-8")  # fmt: skip
    out = ok(cli("kb", "digest", "--template-dir", str(mine))).stdout
    assert out == f"3 FAQ: {faq['dvr']['ref']} {faq['old']['ref']} {faq['screen']['ref']} "
    assert ok(cli("kb", "digest", "--template-dir", str(mine), "-f", "html")).stdout.startswith(
        "<!DOCTYPE html>")  # the HTML stays the shipped one


def test_the_digest_prints_to_pdf_with_its_chinese_text(cli, faq, tmp_path):
    from svcdesk.errors import SvcdeskError
    from svcdesk.reports.pdf import find_chromium

    try:
        find_chromium()
    except SvcdeskError as exc:
        if os.environ.get("SVCDESK_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"PDF tests must run (SVCDESK_REQUIRE_CHROMIUM=1): {exc.message}")
        pytest.skip(exc.message)
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext")
    out = tmp_path / "faq.pdf"
    ok(cli("kb", "digest", "-o", str(out)))
    assert out.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True
                          ).stdout.decode("utf-8")  # fmt: skip
    for words in ("常见问题汇编", "致各基层单位操作人员", "显示器黑屏、提示无信号的排查",
                  "先由操作人员检查", "仍无法解决时"):  # fmt: skip
        assert words in text, words


# --------------------------------------------------------------------------------------------
# A body made safe, whatever it holds

ALLOWED_TAGS = {"p", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code", "pre",
                "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "s"}
PIECES = [*"<>/\\`#=-*_[]()!:|~ \n\tab1.", "<script>", "</b>", "<!--", "javascript:", "```",
          "~~~", "    ", "> ", "- ", "1. ", "<https://x.cn>", "&lt;", "\x1b", "卡纸"]
MARKDOWNISH = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH)
def test_an_html_body_holds_only_markdowns_own_tags(text):
    parser = Tags()
    parser.feed(str(html_body(text)))
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, text)
        for name, value in attrs:
            assert name in ("href", "class", "style", "start"), (name, text)  # <ol start=11>
            if name == "href":
                assert not (value or "").lower().startswith(("javascript:", "vbscript:")), text


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH)
@example("```\n\n")  # a fence left open at the end keeps its blank line (hypothesis found it)
def test_a_markdown_body_holds_no_raw_html_and_its_headings_are_the_articles(text):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    tokens = md.parse(str(markdown_body(text)))
    for token in tokens:
        assert token.type != "html_block", text
        if token.type == "inline":
            assert all(c.type != "html_inline" for c in token.children or []), text
        if token.type == "heading_open" and token.level == 0 and token.markup.startswith("#"):
            assert token.tag in ("h4", "h5", "h6"), text
    if "<" not in text:  # (escaping raw HTML may turn what it hid into code)
        before = [t.content for t in md.parse(visible(text)) if t.type == "fence"]
        assert before == [t.content for t in tokens if t.type == "fence"]  # code as written
