"""The FAQ digest for the operators (常见问题汇编): the plan's "定时整理常见问题,并主动推送给基层
操作人员" — the FAQ articles added or updated in a period, compiled for the operators at the
branches, with a table of contents and each answer in full.

`context` shapes the articles (as `kb show -f json` has them) and the period into the plain dict
`digest.md.j2` and `digest.html.j2` read, with the digest's own labels. An article's body is
Markdown a team wrote for the operators, so it is kept as Markdown, made safe for the page it
goes on (`body_md`, `body_html`): its headings sit under the article's own, control characters
show as symbols, raw HTML is shown as text (in Markdown `<` is escaped outside code; in HTML the
body is rendered with markdown-it, raw HTML off, no images: the page stays self-contained, and
links to `javascript:` and the like are refused by markdown-it's link check).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from svcdesk.reports.render import visible

_TRY_ZH = "遇到同类问题时，可先按下列方法自行处理。"
_TRY_EN = "When one of these problems comes up, try the steps below first."

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "digest_title": "常见问题汇编",
        "d_audience": "致各基层单位操作人员",
        "d_period": "汇编期间",
        "d_period_text": "{start} 至 {end}",
        "d_last_push": "上期推送",
        "d_never_pushed": "无（本期为首期）",
        "d_intro_both": "本期整理了{start}至{end}新增和更新的常见问题，共 {n} 个（新增 {new} 个，"
                        "更新 {updated} 个），供各基层单位操作人员日常参考。" + _TRY_ZH,
        "d_intro_new": "本期整理了{start}至{end}新增的常见问题，共 {n} 个，供各基层单位操作人员"
                       "日常参考。" + _TRY_ZH,
        "d_intro_updated": "本期整理了{start}至{end}内容有更新的常见问题，共 {n} 个，供各基层单位"
                           "操作人员日常参考。" + _TRY_ZH,
        "d_empty": "{start}至{end}没有新增或更新的常见问题。以往各期的常见问题仍然有效，"
                   "可在知识库中查阅。",
        "sec_d_contents": "本期目录",
        "sec_d_answers": "问题解答",
        "sec_d_help": "仍无法解决时",
        "d_help": "按上述方法仍无法排除的问题，请及时报修：拨打服务热线，或通过远程支持、电子邮件、"
                  "技术支持网站联系我们；必要时技术人员将到现场处理。紧急故障在工作时间以外"
                  "同样提供应急技术支持。报修时请说明所在单位、设备名称和故障现象。",
        "d_no": "序号",
        "d_question": "问题",
        "d_tags": "分类",
        "d_change": "类型",
        "d_changed_at": "日期",
        "d_new": "新增",
        "d_updated": "更新",
        "d_ref": "编号",
        "d_applies_to": "适用版本",
        "d_article_meta": "编号 {ref} · {change}于 {when}",
        "d_no_body": "（详细说明待补充）",
    },
    "en": {
        "digest_title": "FAQ digest",
        "d_audience": "For the operators at every branch",
        "d_period": "Period",
        "d_period_text": "{start} to {end}",
        "d_last_push": "Last digest",
        "d_never_pushed": "none (this is the first)",
        "d_intro_both": "This digest collects the {n} common {qs} added or updated from {start} "
                        "to {end} ({new} new, {updated} updated), for the operators at every "
                        "branch. " + _TRY_EN,
        "d_intro_new": "This digest collects the {n} common {qs} added from {start} to {end}, "
                       "for the operators at every branch. " + _TRY_EN,
        "d_intro_updated": "This digest collects the {n} common {qs} whose answers were updated "
                           "from {start} to {end}, for the operators at every branch. " + _TRY_EN,
        "d_empty": "No common question was added or updated from {start} to {end}. The answers "
                   "of earlier digests still hold and are in the knowledge base.",
        "sec_d_contents": "Contents",
        "sec_d_answers": "Answers",
        "sec_d_help": "If that does not help",
        "d_help": "If the steps above do not clear the problem, report it: call the service "
                  "hotline, or reach us by remote support, email or the support website; an "
                  "engineer comes on site when needed. Urgent faults get support outside working "
                  "hours too. Please say which office you are at, the equipment and what you see.",
        "d_no": "No.",
        "d_question": "Question",
        "d_tags": "Tags",
        "d_change": "Change",
        "d_changed_at": "Date",
        "d_new": "new",
        "d_updated": "updated",
        "d_ref": "Ref",
        "d_applies_to": "Applies to version",
        "d_article_meta": "{ref} · {change} {when}",
        "d_no_body": "(details to follow)",
    },
}  # fmt: skip

HEADING_SHIFT = 3  # a body's `#` is the digest's `####`: under `### 1. Title`


def context(
    *,
    articles: Sequence[Mapping[str, Any]],
    since: datetime,
    until: datetime,
    last_push: datetime | None,
    fmt: str,
    now: datetime,
) -> dict[str, Any]:
    """The digest's context: the articles (newest change first) each with its place, whether it
    is new in the period, and its body made safe for `fmt`; the period; the last push."""
    shaped = []
    for n, a in enumerate(articles, 1):
        new = a["created_at"] >= since
        body = a.get("body") or ""
        shaped.append({
            "n": n,
            "ref": a["ref"],
            "title": a["title"],
            "tags": list(a.get("tags") or []),
            "applies_to": a.get("applies_to"),
            "change": "new" if new else "updated",
            "changed_at": a["updated_at"],
            "created_at": a["created_at"],
            "body": body,
            "body_md": markdown_body(body) if fmt == "md" else None,
            "body_html": html_body(body) if fmt != "md" else None,
        })  # fmt: skip
    new = sum(1 for a in shaped if a["change"] == "new")
    return {
        "articles": shaped,
        "counts": {"total": len(shaped), "new": new, "updated": len(shaped) - new},
        "period": {"since": since, "until": until},
        "last_push": last_push,
        "labels": LABELS,
        "generated_at": now,
    }


# --------------------------------------------------------------------------------------------
# A body, safe for the page it goes on

_LT = re.compile(r"(\\*)<")
# what a line keeps as written: a code span, or an autolink to a web page or a mail address
_KEPT = re.compile(r"(?<!`)(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)"
                   r"|<(?:https?://|mailto:)[^\s<>`]*>", re.IGNORECASE)


def _parser(*, html: bool) -> Any:
    """CommonMark with tables and strikethrough (what a wiki reads); `html`: raw HTML read as
    such (to find it), or shown as text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": html, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


def _escaped_lt(text: str) -> str:
    """Every `<` of `text` backslash-escaped, unless a backslash escapes it already."""
    return _LT.sub(lambda m: m.group(0) if len(m.group(1)) % 2 else m.group(1) + "\\<", text)


def _no_raw_html(line: str, *, keep: bool) -> str:
    """`<` escaped (`\\<` shows as `<`) so no tag or comment of the line reaches a page;
    `keep`: code spans and web or mail autolinks of the line as written."""
    if not keep:
        return _escaped_lt(line)
    out, at = [], 0
    for m in _KEPT.finditer(line):
        out.append(_escaped_lt(line[at : m.start()]))
        out.append(m.group(0))
        at = m.end()
    out.append(_escaped_lt(line[at:]))
    return "".join(out)


def _raw_html(md: Any, text: str) -> bool:
    """Does `text` hold raw HTML, read as a permissive Markdown renderer reads it?"""
    for token in md.parse(text):
        if token.type == "html_block":
            return True
        if token.type == "inline" and any(c.type == "html_inline" for c in token.children or []):
            return True
    return False


def markdown_body(body: str) -> Any:
    """An article's Markdown as the digest's Markdown holds it: headings three levels down
    (at most `######`; a setext heading outside lists and quotes becomes an ATX one), raw HTML
    shown as text (`<` escaped outside code), control characters visible; code as written.
    Where code blocks and headings are is what markdown-it reads; the result is read again,
    and if any raw HTML is still found, every `<` outside code blocks is escaped (then every
    `<` becomes `&lt;`). Marked safe: the template prints it as is."""
    from markupsafe import Markup

    md = _parser(html=True)
    text = visible(body)
    lines = text.split("\n")
    code: set[int] = set()
    gone: set[int] = set()
    for token in md.parse(text):
        if token.map is None:
            continue
        first, end = token.map
        if token.type in ("fence", "code_block"):
            code.update(range(first, end))
        elif token.type == "heading_open":
            level = int(token.tag[1])
            deeper = "#" * min(6, level + HEADING_SHIFT)
            if token.markup.startswith("#"):  # the first run of # on its line: no container's
                lines[first] = re.sub(f"#{{{level}}}(?=[ \t]|$)", deeper, lines[first], count=1)
            elif token.level == 0 and end - first >= 2:  # setext: its text as one ATX line
                title = " ".join(line.strip() for line in lines[first : end - 1])
                lines[first] = f"{deeper} {title}"
                gone.update(range(first + 1, end))

    def made(keep: bool) -> str:
        return "\n".join(line if n in code else _no_raw_html(line, keep=keep)
                         for n, line in enumerate(lines) if n not in gone)  # fmt: skip

    out = made(True)
    if _raw_html(md, out):
        out = made(False)
        if _raw_html(md, out):
            out = out.replace("<", "&lt;")
    # blank lines around it go, but not those inside a code block left open at the end
    out = out.lstrip("\n") if code and max(code) + 1 >= len(text.splitlines()) else (
        out.strip("\n"))
    return Markup(out)


def html_body(body: str) -> Any:
    """An article's Markdown as HTML: CommonMark with tables and strikethrough, raw HTML shown
    as text, an image as a link to it (nothing is fetched from outside), headings three levels
    down (from `h4`), control characters visible. Marked safe: markdown-it escaped every text
    it holds."""
    from markupsafe import Markup

    md = _parser(html=False)
    md.add_render_rule("image", _image_as_link)
    tokens = md.parse(visible(body))
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + HEADING_SHIFT)}"
    return Markup(md.renderer.render(tokens, md.options, {}))


def _image_as_link(renderer: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    """An image as a link to it, its alt text the link's: the page loads nothing."""
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env) or "image"
    src = escapeHtml(str(token.attrGet("src") or ""))
    return f'<a class="image" href="{src}">{escapeHtml(alt)}</a>'
