"""The overdue report: what `sla overdue` lists (breached clocks, and with a window those due
within it), as a report for the service manager and the customer, with a count per site.

`context` shapes the records `services/sla.py overdue` yields (earliest deadline first) into
the plain dict the templates read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any


def context(*, clocks: Iterable[Mapping[str, Any]], site_names: Mapping[str, str],
            within: int | None, site: Mapping[str, Any] | None,
            now: datetime) -> dict[str, Any]:  # fmt: skip
    """The overdue report's context: each clock (its ticket, site, deadline, how late or how
    long left), the counts, and per site how many are breached and due soon."""
    rows = []
    per_site: dict[str, dict[str, Any]] = {}
    tickets = set()
    for c in clocks:
        left = c.get("seconds_left")
        breached = c.get("state") == "breached"
        code = c.get("site") or ""
        rows.append({
            "ticket": c["ticket"],
            "title": c.get("title"),
            "site": code,
            "site_name": site_names.get(code, code),
            "assignee": c.get("assignee"),
            "status": c.get("status"),
            "name": c["name"],
            "due_at": c.get("due_at"),
            "state": c.get("state"),
            "late_by": -int(left) if breached and left is not None else None,
            "seconds_left": left,
        })  # fmt: skip
        tickets.add(c["ticket"])
        entry = per_site.setdefault(code, {"code": code, "name": site_names.get(code, code),
                                           "breached": 0, "soon": 0, "tickets": set()})
        entry["breached" if breached else "soon"] += 1
        entry["tickets"].add(c["ticket"])
    by_site = sorted(per_site.values(), key=lambda s: (-s["breached"], -s["soon"], s["code"]))
    for entry in by_site:
        entry["tickets"] = len(entry["tickets"])
    breached = sum(1 for r in rows if r["state"] == "breached")
    return {
        "clocks": rows,
        "counts": {"breached": breached, "soon": len(rows) - breached, "tickets": len(tickets)},
        "by_site": by_site,
        "within": within,
        "site": dict(site) if site else None,
        "generated_at": now,
    }
