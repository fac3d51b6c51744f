"""Reading a policy's TOML text into a `Policy`, checking everything and reporting every problem.

A policy text (the default ships as svcdesk/data/policy.toml) has a working calendar (time zone,
public holidays of a country, working-hour windows, weekend, extra days) and `[[class]]` tables,
each with a `match` and its clocks; its `[warranty]` section is checked by
`svcdesk.domain.warranty_rules.parse_rules`. `parse_policy` reports every problem at once, each
with the line of the file it comes from, so a team fixes its policy in one pass. Pure: no I/O,
no clock reads; the `holidays` package is imported only to check the country code.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svcdesk.domain.calendar import END_OF_DAY
from svcdesk.domain.durations import format_duration, parse_duration
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.policy import (
    BASES,
    CLOCKS,
    WEEKDAYS,
    ChecklistItem,
    ClockRule,
    ConsentSettings,
    DigestSettings,
    InspectionSettings,
    Policy,
    TicketClass,
    TrainingSettings,
    UpdateSettings,
    UpgradeSettings,
    split_days,
)
from svcdesk.domain.problems import PolicyError, Problem, did_you_mean, unknown_key
from svcdesk.domain.tickets import CATEGORIES, CHANNELS, SEVERITIES
from svcdesk.domain.toml_lines import Locator, syntax_problem
from svcdesk.domain.warranty_rules import parse_rules, warranty_line

__all__ = ["PolicyError", "parse_policy"]

# The optional sections of field work, and the keys each takes (defaults: domain/policy.py).
_SETTINGS = ("update", "consent", "inspections", "training", "upgrades", "digest")
_SETTING_KEYS = {
    "update": ("channels", "every", "basis"),
    "consent": ("pause_resolution",),
    "inspections": ("per_year", "contract_start", "checklist", "due_soon"),
    "training": ("within",),
    "upgrades": ("fault_severity",),
    "digest": ("every",),
}
_ITEM_KEYS = ("key", "label", "label_zh")
_ITEM_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_TOP_KEYS = (
    "name",
    "language",
    "timezone",
    "holidays",
    "subdivision",
    "working_hours",
    "weekend",
    "extra_holidays",
    "extra_workdays",
    "class",
    "warranty",
    *_SETTINGS,
)
_LANGUAGES = {"en": "en", "zh": "zh", "zh-cn": "zh", "zh_cn": "zh"}
_CLASS_KEYS = ("name", "clause", "note", "match", "time")
_CLOCK_TABLE_KEYS = ("target", "time", "clause")
_MATCH_KEYS = {"severity": SEVERITIES, "category": CATEGORIES}
_DURATION_HINT = "a positive duration such as 30m, 6h, 3d, 1h30m"
_LONGEST_TARGET = timedelta(days=366)  # a year, leap or not: longer is no promise to anyone
_ONE_DAY = timedelta(days=1)
_LONGEST_IDLE = 366  # days in a row without working time: a calendar that never counts
_FIRST_YEAR, _LAST_YEAR = 1970, 2100  # the years instants and the holidays package cover


def parse_policy(text: str, *, check_country: bool = True) -> Policy:
    """The policy a TOML text describes, or `PolicyError` listing every problem in it.

    `check_country=False` skips checking the holidays country and subdivision against the
    `holidays` package (saves importing it, ~130 ms, for texts that were checked when loaded),
    and the refusals added since policies were first stored (a week without working days, a
    target longer than a year, a date listed twice...), so a version an older svcdesk stored
    still reads.
    Results are cached by text: parsing the same text again returns the same `Policy`.
    """
    return _parse_cached(text, check_country)


@lru_cache(maxsize=32)
def _parse_cached(text: str, check_country: bool) -> Policy:
    return _Parser(text, check_country=check_country).parse()


class _Parser:
    """Reads a policy text, collecting every problem before giving up."""

    def __init__(self, text: str, *, check_country: bool) -> None:
        self.text = text
        self.check_country = check_country
        self.problems: list[Problem] = []

    @cached_property
    def where(self) -> Locator:
        """Line numbers, found only once there is a problem to report (a valid policy, read at
        every command that records something, never pays for the scan)."""
        return Locator(self.text)

    def problem(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(line, key, message))

    def top(self, key: str, message: str) -> None:
        """A problem with top-level `key`, at the line that sets it."""
        self.problem(self.where.top(key), key, message)

    def parse(self) -> Policy:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError([syntax_problem(self.text, exc)]) from None

        for key in data:
            if key not in _TOP_KEYS:
                self.top(key, unknown_key(key, _TOP_KEYS, "a policy's keys are"))

        name = self.string(data, "name", 'add name = "..." (the policy\'s name, shown in reports)')
        language = self.language(data)
        timezone = self.timezone(data)
        country, subdivision = self.holidays(data)
        windows = self.working_hours(data)
        weekend = self.weekend(data)
        names: dict[date, str] = {}
        extra_holidays = self.dates(data, "extra_holidays", names)
        extra_workdays = self.dates(data, "extra_workdays", names)
        for d in sorted(extra_holidays & extra_workdays):
            self.top("extra_workdays", f"{d} is also an extra holiday: keep it in one list only")
        if not self.check_country:
            pass  # stored: checked when it was loaded
        elif len(weekend) == len(WEEKDAYS):
            self.top(
                "weekend",
                "every day of the week is a weekend day: working time would never come, so no "
                "clock counted on it could ever run out; leave at least one working day",
            )
        else:
            self.no_working_time(weekend, extra_holidays, extra_workdays)
        warranty = data.get("warranty", {})
        if not isinstance(warranty, dict):
            self.top("warranty", "must be a table ([warranty])")
            warranty = {}
        warranty_rules, warranty_problems = parse_rules(warranty)
        self.problems += (
            replace(p, line=warranty_line(self.where, p.key)) for p in warranty_problems
        )
        classes = self.classes(data)
        sections = {key: self.section(data, key) for key in _SETTINGS}
        update = self.update(sections["update"], windows)
        consent = self.consent(sections["consent"])
        inspections = self.inspections(sections["inspections"])
        training = TrainingSettings(**self.durations(sections["training"], "training"))
        digest = DigestSettings(**self.durations(sections["digest"], "digest"))
        upgrades = self.upgrades(sections["upgrades"])

        if self.problems:
            self.problems.sort(key=lambda p: (p.line is None, p.line or 0))
            raise PolicyError(self.problems)
        assert name is not None and timezone is not None and windows is not None
        assert classes is not None
        policy = Policy(
            name=name,
            language=language,
            timezone=timezone,
            country=country,
            subdivision=subdivision,
            windows=windows,
            weekend=weekend,
            extra_holidays=extra_holidays,
            extra_workdays=extra_workdays,
            extra_names=tuple(sorted(names.items())),
            classes=tuple(replace(c, update=update.rule(c.name)) for c in classes),
            warranty=warranty,
            update=update,
            consent=consent,
            inspections=inspections,
            training=training,
            upgrades=upgrades,
            digest=digest,
            source=self.text,
        )
        policy._warranty_rules.append(warranty_rules)
        return policy

    # ---------------------------------------------------------------- the calendar

    def string(self, data: Mapping[str, Any], key: str, add: str) -> str | None:
        """A required non-empty string at top level."""
        if key not in data:
            self.problem(None, key, f"missing: {add}")
            return None
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.top(key, f"must be a non-empty string, not {value!r}: {add}")
            return None
        return value.strip()

    def language(self, data: Mapping[str, Any]) -> str:
        """`zh` or `en`: the language of what svcdesk writes for people (default `zh`: the
        customers are Chinese tax bureaus)."""
        raw = data.get("language", "zh")
        if not isinstance(raw, str) or raw.strip().lower() not in _LANGUAGES:
            self.top("language", f'must be "zh" or "en", not {raw!r}')
            return "zh"
        return _LANGUAGES[raw.strip().lower()]

    def timezone(self, data: Mapping[str, Any]) -> str | None:
        tz = self.string(
            data,
            "timezone",
            'add timezone = "Asia/Shanghai" (the IANA time zone of the working hours)',
        )
        if tz is None:
            return None
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.top(
                "timezone",
                f"unknown time zone {tz!r}: use an IANA name such as Asia/Shanghai, "
                "Europe/Berlin or UTC",
            )
            return None
        return tz

    def holidays(self, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
        raw = data.get("holidays", "")
        if not isinstance(raw, str):
            self.top(
                "holidays",
                f'must be a country code such as "CN", or "" for no public holidays, not {raw!r}',
            )
            raw = ""
        country = raw.strip() or None
        sub_raw = data.get("subdivision", "")
        if not isinstance(sub_raw, str):
            self.top("subdivision", f"must be a string, not {sub_raw!r}")
            sub_raw = ""
        subdivision = sub_raw.strip() or None
        if subdivision and not country:
            self.top("subdivision", "a subdivision needs a holidays country: set holidays first")
        if not (country and self.check_country):
            return country, subdivision
        supported = _supported_countries()
        if country not in supported:
            self.top(
                "holidays",
                f"unknown holidays country {country!r}"
                f"{did_you_mean(country, supported, codes=True)}: use a country code of the "
                "holidays package (ISO 3166, e.g. CN, US, DE), "
                'or "" for no public holidays',
            )
        elif (
            subdivision
            and subdivision not in supported[country]
            and not _subdivision_exists(country, subdivision)
        ):
            subs = supported[country]
            choices = (
                f"choose from {', '.join(subs)}"
                if subs
                else "the holidays package has no subdivisions for it: leave subdivision out"
            )
            self.top("subdivision", f"unknown subdivision {subdivision!r} of {country}: {choices}")
        return country, subdivision

    def working_hours(self, data: Mapping[str, Any]) -> tuple[tuple[time, time], ...] | None:
        example = '["08:30-12:00", "13:30-17:30"]'
        if "working_hours" not in data:
            self.problem(None, "working_hours", f"missing: add working_hours = {example}")
            return None
        entries = data["working_hours"]
        if not isinstance(entries, list) or not entries:
            self.top("working_hours", f"must be a non-empty list of windows such as {example}")
            return None
        windows: list[tuple[time, time]] = []
        ok = True
        previous: tuple[str, int] | None = None
        for entry in entries:
            parsed = _window(entry)
            if isinstance(parsed, str):
                self.top("working_hours", parsed)
                ok = False
                continue
            start, end = parsed
            if previous is not None and start < previous[1]:
                self.top(
                    "working_hours",
                    f"window {entry!r} overlaps or comes before {previous[0]!r}: list the "
                    "windows in order, without overlap",
                )
                ok = False
            previous = (entry, end)
            windows.append((_time_of(start), _time_of(end)))
        return tuple(windows) if ok else None

    def weekend(self, data: Mapping[str, Any]) -> frozenset[int]:
        if "weekend" not in data:
            return frozenset({5, 6})
        names = data["weekend"]
        choices = ", ".join(WEEKDAYS)
        if not isinstance(names, list):
            self.top("weekend", f'must be a list of day names such as ["sat", "sun"] ({choices})')
            return frozenset()
        days = set()
        for name in names:
            day = _weekday(name)
            if day is None:
                self.top("weekend", f"unknown day {name!r}: use {choices}")
            else:
                days.add(day)
        return frozenset(days)

    def dates(self, data: Mapping[str, Any], key: str, names: dict[date, str]
              ) -> frozenset[date]:  # fmt: skip
        """An extra_holidays / extra_workdays list: dates (TOML dates or "YYYY-MM-DD"), each
        maybe with its name as { date = 2027-10-04, name = "National Day" }."""
        if key not in data:
            return frozenset()
        values = data[key]
        example = '["2027-10-04", { date = 2027-10-09, name = "National Day (in lieu)" }]'
        if not isinstance(values, list):
            self.top(key, f"must be a list of dates such as {example}")
            return frozenset()
        days: set[date] = set()
        for value in values:
            name = ""
            if isinstance(value, dict):
                unknown = [k for k in value if k not in ("date", "name")]
                if unknown:
                    self.top(key, unknown_key(unknown[0], ("date", "name"), "a dated entry takes"))
                    continue
                raw_name = value.get("name", "")
                if not isinstance(raw_name, str):
                    self.top(key, f"the name of {value.get('date')!r} must be a string, "
                                  f"not {raw_name!r}")  # fmt: skip
                    continue
                name, value = raw_name.strip(), value.get("date")
                if value is None:
                    self.top(key, f"an entry without a date: add date = 2027-10-04 ({name!r})")
                    continue
            day = _date(value)
            if day is None:
                self.top(key, f"bad date {value!r}: use YYYY-MM-DD, or "
                              '{ date = 2027-10-04, name = "..." }')  # fmt: skip
            elif self.check_country and not _FIRST_YEAR <= day.year <= _LAST_YEAR:
                self.top(key, f"date {day} is outside the years svcdesk's calendars count "
                              f"({_FIRST_YEAR}-{_LAST_YEAR})")  # fmt: skip
            elif day in days and self.check_country:
                self.top(key, f"{day} is listed twice: keep one")
            else:
                days.add(day)
                if name:
                    names[day] = name
        return frozenset(days)

    def no_working_time(self, weekend: frozenset[int], off: frozenset[date],
                        on: frozenset[date]) -> None:  # fmt: skip
        """Extra holidays that, with the weekend, leave a year or more without working time."""

        def idle(d: date) -> bool:
            return d not in on and (d in off or d.weekday() in weekend)

        for first in sorted(off):
            if idle(first - _ONE_DAY):
                continue  # inside a stretch already measured
            last = first
            while idle(last + _ONE_DAY):
                last += _ONE_DAY
            if (last - first).days + 1 > _LONGEST_IDLE:
                self.top(
                    "extra_holidays",
                    f"with the weekend they leave no working day from {first} to {last} "
                    f"({(last - first).days + 1} days): a clock counted on working time would "
                    "never run out; remove some, or add extra_workdays",
                )
                return

    # ---------------------------------------------------------------- field work

    def section(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        """An optional settings table (empty when absent); its unknown keys are problems."""
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            self.top(name, f"must be a table ([{name}]), not {raw!r}")
            return {}
        known = _SETTING_KEYS[name]
        for key in raw:
            if key not in known:
                hint = unknown_key(key, known, f"[{name}] takes")
                if name == "update" and key == "time":
                    hint = 'unknown key \'time\': [update] names its calendar with basis = ' \
                           '"working" or "always"'
                self.setting(name, key, hint)
        return {k: v for k, v in raw.items() if k in known}

    def setting(self, name: str, key: str, message: str) -> None:
        """A problem with `key` of the `[name]` section, at its line."""
        self.problem(self.where.in_table(name, key), f"{name}.{key}", message)

    def duration(self, name: str, key: str, raw: Any, *, zero: bool = False) -> int | None:
        """A duration setting in seconds (at most a year), None (with a problem) if invalid."""
        hint = "a duration such as 14d, 30d, 6h" + (" (0d: none)" if zero else "")
        if not isinstance(raw, str):
            self.setting(name, key, f"must be a duration string such as \"30d\", not {raw!r}")
            return None
        if raw.strip().startswith("-"):
            self.setting(name, key, f"negative duration {raw!r}: use {hint}")
            return None
        try:
            seconds = int(parse_duration(raw, longest=_LONGEST_TARGET).total_seconds())
        except InvalidValue as exc:
            if "too long" in exc.message:
                longest = format_duration(_LONGEST_TARGET.total_seconds())
                self.setting(name, key, f"{raw!r} is too long: at most {longest} (a year)")
            else:
                self.setting(name, key, f"invalid duration {raw!r}: use {hint}")
            return None
        if seconds == 0 and not zero:
            self.setting(name, key, f"zero duration {raw!r}: use {hint}")
            return None
        return seconds

    def durations(self, raw: dict[str, Any], name: str) -> dict[str, int]:
        """The duration settings of a section whose every key is one (`[training]`,
        `[digest]`), those given and valid: the others keep their defaults."""
        out = {}
        for key, value in raw.items():
            seconds = self.duration(name, key, value)
            if seconds is not None:
                out[key] = seconds
        return out

    def update(self, raw: dict[str, Any], windows: tuple[tuple[time, time], ...] | None
               ) -> UpdateSettings:  # fmt: skip
        """`[update]`: the channels the online support replies on, how often, on which
        calendar. On the working calendar `every`'s days are working days: each counts the
        working hours of one day (so "1d" is due at the same time the next working day)."""
        default = UpdateSettings()
        channels = default.channels
        if "channels" in raw:
            value = raw["channels"]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.setting("update", "channels",
                             f'must be a list of channels such as ["email", "web"], not '
                             f"{value!r}")  # fmt: skip
            else:
                seen: set[str] = set()
                for v in value:
                    if v not in CHANNELS:
                        self.setting("update", "channels",
                                     f"unknown channel {v!r}{did_you_mean(v, CHANNELS)}: choose "
                                     f"from {', '.join(CHANNELS)}")  # fmt: skip
                    elif v in seen:
                        self.setting("update", "channels", f"{v!r} is listed twice: keep one")
                    seen.add(v)
                channels = frozenset(seen)
        basis = raw.get("basis", default.basis)
        if basis not in BASES:
            self.setting("update", "basis", _bad_basis(basis))
            basis = default.basis
        every = raw.get("every", default.every)
        seconds = self.duration("update", "every", every)
        if seconds is None:
            return default
        every = every.strip()
        if basis == "working" and windows:
            day = sum(_seconds(end) - _seconds(start) for start, end in windows)
            days, rest = split_days(every)
            seconds = days * day + rest
        return UpdateSettings(channels=channels, every=every, target=seconds, basis=basis)

    def consent(self, raw: dict[str, Any]) -> ConsentSettings:
        value = raw.get("pause_resolution", True)
        if not isinstance(value, bool):
            self.setting("consent", "pause_resolution", f"must be true or false, not {value!r}")
            return ConsentSettings()
        return ConsentSettings(pause_resolution=value)

    def inspections(self, raw: dict[str, Any]) -> InspectionSettings:
        """`[inspections]`: the yearly quota, when the contract year starts, the checklist."""
        default = InspectionSettings()
        out: dict[str, Any] = {}
        if "per_year" in raw:
            value = raw["per_year"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 366:
                self.setting("inspections", "per_year",
                             f"must be a whole number of inspections from 1 to 366 a year, not "
                             f"{value!r}")  # fmt: skip
            else:
                out["per_year"] = value
        if "contract_start" in raw:
            start = _month_day(raw["contract_start"])
            if start is None:
                self.setting("inspections", "contract_start",
                             f'must be a day of the year as "MM-DD" such as "01-01" or "07-01" '
                             f"(not 02-29: it is not in every year), not "
                             f"{raw['contract_start']!r}")  # fmt: skip
            else:
                out["contract_start"] = start
        if "due_soon" in raw:
            seconds = self.duration("inspections", "due_soon", raw["due_soon"], zero=True)
            if seconds is not None:
                out["due_soon"] = seconds
        if "checklist" in raw:
            checklist = self.checklist(raw["checklist"])
            if checklist is not None:
                out["checklist"] = checklist
        return replace(default, **out)

    def checklist(self, raw: Any) -> tuple[ChecklistItem, ...] | None:
        """The inspection checklist: a list of { key, label, label_zh } (label_zh: the label
        when left out), keys unique."""
        example = '[{ key = "servers", label = "Servers", label_zh = "服务器" }, ...]'
        if not isinstance(raw, list) or not raw:
            what = "an empty list: an inspection must check something" if raw == [] else repr(raw)
            self.setting("inspections", "checklist",
                         f"must be a list of items such as {example}, not {what}")  # fmt: skip
            return None
        items: list[ChecklistItem] = []
        ok = True
        for n, entry in enumerate(raw, 1):
            where = f"item {n}"
            if not isinstance(entry, dict):
                self.setting("inspections", "checklist",
                             f"{where} must be a table {{ key, label, label_zh }}, not "
                             f"{entry!r}")  # fmt: skip
                ok = False
                continue
            for k in entry:
                if k not in _ITEM_KEYS:
                    self.setting("inspections", "checklist",
                                 f"{where}: {unknown_key(k, _ITEM_KEYS, 'an item takes')}")
                    ok = False
            key, label = entry.get("key"), entry.get("label")
            label_zh = entry.get("label_zh", label or "-")  # a bad label is said once
            if not isinstance(key, str) or not _ITEM_KEY.match(key):
                self.setting("inspections", "checklist",
                             f"{where}: key must be lower-case letters, digits and _ (such as "
                             f'"queue_machines"), not {key!r}')  # fmt: skip
                ok = False
            elif any(i.key == key for i in items):
                self.setting("inspections", "checklist", f"{where}: key {key!r} is listed twice")
                ok = False
            for k, v in (("label", label), ("label_zh", label_zh)):
                if not isinstance(v, str) or not v.strip():
                    self.setting("inspections", "checklist",
                                 f"{where} ({key!r}): {k} must be a non-empty string, not "
                                 f"{v!r}")  # fmt: skip
                    ok = False
            if ok:
                assert isinstance(key, str) and isinstance(label, str)
                assert isinstance(label_zh, str)
                zh = label_zh.strip() if "label_zh" in entry else label.strip()
                items.append(ChecklistItem(key, label.strip(), zh))
        return tuple(items) if ok else None

    def upgrades(self, raw: dict[str, Any]) -> UpgradeSettings:
        value = raw.get("fault_severity", UpgradeSettings().fault_severity)
        faults = tuple(s for s in SEVERITIES if s != "upgrade")
        if value not in faults:
            self.setting("upgrades", "fault_severity",
                         f"must be the severity of a fault, one of {', '.join(faults)}, not "
                         f"{value!r}")  # fmt: skip
            return UpgradeSettings()
        return UpgradeSettings(fault_severity=value)

    # ---------------------------------------------------------------- the classes

    def classes(self, data: Mapping[str, Any]) -> tuple[TicketClass, ...] | None:
        raw = data.get("class")
        if raw is None:
            self.problem(
                None,
                "class",
                "no [[class]] tables: add at least one, and end with a catch-all (match = {})",
            )
            return None
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw) or not raw:
            self.top("class", "must be [[class]] tables, each with a name, a match and clocks")
            return None
        classes: list[TicketClass] = []
        matches: list[tuple[frozenset[str] | None, frozenset[str] | None] | None] = []
        names: dict[str, int] = {}
        for n, table in enumerate(raw, 1):
            cls, match = self.ticket_class(n, table)
            matches.append(match)
            if cls is not None:
                classes.append(cls)
            name = table.get("name")
            if not isinstance(name, str) or not name.strip():
                continue
            name = name.strip()
            if name in names:
                self.problem(
                    self.where.in_array("class", n, "name"),
                    f"class[{n}].name",
                    f"class[{names[name]}] has the same name {name!r}: names tell the classes "
                    "apart in every explanation",
                )
            names.setdefault(name, n)
        if all(m is not None for m in matches):
            self.coverage(raw, [m for m in matches if m is not None])
        return tuple(classes)

    def ticket_class(
        self, n: int, raw: Mapping[str, Any]
    ) -> tuple[TicketClass | None, tuple[frozenset[str] | None, frozenset[str] | None] | None]:
        """The class `class[n]` and its match (None where they are not valid)."""
        label = f"class[{n}]"
        header = self.where.array_header("class", n)

        def line(key: str) -> int | None:
            return self.where.in_array("class", n, key)

        ok = True
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            where, key = (line("name"), f"{label}.name") if "name" in raw else (header, label)
            self.problem(where, key, 'needs a name: add name = "..." (it explains every deadline)')
            ok, name = False, ""
        name = name.strip()
        texts = {}
        for key in ("clause", "note"):
            value = raw.get(key, "")
            if not isinstance(value, str):
                self.problem(line(key), f"{label}.{key}", f"must be a string, not {value!r}")
                ok, value = False, ""
            texts[key] = value.strip()
        basis = raw.get("time", "working")
        if basis not in BASES:
            self.problem(line("time"), f"{label}.time", _bad_basis(basis))
            ok, basis = False, "working"
        match = self.match(n, raw)

        for key, value in raw.items():
            if key not in _CLASS_KEYS and key not in CLOCKS:
                close = difflib.get_close_matches(key, (*CLOCKS, *_CLASS_KEYS), n=1)
                if isinstance(value, str | dict) and not (close and close[0] in _CLASS_KEYS):
                    message = unknown_key(key, CLOCKS, "the clocks are", what="clock")
                else:
                    message = unknown_key(key, (*_CLASS_KEYS, *CLOCKS), "a class takes", what="key")
                self.problem(line(key), f"{label}.{key}", message)
                ok = False

        clock_keys = [key for key in raw if key in CLOCKS]
        if not clock_keys:
            self.problem(
                header, label, f"has no clocks: give it at least one of {', '.join(CLOCKS)}"
            )
            ok = False
        if "resolve" in clock_keys and "restore" in clock_keys:
            second = max(("resolve", "restore"), key=clock_keys.index)
            self.problem(
                line(second),
                f"{label}.{second}",
                "a class has either resolve or restore, not both (they contradict each other): "
                "keep restore if the clause promises the system restored (as for major faults, "
                '"restored within 72 hours"), or resolve if it promises the fault handled',
            )
            ok = False
        if "upgrade" in clock_keys and match is not None:
            others = [
                s for s in SEVERITIES if s != "upgrade" and (match[0] is None or s in match[0])
            ]
            if others:
                self.problem(
                    line("upgrade"),
                    f"{label}.upgrade",
                    "the upgrade clock is only for upgrade requests, but this class also "
                    f"matches severity {', '.join(others)}: give it "
                    'match = { severity = "upgrade" }',
                )
                ok = False

        clocks = []
        for key in clock_keys:
            rule = self.clock(n, key, raw[key], basis=basis, clause=texts["clause"], cls=name)
            if rule is None:
                ok = False
            else:
                clocks.append(rule)
        if not ok or match is None:
            return None, match
        return (
            TicketClass(
                name=name,
                clause=texts["clause"],
                severities=match[0],
                categories=match[1],
                basis=basis,
                clocks=tuple(clocks),
                note=texts["note"],
            ),
            match,
        )

    def match(
        self, n: int, raw: Mapping[str, Any]
    ) -> tuple[frozenset[str] | None, frozenset[str] | None] | None:
        """The (severities, categories) a class matches, None (any) where it says nothing."""
        label = f"class[{n}]"
        if "match" not in raw:
            self.problem(
                self.where.array_header("class", n),
                label,
                "needs a match: add match = { severity = [...], category = [...] }, "
                "or match = {} to match every ticket",
            )
            return None
        line = self.where.in_array("class", n, "match")
        table = raw["match"]
        if not isinstance(table, dict):
            self.problem(
                line,
                f"{label}.match",
                f'must be a table such as {{ severity = "major" }} or {{}}, not {table!r}',
            )
            return None
        ok = True
        for key in table:
            if key not in _MATCH_KEYS:
                self.problem(
                    line, f"{label}.match.{key}", unknown_key(key, tuple(_MATCH_KEYS), "use")
                )
                ok = False
        found: dict[str, frozenset[str] | None] = {}
        for key, choices in _MATCH_KEYS.items():
            if key not in table:
                found[key] = None
                continue
            value = table[key]
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                self.problem(
                    line,
                    f"{label}.match.{key}",
                    f"must be a {key} or a list of them, not {value!r}",
                )
                ok = False
                continue
            if not values:
                self.problem(
                    line,
                    f"{label}.match.{key}",
                    f"an empty list matches no ticket: leave {key} out to match every {key}",
                )
                ok = False
            for v in values:
                if v not in choices:
                    self.problem(
                        line,
                        f"{label}.match.{key}",
                        f"unknown {key} {v!r}{did_you_mean(v, choices)}: choose from "
                        f"{', '.join(choices)}",
                    )
                    ok = False
            found[key] = frozenset(values)
        return (found["severity"], found["category"]) if ok else None

    def clock(
        self, n: int, name: str, value: Any, *, basis: str, clause: str, cls: str
    ) -> ClockRule | None:
        """The clock `name` of class[n] (None, with a problem, when it is not valid)."""
        key = f"class[{n}].{name}"
        line = self.where.in_array("class", n, name)
        ok = True
        if isinstance(value, dict):
            for sub in value:
                if sub not in _CLOCK_TABLE_KEYS:
                    self.problem(
                        line,
                        f"{key}.{sub}",
                        unknown_key(sub, _CLOCK_TABLE_KEYS, f"the {name} clock takes"),
                    )
                    ok = False
            if "time" in value:
                if value["time"] in BASES:
                    basis = value["time"]
                else:
                    self.problem(line, f"{key}.time", _bad_basis(value["time"]))
                    ok = False
            if "clause" in value:
                if isinstance(value["clause"], str):
                    clause = value["clause"].strip()
                else:
                    self.problem(
                        line, f"{key}.clause", f"must be a string, not {value['clause']!r}"
                    )
                    ok = False
            if "target" not in value:
                example = '"due"' if name == "upgrade" else '"6h"'
                self.problem(line, f"{key}.target", f"missing: add target = {example}")
                return None
            raw, key = value["target"], f"{key}.target"
        else:
            raw = value
        target = self.target(name, raw, line, key)
        if target is False or not ok:
            return None
        if target is None:
            basis = "always"  # a due date is a calendar instant, not counted time
        return ClockRule(name=name, target=target, basis=basis, clause=clause, class_name=cls)

    def target(self, name: str, raw: Any, line: int | None, key: str) -> int | None | bool:
        """A clock's target in seconds, None for "due", False (with a problem) if invalid."""
        if not isinstance(raw, str):
            wanted = '"due"' if name == "upgrade" else '"30m" or "6h"'
            self.problem(line, key, f"target must be a string such as {wanted}, not {raw!r}")
            return False
        text = raw.strip()
        if text.lower() == "due":
            if name == "upgrade":
                return None
            self.problem(
                line,
                key,
                f'"due" (the ticket\'s own due date) is only for the upgrade clock: give {name} '
                f"{_DURATION_HINT}",
            )
            return False
        if name == "upgrade":
            self.problem(
                line,
                key,
                f'upgrade takes "due" (the ticket\'s own due date) and nothing else, not {raw!r}',
            )
            return False
        if text.startswith("-"):
            self.problem(line, key, f"negative target {raw!r}: a target is {_DURATION_HINT}")
            return False
        try:
            longest = _LONGEST_TARGET if self.check_country else None
            seconds = int(parse_duration(text, longest=longest).total_seconds())
        except InvalidValue as exc:
            if "too long" in exc.message:
                self.problem(line, key, f"target {raw!r} is too long: at most "
                                        f"{format_duration(_LONGEST_TARGET.total_seconds())} "
                                        "(a year), or no deadline would ever be near")  # fmt: skip
            else:
                self.problem(line, key, f"invalid target {raw!r}: use {_DURATION_HINT}")
            return False
        if seconds <= 0:
            self.problem(line, key, f"zero target {raw!r}: a target is {_DURATION_HINT}")
            return False
        return seconds

    def coverage(
        self,
        raw: list[dict[str, Any]],
        matches: list[tuple[frozenset[str] | None, frozenset[str] | None]],
    ) -> None:
        """Every severity x category has a class; every class can apply; upgrades have a date."""
        first: dict[tuple[str, str], int] = {}
        for severity in SEVERITIES:
            for category in CATEGORIES:
                for n, (sevs, cats) in enumerate(matches, 1):
                    if (sevs is None or severity in sevs) and (cats is None or category in cats):
                        first[severity, category] = n
                        break
        fix = "add a catch-all class with match = {} at the end"
        for severity in SEVERITIES:
            missing = [c for c in CATEGORIES if (severity, c) not in first]
            if len(missing) == len(CATEGORIES):
                self.problem(
                    None, "class", f"no class matches severity={severity} (any category): {fix}"
                )
                continue
            for category in missing:
                self.problem(
                    None,
                    "class",
                    f"no class matches severity={severity}, category={category}: {fix}",
                )
        used = set(first.values())
        for n in range(1, len(matches) + 1):
            if n not in used:
                self.problem(
                    self.where.array_header("class", n),
                    f"class[{n}]",
                    "never applies: an earlier class takes every ticket it matches (the first "
                    "class whose match fits applies): move it up, or narrow the earlier match",
                )
            upgrades = [c for c in CATEGORIES if first.get(("upgrade", c)) == n]
            if upgrades and "upgrade" not in raw[n - 1]:
                which = (
                    "severity=upgrade"
                    if len(upgrades) == len(CATEGORIES)
                    else f"severity=upgrade, category {', '.join(upgrades)}"
                )
                self.problem(
                    self.where.array_header("class", n),
                    f"class[{n}]",
                    f"upgrade requests ({which}) fall in this class, which has no upgrade "
                    'clock: put a class with match = { severity = "upgrade" } and '
                    'upgrade = "due" before it',
                )


# --------------------------------------------------------------------------------------------
# Values


_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _window(entry: Any) -> tuple[int, int] | str:
    """A working window "HH:MM-HH:MM" as (start, end) seconds of the day, or what is wrong."""
    m = _WINDOW.match(entry) if isinstance(entry, str) else None
    if m is None:
        return f'window {entry!r} is not HH:MM-HH:MM (e.g. "08:30-12:00"; "24:00" may end a window)'
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return (
            f"window {entry!r} has a time that does not exist: hours 00-23 (24:00 only as an "
            "end), minutes 00-59"
        )
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if start == end:
        return f"window {entry!r} is empty: it must start before it ends"
    if start > end:
        return (
            f"window {entry!r} must start before it ends: a window that runs past midnight is "
            f'two windows, e.g. "{entry.split("-")[0].strip()}-24:00" and '
            f'"00:00-{entry.split("-")[1].strip()}"'
        )
    return start, end


def _seconds(t: time) -> int:
    """A window bound as seconds of the day (`END_OF_DAY`: 86400)."""
    if t == END_OF_DAY:
        return 86_400
    return t.hour * 3600 + t.minute * 60 + t.second


def _month_day(value: Any) -> tuple[int, int] | None:
    """"MM-DD" as (month, day) of a day every year has, None otherwise."""
    m = _MONTH_DAY.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    try:
        date(2027, month, day)  # a common year: 02-29 is refused
    except ValueError:
        return None
    return month, day


def _time_of(seconds: int) -> time:
    """A second of the day as a time; 86400 is `END_OF_DAY` (24:00)."""
    if seconds >= 86_400:
        return END_OF_DAY
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


def _weekday(name: Any) -> int | None:
    """The weekday number (Monday 0) of `mon`..`sun` (or the full name), None if unknown."""
    return _WEEKDAY_NAMES.get(name.strip().lower()) if isinstance(name, str) else None


def _date(value: Any) -> date | None:
    """A TOML date or a YYYY-MM-DD string as a date, None if it is neither."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _bad_basis(value: Any) -> str:
    return (
        f'unknown time basis {value!r}: use "working" (the working calendar) or "always" '
        "(around the clock)"
    )


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, list[str]]:
    """Country code -> subdivision codes, from the holidays package (imported only here)."""
    import holidays

    return {code: list(subs) for code, subs in holidays.list_supported_countries().items()}


@lru_cache(maxsize=64)
def _subdivision_exists(country: str, subdivision: str) -> bool:
    """Whether the holidays package accepts `subdivision` (a code or an alias) of `country`."""
    import holidays

    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, ValueError, KeyError):
        return False
    return True
