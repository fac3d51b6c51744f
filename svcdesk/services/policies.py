"""SLA policy versions: the default one, the one in force, checking, loading and showing them."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from svcdesk import clock
from svcdesk.errors import InvalidValue
from svcdesk.store import policies as store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.schema import PolicyRow
from svcdesk.store.sql import Conn

if TYPE_CHECKING:
    from svcdesk.domain.policy import Policy
    from svcdesk.store.db import Database


def policy_id(source: str, effective_at: int) -> str:
    """A version's id: the same text in force from the same instant has the same id everywhere."""
    return hashlib.sha256(f"{effective_at}\n{source}".encode()).hexdigest()[:32]


@lru_cache(maxsize=16)
def parse(source: str) -> Policy:
    """A stored (so already checked) policy text, parsed once per process."""
    from svcdesk.domain.policy_toml import parse_policy

    return parse_policy(source, check_country=False)


@lru_cache(maxsize=1)
def default_row() -> PolicyRow:
    """The shipped default policy, in force from the beginning of time."""
    from svcdesk.resources import default_policy_text

    source = default_policy_text()
    policy = parse(source)
    return PolicyRow(id=policy_id(source, 0), name=policy.name, timezone=policy.timezone,
                     source=source, effective_at=0, loaded_at=0)  # fmt: skip


def ensure_default(conn: Conn) -> None:
    """Every replica holds the default policy (the same row everywhere, so it is not logged)."""
    store.ensure(conn, default_row())


def in_force(conn: Conn, at: int) -> tuple[str, Policy]:
    """The version in force at epoch second `at` (the default one if none was loaded)."""
    row = store.in_force(conn, at) or default_row()
    return row.id, parse(row.source)


def version(conn: Conn, pid: str | None) -> Policy:
    """The stored version with this id (the default one if it is not stored)."""
    row = store.by_id(conn, pid) if pid else None
    return parse((row or default_row()).source)


def timezone_now(conn: Conn) -> str | None:
    """The time zone of the version in force now (None: none stored yet)."""
    row = store.in_force(conn, clock.to_epoch(clock.now()))
    return row.timezone if row else None


def language_now(db: Database) -> str:
    """`zh` or `en`: the language of the version in force now."""
    with db.read() as conn:
        row = store.in_force(conn, clock.to_epoch(clock.now())) or default_row()
    return language_of(row.source)


@lru_cache(maxsize=16)
def language_of(source: str) -> str:
    """A stored policy's language, `parse(source).language`, read from its TOML alone when it
    says `zh` or `en` (or nothing): a board or a report in words needs nothing else of the
    policy, and building all of it costs more than the rest of a short board."""
    import tomllib

    raw = tomllib.loads(source).get("language", "zh")
    return raw if raw in ("zh", "en") else parse(source).language


def read_file(file: str) -> str:
    path = Path(file).expanduser()
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidValue(f"no policy file {file}") from None
    except UnicodeDecodeError:
        raise InvalidValue(f"{file} is not UTF-8 text; save the policy as UTF-8") from None
    except OSError as exc:
        raise InvalidValue(f"cannot read {file}: {exc.strerror}") from None


def check_text(text: str, filename: str) -> Policy:
    """The parsed policy, or PolicyError listing every problem as `FILE:LINE: key: message`."""
    from svcdesk.domain.policy_toml import PolicyError, parse_policy

    try:
        return parse_policy(text)
    except PolicyError as exc:
        exc.details = [p.format(filename) for p in exc.problems]
        n = len(exc.problems)
        exc.message = f"{filename} has {n} problem{'s' if n != 1 else ''}; nothing was changed"
        raise


def check_file(file: str) -> Policy:
    return check_text(read_file(file), file)


OUTLOOK_YEARS = 3
"""How many years, this one first, `guessed_years` looks at: where deadlines of tickets opened
now fall (a ticket of December counts into January)."""


def guessed_years(policy: Policy, now: int | None = None) -> list[int]:
    """The years of the outlook (this year and the next two) whose working days the policy's
    calendar guesses: the holidays package has no official in-lieu days for them and the
    policy lists no extra days in them (`svcdesk.domain.calendar`, "Official years")."""
    if policy.country is None:
        return []
    local = clock.from_epoch(clock.to_epoch(clock.now()) if now is None else now,
                             clock.zone(policy.timezone))  # fmt: skip
    assert local is not None
    year = local.year
    try:
        return policy.calendar("working").guessed_years(year, year + OUTLOOK_YEARS - 1)
    except ValueError:  # a country the installed package no longer knows: checked elsewhere
        return []


def guessed_note(policy: Policy, years: list[int], *, what: str = "deadlines") -> str:
    """The line that says `policy` guesses `years`."""
    from svcdesk.services.holiday_cache import guessed_note

    return guessed_note(policy.country or "", years, what=what)


def remark_guessed_years(conn: Conn) -> None:
    """Remark (once, on stderr) each policy version in force now or later whose calendar
    guesses a year of the outlook: what `db check` says about the calendar."""
    from svcdesk.services.holiday_cache import cached_holidays, remark

    now = clock.to_epoch(clock.now())
    current = store.in_force(conn, now) or default_row()
    rows = [current, *(v for v in store.versions(conn) if v.effective_at > now)]
    with cached_holidays(conn, keep=False):
        for row in rows:
            policy = parse(row.source)
            years = guessed_years(policy, max(now, row.effective_at))
            if years:
                remark(f"policy {policy.name!r} ({row.id[:12]}): "
                       + guessed_note(policy, years, what="its deadlines"))  # fmt: skip


def load(db: Database, file: str, *, at: str | None = None) -> dict[str, Any]:
    """Store the policy in FILE as a new version in force from `at`; refuse it whole if bad.

    Tickets opened since `at` follow the new version: their clocks are derived again when the
    transaction commits.
    """
    text = read_file(file)
    policy = check_text(text, file)
    effective = clock.to_epoch(clock.parse_instant(at, what="--at") if at else clock.now())
    row = PolicyRow(id=policy_id(text, effective), name=policy.name, timezone=policy.timezone,
                    source=text, effective_at=effective,
                    loaded_at=clock.to_epoch(clock.now()))  # fmt: skip
    guessed = guessed_years(policy, max(effective, clock.to_epoch(clock.now())))
    with db.write() as tx:
        ensure_default(tx.conn)
        store.add(tx, row)
        moved = len(ticket_store.ids_opened_since(tx.conn, effective))
    return {
        "id": row.id,
        "name": policy.name,
        "effective_at": clock.from_epoch(effective),
        "moved": moved,
        "notes": [guessed_note(policy, guessed)] if guessed else [],
    }


def _window(start: Any, end: Any) -> str:
    return f"{start:%H:%M}-" + ("24:00" if end.hour == 23 and end.minute == 59 else f"{end:%H:%M}")


def show(db: Database) -> dict[str, Any]:
    """The version in force now, with one row per class and clock."""
    from svcdesk.domain.policy import span
    from svcdesk.services.holiday_cache import cached_holidays

    now = clock.to_epoch(clock.now())
    with db.read() as conn:
        row = store.in_force(conn, now) or default_row()
        policy = parse(row.source)
        with cached_holidays(conn, keep=False):
            guessed = guessed_years(policy, now)
    clocks = []
    for cls in policy.classes:
        match = []
        if cls.severities:
            match.append("severity " + "/".join(sorted(cls.severities)))
        if cls.categories:
            match.append("category " + "/".join(sorted(cls.categories)))
        for rule in cls.clocks:
            clocks.append(
                {
                    "class": cls.name,
                    "match": ", ".join(match) or "any ticket",
                    "clock": rule.name,
                    "target": span(rule.target) if rule.target else "due date",
                    "target_seconds": rule.target,
                    "time": "around the clock" if rule.basis == "always" else "working time",
                    "clause": rule.clause,
                }
            )
    return {
        "id": row.id,
        "name": policy.name,
        "effective_at": clock.from_epoch(row.effective_at) if row.effective_at else None,
        "timezone": policy.timezone,
        "holidays": policy.country or "none",
        "working_hours": ", ".join(_window(a, b) for a, b in policy.windows),
        "calendar": _calendar_summary(policy, guessed),
        "guessed_years": guessed,
        "extra_holidays": _extra_days(policy, policy.extra_holidays),
        "extra_workdays": _extra_days(policy, policy.extra_workdays),
        "clocks": clocks,
        "settings": policy.settings(),
        "field_work": _setting_rows(policy.settings()),
        "source": row.source,
    }


def _setting_rows(settings: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """The field-work settings as `section.key = value` rows (the checklist by its keys)."""
    rows = []
    for section, values in settings.items():
        for key, value in values.items():
            if key == "checklist":
                text = ", ".join(i["key"] for i in value)
            elif isinstance(value, list):
                text = ", ".join(str(v) for v in value) or "none"
            elif isinstance(value, bool):
                text = "yes" if value else "no"
            else:
                text = str(value)
            rows.append({"setting": f"{section}.{key}", "value": text})
    return rows


def _calendar_summary(policy: Policy, guessed: list[int]) -> str:
    """The calendar's state in a few words: official, or which years are guessed."""
    extra = len(policy.extra_holidays) + len(policy.extra_workdays)
    extras = f"; {extra} extra day{'s' if extra != 1 else ''} from the policy" if extra else ""
    if policy.country is None:
        return f"weekends only, no public holidays{extras}"
    if not guessed:
        return f"official for the next {OUTLOOK_YEARS} years{extras}"
    from svcdesk.services.holiday_cache import years_text

    return (
        f"{years_text(guessed)} guessed (no official in-lieu days yet: add extra_holidays / "
        f"extra_workdays){extras}"
    )


def _extra_days(policy: Policy, days: frozenset[Any]) -> list[dict[str, Any]]:
    names = dict(policy.extra_names)
    return [{"date": d.isoformat(), "name": names.get(d, "")} for d in sorted(days)]
