"""On-site inspections: recording one against the policy's checklist, each site's pace against
its yearly quota, and the year's plan as an iCalendar file.

The plan: "每十二个月提供最少4次无偿现场巡检服务,并向用户提供巡检汇报" (at least 4 free on-site
inspections per site every 12 months, each with a report). The rules (contract year, pace with
catch-up, the staggered plan) are `domain/inspections.py`; this module reads the store, the
policy in force and each site's time zone, and writes one transaction per recording: a fault
can open a ticket in it (`open_tickets`), and the inspection keeps the tickets it opened.

Results come as a mapping item -> result or (result, finding), from prompts or from a TOML
file (`read_results`):

    servers = "ok"                     # shorthand: the result only
    [led_screens]                      # a table: the result and what was found
    result = "fault"
    finding = "two modules dark in row 3"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import orjson

from svcdesk import clock, ids
from svcdesk.domain import inspections as rules
from svcdesk.domain.durations import parse_duration
from svcdesk.errors import InvalidValue, RuleViolation, StoreError
from svcdesk.store import field as store
from svcdesk.store import inspections as inspection_store
from svcdesk.store import sites as site_store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.db import Database
from svcdesk.store.schema import InspectionRow, SiteRow
from svcdesk.store.sql import Conn

Results = Mapping[str, "tuple[str, str | None] | str"]

# The ticket category a fault of each default checklist item opens: the plan's classes
# ("环境问题(...数据库、操作系统、硬件设备及网络)", "软件问题", hardware); other items: `other`.
# The default policy's keys (domain/policy.py DEFAULT_CHECKLIST), and the longer names a team's
# own checklist may use for the same things.
FAULT_CATEGORY = {
    "servers": "hardware",
    "queue_machines": "hardware",
    "led_screens": "hardware",
    "monitors": "hardware",
    "dvr": "hardware",
    "dvr_recordings": "hardware",
    "ups": "hardware",
    "database": "environment",
    "os": "environment",
    "operating_system": "environment",
    "network": "environment",
    "application": "software",
}


# --------------------------------------------------------------------------------------------
# Results from a TOML file


ItemResults = dict[str, tuple[str, str | None]]


def parse_results(text: str, *, filename: str = "results.toml") -> ItemResults:
    """The results a TOML text gives, item -> (result, finding): `item = "ok"` or a table
    `[item]` with `result` and an optional `finding`; anything else is one line naming its
    line (`FILE:LINE: ...`)."""
    from svcdesk.domain.toml_lines import Locator, syntax_problem

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidValue(syntax_problem(text, exc).format(filename)) from None
    where = Locator(text)

    def bad(line: int | None, message: str) -> InvalidValue:
        return InvalidValue(f"{filename}:{line}: {message}" if line else f"{filename}: {message}")

    out: dict[str, tuple[str, str | None]] = {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = (value, None)
            continue
        if not isinstance(value, dict):
            raise bad(where.top(key), f"{key}: give a result such as {key} = \"ok\", or a table "
                                      f"[{key}] with result = \"fault\" and finding = \"...\"")
        extra = sorted(set(value) - {"result", "finding"})
        if extra:
            raise bad(where.in_table(key, extra[0]),
                      f"{key}.{extra[0]}: an item's table takes only result and finding")
        result, finding = value.get("result"), value.get("finding")
        if not isinstance(result, str):
            line = where.in_table(key, "result") if "result" in value else where.top(key)
            raise bad(line, f"{key}: result must be one of {', '.join(rules.ITEM_RESULTS)}, "
                            "in quotes")
        if finding is not None and not isinstance(finding, str):
            raise bad(where.in_table(key, "finding"), f"{key}.finding must be text, in quotes")
        out[key] = (result, finding)
    return out


def read_results(file: str) -> ItemResults:
    """The results in a TOML file (`parse_results`); a missing or non-UTF-8 file is one line."""
    path = Path(file).expanduser()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidValue(f"no results file {file}") from None
    except IsADirectoryError:
        raise InvalidValue(f"--results {file} is a folder; name a TOML file") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read {file}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidValue(f"{file}:{line}: not UTF-8 text; save the results as UTF-8") from None
    return parse_results(text, filename=file)


# --------------------------------------------------------------------------------------------
# Recording


def checklist(db: Database, *, at: str | datetime | None = None) -> list[dict[str, str]]:
    """The checklist of the policy in force at `at` (default now): key, label, label_zh."""
    ts = clock.to_epoch(clock.recorded_at(at))
    with db.read() as conn:
        from svcdesk.services import policies

        _, policy = policies.in_force(conn, ts)
    return [{"key": i.key, "label": i.label, "label_zh": i.label_zh}
            for i in policy.inspections.checklist]  # fmt: skip


def _clean(text: str | None, what: str) -> str | None:
    """Optional text on one line, stripped (blank: None); NUL refused."""
    if text is None or not text.strip():
        return None
    if "\x00" in text:
        raise InvalidValue(f"{what} must not contain a NUL character")
    return text.strip()


def record_inspection(
    db: Database,
    *,
    site: str,
    results: Results,
    visit: str | None = None,
    signed_by: str | None = None,
    at: str | datetime | None = None,
    open_tickets: bool = False,
) -> dict[str, Any]:
    """Record an inspection of `site` with each item's result (checked against the checklist of
    the policy in force at `at`); with `open_tickets`, each fault opens a ticket in the same
    transaction (the plan: "每次巡检...提供巡检汇报"; a fault found is a fault reported)."""
    signer = _clean(signed_by, "--signed-by")
    when = clock.recorded_at(at)
    ts = clock.to_epoch(when)
    for key, given in results.items():
        finding = given if isinstance(given, str) else given[1]
        _clean(finding, f"the finding of {key}")
    from svcdesk.services import policies

    with db.write() as tx:
        conn = tx.conn
        site_row = site_store.find(conn, site)
        visit_row = store.find_visit(conn, visit, replica_code=db.replica_code) if visit else None
        if visit_row is not None:
            if visit_row.site_id != site_row.id:
                other = site_store.code_of(conn, visit_row.site_id)
                raise RuleViolation(f"visit {visit_row.ref} is at site {other}, not "
                                    f"{site_row.code}; record it with --site {other}")
            if ts < visit_row.started_at:
                raise RuleViolation(f"--at is before visit {visit_row.ref} started "
                                    f"({_local(visit_row.started_at)}); nothing was written")
        pid, policy = policies.in_force(conn, ts)
        items = policy.inspections.checklist
        checked = rules.check_results(results, checklist=[(i.key, i.label, i.label_zh)
                                                          for i in items])  # fmt: skip
        if not checked:
            raise InvalidValue("an inspection needs a result for at least one checklist item")
        ref = store.next_ref(tx, "inspection", db.replica_code)
        stored: list[dict[str, Any]] = []
        for r in checked:
            entry: dict[str, Any] = {"item": r.item, "result": r.result, "finding": r.finding}
            if open_tickets and r.result == "fault":
                from svcdesk.services import tickets

                item = policy.inspections.item(r.item)
                label = f"{item.label_zh} {item.label}" if item else r.item
                title = f"{label}: {r.finding or f'fault found by inspection {ref}'}"
                opened = tickets.open_ticket(
                    db, site=site_row.code, title=" ".join(title.split()),
                    category=FAULT_CATEGORY.get(r.item, "other"), channel="onsite",
                    reporter=signer, at=when,
                )  # fmt: skip
                entry["ticket"] = opened["id"]
            stored.append(entry)
        row = InspectionRow(
            id=ids.uuid7(),
            ref=ref,
            site_id=site_row.id,
            visit_id=visit_row.id if visit_row else None,
            at=ts,
            signed_by=signer,
            policy_id=pid,
            items=orjson.dumps(stored).decode(),
            faults=sum(1 for r in checked if r.result == "fault"),
            recorded_at=clock.to_epoch(clock.now()),
        )
        store.insert_inspection(tx, row)
    return show(db, row.id)


def _local(ts: int) -> str:
    return f"{clock.from_epoch(ts, clock.display_tz()):%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------------------------
# Reading


def _records(conn: Conn, rows: list[InspectionRow]) -> list[dict[str, Any]]:
    """Inspections as users see them (the JSON shape of CLI.md, with the tickets opened)."""
    from svcdesk.services import policies

    local = clock.local_times(clock.display_tz())
    sites = site_store.codes(conn)
    visit_ids = {r.visit_id for r in rows if r.visit_id}
    visits = {v: store.visit_by_id(conn, v) for v in visit_ids}
    parsed = [(r, orjson.loads(r.items)) for r in rows]
    ticket_ids = {i["ticket"] for _, items in parsed for i in items if i.get("ticket")}
    tickets = {t.id: t.ref for t in ticket_store.by_ids(conn, ticket_ids)} if ticket_ids else {}
    out = []
    for r, items in parsed:
        policy = policies.version(conn, r.policy_id)
        shown = []
        for i in items:
            item = policy.inspections.item(i["item"])
            shown.append({
                "item": i["item"],
                "label": item.label if item else i["item"],
                "label_zh": item.label_zh if item else i["item"],
                "result": i["result"],
                "finding": i.get("finding"),
                "ticket": tickets.get(i.get("ticket") or ""),
            })  # fmt: skip
        visit = visits.get(r.visit_id) if r.visit_id else None
        out.append({
            "id": r.id,
            "ref": r.ref,
            "site": sites.get(r.site_id),
            "visit": visit.ref if visit else None,
            "at": local(r.at),
            "items": shown,
            "faults": r.faults,
            "signed_by": r.signed_by,
            "tickets": [s["ticket"] for s in shown if s["ticket"]],
        })  # fmt: skip
    return out


def show(db: Database, inspection_id: str) -> dict[str, Any]:
    """The inspection with this id, as `inspect show` gives it."""
    with db.read() as conn:
        row = inspection_store.inspection_by_id(conn, inspection_id)
        assert row is not None
        return _records(conn, [row])[0]


def show_inspection(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        row = store.find_inspection(conn, typed, replica_code=db.replica_code)
        return _records(conn, [row])[0]


def _start_of(day: date, tz: str) -> int:
    """Epoch second at which local day `day` begins in zone `tz`."""
    return clock.to_epoch(datetime.combine(day, time(0), clock.zone(tz)))


def _year(text: int | str) -> int:
    try:
        year = int(text)
    except (TypeError, ValueError):
        raise InvalidValue(f"invalid year {text!r}: a year such as 2026") from None
    if not 1970 <= year <= 9000:
        raise InvalidValue(f"year {year} is out of range: 1970 to 9000")
    return year


def _anchor(policy: Any) -> date:
    month, day = policy.inspections.contract_start
    return date(2000, month, day)  # only month and day count (2000: Feb 29 exists)


def contract_start(site: SiteRow, policy: Any) -> date:
    """The day `site`'s 12-month service periods start: its `--contract-start`, or, for a site
    recorded before sites had one, the policy's contract year anniversary (default January 1)
    on or before the day it was added, in its zone (so nothing changed for it). Every reader of
    a site's service periods asks this one function."""
    if site.contract_start:
        try:
            return date.fromisoformat(site.contract_start)
        except ValueError:  # only a crafted operation writes one that is not a date
            raise StoreError(f"site {site.code} has contract start {site.contract_start!r}, "
                             f"which is not a date: svcdesk site edit {site.code} "
                             "--contract-start YYYY-MM-DD") from None  # fmt: skip
    zone = clock.zone(site.tz or policy.timezone)
    added = datetime.fromtimestamp(site.created_at, zone).date()
    return rules.default_contract_start(added, anchor=_anchor(policy))


def parse_contract_start(text: str) -> str:
    """`--contract-start` as stored (`YYYY-MM-DD`): a real day of the years 1970 to 9000."""
    given = text.strip()
    try:
        day = date.fromisoformat(given) if len(given) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidValue(f"invalid --contract-start {text!r}: a date such as 2026-07-01")
    if not 1970 <= day.year <= 9000:
        raise InvalidValue(f"--contract-start {day} is out of range: 1970-01-01 to 9000-12-31")
    return day.isoformat()


def list_inspections(db: Database, *, site: str | None = None,
                     year: int | str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Inspections, oldest first: of one site, in one service year (each site's own that starts
    in calendar year `year`, from its contract start, in its zone)."""
    from svcdesk.services import policies

    wanted = _year(year) if year is not None else None
    with db.read() as conn:
        site_row = site_store.find(conn, site) if site else None
        since = until = None
        keep = None
        if wanted is not None:
            _, policy = policies.in_force(conn, clock.to_epoch(clock.now()))
            every = [site_row] if site_row else site_store.all_sites(conn)
            spans = {}
            for s in every:
                cs = contract_start(s, policy)
                k = wanted - cs.year
                cy = rules.service_year(cs, k) if k >= 0 else None
                if cy is not None:
                    zone = s.tz or policy.timezone
                    spans[s.id] = (_start_of(cy.start, zone), _start_of(cy.end, zone))
            if not spans:
                return []
            since = min(a for a, _ in spans.values())
            until = max(b for _, b in spans.values())

            def keep(r: InspectionRow) -> bool:
                span = spans.get(r.site_id)
                return span is not None and span[0] <= r.at < span[1]

        rows = store.inspections(conn, site_id=site_row.id if site_row else None,
                                 since=since, until=until)  # fmt: skip
        if keep is not None:
            rows = [r for r in rows if keep(r)]
        return _records(conn, rows)


# --------------------------------------------------------------------------------------------
# Pace: what is due


def _live_sites(conn: Conn, site: str | None) -> list[SiteRow]:
    if site is not None:
        return [site_store.find(conn, site)]
    return [s for s in site_store.all_sites(conn) if s.merged_into is None]


def _done_days(conn: Conn, sites: list[SiteRow], *, starts: list[int], until: int,
               zones: Mapping[str, str]) -> dict[str, list[date]]:  # fmt: skip
    """Site id -> the local days of its inspections from the earliest of `starts` to `until`
    (one indexed query for every site)."""
    times = store.inspection_times(conn, since=min(starts), until=until)
    out: dict[str, list[date]] = {}
    wanted = {s.id for s in sites}
    for site_id, instants in times.items():
        if site_id not in wanted:
            continue
        zone = clock.zone(zones[site_id])
        out[site_id] = [datetime.fromtimestamp(t, zone).date() for t in instants]
    return out


def due_items(db: Database, *, now: datetime, within: int | timedelta | None = None,
              site: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Sites behind their pace in their current service year (each site's own, from its
    contract start), or whose next inspection is due within `within` (seconds; None: the
    policy's due_soon), most urgent first, as due items (`kind` inspection) for `inspect due`
    and `svcdesk due` (the plan's "每十二个月...最少4次")."""
    from svcdesk.services import policies

    now_ts = clock.to_epoch(now)
    with db.read() as conn:
        _, policy = policies.in_force(conn, now_ts)
        settings = policy.inspections
        window = timedelta(seconds=settings.due_soon) if within is None else (
            within if isinstance(within, timedelta) else timedelta(seconds=within))
        if window < timedelta(0):
            raise InvalidValue("--within must not be negative")
        sites = _live_sites(conn, site)
        if not sites or settings.per_year == 0:
            return []
        zones = {s.id: s.tz or policy.timezone for s in sites}
        todays = {z: now.astimezone(clock.zone(z)).date() for z in set(zones.values())}
        years: dict[str, rules.ContractYear] = {}
        for s in sites:
            years[s.id] = rules.service_year_of(contract_start(s, policy), todays[zones[s.id]])
        starts = [_start_of(cy.start, zones[i]) for i, cy in years.items()]
        done = _done_days(conn, sites, starts=starts, until=now_ts + 1, zones=zones)
    out = []
    for s in sites:
        zone = zones[s.id]
        today, cy = todays[zone], years[s.id]
        p = rules.pace(quota=settings.per_year, year_start=cy.start, year_end=cy.end,
                       done_dates=done.get(s.id, ()), today=today, within=window)  # fmt: skip
        if p.state == "ok" or p.next_due is None or p.next_index is None:
            continue
        due_at = rules.due_instant(p.next_due, tz=zone)
        what = (f"inspection {p.next_index} of {p.quota} of the service year {cy.start} to "
                f"{cy.last_day}")
        if p.behind:
            what += f" ({p.behind} behind: {p.done} done, {p.required} required by now)"
        out.append({
            "kind": "inspection",
            "site": s.code,
            "ticket": None,
            "what": what,
            "due_at": clock.from_epoch(clock.to_epoch(due_at)),
            "state": p.state,
            "seconds_left": clock.to_epoch(due_at) - now_ts,
            "next_due": p.next_due.isoformat(),
            "year": cy.year,
            "quota": p.quota,
            "required": p.required,
            "done": p.done,
            "behind": p.behind,
        })  # fmt: skip
    out.sort(key=lambda d: (d["seconds_left"], d["site"]))
    return out


def inspections_due(db: Database, *, within: str | None = None,
                    site: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """`inspect due`: `due_items` now, `--within` a duration such as 14d."""
    seconds = None
    if within is not None:
        seconds = int(parse_duration(within, what="--within").total_seconds())
    return due_items(db, now=clock.now(), within=seconds, site=site)


# --------------------------------------------------------------------------------------------
# The plan


LATE_LINES = 10  # late inspections named one a line; more: one line naming the sites


def plan(
    db: Database,
    *,
    year: int | str,
    site: str | None = None,
    engineer: str | None = None,
    previous: bytes | None = None,
) -> dict[str, Any]:
    """The inspections planned in calendar `year`: every inspection still owed in each site's
    service years overlapping it (its own 12 months from its contract start), on working days
    of its calendar (its own zone), none before now, late ones first from now on, one site a
    day for the engineer (`domain.inspections.plan_owed`), as an iCalendar file: `ics` (bytes),
    with SEQUENCE raised for slots `previous` had on another day. `notes`: the late inspections,
    those no day was left for, and the years the calendar only guesses."""
    from svcdesk.domain import ical
    from svcdesk.services import policies
    from svcdesk.services.holiday_cache import cached_holidays, guessed_note

    wanted = _year(year)
    if engineer is not None and not engineer.strip():
        raise InvalidValue("--engineer must not be empty (leave it out to plan for no one)")
    who = _clean(engineer, "--engineer")
    earlier = ical.read_previous(previous) if previous else None
    now = clock.now()
    now_ts = clock.to_epoch(now)
    first, end = date(wanted, 1, 1), date(wanted + 1, 1, 1)
    with db.read() as conn, cached_holidays(conn, keep=False):
        _, policy = policies.in_force(conn, now_ts)
        settings = policy.inspections
        sites = _live_sites(conn, site)
        base = policy.calendar("working")
        calendars = {z: policy.calendar("working", z) for z in {s.tz for s in sites}
                     if z and z != policy.timezone}  # fmt: skip
        zones = {s.id: s.tz or policy.timezone for s in sites}
        starts = {s.id: contract_start(s, policy) for s in sites}
        todays: dict[str, tuple[date, date]] = {}
        for zone in {*zones.values(), policy.timezone}:
            local = now.astimezone(clock.zone(zone))
            # a slot starts at 09:00 local: today's is in the past once that has gone by
            after = local.time().replace(tzinfo=None) > ical.WINDOW[0]
            todays[zone] = (local.date(), local.date() + timedelta(days=1 if after else 0))
        base_earliest = todays[policy.timezone][1]
        if not rules.working_days(base, max(first, base_earliest), end):
            why = ("has no working day on its working calendar" if base_earliest <= first
                   else f"has no working day left from {base_earliest}")  # fmt: skip
            raise rules.NoWorkingDays(
                f"year {wanted} {why}: plan another year or check the policy's holidays and "
                "extra workdays"
            )
        years = {i: rules.service_years(cs, first, end) for i, cs in starts.items()}
        since = [_start_of(ys[0].start, zones[i]) for i, ys in years.items() if ys]
        done = _done_days(conn, sites, starts=since, until=now_ts + 1,
                          zones=zones) if since else {}  # fmt: skip
        asked = [rules.SitePlan(
            site=s.code, contract_start=starts[s.id],
            calendar=calendars.get(zones[s.id], base), done=tuple(done.get(s.id, ())),
            today=todays[zones[s.id]][0], earliest=todays[zones[s.id]][1], engineer=who,
        ) for s in sites if years[s.id]]  # fmt: skip
        slots, missed = rules.plan_owed(sites=asked, quota=settings.per_year, first=first,
                                        end=end)  # fmt: skip
        # the plan's days are all in `wanted`: only its calendar's guesses are worth a note
        guessed = sorted({y for cal in {base, *calendars.values()}
                          for y in cal.guessed_years(wanted, wanted)}) if slots else []
    ics = ical.plan_calendar(
        slots,
        site_names={s.code: s.name for s in sites},
        site_tz={s.code: s.tz or policy.timezone for s in sites},
        dtstamp=now.astimezone(UTC),
        default_tz=policy.timezone,
        engineer=who,
        previous=earlier,
    )
    moved = 0
    if earlier:
        for slot in slots:
            before = earlier.get(ical.slot_uid(slot.site, slot.year, slot.index))
            if before is not None and before[0] != slot.on:
                moved += 1
    notes = _late_notes([s for s in slots if s.late], missed)
    if site is not None and sites and not years[sites[0].id]:
        notes.append(f"site {sites[0].code}'s service periods start on {starts[sites[0].id]}: "
                     f"nothing to plan in {wanted}")  # fmt: skip
    if guessed:
        notes.append(guessed_note(policy.country or "", guessed, what="planned working days"))
    return {
        "year": wanted,
        "start": first.isoformat(),
        "end": (end - timedelta(days=1)).isoformat(),
        "sites": len({s.site for s in slots}),
        "inspections": len(slots),
        "late": sum(1 for s in slots if s.late),
        "unplanned": len(missed),
        "moved": moved,
        "first": slots[0].on.isoformat() if slots else None,
        "last": slots[-1].on.isoformat() if slots else None,
        "ics": ics,
        "notes": notes,
    }


def _late_notes(late: list[rules.Slot], missed: list[rules.Unplanned]) -> list[str]:
    """The plan's lines for stderr: each late inspection and the day it is planned on (past
    LATE_LINES of them, one line naming the sites), and what no day was left for."""
    notes = []
    if len(late) <= LATE_LINES:
        for s in sorted(late, key=lambda s: (s.due_on, s.site, s.index)):
            notes.append(f"late: inspection {s.index} of {s.quota} at {s.site} was due by "
                         f"{s.due_on}; planned on {s.on}")  # fmt: skip
    else:
        codes = sorted({s.site for s in late})
        shown = ", ".join(codes[:LATE_LINES]) + (
            f" and {len(codes) - LATE_LINES} more" if len(codes) > LATE_LINES else "")
        notes.append(f"late: {len(late)} inspections already due at {len(codes)} "
                     f"site{'s' if len(codes) != 1 else ''} ({shown}), planned from "
                     f"{min(s.on for s in late)} on, the earliest first")  # fmt: skip
    if missed:
        codes = sorted({m.site for m in missed})
        shown = ", ".join(codes[:LATE_LINES]) + (
            f" and {len(codes) - LATE_LINES} more" if len(codes) > LATE_LINES else "")
        who = missed[0].engineer
        notes.append(f"not planned: {len(missed)} inspection{'s' if len(missed) != 1 else ''} "
                     f"at {shown}: no free working day left before the service year ends"
                     + (f" ({who} is planned at one site a day; plan fewer sites with --site)"
                        if who else ""))  # fmt: skip
    return notes


def previous_plan(out: str) -> bytes | None:
    """The plan written to `out` before (its UIDs and SEQUENCEs carry over), None if none; a
    folder or a device is refused before anything is planned."""
    from svcdesk.store.atomic import check_target

    target = check_target(out, force=True)
    if not target.exists():
        return None
    try:
        return target.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read the earlier plan {out}: {exc.strerror}") from None


def save_plan(out: str, ics: bytes) -> None:
    """Write the plan to `out` whole or not at all (beside it, then renamed into place)."""
    from pathlib import Path

    from svcdesk.store.atomic import atomic_write

    with atomic_write(out, force=True) as tmp:
        Path(tmp).write_bytes(ics)
