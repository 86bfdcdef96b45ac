"""Tests for voc.dashboard (filters and aggregates), the grouped driver analysis and the
app's plot builders (score distribution, journey × theme heatmap). No model is loaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voc import dashboard, plots
from voc.dashboard import Filters
from voc.drivers import driver_analysis, grouped_driver_analysis, theme_matrix
from voc.errors import VocError
from voc.metrics import nps, row_values

NAMES = {"delivery": "Delivery speed", "staff": "Staff attitude", "price": "Price & value"}


def _docs() -> tuple[pd.DataFrame, pd.DataFrame]:
    docs = pd.DataFrame({
        "doc_id": ["1", "2", "3", "4", "5", "6"],
        "text": ["Late parcel but kind courier", "Too expensive", "Great staff",
                 "", "Refund <b>never</b> came", "late, late, late"],
        "score": [3, 6, 10, 8, np.nan, 0],
        "date": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10",
                                "2026-03-01", "2026-03-15"]),
        "segment": ["new", "new", "returning", "returning", None, "new"],
        "channel": ["web", "app", "web", "web", "app", "web"],
        "journey_stage": ["delivery", "purchase", "support", "delivery", "support",
                          "delivery"],
        "language": ["en", "en", "en", "unknown", "en", "pl"],
        "themes": ["delivery;staff", "price", "staff", "", "price", "delivery"],
        "theme_sentiment": ["delivery:negative;staff:positive", "price:negative",
                            "staff:positive", "", "price:negative", "delivery:negative"],
        "sentiment": ["mixed", "negative", "positive", "", "negative", "negative"],
        "sentiment_score": [0.0, -0.6, 0.9, np.nan, -0.7, -0.8],
        "has_text": [True, True, True, False, True, True],
    })
    mentions = pd.DataFrame({
        "doc_id": ["1", "1", "2", "3", "5", "6"],
        "evidence_start": [0, 16, 0, 0, 0, 0], "evidence_end": [11, 28, 13, 11, 24, 16],
        "theme": ["delivery", "staff", "price", "staff", "price", "delivery"],
        "sentiment": ["negative", "positive", "negative", "positive", "negative", "negative"],
    })
    return docs, mentions


@pytest.fixture
def index() -> dashboard.DashboardIndex:
    docs, mentions = _docs()
    return dashboard.build_index(docs, mentions, NAMES, "nps_0_10")


def test_index_codes_options_and_errors(index: dashboard.DashboardIndex) -> None:
    assert index.theme_ids == ["delivery", "staff", "price"]  # taxonomy order
    assert index.metric == "nps"
    opts = dashboard.filter_options(index)
    assert opts["segments"] == ["(missing)", "new", "returning"]
    assert opts["channels"] == ["app", "web"]
    assert opts["languages"] == ["en", "pl", "unknown"]
    assert opts["months"] == ["2026-01", "2026-02", "2026-03"]
    assert opts["score_bands"] == ["detractor", "passive", "promoter", "no score"]
    with pytest.raises(VocError, match="doc_id"):
        dashboard.build_index(pd.DataFrame({"text": ["x"]}), pd.DataFrame())
    with pytest.raises(VocError, match="tuple of values"):
        Filters(segments="new")  # type: ignore[arg-type]
    with pytest.raises(VocError, match="sentiments among"):
        Filters(sentiments=("angry",))


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), ["1", "2", "3", "4", "5", "6"]),
    (Filters(segments=("new",)), ["1", "2", "6"]),
    (Filters(segments=("(missing)",)), ["5"]),
    (Filters(channels=("app",), languages=("en",)), ["2", "5"]),
    (Filters(period=("2026-02", "2026-03")), ["3", "4", "5", "6"]),
    (Filters(themes=("delivery",)), ["1", "6"]),
    (Filters(themes=("staff",), sentiments=("negative",)), []),
    (Filters(themes=("staff", "price"), sentiments=("positive",)), ["1", "3"]),
    (Filters(sentiments=("negative",)), ["2", "5", "6"]),
    (Filters(score_bands=("detractor",)), ["1", "2", "6"]),
    (Filters(score_bands=("no score", "promoter")), ["3", "5"]),
    (Filters(search="LATE"), ["1", "6"]),
    (Filters(search="late", segments=("returning",)), []),
])
def test_doc_mask(index: dashboard.DashboardIndex, filters: Filters, expected: list[str]
                  ) -> None:
    mask = dashboard.doc_mask(index, filters)
    assert index.documents.loc[mask, "doc_id"].tolist() == expected


def test_headline_and_score_distribution(index: dashboard.DashboardIndex) -> None:
    mask = dashboard.doc_mask(index, Filters())
    head = dashboard.headline(index, mask)
    expected = nps([3, 6, 10, 8, 0])
    assert head["value"].value == pytest.approx(expected.value)
    assert head["value"].ci_low == pytest.approx(expected.ci_low)
    assert (head["n"], head["n_text"], head["n_languages"]) == (6, 5, 2)
    assert head["negative_share"] == pytest.approx(3 / 5)
    scores = dashboard.score_distribution(index, mask)
    assert scores["score"].tolist() == list(range(11))
    assert scores["n"].sum() == 5 and scores.loc[scores["score"] == 0, "n"].item() == 1
    assert scores.set_index("score").loc[[0, 7, 9], "band"].tolist() == [
        "detractor", "passive", "promoter"]
    summary = dashboard.summarize(index.documents, "nps_0_10")
    assert summary["value"] == pytest.approx(expected.value)
    assert summary["metric"] == "nps" and summary["n_text"] == 5


def test_theme_summary_and_journey(index: dashboard.DashboardIndex) -> None:
    mask = dashboard.doc_mask(index, Filters(channels=("web",)))
    themes = dashboard.theme_summary(index, mask).set_index("theme")
    assert themes.loc["delivery", ["n_comments", "negative"]].tolist() == [2, 2]
    assert themes.loc["staff", ["n_comments", "positive"]].tolist() == [2, 2]
    assert "price" not in themes.index  # no web comment mentions price
    assert themes.loc["delivery", "share"] == pytest.approx(2 / 3)  # of 3 web with text
    journey = dashboard.journey_theme(index, dashboard.doc_mask(index, Filters()))
    cell = journey.set_index(["journey_stage", "theme"]).loc[("delivery", "delivery")]
    assert (cell["n_comments"], cell["negative_share"]) == (2, 1.0)
    assert len(journey) == 5


def test_grouped_drivers_equal_driver_analysis() -> None:
    rng = np.random.default_rng(3)
    n, themes = 1500, ["a", "b", "c"]
    X = rng.random((n, 3)) < [0.3, 0.2, 0.1]
    score = np.clip(rng.integers(0, 11, n) - 4 * X[:, 0] + 2 * X[:, 2], 0, 10).astype(float)
    docs = pd.DataFrame({"themes": [";".join(t for t, x in zip(themes, r, strict=True) if x)
                                    for r in X], "score": score})
    full = driver_analysis(docs, "nps", n_boot=400, with_sentiment=False)
    y = row_values("nps", score)
    key = (X.astype(np.int64) @ np.array([1, 2, 4])) * 1000 + (y + 100)
    codes = pd.factorize(key)[0]
    first = pd.Series(np.arange(n)).groupby(codes).first().to_numpy()
    tm = theme_matrix(docs).to_numpy()
    grouped = grouped_driver_analysis(y[first], tm[first], list(theme_matrix(docs).columns),
                                      np.bincount(codes), n_boot=400)
    assert len(first) < 30
    exact = ["theme", "n", "share", "score_with", "score_without", "impact", "attribution",
             "effect", "metric_value", "reference"]
    pd.testing.assert_frame_equal(grouped[exact], full[exact], check_exact=False, rtol=1e-9)
    # same bootstrap distribution, other draws: intervals agree closely
    for col in ("impact_ci_low", "effect_ci_high"):
        assert np.allclose(grouped[col], full[col], atol=3.0)
    assert grouped.attrs["metric"] == "nps" and grouped.attrs["n_used"] == n
    with pytest.raises(VocError, match="shape"):
        grouped_driver_analysis(y[:3], tm[:2], ["a", "b", "c"], np.ones(3))


def test_dashboard_drivers_and_compute(index: dashboard.DashboardIndex) -> None:
    mask = dashboard.doc_mask(index, Filters())
    table = dashboard.drivers(index, mask, n_boot=0, min_support=1)
    assert table is not None
    reference = driver_analysis(index.documents, "nps", n_boot=0, min_support=1,
                                with_sentiment=False, theme_names=NAMES)
    cols = ["theme", "theme_name", "n", "impact", "attribution"]
    pd.testing.assert_frame_equal(table[cols], reference[cols], check_exact=False)
    view = dashboard.compute(index, Filters(segments=("new",)), n_boot=0)
    assert view.headline["n"] == 3 and view.mask.sum() == 3
    assert view.period in ("day", "week", "month")
    assert list(view.trend.columns) == ["score", "date"] and len(view.trend) == 3
    empty = dashboard.build_index(index.documents.drop(columns=["score"]), index.mentions,
                                  NAMES, None)
    assert dashboard.drivers(empty, np.ones(6, dtype=bool)) is None
    assert dashboard.headline(empty, np.ones(6, dtype=bool))["value"] is None
    assert dashboard.score_distribution(empty, np.ones(6, dtype=bool)).empty


def test_verbatims_page_and_order(index: dashboard.DashboardIndex) -> None:
    mask = dashboard.doc_mask(index, Filters())
    docs, mentions, pages = dashboard.verbatims(index, mask, page=1, per_page=2,
                                                order="negative")
    assert pages == 3  # 5 comments with text
    assert docs["doc_id"].tolist() == ["6", "5"]
    assert set(mentions["doc_id"]) == {"6", "5"}
    last, _, _ = dashboard.verbatims(index, mask, page=99, per_page=2)
    assert last["doc_id"].tolist() == ["6"]


def test_verbatim_html_highlights_evidence_and_escapes() -> None:
    docs, mentions = _docs()
    html = dashboard.verbatim_html(docs.loc[0, "text"], mentions[mentions["doc_id"] == "1"],
                                   NAMES, highlight=("delivery",))
    assert "Delivery speed · negative" in html and "Staff attitude · positive" in html
    assert '<mark class="voc-evidence"' in html
    assert ">Late parcel</mark> but <mark" in html
    assert ">kind courier</mark>" in html
    assert "3px solid" in html  # the highlighted theme's clause is emphasised
    escaped = dashboard.verbatim_html(docs.loc[4, "text"], mentions[mentions["doc_id"] == "5"],
                                      NAMES)
    assert "<b>" not in escaped and "&lt;b&gt;never&lt;/b&gt;" in escaped
    plain = dashboard.verbatim_html("<script>x</script>", mentions.iloc[0:0], NAMES)
    assert "<script>" not in plain and "voc-chip" not in plain


def test_score_bands_of_other_scales() -> None:
    assert [b["band"] for b in dashboard.score_bands("csat_1_5")] == [
        "dissatisfied", "neutral", "satisfied"]
    assert [b["band"] for b in dashboard.score_bands("ces_1_7")] == [
        "difficult", "neutral", "easy"]
    custom = dashboard.score_bands("custom", np.array([0.0, 50.0, 100.0]))
    assert [b["band"] for b in custom] == ["low", "middle", "high"]
    assert dashboard.metric_choices("csat_1_5") == ("csat", "csat_mean")
    assert dashboard.metric_choices(None) == ()


# ----------------------------------------------------------------------------- plots


def test_score_distribution_figure(index: dashboard.DashboardIndex) -> None:
    scores = dashboard.score_distribution(index, dashboard.doc_mask(index, Filters()))
    fig = plots.score_distribution(scores)
    names = [t.name for t in fig.data]
    assert names == ["Detractors", "Passives", "Promoters"]
    assert fig.data[0].marker.color == plots.SENTIMENT_COLORS["negative"]
    assert sum(sum(t.y) for t in fig.data) == 5
    assert list(fig.data[2].x) == ["9", "10"]
    empty = plots.score_distribution(scores.assign(n=0))
    assert empty.layout.annotations[0].text == "No scores to show"
    with pytest.raises(VocError, match="score, n, band and tone"):
        plots.score_distribution(pd.DataFrame({"score": [1]}))


def test_journey_heatmap_figure(index: dashboard.DashboardIndex) -> None:
    cells = dashboard.journey_theme(index, dashboard.doc_mask(index, Filters()))
    fig = plots.journey_theme_heatmap(cells)
    heat = fig.data[0]
    assert list(heat.y) == ["delivery", "purchase", "support"]
    assert list(heat.x) == ["Delivery speed", "Price & value", "Staff attitude"]
    z = np.array(heat.z, dtype=float)
    assert z[0, 0] == 2 and np.isnan(z[0, 1])  # no price mention at the delivery stage
    neg = plots.journey_theme_heatmap(cells, value="negative_share", top=1)
    assert list(neg.data[0].x) == ["Delivery speed"] and neg.data[0].zmax == 1
    assert neg.data[0].text[0][0] == "100%"
    assert plots.journey_theme_heatmap(cells.iloc[0:0]).layout.annotations[0].text == \
        "No journey stages to show"
    with pytest.raises(VocError, match="n_comments"):
        plots.journey_theme_heatmap(cells, value="mean")
