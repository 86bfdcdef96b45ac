"""Emerging themes: periods, the two-proportion test with FDR control, the planted theme."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planted_data import planted_feedback, planted_result

from voc.emerging import EMERGING_COLUMNS, emerging_themes, period_masks, two_proportion_test
from voc.errors import VocError

STABLE_THEMES = ["staff_attitude", "price_value", "technical_problems", "product_quality"]


# --------------------------------------------------------------------------------- periods
def test_recent_span_is_the_last_days_up_to_the_latest_date() -> None:
    dates = pd.Series(pd.to_datetime(["2026-08-01", "2026-09-01", "2026-09-02", "2026-09-30",
                                      None]))
    rec, base, bounds = period_masks(dates, "30d")
    assert rec.tolist() == [False, True, True, True, False]  # (Aug 31, Sep 30]: 30 days
    assert base.tolist() == [True, False, False, False, False]
    assert bounds == {"recent_start": "2026-09-01", "recent_end": "2026-09-30",
                      "baseline_start": "2026-08-01", "baseline_end": "2026-08-01"}
    assert period_masks(dates, "2026-09-02")[0].tolist() == [False, False, True, True, False]
    assert period_masks(dates, "1m")[0].tolist() == [False, True, True, True, False]
    assert period_masks(dates, "4w")[0].tolist() == [False, False, False, True, False]
    rec, base, _ = period_masks(dates, "29d", baseline="5d")
    assert rec.tolist() == [False, False, True, True, False]  # (Sep 1, Sep 30]
    assert base.tolist() == [False, True, False, False, False]  # (Aug 27, Sep 1]


@pytest.mark.parametrize("spec", ["yesterday", "30x", "0d"])
def test_bad_period_is_a_clear_error(spec: str) -> None:
    dates = pd.Series(pd.to_datetime(["2026-08-01", "2026-09-30"]))
    with pytest.raises(VocError, match="--recent"):
        period_masks(dates, spec)


# ---------------------------------------------------------------------------- statistics
def test_two_proportion_test_known_values() -> None:
    out = two_proportion_test(np.array([30, 10, 0]), 100, np.array([10, 10, 0]), 100)
    # pooled p = 0.2, se = sqrt(0.2 * 0.8 * 0.02) = 0.0566; z = 0.2 / 0.0566 = 3.536
    assert out["z"][0] == pytest.approx(3.5355, abs=1e-3)
    assert out["p_value"][0] == pytest.approx(2.03e-4, rel=0.02)
    assert out["z"][1] == 0 and out["p_value"][1] == pytest.approx(0.5)
    assert out["p_value"][2] == 0.5 and out["z"][2] == 0  # nothing to test: z = 0
    assert out["ratio"][0] == pytest.approx(3.0)
    assert out["ci_low"][0] < 0.2 < out["ci_high"][0]


@settings(max_examples=60, deadline=None)
@given(n_r=st.integers(10, 400), n_b=st.integers(10, 400), data=st.data())
def test_two_proportion_test_properties(n_r: int, n_b: int, data: Any) -> None:
    x_r = data.draw(st.integers(0, n_r))
    x_b = data.draw(st.integers(0, n_b))
    out = two_proportion_test(np.array([x_r]), n_r, np.array([x_b]), n_b)
    swap = two_proportion_test(np.array([x_b]), n_b, np.array([x_r]), n_r)
    assert 0 <= out["p_value"][0] <= 1
    assert out["z"][0] == pytest.approx(-swap["z"][0], abs=1e-9)  # antisymmetric
    d = x_r / n_r - x_b / n_b
    assert out["ci_low"][0] - 1e-9 <= d <= out["ci_high"][0] + 1e-9
    assert out["ci_low"][0] >= -1 and out["ci_high"][0] <= 1
    if x_r < n_r:  # one more recent mention never lowers the evidence of a rise
        more = two_proportion_test(np.array([x_r + 1]), n_r, np.array([x_b]), n_b)
        assert more["p_value"][0] <= out["p_value"][0] + 1e-12


# --------------------------------------------------------------------- planted new theme
@pytest.fixture(scope="module")
def table(default_analyzer: Any) -> pd.DataFrame:
    return emerging_themes(planted_result(default_analyzer), analyzer=default_analyzer)


@pytest.mark.slow
def test_planted_theme_is_flagged_with_quotes_in_both_languages(table: pd.DataFrame) -> None:
    assert list(table.columns) == EMERGING_COLUMNS
    flagged = table[table["emerging"]]
    assert len(flagged) >= 1
    quotes = "\n".join(flagged["quotes"])
    assert "locker" in quotes and "остамат" in quotes  # English and Russian quotes
    assert "locker" in " ".join(flagged["new_keywords"])
    top = flagged.iloc[0]
    assert top["rise_points"] > 0 and top["q_value"] <= 0.05
    assert top["n_recent"] >= 5
    assert table.attrs["recent_start"] == "2026-09-01"
    assert table.attrs["recent_end"] == "2026-09-30"
    assert table.attrs["n_recent_total"] + table.attrs["n_baseline_total"] == 800


@pytest.mark.slow
def test_stable_themes_are_not_flagged(table: pd.DataFrame) -> None:
    by_key = table.set_index("key")
    for theme in STABLE_THEMES:
        if theme in by_key.index:
            assert not by_key.loc[theme, "emerging"], theme
    # the q-values are BH-adjusted: never below the p-values, flagged rows have q <= alpha
    assert (table["q_value"] >= table["p_value"] - 1e-12).all()
    assert (table.loc[table["emerging"], "q_value"] <= 0.05).all()
    assert not (table["low_support"] & table["emerging"]).any()


@pytest.mark.slow
def test_without_a_planted_theme_nothing_is_flagged(default_analyzer: Any) -> None:
    result = planted_result(default_analyzer, locker_share=0.0, seed=1)
    table = emerging_themes(result, analyzer=default_analyzer)
    assert not table["emerging"].any(), table.head(3).to_dict("records")


@pytest.mark.slow
def test_comments_without_a_date_are_counted_not_dropped(default_analyzer: Any) -> None:
    frame = planted_feedback(300, seed=2)
    frame.loc[:19, "date"] = ""
    result = default_analyzer.analyze(frame, date_col="date")
    table = emerging_themes(result, clusters=False, analyzer=default_analyzer)
    assert table.attrs["n_no_date"] == 20
    assert table.attrs["n_recent_total"] + table.attrs["n_baseline_total"] == 280
    assert (table["kind"] == "theme").all()


@pytest.mark.slow
def test_no_date_column_or_too_few_rows_are_clear_errors(default_analyzer: Any) -> None:
    frame = planted_feedback(60, seed=3)
    no_date = default_analyzer.analyze(frame[["id", "comment"]])
    with pytest.raises(VocError, match="date column") as info:
        emerging_themes(no_date, analyzer=default_analyzer)
    assert "--date-col" in info.value.fix
    dated = default_analyzer.analyze(frame, date_col="date")
    with pytest.raises(VocError, match="at least 10 comments"):
        emerging_themes(dated, recent="2d", analyzer=default_analyzer)
