"""The reports' SVG charts: any labels (markup, CJK, control characters, what XML cannot hold)
give well-formed XML that says what it was given, with no script and nothing fetched."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.reports import charts

SVG = "{http://www.w3.org/2000/svg}"

labels = st.lists(
    st.one_of(
        st.characters(),  # anything, surrogates and controls included
        st.sampled_from(list("<>&\"'/;=") + ["]]>", "<script>", "&amp;", "硬件问题", "实质性响应"]),
    ),
    max_size=12,
).map("".join)
counts = st.integers(min_value=0, max_value=10**7)


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    for el in root.iter():
        assert el.tag.removeprefix(SVG) in ("svg", "title", "text", "rect", "line")
        assert not any(k.startswith("on") or "href" in k for k in el.attrib)
    return root


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(labels, counts), max_size=8), labels)
def test_bars_of_any_labels_are_well_formed(rows, title):
    svg = charts.bar_chart([lb for lb, _ in rows], [v for _, v in rows], title=title,
                           empty="no data")  # fmt: skip
    root = parsed(svg)
    assert root.find(f"{SVG}title").text == charts.clean(title) or not charts.clean(title)
    if rows:
        shown = texts(root)
        for lb, v in rows:  # each label, cut at most, and each value
            cut = charts.fit(lb, 1e9)
            assert any(t == cut or (t.endswith("…") and cut.startswith(t[:-1])) for t in shown)
            assert charts.number(v) in shown
    else:
        assert texts(root) == ["no data"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(labels, counts, counts), max_size=7), st.lists(labels, min_size=2,
                                                                         max_size=2))
def test_stacked_and_grouped_bars_of_any_labels_are_well_formed(rows, names):
    for draw in (charts.stacked_bars, charts.grouped_bars):
        svg = draw([r[0] for r in rows], [[r[1], r[2]] for r in rows], names, title="t")
        root = parsed(svg)
        if rows:
            rects = list(root.iter(f"{SVG}rect"))
            assert all(float(r.get("width")) >= 0 for r in rects)
            assert all(float(r.get("x")) + float(r.get("width")) <= charts.WIDTH + 0.5
                       for r in rects)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(labels, counts), max_size=10))
def test_columns_of_any_labels_are_well_formed(rows):
    root = parsed(charts.column_chart([lb for lb, _ in rows], [v for _, v in rows]))
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert all(h >= 0 for h in heights)
    if rows and max(v for _, v in rows) > 0:
        assert max(heights) == pytest.approx(130.0)  # the tallest column fills the plot


def test_shares_add_up_and_markup_stays_text():
    svg = charts.stacked_bars(["<b>实质性响应</b>", "处理问题"], [[3, 1], [0, 0]],
                              ["按时完成", "超时"], title="SLA <達成>")  # fmt: skip
    root = parsed(svg)
    shown = texts(root)
    assert "<b>实质性响应</b>" in shown  # the markup is text, escaped in the SVG
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "75%" in shown and "25%" in shown
    assert root.find(f"{SVG}title").text == "SLA <達成>"
    assert root.get("aria-label") == "SLA <達成>"


def test_text_xml_cannot_hold_is_replaced_and_controls_shown():
    assert charts.clean("a\x1bb\x00c\ud800d\ufffe") == "a\u241bb\u2400c\ufffdd\ufffd"
    assert charts.clean("two\nlines") == "two lines"


def test_long_labels_are_cut_to_their_column_and_cjk_counts_wide():
    assert charts.text_width("硬件") == pytest.approx(2 * charts.SIZE)
    assert charts.text_width("ab") < charts.text_width("硬件")
    cut = charts.fit("服务器硬盘告警" * 10, 100)
    assert cut.endswith("…") and charts.text_width(cut) <= 100


def test_values_that_are_not_counts_are_refused():
    with pytest.raises(ValueError):
        charts.bar_chart(["a"], [-1])
    with pytest.raises(ValueError):
        charts.bar_chart(["a"], [float("nan")])
    with pytest.raises(ValueError):
        charts.bar_chart(["a", "b"], [1])
