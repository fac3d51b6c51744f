"""Durations as users type them (`30m`, `6h`, `3d`, `1h30m`, `2w`) and as svcdesk shows them."""

from __future__ import annotations

import re
from datetime import timedelta

from svcdesk.domain.errors import InvalidValue

__all__ = ["LONGEST", "format_duration", "parse_duration"]

LONGEST = timedelta(days=99 * 365)
"""The longest duration svcdesk takes: no two instants it keeps are further apart."""

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str, *, what: str = "duration", longest: timedelta | None = None
                   ) -> timedelta:  # fmt: skip
    """`30m`, `6h`, `3d`, `1h30m`, `2w` (also `90` = 90 minutes is refused: units are required).

    A duration longer than `longest` (default: the 99 years any instant svcdesk keeps can be
    apart) is refused as a usage error, never an overflow.
    """
    t = text.strip().lower().replace(" ", "")
    m = _DURATION.match(t)
    if not t or not m or not any(m.groups()):
        raise InvalidValue(
            f"invalid {what} {text!r}: use a number with a unit, e.g. 30m, 6h, 3d, 1h30m"
        )
    w, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    seconds = (((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s  # exact: ints do not overflow
    limit = longest or LONGEST
    if seconds > limit.total_seconds():
        raise InvalidValue(
            f"{what} {text!r} is too long: at most {format_duration(limit.total_seconds())}"
        )
    return timedelta(seconds=seconds)


def format_duration(seconds: float) -> str:
    """Seconds as `1d 2h 3m` (sign kept), the form durations are typed in."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    parts = [f"{d}d"] if d else []
    if h:
        parts.append(f"{h}h")
    if m or not parts:
        parts.append(f"{m}m")
    return sign + " ".join(parts)
