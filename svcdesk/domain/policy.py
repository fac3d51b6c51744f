"""The service policy: which SLA clocks run for which class of ticket, and on which calendar.

A `Policy` holds a working calendar (time zone, public holidays of a country, working-hour
windows, weekend, extra days), its ticket classes and its `[warranty]` section. The first class
whose match fits a ticket's severity and category applies; its clocks (`respond`, `onsite`,
`resolve`, `restore`, `report`, `upgrade`) each have a target and count either working time or
time around the clock. Policies are read from TOML by `svcdesk.domain.policy_toml.parse_policy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.problems import PolicyError
from svcdesk.domain.warranty import WarrantyRules
from svcdesk.domain.warranty_rules import parse_rules

__all__ = [
    "BASES",
    "CLOCKS",
    "WEEKDAYS",
    "ClockRule",
    "Policy",
    "TicketClass",
    "span",
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
}


@dataclass(frozen=True)
class ClockRule:
    """One clock of a ticket class: `target` seconds (None: the ticket's due date) of `basis`."""

    name: str
    target: int | None
    basis: str
    clause: str
    class_name: str

    @property
    def why(self) -> str:
        """The rule as a sentence for users, naming the class and the plan's clause."""
        verb = _VERBS.get(self.name, self.name)
        if self.target is None:
            text = f"{self.class_name}: {verb} by the ticket's due date"
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

    def matches(self, severity: str, category: str) -> bool:
        """Whether a ticket of this severity and category falls in the class."""
        return (self.severities is None or severity in self.severities) and (
            self.categories is None or category in self.categories
        )

    def clock(self, name: str) -> ClockRule | None:
        """The class's clock called `name`, if it has one."""
        return next((rule for rule in self.clocks if rule.name == name), None)


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


def span(seconds: int) -> str:
    """A target in hours and minutes (`72h`, `1h30m`): days would read as working days."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return "".join(parts) or "0m"
