"""The monthly service review (月度服务报告): what the month's figures (`services.monthly.figures`,
each an SQL aggregate of `store/monthly.py`) look like to the templates `monthly.md.j2` and
`monthly.html.j2`, with its own labels and its charts (inline SVG, `charts.py`).

What a manager checks, in the plan's terms: tickets (服务单) opened and closed by category,
channel and site; SLA compliance per clock (按时完成 / 已超时); the time to respond and to
resolve in the business time each clock counts; the breaches; the backlog's age; the reopen
rate; on-site inspections done against the yearly quota ("每十二个月提供最少4次无偿现场巡检");
trainings held ("系统重大升级后主动组织培训"); repairs and parts replaced under the warranty
("无偿包修和更换") with their cost. A month with nothing in it says so, section by section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from svcdesk.reports import charts
from svcdesk.reports.labels import term

CLOCK_ORDER = ("respond", "update", "onsite", "resolve", "restore", "upgrade", "report")
"""The clocks in the order a ticket meets them (the SLA table's rows)."""

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "monthly_title": "月度服务报告",
        "m_period": "统计期间",
        "m_period_text": "{start} 至 {end}",
        "m_as_of": "截至 {when}（本月尚未结束）",
        "m_scope_all": "全部服务单位",
        "m_scope": "服务单位",
        "sec_m_summary": "本月概况",
        "sec_m_tickets": "服务单统计",
        "sec_m_sla": "SLA 达成率",
        "sec_m_times": "响应与处理用时",
        "sec_m_breaches": "超时明细",
        "sec_m_backlog": "积压服务单",
        "sec_m_inspections": "现场巡检",
        "sec_m_trainings": "培训",
        "sec_m_warranty": "维修与更换部件",
        "m_opened": "新报修",
        "m_closed": "已关闭",
        "m_resolved": "已处理",
        "m_reopened": "重新处理",
        "m_reopen_rate": "重新处理率",
        "m_reopen_note": "本月重新处理的服务单占本月处理完成的服务单的比例。",
        "m_compliance": "SLA 达成率",
        "m_breaches": "超时",
        "m_backlog": "月末积压",
        "m_backlog_now": "当前积压",
        "m_inspections": "巡检完成 / 应完成",
        "m_trainings_n": "培训场次",
        "m_parts_cost": "更换部件费用",
        "m_by_category": "按问题类别",
        "m_by_channel": "按报修方式",
        "m_by_site": "按服务单位",
        "m_total": "合计",
        "m_no_tickets": "本月没有新报修，也没有关闭的服务单。",
        "m_met": "按时完成",
        "m_breached": "超时",
        "m_decided": "到期项数",
        "m_rate": "达成率",
        "m_sla_note": "每项服务时限在按时完成之时，或在截止时间已过仍未完成之时，计入当月。",
        "m_no_clocks": "本月没有到期或完成的服务时限。",
        "m_clocks_n": "项数",
        "m_median": "中位数",
        "m_p90": "90% 在此之内",
        "m_longest": "最长",
        "m_counted": "计时方式",
        "m_mixed": "按故障级别",
        "m_times_note": "用时按各服务时限的计时方式计算（一般故障为工作时间，重大故障为"
                        "自然时间），不含暂停（等待用户）的时间。",
        "m_no_times": "本月没有完成的响应或处理。",
        "m_shown": "共 {total} 项超时，列出超时最久的 {shown} 项。",
        "m_not_listed": "共 {total} 项超时（未列出明细）。",
        "m_late_by": "超时",
        "m_still_open": "尚未完成",
        "m_no_breaches": "本月没有超时的服务时限。",
        "m_age": "已等待",
        "m_tickets_n": "服务单数",
        "m_backlog_text": "月末共有 {total} 张服务单尚未处理完毕，等待时间中位数 {median}，"
                          "最久 {oldest}。",
        "m_backlog_now_text": "目前共有 {total} 张服务单尚未处理完毕，等待时间中位数 {median}，"
                              "最久 {oldest}。",
        "m_no_backlog": "没有积压的服务单。",
        "m_age_lt": "不到 {n} 天",
        "m_age_range": "{a}–{b} 天",
        "m_age_ge": "{n} 天以上",
        "m_in_month": "本月巡检",
        "m_done_year": "本合同年度已完成",
        "m_required": "截至月末应完成",
        "m_behind": "落后",
        "m_year": "合同年度",
        "m_quota_text": "每十二个月至少 {quota} 次无偿现场巡检；合同年度自 {start} 起。",
        "m_quota_text_own": ("每十二个月至少 {quota} 次无偿现场巡检；"
                             "各单位的合同年度自其合同开始日起。"),
        "m_no_sites": "没有登记服务单位。",
        "m_no_quota": "现行服务策略未规定巡检次数。",
        "m_topic": "培训内容",
        "m_attendees": "参加人数",
        "m_upgrade": "对应升级",
        "m_no_trainings": "本月没有举办培训。",
        "m_visits": "现场服务",
        "m_visit_n": "次数",
        "m_on_site": "现场用时",
        "m_no_visits": "本月没有结束的现场服务。",
        "m_parts": "更换部件",
        "m_parts_n": "件数",
        "m_cost": "费用",
        "m_no_cost_n": "其中 {n} 件未登记费用",
        "m_no_parts": "本月没有更换部件。",
        "m_h": "小时",
        "m_min": "分钟",
        "m_pct": "{p}%",
        "m_empty": "本月没有任何服务记录。",
        "m_chart_category": "按问题类别的新报修与关闭",
        "m_chart_sla": "各项服务时限的达成情况",
        "m_chart_backlog": "积压服务单的等待时间",
    },
    "en": {
        "monthly_title": "Monthly service review",
        "m_period": "Period",
        "m_period_text": "{start} to {end}",
        "m_as_of": "as of {when} (the month is not over)",
        "m_scope_all": "All sites",
        "m_scope": "Site",
        "sec_m_summary": "The month at a glance",
        "sec_m_tickets": "Tickets",
        "sec_m_sla": "SLA compliance",
        "sec_m_times": "Time to respond and resolve",
        "sec_m_breaches": "Breaches",
        "sec_m_backlog": "Backlog",
        "sec_m_inspections": "On-site inspections",
        "sec_m_trainings": "Trainings",
        "sec_m_warranty": "Repairs and replacements",
        "m_opened": "Opened",
        "m_closed": "Closed",
        "m_resolved": "Resolved",
        "m_reopened": "Reopened",
        "m_reopen_rate": "Reopen rate",
        "m_reopen_note": "Tickets reopened in the month, as a share of the tickets resolved in it.",
        "m_compliance": "SLA compliance",
        "m_breaches": "Breaches",
        "m_backlog": "Backlog at month end",
        "m_backlog_now": "Backlog now",
        "m_inspections": "Inspections done / required",
        "m_trainings_n": "Trainings",
        "m_parts_cost": "Parts replaced, cost",
        "m_by_category": "By category",
        "m_by_channel": "By channel",
        "m_by_site": "By site",
        "m_total": "Total",
        "m_no_tickets": "No ticket was opened or closed this month.",
        "m_met": "Met",
        "m_breached": "Breached",
        "m_decided": "Due",
        "m_rate": "Met on time",
        "m_sla_note": "A clock counts in the month it was met on time, or in which its deadline "
                      "passed before it was met.",
        "m_no_clocks": "No SLA clock fell due or was met this month.",
        "m_clocks_n": "Clocks",
        "m_median": "Median",
        "m_p90": "90% within",
        "m_longest": "Longest",
        "m_counted": "Counted in",
        "m_mixed": "by severity",
        "m_times_note": "In the time each clock counts (working hours for ordinary faults, "
                        "around the clock for major ones), not counting the time a ticket "
                        "waited for the customer.",
        "m_no_times": "No response or resolution was recorded this month.",
        "m_shown": "{total} breaches; the {shown} longest overdue are listed.",
        "m_not_listed": "{total} breaches (not listed).",
        "m_late_by": "Late by",
        "m_still_open": "not met yet",
        "m_no_breaches": "No SLA clock was breached this month.",
        "m_age": "Waiting",
        "m_tickets_n": "Tickets",
        "m_backlog_text": "{total} tickets were still open at the end of the month; median wait "
                          "{median}, longest {oldest}.",
        "m_backlog_now_text": "{total} tickets are open now; median wait {median}, longest "
                              "{oldest}.",
        "m_no_backlog": "No ticket is waiting.",
        "m_age_lt": "under {n} d",
        "m_age_range": "{a}–{b} d",
        "m_age_ge": "{n} d and more",
        "m_in_month": "This month",
        "m_done_year": "Done this contract year",
        "m_required": "Required by month end",
        "m_behind": "Behind",
        "m_year": "Contract year",
        "m_quota_text": "At least {quota} free on-site inspections every 12 months; the contract "
                        "year starts on {start}.",
        "m_quota_text_own": "At least {quota} free on-site inspections every 12 months; each "
                            "site's contract year starts on its own contract start.",
        "m_no_sites": "No site is registered.",
        "m_no_quota": "The policy in force sets no inspection quota.",
        "m_topic": "Topic",
        "m_attendees": "Attendees",
        "m_upgrade": "After upgrade",
        "m_no_trainings": "No training was held this month.",
        "m_visits": "On-site visits",
        "m_visit_n": "Visits",
        "m_on_site": "Time on site",
        "m_no_visits": "No on-site visit ended this month.",
        "m_parts": "Parts replaced",
        "m_parts_n": "Parts",
        "m_cost": "Cost",
        "m_no_cost_n": "{n} without a recorded cost",
        "m_no_parts": "No part was replaced this month.",
        "m_h": " h",
        "m_min": " min",
        "m_pct": "{p}%",
        "m_empty": "Nothing was recorded this month.",
        "m_chart_category": "Tickets opened and closed by category",
        "m_chart_sla": "SLA clocks met and breached",
        "m_chart_backlog": "How long the backlog has waited",
    },
}


def _label(lang: str, key: str, **values: Any) -> str:
    text = LABELS[lang][key]
    return text.format(**values) if values else text


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _dimension(opened: Sequence[tuple[str, str, int]], closed: Sequence[tuple[str, str, int]],
               name: str) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of one dimension: each value with its opened and closed counts, the most
    opened first (then closed, then the value)."""
    out: dict[str, dict[str, Any]] = {}
    for d, v, n in opened:
        if d == name:
            out.setdefault(v, {"key": v, "opened": 0, "closed": 0})["opened"] = n
    for d, v, n in closed:
        if d == name:
            out.setdefault(v, {"key": v, "opened": 0, "closed": 0})["closed"] = n
    return sorted(out.values(), key=lambda r: (-r["opened"], -r["closed"], r["key"]))


def _age_labels(lang: str, days: Sequence[int]) -> list[str]:
    out = [_label(lang, "m_age_lt", n=days[0])] if days else []
    out += [_label(lang, "m_age_range", a=a, b=b) for a, b in zip(days, days[1:], strict=False)]
    out.append(_label(lang, "m_age_ge", n=days[-1]) if days else "")
    return out


def context(figs: Mapping[str, Any], *, local: Callable[[int], datetime],
            lang: str) -> dict[str, Any]:  # fmt: skip
    """The review's context from the month's figures: plain values, instants as `local`
    datetimes, durations in seconds, money in cents, shares as percentages (None: nothing to
    divide), the charts as SVG (marked safe: built from escaped text)."""
    from markupsafe import Markup

    opened, closed_by = figs["opened"], figs["closed_by"]
    by = {d: _dimension(opened, closed_by, d) for d in ("category", "channel", "site")}
    opened_n = sum(n for d, _, n in opened if d == "category")
    outcomes = {name: (met, breached) for name, met, breached in figs["outcomes"]}
    sla = []
    for name in sorted(outcomes, key=lambda n: (CLOCK_ORDER.index(n) if n in CLOCK_ORDER
                                                 else len(CLOCK_ORDER), n)):  # fmt: skip
        met, breached = outcomes[name]
        sla.append({"name": name, "met": met, "breached": breached, "total": met + breached,
                    "rate": _pct(met, met + breached)})  # fmt: skip
    met_all = sum(r["met"] for r in sla)
    decided_all = sum(r["total"] for r in sla)
    bases = figs.get("bases", {})
    times = [{"name": d.name, "clocks": d.clocks, "median": d.median, "p90": d.p90,
              "longest": d.longest, "basis": bases.get(d.name)}
             for d in figs["durations"]]  # fmt: skip
    breaches = [{"ref": b.ref, "title": b.title, "site": b.site, "severity": b.severity,
                 "clock": b.name, "due_at": local(b.due_at),
                 "met_at": local(b.met_at) if b.met_at is not None else None, "late": b.late}
                for b in figs["breaches"]]  # fmt: skip
    backlog = figs["backlog"]
    ages = _age_labels(lang, figs["backlog_days"])
    buckets = [{"label": label, "count": n} for label, n in zip(ages, backlog.counts,
                                                                  strict=True)]  # fmt: skip
    inspections = list(figs["inspections"])
    trainings = [{"site": tr.site, "at": local(tr.at), "topic": tr.topic,
                  "attendees": tr.attendees, "upgrade": tr.upgrade}
                 for tr in figs["trainings"]]  # fmt: skip
    visits = [{"kind": v.kind, "visits": v.visits, "seconds": v.seconds} for v in figs["visits"]]
    parts = [{"coverage": p.coverage, "parts": p.parts, "cost": p.cost, "no_cost": p.no_cost}
             for p in figs["parts"]]  # fmt: skip
    summary = {
        "opened": opened_n,
        "closed": figs["closed"],
        "resolved": figs["resolved"],
        "reopened": figs["reopened"],
        "reopen_rate": _pct(figs["reopened"], figs["resolved"]),
        "met": met_all,
        "decided": decided_all,
        "compliance": _pct(met_all, decided_all),
        "breaches": figs["breach_total"],
        "backlog": backlog.total,
        "inspections_done": sum(i["in_month"] for i in inspections),
        "inspections_year": sum(i["done"] for i in inspections),
        "inspections_required": sum(i["required"] for i in inspections),
        "inspections_behind": sum(1 for i in inspections if i["behind"]),
        "trainings": len(trainings),
        "attendees": sum(tr["attendees"] for tr in trainings),
        "parts": sum(p["parts"] for p in parts),
        "parts_cost": sum(p["cost"] for p in parts),
    }
    empty = not (opened_n or figs["closed"] or figs["resolved"] or decided_all
                 or figs["durations"] or backlog.total or summary["inspections_done"]
                 or trainings or visits or parts)  # fmt: skip
    cats = by["category"]
    chart_cats = [term(lang, "category", r["key"]) for r in cats]
    category_chart = charts.grouped_bars(
        chart_cats, [[r["opened"], r["closed"]] for r in cats],
        [_label(lang, "m_opened"), _label(lang, "m_closed")],
        title=_label(lang, "m_chart_category"),
    )  # fmt: skip
    sla_chart = charts.stacked_bars(
        [term(lang, "clock", r["name"]) for r in sla], [[r["met"], r["breached"]] for r in sla],
        [_label(lang, "m_met"), _label(lang, "m_breached")], title=_label(lang, "m_chart_sla"),
    )  # fmt: skip
    backlog_chart = charts.column_chart(
        [b["label"] for b in buckets], [b["count"] for b in buckets],
        title=_label(lang, "m_chart_backlog"),
    )  # fmt: skip
    return {
        "labels": LABELS,
        "period": {
            "year": figs["year"],
            "month": figs["month"],
            "start": local(figs["start"]),
            "last_day": local(figs["end"] - 1),
            "as_of": local(figs["as_of"]),
            "complete": figs["complete"],
            "zone": figs["zone"],
        },
        "site": figs["site"],
        "summary": summary,
        "by": by,
        "sla": sla,
        "times": times,
        "breaches": breaches,
        "breach_total": figs["breach_total"],
        "backlog": {"total": backlog.total, "median_age": backlog.median_age,
                    "oldest_age": backlog.oldest_age, "buckets": buckets},  # fmt: skip
        "inspections": inspections,
        "trainings": trainings,
        "visits": visits,
        "parts": parts,
        "empty": empty,
        "charts": {
            "category": Markup(category_chart) if cats else None,
            "sla": Markup(sla_chart) if sla else None,
            "backlog": Markup(backlog_chart) if backlog.total else None,
        },
    }
