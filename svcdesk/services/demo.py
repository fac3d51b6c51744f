"""The demo data behind `svcdesk init --demo`: a dozen tax-bureau sites, their equipment, and
about four months of tickets in every state of the lifecycle.

What the demo is made of (sites, people, equipment models, the fault catalogue, what engineers
write, how tickets end up) is data in svcdesk/data/demo/*.toml, read by `demo_data`; this
module only draws from it. Everything goes through the public services (sites, assets,
tickets), so the demo has the same rows, events, refs and change log as work typed in by hand.
It is drawn from `random.Random(2026)` relative to `clock.now()`: the same `--now` gives the
same demo.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from svcdesk import clock
from svcdesk.errors import RuleViolation
from svcdesk.services import demo_data, tickets
from svcdesk.services.assets import add_asset
from svcdesk.services.demo_data import Fault
from svcdesk.services.sites import add_site
from svcdesk.store import admin
from svcdesk.store.db import Database

SEED = 2026
TICKETS = 200
DAYS_BACK = 120

DATA = demo_data.load()
TZ = DATA.tz
# The names bench/gen_tickets.py takes from the demo.
SURNAMES, GIVEN = DATA.surnames, DATA.given
FAULTS, UPGRADES = DATA.faults, DATA.upgrades

HW, ENV, SW, OP = "hardware", "environment", "software", "operation"

# --------------------------------------------------------------------------------------------
# Serial numbers

_ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _serial(rng: random.Random, pattern: str) -> str:
    """A serial number from an equipment.toml pattern: # digit, @ letter, ? letter or digit."""
    out = []
    for c in pattern:
        if c == "#":
            out.append(rng.choice("0123456789"))
        elif c == "@":
            out.append(rng.choice(_ALNUM[10:]))
        elif c == "?":
            out.append(rng.choice(_ALNUM))
        else:
            out.append(c)
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Working time (local to the sites)


@dataclass
class _Calendar:
    """Working days and hours in the sites' zone, for plausibly timed non-urgent work."""

    rng: random.Random
    holidays: Any
    windows: tuple[tuple[time, time], ...] = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))

    def workday(self, d: date) -> bool:
        extra = getattr(self.holidays, "weekend_workdays", ())
        return d in extra or (d.weekday() < 5 and d not in self.holidays)

    def next_working(self, at: datetime) -> datetime:
        """`at` if it falls in working hours, else the start of the next window (plus a bit)."""
        tz = clock.zone(TZ)
        local = at.astimezone(tz)
        d = local.date()
        while True:
            if self.workday(d):
                for start, end in self.windows:
                    lo = datetime.combine(d, start, tz)
                    hi = datetime.combine(d, end, tz)
                    if local < lo:
                        jitter = timedelta(minutes=self.rng.randint(0, 25))
                        return (lo + jitter).astimezone(at.tzinfo)
                    if local < hi:
                        return at
            d += timedelta(days=1)
            local = datetime.combine(d, time(0), tz)


# --------------------------------------------------------------------------------------------
# A ticket's life, planned as (instant, action, arguments) and played up to now

ACTIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "assign": tickets.assign,
    "respond": tickets.respond,
    "escalate": tickets.escalate,
    "arrive": tickets.arrive,
    "pause": tickets.pause,
    "resume": tickets.resume,
    "resolve": tickets.resolve_ticket,
    "report": tickets.report,
    "close": tickets.close,
    "reopen": tickets.reopen,
    "comment": tickets.comment,
}


@dataclass
class _Plan:
    rng: random.Random
    cal: _Calendar
    t: datetime
    urgent: bool
    steps: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, action: str, lo: int, hi: int, *, office: bool | None = None, **kw: Any) -> None:
        """Step `action` lo..hi minutes after the previous one, moved into working time if
        `office` (by default: unless the ticket is urgent, which gets support at any hour)."""
        t = self.t + timedelta(minutes=max(1, self.rng.randint(lo, hi)))
        if office or (office is None and not self.urgent):
            t = self.cal.next_working(t)
        self.t = t
        self.steps.append((t, action, kw))


def _fix_minutes(fault: Fault, severity: str) -> tuple[int, int]:
    """How long a fix takes, roughly as the plan's clocks expect (minutes, from..to)."""
    if severity == "major":
        return 60, 20 * 60
    if fault.category == OP:
        return 10, 90
    if fault.category == HW:
        return 120, 18 * 60
    if severity == "minor":
        return 20, 6 * 60
    return 30, 8 * 60


@dataclass
class _Ticket:
    site: str
    fault: Fault
    severity: str
    channel: str
    opened: datetime
    engineer: str
    fate: str
    values: dict[str, Any]
    asset: str | None = None
    reporter: str | None = None
    due: datetime | None = None
    urgent: bool = False  # worked on at any hour, not only in working time


def _plan(
    rng: random.Random, cal: _Calendar, tk: _Ticket
) -> list[tuple[datetime, str, dict[str, Any]]]:
    """The whole planned life of a ticket for its fate; the caller plays it up to now."""
    f, v = tk.fault, tk.values
    p = _Plan(rng, cal, tk.opened, tk.urgent)
    fate = tk.fate
    if fate == "just_reported":
        return p.steps
    if tk.channel == "onsite":  # reported to the engineer who is already there
        p.add("arrive", 1, 3, office=False, engineer=tk.engineer)
    p.add("assign", 2, 15, engineer=tk.engineer)
    lo, hi = (35, 80) if rng.random() < 0.08 else (2, 15)  # now and then a late response
    if tk.due is not None:
        note = DATA.lines.upgrade_received
    else:
        note = rng.choice(DATA.responses[tk.channel])
    p.add("respond", lo, hi, note=note)
    if tk.due is not None:
        _plan_upgrade(rng, p, tk)
        return p.steps
    if rng.random() < 0.3:
        p.add("comment", 5, 60, body=rng.choice(DATA.comments))
    if fate == "assigned_open":
        return p.steps
    goes = f.category == HW and rng.random() < 0.6
    if tk.channel != "onsite" and (goes or fate in ("escalated_open", "closed_escalated")):
        p.add("arrive", 30, 180, engineer=tk.engineer)
    if fate in ("escalated_open", "closed_escalated"):
        senior = rng.choice([s for s in DATA.seniors if s != tk.engineer])
        p.add("escalate", 30, 240, office=False, to=senior, note=rng.choice(DATA.escalations))
        late_arrival = rng.random() < 0.1
        lo, hi = (390, 540) if late_arrival else (60, 330)
        p.add("arrive", lo, hi, office=False, engineer=senior)
        if fate == "escalated_open":
            p.add("comment", 30, 120, body=DATA.lines.part_ordered)
            return p.steps
    if fate in ("stuck_paused", "closed_paused"):
        p.add("pause", 10, 60, reason=rng.choice(DATA.pause_reasons))
        if fate == "stuck_paused":
            return p.steps
        p.add("resume", 120, 3 * 1440)
    lo, hi = _fix_minutes(f, tk.severity)
    p.add("resolve", lo, hi, note=f.fix.format(**v))
    if fate == "resolved_noreport":
        return p.steps
    _plan_report(rng, p, f, v)
    if fate == "resolved_report":
        return p.steps
    p.add("close", 240, 4 * 1440, office=True)
    if fate in ("reopened_open", "reopened_closed"):
        p.add("reopen", 720, 3 * 1440, office=True, reason=rng.choice(DATA.reopen_reasons))
        p.add("respond", 5, 30, note=DATA.lines.looking_again)
        if fate == "reopened_open":
            return p.steps
        fix = f.fix.format(**v)
        again = DATA.lines.fixed_again.format(fix=f"{fix[0].lower()}{fix[1:]}")
        p.add("resolve", 60, 8 * 60, note=again)
        _plan_report(rng, p, f, v)
        p.add("close", 240, 3 * 1440, office=True)
    if rng.random() < 0.15:
        p.add("comment", 60, 2 * 1440, office=True, body=DATA.lines.satisfaction_call)
    return p.steps


def _plan_report(rng: random.Random, p: _Plan, f: Fault, v: dict[str, Any]) -> None:
    lo, hi = (1500, 2400) if rng.random() < 0.1 else (60, 1200)
    p.add(
        "report",
        lo,
        hi,
        office=True,
        type=f.problem_type,
        cause=f.cause.format(**v),
        method=f.fix.format(**v),
        losses=f.losses.format(**v) if f.losses else DATA.lines.no_losses,
    )


def _plan_upgrade(rng: random.Random, p: _Plan, tk: _Ticket) -> None:
    """An upgrade: scheduled with the customer, done one evening near the due date."""
    assert tk.due is not None
    tz = clock.zone(TZ)
    day = (tk.due - timedelta(days=rng.choice((0, 1, 2, 3, 5, -1, -2)))).astimezone(tz).date()
    evening = datetime.combine(day, time(18, rng.randint(0, 59)), tz)
    p.add("comment", 60, 1440, body=DATA.lines.upgrade_scheduled.format(day=f"{day:%Y-%m-%d}"))
    if rng.random() < 0.25:
        p.add("pause", 30, 600, reason=DATA.lines.upgrade_window)
        p.add("resume", 600, 4 * 1440)
    gap = int((evening.astimezone(p.t.tzinfo) - p.t).total_seconds() // 60)
    p.add(
        "resolve",
        max(gap, 30),
        max(gap, 30) + 180,
        office=False,
        note=tk.fault.fix.format(**tk.values),
    )
    p.add("comment", 600, 1440, body=DATA.lines.upgrade_training)
    p.add("close", 60, 2 * 1440)


# --------------------------------------------------------------------------------------------
# Loading


def load_demo(db: Database) -> dict[str, int]:
    """Fill an empty database with the demo sites, equipment and tickets; returns the counts."""
    with db.read() as conn:
        before = admin.counts(conn)
    if before["site"] or before["ticket"]:
        raise RuleViolation(
            f"database {db.label} already holds sites or tickets; load the demo into a new one"
        )
    import holidays

    rng = random.Random(SEED)
    now = clock.now()
    local_years = range(now.year - 1, now.year + 2)
    cal = _Calendar(rng, holidays.country_holidays("CN", years=local_years))
    # One transaction: the service calls below join it, so the demo lands whole or not at all.
    with db.write() as tx:
        staff = _load_sites(db, rng, now)
        assets = _load_assets(db, rng, now)
        _load_tickets(db, rng, cal, now, staff, assets)
        _load_inspections(db, random.Random(SEED + 2), cal, now, staff)
        _load_articles(db, now)
        after = admin.counts(tx.conn)
    return {"sites": after["site"], "assets": after["asset"], "tickets": after["ticket"],
            "events": after["ticket_event"], "visits": after["visit"],
            "inspections": after["inspection"], "upgrades": after["upgrade"],
            "trainings": after["training"], "articles": after["article"]}  # fmt: skip


def _load_sites(db: Database, rng: random.Random, now: datetime) -> dict[str, list[str]]:
    """Each site, and the staff there who report faults (the contact first): customers since
    January of last year, so their 12-month service periods are calendar years."""
    staff = {}
    since = f"{now.astimezone(clock.zone(TZ)).year - 1}-01-01"
    for site in DATA.sites:
        add_site(db, code=site.code, name=site.name, tz=TZ, region=site.region,
                 contact=site.contact, contract_start=since)  # fmt: skip
        others = [f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}" for _ in range(3)]
        staff[site.code] = [site.contact.split(",")[0], *others]
    return staff


@dataclass
class _Asset:
    ref: str
    kind: str
    where: str
    serial: str = ""


def _load_assets(db: Database, rng: random.Random, now: datetime) -> dict[str, list[_Asset]]:
    """Each site's equipment as equipment.toml's fleet lists it, for 1-3 halls and 4-9 windows."""
    today = now.astimezone(clock.zone(TZ)).date()
    out: dict[str, list[_Asset]] = {}
    for site in DATA.sites:
        code = site.code
        project = today - timedelta(days=rng.randint(400, 6 * 365 - 30))
        halls = rng.randint(1, 3)
        windows = rng.randint(4, 9)
        count = {"site": 1, "hall": halls, "window": windows}
        fleet: list[tuple[str, str]] = []
        for item in DATA.fleet:
            if item.chance < 1 and rng.random() >= item.chance:
                continue
            fleet += [
                (item.kind, item.notes.format(n=n, windows=windows))
                for n in range(1, count[item.per] + 1)
            ]
        models = {kind: rng.choice(list(k.models)) for kind, k in DATA.kinds.items()}
        out[code] = []
        for kind, where in fleet:
            installed = project
            if rng.random() < 0.25:  # replaced or added since the project went live
                span = (today - timedelta(days=365) - project).days
                installed = project + timedelta(days=rng.randint(0, max(span, 0)))
            k = DATA.kinds[kind]
            model = models[kind] if rng.random() < 0.85 else rng.choice(list(k.models))
            years = rng.choice(k.warranty_years)
            try:
                warranty = installed.replace(year=installed.year + years)
            except ValueError:  # 29 February
                warranty = installed.replace(year=installed.year + years, day=28)
            rec = add_asset(
                db,
                site=code,
                kind=kind,
                serial=_serial(rng, k.models[model]),
                model=model,
                installed_on=installed,
                warranty_until=warranty,
                notes=where,
            )
            out[code].append(_Asset(rec["ref"], kind, where, rec["serial"]))
    return out


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _opened_at(rng: random.Random, cal: _Calendar, now: datetime, off_hours: bool) -> datetime:
    """When a fault is reported: mostly in working hours, recent weeks busier."""
    tz = clock.zone(TZ)
    today = now.astimezone(tz).date()
    while True:
        d = today - timedelta(days=int(DAYS_BACK * rng.random() ** 1.25))
        if off_hours:
            minute = rng.randint(18 * 60, 23 * 60 + 30)
        else:
            if not cal.workday(d):
                continue
            minute = rng.choice(
                (rng.randint(8 * 60 + 30, 11 * 60 + 50), rng.randint(13 * 60 + 30, 17 * 60 + 20))
            )
        at = datetime.combine(d, time(minute // 60, minute % 60), tz).astimezone(now.tzinfo)
        if at < now - timedelta(minutes=10):
            return at


def _draw_fault(
    rng: random.Random, pool: tuple[Fault, ...], fleet: list[_Asset]
) -> tuple[Fault, _Asset | None]:
    """A fault from `pool` that fits the site's equipment, and the asset it is about."""
    while True:
        fault = rng.choice(pool)
        fit = [
            a
            for a in fleet
            if a.kind == fault.kind and (fault.role is None or a.where == fault.role)
        ]
        if fault.kind is None or fit:
            return fault, rng.choice(fit) if fit else None


# what a senior engineer gets called out for: no questions, requests or cosmetic faults
_ESCALATABLE = tuple(
    f for f in FAULTS if f.category in (HW, ENV, SW) and f.severities != ("minor",)
)
# what may wait on the customer for days: not a major fault
_PAUSABLE = tuple(f for f in FAULTS if f.severities != ("major",))


def _fault_values(rng: random.Random, asset: _Asset | None) -> dict[str, Any]:
    """The values of a fault's placeholders (demo_data.FAULT_FIELDS) for one ticket."""
    return {
        "where": asset.where if asset else "",
        "Where": asset.where.capitalize() if asset else "",
        "ch": rng.randint(1, 16),
        "pct": rng.randint(91, 98),
        "win": rng.randint(1, 8),
        "slot": rng.randint(0, 5),
        "temp": rng.randint(31, 36),
        "n": rng.randint(2, 60),
        "ver": f"{rng.randint(5, 6)}.{rng.randint(0, 4)}.{rng.randint(0, 9)}",
    }


def _working_before(rng: random.Random, cal: _Calendar, latest: datetime) -> datetime:
    """A minute in working hours on the last working day, no later than `latest`."""
    tz = clock.zone(TZ)
    d = latest.astimezone(tz).date()
    while True:
        if cal.workday(d):
            start, end = rng.choice(cal.windows)
            lo, hi = start.hour * 60 + start.minute, end.hour * 60 + end.minute - 10
            minute = rng.randint(lo, hi)
            at = datetime.combine(d, time(minute // 60, minute % 60), tz)
            if at <= latest:
                return at.astimezone(latest.tzinfo)
        d -= timedelta(days=1)


def _load_tickets(
    db: Database,
    rng: random.Random,
    cal: _Calendar,
    now: datetime,
    staff: dict[str, list[str]],
    assets: dict[str, list[_Asset]],
) -> None:
    plans: list[_Ticket] = []
    for i in range(TICKETS):
        forced = DATA.forced[i] if i < len(DATA.forced) else None
        site = rng.choice(DATA.sites)
        code, engineer = site.code, site.engineer
        if rng.random() < 0.3:
            engineer = rng.choice(DATA.first_line)
        upgrade = forced is None and rng.random() < 0.07
        off_hours = forced is None and rng.random() < 0.12
        urgent = False
        if forced is None:
            opened = _opened_at(rng, cal, now, off_hours)
        elif forced.oldest < 1440:  # hours old: whatever the hour, it is being worked on
            ago = rng.randint(forced.youngest, forced.oldest)
            opened = (now - timedelta(minutes=ago)).replace(second=0)
            urgent = True
        else:
            opened = _working_before(rng, cal, now - timedelta(minutes=forced.youngest))
        age_days = (now - opened).total_seconds() / 86400
        fate = (
            forced.fate
            if forced
            else next(
                _pick(rng, group.weights)
                for group in DATA.fates
                if group.max_age_days is None or age_days <= group.max_age_days
            )
        )
        pool: tuple[Fault, ...] = FAULTS
        barred = ""
        if upgrade:
            pool = UPGRADES
        elif fate in ("escalated_open", "closed_escalated"):
            pool, barred = _ESCALATABLE, "minor"
        elif fate in ("stuck_paused", "closed_paused"):
            pool, barred = _PAUSABLE, "major"
        fault, asset = _draw_fault(rng, pool, assets[code])
        severity = rng.choice([s for s in fault.severities if s != barred])
        if upgrade or (off_hours and severity != "major"):
            channel = rng.choice(("web", "email"))
        elif off_hours:
            channel = "phone"  # the hotline, for urgent faults outside working hours
        else:
            channel = _pick(rng, DATA.channels[fault.category])
        values = _fault_values(rng, asset)
        due = None
        if upgrade:
            local = (opened + timedelta(days=rng.randint(10, 45))).astimezone(clock.zone(TZ))
            due = local.replace(hour=17, minute=30).astimezone(now.tzinfo)
        plans.append(
            _Ticket(
                site=code,
                fault=fault,
                severity=severity,
                channel=channel,
                opened=opened,
                engineer=engineer,
                fate=fate,
                values=values,
                asset=asset.ref if asset else None,
                reporter=rng.choice(staff[code]),
                due=due,
                urgent=urgent or severity == "major",
            )
        )
    plans.sort(key=lambda tk: tk.opened)  # refs follow the order the faults were reported
    cutoff = now - timedelta(minutes=1)
    work = _FieldWork(db, random.Random(SEED + 1), assets)
    for tk in plans:
        steps = _plan(rng, cal, tk)
        rec = tickets.open_ticket(
            db,
            title=tk.fault.title.format(**tk.values),
            site=tk.site,
            category=tk.fault.category,
            severity=tk.severity,
            channel=tk.channel,
            asset=tk.asset,
            reporter=tk.reporter,
            due=tk.due,
            at=tk.opened,
        )
        work.play(tk, rec["ref"], steps, cutoff)
    work.finish(cutoff)


# --------------------------------------------------------------------------------------------
# Field work: visits for the tickets engineers went on site for, upgrades and the trainings
# after them, and each site's inspections of the contract year so far


class _FieldWork:
    """Plays a ticket's steps up to now, as visits where an engineer arrives on site: the
    visit starts with the arrival and ends with the resolution (with the part replaced, for a
    hardware fault on a registered asset). An upgrade request's resolution is the upgrade
    (major now and then), its training comment the operators' training."""

    def __init__(self, db: Database, rng: random.Random, assets: dict[str, list[_Asset]]):
        self.db, self.rng = db, rng
        self.serials = {a.ref: a.serial for site in assets.values() for a in site}
        self.open: dict[str, list[tuple[str, datetime]]] = {}  # ticket ref -> visits
        # upgrades and trainings, recorded in the order they happened once every ticket is in
        self.later: list[tuple[datetime, int, _Ticket, str | None]] = []

    def play(self, tk: _Ticket, ref: str, steps: list[tuple[datetime, str, dict[str, Any]]],
             cutoff: datetime) -> None:  # fmt: skip
        from svcdesk.services import visits

        for at, action, kwargs in steps:
            if at > cutoff:
                break
            if action == "arrive":
                v = visits.start_visit(self.db, ticket=ref, engineer=kwargs["engineer"], at=at)
                self.open.setdefault(ref, []).append((v["ref"], at))
                continue
            if action == "resolve":
                self._end(tk, ref, at, kwargs["note"])
            ACTIONS[action](self.db, ref, at=at, **kwargs)
            if action == "resolve" and tk.due is not None:
                self.later.append((at, 0, tk, None))
            elif action == "comment" and kwargs.get("body") == DATA.lines.upgrade_training:
                title = tk.fault.title.format(**tk.values)
                self.later.append((at, 1, tk, DATA.field.training_topic.format(title=title)))

    def _end(self, tk: _Ticket, ref: str, at: datetime, summary: str) -> None:
        from svcdesk.services import visits

        for n, (visit, _) in enumerate(self.open.pop(ref, [])):
            parts = []
            serial = self.serials.get(tk.asset or "")
            if n == 0 and serial and tk.fault.category == HW and self.rng.random() < 0.7:
                new = f"{serial[:-4]}{self.rng.randint(1000, 9999)}"
                parts.append(f"{serial}:{new}:{self.rng.choice((180, 260, 350, 420, 980))}")
            visits.end_visit(self.db, visit, summary=summary, parts=parts,
                             signed_by=tk.reporter, at=at)  # fmt: skip

    def finish(self, cutoff: datetime) -> None:
        """Visits of tickets not resolved yet: those begun hours ago ended, waiting for a part;
        the engineers who arrived in the last hours are still on site. Then the upgrades
        (version 3.n at each site, major now and then) and the trainings, in time order."""
        from svcdesk.services import upgrades, visits

        for started in self.open.values():
            for visit, at in started:
                end = at + timedelta(minutes=self.rng.randint(60, 180))
                if end < cutoff - timedelta(hours=2):
                    visits.end_visit(self.db, visit, summary=DATA.field.visit_unfinished, at=end)
        events = sorted(self.later, key=lambda e: (e[0], e[1]))
        major = {id(tk): self.rng.random() < 0.6 for _, topic, tk, _ in events if topic == 0}
        # the latest major upgrade of the last weeks is still owed its training
        recent = [tk for at, kind, tk, _ in events
                  if kind == 0 and major[id(tk)] and at > cutoff - timedelta(days=25)]
        owed = id(recent[-1]) if recent else None
        versions: dict[int, str] = {}
        taken: set[tuple[str, str]] = set()
        for at, kind, tk, topic in events:
            if kind == 0:
                version = (tk.values["ver"] if "{ver}" in tk.fault.title
                           else f"{at.astimezone(clock.zone(TZ)):%Y.%m.%d}")  # fmt: skip
                while (tk.site, version) in taken:
                    version += ".1"
                taken.add((tk.site, version))
                versions[id(tk)] = version
                upgrades.record_upgrade(self.db, site=tk.site, version=version,
                                        major=major[id(tk)], at=at)  # fmt: skip
            elif id(tk) in versions and id(tk) != owed:
                upgrades.record_training(self.db, site=tk.site, topic=topic or "",
                                         attendees=self.rng.randint(4, 15),
                                         upgrade=versions[id(tk)], at=at)  # fmt: skip


def _load_inspections(db: Database, rng: random.Random, cal: _Calendar, now: datetime,
                      staff: dict[str, list[str]]) -> None:  # fmt: skip
    """Each site's inspections of this contract year: one a quarter on a working morning, the
    site's engineer on site, most sites on pace and a few behind; now and then a finding."""
    from svcdesk.services import inspections, visits

    tz = clock.zone(TZ)
    today = now.astimezone(tz).date()
    keys = [item.key for item in policy_checklist()]
    for site in DATA.sites:
        quarters_done = (today.month - 1) // 3  # quarters wholly past
        done = max(0, quarters_done - (1 if rng.random() < 0.3 else 0))
        if rng.random() < 0.3 and today.month % 3 != 1:
            done += 1  # this quarter's done already
        for q in range(done):
            first = date(today.year, 3 * q + 1, 1)
            day = first + timedelta(days=rng.randint(5, 60))
            start = cal.next_working(datetime.combine(day, time(9, rng.randint(0, 50)), tz))
            if start >= now - timedelta(hours=4):
                break
            visit = visits.start_visit(db, site=site.code, engineer=site.engineer,
                                       kind="inspection", at=start)  # fmt: skip
            results: dict[str, Any] = {}
            for key in keys:
                finding = DATA.field.findings.get(key)
                if finding and rng.random() < 0.08:
                    results[key] = ("fault", rng.choice(finding))
                else:
                    results[key] = "ok" if key != "dvr" or rng.random() < 0.9 else "not_applicable"
            at = start + timedelta(minutes=rng.randint(90, 150))
            signer = staff[site.code][0]
            inspections.record_inspection(db, site=site.code, results=results,
                                          visit=visit["ref"], signed_by=signer, at=at)
            visits.end_visit(db, visit["ref"], summary=DATA.field.inspection_summary,
                             signed_by=signer, at=at)  # fmt: skip


def _load_articles(db: Database, now: datetime) -> None:
    """The knowledge base's dozen articles (FAQ for the operators, classic cases), written a
    week apart over the demo's months, the newest a few days ago."""
    from svcdesk.services import kb

    articles = kb.demo_articles()
    for n, article in enumerate(articles):
        kb.add_article(db, **article, at=now - timedelta(days=3 + 7 * (len(articles) - 1 - n)))


def policy_checklist() -> tuple[Any, ...]:
    """The checklist of the shipped policy (the demo loads no other)."""
    from svcdesk.domain.policy import InspectionSettings

    return InspectionSettings().checklist
