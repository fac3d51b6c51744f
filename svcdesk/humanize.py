"""Human durations and relative instants in English and Chinese, computed with pendulum.

Pure functions: nothing here reads the clock (`now` is always a parameter) or the database.
pendulum is imported inside the functions, so importing this module costs almost nothing; even
so, keep it off the hot paths (DESIGN.md: heavy imports happen inside commands).

- `span(7800)` is `2 h 10 min`, `span(7800, "zh")` is `2小时10分钟`: the two most significant
  of days, hours and minutes, for a table column. pendulum's `Duration.in_words` is too long for
  that (`2 hours 10 minutes`) and folds days into weeks (`1周3天`), so the wording is ours while
  the arithmetic is pendulum's (in integers for whole seconds: a test checks they agree). Smaller
  units are cut off, never rounded up: the shown value is never more than the real one, and
  less by under one unit of the next smaller unit (under an hour for `3 d`, under a minute for
  `2 h 10 min`). Under a minute is `under 1 min` / `不到1分钟`;
  exactly zero is `0 min` / `0分钟`. Days are the largest unit: `400 d`, not `1 y 1 mo`.
- `relative(seconds_left)` puts a span on a time line: `in 2 h 10 min` / `2小时10分钟后`,
  `2 h 10 min ago` / `2小时10分钟前`, zero is `now` / `现在`; `overdue(seconds)` reads
  `overdue by 2 h 10 min` / `已超时2小时10分钟`.
- `relative_instant(when, now)` is pendulum's own wording for one instant seen from another, one
  unit, calendar-aware: `in 3 days`, `2 hours ago`, `3天后`, `2小时前`.

`lang` is `en` or `zh` (`zh-CN`, `zh_CN` and any letter case also mean `zh`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

__all__ = ["LANGUAGES", "normalize_lang", "overdue", "relative", "relative_instant", "span",
           "time_left_words"]

LANGUAGES = ("en", "zh")

_ALIASES = {"en": "en", "zh": "zh", "zh-cn": "zh", "zh_cn": "zh"}

# The compact unit words; the Chinese ones are pendulum's own (`units.*` of its `zh` locale).
_UNITS = {
    "en": {"day": "{} d", "hour": "{} h", "minute": "{} min"},
    "zh": {"day": "{}天", "hour": "{}小时", "minute": "{}分钟"},
}
_JOIN = {"en": " ", "zh": ""}
_UNDER_A_MINUTE = {"en": "under 1 min", "zh": "不到1分钟"}
_ZERO = {"en": "0 min", "zh": "0分钟"}

# Direction, as pendulum words it (`from_now`/`ago` in `en`, `after`/`before` in `zh`).
_FUTURE = {"en": "in {}", "zh": "{}后"}
_PAST = {"en": "{} ago", "zh": "{}前"}
_NOW = {"en": "now", "zh": "现在"}
_OVERDUE = {"en": "overdue by {}", "zh": "已超时{}"}

# pendulum says "a few seconds" in English up to this many seconds; its `zh` locale has no such
# phrase and would call two equal instants "1秒钟前", so Chinese gets the phrase from here.
_FEW_SECONDS_MAX = 10
_FEW_SECONDS = {"future": "几秒钟后", "past": "几秒钟前"}


def normalize_lang(lang: str) -> str:
    """`en` or `zh` for a language name svcdesk accepts; anything else is a ValueError."""
    code = _ALIASES.get(lang.strip().lower()) if isinstance(lang, str) else None
    if code is None:
        raise ValueError(
            f"unsupported language {lang!r}: choose one of en, zh (zh-CN and zh_CN mean zh)"
        )
    return code


def span(seconds: int, lang: str = "en") -> str:
    """A duration's two most significant units, cut off, not rounded: `2 h 10 min`, `1天1小时`."""
    code = _ALIASES.get(lang) or normalize_lang(lang)
    if seconds.__class__ is not int:  # a float or a Decimal: pendulum's arithmetic, as before
        return _span_pendulum(seconds, code)
    # Whole seconds (what every clock holds): the same units as pendulum's Duration gives them
    # (tests/test_humanize.py checks), without building one: a long board words every row.
    days, rest = divmod(abs(seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    words, join = _UNITS[code], _JOIN[code]
    if days:
        return words["day"].format(days) + (join + words["hour"].format(hours) if hours else "")
    if hours:
        return words["hour"].format(hours) + (
            join + words["minute"].format(minutes) if minutes else ""
        )
    if minutes:
        return words["minute"].format(minutes)
    return _UNDER_A_MINUTE[code] if seconds else _ZERO[code]


def _span_pendulum(seconds: float, code: str) -> str:
    import pendulum

    length = pendulum.duration(seconds=abs(seconds))
    units = (("day", length.in_days()), ("hour", length.hours), ("minute", length.minutes))
    return _spoken(units, length.total_seconds() > 0, code)


def _spoken(units: tuple[tuple[str, int], ...], nonzero: bool, code: str) -> str:
    first = next((i for i, (_, count) in enumerate(units) if count), None)
    if first is None:
        return _UNDER_A_MINUTE[code] if nonzero else _ZERO[code]
    shown = [(unit, count) for unit, count in units[first : first + 2] if count]
    return _JOIN[code].join(_UNITS[code][unit].format(count) for unit, count in shown)


def relative(seconds_left: int | None, lang: str = "en") -> str:
    """The time until a deadline: `in 2 h 10 min` ahead, `2 h 10 min ago` past it, "" for None."""
    code = _ALIASES.get(lang) or normalize_lang(lang)
    if seconds_left is None:
        return ""
    if seconds_left == 0:
        return _NOW[code]
    template = _FUTURE[code] if seconds_left > 0 else _PAST[code]
    return template.format(span(seconds_left, code))


def overdue(seconds: int | None, lang: str = "en") -> str:
    """How far past its deadline a clock is (`seconds` >= 0): `overdue by 2 h`, `已超时2小时`."""
    code = _ALIASES.get(lang) or normalize_lang(lang)
    if seconds is None:
        return ""
    if seconds < 0:
        raise ValueError(
            f"overdue() takes the time past the deadline, not {seconds}: "
            "for the time left before it, use relative()"
        )
    return _OVERDUE[code].format(span(seconds, code))


def time_left_words(lang: str = "en") -> Callable[[int | None], str]:
    """`relative(seconds)` ahead of a deadline, `overdue(-seconds)` past it, "" for None: the
    time-left column of a long board, one fast function per language (the templates resolved
    once; a test checks it words every value as those two do)."""
    code = normalize_lang(lang)
    units, join = _UNITS[code], _JOIN[code]
    day, hour, minute = units["day"].format, units["hour"].format, units["minute"].format
    future, overdue_by = _FUTURE[code].format, _OVERDUE[code].format
    under, now = _UNDER_A_MINUTE[code], _NOW[code]
    # The words depend only on the sign and the whole minutes (under a day) or whole hours (a
    # day or more): a board's rows share a few thousand texts, each worded once.
    seen: dict[int, str] = {}

    def words(seconds: int | None) -> str:
        if seconds is None:
            return ""
        if seconds.__class__ is not int:
            return relative(seconds, code) if seconds >= 0 else overdue(-seconds, code)
        if seconds == 0:
            return now
        size = seconds if seconds > 0 else -seconds
        key = size // 60 if size < 86400 else 2000 + size // 3600  # minutes < 1440 <= hours
        if seconds < 0:
            key = -key - 1
        text = seen.get(key)
        if text is None:
            text = worded(seconds)
            if len(seen) < 50_000:
                seen[key] = text
        return text

    def worded(seconds: int) -> str:
        days, rest = divmod(abs(seconds), 86400)
        hours, minutes = rest // 3600, rest % 3600 // 60
        if days:
            text = day(days) + (join + hour(hours) if hours else "")
        elif hours:
            text = hour(hours) + (join + minute(minutes) if minutes else "")
        else:
            text = minute(minutes) if minutes else under
        return future(text) if seconds > 0 else overdue_by(text)

    return words


def relative_instant(when: datetime, now: datetime, lang: str = "en") -> str:
    """`when` seen from `now` in pendulum's words: `in 3 days`, `2 hours ago`, `3天后`."""
    import pendulum

    code = normalize_lang(lang)
    if when.tzinfo is None or now.tzinfo is None:
        raise ValueError("relative_instant() needs time-zone-aware datetimes (UTC inside svcdesk)")
    # What DateTime.diff_for_humans() does with no `other` (the wall clock), from a given `now`:
    # given `other`, pendulum says "3 days after" rather than "in 3 days".
    diff = pendulum.instance(when).diff(pendulum.instance(now))
    if code == "zh" and diff.in_seconds() <= _FEW_SECONDS_MAX:
        return _FEW_SECONDS["future" if diff.invert else "past"]
    return pendulum.format_diff(diff, is_now=True, absolute=False, locale=code)
