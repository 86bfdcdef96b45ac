"""Driver analysis and bridge: exact identities (hypothesis), guards, slicing, determinism."""

from __future__ import annotations

import types
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from voc.drivers import (
    DRIVER_COLUMNS,
    SENTIMENTS,
    _bh,
    bridge,
    driver_analysis,
    join_outcome,
    theme_matrix,
)
from voc.errors import VocError

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame_from(X: np.ndarray, scores: np.ndarray, *, names: list[str] | None = None,
               senti: np.ndarray | None = None, **extra: object) -> pd.DataFrame:
    """A voc-analyze-shaped table from a bool theme matrix and scores."""
    n, k = X.shape
    names = names or [f"t{j}" for j in range(k)]
    if senti is None:
        senti = np.zeros((n, k), dtype=int)
    themes = [";".join(names[j] for j in np.flatnonzero(row)) for row in X]
    ts = [";".join(f"{names[j]}:{SENTIMENTS[senti[i, j]]}" for j in np.flatnonzero(X[i]))
          for i in range(n)]
    data = {"doc_id": [str(i + 1) for i in range(n)], "score": scores, "themes": themes,
            "theme_sentiment": ts, "sentiment": "neutral"}
    data.update(extra)  # type: ignore[arg-type]
    return pd.DataFrame(data)


def random_frame(n: int = 400, k: int = 5, seed: int = 0, drop: float = 0.0,
                 **extra: object) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.random((n, k)) < rng.uniform(0.1, 0.35, size=k)
    latent = 8 + rng.normal(0, 1.8, n) + drop * X[:, 0]
    scores = np.clip(np.round(latent), 0, 10)
    senti = rng.integers(0, 4, size=(n, k))
    return frame_from(X, scores, senti=senti, **extra)


def theme_rows(out: pd.DataFrame) -> pd.DataFrame:
    return out[out["level"] == "theme"].set_index("theme")


# ------------------------------------------------------------------------------ exact identities
@FAST
@given(
    hnp.arrays(bool, st.tuples(st.integers(3, 40), st.integers(1, 5))),
    st.data(),
    st.sampled_from(["nps", "csat", "mean"]),
    st.sampled_from(["regression", "equal"]),
)
def test_attributions_sum_to_metric_minus_reference(X, data, metric, method) -> None:
    n = X.shape[0]
    scores = np.array(data.draw(st.lists(st.integers(0, 10) if metric == "nps"
                                         else st.integers(1, 5), min_size=n, max_size=n)))
    if not X.any():
        X[0, 0] = True
    out = driver_analysis(frame_from(X, scores), metric, min_support=1, n_boot=0,
                          attribution_method=method)
    th = out[out["level"] == "theme"]
    shown = th["attribution"].fillna(0.0).sum()
    total = shown + out.attrs["attribution_hidden"][0]
    gap = th["metric_value"].iloc[0] - th["reference"].iloc[0]
    assert total == pytest.approx(gap, abs=1e-9)
    # only themes present in some comment appear; hidden = themes with no comparison group
    assert set(th["theme"]) == {f"t{j}" for j in np.flatnonzero(X.any(axis=0))}
    if not X.all(axis=0).any():
        assert shown == pytest.approx(gap, abs=1e-9)
    # theme × sentiment rows split each theme's attribution exactly
    cells = out[out["level"] == "theme_sentiment"].groupby("theme")["attribution"].sum()
    for t, a in th.set_index("theme")["attribution"].dropna().items():
        assert cells[t] == pytest.approx(a, abs=1e-9)


@FAST
@given(hnp.arrays(bool, st.tuples(st.integers(4, 40), st.integers(1, 4))), st.data())
def test_leave_one_out_identity(X, data) -> None:
    n = X.shape[0]
    scores = np.array(data.draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)))
    out = driver_analysis(frame_from(X, scores), "nps", min_support=0, n_boot=0,
                          with_sentiment=False)
    for _, row in out.iterrows():
        N, k, m = row["n_total"], row["n"], row["metric_value"]
        if k == N:
            assert np.isnan(row["impact"]) and "every comment" in row["note"]
            continue
        # impact = n/(N − n)·(score_with − metric) and the partition identity behind it
        assert row["impact"] == pytest.approx(k / (N - k) * (row["score_with"] - m), abs=1e-9)
        assert k * row["score_with"] + (N - k) * row["score_without"] == pytest.approx(N * m)
        assert row["impact"] == pytest.approx(m - row["score_without"], abs=1e-9)


def test_theme_absent_from_every_comment_is_absent() -> None:
    X = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 10, dtype=bool)
    frame = frame_from(X, np.arange(40) % 11)
    out = driver_analysis(frame, min_support=1, n_boot=0,
                          theme_names={"ghost": "Never mentioned", "t0": "Theme zero"})
    assert "ghost" not in set(out["theme"])
    assert theme_rows(out).loc["t0", "theme_name"] == "Theme zero"
    # sentiment cells that never occur are absent too (all mentions here are negative)
    assert set(out.loc[out["level"] == "theme_sentiment", "sentiment"]) == {"negative"}


def test_theme_in_every_comment_is_flagged() -> None:
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(200, bool), rng.random(200) < 0.3])
    frame = frame_from(X, rng.integers(0, 11, 200))
    for min_support in (0, 30):
        th = theme_rows(driver_analysis(frame, min_support=min_support, n_boot=50))
        row = th.loc["t0"]
        assert np.isnan(row["impact"]) and np.isnan(row["effect"])
        assert row["note"] == "in every comment: no comparison group"
        assert row["n"] == 200 and row["share"] == 1.0
        assert not row["significant"]
    assert bool(th.loc["t0", "low_support"])
    # no comment without a theme: the reference falls back to the overall metric
    assert th["reference"].iloc[0] == pytest.approx(th["metric_value"].iloc[0])


def test_low_support_guard() -> None:
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.random(300) < 0.3, np.arange(300) < 5])
    frame = frame_from(X, rng.integers(0, 11, 300))
    th = theme_rows(driver_analysis(frame, min_support=30, n_boot=100))
    rare = th.loc["t1"]
    assert bool(rare["low_support"]) and "insufficient evidence" in rare["note"]
    for col in ("impact", "impact_ci_low", "attribution", "attribution_ci_high", "effect",
                "p_value", "q_value"):
        assert np.isnan(rare[col]), col
    assert rare["n"] == 5 and rare["share"] == pytest.approx(5 / 300)
    assert not np.isnan(rare["score_with"])
    common = th.loc["t0"]
    assert not common["low_support"] and common["note"] == ""
    assert common["impact_ci_low"] <= common["impact"] <= common["impact_ci_high"]


def test_benjamini_hochberg() -> None:
    q = _bh(np.array([0.01, 0.04, 0.03, 0.2, np.nan]))
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert np.isnan(q[4])


@FAST
@given(hnp.arrays(float, st.integers(1, 30), elements=st.floats(0, 1)))
def test_bh_q_values_monotone(p) -> None:
    q = _bh(p)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-12)
    assert np.all(q >= p - 1e-12) and np.all(q <= 1.0)


def test_q_values_monotone_in_output() -> None:
    out = driver_analysis(random_frame(600, 6, seed=3, drop=-3), n_boot=200)
    for _, block in out.groupby("level"):
        b = block.dropna(subset=["p_value"]).sort_values("p_value")
        assert (np.diff(b["q_value"].to_numpy()) >= -1e-12).all()
        assert (b["q_value"] >= b["p_value"] - 1e-12).all()


# ------------------------------------------------------------------------------ behaviour
def test_output_columns_and_order() -> None:
    out = driver_analysis(random_frame(), n_boot=50)
    assert list(out.columns) == DRIVER_COLUMNS
    assert list(out["level"].unique()) == ["theme", "theme_sentiment"]
    for _, block in out.groupby("level"):
        a = block["attribution"].dropna().to_numpy()
        assert (np.diff(a) >= 0).all()  # most negative first
    assert out.attrs["metric"] == "nps" and out.attrs["unit"] == "points"


def test_determinism_for_a_seed() -> None:
    frame = random_frame(300, 4, seed=4)
    a = driver_analysis(frame, n_boot=100, seed=7)
    b = driver_analysis(frame, n_boot=100, seed=7)
    pd.testing.assert_frame_equal(a, b)
    c = driver_analysis(frame, n_boot=100, seed=8)
    assert not np.allclose(a["effect_ci_low"].dropna(), c["effect_ci_low"].dropna())
    pd.testing.assert_series_equal(a["effect"], c["effect"])


def test_slices_by_segment_and_period() -> None:
    rng = np.random.default_rng(5)
    n = 900
    frame = random_frame(n, 4, seed=5,
                         segment=rng.choice(["new", "returning", "vip"], n, p=[.45, .5, .05]),
                         date=pd.Timestamp("2026-01-01")
                         + pd.to_timedelta(rng.integers(0, 59, n), unit="D"))
    out = driver_analysis(frame, by="segment", period="month", n_boot=50, min_support=30)
    assert list(out.columns[:2]) == ["segment", "period"]
    blocks = out.groupby(["segment", "period"])
    assert len(blocks) == 6
    assert set(out["period"]) == {"2026-01", "2026-02"}
    for (seg, per), block in blocks:
        th = block[block["level"] == "theme"]
        rows = frame[(frame["segment"] == seg)
                     & (frame["date"].dt.strftime("%Y-%m") == per)]
        assert th["n_total"].iloc[0] == len(rows)
        k = out.attrs["slices"]
        hidden = [s["attribution_hidden"] for s in k if (s["segment"], s["period"]) == (seg, per)]
        total = th["attribution"].fillna(0).sum() + hidden[0]
        assert total == pytest.approx(th["metric_value"].iloc[0] - th["reference"].iloc[0],
                                      abs=1e-9)
        if seg == "vip":  # ~20 comments per month: the whole slice is flagged
            assert block["low_support"].all()
            assert block["note"].str.contains("this slice has only").all()


def test_planted_driver_is_ranked_first() -> None:
    rng = np.random.default_rng(6)
    n = 800
    X = rng.random((n, 6)) < np.array([0.12, 0.3, 0.25, 0.2, 0.15, 0.1])
    X[:, 1] |= X[:, 0] & (rng.random(n) < 0.5)   # a neutral theme co-occurring with the driver
    latent = 8.5 + rng.normal(0, 1.5, n) - 4.0 * X[:, 0]
    frame = frame_from(X, np.clip(np.round(latent), 0, 10),
                       names=["late_delivery", "staff", "price", "app", "range", "returns"])
    out = driver_analysis(frame, n_boot=300)
    th = out[out["level"] == "theme"]
    assert th["theme"].iloc[0] == "late_delivery"
    assert th.sort_values("effect")["theme"].iloc[0] == "late_delivery"
    top = th.iloc[0]
    assert top["significant"] and top["effect_ci_high"] < 0
    assert top["attribution_ci_low"] <= top["attribution"] <= top["attribution_ci_high"]


def test_effect_recovers_exact_linear_model() -> None:
    rng = np.random.default_rng(7)
    X = rng.random((500, 3)) < 0.3
    y = 5.0 - 2.0 * X[:, 0] + 1.0 * X[:, 1]
    th = theme_rows(driver_analysis(frame_from(X, y), "mean", n_boot=0, with_sentiment=False))
    assert th.loc["t0", "effect"] == pytest.approx(-2.0, abs=1e-3)
    assert th.loc["t1", "effect"] == pytest.approx(1.0, abs=1e-3)
    assert th.loc["t2", "effect"] == pytest.approx(0.0, abs=1e-3)


def test_sentiment_effects_separate_hurts_when_bad() -> None:
    rng = np.random.default_rng(8)
    n = 1200
    X = rng.random((n, 2)) < 0.4
    senti = np.where(rng.random((n, 2)) < 0.5, 0, 1)       # negative or positive
    y = 6.0 - 3.0 * (X[:, 0] & (senti[:, 0] == 0)) + 1.0 * (X[:, 0] & (senti[:, 0] == 1))
    out = driver_analysis(frame_from(X, y, senti=senti), "mean", n_boot=0).set_index("key")
    assert out.loc["t0:negative", "effect"] == pytest.approx(-3.0, abs=1e-3)
    assert out.loc["t0:positive", "effect"] == pytest.approx(1.0, abs=1e-3)


def test_analysis_result_input_and_cli_frame() -> None:
    frame = random_frame(200, 3, seed=9)
    docs = frame.assign(has_text=True)
    docs.loc[:9, "has_text"] = False
    result = types.SimpleNamespace(
        documents=docs,
        taxonomy=types.SimpleNamespace(names=lambda: {"t0": "Delivery speed"}),
        validation=types.SimpleNamespace(score_scale=None),
    )
    out = driver_analysis(result, n_boot=0)
    assert out.attrs["n_used"] == 190 and out.attrs["n_no_text"] == 10
    assert theme_rows(out).loc["t0", "theme_name"] == "Delivery speed"
    # voc analyze output: score column found by name, empty comments have no sentiment
    cli = frame.rename(columns={"score": "NPS"}).assign(sentiment_score=0.1)
    cli.loc[:4, "sentiment"] = np.nan
    out2 = driver_analysis(cli, n_boot=0)
    assert out2.attrs["n_used"] == 195 and out2.attrs["outcome"] == "column 'NPS'"
    with pytest.raises(VocError, match="score"):
        driver_analysis(frame.drop(columns="score"), n_boot=0)


def test_other_outcomes_and_join() -> None:
    frame = random_frame(300, 3, seed=10, customer=[f"C{i % 150}" for i in range(300)])
    odata = pd.DataFrame({"customer": [f"C{i}" for i in range(140)] + ["X1"],
                          "churned": [i % 3 == 0 for i in range(140)] + [True],
                          "spend": np.linspace(10, 100, 141)})
    with pytest.warns(UserWarning, match="no O-data match"):
        flags = join_outcome(frame, odata, on="customer", column="churned")
    assert flags.attrs["n_matched"] == 280 and flags.attrs["n_unmatched"] == 20
    assert flags.attrs["n_odata_unused"] == 1
    out = driver_analysis(frame, "churn", outcome=flags, n_boot=0)
    assert out.attrs["n_missing_outcome"] == 20 and out.attrs["unit"] == "share"
    assert 0.0 <= out["metric_value"].iloc[0] <= 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spend = join_outcome(frame, odata, on="customer", column="spend")
    m = driver_analysis(frame, "mean", outcome=spend, n_boot=0)
    assert m["metric_value"].iloc[0] == pytest.approx(np.nanmean(spend))
    with pytest.raises(VocError, match="no match"):
        join_outcome(frame, odata.assign(customer="zzz" + odata["customer"]), on="customer",
                     column="spend")
    dup = pd.concat([odata, odata.assign(spend=0.0)])
    with pytest.raises(VocError, match="one 'spend' value per key"):
        join_outcome(frame, dup, on="customer", column="spend")


def test_theme_matrix() -> None:
    docs = pd.DataFrame({"themes": ["a;b", "", None, "b"],
                         "theme_sentiment": ["a:negative;b:mixed", "", None, "b:positive"]})
    tm = theme_matrix(docs)
    assert list(tm.columns) == ["a", "b"]
    assert tm.to_numpy().tolist() == [[True, True], [False, False], [False, False],
                                      [False, True]]
    sm = theme_matrix(docs, sentiment=True)
    assert list(sm.columns[:4]) == ["a:negative", "a:positive", "a:neutral", "a:mixed"]
    assert sm["a:negative"].tolist() == [True, False, False, False]
    assert sm["b:mixed"].sum() == 1 and sm["b:positive"].sum() == 1
    with pytest.raises(VocError, match="positions 1"):
        theme_matrix(docs.assign(theme_sentiment=["a:angry", "", None, ""]), sentiment=True)


# ------------------------------------------------------------------------------ bridge
def test_bridge_components_sum_to_diff() -> None:
    rng = np.random.default_rng(11)
    n = 1200
    frame = random_frame(n, 4, seed=11, drop=-2,
                         segment=rng.choice(["new", "returning"], n),
                         channel=rng.choice(["web", "app"], n),
                         date=pd.Timestamp("2026-03-01")
                         + pd.to_timedelta(rng.integers(0, 61, n), unit="D"))
    for kw in ({"compare": ("channel", "web", "app")},
               {"compare": ("channel", "web", "app"), "segment_col": "segment"},
               {"period_split": ("2026-03", "2026-04"), "segment_col": "segment"}):
        summary, comp = bridge(frame, n_boot=100, **kw)
        s = summary.iloc[0]
        assert comp["value"].sum() == pytest.approx(s["diff"], abs=1e-9)
        assert s["diff"] == pytest.approx(s["metric_b"] - s["metric_a"])
        assert s["diff_ci_low"] <= s["diff"] <= s["diff_ci_high"]
        assert 0.0 <= s["p_value"] <= 1.0
        assert set(comp["component"]) >= {"prevalence", "score"}
        assert "(no theme)" in set(comp["theme"])
        assert ("segment_mix" in set(comp["component"])) == ("segment_col" in kw)


def _two_groups(n: int, seed: int, *, prev_b: float, drop_b: float) -> pd.DataFrame:
    """Groups a and b with a driver theme t0 (2 points lower on the 0–10 latent); in b, t0 has
    prevalence prev_b (a: 0.1) and its mentioners score drop_b points lower on top of that."""
    rng = np.random.default_rng(seed)
    g = np.repeat(["a", "b"], n)
    X = rng.random((2 * n, 3)) < 0.2
    X[:, 0] = rng.random(2 * n) < np.where(g == "a", 0.1, prev_b)
    latent = 8.5 + rng.normal(0, 1.5, 2 * n) - 2.0 * X[:, 0] - drop_b * (X[:, 0] & (g == "b"))
    return frame_from(X, np.clip(np.round(latent), 0, 10), group=g)


def test_bridge_attributes_planted_changes() -> None:
    # only the prevalence of the driver changes -> its prevalence term carries the drop
    summary, comp = bridge(_two_groups(3000, 14, prev_b=0.25, drop_b=0.0),
                           compare=("group", "a", "b"), n_boot=200)
    diff = summary["diff"][0]
    assert diff < 0 and summary["significant"][0]
    comp = comp.set_index(["component", "theme"])
    assert comp.loc[("prevalence", "t0"), "value"] == pytest.approx(diff, rel=0.3)
    assert abs(comp.loc[("score", "t0"), "value"]) < abs(diff) / 3
    # only the score of the driver's mentioners changes -> its score term carries the drop
    summary, comp = bridge(_two_groups(3000, 15, prev_b=0.1, drop_b=2.5),
                           compare=("group", "a", "b"), n_boot=200)
    diff = summary["diff"][0]
    comp = comp.set_index(["component", "theme"])
    assert comp.loc[("score", "t0"), "value"] == pytest.approx(diff, rel=0.3)
    assert abs(comp.loc[("prevalence", "t0"), "value"]) < abs(diff) / 3
    assert comp.loc[("score", "t0"), "ci_high"] < 0
    # identical groups: no difference and no components
    same = _two_groups(500, 16, prev_b=0.1, drop_b=0.0)
    twin = pd.concat([same.assign(group="a"), same.assign(group="b")], ignore_index=True)
    summary, comp = bridge(twin, compare=("group", "a", "b"), n_boot=0)
    assert summary["diff"][0] == 0.0
    assert np.allclose(comp["value"], 0.0, atol=1e-9)


def test_bridge_errors() -> None:
    frame = random_frame(100, 2, seed=13, channel="web")
    with pytest.raises(VocError, match="exactly one"):
        bridge(frame)
    with pytest.raises(VocError, match="rows in group 'app'"):
        bridge(frame, compare=("channel", "web", "app"))
