"""The inspection report (巡检汇报) of one on-site inspection: every checklist item with its
result and finding, the faults found and the tickets they opened, the sign-off, and where the
site stands against its yearly quota (the plan: "每十二个月提供最少4次无偿现场巡检服务,并向用户
提供巡检汇报").

`context` shapes the inspection as `inspect show -f json` has it, its visit as `visit show`
has it, the tickets its faults opened and the site's quota position (`quota`, see
`services/reports.py`) into the plain dict the templates read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


def context(
    *,
    inspection: Mapping[str, Any],
    site: Mapping[str, Any],
    visit: Mapping[str, Any] | None,
    tickets: Mapping[str, Mapping[str, Any]],
    quota: Mapping[str, Any] | None,
    now: datetime,
    lang: str,
) -> dict[str, Any]:
    """The inspection report's context; `tickets`: ref -> the ticket a fault opened (ref,
    title, status, severity); each item's label in `lang`."""
    checks = []
    for number, item in enumerate(inspection.get("items", []), start=1):
        ref = item.get("ticket")
        checks.append({
            "number": number,
            "item": item["item"],
            "label": item.get("label_zh") if lang == "zh" else item.get("label"),
            "result": item["result"],
            "finding": item.get("finding"),
            "ticket": dict(tickets[ref]) if ref and ref in tickets else None,
        })  # fmt: skip
    counts = {"total": len(checks), "ok": 0, "fault": 0, "not_applicable": 0}
    for c in checks:
        counts[c["result"]] = counts.get(c["result"], 0) + 1
    minutes = visit.get("minutes") if visit else None
    return {
        "inspection": {k: inspection.get(k) for k in ("id", "ref", "at", "signed_by", "faults")},
        "site": dict(site),
        "visit": {**visit, "seconds": minutes * 60 if minutes is not None else None}
        if visit else None,
        "checks": checks,
        "faults": [c for c in checks if c["result"] == "fault"],
        "counts": counts,
        "quota": dict(quota) if quota else None,
        "generated_at": now,
    }


def quota_position(*, year: int, start: Any, last_day: Any, quota: int, number: int | None,
                   pace: Any, as_of: Any) -> dict[str, Any]:  # fmt: skip
    """A site's inspections against its yearly quota, from `domain.inspections.pace`: the
    contract year, the quota, which one of the year `number` is (None: not about one), done,
    required by `as_of`, behind, the state, and the next one's number and last day."""
    return {
        "year": year,
        "start": start,
        "last_day": last_day,
        "quota": quota,
        "number": number,
        "as_of": as_of,
        "done": pace.done,
        "required": pace.required,
        "behind": pace.behind,
        "state": pace.state,
        "complete": pace.complete,
        "next_index": pace.next_index,
        "next_due": pace.next_due,
        "days_left": pace.days_left,
    }

