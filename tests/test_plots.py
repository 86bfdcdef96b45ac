"""Tests for voc.plots: figures from hand-built summaries and documents (no model needed)."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from voc import plots
from voc.errors import VocError
from voc.pipeline import AnalysisResult
from voc.schema import ColumnMapping, ValidationReport
from voc.taxonomy import Taxonomy, Theme

ORDER = ["Negative", "Neutral", "Mixed", "Positive"]


def _summary() -> pd.DataFrame:
    """Three themes: 'billing' (10), 'delivery' and 'app' tied on 4 (ids break the tie)."""
    return pd.DataFrame(
        {
            "theme": ["delivery", "billing", "app"],
            "theme_name": ["Delivery speed", "Billing & payments", "Website & app"],
            "n_comments": [4, 10, 4],
            "share": [0.2, 0.5, 0.2],
            "positive": [1, 5, 0],
            "neutral": [0, 1, 1],
            "negative": [3, 3, 2],
            "mixed": [0, 1, 1],
        }
    )


def _documents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": [str(i) for i in range(1, 9)],
            "sentiment": ["positive", "negative", "", "mixed", None, "positive", "neutral",
                          "negative"],
        }
    )


class _ResultLike:
    """Duck-typed stand-in for AnalysisResult."""

    def __init__(self) -> None:
        self.documents = _documents()

    def theme_summary(self) -> pd.DataFrame:
        return _summary()


def _bars(fig: go.Figure) -> list[go.Bar]:
    return [t for t in fig.data if isinstance(t, go.Bar)]


# ------------------------------------------------------------------------------- palette


def test_palette_is_the_documented_one() -> None:
    assert plots.SENTIMENT_COLORS == {
        "negative": "#d1495b", "neutral": "#8d99ae", "mixed": "#edae49", "positive": "#2a9d8f",
    }
    assert set(plots.SENTIMENT_ORDER) == set(plots.SENTIMENT_COLORS)


def test_contrast_ratio_matches_wcag() -> None:
    assert plots.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert plots.contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # measured values documented in the module docstring
    on_white = {k: plots.contrast_ratio(v, "#ffffff") for k, v in plots.SENTIMENT_COLORS.items()}
    assert on_white["negative"] == pytest.approx(4.36, abs=0.01)
    assert on_white["positive"] == pytest.approx(3.32, abs=0.01)
    assert on_white["neutral"] == pytest.approx(2.88, abs=0.01)
    assert on_white["mixed"] == pytest.approx(1.95, abs=0.01)


def test_bar_labels_and_outlines_are_readable() -> None:
    fig = plots.theme_sentiment_bars(_summary())
    for bar in _bars(fig):
        # text inside a segment: AA contrast for normal text
        assert plots.contrast_ratio(bar.textfont.color, bar.marker.color) >= 4.5
        # the outline separates light fills from the white background (>= 3:1 for graphics)
        assert plots.contrast_ratio(bar.marker.line.color, "#ffffff") >= 3.0


# ------------------------------------------------------------------------------- theme bars


def test_theme_bars_traces_colours_and_order() -> None:
    fig = plots.theme_sentiment_bars(_summary())
    bars = _bars(fig)
    assert [b.name for b in bars] == ORDER
    assert [b.marker.color for b in bars] == [plots.SENTIMENT_COLORS[s.lower()] for s in ORDER]
    assert all(b.orientation == "h" for b in bars)
    assert fig.layout.barmode == "stack"
    # most mentioned first (drawn at the top), ties broken by theme id: app < delivery
    expected = ("Billing & payments", "Website & app", "Delivery speed")
    assert all(tuple(b.y) == expected for b in bars)
    assert tuple(fig.layout.yaxis.categoryarray) == expected
    assert fig.layout.yaxis.autorange == "reversed"
    by_name = {b.name: tuple(b.x) for b in bars}
    assert by_name["Negative"] == (3, 2, 3)
    assert by_name["Positive"] == (5, 0, 1)
    assert by_name["Mixed"] == (1, 1, 0)
    # zero segments carry no label
    assert tuple(bars[3].text) == ("5", "", "1")


def test_theme_bars_hover_and_totals() -> None:
    fig = plots.theme_sentiment_bars(_summary())
    negative = _bars(fig)[0]
    assert "comments" in negative.hovertemplate and "Negative" in negative.hovertemplate
    share, total = negative.customdata[0]
    assert (share, total) == (pytest.approx(0.3), 10)
    totals = {a.y: a.text for a in fig.layout.annotations}
    assert totals == {"Billing & payments": "10", "Website & app": "4", "Delivery speed": "4"}
    assert fig.layout.height >= 280
    json.loads(fig.to_json())  # serialisable for the browser


def test_theme_bars_accepts_a_result_like_object() -> None:
    fig = plots.theme_sentiment_bars(_ResultLike())
    assert _bars(fig)[0].y[0] == "Billing & payments"


def test_theme_bars_from_a_real_analysis_result() -> None:
    taxonomy = Taxonomy(themes=(Theme(id="delivery_speed", name="Delivery speed"),
                                Theme(id="price_value", name="Price & value")))
    documents = pd.DataFrame({
        "doc_id": ["1", "2", "3"], "text": ["a", "b", "c"], "has_text": [True, True, True],
        "sentiment": ["negative", "positive", "mixed"],
    })
    mentions = pd.DataFrame({
        "doc_id": ["1", "2", "3", "3"],
        "theme": ["delivery_speed", "delivery_speed", "delivery_speed", "price_value"],
        "theme_name": ["Delivery speed", "Delivery speed", "Delivery speed", "Price & value"],
        "sentiment": ["negative", "positive", "negative", "positive"],
    })
    result = AnalysisResult(
        documents=documents, mentions=mentions, segments=pd.DataFrame(),
        mapping=ColumnMapping(text="text"),
        validation=ValidationReport(problems=[], n_rows=3, n_valid_text=3, n_empty_text=0),
        taxonomy=taxonomy,
    )
    fig = plots.theme_sentiment_bars(result)
    bars = {b.name: b for b in _bars(fig)}
    assert tuple(bars["Negative"].y) == ("Delivery speed", "Price & value")
    assert tuple(bars["Negative"].x) == (2, 0)
    assert tuple(bars["Positive"].x) == (1, 1)
    dist = plots.sentiment_distribution(result)
    assert tuple(dist.data[0].y) == (1, 0, 1, 1)


def test_theme_bars_top_and_name_fallbacks() -> None:
    summary = _summary()
    summary.loc[0, "theme_name"] = None  # 'delivery' has no name: its id is shown
    summary.loc[2, "theme_name"] = "Billing & payments"  # duplicate name: ids disambiguate
    fig = plots.theme_sentiment_bars(summary, top=2)
    assert tuple(_bars(fig)[0].y) == ("Billing & payments (billing)",
                                     "Billing & payments (app)")
    fig = plots.theme_sentiment_bars(summary.drop(columns="theme_name"))
    assert tuple(_bars(fig)[0].y) == ("billing", "app", "delivery")


@pytest.mark.parametrize(
    "empty",
    [
        pd.DataFrame(columns=["theme", "theme_name", "n_comments", "share", "positive",
                              "neutral", "negative", "mixed"]),
        pd.DataFrame(),
    ],
)
def test_theme_bars_empty_gives_an_annotation(empty: pd.DataFrame) -> None:
    fig = plots.theme_sentiment_bars(empty)
    assert not fig.data
    assert [a.text for a in fig.layout.annotations] == ["No themes found"]


def test_theme_bars_reject_wrong_input() -> None:
    with pytest.raises(VocError, match="n_comments"):
        plots.theme_sentiment_bars(pd.DataFrame({"theme": ["a"], "count": [1]}))
    with pytest.raises(VocError, match="AnalysisResult"):
        plots.theme_sentiment_bars([1, 2, 3])  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- distribution


def test_sentiment_distribution_counts_order_and_colours() -> None:
    fig = plots.sentiment_distribution(_documents())
    (bar,) = _bars(fig)
    assert tuple(bar.x) == tuple(ORDER)
    # '' and None (comments without text) are left out
    assert tuple(bar.y) == (2, 1, 1, 2)
    assert tuple(bar.marker.color) == tuple(plots.SENTIMENT_COLORS[s.lower()] for s in ORDER)
    assert bar.text[0] == "2 (33%)"
    assert "6 with text" in bar.hovertemplate
    json.loads(fig.to_json())


def test_sentiment_distribution_keeps_zero_bars_and_accepts_result() -> None:
    fig = plots.sentiment_distribution(_ResultLike())
    assert len(_bars(fig)[0].x) == 4
    only_positive = pd.DataFrame({"sentiment": ["positive", "positive"]})
    assert tuple(_bars(plots.sentiment_distribution(only_positive))[0].y) == (0, 0, 0, 2)


def test_sentiment_distribution_empty_and_wrong_input() -> None:
    fig = plots.sentiment_distribution(pd.DataFrame({"sentiment": ["", None]}))
    assert not fig.data
    assert [a.text for a in fig.layout.annotations] == ["No comments with text"]
    with pytest.raises(VocError, match="sentiment"):
        plots.sentiment_distribution(pd.DataFrame({"text": ["x"]}))
