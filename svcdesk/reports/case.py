"""A classic case (经典案例) drafted from a resolved ticket and its incident report (`kb case`).

The plan keeps classic problems and cases ("汇总经典问题和案例,组织基层单位培训") and asks the
incident report for four points ("说明问题种类、问题原因、问题处理中使用方法及造成损失等情况"):
the draft is those four points as the sections of a Markdown article, with the symptom (the
ticket's title and its equipment), the result and the parts replaced, and where the case comes
from. Every value is user text: Markdown-escaped (`render.md`), one paragraph per line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from svcdesk.reports import labels as words
from svcdesk.reports.render import format_day, format_span, md, visible

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "c_type": "问题种类",
        "c_symptom": "现象",
        "c_cause": "问题原因",
        "c_method": "处理方法",
        "c_losses": "造成的损失",
        "c_source": "案例来源",
        "c_class": "问题类别：{category}；故障级别：{severity}。",
        "c_asset": "相关设备：{asset}。",
        "c_result": "处理结果：{text}",
        "c_parts": "更换部件：{parts}。",
        "c_part": "{old} 更换为 {new}",
        "c_sep": "；",
        "c_names": "、",
        "c_from": "服务单 {ref}（{site}），{opened}报修，{resolved}处理完成，用时 {took}。",
        "c_engineers": "处理工程师：{names}。",
        "c_none": "无。",
    },
    "en": {
        "c_type": "Problem type",
        "c_symptom": "Symptom",
        "c_cause": "Cause",
        "c_method": "Method",
        "c_losses": "Losses",
        "c_source": "Source",
        "c_class": "Category: {category}; severity: {severity}.",
        "c_asset": "Equipment: {asset}.",
        "c_result": "Result: {text}",
        "c_parts": "Parts replaced: {parts}.",
        "c_part": "{old} replaced by {new}",
        "c_sep": "; ",
        "c_names": ", ",
        "c_from": "Ticket {ref} ({site}), reported {opened}, resolved {resolved} after {took}.",
        "c_engineers": "Engineers: {names}.",
        "c_none": "None.",
    },
}


_BLOCK_START = re.compile(r"^(?:[-+>=]|[0-9]{1,9}(?=[.)]))")


def _paragraph(line: str) -> str:
    """One line of user text as a Markdown paragraph that shows it as typed: markup
    characters and entities escaped, and what would begin a list, a quote, a rule or a
    heading at its start."""
    text = str(md(line)).replace("&", "\\&")
    m = _BLOCK_START.match(text)
    if m is None:
        return text
    if m.group(0).isdigit():  # `1.` or `1)`: the list marker's punctuation
        return text[: m.end()] + "\\" + text[m.end() :]
    return "\\" + text


def _inline(value: Any) -> str:
    """A value inside a sentence, shown as typed."""
    return str(md(visible("" if value is None else str(value)))).replace("&", "\\&")


def _lines(value: Any) -> list[str]:
    """User text as Markdown paragraphs, one per line, each shown as typed; control
    characters visible."""
    text = visible("" if value is None else str(value))
    return [_paragraph(line.strip()) for line in text.split("\n") if line.strip()]


def body(incident: Mapping[str, Any], lang: str) -> str:
    """The Markdown body of the case drafted from an incident report's context
    (`services.reports.incident_context`), in `lang`; it must have its report filed."""
    report = incident["report"]
    ticket, site, asset = incident["ticket"], incident["site"], incident.get("asset")
    say = LABELS[lang]

    def term(group: str, value: Any) -> str:
        return words.term(lang, group, value) if value else words.label(lang, "dash")

    out: list[str] = []

    def section(key: str, paragraphs: list[str]) -> None:
        out.append(f"## {say[key]}")
        out.extend(paragraphs or [say["c_none"]])

    section("c_type", [*_lines(report.get("type")),
                       say["c_class"].format(category=term("category", ticket.get("category")),
                                             severity=term("severity", ticket.get("severity")))])
    symptom = _lines(ticket.get("title"))
    if asset:
        shown = " · ".join(_inline(v) for v in (term("asset_kind", asset.get("kind")),
                                                asset.get("model"), asset.get("serial")) if v)
        symptom.append(say["c_asset"].format(asset=shown))
    section("c_symptom", symptom)
    section("c_cause", _lines(report.get("cause")))
    method = _lines(report.get("method"))
    if incident.get("resolution") and _lines(incident["resolution"]) != method:
        result = _lines(incident["resolution"])
        method.append(say["c_result"].format(text=result[0]) if result else "")
        method.extend(result[1:])
    parts = [say["c_part"].format(old=_inline(p.get("serial_out")), new=_inline(p.get("serial_in")))
             for p in incident.get("parts") or []]
    if parts:
        method.append(say["c_parts"].format(parts=say["c_sep"].join(parts)))
    section("c_method", [m for m in method if m])
    section("c_losses", _lines(report.get("losses")))
    resolved = incident.get("resolved_at")
    took = incident.get("handling_seconds")
    source = [say["c_from"].format(
        ref=_inline(ticket.get("ref")), site=_inline(site.get("name")),
        opened=format_day(ticket.get("opened_at"), lang),
        resolved=format_day(resolved, lang) if resolved else words.label(lang, "dash"),
        took=format_span(took, lang) if took is not None else words.label(lang, "dash"),
    )]  # fmt: skip
    names = [_inline(e["name"]) for e in incident.get("engineers") or []]
    if names:
        source.append(say["c_engineers"].format(names=say["c_names"].join(names)))
    section("c_source", source)
    return "\n\n".join(out) + "\n"
