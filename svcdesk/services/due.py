"""`svcdesk due`: one board of every obligation overdue or due soon, most urgent first.

What the plan promises, each made visible before it is missed:
- `clock`: a ticket's SLA clock (respond, update, onsite, resolve, restore, upgrade) breached
  or running out; `report`: the incident report owed after a resolution (its `report` clock);
- `inspection`: a site behind its yearly quota of on-site inspections, or its next one due;
- `training`: a major upgrade whose operators' training is owed;
- `digest`: the operators' FAQ digest, due `[digest] every` after the last one pushed (after
  the first FAQ article when none was), while FAQ articles wait for it (services/digest.py); it
  is no site's, so `--site` and `--engineer` leave it out.

How far ahead each kind looks, without `--within`: clocks and reports 4 hours (they run in
hours), trainings and digests 7 days, inspections the policy's `[inspections] due_soon` (14 days);
`--within` sets one window for every kind. Items come as CLI.md's due item: kind, site,
ticket, what, due_at, state (`overdue`, `behind`, `due_soon`), seconds_left.

The clocks stream from the tickets' deadline index (as `sla overdue` does); the few site
obligations are computed whole and merged in by deadline.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import Any

from svcdesk import clock
from svcdesk.store import field as field_store
from svcdesk.store import sites as site_store
from svcdesk.store.db import Database

KINDS = ("clock", "report", "inspection", "training", "digest")
CLOCK_AHEAD = 4 * 3600
TRAINING_AHEAD = 7 * 24 * 3600
SERVED = 365 * 24 * 3600  # an engineer's sites: those they visited in the last year


def board(db: Database, *, within: str | None = None, site: str | None = None,
          engineer: str | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Every obligation overdue or due within the window, most urgent first."""
    from svcdesk.services import digest, inspections, upgrades

    window = clock.within_seconds(within) if within is not None else None
    if engineer is not None and not engineer.strip():
        from svcdesk.errors import InvalidValue

        raise InvalidValue("--engineer must not be empty")
    now_dt = clock.now()
    now = clock.to_epoch(now_dt)
    local = clock.local_times(clock.display_tz())
    wanted = engineer.strip().casefold() if engineer is not None else None
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site is not None else None
        codes = site_store.codes(conn)
        served: set[str] | None = None
        if wanted is not None:
            names = [e for e in field_store.engineers(conn) if e.strip().casefold() == wanted]
            served = field_store.sites_visited(conn, names, since=now - SERVED)
        ahead = TRAINING_AHEAD if window is None else window
        owed = upgrades.trainings_owed(conn, site_id=site_id)
        pushed = (digest.due_item(conn, now=now, ahead=ahead, local=local)
                  if site_id is None and wanted is None else None)  # fmt: skip
    others: list[dict[str, Any]] = []
    for t in owed:
        left = t["due_at"] - now
        if left > ahead or (served is not None and t["site_id"] not in served):
            continue
        others.append({
            "kind": "training",
            "site": codes.get(t["site_id"]),
            "ticket": None,
            "what": f"operators' training after major upgrade {t['version']} "
                    f"(upgraded {local(t['at']):%Y-%m-%d})",
            "due_at": local(t["due_at"]),
            "state": "overdue" if left < 0 else "due_soon",
            "seconds_left": left,
        })  # fmt: skip
    if pushed is not None:
        others.append(pushed)
    served_codes = {codes.get(s) for s in served} if served is not None else None
    for item in inspections.due_items(db, now=now_dt, within=window, site=site):
        if served_codes is not None and item["site"] not in served_codes:
            continue
        others.append({k: item[k] for k in ("kind", "site", "ticket", "what", "due_at", "state",
                                             "seconds_left")})  # fmt: skip
    others.sort(key=lambda d: (d["seconds_left"], d["site"] or ""))
    clocks = _clocks(db, within=CLOCK_AHEAD if window is None else window, site=site,
                     engineer=wanted)  # fmt: skip
    yield from heapq.merge(clocks, others, key=lambda d: d["seconds_left"])


def _clocks(db: Database, *, within: int, site: str | None,
            engineer: str | None) -> Iterator[dict[str, Any]]:  # fmt: skip
    from svcdesk.services import sla

    for c in sla.overdue(db, within=f"{within}s" if within else None, site=site):
        if engineer is not None and (c["assignee"] or "").strip().casefold() != engineer:
            continue
        name = c["name"]
        what = ("incident report after the resolution" if name == "report"
                else f"{name} clock") + f": {c['title']}"  # fmt: skip
        yield {
            "kind": "report" if name == "report" else "clock",
            "site": c["site"],
            "ticket": c["ticket"],
            "what": what,
            "due_at": c["due_at"],
            "state": "overdue" if c["seconds_left"] < 0 else "due_soon",
            "seconds_left": c["seconds_left"],
        }
