"""The service policy: which SLA clocks run for which class of ticket, and on which calendar.

A `Policy` holds a working calendar (time zone, public holidays of a country, working-hour
windows, weekend, extra days), its ticket classes and its `[warranty]` section. The first class
whose match fits a ticket's severity and category applies; its clocks (`respond`, `onsite`,
`resolve`, `restore`, `report`, `upgrade`) each have a target and count either working time or
time around the clock. Policies are read from TOML by `svcdesk.domain.policy_toml.parse_policy`.

Field work has settings of its own, each an optional section with its default here (the
shipped policy names none of them): `[update]` (the plan's online support "replies every day":
which channels, how often, on which calendar), `[consent]` (whether waiting for the customer's
consent pauses the resolution clocks), `[inspections]` (the yearly quota, the contract year,
the checklist), `[training]` (after a major upgrade), `[upgrades]` (a fault during one) and
`[digest]` (the FAQ pushed to operators).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.durations import format_duration, parse_duration
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.problems import PolicyError
from svcdesk.domain.warranty import WarrantyRules
from svcdesk.domain.warranty_rules import parse_rules

__all__ = [
    "BASES",
    "CLOCKS",
    "DEFAULT_CHECKLIST",
    "UPDATE_CLAUSE",
    "WEEKDAYS",
    "ChecklistItem",
    "ClockRule",
    "ConsentSettings",
    "DigestSettings",
    "InspectionSettings",
    "Policy",
    "TicketClass",
    "TrainingSettings",
    "UpdateSettings",
    "UpgradeSettings",
    "span",
    "split_days",
]

CLOCKS = ("respond", "onsite", "resolve", "restore", "report", "upgrade")
"""The clocks a class may set, in the order a ticket meets them."""
BASES = ("working", "always")
"""How a clock counts time: on the working calendar, or around the clock."""
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_VERBS = {
    "respond": "respond",
    "onsite": "be on site",
    "resolve": "resolve",
    "restore": "restore",
    "report": "deliver the incident report",
    "upgrade": "upgrade",
    "update": "reply to the customer",
}
_DAY = 86_400


@dataclass(frozen=True)
class ClockRule:
    """One clock of a ticket class: `target` seconds (None: the ticket's due date) of `basis`."""

    name: str
    target: int | None
    basis: str
    clause: str
    class_name: str
    shown: str = ""  # the target as people read it, where hours would mislead ("1 working day")

    @property
    def why(self) -> str:
        """The rule as a sentence for users, naming the class and the plan's clause."""
        verb = _VERBS.get(self.name, self.name)
        if self.target is None:
            text = f"{self.class_name}: {verb} by the ticket's due date"
        elif self.name == "update":
            counted = "around the clock" if self.basis == "always" else "of working time"
            every = self.shown or f"{span(self.target)} {counted}"
            text = f"{self.class_name}: {verb} at least every {every}, until it is resolved"
        else:
            counted = "around the clock" if self.basis == "always" else "of working time"
            text = f"{self.class_name}: {verb} within {span(self.target)} {counted}"
        return f"{text} ({self.clause})" if self.clause else text


@dataclass(frozen=True)
class TicketClass:
    """The clocks of tickets whose severity and category this class matches (None: any)."""

    name: str
    clause: str
    severities: frozenset[str] | None
    categories: frozenset[str] | None
    basis: str
    clocks: tuple[ClockRule, ...]
    note: str = ""
    update: ClockRule | None = None  # the policy's [update] clock, for tickets on its channels

    def matches(self, severity: str, category: str) -> bool:
        """Whether a ticket of this severity and category falls in the class."""
        return (self.severities is None or severity in self.severities) and (
            self.categories is None or category in self.categories
        )

    def clock(self, name: str) -> ClockRule | None:
        """The class's clock called `name`, if it has one (`update`: the policy's)."""
        if name == "update":
            return self.update
        return next((rule for rule in self.clocks if rule.name == name), None)


UPDATE_CLAUSE = "Online support: replies to questions by email or the website every day."
"""The plan's clause of the update clock (网上支持: 回复频率为天天)."""


@dataclass(frozen=True)
class UpdateSettings:
    """`[update]`: tickets on `channels` get an update clock, due `target` seconds of `basis`
    time after the latest reply (the plan: online support replies every day)."""

    channels: frozenset[str] = frozenset({"email", "web"})
    every: str = "1d"  # as the policy wrote it; on the working calendar a day is a working day
    target: int = 27_000  # seconds of `basis` time: one working day of 08:30-12:00, 13:30-17:30
    basis: str = "working"

    @property
    def shown(self) -> str:
        """`every` as people read it: `1 working day`, `2 working days 4h`, `24h`."""
        if self.basis == "always":
            return f"{span(self.target)} around the clock"
        days, rest = split_days(self.every)
        if not days:
            return f"{span(self.target)} of working time"
        text = f"{days} working day{'s' if days != 1 else ''}"
        return f"{text} {span(rest)}" if rest else text

    def rule(self, class_name: str) -> ClockRule:
        """The update clock of tickets of class `class_name`."""
        return ClockRule(name="update", target=self.target, basis=self.basis,
                         clause=UPDATE_CLAUSE, class_name=class_name,
                         shown=self.shown)  # fmt: skip


@dataclass(frozen=True)
class ConsentSettings:
    """`[consent]`: while a proposed fix waits for the customer's answer, the resolution
    clocks (resolve, restore) pause as waiting on the customer (the plan: "经甲方同意后")."""

    pause_resolution: bool = True


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the inspection checklist: its key (what results name), its label in
    English and in Chinese."""

    key: str
    label: str
    label_zh: str

    def label_in(self, language: str) -> str:
        """The label in `zh` or `en`."""
        return self.label_zh if language == "zh" else self.label


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("servers", "Servers", "服务器"),
    ChecklistItem("database", "Database", "数据库"),
    ChecklistItem("os", "Operating system", "操作系统"),
    ChecklistItem("network", "Network", "网络"),
    ChecklistItem("backups", "Backups", "数据备份"),
    ChecklistItem("queue_machines", "Queue-ticket machines", "叫号机"),
    ChecklistItem("led_screens", "LED screens", "LED屏幕"),
    ChecklistItem("dvr", "DVR recordings", "硬盘录像机录像"),
    ChecklistItem("ups", "UPS", "UPS电源"),
)
"""What an on-site inspection checks by default: the system the plan covers (servers, the
database, operating system and network, backups, queue-ticket machines, LED screens, DVRs)."""


@dataclass(frozen=True)
class InspectionSettings:
    """`[inspections]`: at least `per_year` free on-site inspections per site per contract
    year (the plan: "每十二个月提供最少4次无偿现场巡检"), the year starting on `contract_start`
    (month, day); the checklist each one goes through; `due_soon` seconds: how far ahead an
    inspection shows as coming due."""

    per_year: int = 4
    contract_start: tuple[int, int] = (1, 1)
    checklist: tuple[ChecklistItem, ...] = DEFAULT_CHECKLIST
    due_soon: int = 14 * _DAY

    def item(self, key: str) -> ChecklistItem | None:
        """The checklist item with this key, if there is one."""
        return next((i for i in self.checklist if i.key == key), None)

    def year_start(self, year: int) -> date:
        """The first day of the contract year that begins in calendar year `year`."""
        month, day = self.contract_start
        return date(year, month, day)


@dataclass(frozen=True)
class TrainingSettings:
    """`[training]`: after a major upgrade, that site's operators are trained within `within`
    seconds (the plan: "系统重大升级后主动组织培训")."""

    within: int = 30 * _DAY


@dataclass(frozen=True)
class UpgradeSettings:
    """`[upgrades]`: the severity of a fault reported during an upgrade (the plan: a fault
    during an upgrade is handled on site at once, "升级期间出现故障立即到现场")."""

    fault_severity: str = "major"


@dataclass(frozen=True)
class DigestSettings:
    """`[digest]`: the FAQ digest is due every `every` seconds (the plan: "定时整理常见问题,
    并主动推送给基层操作人员")."""

    every: int = 30 * _DAY


@dataclass(frozen=True)
class Policy:
    """A parsed, valid policy: its working calendar, its ticket classes and its warranty rules
    (`warranty` is the raw `[warranty]` table; `warranty_rules()` the parsed rules)."""

    name: str
    timezone: str
    country: str | None
    subdivision: str | None
    windows: tuple[tuple[time, time], ...]
    weekend: frozenset[int]
    extra_holidays: frozenset[date]
    extra_workdays: frozenset[date]
    classes: tuple[TicketClass, ...]
    # the names a policy gave its extra days ({ date = ..., name = ... }), by date
    extra_names: tuple[tuple[date, str], ...] = ()
    warranty: dict[str, Any] = field(default_factory=dict, hash=False)
    language: str = "zh"  # `zh` or `en`: durations on the board, `sla status`, reports
    update: UpdateSettings = field(default_factory=UpdateSettings)
    consent: ConsentSettings = field(default_factory=ConsentSettings)
    inspections: InspectionSettings = field(default_factory=InspectionSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    upgrades: UpgradeSettings = field(default_factory=UpgradeSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    source: str = ""
    _calendars: dict[tuple[str, str], WorkCalendar] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )
    _warranty_rules: list[WarrantyRules] = field(
        default_factory=list, init=False, repr=False, compare=False, hash=False
    )

    def warranty_rules(self) -> WarrantyRules:
        """The rules of the `[warranty]` section, parsed once (`PolicyError` if not valid)."""
        if not self._warranty_rules:
            rules, problems = parse_rules(self.warranty)
            if problems:
                raise PolicyError(problems)
            self._warranty_rules.append(rules)
        return self._warranty_rules[0]

    def clock_rules(self, severity: str, category: str, channel: str) -> tuple[ClockRule, ...]:
        """The clocks of a ticket: its class's, and the update clock if its channel is one
        the policy replies on every day."""
        cls = self.class_for(severity, category)
        if cls.update is not None and channel in self.update.channels:
            return (*cls.clocks, cls.update)
        return cls.clocks

    def settings(self) -> dict[str, dict[str, Any]]:
        """The field-work settings as `sla policy show` can list them (durations as text)."""
        ins = self.inspections
        return {
            "update": {"channels": sorted(self.update.channels), "every": self.update.every,
                       "basis": self.update.basis, "means": self.update.shown},
            "consent": {"pause_resolution": self.consent.pause_resolution},
            "inspections": {
                "per_year": ins.per_year,
                "contract_start": "{:02d}-{:02d}".format(*ins.contract_start),
                "checklist": [{"key": i.key, "label": i.label, "label_zh": i.label_zh}
                              for i in ins.checklist],
                "due_soon": format_duration(ins.due_soon),
            },
            "training": {"within": format_duration(self.training.within)},
            "upgrades": {"fault_severity": self.upgrades.fault_severity},
            "digest": {"every": format_duration(self.digest.every)},
        }  # fmt: skip

    def class_for(self, severity: str, category: str) -> TicketClass:
        """The first class whose match fits the ticket (a valid policy has one for every pair)."""
        for cls in self.classes:
            if cls.matches(severity, category):
                return cls
        raise InvalidValue(
            f"policy {self.name!r} has no class for severity={severity}, category={category}"
        )

    def calendar(self, basis: str, tz: str | None = None) -> WorkCalendar:
        """The calendar a clock of `basis` counts on, in zone `tz` (default: the policy's)."""
        zone = tz or self.timezone
        key = (basis, zone)
        cal = self._calendars.get(key)
        if cal is not None:
            return cal
        try:
            if basis == "always":
                cal = WorkCalendar.always(zone)
            elif basis == "working":
                cal = WorkCalendar(
                    tz=zone,
                    windows=self.windows,
                    country=self.country,
                    subdiv=self.subdivision,
                    weekend=self.weekend,
                    extra_holidays=self.extra_holidays,
                    extra_workdays=self.extra_workdays,
                )
            else:
                raise ValueError(f"unknown time basis {basis!r}: use working or always")
        except ValueError as exc:
            raise InvalidValue(str(exc)) from None
        self._calendars[key] = cal
        return cal


def split_days(text: str) -> tuple[int, int]:
    """The days (a week is 7) of a duration's text, and the seconds of the rest of it: on the
    working calendar `[update] every`'s days are working days, its hours working hours."""
    m = re.match(r"^(?:(\d+)w)?(?:(\d+)d)?(.*)$", text.strip().lower().replace(" ", ""))
    if m is None:
        return 0, 0
    days = int(m.group(1) or 0) * 7 + int(m.group(2) or 0)
    rest = int(parse_duration(m.group(3)).total_seconds()) if m.group(3) else 0
    return days, rest


def span(seconds: int) -> str:
    """A target in hours and minutes (`72h`, `1h30m`): days would read as working days."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return "".join(parts) or "0m"
