"""Reports as a customer reads them: the incident report (问题处理汇报), the inspection report
(巡检汇报), the overdue list and the site dossier, in Markdown and HTML, in Chinese and
English; user text shown as text; every failure one line, with nothing written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

SITE_NAME = "国家税务总局北京市海淀区税务局"
TITLE = "二号大厅LED屏 <b>左半</b> | 不亮"


def ok(cli, *args: str):
    r = cli(*args)
    assert r.exit_code == 0, r.stderr
    return r


def open_ticket(cli, *args: str) -> str:
    return ok(cli, "ticket", "open", "--site", "HD", *args, "-f", "json").json()["ref"]


@pytest.fixture
def hd(cli) -> str:
    ok(cli, "init")
    ok(cli, "site", "add", "HD", "--name", SITE_NAME, "--region", "北京",
       "--contact", "孙丽 010-6257 3318", "--contract-start", "2026-01-01")  # fmt: skip
    ok(cli, "asset", "add", "--site", "HD", "--kind", "led_screen", "--serial", "LED-2291-77",
       "--model", "Absen A3", "--installed", "2022-05-10")  # fmt: skip
    return "HD"


@pytest.fixture
def handled(cli, hd, monkeypatch) -> str:
    """A ticket worked from report to incident report: assigned, answered, escalated, a visit
    replacing a part (paid: the LED screen is older than 3 years), a fix the customer approved,
    resolved, reported."""
    monkeypatch.setenv("SVCDESK_USER", "张敏")
    ref = open_ticket(cli, "--title", TITLE, "--category", "hardware", "--asset", "LED-2291-77",
                      "--reporter", "王丽", "--at", "2026-10-12T09:05")  # fmt: skip
    ok(cli, "ticket", "assign", ref, "李伟", "--at", "2026-10-12T09:10")
    ok(cli, "ticket", "respond", ref, "--note", "电话确认故障现象", "--at", "2026-10-12T09:20")
    ok(cli, "ticket", "escalate", ref, "--to", "陈静", "--at", "2026-10-12T11:00")
    visit = ok(cli, "visit", "start", "--ticket", ref, "--engineer", "陈静",
               "--at", "2026-10-12T14:30", "-f", "json").json()["ref"]  # fmt: skip
    ok(cli, "ticket", "propose", ref, "--plan", "更换两块LED模块,费用由用户承担",
       "--at", "2026-10-12T15:00")  # fmt: skip
    ok(cli, "ticket", "approve", ref, "--by", "王丽", "--at", "2026-10-12T15:20")
    ok(cli, "visit", "end", visit, "--summary", "更换LED模块,测试显示正常",
       "--part", "LED-2291-77:LED-3310-05:350", "--signed-by", "王丽",
       "--at", "2026-10-12T17:10")  # fmt: skip
    ok(cli, "ticket", "resolve", ref, "--note", "更换模块后显示恢复正常",
       "--at", "2026-10-12T17:15")  # fmt: skip
    ok(cli, "ticket", "comment", ref, "内部:备件从库房调拨", "--at", "2026-10-12T17:20")
    ok(cli, "ticket", "report", ref, "--type", "硬件故障", "--cause", "LED模块老化",
       "--method", "更换损坏模块并校正亮度", "--losses", "叫号显示中断约8小时",
       "--at", "2026-10-13T09:00")  # fmt: skip
    return ref


@pytest.fixture
def simple(cli, hd) -> str:
    """A ticket opened and resolved, nothing more."""
    ref = open_ticket(cli, "--title", TITLE, "--at", "2026-10-14T09:00")
    ok(cli, "ticket", "resolve", ref, "--note", "已处理", "--at", "2026-10-14T09:20")
    return ref


def rows_of(md: str, first_cell: str) -> list[list[str]]:
    """The cells of the Markdown table rows whose first cell is `first_cell` (split on the
    pipes a Markdown renderer splits on: those without a backslash)."""
    out = []
    for line in md.splitlines():
        if line.startswith("| "):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if cells and cells[0] == first_cell:
                out.append(cells)
    return out


# --------------------------------------------------------------------------------------------
# The incident report


def test_the_incident_report_in_chinese_has_what_the_plan_asks(cli, handled):
    r = ok(cli, "report", "incident", handled)
    md = r.stdout
    assert md.startswith("# 问题处理汇报")
    # the plan: 说明问题种类、问题原因、问题处理中使用方法及造成损失
    assert rows_of(md, "问题种类") == [["问题种类", "硬件故障"]]
    assert rows_of(md, "问题原因") == [["问题原因", "LED模块老化"]]
    assert rows_of(md, "处理中使用的方法") == [["处理中使用的方法", "更换损坏模块并校正亮度"]]
    assert rows_of(md, "造成的损失") == [["造成的损失", "叫号显示中断约8小时"]]
    assert rows_of(md, "报修单位") == [["报修单位", f"{SITE_NAME}（HD）"]]
    assert rows_of(md, "报修时间") == [["报修时间", "2026年10月12日 09:05"]]
    assert rows_of(md, "处理用时") == [["处理用时", "8小时10分钟"]]
    # each clock's outcome: the response came at 09:20, 15 minutes into its 30
    (respond,) = rows_of(md, "实质性响应")
    assert respond[1:] == ["30分钟（工作时间）", "2026-10-12 09:05", "2026-10-12 09:35",
                           "2026-10-12 09:20", "按时完成"]  # fmt: skip
    assert rows_of(md, "提交问题处理汇报")[-1][-1] == "按时完成"
    # the engineers, their roles
    assert "- 李伟：负责工程师" in md
    assert "- 陈静：后台高级工程师、现场工程师、负责工程师" in md
    # the part replaced, paid: the screen is older than 3 years
    (part,) = [line for line in md.splitlines() if "LED-3310-05" in line]
    assert "LED-2291-77" in part and "350.00 元" in part and "收费" in part
    # the customer's consent
    (proposal,) = [line for line in md.splitlines() if "费用由用户承担" in line and "同意" in line]
    assert "王丽" in proposal and "2026-10-12 15:20" in proposal
    # the timeline the customer sees: no internal comment
    assert rows_of(md, "2026-10-12 11:00")[0][1:3] == ["指派后台高级工程师", "陈静"]
    assert "库房调拨" not in md
    # the warranty decision on the day of the report
    assert rows_of(md, "更换")[0][1] == "不在保修范围"
    assert rows_of(md, "维修")[0][1] == "免费"


def test_the_incident_report_in_english_html_is_one_safe_file(cli, handled):
    html = ok(cli, "report", "incident", handled, "-f", "html", "--lang", "en").stdout
    assert html.startswith("<!DOCTYPE html>")
    assert "<h1>Incident report</h1>" in html
    for label in ("Problem type", "Cause", "Method used", "Losses caused"):
        assert f"<th>{label}</th>" in html
    assert "LED模块老化" in html and "Substantive response" in html
    # the title is text, not markup
    assert "&lt;b&gt;左半&lt;/b&gt; | 不亮" in html and "<b>左半" not in html
    # self-contained: inline CSS, no script, nothing fetched
    assert "<style>" in html and "@page" in html and "size: A4" in html
    assert not re.search(r"<script|<link|\bsrc=|\bhref=|@import|url\(", html, re.I)
    # a CJK font stack for Chinese names
    assert '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC"' in html


def test_chinese_html_names_the_values_in_chinese(cli, handled):
    html = ok(cli, "report", "incident", handled, "-f", "html").stdout
    assert '<html lang="zh-CN">' in html
    assert "<h1>问题处理汇报</h1>" in html
    assert "硬件问题" in html and "热线电话" in html and "已处理" in html
    assert "收费" in html and "按时完成" in html


def test_a_ticket_not_resolved_yet_says_its_report_follows(cli, hd):
    ref = open_ticket(cli, "--title", "数据库服务器响应缓慢", "--severity", "major",
                      "--at", "2026-10-14T08:30")  # fmt: skip
    md = ok(cli, "report", "incident", ref).stdout
    assert "> 该问题尚未处理完毕，问题处理汇报将在问题处理后提交。" in md
    assert not rows_of(md, "问题种类")
    # its response is 1 h 30 min late and still not made
    (respond,) = rows_of(md, "实质性响应")
    assert respond[-1] == "已超时（超时 1小时）"
    en = ok(cli, "report", "incident", ref, "--lang", "en").stdout
    assert "This ticket is not resolved yet" in en


def test_a_resolved_ticket_without_its_report_says_when_it_is_due(cli, hd):
    ref = open_ticket(cli, "--title", "叫号机卡纸", "--at", "2026-10-13T09:00")
    ok(cli, "ticket", "resolve", ref, "--note", "清理卡纸", "--at", "2026-10-13T09:40")
    md = ok(cli, "report", "incident", ref).stdout
    assert "> 问题已处理，问题处理汇报尚未提交（应于 2026年10月16日 11:10 前提交）。" in md
    assert rows_of(md, "处理结果") == []  # not a field: a line under the notice
    assert "**处理结果**：清理卡纸" in md


def test_markdown_keeps_each_value_in_its_cell(cli, hd):
    ref = open_ticket(cli, "--title", "a | b *c* _d_ [e](f) `g` #h <i>")
    ok(cli, "ticket", "resolve", ref, "--note", "first line\nsecond | line")
    md = ok(cli, "report", "incident", ref).stdout
    (title,) = rows_of(md, "问题描述")
    assert title == ["问题描述", r"a \| b \*c\* \_d\_ \[e\](f) \`g\` \#h \<i\>"]
    (resolved,) = [row for row in rows_of(md, "2026-10-14 10:00") if row[1] == "问题处理完成"]
    assert resolved[3] == r"first line<br>second \| line"


def test_control_characters_never_reach_the_terminal(cli, hd):
    ref = open_ticket(cli, "--title", "screen \x1b[31mred\x1b[0m \u202eevil")
    shown = {"md": r"screen ␛\[31mred␛\[0m \<U+202E\>evil",
             "html": "screen ␛[31mred␛[0m &lt;U+202E&gt;evil"}
    for fmt, text in shown.items():
        out = ok(cli, "report", "incident", ref, "-f", fmt).stdout
        assert "\x1b" not in out and "\u202e" not in out
        assert text in out


@given(st.text())
def test_the_md_filter_leaves_no_table_breaking_character(text):
    from svcdesk.reports.render import md

    out = str(md(text))
    assert "\n" not in out and "\r" not in out
    assert not re.search(r"(?<!\\)(\\\\)*\|", out.replace("<br>", ""))  # every | escaped
    assert md(md(text)) == md(text)  # escaped once only


def test_the_language_defaults_to_the_policys(cli, simple, tmp_path):
    assert ok(cli, "report", "incident", simple).stdout.startswith("# 问题处理汇报")
    text = cli("sla", "policy", "show", "--source").stdout
    mine = tmp_path / "en.toml"
    mine.write_text('language = "en"\n' + text)
    ok(cli, "sla", "policy", "load", str(mine), "--at", "2026-10-01T00:00")
    assert ok(cli, "report", "incident", simple).stdout.startswith("# Incident report")
    assert ok(cli, "report", "incident", simple, "--lang", "zh").stdout.startswith("# 问题")


# --------------------------------------------------------------------------------------------
# Writing files, and refusing


def test_o_writes_the_file_whole_its_format_from_its_suffix(cli, simple, tmp_path):
    out = tmp_path / "reports" / "incident.html"
    r = ok(cli, "report", "incident", simple, "-o", str(out))
    assert r.stdout == ""
    assert f"wrote the incident report of {simple} to {out} (html, zh)" in r.stderr
    assert out.read_text(encoding="utf-8") == ok(cli, "report", "incident", simple,
                                                 "-f", "html").stdout  # fmt: skip
    assert os.listdir(out.parent) == ["incident.html"]  # no temporary file left beside it
    out.write_text("old")
    ok(cli, "report", "incident", simple, "-o", str(out), "-f", "md")  # replaced whole
    assert out.read_text(encoding="utf-8").startswith("# 问题处理汇报")


def refused(cli, *args: str, code: int = 1) -> str:
    r = cli(*args)
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("svcdesk: error: "), r.stderr
    return lines[0]


def test_bad_requests_are_one_line_and_write_nothing(cli, simple, tmp_path):
    out = tmp_path / "r.md"
    assert "no ticket" in refused(cli, "report", "incident", "ZZZZ-9", "-o", str(out))
    assert "unknown report format 'xlsx'" in refused(cli, "report", "incident", simple,
                                                      "-f", "xlsx", code=2)  # fmt: skip
    assert "a PDF needs -o FILE.pdf" in refused(cli, "report", "incident", simple, "-f", "pdf",
                                                code=2)  # fmt: skip
    assert "unknown language 'fr'" in refused(cli, "report", "incident", simple, "--lang", "fr",
                                              code=2)  # fmt: skip
    assert "it is a folder" in refused(cli, "report", "incident", simple, "-o", str(tmp_path))
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert "is a file, not a folder" in refused(cli, "report", "incident", simple,
                                                "-o", str(blocker / "r.md"))  # fmt: skip
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if not os.access(locked, os.W_OK):  # root may write anyway
            line = refused(cli, "report", "incident", simple, "-o", str(locked / "r.md"))
            assert "permission denied; nothing was written" in line
    finally:
        locked.chmod(0o700)
    assert "does not exist" in refused(cli, "report", "incident", simple, "--template-dir",
                                       str(tmp_path / "nowhere"), code=2)  # fmt: skip
    assert not out.exists() and os.listdir(locked) == [] and blocker.read_text() == "x"
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".partial")]


# --------------------------------------------------------------------------------------------
# A team's own templates


def test_a_team_template_replaces_one_and_the_rest_stay_shipped(cli, handled, tmp_path):
    mine = tmp_path / "tpl"
    mine.mkdir()
    (mine / "incident.md.j2").write_text(
        "# {{ t('incident_title') }} {{ ticket.ref }}\n{{ ticket.title }}\n"
        "{{ report.cause }} / {{ site.name }}\n", encoding="utf-8")  # fmt: skip
    md = ok(cli, "report", "incident", handled, "--template-dir", str(mine)).stdout
    title = r"二号大厅LED屏 \<b\>左半\</b\> \| 不亮"
    assert md == f"# 问题处理汇报 {handled}\n{title}\nLED模块老化 / {SITE_NAME}\n"
    html = ok(cli, "report", "incident", handled, "--template-dir", str(mine), "-f", "html").stdout
    assert "<h1>问题处理汇报</h1>" in html  # no incident.html.j2 of theirs: the shipped one
    (mine / "base.html.j2").write_text("<p>{% block content %}{% endblock %}</p>")
    html = ok(cli, "report", "incident", handled, "--template-dir", str(mine), "-f", "html").stdout
    assert html.startswith("<p>") and "@page" not in html  # their base, the shipped body


@pytest.mark.parametrize("source, expected", [
    ("line 1\n{% if %}\n", r"incident\.md\.j2:2: template syntax error: "),
    ("{{ ticket.title }}\n{{ 1 // 0 }}\n", r"incident\.md\.j2:2: template failed: "
                                            r"ZeroDivisionError"),
    ("\n\n{{ ticket.nothing_here }}\n", r"incident\.md\.j2:3: template failed: .*nothing_here"),
    ("{{ ''.__class__.__mro__ }}\n", r"incident\.md\.j2:1: template failed: refused by the "
                                     r"sandbox"),
    ("{{ t('no_such_label') }}\n", r"incident\.md\.j2:1: template failed: no label "
                                   r"'no_such_label'"),
    ('{% include "missing.md.j2" %}\n', r"no template missing\.md\.j2 in "),
])  # fmt: skip
def test_a_broken_team_template_is_one_line_naming_its_line(cli, simple, tmp_path, source,
                                                            expected):  # fmt: skip
    mine = tmp_path / "tpl"
    mine.mkdir()
    (mine / "incident.md.j2").write_text(source, encoding="utf-8")
    out = tmp_path / "out.md"
    line = refused(cli, "report", "incident", simple, "--template-dir", str(mine),
                   "-o", str(out))  # fmt: skip
    assert re.search(expected, line), line
    assert not out.exists()


def test_a_team_template_reads_no_file_outside_the_template_folders(cli, simple, tmp_path):
    (tmp_path / "secret.md.j2").write_text("the secret", encoding="utf-8")
    mine = tmp_path / "tpl"
    mine.mkdir()
    for n, include in enumerate(["../secret.md.j2", str(tmp_path / "secret.md.j2")]):
        (mine / "incident.md.j2").write_text(f'{{% include "{include}" %}}\n', encoding="utf-8")
        r = cli("report", "incident", simple, "--template-dir", str(mine))
        assert r.exit_code == 1 and "the secret" not in r.stdout + r.stderr, n
        assert "no template" in r.stderr


def test_the_templates_ship_with_the_package():
    import tomllib

    from svcdesk.resources import templates_dir

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"]["templates"] == "svcdesk/templates"  # where templates_dir looks

    shipped = {p.name for p in Path(templates_dir()).glob("*.j2")}
    for name in ("incident", "inspection", "overdue", "site", "monthly", "digest"):
        assert {f"{name}.md.j2", f"{name}.html.j2"} <= shipped
    assert {"base.html.j2", "_quota.html.j2", "_quota.md.j2"} <= shipped


def test_a_pdf_goes_down_a_pipe_but_never_to_a_terminal(cli, simple, monkeypatch):
    from svcdesk.errors import InvalidValue
    from svcdesk.services import reports
    from svcdesk.services.session import open_database

    monkeypatch.setenv("SVCDESK_CHROMIUM", "true")  # any program: nothing is printed here
    db = open_database(os.environ["SVCDESK_DB"])
    try:
        with pytest.raises(InvalidValue, match="a PDF is not for a terminal"):
            reports.request(db, fmt="pdf", out="-", to_terminal=True)
        piped = reports.request(db, fmt="pdf", out="-", to_terminal=False)
        assert (piped.fmt, piped.out) == ("pdf", None)
        assert reports.request(db, out="x.PDF").fmt == "pdf"
    finally:
        db.close()
    assert ok(cli, "report", "incident", simple, "-o", "-").stdout.startswith("# 问题处理汇报")


# --------------------------------------------------------------------------------------------
# The inspection report

RESULTS = """\
servers = "ok"
database = "ok"
backups = { result = "fault", finding = "备份任务未执行 | 最近一次为10月2日" }
ups = "not_applicable"
[led_screens]
result = "fault"
finding = "一号大厅LED屏第三行两块模块不亮"
"""


@pytest.fixture
def inspected(cli, hd, tmp_path) -> str:
    """An inspection on a visit, two faults opening tickets, after one in April."""
    results = tmp_path / "results.toml"
    results.write_text(RESULTS, encoding="utf-8")
    ok(cli, "inspect", "record", "--site", "HD", "--results", str(results),
       "--at", "2026-04-10T10:00")  # fmt: skip
    visit = ok(cli, "visit", "start", "--site", "HD", "--engineer", "李伟", "--at",
               "2026-10-13T09:00", "-f", "json").json()["ref"]  # fmt: skip
    ok(cli, "visit", "end", visit, "--summary", "季度巡检", "--at", "2026-10-13T11:30")
    return ok(cli, "inspect", "record", "--site", "HD", "--visit", visit, "--results",
              str(results), "--signed-by", "孙丽", "--at", "2026-10-13T11:00", "--open-tickets",
              "-f", "json").json()["ref"]  # fmt: skip


def test_the_inspection_report_has_every_item_the_faults_and_the_quota(cli, inspected):
    md = ok(cli, "report", "inspection", inspected).stdout
    assert md.startswith("# 现场巡检汇报")
    assert rows_of(md, "巡检工程师") == [["巡检工程师", "李伟"]]
    assert rows_of(md, "用户签字人") == [["用户签字人", "孙丽"]]
    assert "共检查 5 项：正常 2 项，发现故障 2 项，不适用 1 项。" in md
    items = [line for line in md.splitlines() if re.match(r"\| \d \|", line)]
    assert [re.split(r"(?<!\\)\|", line)[2].strip() for line in items] == [
        "服务器", "数据库", "数据备份", "LED屏幕", "UPS电源"]  # the checklist's order
    (backups,) = rows_of(md, "3")
    assert backups[2:4] == ["发现故障", r"备份任务未执行 \| 最近一次为10月2日"]
    assert re.fullmatch(r"[0-9A-Z]{4}-\d+", backups[4])  # the ticket it opened
    opened = ok(cli, "report", "incident", backups[4]).stdout
    assert rows_of(opened, "发现于巡检") == [["发现于巡检", f"{inspected}（2026年10月13日 11:00）"]]
    faults = [row for row in rows_of(md, "LED屏幕") if len(row) == 4]
    assert faults and faults[0][1:] == ["一号大厅LED屏第三行两块模块不亮", faults[0][2], "处理中"]
    # the plan's quota: the second of the year; by Oct 14 three quarters have ended
    assert rows_of(md, "本次巡检")[0][1] == "本年度第 2 次（每十二个月至少 4 次无偿现场巡检）"
    assert rows_of(md, "合同年度") == [["合同年度", "2026年1月1日 — 2026年12月31日"]]
    assert rows_of(md, "已完成") == [["已完成", "2 次"]]
    assert rows_of(md, "应完成") == [["应完成", "3 次（截至 2026年10月14日）"]]
    assert rows_of(md, "进度") == [["进度", "落后于进度（落后 1 次）"]]
    assert rows_of(md, "下次巡检最迟") == [["下次巡检最迟", "2026年9月30日（本年度第 3 次）"]]
    html = ok(cli, "report", "inspection", inspected, "-f", "html", "--lang", "en").stdout
    assert "<h1>On-site inspection report</h1>" in html
    assert "<td>Backups</td>" in html and "<td>LED screens</td>" in html
    assert "number 2 of the year" in html and "behind" in html


def test_an_inspection_without_faults_says_so(cli, hd, tmp_path):
    results = tmp_path / "r.toml"
    results.write_text('servers = "ok"\n')
    ref = ok(cli, "inspect", "record", "--site", "HD", "--results", str(results),
             "--at", "2026-10-14T09:00", "-f", "json").json()["ref"]  # fmt: skip
    md = ok(cli, "report", "inspection", ref).stdout
    assert "本次巡检未发现故障。" in md
    assert "no_faults" not in md and "No fault was found." in ok(
        cli, "report", "inspection", ref, "--lang", "en").stdout
    assert "no inspection" in refused(cli, "report", "inspection", "ZZZZ-I9")


# --------------------------------------------------------------------------------------------
# The overdue report


def test_the_overdue_report_lists_what_sla_overdue_lists(cli, hd):
    late = open_ticket(cli, "--title", "数据库服务器响应缓慢", "--severity", "major",
                       "--at", "2026-10-14T08:30")  # fmt: skip
    soon = open_ticket(cli, "--title", "叫号机卡纸", "--at", "2026-10-14T09:50")
    listed = ok(cli, "sla", "overdue", "-f", "json").json()
    md = ok(cli, "report", "overdue").stdout
    assert md.startswith("# 服务时限超时报告")
    assert "截至 2026年10月14日 10:00，所有单位已超时的服务时限" in md
    rows = [r for r in (rows_of(md, late) + rows_of(md, soon))]
    assert [(r[0], r[3]) for r in rows] == [(c["ticket"], "实质性响应") for c in listed]
    assert rows[0][1:] == ["HD", "数据库服务器响应缓慢", "实质性响应", "2026-10-14 09:00",
                           "超时 1小时", "—"]  # fmt: skip
    assert "**已超时 1 项，即将到期 0 项，涉及 1 张服务单。**" in md
    md = ok(cli, "report", "overdue", "--within", "1h").stdout
    (due,) = rows_of(md, soon)
    assert due[4:6] == ["2026-10-14 10:20", "剩余 20分钟"]
    assert "**已超时 1 项，即将到期 1 项，涉及 2 张服务单。**" in md
    assert rows_of(md, SITE_NAME)[-1][1:] == ["HD", "1", "1", "2"]
    html = ok(cli, "report", "overdue", "-f", "html", "--lang", "en", "--site", "HD").stdout
    assert "overdue by 1 h" in html and "(only 国家税务总局北京市海淀区税务局)" in html


def test_nothing_overdue_is_a_short_report(cli, hd):
    md = ok(cli, "report", "overdue").stdout
    assert "没有超时的服务时限。" in md and "|" not in md
    assert "invalid --within" in refused(cli, "report", "overdue", "--within", "soon", code=2)
    assert "no site" in refused(cli, "report", "overdue", "--site", "NOPE")


# --------------------------------------------------------------------------------------------
# The site dossier


def test_the_site_dossier_has_equipment_tickets_visits_and_inspections(cli, handled, inspected):
    closed = open_ticket(cli, "--title", "去年的旧问题", "--at", "2026-03-02T10:00")
    ok(cli, "ticket", "resolve", closed, "--note", "已处理", "--at", "2026-03-02T11:00")
    ok(cli, "ticket", "close", closed, "--at", "2026-03-03T09:00")
    md = ok(cli, "report", "site", "HD").stdout
    assert md.startswith(f"# 服务档案：{SITE_NAME}")
    assert "统计期间：2025年10月14日 至 2026年10月14日" in md
    (led,) = rows_of(md, "LED屏幕")[:1]
    assert led[1:] == ["LED-2291-77", "Absen A3", "2022-05-10", "已过保（至 2025-05-10）", "免费",
                       "不在保修范围", "免费"]  # fmt: skip
    assert "共 1 台设备，0 台在保修期内。" in md
    open_section = md.split("## 三、未关闭的服务单")[1].split("## 四、")[0]
    closed_section = md.split("## 四、统计期间内已关闭的服务单")[1].split("## 五、")[0]
    assert handled in open_section and closed not in open_section
    # no response within 30 minutes (the resolution an hour later counts as one), no report
    assert rows_of(closed_section, closed)[0][2:] == [
        "去年的旧问题", "其它问题", "一般故障", "已关闭", "—", "有超时"]  # fmt: skip
    assert rows_of(open_section, handled)[0][-1] == "均按时"
    visits = md.split("## 五、现场服务")[1].split("## 六、")[0]
    assert "| 陈静 | 故障维修 | " + handled in visits and "| 李伟 | 现场巡检 | — |" in visits
    inspections = md.split("## 六、现场巡检")[1]
    assert rows_of(inspections, "进度") == [["进度", "落后于进度（落后 1 次）"]]
    assert inspected in inspections
    # --since narrows the period: the March ticket and the April inspection fall out
    md = ok(cli, "report", "site", "HD", "--since", "2026-06-01").stdout
    assert closed not in md and "统计期间：2026年6月1日 至 2026年10月14日" in md
    assert "统计期间内没有已关闭的服务单。" in md
    assert "invalid --since" in refused(cli, "report", "site", "HD", "--since", "June", code=2)
    assert "after today" in refused(cli, "report", "site", "HD", "--since", "2027-01-01", code=2)
    assert "no site" in refused(cli, "report", "site", "NOPE")


def test_every_report_renders_in_both_languages_and_formats(cli, handled, inspected):
    titles = {"incident": ("问题处理汇报", "Incident report"),
              "inspection": ("现场巡检汇报", "On-site inspection report"),
              "overdue": ("服务时限超时报告", "Overdue service promises"),
              "site": ("服务档案", "Service dossier")}  # fmt: skip
    args = {"incident": [handled], "inspection": [inspected], "overdue": [], "site": ["HD"]}
    for name, (zh, en) in titles.items():
        for lang, title in (("zh", zh), ("en", en)):
            md = ok(cli, "report", name, *args[name], "--lang", lang).stdout
            assert md.startswith(f"# {title}"), (name, lang)
            html = ok(cli, "report", name, *args[name], "--lang", lang, "-f", "html").stdout
            assert f"<h1>{title}</h1>" in html, (name, lang)
            assert not re.search(r"<script|\bsrc=|\bhref=|url\(", html, re.I)
            assert "&lt;b&gt;" in html or name not in ("incident", "site")  # its title, escaped
            # nothing untranslated: no value of svcdesk's own shown by its stored name
            words = set(re.findall(r"\b(?:met_late|not_applicable|due_soon|queue_machine|"
                                   r"led_screen|report-submitted|not_covered)\b", md + html))
            assert not words, (name, lang, words)


@pytest.mark.pg
def test_the_reports_read_a_postgresql_hub_alike(cli, pg_url, tmp_path):
    def on_hub(*args: str):
        return ok(cli, "--db", pg_url, *args)

    on_hub("init")
    on_hub("site", "add", "HD", "--name", SITE_NAME)
    results = tmp_path / "r.toml"
    results.write_text('servers = "ok"\n[backups]\nresult = "fault"\nfinding = "备份未执行"\n',
                       encoding="utf-8")  # fmt: skip
    found = on_hub("inspect", "record", "--site", "HD", "--results", str(results), "--at",
                   "2026-10-13T10:00", "--open-tickets", "-f", "json").json()  # fmt: skip
    (ticket,) = found["tickets"]
    md = on_hub("report", "incident", ticket).stdout
    assert rows_of(md, "发现于巡检") == [["发现于巡检", f"{found['ref']}（2026年10月13日 10:00）"]]
    md = on_hub("report", "site", "HD").stdout
    assert ticket in md.split("## 三、未关闭的服务单")[1].split("## 四、")[0]
    assert found["ref"] in md.split("## 六、现场巡检")[1]
    assert "**已超时 1 项" in on_hub("report", "overdue").stdout
