"""Inspections: the yearly quota, a site's pace against it, the year's plan, and the checklist.

The plan: "每十二个月提供最少4次无偿现场巡检服务,并向用户提供巡检汇报" (at least 4 free on-site
inspections per site every 12 months, each with an inspection report). The 12 months are the
*contract year*: it starts on the contract's anniversary (month and day of its start date;
default January 1) and runs to the next one, end exclusive. A contract that started on Feb 29
has its anniversaries on Feb 28 in common years (`warranty.add_years_months`).

Pace rule: the contract year is cut into `quota` periods of (nearly) equal calendar length
(period k of q ends `k * days // q` days after the year's start), and inspection k is due by the
END of period k, i.e. on its last day. On a given day, the inspections *required* are those whose
period has ended (a period's due day counts as still open: the day is not over yet). Every
inspection done in the year so far counts, whichever period it fell in, so an early inspection
covers a later period, and a site that is behind has its next inspection due on the last day of
the earliest period not yet covered: overdue, never "due today". Several inspections of one site
on one day count once.

Plan rule: `plan_slots` puts inspection k of each site on a working day of period k (the working
days of the working calendar: in-lieu working weekends count, public holidays do not), so a site
that keeps its plan is never behind its pace. Within a period, the site's slot is the working day
at the site's fixed relative position, taken from a stable hash of its site code, so thousands
of sites spread over the period instead of landing on one day, and the same input always gives
the same slots. Planning from `today` keeps every slot still ahead; a slot of the current period
whose day has passed moves to the period's remaining working days (by the same hash); a period
with no working day left is over and has no slot.

Each site's own service periods: a site's 12 months start on its contract start (a date, by
default the day the site was added), and its service year k is [start + k years, start + k + 1
years), k >= 0 (`service_year`, `service_year_of`): the years tile time from the start without a
gap or an overlap (each bound is counted from the start itself, so a Feb 29 start keeps Feb 29 in
leap years). A site recorded before sites had a contract start keeps the contract year it always
had: the policy's anniversary (default January 1) on or before the day it was added
(`default_contract_start`). The quota, its pace and the plan run in each site's service years.

Catching up (`plan_owed`): every inspection still owed in a site's service years that overlap
the planned window is planned, on a working day no earlier than `earliest` (nothing in the past):
an inspection whose period has ended is late and goes on the first free working days, the
earliest owed first; the others keep their staggered day in their period. Days are given out in
order of (day wanted, due day), so one engineer (`SitePlan.engineer`) is never planned at two
sites on one day, and one site never twice on a day (several inspections on one day count once).

Pure: no I/O, no clock reads; every function takes the day it answers for.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svcdesk.domain import policy as _policy
from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.errors import InvalidValue, RuleViolation
from svcdesk.domain.warranty import add_years_months

__all__ = [
    "DEFAULT_CHECKLIST",
    "DEFAULT_QUOTA",
    "ITEM_RESULTS",
    "PACE_STATES",
    "ChecklistItem",
    "ContractYear",
    "InvalidResult",
    "ItemResult",
    "NoWorkingDays",
    "Pace",
    "Period",
    "RESULT_ALIASES",
    "Slot",
    "check_results",
    "contract_year",
    "contract_year_of",
    "due_instant",
    "pace",
    "periods",
    "plan_slots",
    "result_of",
    "working_days",
]

DEFAULT_QUOTA = 4
"""The plan: "每十二个月提供最少4次无偿现场巡检服务" (at least 4 free on-site inspections per site
per 12 months)."""

PACE_STATES = ("ok", "due_soon", "behind")
"""A site's pace: on pace, the next inspection due within the window, or behind the quota."""

ITEM_RESULTS = ("ok", "fault", "not_applicable")
"""What an inspection finds for one checklist item."""

RESULT_ALIASES = {"na": "not_applicable", "n/a": "not_applicable", "n_a": "not_applicable"}
"""Short forms a results file or a prompt may use for a result (`na` as the reports show it)."""

_DAY = timedelta(days=1)


class ChecklistItem(NamedTuple):
    """One thing an inspection looks at: a stable key, its English and its Chinese label."""

    key: str
    en: str
    zh: str


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = tuple(
    ChecklistItem(i.key, i.label, i.label_zh) for i in _policy.DEFAULT_CHECKLIST
)
"""The default policy's inspection checklist (`policy.DEFAULT_CHECKLIST`, the one list of it),
in the order an engineer walks through it."""


# --------------------------------------------------------------------------------------------
# Errors


class NoWorkingDays(RuleViolation, ValueError):
    """A plan asked for a contract year (or a period of it) without a working day to use."""


class InvalidResult(InvalidValue, ValueError):
    """An inspection result names an item not in the checklist, or a result that doesn't exist."""


# --------------------------------------------------------------------------------------------
# The contract year and its periods


class ContractYear(NamedTuple):
    """The contract year that starts on the anniversary in calendar year `year`: [start, end)."""

    year: int
    start: date
    end: date

    def holds(self, d: date) -> bool:
        """Whether day `d` lies in this contract year."""
        return self.start <= d < self.end

    @property
    def last_day(self) -> date:
        """The year's last day (the day before `end`)."""
        return self.end - _DAY


def contract_year(year: int, *, anchor: date | None = None) -> ContractYear:
    """The contract year starting on the anniversary of `anchor` (only its month and day count;
    None: January 1) in calendar year `year` (the plan's "每十二个月", every 12 months)."""
    base = anchor or date(2000, 1, 1)
    try:
        start = add_years_months(base, year - base.year, 0)
        end = add_years_months(base, year + 1 - base.year, 0)
    except OverflowError:
        raise InvalidValue(f"contract year {year} is out of the calendar (years 1-9998)") from None
    return ContractYear(year, start, end)


def contract_year_of(on: date, *, anchor: date | None = None) -> ContractYear:
    """The contract year (anniversaries of `anchor`, default January 1) that holds day `on`."""
    this = contract_year(on.year, anchor=anchor)
    return this if on >= this.start else contract_year(on.year - 1, anchor=anchor)


def default_contract_start(created_on: date, *, anchor: date | None = None) -> date:
    """The contract start of a site recorded before sites had one: the anniversary of `anchor`
    (the policy's contract_start; None: January 1) on or before `created_on`, the day it was
    added, so its contract years are the ones it always had."""
    return contract_year_of(created_on, anchor=anchor).start


def service_year(contract_start: date, k: int) -> ContractYear:
    """A site's service year `k` (k >= 0): [contract_start + k years, contract_start + k + 1
    years), labelled with the year it starts in."""
    if k < 0:
        raise InvalidValue(f"service year {k} is before the contract start {contract_start}")
    try:
        start = add_years_months(contract_start, k, 0)
        end = add_years_months(contract_start, k + 1, 0)
    except OverflowError:
        raise InvalidValue(f"service year {k} from {contract_start} is out of the calendar "
                           "(years 1-9999)") from None  # fmt: skip
    return ContractYear(start.year, start, end)


def service_year_of(contract_start: date, on: date) -> ContractYear:
    """The service year holding day `on`; before the contract starts, the first one."""
    if on < contract_start:
        return service_year(contract_start, 0)
    k = on.year - contract_start.year
    if k > 0 and on < add_years_months(contract_start, k, 0):
        k -= 1
    return service_year(contract_start, k)


def service_years(contract_start: date, first: date, end: date) -> list[ContractYear]:
    """The service years that overlap the days [first, end), in order."""
    if end <= first or end <= contract_start:
        return []
    out = [service_year_of(contract_start, first)]
    while out[-1].end < end:
        out.append(service_year(contract_start, out[-1].end.year - contract_start.year))
    return out


@dataclass(frozen=True, slots=True)
class Period:
    """Period `index` (1..quota) of a contract year, [start, end): inspection `index` is due by
    its end."""

    index: int
    start: date
    end: date

    @property
    def due_on(self) -> date:
        """The last day of the period: the day inspection `index` is due by."""
        return self.end - _DAY


def periods(*, quota: int, year_start: date, year_end: date) -> tuple[Period, ...]:
    """The year [year_start, year_end) cut into `quota` periods of nearly equal length: period k
    ends `k * days // quota` days after the start (the pace rule in the module's doc)."""
    days = (year_end - year_start).days
    if days <= 0:
        raise InvalidValue(f"the contract year {year_start} to {year_end} has no days")
    if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
        raise InvalidValue(f"the inspection quota must be a whole number >= 0, got {quota!r}")
    if quota > days:
        raise InvalidValue(
            f"an inspection quota of {quota} a year is more than the {days} days of the "
            f"contract year from {year_start}: lower the quota"
        )
    if quota == 0:
        return ()
    bounds = [year_start + timedelta(days=k * days // quota) for k in range(quota + 1)]
    return tuple(Period(k, bounds[k - 1], bounds[k]) for k in range(1, quota + 1))


def due_instant(day: date, *, tz: str) -> datetime:
    """The UTC instant at which local day `day` ends in zone `tz`: "due by day D" means by then."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(f"unknown time zone {tz!r} (use an IANA name)") from None
    return datetime.combine(day + _DAY, time(0), zone).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# Pace


@dataclass(frozen=True)
class Pace:
    """A site's inspections against its quota on day `today` of the contract year.

    `required`: inspections whose period has ended; `done`: days with an inspection in the year
    up to `today`; `behind = max(0, required - done)`; `next_index`/`next_due`/`next_period`:
    the next inspection to do and the last day it is due by (None once the quota is met);
    `days_left`: days from `today` to `next_due` (negative when overdue).
    """

    quota: int
    year_start: date
    year_end: date
    today: date
    required: int
    done: int
    behind: int
    state: str
    next_index: int | None
    next_due: date | None
    next_period: Period | None
    days_left: int | None

    @property
    def complete(self) -> bool:
        """Whether the year's quota is met: no inspection is due any more this year."""
        return self.next_due is None

    @property
    def remaining(self) -> int:
        """Inspections still owed this contract year."""
        return max(0, self.quota - self.done)


def pace(
    *,
    quota: int,
    year_start: date,
    year_end: date,
    done_dates: Iterable[date],
    today: date,
    within: timedelta = timedelta(days=14),
) -> Pace:
    """Whether a site keeps pace with its quota on `today`: `behind` once a period ends with fewer
    inspections than periods ended, `due_soon` when the next is due within `within`, else `ok`
    (the plan's "每十二个月提供最少4次无偿现场巡检服务"; the rule is in the module's doc)."""
    if within < timedelta(0):
        raise InvalidValue(f"the due-soon window must not be negative, got {within}")
    parts = periods(quota=quota, year_start=year_start, year_end=year_end)
    required = sum(1 for p in parts if p.end <= today)
    done = len({d for d in done_dates if year_start <= d < year_end and d <= today})
    behind = max(0, required - done)
    if done >= quota:
        return Pace(quota, year_start, year_end, today, required, done, behind, "ok",
                    None, None, None, None)  # fmt: skip
    nxt = parts[done]  # the earliest period no inspection covers yet
    days_left = (nxt.due_on - today).days
    if behind:
        state = "behind"
    elif timedelta(days=days_left) <= within:
        state = "due_soon"
    else:
        state = "ok"
    return Pace(quota, year_start, year_end, today, required, done, behind, state,
                nxt.index, nxt.due_on, nxt, days_left)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Plan


@dataclass(frozen=True, slots=True)
class Slot:
    """Inspection `index` of `quota` at site `site` in contract year `year`, planned on day `on`
    of its period [period_start, period_end)."""

    on: date
    site: str
    index: int
    quota: int
    year: int
    period_start: date
    period_end: date
    late: bool = False  # its period ended before the plan was made: it is owed already

    @property
    def due_on(self) -> date:
        """The last day of its period: the day the inspection is due by."""
        return self.period_end - _DAY


def working_days(calendar: WorkCalendar, start: date, end: date) -> list[date]:
    """The working days of `calendar` in [start, end), in order (in-lieu working weekends in,
    public holidays out)."""
    n = (end - start).days
    return [d for d in (start + timedelta(days=i) for i in range(max(0, n)))
            if calendar.is_working_day(d)]  # fmt: skip


def _position(site: str) -> int:
    """A stable 64-bit number from the site code: the site's relative place within a period."""
    return int.from_bytes(hashlib.blake2b(site.encode("utf-8"), digest_size=8).digest(), "big")


def _pick(days: list[date], lo: int, hi: int, position: int) -> date:
    """The day at relative `position` (of 2**64) among days[lo:hi] (hi > lo)."""
    return days[lo + ((position * (hi - lo)) >> 64)]


def plan_slots(
    *,
    sites: Iterable[str],
    year: int,
    quota: int,
    calendar: WorkCalendar,
    anchor: date | None = None,
    today: date | None = None,
    calendars: Mapping[str, WorkCalendar] | None = None,
) -> list[Slot]:
    """Each site's inspections of contract year `year`, one on a working day of each pace period,
    staggered by site code (the plan rule in the module's doc), ordered by day, site and index.

    `calendars` gives a site its own calendar (default: `calendar`); `today` drops what has
    passed. `NoWorkingDays` when the year has no working day left, or a period still ahead has
    none at all.
    """
    cy = contract_year(year, anchor=anchor)
    parts = periods(quota=quota, year_start=cy.start, year_end=cy.end)
    codes = sorted(set(sites))
    by_calendar: dict[WorkCalendar, list[str]] = {}
    for code in codes:
        cal = calendars.get(code, calendar) if calendars else calendar
        by_calendar.setdefault(cal, []).append(code)
    by_calendar.setdefault(calendar, [])  # an empty plan still refuses a year without work
    first = cy.start if today is None else max(cy.start, today)
    slots: list[Slot] = []
    for cal, members in by_calendar.items():
        days = working_days(cal, cy.start, cy.end)
        from_today = bisect_left(days, first)
        if from_today == len(days):
            if first == cy.start:
                why = "has no working day on its working calendar"
            else:
                why = f"has no working day left from {first}"
            raise NoWorkingDays(
                f"contract year {year} ({cy.start} to {cy.last_day}) {why}: "
                "plan another year or check the policy's holidays and extra workdays"
            )
        # each period's working days as index ranges of `days`: [lo, hi), and [cut, hi) ahead
        ranges = []
        for p in parts:
            lo, hi = bisect_left(days, p.start), bisect_left(days, p.end)
            if lo == hi and p.end > first:
                raise NoWorkingDays(
                    f"inspection period {p.index} of {quota} of contract year {year} "
                    f"({p.start} to {p.due_on}) has no working day: lower the quota or check "
                    "the policy's holidays"
                )
            ranges.append((p, lo, hi, max(lo, from_today)))
        for code in members:
            position = _position(code)
            for p, lo, hi, cut in ranges:
                if cut >= hi:
                    continue  # the period is over
                on = _pick(days, lo, hi, position)
                if on < first:
                    on = _pick(days, cut, hi, position)
                slots.append(Slot(on, code, p.index, quota, year, p.start, p.end))
    slots.sort(key=lambda s: (s.on, s.site, s.index))
    return slots


@dataclass(frozen=True, slots=True)
class SitePlan:
    """What `plan_owed` needs of one site: its code, contract start, working calendar, the
    local days it was inspected on (up to `today`), its local `today` (the plan is made on it:
    an inspection whose period ended before it is late), the first day a slot may take
    (`earliest`, today or later), and the engineer who makes its inspections (None: nobody
    shared with another site)."""

    site: str
    contract_start: date
    calendar: WorkCalendar
    done: tuple[date, ...]
    today: date
    earliest: date
    engineer: str | None = None


@dataclass(frozen=True, slots=True)
class Unplanned:
    """Inspection `index` of `quota` of `site`'s service year `year`, due by `due_on`, for which
    no free working day was left before its service year ends."""

    site: str
    index: int
    quota: int
    year: int
    due_on: date
    engineer: str | None


class _Want(NamedTuple):
    target: date
    due_on: date
    site: str
    start: date  # the service year's start (orders one site's years)
    number: int
    late: bool
    plan: SitePlan
    year: ContractYear
    period: Period


def plan_owed(
    *,
    sites: Iterable[SitePlan],
    quota: int,
    first: date,
    end: date,
) -> tuple[list[Slot], list[Unplanned]]:
    """Every inspection still owed in each site's service years overlapping the days [first,
    end), each on a working day of its site's calendar no earlier than its `earliest` (the
    catch-up rule in the module's doc): the slots, ordered by day, site and index, and the
    inspections no free working day was left for. Slots outside [first, end) are left out
    (another window's plan has them); `NoWorkingDays` when a period still ahead has no working
    day at all."""
    wants: list[_Want] = []
    spans: dict[WorkCalendar, tuple[date, date]] = {}
    plans = list(sites)
    for plan in plans:
        for cy in service_years(plan.contract_start, first, end):
            since, until = spans.get(plan.calendar, (cy.start, cy.end))
            spans[plan.calendar] = (min(since, cy.start), max(until, cy.end))
    cached = {cal: working_days(cal, a, b) for cal, (a, b) in spans.items()}
    for plan in plans:
        days = cached.get(plan.calendar, [])
        position = _position(plan.site)
        for cy in service_years(plan.contract_start, first, end):
            if cy.end <= plan.earliest:
                continue  # over: nothing can be done in it any more
            parts = periods(quota=quota, year_start=cy.start, year_end=cy.end)
            done = len({d for d in plan.done if cy.start <= d < cy.end and d <= plan.today})
            for p in parts[done:]:
                lo, hi = bisect_left(days, p.start), bisect_left(days, p.end)
                if lo == hi and p.end > plan.earliest:
                    raise NoWorkingDays(
                        f"inspection period {p.index} of {quota} of site {plan.site} "
                        f"({p.start} to {p.due_on}) has no working day: lower the quota or "
                        "check the policy's holidays"
                    )
                cut = max(lo, bisect_left(days, plan.earliest))
                late = p.end <= plan.today
                if late or cut >= hi:
                    target = plan.earliest  # owed already, or its period has no day left
                else:
                    target = _pick(days, lo, hi, position)
                    if target < plan.earliest:
                        target = _pick(days, cut, hi, position)
                wants.append(_Want(target, p.due_on, plan.site, cy.start, p.index,
                                   late or cut >= hi, plan, cy, p))  # fmt: skip
    wants.sort(key=lambda w: (w.target, w.due_on, w.site, w.start, w.number))
    booked: dict[str, set[date]] = {}  # engineer (or "site:" code) -> days given out
    last: dict[str, date] = {}  # site -> its latest day given out
    slots: list[Slot] = []
    missed: list[Unplanned] = []
    for w in wants:
        plan, cy, p = w.plan, w.year, w.period
        days = cached[plan.calendar]
        taken = booked.setdefault(plan.engineer if plan.engineer is not None
                                  else f"site:{plan.site}", set())  # fmt: skip
        floor = max(plan.earliest, last[plan.site] + _DAY) if plan.site in last else plan.earliest
        on = _free_day(days, taken, floor=floor, want=max(w.target, floor),
                       period=(p.start, p.end), year_end=cy.end)  # fmt: skip
        if on is None:
            missed.append(Unplanned(plan.site, p.index, quota, cy.year, p.due_on, plan.engineer))
            continue
        taken.add(on)
        last[plan.site] = on
        if first <= on < end:
            slots.append(Slot(on, plan.site, p.index, quota, cy.year, p.start, p.end,
                              w.late))  # fmt: skip
    slots.sort(key=lambda s: (s.on, s.site, s.index))
    return slots, missed


def _free_day(days: list[date], taken: set[date], *, floor: date, want: date,
              period: tuple[date, date], year_end: date) -> date | None:  # fmt: skip
    """The working day for a slot: the first free one from `want` in its period, else the last
    free one before `want` (not before `floor` nor the period's start), else the first free one
    after the period, before the year's end; None when none is left."""
    start, end = period
    i = bisect_left(days, want)
    j = i
    while j < len(days) and days[j] < end:
        if days[j] not in taken:
            return days[j]
        j += 1
    bottom = max(floor, start)
    k = i - 1
    while k >= 0 and days[k] >= bottom:
        if days[k] not in taken:
            return days[k]
        k -= 1
    while j < len(days) and days[j] < year_end:
        if days[j] not in taken:
            return days[j]
        j += 1
    return None


# --------------------------------------------------------------------------------------------
# Results


class ItemResult(NamedTuple):
    """What an inspection found for one checklist item: `ok`, `fault` or `not_applicable`, and
    the engineer's finding (None: nothing written)."""

    item: str
    result: str
    finding: str | None


def _normal(result: str) -> str:
    """A result as typed ("OK", "Not applicable", "not-applicable", "NA", "n/a") in its
    canonical form (an unknown result comes back normalised, not canonical)."""
    text = "_".join(result.strip().lower().replace("-", " ").split())
    return RESULT_ALIASES.get(text, text)


def result_of(answer: str) -> str:
    """One typed result in canonical form (`_normal`), or InvalidResult naming the results."""
    value = _normal(answer)
    if value not in ITEM_RESULTS:
        raise InvalidResult(f"{_shown(answer)} is not a result; choose from: "
                            f"{', '.join(ITEM_RESULTS)} (na: not_applicable)")
    return value


def check_results(
    results: Mapping[str, tuple[str, str | None] | str],
    *,
    checklist: Iterable[ChecklistItem | tuple[str, str, str]] = DEFAULT_CHECKLIST,
    complete: bool = False,
) -> tuple[ItemResult, ...]:
    """The results of an inspection, item -> (result, finding) or result, checked against
    `checklist`: each item in it, each result one of ITEM_RESULTS (case, spaces and `-` forgiven);
    `complete` requires every item. In checklist order, findings stripped (blank: None)."""
    keys = [item[0] for item in checklist]
    known = set(keys)
    unknown = sorted(k for k in results if k not in known)
    if unknown:
        raise InvalidResult(
            f"{_plural(len(unknown), 'item')} {', '.join(map(repr, unknown))} "
            f"{'is' if len(unknown) == 1 else 'are'} not in the inspection checklist; "
            f"the items are: {', '.join(keys)}"
        )
    if complete:
        missing = [k for k in keys if k not in results]
        if missing:
            raise InvalidResult(
                f"the inspection has no result for {', '.join(missing)}: give each item one of "
                f"{', '.join(ITEM_RESULTS)}"
            )
    out = []
    for key in keys:
        if key not in results:
            continue
        given = results[key]
        result, finding = (given, None) if isinstance(given, str) else given
        value = _normal(result) if isinstance(result, str) else result
        if value not in ITEM_RESULTS:
            raise InvalidResult(
                f"item {key!r} has result {_shown(result)}: use one of {', '.join(ITEM_RESULTS)}"
            )
        text = finding.strip() if isinstance(finding, str) else None
        out.append(ItemResult(key, value, text or None))
    return tuple(out)


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def _shown(value: object) -> str:
    """A user's value quoted on one line (`repr` escapes line breaks and control characters)."""
    return repr(value)
