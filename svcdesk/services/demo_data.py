"""The demo's data files (svcdesk/data/demo/*.toml), read into frozen records and checked.

The files ship inside the package and are read with `importlib.resources`, so they work from an
installed wheel. A malformed file is a bug in svcdesk, not a user error: it raises one
`DemoDataError` that names the file and the key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from string import Formatter
from typing import Any, Literal, cast

from svcdesk.domain.tickets import CATEGORIES, CHANNELS, SEVERITIES

SHIPPED = "data/demo"  # inside the svcdesk package
FILES = (
    "people.toml",
    "sites.toml",
    "equipment.toml",
    "faults.toml",
    "lifecycle.toml",
    "notes.toml",
)

# The fates the demo's planner (services/demo.py) knows how to play; see lifecycle.toml.
FATES = (
    "just_reported",
    "assigned_open",
    "escalated_open",
    "stuck_paused",
    "resolved_noreport",
    "resolved_report",
    "reopened_open",
    "closed",
    "closed_paused",
    "closed_escalated",
    "reopened_closed",
)
# The placeholders of a fault's texts; the demo draws a value for each per ticket.
FAULT_FIELDS = frozenset({"where", "Where", "ch", "pct", "win", "slot", "temp", "n", "ver"})
FLEET_FIELDS = frozenset({"n", "windows"})
PER = ("site", "hall", "window")


class DemoDataError(ValueError):
    """A shipped demo data file is malformed."""


# --------------------------------------------------------------------------------------------
# The records


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    region: str
    contact: str  # "name, phone": the name reports faults too
    engineer: str  # the first-line engineer who looks after the site


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of equipment: the warranty years to draw from and its models' serial patterns."""

    name: str
    warranty_years: tuple[int, ...]
    models: Mapping[str, str]  # model -> serial pattern (# digit, @ letter, ? either), in order


@dataclass(frozen=True, slots=True)
class FleetItem:
    """Equipment every site has (or `chance` of the sites): one, or one per hall or window."""

    kind: str
    notes: str  # a template: {n} the hall or window, {windows} how many windows
    per: Literal["site", "hall", "window"]
    chance: float = 1.0


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault (or an upgrade) a service hall reports; its texts are str.format templates."""

    title: str
    category: str
    severities: tuple[str, ...]  # one is drawn per ticket
    kind: str | None  # the asset kind it is about, if any
    fix: str  # the resolution note and the report's method
    cause: str
    problem_type: str  # the incident report's problem type
    losses: str | None = None
    role: str | None = None  # the asset's role (its notes)


@dataclass(frozen=True, slots=True)
class FateGroup:
    """Tickets up to `max_age_days` old (None: any age) draw their fate with these weights."""

    max_age_days: int | None
    weights: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Forced:
    """A ticket given `fate` whatever the draw, opened `youngest`..`oldest` minutes ago."""

    fate: str
    youngest: int
    oldest: int


@dataclass(frozen=True, slots=True)
class Lines:
    """Single lines the lifecycle writes; {day} and {fix} are filled in where named."""

    upgrade_received: str
    upgrade_scheduled: str  # {day}
    upgrade_window: str
    upgrade_training: str
    part_ordered: str
    looking_again: str
    fixed_again: str  # {fix}
    satisfaction_call: str
    no_losses: str


_LINE_FIELDS = {"upgrade_scheduled": {"day"}, "fixed_again": {"fix"}}


@dataclass(frozen=True, slots=True)
class FieldLines:
    """What field work writes: a visit left unfinished, an inspection's summary, a training's
    topic ({title}: the upgrade ticket's), and findings by checklist item key."""

    visit_unfinished: str
    inspection_summary: str
    training_topic: str
    findings: dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class DemoData:
    tz: str
    first_line: tuple[str, ...]
    seniors: tuple[str, ...]  # who an escalation goes to
    surnames: tuple[str, ...]
    given: tuple[str, ...]
    sites: tuple[Site, ...]
    kinds: Mapping[str, Kind]  # in file order
    fleet: tuple[FleetItem, ...]
    faults: tuple[Fault, ...]
    upgrades: tuple[Fault, ...]
    channels: Mapping[str, tuple[tuple[str, int], ...]]  # category -> (channel, weight)
    fates: tuple[FateGroup, ...]
    forced: tuple[Forced, ...]
    responses: Mapping[str, tuple[str, ...]]  # channel -> first responses
    pause_reasons: tuple[str, ...]
    escalations: tuple[str, ...]
    comments: tuple[str, ...]
    reopen_reasons: tuple[str, ...]
    lines: Lines
    field: FieldLines


# --------------------------------------------------------------------------------------------
# Reading a table with checks

_MISSING: Any = object()


class _Table:
    """One TOML table, read key by key; any surprise raises a DemoDataError naming the key."""

    def __init__(self, file: str, path: str, data: object) -> None:
        self.file, self.path = file, path
        if not isinstance(data, dict):
            raise self._error(path or "(top level)", "a table", data)
        self.data: dict[str, Any] = data
        self._read: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _error(self, where: str, expected: str, got: object) -> DemoDataError:
        return DemoDataError(f"{self.file}: {where}: expected {expected}, got {got!r}")

    def fail(self, key: str, message: str) -> DemoDataError:
        return DemoDataError(f"{self.file}: {self.where(key)}: {message}")

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.fail(key, "missing")
        return default

    def text(self, key: str, default: Any = _MISSING, *, fields: Iterable[str] = ()) -> str:
        """A non-empty string; a str.format template using only `fields`, if given."""
        value = self._get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self._error(self.where(key), "a non-empty string", value)
        self._check_template(key, value, set(fields))
        return value

    def optional_text(self, key: str, *, fields: Iterable[str] = ()) -> str | None:
        return None if self._get(key, None) is None else self.text(key, fields=fields)

    def choice(self, key: str, choices: Iterable[str], default: Any = _MISSING) -> str:
        choices = tuple(choices)
        value = self._get(key, default)
        if value not in choices:
            raise self._error(self.where(key), f"one of {', '.join(choices)}", value)
        return cast(str, value)

    def texts(self, key: str, choices: Iterable[str] | None = None) -> tuple[str, ...]:
        """A non-empty list of non-empty strings (each one of `choices`, if given)."""
        value = self._get(key, _MISSING)
        allowed = None if choices is None else tuple(choices)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
            or (allowed is not None and not set(value) <= set(allowed))
        ):
            what = "strings" if allowed is None else f"of {', '.join(allowed)}"
            raise self._error(self.where(key), f"a non-empty list {what}", value)
        return tuple(value)

    def integer(self, key: str, *, lo: int, hi: int) -> int:
        value = self._get(key, _MISSING)
        if type(value) is not int or not lo <= value <= hi:
            raise self._error(self.where(key), f"an integer from {lo} to {hi}", value)
        return value

    def number(self, key: str, default: Any = _MISSING, *, lo: float, hi: float) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise self._error(self.where(key), f"a number from {lo} to {hi}", value)
        return value

    def positive_ints(self, key: str, size: int | None = None) -> tuple[int, ...]:
        value = self._get(key, _MISSING)
        if (
            not isinstance(value, list)
            or not value
            or (size is not None and len(value) != size)
            or not all(type(v) is int and v > 0 for v in value)
        ):
            what = f"{size} positive integers" if size else "a non-empty list of positive integers"
            raise self._error(self.where(key), what, value)
        return tuple(value)

    def table(self, key: str) -> _Table:
        return _Table(self.file, self.where(key), self._get(key, _MISSING))

    def tables(self, key: str) -> list[_Table]:
        """An array of tables ([[key]]), not empty."""
        value = self._get(key, _MISSING)
        if not isinstance(value, list) or not value:
            raise self._error(self.where(key), "one or more [[tables]]", value)
        return [_Table(self.file, f"{self.where(key)}[{i}]", v) for i, v in enumerate(value)]

    def names(self) -> list[str]:
        """Every key of the table, in file order (each counts as read)."""
        self._read.update(self.data)
        return list(self.data)

    def weights(self, choices: Iterable[str]) -> tuple[tuple[str, int], ...]:
        """The whole table as name = positive weight, each name one of `choices`."""
        allowed = tuple(choices)
        out = []
        for name in self.names():
            if name not in allowed:
                raise self.fail(name, f"not one of {', '.join(allowed)}")
            weight = self.data[name]
            if type(weight) is not int or weight <= 0:
                raise self._error(self.where(name), "a positive integer weight", weight)
            out.append((name, weight))
        if not out:
            raise DemoDataError(f"{self.file}: {self.path}: expected at least one weight")
        return tuple(out)

    def done(self) -> None:
        """Refuse keys nobody read: a misspelt key is not silently ignored."""
        unknown = [k for k in self.data if k not in self._read]
        if unknown:
            raise self.fail(unknown[0], "unknown key")

    def _check_template(self, key: str, value: str, fields: set[str]) -> None:
        try:
            used = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise self.fail(key, f"not a valid template ({exc}); write {{{{ for a brace") from exc
        wrong = sorted(used - fields)
        if wrong:
            known = ", ".join(f"{{{f}}}" for f in sorted(fields)) or "none"
            raise self.fail(key, f"unknown placeholder {{{wrong[0]}}} (known: {known})")


# --------------------------------------------------------------------------------------------
# Loading


def load(root: Traversable | None = None) -> DemoData:
    """The demo data in `root` (default: the files shipped in svcdesk/data/demo), checked."""
    if root is None:
        return _shipped()
    return _load(root, str(root))


@lru_cache(maxsize=1)
def _shipped() -> DemoData:
    return _load(resources.files("svcdesk").joinpath(SHIPPED), f"svcdesk/{SHIPPED}")


def _read(root: Traversable, label: str, name: str) -> _Table:
    file = f"{label}/{name}"
    try:
        text = root.joinpath(name).read_text(encoding="utf-8")
        return _Table(file, "", tomllib.loads(text))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DemoDataError(f"{file}: cannot be read: {exc}") from exc


def _load(root: Traversable, label: str) -> DemoData:
    people, sites, equipment, faults, lifecycle, notes = (
        _read(root, label, name) for name in FILES
    )

    engineers = people.table("engineers")
    first_line, seniors = engineers.texts("first_line"), engineers.texts("senior")
    both = set(first_line) & set(seniors)
    if both:
        raise engineers.fail("senior", f"{sorted(both)[0]!r} is also first-line")
    names = people.table("names")
    surnames, given = names.texts("surnames"), names.texts("given")
    for t in (engineers, names, people):
        t.done()

    tz = sites.text("tz")
    site_list: list[Site] = []
    for t in sites.tables("site"):
        site = Site(
            code=t.text("code"),
            name=t.text("name"),
            region=t.text("region"),
            contact=t.text("contact"),
            engineer=t.choice("engineer", first_line),
        )
        if any(s.code == site.code for s in site_list):
            raise t.fail("code", f"{site.code!r} is used twice")
        site_list.append(site)
        t.done()
    sites.done()

    kinds: dict[str, Kind] = {}
    all_kinds = equipment.table("kind")
    for name in all_kinds.names():
        t = all_kinds.table(name)
        models_table = t.table("models")
        models = {model: models_table.text(model) for model in models_table.names()}
        if not models:
            raise t.fail("models", "expected at least one model")
        kinds[name] = Kind(name, t.positive_ints("warranty_years"), models)
        t.done()
    if not kinds:
        raise DemoDataError(f"{equipment.file}: kind: expected one or more [kind.NAME] tables")
    fleet: list[FleetItem] = []
    for t in equipment.tables("fleet"):
        per = t.choice("per", PER)
        placeholders = FLEET_FIELDS if per != "site" else FLEET_FIELDS - {"n"}
        fleet.append(
            FleetItem(
                kind=t.choice("kind", kinds),
                notes=t.text("notes", fields=placeholders),
                per=cast(Literal["site", "hall", "window"], per),
                chance=t.number("chance", 1.0, lo=0.0, hi=1.0),
            )
        )
        t.done()
    equipment.done()

    fault_list = tuple(_fault(t, kinds, fleet) for t in faults.tables("fault"))
    upgrades = tuple(_fault(t, kinds, fleet, upgrade=True) for t in faults.tables("upgrade"))
    faults.done()

    by_category = lifecycle.table("channels")
    channels: dict[str, tuple[tuple[str, int], ...]] = {}
    for category in by_category.names():
        if category not in CATEGORIES:
            raise by_category.fail(category, f"not one of {', '.join(CATEGORIES)}")
        channels[category] = by_category.table(category).weights(CHANNELS)
    by_category.done()
    for f in fault_list + upgrades:
        if f.category not in channels:
            raise by_category.fail(f.category, "missing: a fault of this category needs it")
    fates: list[FateGroup] = []
    groups = lifecycle.tables("fates")
    for i, t in enumerate(groups):
        last = i == len(groups) - 1
        if last and "max_age_days" in t.data:
            raise t.fail("max_age_days", "the last group takes tickets of any age: leave it out")
        limit = None if last else t.integer("max_age_days", lo=1, hi=100_000)
        before = fates[-1].max_age_days if fates else None
        if limit is not None and before is not None and before >= limit:
            raise t.fail("max_age_days", "expected more than the group before")
        fates.append(FateGroup(limit, t.table("weights").weights(FATES)))
        t.done()
    forced: list[Forced] = []
    for t in lifecycle.tables("forced"):
        youngest, oldest = t.positive_ints("age_minutes", size=2)
        if youngest > oldest:
            raise t.fail("age_minutes", "expected [youngest, oldest]")
        forced.append(Forced(t.choice("fate", FATES), youngest, oldest))
        t.done()
    lifecycle.done()

    responses_table = notes.table("responses")
    responses = {ch: responses_table.texts(ch) for ch in CHANNELS}
    responses_table.done()
    lines_table = notes.table("lines")
    lines = Lines(
        **{
            key.name: lines_table.text(key.name, fields=_LINE_FIELDS.get(key.name, ()))
            for key in dataclasses.fields(Lines)
        }
    )
    lines_table.done()
    field_table = notes.table("field")
    findings_table = field_table.table("findings")
    field_lines = FieldLines(
        visit_unfinished=field_table.text("visit_unfinished"),
        inspection_summary=field_table.text("inspection_summary"),
        training_topic=field_table.text("training_topic", fields={"title"}),
        findings={key: findings_table.texts(key) for key in findings_table.names()},
    )
    findings_table.done()
    field_table.done()
    data = DemoData(
        tz=tz,
        first_line=first_line,
        seniors=seniors,
        surnames=surnames,
        given=given,
        sites=tuple(site_list),
        kinds=kinds,
        fleet=tuple(fleet),
        faults=fault_list,
        upgrades=upgrades,
        channels=channels,
        fates=tuple(fates),
        forced=tuple(forced),
        responses=responses,
        pause_reasons=notes.texts("pause_reasons"),
        escalations=notes.texts("escalations"),
        comments=notes.texts("comments"),
        reopen_reasons=notes.texts("reopen_reasons"),
        lines=lines,
        field=field_lines,
    )
    notes.done()
    return data


def _fault(
    t: _Table, kinds: Mapping[str, Kind], fleet: list[FleetItem], *, upgrade: bool = False
) -> Fault:
    kind = t.choice("kind", kinds) if "kind" in t.data else None
    role = t.optional_text("role")
    if role is not None and kind is None:
        raise t.fail("role", "a role needs the kind of asset it is")
    if role is not None and not any(i.kind == kind and i.notes == role for i in fleet):
        raise t.fail("role", f"no [[fleet]] {kind} has the notes {role!r}")
    if upgrade:
        severities: tuple[str, ...] = ("upgrade",)
        cause = problem_type = ""
        losses = None
    else:
        severities = t.texts("severities", [s for s in SEVERITIES if s != "upgrade"])
        cause = t.text("cause", fields=FAULT_FIELDS)
        problem_type = t.text("problem_type")
        losses = t.optional_text("losses", fields=FAULT_FIELDS)
    fault = Fault(
        title=t.text("title", fields=FAULT_FIELDS),
        category=t.choice("category", CATEGORIES),
        severities=severities,
        kind=kind,
        fix=t.text("fix", fields=FAULT_FIELDS),
        cause=cause,
        problem_type=problem_type,
        losses=losses,
        role=role,
    )
    t.done()
    return fault
