"""SLA policy versions: check a file, load it as a new version, show the one in force."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from svcdesk import clock
from svcdesk.domain.policy import span
from svcdesk.errors import InvalidValue
from svcdesk.services import sla

if TYPE_CHECKING:
    from svcdesk.domain.policy import Policy
    from svcdesk.store.db import Database


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
    from svcdesk.domain.policy import PolicyError, parse_policy

    try:
        return parse_policy(text)
    except PolicyError as exc:
        exc.details = [p.format(filename) for p in exc.problems]
        n = len(exc.problems)
        exc.message = f"{filename} has {n} problem{'s' if n != 1 else ''}; nothing was changed"
        raise


def check_file(file: str) -> Policy:
    return check_text(read_file(file), file)


def load(db: Database, file: str, *, at: str | None = None) -> dict[str, Any]:
    """Store the policy in FILE as a new version in force from `at`; refuse it whole if bad."""
    text = read_file(file)
    policy = check_text(text, file)
    effective = clock.to_epoch(clock.parse_instant(at, what="--at") if at else clock.now())
    pid = sla.policy_id(text, effective)
    with db.write() as tx:
        sla.ensure_default_policy(tx.conn)
        if tx.conn.execute("SELECT 1 FROM policy WHERE id = :i", {"i": pid}).first() is None:
            row = {
                "id": pid,
                "name": policy.name,
                "timezone": policy.timezone,
                "source": text,
                "effective_at": effective,
                "loaded_at": clock.to_epoch(clock.now()),
            }
            tx.insert("policy", row, append_only=True)
        moved = sla.recompute(db, since=effective)["tickets"]
    return {
        "id": pid,
        "name": policy.name,
        "effective_at": clock.from_epoch(effective),
        "moved": moved,
    }


def _window(start: Any, end: Any) -> str:
    return f"{start:%H:%M}-" + ("24:00" if end.hour == 23 and end.minute == 59 else f"{end:%H:%M}")


def show(db: Database) -> dict[str, Any]:
    """The version in force now, with one row per class and clock."""
    now = clock.to_epoch(clock.now())
    with db.read() as conn:
        pid, policy = sla.policy_in_force(conn, now)
        row = conn.execute(
            "SELECT effective_at, source FROM policy WHERE id = :i", {"i": pid}
        ).first()
    effective, source = row if row else (0, "")
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
        "id": pid,
        "name": policy.name,
        "effective_at": clock.from_epoch(effective) if effective else None,  # default: always
        "timezone": policy.timezone,
        "holidays": policy.country or "none",
        "working_hours": ", ".join(_window(a, b) for a, b in policy.windows),
        "clocks": clocks,
        "source": source,
    }
