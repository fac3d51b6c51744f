"""Reading the `[warranty]` section of a policy into `WarrantyRules`, with every problem in it.

`parse_rules` takes the section as tomllib reads it and reports each problem as a `Problem`
keyed by its dotted path (`warranty.rule[2].replacement`) but without a line, since a table
read by tomllib has none; `warranty_line` finds that line in the policy text when the policy
validator reports it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from svcdesk.domain.problems import Problem, did_you_mean, unknown_key
from svcdesk.domain.toml_lines import Locator
from svcdesk.domain.warranty import AFTER_WARRANTY, LEVELS, SERVICES, WarrantyRule, WarrantyRules

__all__ = ["parse_rules", "parse_span", "warranty_line"]

_SECTION_KEYS = ("kinds", "period", "after_warranty", "rule")
_RULE_KEYS = ("name", "clause", "kinds", "older_than", *SERVICES, "after_warranty")
_SPAN_HINT = 'a positive number of years and months such as "3y", "18m" or "1y6m"'
_LEVELS_HINT = "free, paid or not_covered"
_SPAN = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?$")
_RULE_KEY = re.compile(r"^warranty\.rule\[(\d+)\](?:\.([^.\[]+))?")


def parse_span(text: Any) -> tuple[int, int]:
    """`"3y"`, `"18m"`, `"1y6m"` as (years, months) with months under 12; `ValueError` saying
    what is wrong otherwise. Here `m` is months (an SLA target's `m` is minutes)."""
    if not isinstance(text, str):
        raise ValueError(f'must be a string such as "3y", not {text!r}: use {_SPAN_HINT}')
    t = text.strip().lower().replace(" ", "")
    if t.startswith("-"):
        raise ValueError(f"negative duration {text!r}: use {_SPAN_HINT}")
    m = _SPAN.match(t)
    if not t or m is None:
        raise ValueError(f"invalid duration {text!r}: use {_SPAN_HINT}")
    years, months = (int(g) if g else 0 for g in m.groups())
    total = years * 12 + months
    if total == 0:
        raise ValueError(f"zero duration {text!r}: use {_SPAN_HINT}")
    return divmod(total, 12)


def parse_rules(data: Mapping[str, Any] | None) -> tuple[WarrantyRules, list[Problem]]:
    """The rules of a `[warranty]` table (as tomllib reads it), and every problem with it, e.g.
    `Problem(None, "warranty.rule[2].replacement", "unknown level ...")`. The rules hold what is
    valid; no section at all means no kinds and no rules."""
    if not data:
        return WarrantyRules(), []
    checker = _Checker()
    return checker.section(data), checker.problems


def warranty_line(where: Locator, key: str) -> int | None:
    """The line of a warranty problem's key: `warranty.rule[2].replacement`,
    `warranty.rule[2]`, `warranty.period`, `warranty`."""
    m = _RULE_KEY.match(key)
    if m is not None:
        n, sub = int(m.group(1)), m.group(2)
        return (
            where.in_array("warranty.rule", n, sub)
            if sub
            else where.array_header("warranty.rule", n)
        )
    parts = key.split(".")
    return where.in_table("warranty", parts[1]) if len(parts) > 1 else where.top("warranty")


class _Checker:
    """Reads a `[warranty]` table, collecting every problem before giving up."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(None, key, message))

    def section(self, data: Mapping[str, Any]) -> WarrantyRules:
        for key in data:
            if key not in _SECTION_KEYS:
                self.problem(
                    f"warranty.{key}",
                    unknown_key(key, _SECTION_KEYS, "the [warranty] section takes"),
                )

        kinds = self.kinds(data)

        period: tuple[int, int] | None = None
        if "period" in data:
            try:
                period = parse_span(data["period"])
            except ValueError as exc:
                self.problem("warranty.period", str(exc))

        after = data.get("after_warranty", "same")
        if after not in AFTER_WARRANTY:
            self.problem("warranty.after_warranty", _bad_after(after))
            after = "same"

        raw = data.get("rule", [])
        if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
            self.problem(
                "warranty.rule", "must be [[warranty.rule]] tables, each with a name and levels"
            )
            raw = []
        rules: list[WarrantyRule] = []
        names: dict[str, int] = {}
        for n, table in enumerate(raw, 1):
            rule = self.rule(n, table, kinds)
            name = table.get("name")
            if isinstance(name, str) and name.strip():
                if name.strip() in names:
                    self.problem(
                        f"warranty.rule[{n}].name",
                        f"warranty.rule[{names[name.strip()]}] has the same name "
                        f"{name.strip()!r}: names tell the rules apart in every reason",
                    )
                names.setdefault(name.strip(), n)
            if rule is not None:
                if _shadowed(rule, rules, kinds):
                    self.problem(
                        f"warranty.rule[{n}]",
                        "never applies: earlier rules take every asset it names (the first rule "
                        "that fits applies): move it up, or narrow the earlier rules",
                    )
                rules.append(rule)
        if len(rules) == len(raw):
            for kind in kinds:
                if not any(rule.names(kind) for rule in rules):
                    self.problem(
                        "warranty.kinds",
                        f"no warranty rule names kind {kind!r}: its assets would get nothing; "
                        "add a rule for it (with not_covered levels if that is meant)",
                    )
        return WarrantyRules(
            kinds=kinds, rules=tuple(rules), warranty_period=period, after_warranty=after
        )

    def kinds(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        raw = data.get("kinds", [])
        example = 'kinds = ["server", "monitor", "software"]'
        if not isinstance(raw, list) or not all(isinstance(k, str) and k.strip() for k in raw):
            self.problem(
                "warranty.kinds", f"must be a list of kind names such as {example}, not {raw!r}"
            )
            return ()
        kinds: list[str] = []
        for kind in (k.strip() for k in raw):
            if kind in kinds:
                self.problem("warranty.kinds", f"{kind!r} is listed twice")
            else:
                kinds.append(kind)
        return tuple(kinds)

    def rule(self, n: int, raw: Mapping[str, Any], kinds: tuple[str, ...]) -> WarrantyRule | None:
        """`warranty.rule[n]` (None, with problems, when it is not valid)."""
        label = f"warranty.rule[{n}]"
        ok = True
        for key in raw:
            if key not in _RULE_KEYS:
                self.problem(
                    f"{label}.{key}", unknown_key(key, _RULE_KEYS, "a warranty rule takes")
                )
                ok = False

        name = raw.get("name")
        if "name" not in raw:
            self.problem(label, 'needs a name: add name = "..." (every reason names the rule)')
            ok = False
        elif not isinstance(name, str) or not name.strip():
            self.problem(f"{label}.name", f"must be a non-empty string, not {name!r}")
            ok = False
        clause = raw.get("clause", "")
        if not isinstance(clause, str):
            self.problem(
                f"{label}.clause", f"must be a string (the plan's sentence), not {clause!r}"
            )
            ok, clause = False, ""

        rule_kinds: frozenset[str] | None = None
        if "kinds" in raw:
            value = raw["kinds"]
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                self.problem(f"{label}.kinds", f"must be a kind or a list of kinds, not {value!r}")
                ok = False
            elif not values:
                self.problem(
                    f"{label}.kinds",
                    "an empty list names no asset: leave kinds out to name every kind",
                )
                ok = False
            else:
                unknown = [v for v in values if v not in kinds]
                if unknown:
                    self.problem(
                        f"{label}.kinds",
                        f"unknown kind{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(repr(v) for v in unknown)}"
                        f"{did_you_mean(unknown[0], kinds) if len(unknown) == 1 else ''}: the "
                        f"[warranty] kinds are {', '.join(kinds) or 'none'} (add new kinds there)",
                    )
                    ok = False
                rule_kinds = frozenset(values)

        older_than: tuple[int, int] | None = None
        if "older_than" in raw:
            try:
                older_than = parse_span(raw["older_than"])
            except ValueError as exc:
                self.problem(f"{label}.older_than", str(exc))
                ok = False

        levels: dict[str, str] = {}
        for service in SERVICES:
            if service not in raw:
                self.problem(
                    f"{label}.{service}", f'missing: add {service} = "free" ({_LEVELS_HINT})'
                )
                ok = False
                continue
            value = raw[service]
            if value not in LEVELS:
                hint = did_you_mean(value, LEVELS) if isinstance(value, str) else ""
                self.problem(
                    f"{label}.{service}", f"unknown level {value!r}{hint}: use {_LEVELS_HINT}"
                )
                ok = False
                continue
            levels[service] = value

        after = raw.get("after_warranty")
        if after is not None and after not in AFTER_WARRANTY:
            self.problem(f"{label}.after_warranty", _bad_after(after))
            ok = False

        if not ok:
            return None
        return WarrantyRule(
            name=str(name).strip(),
            kinds=rule_kinds,
            older_than=older_than,
            repair=levels["repair"],
            replacement=levels["replacement"],
            support=levels["support"],
            after_warranty=after,
            clause=clause.strip(),
        )


def _shadowed(rule: WarrantyRule, earlier: list[WarrantyRule], kinds: tuple[str, ...]) -> bool:
    """Whether earlier rules take every asset `rule` names, at every age it applies to."""
    months = rule.older_than[0] * 12 + rule.older_than[1] if rule.older_than else None

    def takes(e: WarrantyRule, kind: str | None) -> bool:
        names = e.kinds is None or (kind is not None and kind in e.kinds)
        if not names:
            return False
        if e.older_than is None:
            return True
        return months is not None and months >= e.older_than[0] * 12 + e.older_than[1]

    if rule.kinds is None:  # also any kind the list does not name
        return any(takes(e, None) for e in earlier)
    return all(any(takes(e, kind) for e in earlier) for kind in rule.kinds)


def _bad_after(value: Any) -> str:
    hint = did_you_mean(value, AFTER_WARRANTY) if isinstance(value, str) else ""
    return (
        f'unknown after_warranty {value!r}{hint}: use "same" (the same services continue: '
        'lifetime support), "paid" (what was free is paid) or "not_covered"'
    )
