"""Search of the knowledge base: the tokens of a text, their weights, a query's terms, and
where a query matches in a text (the snippet a terminal highlights).

Pure and the same everywhere: the tokens are computed here, in Python, for SQLite and
PostgreSQL alike, so both index and rank every article the same (no compiled extension, no
database tokenizer). Chinese has no spaces between words, and a two-character word (打印, 卡纸)
must be found, so CJK text is indexed as overlapping character pairs (bigrams: 打印机 gives 打印
and 印机) and the last character of each run of CJK text also alone (a lone character is then
a token too, and a one-character query finds every place its character stands). Other text is
split into words of letters, digits and marks. Everything is NFKC-normalised and lower-cased
first: full-width ＤＶＲ is dvr, and 'Printer' is 'printer'.

Ranking is BM25-like in integers, so that both databases sum exactly the same numbers: a
token's weight in an article saturates with how often it occurs (k1) and, in the body, is
normalised by the body's length against a fixed reference length (b), computed once when the
article is written; a query term's inverse document frequency is computed at query time. A
token in the title weighs more than the most it can weigh in a body, so a title match ranks
above a body-only match of the same term.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from svcdesk.domain.errors import InvalidValue

# BM25's constants; the reference body length stands in for the corpus average so that a
# weight depends on its article alone (a write never re-weights the others).
K1 = 1.2
B = 0.75
BODY_REFERENCE = 120  # tokens
TITLE_BOOST = 3.0  # above the most a body can give one term: k1 + 1 = 2.2
TAG_BOOST = 2.0
SCALE = 1000  # weights and idf as integers: identical sums on every database
MAX_WORD = 64  # a longer word is indexed (and searched) by its first 64 characters


# --------------------------------------------------------------------------------------------
# Characters


# Written without spaces between words: Han (unified, extensions, compatibility), kana, Hangul
# syllables, 々 〆 〇.
_CJK = ("\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0003ffff\uf900-\ufaff\u3040-\u30ff"
        "\u31f0-\u31ff\uac00-\ud7af\u3005-\u3007")  # fmt: skip
_CJK_CHAR = re.compile(f"[{_CJK}]")
# A run of CJK characters, or a word: letters and digits (str.isalnum) that are not CJK.
_RUN = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")


def is_cjk(ch: str) -> bool:
    """Is `ch` written without spaces between words (Han, kana, Hangul)?"""
    return _CJK_CHAR.match(ch) is not None


def _is_word(ch: str) -> bool:
    """A character of a word: a letter or digit that is not CJK."""
    return ch.isalnum() and not is_cjk(ch)


def normalize(text: str) -> str:
    """NFKC, lower case: what every token is made from."""
    return unicodedata.normalize("NFKC", text).lower()


# --------------------------------------------------------------------------------------------
# Tokens


def _runs(norm: str) -> Iterator[tuple[bool, str]]:
    """(is CJK, run) for each run of CJK characters or of word characters in normalised text."""
    for m in _RUN.finditer(norm):
        run = m.group()
        yield is_cjk(run[0]), run


def tokens(text: str) -> list[str]:
    """The tokens of `text`, in order, repeats kept: CJK runs as overlapping pairs plus the
    run's last character alone, other words whole (at most MAX_WORD characters)."""
    out: list[str] = []
    for cjk, run in _runs(normalize(text)):
        if cjk:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run[:MAX_WORD])
    return out


def _saturated(tf: int, norm: float) -> float:
    return tf * (K1 + 1) / (tf + K1 * norm)


def weights(title: str, body: str, tags: Sequence[str] = ()) -> dict[str, int]:
    """Each token of an article and its weight (an integer): the title's and the tags' terms
    saturate without regard to length, the body's against BODY_REFERENCE."""
    title_tf = Counter(tokens(title))
    tag_tf = Counter(t for tag in tags for t in tokens(tag))
    body_tokens = tokens(body)
    body_tf = Counter(body_tokens)
    body_norm = 1 - B + B * len(body_tokens) / BODY_REFERENCE
    out: dict[str, int] = {}
    for token in title_tf.keys() | tag_tf.keys() | body_tf.keys():
        w = 0.0
        if token in title_tf:
            w += TITLE_BOOST * _saturated(title_tf[token], 1.0)
        if token in tag_tf:
            w += TAG_BOOST * _saturated(tag_tf[token], 1.0)
        if token in body_tf:
            w += _saturated(body_tf[token], body_norm)
        out[token] = max(1, round(w * SCALE))
    return out


def idf(df: int, n: int) -> int:
    """BM25's inverse document frequency of a term in `df` of `n` articles, as an integer."""
    return max(1, round(math.log(1 + (n - df + 0.5) / (df + 0.5)) * SCALE))


# --------------------------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class Term:
    """One thing every article found must hold: a token, or (`prefix`) any token that begins
    with this one CJK character (the character anywhere in a run)."""

    token: str
    prefix: bool = False


def query_terms(query: str) -> list[Term]:
    """The terms of a query, each once: pairs of every CJK run of two or more characters, a
    lone CJK character as a prefix, other words whole. An empty query, or one of only
    punctuation, is refused: it would find everything or nothing."""
    if not query.strip():
        raise InvalidValue("an empty query finds nothing: search for a word, or two Chinese "
                           "characters such as 打印 or 卡纸")  # fmt: skip
    terms: list[Term] = []
    for cjk, run in _runs(normalize(query)):
        if cjk and len(run) == 1:
            terms.append(Term(run, prefix=True))
        elif cjk:
            terms.extend(Term(run[i : i + 2]) for i in range(len(run) - 1))
        else:
            terms.append(Term(run[:MAX_WORD]))
    if not terms:
        raise InvalidValue(f"query {query.strip()!r} has no word or character to search for "
                           "(punctuation alone is not searched)")  # fmt: skip
    exact = {t.token for t in terms if not t.prefix}
    out: list[Term] = []
    for t in terms:  # a character some pair of the query begins with is implied by that pair
        if t.prefix and any(e.startswith(t.token) for e in exact):
            continue
        if t not in out:
            out.append(t)
    return out


def prefix_range(term: Term) -> tuple[str, str]:
    """[lo, hi): the tokens a prefix term stands for, as a range of code points."""
    return term.token, chr(ord(term.token) + 1)


# --------------------------------------------------------------------------------------------
# Where a query matches (for the snippet a terminal highlights)


@dataclass(frozen=True)
class Snippet:
    """A line of an article's text around where the query matched, and the [start, end)
    spans of the matches in that line."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


@lru_cache(maxsize=8192)
def _normal_char(ch: str) -> str:
    return normalize(ch)


def _normalised_view(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """`text` normalised, and for each of its characters the [start, end) in `text` of the
    characters it came from (None: each came from the character at its own place, as almost
    always). Where a base character and the marks after it normalise together, they are one."""
    if text.isascii():
        return text.lower(), None
    pieces = list(map(_normal_char, text))
    joined = "".join(pieces)
    if joined == normalize(text):
        if len(joined) == len(text):  # (no character normalises to nothing)
            return joined, None
        spans = [(i, i + 1) for i, piece in enumerate(pieces) for _ in piece]
        return joined, spans
    parts: list[str] = []
    spans = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        piece = normalize(text[i:j])
        parts.append(piece)
        spans.extend([(i, j)] * len(piece))
        i = j
    return "".join(parts), spans


def marks(text: str, terms: Iterable[Term]) -> list[tuple[int, int]]:
    """The [start, end) spans of `text` where any of the terms matches, merged, in order."""
    norm, origin = _normalised_view(text)
    found: list[tuple[int, int]] = []
    for term in terms:
        t = term.token
        if not t:
            continue
        cjk = is_cjk(t[0])
        s = norm.find(t)
        while s >= 0:  # every place, overlapping ones too (像像 in 像像像 twice)
            e, at = s + len(t), s
            s = norm.find(t, s + 1)
            if not cjk:  # a whole word (or a long word's first MAX_WORD characters)
                if at > 0 and _is_word(norm[at - 1]):
                    continue
                if len(t) < MAX_WORD and e < len(norm) and _is_word(norm[e]):
                    continue
            found.append((at, e) if origin is None else (origin[at][0], origin[e - 1][1]))
    found.sort()
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


@lru_cache(maxsize=8192)
def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def snippet(text: str, terms: Iterable[Term], *, width: int = 76) -> Snippet:
    """About `width` terminal cells of `text` on one line (whitespace collapsed) around its
    first match, `…` where it was cut; from the start when nothing matches."""
    spans = marks(text, terms)
    first = spans[0][0] if spans else 0
    start = first
    room = width // 3  # the context before the match
    while start > 0 and text[start - 1] != "\n" and room > 0:
        start -= 1
        room -= _cells(text[start])
    while start < first and text[start].isspace():
        start += 1
    out: list[str] = []
    where: dict[int, int] = {}  # index in text -> index in the snippet
    used = 0
    end = start
    while end < len(text) and used < width:
        ch = text[end]
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                used += 1
        else:
            out.append(ch)
            used += _cells(ch)
        where[end] = len(out) - 1 if out else 0
        end += 1
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) and text[end:].strip() else ""
    body = "".join(out).rstrip()
    shift = len(lead)
    shown: list[tuple[int, int]] = []
    for s, e in spans:
        if s >= end or e <= start:
            continue
        a = where.get(max(s, start), 0) + shift
        b = min(where.get(min(e, end) - 1, len(body) - 1) + 1 + shift, len(body) + shift)
        if b > a:
            shown.append((a, b))
    return Snippet(lead + body + tail, tuple(shown))
