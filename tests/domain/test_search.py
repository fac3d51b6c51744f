"""The tokens of the knowledge base's search: Chinese as overlapping pairs, other words whole,
normalised; what a query must match; weights that rank a title above a body; the snippet."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.domain import search
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.search import Term

HAN = "打印机卡纸叫号屏幕录像服务器数据库硬盘显示故障网络升级排队热敏"
WORDS = ("dvr", "printer", "queue", "LED", "Server", "raid", "jam", "v3", "2026", "disk")


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("打印机", ["打印", "印机", "机"]),
        ("卡", ["卡"]),
        ("打印 卡纸", ["打印", "印", "卡纸", "纸"]),
        ("DVR录像", ["dvr", "录像", "像"]),
        ("ＤＶＲ 录像机", ["dvr", "录像", "像机", "机"]),  # full-width Latin is Latin
        ("Café RAID-5", ["café", "raid", "5"]),
        ("3号窗口", ["3", "号窗", "窗口", "口"]),
        ("！？。,.;——", []),
        ("jam_code", ["jam", "code"]),
    ],
)
def test_tokens(text, tokens):
    assert search.tokens(text) == tokens


def test_a_query_is_pairs_words_and_lone_characters():
    assert search.query_terms("打印机 DVR") == [Term("打印"), Term("印机"), Term("dvr")]
    assert search.query_terms("卡") == [Term("卡", prefix=True)]
    # a character a pair of the query begins with adds nothing; repeats count once
    assert search.query_terms("卡 卡纸 卡纸") == [Term("卡纸")]
    assert search.prefix_range(Term("卡", prefix=True)) == ("卡", chr(ord("卡") + 1))


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "！？。", "...", "-- ; --", "（）【】"])
def test_an_empty_or_punctuation_query_is_refused_in_one_line(query):
    with pytest.raises(InvalidValue) as err:
        search.query_terms(query)
    assert "\n" not in err.value.message


# --------------------------------------------------------------------------------------------
# Any two Chinese characters of a text, and any whole word of it, find it


@st.composite
def texts(draw) -> str:
    pieces = draw(st.lists(st.one_of(
        st.text(HAN, min_size=1, max_size=8),
        st.sampled_from(WORDS).map(lambda w: w.upper() if len(w) % 2 else w),
        st.sampled_from(WORDS).map(lambda w: unicodedata.normalize("NFKC", w).translate(
            {c: c + 0xFEE0 for c in range(0x21, 0x7F)})),  # full width
        st.sampled_from([" ", "，", "。", "\n", "、", "(", ")", "-", "：", " ## "]),
    ), min_size=1, max_size=25))  # fmt: skip
    return "".join(pieces)


def _matches(tokens: set[str], term: Term) -> bool:
    if term.prefix:
        return any(t.startswith(term.token) for t in tokens)
    return term.token in tokens


@settings(max_examples=300, deadline=None)
@given(texts(), st.data())
def test_every_cjk_substring_and_whole_word_of_a_text_matches_its_tokens(text, data):
    held = set(search.tokens(text))
    runs = re.findall(f"[{HAN}]{{2,}}", text)
    words = [w for w in re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", text))
             if w.isascii()]  # fmt: skip
    if runs:
        run = data.draw(st.sampled_from(runs))
        start = data.draw(st.integers(0, len(run) - 2))
        end = data.draw(st.integers(start + 2, len(run)))
        part = run[start:end]
        terms = search.query_terms(part)
        assert all(_matches(held, t) for t in terms), part
        spans = search.marks(text, terms)  # every place it stands is highlighted
        at = text.find(part)
        while at >= 0:
            assert any(s <= at and at + len(part) <= e for s, e in spans), (part, at)
            at = text.find(part, at + 1)
    for ch in set(re.findall(f"[{HAN}]", text)):
        assert all(_matches(held, t) for t in search.query_terms(ch)), ch
    if words:
        word = data.draw(st.sampled_from(words))
        for typed in (word, word.upper(), word.lower()):
            assert all(_matches(held, t) for t in search.query_terms(typed)), typed


def test_a_word_inside_a_longer_word_is_not_a_match():
    held = set(search.tokens("printers jammed"))
    assert not all(_matches(held, t) for t in search.query_terms("printer"))
    assert search.marks("printers and a printer", search.query_terms("printer")) == [(15, 22)]


# --------------------------------------------------------------------------------------------
# Weights


@given(st.integers(1, 40), st.integers(0, 400))
def test_a_title_match_weighs_more_than_any_body_match(times, filler):
    body = " ".join(["打印"] * times + ["x"] * filler)
    in_title = search.weights("打印", "")["打印"]
    assert in_title > search.weights("故障", body)["打印"]


def test_weights_saturate_and_favour_short_bodies():
    w = [search.weights("", " ".join(["dvr"] * n + ["x"] * 20))["dvr"] for n in (1, 2, 4, 50)]
    assert w == sorted(w) and w[3] < 2.2 * search.SCALE  # more is more, never past k1 + 1
    short = search.weights("", "dvr disk")["dvr"]
    long = search.weights("", "dvr " + "words " * 300)["dvr"]
    assert short > long


def test_rarer_terms_weigh_more():
    assert search.idf(1, 1000) > search.idf(10, 1000) > search.idf(900, 1000) >= 1


# --------------------------------------------------------------------------------------------
# Snippets


def _marked(snip: search.Snippet) -> list[str]:
    return [snip.text[s:e] for s, e in snip.marks]


def test_a_snippet_is_one_line_around_the_first_match():
    body = ("## 现象\n\n" + "大厅很安静。" * 20 + "\n叫号机打印卡纸，需要打开前盖。\n"
            + "其他内容。" * 30)
    snip = search.snippet(body, search.query_terms("卡纸"))
    assert "\n" not in snip.text
    assert snip.text.startswith("…叫号机") and snip.text.endswith("…")
    assert _marked(snip) == ["卡纸"]
    cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in snip.text)
    assert cells <= 76 + 4


def test_a_snippet_marks_every_match_and_joins_touching_ones():
    snip = search.snippet("The DVR disk is full; replace the DVR's DISK.",
                          search.query_terms("dvr disk"))  # fmt: skip
    assert _marked(snip) == ["DVR", "disk", "DVR", "DISK"]
    snip = search.snippet("叫号机打印机卡纸", search.query_terms("打印机"))
    assert _marked(snip) == ["打印机"]


def test_a_snippet_of_full_width_text_marks_the_original_characters():
    snip = search.snippet("检查ＤＶＲ的硬盘", search.query_terms("dvr"))
    assert _marked(snip) == ["ＤＶＲ"]


def test_without_a_match_in_the_body_the_snippet_is_its_start():
    snip = search.snippet("第一行\n第二行", search.query_terms("打印"))
    assert snip == search.Snippet("第一行 第二行", ())
