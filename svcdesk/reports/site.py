"""The site dossier (服务档案) of one customer site: its equipment and their warranty, its
open and recent tickets, the visits to it and its inspections with its yearly quota.

`context` shapes the records the services give (assets with their warranty decision today,
tickets with their clocks, visits as `visit show`, inspections as `inspect show`) into the
plain dict the templates read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any


def context(
    *,
    site: Mapping[str, Any],
    assets: Sequence[Mapping[str, Any]],
    tickets: Sequence[Mapping[str, Any]],
    visits: Sequence[Mapping[str, Any]],
    inspections: Sequence[Mapping[str, Any]],
    quota: Mapping[str, Any] | None,
    since: date,
    now: datetime,
) -> dict[str, Any]:
    """The site dossier's context: `tickets` newest first, each with `clocks` (records as
    `ticket show` has them) and `resolved_at`; the open ones apart from the rest."""
    shaped = [_ticket(t) for t in tickets]
    return {
        "site": dict(site),
        "since": since,
        "assets": [_asset(a) for a in assets],
        "asset_counts": {"total": len(assets),
                         "in_warranty": sum(1 for a in assets
                                            if (a.get("warranty") or {}).get("in_warranty"))},
        "open": [t for t in shaped if t["status"] != "closed"],
        "recent": [t for t in shaped if t["status"] == "closed"],
        "visits": [_visit(v) for v in visits],
        "inspections": [{k: i.get(k) for k in ("ref", "at", "faults", "signed_by", "visit")}
                        | {"checked": len(i.get("items", [])), "tickets": i.get("tickets", [])}
                        for i in inspections],
        "quota": dict(quota) if quota else None,
        "generated_at": now,
    }  # fmt: skip


def _ticket(t: Mapping[str, Any]) -> dict[str, Any]:
    clocks = t.get("clocks") or []
    late = any(c["state"] == "breached" or c.get("late") for c in clocks)
    running = [c for c in clocks if c["state"] in ("running", "breached") and c.get("due_at")]
    nxt = min(running, key=lambda c: c["due_at"]) if running else None
    return {
        "ref": t["ref"],
        "title": t.get("title"),
        "category": t.get("category"),
        "severity": t.get("severity"),
        "status": t.get("status"),
        "assignee": t.get("assignee"),
        "opened_at": t.get("opened_at"),
        "resolved_at": t.get("resolved_at"),
        "sla": None if not clocks else ("breached" if late else "ok"),
        "next_clock": nxt["name"] if nxt else None,
        "next_due": nxt["due_at"] if nxt else None,
    }


def _asset(a: Mapping[str, Any]) -> dict[str, Any]:
    w = a.get("warranty") or {}
    return {
        "ref": a.get("ref"),
        "kind": a.get("kind"),
        "serial": a.get("serial"),
        "model": a.get("model"),
        "installed_on": a.get("installed_on"),
        "warranty_until": w.get("warranty_until") or a.get("warranty_until"),
        "in_warranty": w.get("in_warranty"),
        "age_days": w.get("age_days"),
        "repair": w.get("repair"),
        "replacement": w.get("replacement"),
        "support": w.get("support"),
    }


def _visit(v: Mapping[str, Any]) -> dict[str, Any]:
    minutes = v.get("minutes")
    return {
        "ref": v["ref"],
        "ticket": v.get("ticket"),
        "engineer": v.get("engineer"),
        "kind": v.get("kind"),
        "started_at": v.get("started_at"),
        "ended_at": v.get("ended_at"),
        "seconds": minutes * 60 if minutes is not None else None,
        "summary": v.get("summary"),
        "parts": len(v.get("parts", [])),
        "signed_by": v.get("signed_by"),
    }
