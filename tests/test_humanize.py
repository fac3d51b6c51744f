"""Human durations and relative instants read right in English and Chinese, at every boundary."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import child_env

from svcdesk.humanize import (
    LANGUAGES,
    normalize_lang,
    overdue,
    relative,
    relative_instant,
    span,
    time_left_words,
)

MIN, HOUR, DAY = 60, 3600, 86400
NOW = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Wednesday

SPANS = [
    # seconds, English, Chinese
    (0, "0 min", "0分钟"),
    (1, "under 1 min", "不到1分钟"),
    (45, "under 1 min", "不到1分钟"),
    (59, "under 1 min", "不到1分钟"),
    (60, "1 min", "1分钟"),
    (119, "1 min", "1分钟"),
    (59 * MIN + 59, "59 min", "59分钟"),
    (HOUR, "1 h", "1小时"),
    (HOUR + 59, "1 h", "1小时"),
    (HOUR + MIN, "1 h 1 min", "1小时1分钟"),
    (7800, "2 h 10 min", "2小时10分钟"),
    (7800 + 59, "2 h 10 min", "2小时10分钟"),
    (DAY - 1, "23 h 59 min", "23小时59分钟"),
    (DAY, "1 d", "1天"),
    (DAY + MIN, "1 d", "1天"),  # the two most significant units: days and hours
    (90061, "1 d 1 h", "1天1小时"),
    (3 * DAY + 4 * HOUR + 59 * MIN, "3 d 4 h", "3天4小时"),
    (7 * DAY, "7 d", "7天"),  # days, never weeks
    (10 * DAY + 23 * HOUR, "10 d 23 h", "10天23小时"),
    (400 * DAY, "400 d", "400天"),
    (-7800, "2 h 10 min", "2小时10分钟"),  # the magnitude: direction is relative()'s business
    (-45, "under 1 min", "不到1分钟"),
]


@pytest.mark.parametrize(("seconds", "en", "zh"), SPANS)
def test_span(seconds, en, zh):
    assert span(seconds) == en
    assert span(seconds, "en") == en
    assert span(seconds, "zh") == zh


RELATIVE = [
    # seconds left, English, Chinese
    (7800, "in 2 h 10 min", "2小时10分钟后"),
    (-7800, "2 h 10 min ago", "2小时10分钟前"),
    (HOUR, "in 1 h", "1小时后"),
    (-HOUR, "1 h ago", "1小时前"),
    (59, "in under 1 min", "不到1分钟后"),
    (-59, "under 1 min ago", "不到1分钟前"),
    (DAY, "in 1 d", "1天后"),
    (-3 * DAY - 5 * HOUR, "3 d 5 h ago", "3天5小时前"),
    (0, "now", "现在"),
    (None, "", ""),
]


@pytest.mark.parametrize(("seconds", "en", "zh"), RELATIVE)
def test_relative(seconds, en, zh):
    assert relative(seconds) == en
    assert relative(seconds, "zh") == zh


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (7800, "overdue by 2 h 10 min", "已超时2小时10分钟"),
        (HOUR, "overdue by 1 h", "已超时1小时"),
        (30, "overdue by under 1 min", "已超时不到1分钟"),
        (2 * DAY + HOUR, "overdue by 2 d 1 h", "已超时2天1小时"),
        (0, "overdue by 0 min", "已超时0分钟"),
        (None, "", ""),
    ],
)
def test_overdue(seconds, en, zh):
    assert overdue(seconds) == en
    assert overdue(seconds, "zh") == zh


def test_overdue_refuses_a_time_left():
    with pytest.raises(ValueError, match="relative"):
        overdue(-60)


INSTANTS = [
    # when - now, English, Chinese
    (timedelta(days=3), "in 3 days", "3天后"),
    (timedelta(hours=-2), "2 hours ago", "2小时前"),
    (timedelta(hours=2, minutes=59), "in 2 hours", "2小时后"),
    (timedelta(hours=1), "in 1 hour", "1小时后"),
    (timedelta(minutes=-1), "1 minute ago", "1分钟前"),
    (timedelta(seconds=30), "in 30 seconds", "30秒钟后"),
    (timedelta(seconds=-5), "a few seconds ago", "几秒钟前"),
    (timedelta(seconds=10), "in a few seconds", "几秒钟后"),
    (timedelta(0), "a few seconds ago", "几秒钟前"),
    (timedelta(days=1), "in 1 day", "1天后"),
    (timedelta(days=-10), "1 week ago", "1周前"),
    (timedelta(days=45), "in 1 month", "1个月后"),
    (timedelta(days=-400), "1 year ago", "1年前"),
]


@pytest.mark.parametrize(("delta", "en", "zh"), INSTANTS)
def test_relative_instant(delta, en, zh):
    assert relative_instant(NOW + delta, NOW) == en
    assert relative_instant(NOW + delta, NOW, "zh") == zh


def test_relative_instant_is_pendulums_wording():
    # diff_for_humans() with no `other` reads the wall clock (freezing it needs time-machine);
    # the hour of margin keeps both sides at "3 days" whatever the clock does meanwhile.
    now = pendulum.now("UTC")
    when = now.add(days=3, hours=1)
    for lang in LANGUAGES:
        assert relative_instant(when, now, lang) == when.diff_for_humans(locale=lang)
    assert relative_instant(when, now, "zh") == when.diff_for_humans(now, locale="zh")


def test_relative_instant_ignores_the_zones_of_its_instants():
    beijing = timezone(timedelta(hours=8))
    assert relative_instant(NOW + timedelta(days=3), NOW.astimezone(beijing), "zh") == "3天后"
    assert relative_instant((NOW - timedelta(hours=2)).astimezone(beijing), NOW) == "2 hours ago"


def test_relative_instant_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="time-zone-aware"):
        relative_instant(NOW.replace(tzinfo=None), NOW)


@pytest.mark.parametrize(
    ("lang", "code"),
    [("en", "en"), ("zh", "zh"), ("zh-CN", "zh"), ("zh_CN", "zh"), ("ZH-cn", "zh"), ("EN", "en")],
)
def test_language_names(lang, code):
    assert normalize_lang(lang) == code
    assert span(7800, lang) == span(7800, code)


@pytest.mark.parametrize("lang", ["fr", "", "zh-TW", "english", "cn"])
def test_other_languages_are_refused_with_the_choices(lang):
    for call in (
        lambda: span(60, lang),
        lambda: relative(60, lang),
        lambda: relative(None, lang),
        lambda: overdue(60, lang),
        lambda: relative_instant(NOW, NOW, lang),
    ):
        with pytest.raises(ValueError, match=r"choose one of en, zh \(zh-CN and zh_CN mean zh\)"):
            call()


def test_the_chinese_words_are_pendulums():
    zh = pendulum.locale("zh")
    assert span(90061, "zh") == zh.translation("units.day.other").format(1) + zh.translation(
        "units.hour.other"
    ).format(1)
    assert span(7800, "zh") == pendulum.duration(hours=2, minutes=10).in_words("zh", separator="")
    assert relative(HOUR, "zh") == zh.get("custom.after").format("1小时")
    assert relative(-HOUR, "zh") == zh.get("custom.before").format("1小时")
    en = pendulum.locale("en")
    assert relative(HOUR) == en.get("custom.from_now").format("1 h")
    assert relative(-HOUR) == en.get("custom.ago").format("1 h")


# ---- properties --------------------------------------------------------------------------

UNIT_SECONDS = {"d": DAY, "h": HOUR, "min": MIN, "天": DAY, "小时": HOUR, "分钟": MIN}
# The unit just below each: what `span` cuts off is less than one of these.
RESOLUTION = {DAY: HOUR, HOUR: MIN, MIN: MIN}
UNIT = {"en": re.compile(r"(\d+) (d|h|min)"), "zh": re.compile(r"(\d+)(天|小时|分钟)")}
SEPARATOR = {"en": " ", "zh": ""}
WIDE = st.integers(min_value=-(10**9), max_value=10**9)  # about 31 years either way


def parse(text: str, lang: str) -> list[tuple[int, int]]:
    """`2 h 10 min` as [(2, 3600), (10, 60)]; the whole text must be units and separators."""
    found = [(int(n), UNIT_SECONDS[u]) for n, u in UNIT[lang].findall(text)]
    assert SEPARATOR[lang].join(m.group(0) for m in UNIT[lang].finditer(text)) == text
    return found


@given(seconds=WIDE, lang=st.sampled_from(LANGUAGES))
def test_span_is_two_units_that_read_back_to_the_input(seconds, lang):
    text = span(seconds, lang)
    assert text
    magnitude = abs(seconds)
    if 0 < magnitude < MIN:
        assert text == span(1, lang)
        return
    units = parse(text, lang)
    assert 1 <= len(units) <= 2
    sizes = [size for _, size in units]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    if len(units) == 2:  # adjacent units, as a clock reads: never "1 d 5 min"
        assert RESOLUTION[sizes[0]] == sizes[1]
    shown = sum(n * size for n, size in units)
    # Cut off, never rounded up: under one unit of the next smaller unit of the largest shown.
    assert 0 <= magnitude - shown < RESOLUTION[sizes[0]]
    assert 0 <= magnitude - shown < sizes[-1]
    if magnitude == 0:
        assert text == span(0, lang)


@given(seconds=WIDE.filter(bool), lang=st.sampled_from(LANGUAGES))
def test_relative_of_x_and_minus_x_differ_only_in_direction(seconds, lang):
    x = abs(seconds)
    ahead, behind = relative(x, lang), relative(-x, lang)
    core = span(x, lang)
    if lang == "en":
        assert (ahead, behind) == (f"in {core}", f"{core} ago")
    else:
        assert (ahead, behind) == (f"{core}后", f"{core}前")
    assert overdue(x, lang).endswith(core)


@given(
    offset=st.integers(min_value=-(10**9), max_value=10**9).filter(lambda s: abs(s) > 10),
    lang=st.sampled_from(LANGUAGES),
)
def test_relative_instant_points_the_right_way(offset, lang):
    text = relative_instant(NOW + timedelta(seconds=offset), NOW, lang)
    future = {"en": text.startswith("in "), "zh": text.endswith("后")}[lang]
    past = {"en": text.endswith(" ago"), "zh": text.endswith("前")}[lang]
    assert (future, past) == (offset > 0, offset < 0)


def test_importing_the_module_does_not_load_pendulum():
    code = "import sys, svcdesk.humanize; print('pendulum' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), check=True
    )
    assert proc.stdout.strip() == "False"


@given(st.integers(min_value=-(10**10), max_value=10**10), st.sampled_from(LANGUAGES))
def test_whole_seconds_are_worded_as_pendulums_duration_words_them(seconds, lang):
    # span() counts whole seconds in integers (a long board words every row); pendulum's
    # Duration, which it used for them before, must agree to the minute
    from svcdesk.humanize import _span_pendulum

    assert span(seconds, lang) == _span_pendulum(seconds, lang)
    assert span(seconds, lang) == _span_pendulum(float(seconds), lang)


@given(st.one_of(st.none(), st.integers(min_value=-(10**9), max_value=10**9),
                 st.sampled_from([0, 1, -1, 59, -59, 60, -60, 3600, -86400])),
       st.sampled_from(["en", "zh", "zh-CN"]))  # fmt: skip
def test_the_boards_time_left_words_are_relative_and_overdue(seconds, lang):
    from svcdesk.humanize import time_left_words

    expected = "" if seconds is None else (
        relative(seconds, lang) if seconds >= 0 else overdue(-seconds, lang)
    )
    assert time_left_words(lang)(seconds) == expected


_WORDS = {lang: time_left_words(lang) for lang in ("en", "zh")}  # shared: their texts kept


@settings(max_examples=300)
@given(st.lists(st.one_of(st.integers(min_value=-(10**8), max_value=10**8),
                          st.integers(min_value=-200_000, max_value=200_000),
                          st.sampled_from([0, 1, -1, 59, -59, 60, -60, 61, 86399, 86400,
                                           -86399, -86400, 90000, -90000])),
                max_size=40),
       st.sampled_from(["en", "zh"]))  # fmt: skip
def test_one_boards_words_stay_exact_for_every_row_it_words(values, lang):
    # one board words all its rows with one function, which keeps the texts it made: a text
    # kept for one value must be exactly the words of every other value that finds it
    words = _WORDS[lang]
    for seconds in values:
        expected = relative(seconds, lang) if seconds >= 0 else overdue(-seconds, lang)
        assert words(seconds) == expected, seconds
