"""`kb case TICKET`: a classic case (经典案例) drafted from a resolved ticket and its incident
report — the plan's four points as its sections, linked to the ticket, tagged with its category,
printed for review and saved; a ticket not ready for it is refused in one line, nothing
written."""

from __future__ import annotations

import os
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.reports import case as drafts


def ok(cli, *args: str, input: str | None = None):
    r = cli(*args, input=input)
    assert r.exit_code == 0, r.stderr
    return r


def articles() -> int:
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        return conn.execute("SELECT count(*) FROM article").fetchone()[0]


def refused(r, code: int = 1) -> str:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("svcdesk: error: "), r.stderr
    return lines[0]


def sections(body: str) -> dict[str, str]:
    """The body's `## ` sections: heading -> the text under it."""
    out: dict[str, str] = {}
    for part in body.split("## ")[1:]:
        head, _, text = part.partition("\n\n")
        out[head.strip()] = text.strip()
    return out


@pytest.fixture
def hd(cli) -> str:
    ok(cli, "init")
    ok(cli, "site", "add", "HD", "--name", "国家税务总局北京市海淀区税务局")
    ok(cli, "asset", "add", "--site", "HD", "--kind", "led_screen", "--serial", "LED-2291-77",
       "--model", "Absen A3", "--installed", "2022-05-10")  # fmt: skip
    return "HD"


def opened(cli, title: str = "二号大厅LED屏左半不亮", *args: str) -> str:
    return ok(cli, "ticket", "open", "--site", "HD", "--title", title, "--category", "hardware",
              "--asset", "LED-2291-77", "--at", "2026-10-12T09:05", *args,
              "-f", "json").json()["ref"]  # fmt: skip


@pytest.fixture
def handled(cli, hd) -> str:
    """A fault worked to its end: a visit replacing a module, resolved, its report filed."""
    ref = opened(cli)
    ok(cli, "ticket", "assign", ref, "李伟", "--at", "2026-10-12T09:10")
    visit = ok(cli, "visit", "start", "--ticket", ref, "--engineer", "陈静",
               "--at", "2026-10-12T14:30", "-f", "json").json()["ref"]  # fmt: skip
    ok(cli, "visit", "end", visit, "--summary", "更换LED模块", "--part",
       "LED-2291-77:LED-3310-05:350", "--at", "2026-10-12T17:10")  # fmt: skip
    ok(cli, "ticket", "resolve", ref, "--note", "更换模块后显示恢复正常",
       "--at", "2026-10-12T17:15")  # fmt: skip
    ok(cli, "ticket", "report", ref, "--type", "硬件故障", "--cause", "LED模块老化",
       "--method", "更换损坏模块并校正亮度", "--losses", "叫号显示中断约8小时",
       "--at", "2026-10-13T09:00")  # fmt: skip
    return ref


def test_the_case_has_the_plans_four_points_and_is_saved(cli, handled):
    r = ok(cli, "kb", "case", handled, "-f", "json")
    case = r.json()
    assert (case["kind"], case["title"], case["tags"], case["tickets"]) == (
        "case", "二号大厅LED屏左半不亮", ["hardware"], [handled])
    assert f"saved classic case {case['ref']} from ticket {handled}" in r.stderr
    assert sections(case["body"]) == {
        "问题种类": "硬件故障\n\n问题类别：硬件问题；故障级别：一般故障。",
        "现象": "二号大厅LED屏左半不亮\n\n相关设备：LED屏幕 · Absen A3 · LED-2291-77。",
        "问题原因": "LED模块老化",
        "处理方法": "更换损坏模块并校正亮度\n\n处理结果：更换模块后显示恢复正常\n\n"
                    "更换部件：LED-2291-77 更换为 LED-3310-05。",
        "造成的损失": "叫号显示中断约8小时",
        "案例来源": "服务单 " + handled + "（国家税务总局北京市海淀区税务局），2026年10月12日报修，"
                    "2026年10月12日处理完成，用时 8小时10分钟。\n\n处理工程师：李伟、陈静。",
    }  # fmt: skip
    assert ok(cli, "kb", "show", case["ref"], "-f", "json").json() == case
    assert [a["ref"] for a in ok(cli, "kb", "list", "--kind", "case", "--tag", "hardware",
                                 "-f", "json").json()] == [case["ref"]]  # fmt: skip
    hits = ok(cli, "kb", "search", "模块老化", "-f", "json").json()
    assert [h["ref"] for h in hits] == [case["ref"]]
    # printed for review in a pipe: the body whole
    assert "## 问题原因" in ok(cli, "kb", "show", case["ref"]).stdout


def test_dry_run_prints_the_draft_and_saves_nothing(cli, handled):
    before = articles()
    r = ok(cli, "kb", "case", handled, "--dry-run", "--lang", "en", "--title", "LED panel dark",
           "--tag", "LED屏", "--applies-to", "3.2", "-f", "json")  # fmt: skip
    draft = r.json()
    assert (draft["id"], draft["ref"], draft["title"]) == (None, None, "LED panel dark")
    assert (draft["tags"], draft["applies_to"]) == (["hardware", "led屏"], "3.2")
    assert list(sections(draft["body"])) == ["Problem type", "Symptom", "Cause", "Method",
                                             "Losses", "Source"]  # fmt: skip
    assert "Category: hardware; severity: normal." in draft["body"]
    assert "resolved 12 Oct 2026 after 8 h 10 min" in draft["body"]
    assert "dry run: the draft was not saved" in r.stderr
    assert articles() == before
    plain = ok(cli, "kb", "case", handled, "--dry-run").stdout
    assert "## 问题种类" in plain and "LED模块老化" in plain
    assert articles() == before


def test_a_ticket_not_ready_is_refused_in_one_line_with_nothing_written(cli, handled, hd):
    waiting = opened(cli, "叫号机不出票")
    resolved = opened(cli, "窗口屏不亮")
    ok(cli, "ticket", "resolve", resolved, "--note", "重启", "--at", "2026-10-12T10:00")
    before = articles()
    assert refused(cli("kb", "case", "ZZZZ-99")).startswith("svcdesk: error: no ticket")
    assert refused(cli("kb", "case", waiting)) == (
        f"svcdesk: error: ticket {waiting} is open: a classic case is drafted from a resolved "
        f"ticket ('svcdesk ticket resolve {waiting} --note ...' first); nothing was written")
    assert refused(cli("kb", "case", resolved)) == (
        f"svcdesk: error: ticket {resolved} has no incident report: file it first with "
        f"'svcdesk ticket report {resolved} --type T --cause C --method M'; nothing was written")
    assert "invalid --at 'soon'" in refused(cli("kb", "case", handled, "--at", "soon"), 2)
    assert "must be one line" in refused(cli("kb", "case", handled, "--title", "a\nb"), 2)
    assert "unknown language 'fr'" in refused(cli("kb", "case", handled, "--lang", "fr"), 2)
    assert articles() == before
    first = ok(cli, "kb", "case", handled, "-f", "json").json()["ref"]
    assert refused(cli("kb", "case", handled, "--dry-run")) == (
        f"svcdesk: error: classic case {first} already draws on ticket {handled}; change it "
        f"with 'svcdesk kb edit {first}'; nothing was written")
    assert articles() == before + 1


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40) | (
    st.lists(st.sampled_from([*"-+>=#*_|`<>&\\[]!~ \n", "1.", "2)", "<b>", "&amp;", "---",
                              "    ", "\u2028", "\x1b", "卡纸"]), min_size=1, max_size=12)
    .map("".join))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(cause=TEXT, method=TEXT)
def test_what_an_engineer_typed_reads_as_typed(cause, method):
    """Markup in a cause or a method (`*`, `|`, `#`, `<b>`, `1.`, `&amp;`, a line break) shows
    as text: each typed line is a paragraph of its section that reads exactly as typed, and
    the sections stay the plan's."""
    from markdown_it import MarkdownIt

    from svcdesk.reports.render import visible

    incident = {
        "report": {"type": "硬件故障", "cause": cause, "method": method, "losses": None},
        "ticket": {"ref": "HD-1", "title": "屏幕不亮", "category": "hardware",
                   "severity": "normal", "opened_at": "2026-10-12T09:05:00+08:00"},
        "site": {"name": "海淀"}, "asset": None, "resolution": None, "parts": [],
        "resolved_at": None, "handling_seconds": None, "engineers": [],
    }  # fmt: skip
    tokens = MarkdownIt("commonmark", {"html": True}).parse(drafts.body(incident, "zh"))
    heads = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert heads == ["问题种类", "现象", "问题原因", "处理方法", "造成的损失", "案例来源"]
    assert {t.type for t in tokens} <= {"heading_open", "heading_close", "paragraph_open",
                                         "paragraph_close", "inline"}  # fmt: skip
    shown = [(i, "".join(c.content for c in t.children or []))
             for i, t in enumerate(tokens) if t.type == "inline"]
    for t in tokens:
        assert all(c.type == "text" for c in t.children or []), t.children
    at = {name: i for i, name in ((i, tokens[i].content) for i, _ in shown)}
    for value, head, nxt in ((cause, "问题原因", "处理方法"), (method, "处理方法", "造成的损失")):
        typed = [ln.strip() for ln in visible(value).split("\n") if ln.strip()]
        within = [text for i, text in shown if at[head] < i < at[nxt]]
        assert within == (typed or ["无。"]), (value, within)
