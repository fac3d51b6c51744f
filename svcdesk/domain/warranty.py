"""Warranty: what an asset gets (repair, replacement, support) on a given day, and why.

The rules are policy data, the `[warranty]` section of the policy file (read and checked by
`svcdesk.domain.warranty_rules`): the kinds of asset the policy knows, a default warranty
period, what happens after the warranty, and `[[warranty.rule]]` tables. The FIRST rule that
names the asset's kind and whose age condition holds decides the level of each service: `free`,
`paid` or `not_covered`. After the warranty end the rule's (or the section's) `after_warranty`
applies: `same` (the services continue: lifetime support), `paid` (what was free is paid) or
`not_covered`.

Ages are counted in calendar years and months from the installation date (`add_years_months`):
an asset is "older than 3 years" from the day after its third anniversary, so on the
anniversary itself it is not older yet. An asset installed on Feb 29 has its anniversaries on
Feb 28 in common years: installed 2024-02-29, it turns 3 on 2027-02-28 and is older than 3
years from 2027-03-01.

Pure: no I/O, no clock reads; `decide` takes the date it answers for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = [
    "AFTER_WARRANTY",
    "LEVELS",
    "SERVICES",
    "Asset",
    "Coverage",
    "WarrantyRule",
    "WarrantyRules",
    "add_years_months",
    "crossings",
    "decide",
    "span_text",
]

SERVICES = ("repair", "replacement", "support")
"""What a warranty rule decides, each on its own."""
LEVELS = ("free", "paid", "not_covered")
"""How a service is given, from best to worst."""
AFTER_WARRANTY = ("same", "paid", "not_covered")
"""What happens after the warranty end: the same services continue, free becomes paid, or
nothing is covered."""

_DAY = timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Calendar arithmetic


def add_years_months(d: date, years: int, months: int) -> date:
    """The date `years` and `months` after `d`, on the same day of the month.

    A day the target month does not have becomes that month's last day: Feb 29 + 1 year is
    Feb 28, Jan 31 + 1 month is Feb 28 (Feb 29 in a leap year). Always counted from `d` itself,
    so Feb 29 + 4 years is Feb 29 again. Raises `OverflowError` past the year 9999.
    """
    total = d.year * 12 + d.month - 1 + years * 12 + months
    year, month = divmod(total, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError(f"{d} + {years}y{months}m is out of the calendar")
    return date(year, month, min(d.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _anniversary(d: date, span: tuple[int, int]) -> date:
    """`d` + `span`, or the last date there is when that is out of the calendar."""
    try:
        return add_years_months(d, *span)
    except OverflowError:
        return date.max


def span_text(span: tuple[int, int]) -> str:
    """(3, 0) as "3 years", (1, 6) as "1 year 6 months"."""
    years, months = span
    parts = [f"{years} year{'' if years == 1 else 's'}"] if years else []
    if months or not parts:
        parts.append(f"{months} month{'' if months == 1 else 's'}")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# The rules


@dataclass(frozen=True)
class WarrantyRule:
    """The services an asset of `kinds` (None: any kind) gets, when older than `older_than`
    (years, months; None: at any age); `after_warranty` None defers to the section."""

    name: str
    kinds: frozenset[str] | None
    older_than: tuple[int, int] | None
    repair: str
    replacement: str
    support: str
    after_warranty: str | None = None
    clause: str = ""

    @property
    def label(self) -> str:
        """How reasons name the rule: `warranty rule 'software'`."""
        return f"warranty rule {self.name!r}"

    def level(self, service: str) -> str:
        """The level the rule gives `service` (one of SERVICES)."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}: the services are {', '.join(SERVICES)}")
        return str(getattr(self, service))

    def names(self, kind: str) -> bool:
        """Whether the rule is about assets of `kind`."""
        return self.kinds is None or kind in self.kinds

    def older_from(self, installed_on: date) -> date | None:
        """The first day an asset installed on `installed_on` meets the age condition (the day
        after the anniversary; None: the rule has no age condition, or never in the calendar)."""
        if self.older_than is None:
            return None
        anniversary = _anniversary(installed_on, self.older_than)
        return None if anniversary == date.max else anniversary + _DAY


@dataclass(frozen=True)
class WarrantyRules:
    """The `[warranty]` section: every kind the policy knows, the rules (first match applies),
    the default warranty period from installation, and what happens after the warranty."""

    kinds: tuple[str, ...] = ()
    rules: tuple[WarrantyRule, ...] = ()
    warranty_period: tuple[int, int] | None = None
    after_warranty: str = "same"

    def rule_for(self, kind: str, installed_on: date | None, on: date) -> WarrantyRule | None:
        """The first rule that names `kind` and whose age condition holds on `on` (a rule with an
        age condition never applies to an asset installed on an unknown date)."""
        return self._choose(kind, installed_on, on)[0]

    def _choose(
        self, kind: str, installed_on: date | None, on: date
    ) -> tuple[WarrantyRule | None, list[WarrantyRule]]:
        """The rule for the asset, and the age-limited rules skipped because its age is unknown."""
        skipped: list[WarrantyRule] = []
        for rule in self.rules:
            if not rule.names(kind):
                continue
            if rule.older_than is None:
                return rule, skipped
            if installed_on is None:
                skipped.append(rule)
                continue
            first = rule.older_from(installed_on)
            if first is not None and on >= first:
                return rule, skipped
        return None, skipped

    def warranty_end(self, asset: Asset) -> date | None:
        """The last day in warranty: the recorded end, or installation + the default period."""
        if asset.warranty_until is not None:
            return asset.warranty_until
        if asset.installed_on is not None and self.warranty_period is not None:
            return _anniversary(asset.installed_on, self.warranty_period)
        return None


@dataclass(frozen=True)
class Asset:
    """What the decision needs to know about an asset (None: not recorded)."""

    kind: str
    installed_on: date | None
    warranty_until: date | None


@dataclass(frozen=True)
class Coverage:
    """What an asset gets on day `on`: each service's level, and the reasons, one sentence each,
    naming the policy rule behind every part."""

    kind: str
    on: date
    age_days: int | None
    in_warranty: bool
    warranty_until: date | None
    repair: str
    replacement: str
    support: str
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (the caller adds the asset's reference)."""
        return {
            "on": self.on,
            "kind": self.kind,
            "age_days": self.age_days,
            "in_warranty": self.in_warranty,
            "warranty_until": self.warranty_until,
            "repair": self.repair,
            "replacement": self.replacement,
            "support": self.support,
            "reasons": list(self.reasons),
        }

    def level(self, service: str) -> str:
        """The level of `service` (one of SERVICES)."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}: the services are {', '.join(SERVICES)}")
        return str(getattr(self, service))

    def covers(self, service: str) -> bool:
        """Whether `service` is free."""
        return self.level(service) == "free"


# --------------------------------------------------------------------------------------------
# The decision


def decide(rules: WarrantyRules, asset: Asset, on: date) -> Coverage:
    """What `asset` gets on `on` under `rules`, with the reasons.

    The first rule naming the asset's kind whose age condition holds sets each service's level;
    out of warranty (after the last day in warranty, or when the dates are unknown) the rule's or
    the section's `after_warranty` applies. A kind no rule takes gets nothing.
    """
    installed = asset.installed_on
    age_days = (on - installed).days if installed is not None else None
    until = rules.warranty_end(asset)
    in_warranty = until is not None and on <= until
    rule, skipped = rules._choose(asset.kind, installed, on)

    reasons: list[str] = []
    skipped_reasons = [
        f"{r.label} (older than {span_text(r.older_than)}) does not apply: the installation "
        "date is unknown"
        for r in skipped
        if r.older_than is not None
    ]
    if in_warranty:
        status = f"in warranty until {_until_text(rules, asset, until)}"
    elif until is None:
        missing = (
            "no warranty end date recorded and the policy sets no warranty period"
            if installed is not None
            else "no warranty end date and no installation date recorded"
        )
        status = f"out of warranty: the warranty dates are unknown ({missing})"
    else:
        status = f"out of warranty: the warranty ended on {_until_text(rules, asset, until)}"

    if rule is None:
        levels = dict.fromkeys(SERVICES, "not_covered")
        if any(r.names(asset.kind) for r in rules.rules):
            reasons.append(
                "repair, replacement and support not covered: no warranty rule applies to this "
                f"{asset.kind} at its age"
            )
        else:
            known = (
                ""
                if asset.kind in rules.kinds
                else f" (the policy's kinds are {', '.join(rules.kinds) or 'none'})"
            )
            reasons.append(
                "repair, replacement and support not covered: no warranty rule covers kind "
                f"{asset.kind!r}{known}"
            )
        reasons += [*skipped_reasons, status]
        return _coverage(asset, on, age_days, in_warranty, until, levels, reasons)

    levels = {service: rule.level(service) for service in SERVICES}
    clause = f"{rule.clause} ({rule.label})" if rule.clause else f"({rule.label})"
    for level in LEVELS:
        services = [s for s in SERVICES if levels[s] == level]
        if services:
            reasons.append(f"{_and(services)} {level.replace('_', ' ')}: {clause}")
    reasons += skipped_reasons
    if in_warranty:
        reasons.append(status)
        return _coverage(asset, on, age_days, in_warranty, until, levels, reasons)

    mode = rule.after_warranty or rules.after_warranty
    where = rule.label if rule.after_warranty else "the [warranty] section"
    source = f'after_warranty = "{mode}" in {where}'
    after = (
        f"after the warranty ended on {_until_text(rules, asset, until)}"
        if until is not None
        else status
    )
    if mode == "same":
        reasons.append(f"{after}, the same services continue (lifetime support): {source}")
    elif mode == "paid":
        free = [s for s in SERVICES if levels[s] == "free"]
        levels = {s: "paid" if level == "free" else level for s, level in levels.items()}
        what = f"{_and(free)} paid" if free else "nothing was free"
        reasons.append(f"{after}, what was free is paid ({what}): {source}")
    else:
        levels = dict.fromkeys(SERVICES, "not_covered")
        reasons.append(f"{after}, nothing is covered: {source}")
    return _coverage(asset, on, age_days, in_warranty, until, levels, reasons)


def _coverage(
    asset: Asset,
    on: date,
    age_days: int | None,
    in_warranty: bool,
    until: date | None,
    levels: Mapping[str, str],
    reasons: Iterable[str],
) -> Coverage:
    return Coverage(
        kind=asset.kind,
        on=on,
        age_days=age_days,
        in_warranty=in_warranty,
        warranty_until=until,
        repair=levels["repair"],
        replacement=levels["replacement"],
        support=levels["support"],
        reasons=tuple(reasons),
    )


def _until_text(rules: WarrantyRules, asset: Asset, until: date | None) -> str:
    """The last day in warranty, saying where it comes from when it is not recorded."""
    if asset.warranty_until is not None or asset.installed_on is None:
        return str(until)
    period = span_text(rules.warranty_period) if rules.warranty_period else "?"
    return f"{until} (installed {asset.installed_on} + the policy's warranty period of {period})"


def _and(words: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def crossings(rules: WarrantyRules, asset: Asset, start: date, end: date) -> list[tuple[date, str]]:
    """The days in [start, end] on which the decision differs from the day before, with what
    changes: the day after the warranty end, and the first day the asset is older than an age
    limit that matters (`turns older than 3 years: replacement no longer covered`). Sorted."""
    until = rules.warranty_end(asset)
    installed = asset.installed_on
    days: set[date | None] = {until + _DAY} if until is not None and until < date.max else set()
    if installed is not None:
        days |= {rule.older_from(installed) for rule in rules.rules if rule.names(asset.kind)}
    found = []
    for day in sorted(d for d in days if d is not None and start <= d <= end and d > date.min):
        before, after = decide(rules, asset, day - _DAY), decide(rules, asset, day)
        if _key(before) == _key(after):
            continue
        causes = []
        if until is not None and day == until + _DAY:
            causes.append(f"out of warranty (the warranty ran until {until})")
        rule = rules.rule_for(asset.kind, installed, day)
        # an age limit only ever starts to hold: a new rule applies from the day it does
        if rule is not None and rule.older_than and installed and rule.older_from(installed) == day:
            causes.append(f"turns older than {span_text(rule.older_than)}")
        found.append((day, f"{'; '.join(causes)}: {_changes(before, after)}"))
    return found


def _key(coverage: Coverage) -> tuple[object, ...]:
    """What a decision says, apart from the day and the age."""
    return (
        coverage.in_warranty,
        coverage.repair,
        coverage.replacement,
        coverage.support,
        coverage.reasons,
    )


_BECOMES = {"free": "now free", "paid": "now paid", "not_covered": "no longer covered"}


def _changes(before: Coverage, after: Coverage) -> str:
    """What changed between two decisions, as a phrase."""
    changes = []
    for level in LEVELS:
        services = [
            s for s in SERVICES if before.level(s) != after.level(s) and after.level(s) == level
        ]
        if services:
            changes.append(f"{_and(services)} {_BECOMES[level]}")
    if changes:
        return ", ".join(changes)
    if before.in_warranty and not after.in_warranty:
        return "the same services continue (lifetime support)"
    return "another warranty rule applies, with the same services"
