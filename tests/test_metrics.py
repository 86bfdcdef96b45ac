"""Metrics: properties (hypothesis) and hand-computed worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc import metrics as M
from voc.errors import ValidationError, VocError

nps_answers = st.lists(st.integers(0, 10), min_size=1, max_size=200)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------ NPS properties
@FAST
@given(nps_answers)
def test_nps_in_range_and_ci_contains_estimate(scores: list[int]) -> None:
    v = M.nps(scores)
    assert -100.0 <= v.value <= 100.0
    assert -100.0 <= v.ci_low <= v.value <= v.ci_high <= 100.0
    assert v.n == len(scores) and v.unit == "points"


@FAST
@given(nps_answers, st.randoms(use_true_random=False))
def test_nps_permutation_invariant(scores: list[int], rnd) -> None:
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    a, b = M.nps(scores), M.nps(shuffled)
    assert a.value == pytest.approx(b.value, abs=1e-12)
    assert (a.ci_low, a.ci_high) == pytest.approx((b.ci_low, b.ci_high), abs=1e-9)


@FAST
@given(st.lists(st.tuples(st.integers(0, 10), st.booleans()), min_size=2, max_size=200))
def test_nps_partition_identity(rows: list[tuple[int, bool]]) -> None:
    with_ = [s for s, flag in rows if flag]
    without = [s for s, flag in rows if not flag]
    total = M.nps([s for s, _ in rows])
    lhs = sum(len(part) * M.nps(part).value for part in (with_, without) if part)
    assert lhs == pytest.approx(len(rows) * total.value, abs=1e-9)


@FAST
@given(st.lists(st.integers(9, 10), min_size=1, max_size=100))
def test_all_promoters_is_100(scores: list[int]) -> None:
    v = M.nps(scores)
    assert v.value == 100.0 and v.ci_high == 100.0 and v.ci_low < 100.0


@FAST
@given(st.lists(st.integers(0, 6), min_size=1, max_size=100))
def test_all_detractors_is_minus_100(scores: list[int]) -> None:
    v = M.nps(scores)
    assert v.value == -100.0 and v.ci_low == -100.0 and v.ci_high > -100.0


@FAST
@given(st.lists(st.integers(0, 10), min_size=1, max_size=100))
def test_metric_is_mean_of_row_values(scores: list[int]) -> None:
    for metric in ("nps", "csat", "csat_mean", "loyalty", "mean"):
        rows = M.row_values(metric, scores)
        assert M.metric_value(metric, scores).value == pytest.approx(rows.mean(), abs=1e-9)


def test_nps_worked_example_from_docstring() -> None:
    scores = [10, 9, 9, 8, 7, 6, 5, 3, 10, 0]
    assert M.row_values("nps", scores).tolist() == [100, 100, 100, 0, 0, -100, -100, -100, 100,
                                                    -100]
    v = M.nps(scores)
    assert v.value == 0.0
    assert M.nps([10, 9, 8, 3]).value == 25.0


def test_nps_interval_matches_wald_for_large_n() -> None:
    rng = np.random.default_rng(0)
    scores = rng.choice(np.arange(11), size=20_000)
    v = M.nps(scores)
    p = float(np.mean(scores >= 9))
    d = float(np.mean(scores <= 6))
    half = 1.959964 * 100 * math.sqrt((p + d - (p - d) ** 2) / len(scores))
    # the multinomial variance written the other way round
    assert p + d - (p - d) ** 2 == pytest.approx(p * (1 - p) + d * (1 - d) + 2 * p * d)
    assert (v.ci_high - v.ci_low) / 2 == pytest.approx(half, rel=0.01)


def test_missing_values_are_skipped_and_counted() -> None:
    v = M.nps([10, None, np.nan, "", 0, "n/a"])
    assert (v.n, v.n_missing, v.value) == (2, 4, 0.0)
    empty = M.nps([None, np.nan])
    assert empty.n == 0 and math.isnan(empty.value) and math.isnan(empty.ci_low)


# ------------------------------------------------------------------------------ errors & scales
def test_out_of_range_names_rows() -> None:
    with pytest.raises(ValidationError) as err:
        M.nps([5, 11, 3, -1])
    assert err.value.problems[0].rows == (2, 4)
    assert "positions 2, 4" in str(err.value)
    with pytest.raises(ValidationError) as err:
        M.csat([1, 2, 9], scale=(1, 5))
    assert err.value.problems[0].rows == (3,)
    with pytest.raises(ValidationError, match="whole numbers"):
        M.nps([7.5, 9])
    with pytest.raises(ValidationError) as err:
        M.ces([1, "easy", 3])
    assert err.value.problems[0].rows == (2,)
    with pytest.raises(ValidationError) as err:
        M.churn([0, 1, 2, "maybe"])
    assert err.value.problems[0].rows == (3, 4)
    with pytest.raises(VocError, match="metric"):
        M.row_values("net_promoter", [1])


def test_scale_inference_and_override() -> None:
    assert M.infer_scale("csat", [1, 3, 5]) == (1.0, 5.0)
    assert M.infer_scale("csat", [1, 6, 7]) == (1.0, 7.0)
    assert M.infer_scale("csat", [0, 10]) == (0.0, 10.0)
    assert M.infer_scale("ces", [2, 7]) == (1.0, 7.0)
    assert M.infer_scale("nps", [3]) == (0.0, 10.0)
    assert M.infer_scale("mean", [12.5, 80]) == (12.5, 80.0)
    with pytest.raises(ValidationError) as err:
        M.infer_scale("ces", [1, 9, 4])
    assert err.value.problems[0].rows == (2,)
    with pytest.raises(ValidationError):
        M.infer_scale("csat", [1, 11])
    # inference picks 1–5, the override says 1–7: the top-2 boxes move from 4–5 to 6–7
    assert M.csat([4, 5, 6, 7]).value == 0.5          # inferred 1–7
    assert M.csat([4, 5, 3, 2]).value == 0.5
    assert M.csat([4, 5, 3, 2], scale=(1, 7)).value == 0.0
    assert M.csat_mean([12, 14], scale=(0, 20)).value == 13.0


# ------------------------------------------------------------------------------ worked examples
def test_csat_worked_example() -> None:
    scores = [5, 4, 3, 2, 1, 5]
    v = M.csat(scores)
    assert v.value == pytest.approx(3 / 6) and v.unit == "share"
    lo, hi = M.wilson_interval(3, 6)
    assert (v.ci_low, v.ci_high) == pytest.approx((lo, hi))
    assert M.csat(scores, top_box=1).value == pytest.approx(2 / 6)
    m = M.csat_mean(scores)
    assert m.value == pytest.approx(20 / 6) and m.unit == "score"
    assert M.wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def test_ces_worked_example() -> None:
    v = M.ces([1, 2, 3, 4, 5, 6, 7])
    # mean 4, s = sqrt(28/6), t(0.975, 6) = 2.4469 -> half-width 1.9983
    assert v.value == 4.0
    assert (v.ci_low, v.ci_high) == pytest.approx((2.0017, 5.9983), abs=1e-3)
    assert M.ces_easy([7, 6, 5, 4, 3, 2, 1]).value == pytest.approx(3 / 7)   # 5–7 on 1–7
    assert M.ces_easy([5, 4, 3]).value == pytest.approx(2 / 3)                 # 4–5 on 1–5
    assert M.ces_easy([1, 2, 3, 4, 7], higher_is_easier=False).value == pytest.approx(3 / 5)


def test_loyalty_worked_example() -> None:
    items = pd.DataFrame({"recommend": [10, 6, None], "repurchase": [8, None, None]})
    v = M.loyalty(items)
    assert (v.value, v.n, v.n_missing) == (7.5, 2, 1)   # respondents 9 and 6
    assert 0.0 <= v.ci_low <= 7.5 <= v.ci_high <= 10.0
    assert M.row_values("loyalty", items)[:2].tolist() == [9.0, 6.0]
    with pytest.raises(ValidationError) as err:
        M.loyalty(pd.DataFrame({"a": [1, 12]}))
    assert err.value.problems[0].rows == (2,) and err.value.problems[0].column == "a"


def test_churn_worked_example() -> None:
    v = M.churn(["yes", "no", "No", "TRUE", None])
    assert (v.value, v.n, v.n_missing) == (0.5, 4, 1)
    assert M.churn([True, False, False, False]).value == 0.25
    table = M.churn_by_period([1, 0, 1, 0, 1], ["2026-01-03", "2026-01-20", "2026-02-01",
                                                "2026-02-15", None])
    assert table["period"].tolist() == ["2026-01", "2026-02"]
    assert table["churn_rate"].tolist() == [0.5, 0.5]
    assert table["n"].tolist() == [2, 2]
    assert table.attrs["n_missing_date"] == 1
    lo, hi = M.wilson_interval(1, 2)
    assert (table["ci_low"][0], table["ci_high"][0]) == pytest.approx((lo, hi))


def test_dispatcher_and_mean() -> None:
    assert M.metric_value("nps", [10, 0]) == M.nps([10, 0])
    v = M.metric_value("mean", [10.0, 20.0, 30.0])
    assert v.value == 20.0 and v.unit == "score"
    assert (v.ci_low, v.ci_high) == pytest.approx((20 - 24.8414, 20 + 24.8414), abs=1e-3)
    assert set(M.UNITS) == set(M.METRICS)
