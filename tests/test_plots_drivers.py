"""Driver figures (voc.plots) on tables from driver_analysis / bridge; no model needed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from voc import plots
from voc.drivers import SENTIMENTS, bridge, driver_analysis
from voc.errors import VocError
from voc.metrics import metric_value

THEMES = ["delivery", "staff", "price", "app", "rare"]
PREVALENCE = [0.35, 0.3, 0.25, 0.2, 0.03]
EFFECTS = [-3.0, 1.0, -0.5, 0.0, -1.0]  # points on the 0-10 latent scale


def feedback(n: int = 400, seed: int = 0, csat: bool = False) -> pd.DataFrame:
    """A voc-analyze-shaped table: planted drivers, a rare theme, dates, channels."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(THEMES))) < np.array(PREVALENCE)
    latent = 8.0 + rng.normal(0, 1.5, n) + X @ np.array(EFFECTS)
    score = np.clip(np.round(latent), 0, 10).astype(int)
    if csat:
        score = np.clip(np.round(score / 2), 1, 5).astype(int)
    senti = rng.integers(0, 2, size=X.shape)
    months = rng.choice(["2026-08", "2026-09", "2026-10"], size=n)
    return pd.DataFrame({
        "doc_id": [str(i + 1) for i in range(n)],
        "score": score,
        "themes": [";".join(t for t, x in zip(THEMES, row, strict=True) if x) for row in X],
        "theme_sentiment": [";".join(f"{t}:{SENTIMENTS[s]}" for t, x, s in
                                     zip(THEMES, row, srow, strict=True) if x)
                            for row, srow in zip(X, senti, strict=True)],
        "sentiment": "neutral",
        "date": [f"{m}-{d:02d}" for m, d in zip(months, rng.integers(1, 28, n), strict=True)],
        "channel": rng.choice(["web", "app"], size=n),
    })


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return driver_analysis(feedback(), "nps", n_boot=200, min_support=30)


def theme_level(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["level"] == "theme"]


# ------------------------------------------------------------------------------ quadrant
def test_quadrant_markers_whiskers_and_colours(table: pd.DataFrame) -> None:
    fig = plots.driver_quadrant(table)
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    traces = {t.name: t for t in fig.data}
    assert set(traces) == {"Negative driver", "Positive driver", "Low support"}
    assert traces["Negative driver"].marker.color == plots.SENTIMENT_COLORS["negative"]
    assert traces["Positive driver"].marker.color == plots.SENTIMENT_COLORS["positive"]
    rows = theme_level(table).set_index("theme")
    # x = share in percent, y = impact, whiskers = the CI columns
    neg = traces["Negative driver"]
    assert "delivery" in neg.text
    i = list(neg.text).index("delivery")
    d = rows.loc["delivery"]
    assert neg.x[i] == pytest.approx(100 * d["share"])
    assert neg.y[i] == pytest.approx(d["impact"])
    assert neg.error_y.array[i] == pytest.approx(d["impact_ci_high"] - d["impact"])
    assert neg.error_y.arrayminus[i] == pytest.approx(d["impact"] - d["impact_ci_low"])
    assert all(v < 0 for v in neg.y)
    # the rare theme is greyed, at y = 0, labelled, without whiskers
    low = traces["Low support"]
    assert list(low.text) == ["rare (low support)"] and list(low.y) == [0.0]
    assert low.error_y.visible is False
    # reference lines at 0 and at the median share; four quadrant captions
    shapes = fig.layout.shapes
    assert any(s.y0 == 0 and s.y1 == 0 for s in shapes)
    supported = rows[~rows["low_support"]]
    assert any(s.x0 == pytest.approx(100 * supported["share"].median()) for s in shapes)
    captions = " ".join(a.text for a in fig.layout.annotations)
    assert "Big problems" in captions and "Niche problems" in captions
    assert "Strengths" in captions
    json.loads(fig.to_json())


def test_quadrant_effect_axis_and_sentiment_level(table: pd.DataFrame) -> None:
    fig = plots.driver_quadrant(table, y="effect")
    neg = next(t for t in fig.data if t.name == "Negative driver")
    effect = theme_level(table).set_index("theme").loc["delivery", "effect"]
    assert any(v == pytest.approx(effect) for v in neg.y)
    assert "Effect" in fig.layout.yaxis.title.text
    fig = plots.driver_quadrant(table, level="theme_sentiment")
    labels = [x for t in fig.data for x in t.text]
    assert any(x.startswith("delivery (negative)") for x in labels)
    with pytest.raises(VocError, match="impact"):
        plots.driver_quadrant(table, y="share")


def test_quadrant_empty_and_all_low_support() -> None:
    empty = driver_analysis(feedback(), "nps", n_boot=0).iloc[0:0]
    fig = plots.driver_quadrant(empty)
    assert len(fig.data) == 0
    assert fig.layout.annotations[0].text == "No themes to show"
    low = driver_analysis(feedback(n=60), "nps", n_boot=0, min_support=1000)
    fig = plots.driver_quadrant(low)
    assert [t.name for t in fig.data] == ["Low support"]
    assert any("insufficient evidence" in a.text for a in fig.layout.annotations)


def test_quadrant_sliced_table_needs_a_slice() -> None:
    sliced = driver_analysis(feedback(), "nps", by="channel", n_boot=0)
    with pytest.raises(VocError, match="segment="):
        plots.driver_quadrant(sliced)
    fig = plots.driver_quadrant(sliced, segment="web")
    n_web = theme_level(sliced[sliced["segment"] == "web"])
    assert sum(len(t.x) for t in fig.data) == len(n_web)


# ------------------------------------------------------------------------------ waterfall
def _relative_sum(fig: go.Figure) -> float:
    wf = fig.data[0]
    return float(sum(v for v, m in zip(wf.y, wf.measure, strict=True) if m == "relative"))


def test_waterfall_goes_from_reference_to_metric(table: pd.DataFrame) -> None:
    fig = plots.attribution_waterfall(table)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Waterfall)
    wf = fig.data[0]
    rows = theme_level(table)
    shown = rows["attribution"].notna().sum()
    n_low = int(rows["attribution"].isna().sum())
    assert n_low == 1  # "rare"
    # reference, one bar per shown theme, one for the low-support ones, the current metric
    assert len(wf.x) == 1 + shown + 1 + 1
    assert list(wf.measure) == ["absolute"] + ["relative"] * (shown + 1) + ["total"]
    assert wf.y[0] == pytest.approx(rows["reference"].iloc[0])
    assert wf.y[-1] == pytest.approx(rows["metric_value"].iloc[0])
    assert wf.y[0] + _relative_sum(fig) == pytest.approx(rows["metric_value"].iloc[0])
    # the theme bars are the attributions of the table, most negative first
    theme_bars = list(wf.y[1 : 1 + shown])
    assert theme_bars == sorted(theme_bars)
    assert theme_bars == pytest.approx(sorted(rows["attribution"].dropna()))
    assert wf.x[-2] == "Low-support themes (1)"
    # the low-support bar holds exactly the hidden attribution
    assert wf.y[-2] == pytest.approx(table.attrs["attribution_hidden"][0])
    json.loads(fig.to_json())


def test_waterfall_top_groups_the_rest(table: pd.DataFrame) -> None:
    fig = plots.attribution_waterfall(table, top=2)
    wf = fig.data[0]
    assert any(str(x).startswith("Other themes (2)") for x in wf.x)
    assert len(wf.x) == 1 + 2 + 1 + 1 + 1
    metric = theme_level(table)["metric_value"].iloc[0]
    assert wf.y[0] + _relative_sum(fig) == pytest.approx(metric)


def test_waterfall_share_metric_in_percent() -> None:
    out = driver_analysis(feedback(csat=True), "csat", n_boot=0)
    fig = plots.attribution_waterfall(out)
    wf = fig.data[0]
    metric = out["metric_value"].iloc[0]
    assert 0 < metric < 1
    assert wf.y[-1] == pytest.approx(100 * metric)
    assert wf.y[0] + _relative_sum(fig) == pytest.approx(100 * metric)
    assert "%" in fig.layout.yaxis.title.text


def test_waterfall_empty() -> None:
    fig = plots.attribution_waterfall(pd.DataFrame(columns=["theme", "level"]))
    assert len(fig.data) == 0 and fig.layout.annotations[0].text == "No themes to show"


# ------------------------------------------------------------------------------ trend
def test_metric_trend_values_band_and_n() -> None:
    df = feedback()
    fig = plots.metric_trend(df, metric="nps", period="month")
    assert [t.name for t in fig.data] == ["95% CI", "95% CI", "NPS"]
    upper, lower, line = fig.data
    assert lower.fill == "tonexty"
    assert len(line.x) == 3
    for i, month in enumerate(["2026-08", "2026-09", "2026-10"]):
        mv = metric_value("nps", df.loc[df["date"].str.startswith(month), "score"])
        assert line.y[i] == pytest.approx(mv.value)
        assert (lower.y[i], upper.y[i]) == pytest.approx((mv.ci_low, mv.ci_high))
        assert line.customdata[i][1] == mv.n
    assert "n = " in line.hovertemplate
    json.loads(fig.to_json())


def test_metric_trend_empty_and_missing_column() -> None:
    df = feedback().assign(date=None)
    fig = plots.metric_trend(df)
    assert len(fig.data) == 0 and "No dated scores" in fig.layout.annotations[0].text
    with pytest.raises(VocError, match="date_col"):
        plots.metric_trend(feedback(), date_col="when")


# ------------------------------------------------------------------------------ bridge
def test_bridge_chart_sums_to_the_change() -> None:
    summary, comp = bridge(feedback(), compare=("channel", "web", "app"), n_boot=100,
                           segment_col=None)
    fig = plots.bridge_chart(summary, comp, top=2)
    wf = fig.data[0]
    s = summary.iloc[0]
    assert wf.measure[0] == "absolute" and wf.measure[-1] == "total"
    assert wf.y[0] == pytest.approx(s["metric_a"]) and wf.y[-1] == pytest.approx(s["metric_b"])
    assert _relative_sum(fig) == pytest.approx(s["diff"])
    labels = list(wf.x)
    # two top themes individually (prevalence and score), the other 3 grouped, no-theme bars
    assert sum(" · " in x and not x.startswith(("Other", "No theme")) for x in labels) == 4
    assert "Other themes (3) · prevalence" in labels
    assert "No theme · score" in labels
    assert "web → app" in fig.layout.title.text


def test_bridge_chart_segment_mix_and_empty() -> None:
    summary, comp = bridge(feedback(), period_split=("2026-08", "2026-10"), n_boot=0,
                           segment_col="channel")
    fig = plots.bridge_chart(summary, comp)
    assert "Segment mix" in list(fig.data[0].x)
    assert _relative_sum(fig) == pytest.approx(summary["diff"].iloc[0])
    only = plots.bridge_chart(summary, comp.iloc[0:0])
    assert list(only.data[0].x)[1] == "Change"
    assert plots.bridge_chart(pd.DataFrame(), pd.DataFrame()).layout.annotations[0].text == \
        "No comparison to show"
