"""Customer metrics with confidence intervals: NPS, CSAT, CES, loyalty index, churn.

Every metric is the **mean of a per-row value** (:func:`row_values`), which is what makes the
driver decompositions in :mod:`voc.drivers` exact:

=============  ==============================================================  =======  ========
metric         per-row value                                                    unit     range
=============  ==============================================================  =======  ========
``nps``        +100 promoter (9–10), 0 passive (7–8), −100 detractor (0–6)      points   −100..100
``csat``       1 if the answer is in the top ``top_box`` boxes (1–5: 4 or 5)    share    0..1
``csat_mean``  the answer                                                       score    scale
``ces``        the answer (mean effort score)                                   score    scale
``ces_easy``   1 if the answer is above the scale midpoint (1–7: 5–7, 1–5: 4–5) share    0..1
``loyalty``    mean of the respondent's answered 0–10 items                     score    0..10
``churn``      the 0/1 churn flag                                               share    0..1
``mean``       the value itself (any numeric column, e.g. spend)                score    any
=============  ==============================================================  =======  ========

Worked example (NPS). Ten answers ``10, 9, 9, 8, 7, 6, 5, 3, 10, 0``: promoters (9–10) = 4,
passives (7–8) = 2, detractors (0–6) = 4, so NPS = 100·(4 − 4)/10 = 0 points; the row values
are ``100, 100, 100, 0, 0, −100, −100, −100, 100, −100`` and their mean is 0.

Scales. ``scale=(low, high)`` overrides; otherwise :func:`infer_scale` picks the smallest known
scale containing every value: NPS and loyalty items 0–10; CSAT 1–5, 1–7 or 0–10; CES 1–5 or
1–7; churn 0/1; ``mean`` the observed min..max. A value outside the scale (or, for NPS, not a
whole number; for churn, not a yes/no flag) raises :class:`voc.errors.ValidationError` naming
the offending values by their **1-based position in the input order** (value 1 is the first
element; in a spreadsheet with one header row, position k is row k + 1). Missing values (NaN,
empty) are skipped and counted in :attr:`MetricValue.n_missing`.

Confidence intervals (``confidence`` = 0.95 by default):

* **NPS** — score interval (Wilson-type) for the trinomial. Per row, v ∈ {−100, 0, 100} with
  P(v = 100) = p, P(v = −100) = d, so Var(v) = 100²·(p + d − (p − d)²) (equal to
  100²·(p(1−p) + d(1−d) + 2pd)) and the Wald interval is NPS ± z·100·√((p + d − (p − d)²)/n).
  Wald fails at small n and at the edges (all promoters → zero width), so voc inverts the score
  test instead: the interval holds every Δ (in shares) with
  (p̂ − d̂ − Δ)² ≤ z²·(p̃ + d̃ − Δ²)/n, where (p̃, d̃) is the maximum-likelihood (p, d) under the
  constraint p − d = Δ (a closed-form root of a quadratic). Like the Wilson interval it always
  contains the estimate, stays inside −100..100 and has near-nominal coverage at small n; for
  large n it equals the Wald interval. (Rocks 2016, *The American Statistician*, recommends the
  adjusted Wald, which can exclude the estimate when n is small.)
* **shares** (csat, ces_easy, churn) — Wilson score interval.
* **means** (csat_mean, ces, loyalty, mean) — Student t interval mean ± t(n−1)·s/√n, clipped to
  the scale; with n = 1 the interval is the whole scale (NaN for ``mean`` without a scale).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from voc.errors import ValidationError, VocError
from voc.schema import Problem, format_rows, parse_dates, parse_scores

__all__ = [
    "METRICS",
    "UNITS",
    "MetricValue",
    "ces",
    "ces_easy",
    "churn",
    "churn_by_period",
    "csat",
    "csat_mean",
    "infer_scale",
    "loyalty",
    "mean_score",
    "metric_value",
    "nps",
    "nps_interval",
    "parse_flags",
    "period_labels",
    "row_values",
    "wilson_interval",
]

METRICS: tuple[str, ...] = (
    "nps", "csat", "csat_mean", "ces", "ces_easy", "loyalty", "churn", "mean",
)
#: Unit of each metric's value: "points" (−100..100), "share" (0..1) or "score" (scale units).
UNITS: dict[str, str] = {
    "nps": "points", "csat": "share", "csat_mean": "score", "ces": "score",
    "ces_easy": "share", "loyalty": "score", "churn": "share", "mean": "score",
}
#: Known scales per metric, smallest first (what :func:`infer_scale` tries in order).
_KNOWN_SCALES: dict[str, tuple[tuple[float, float], ...]] = {
    "nps": ((0.0, 10.0),),
    "csat": ((1.0, 5.0), (1.0, 7.0), (0.0, 10.0)),
    "csat_mean": ((1.0, 5.0), (1.0, 7.0), (0.0, 10.0)),
    "ces": ((1.0, 5.0), (1.0, 7.0)),
    "ces_easy": ((1.0, 5.0), (1.0, 7.0)),
    "loyalty": ((0.0, 10.0),),
    "churn": ((0.0, 1.0),),
}
_TRUE = frozenset({"1", "1.0", "true", "t", "yes", "y", "churned"})
_FALSE = frozenset({"0", "0.0", "false", "f", "no", "n", "retained", "active"})
_MISSING = frozenset({"", "n/a", "na", "n.a.", "nan", "none", "null", "nil", "-", "--", "#n/a",
                      "?"})
_PERIODS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


@dataclass(frozen=True)
class MetricValue:
    """A metric with its confidence interval.

    Attributes:
        name: the metric (one of :data:`METRICS`).
        value: the estimate (NaN when ``n == 0``); unit in ``unit``.
        ci_low, ci_high: the ``confidence`` interval (same unit).
        n: number of rows used (missing values excluded).
        unit: ``"points"`` (NPS, −100..100), ``"share"`` (0..1) or ``"score"`` (scale units).
        n_missing: rows skipped because the value was missing.
        confidence: the interval's confidence level (0..1).
        method: how the interval was computed.
    """

    name: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    unit: str
    n_missing: int = 0
    confidence: float = 0.95
    method: str = ""


# ------------------------------------------------------------------------------ parsing
def _check_metric(metric: str) -> str:
    key = str(metric).strip().lower()
    if key not in METRICS:
        raise VocError(
            expected=f"a metric, one of: {', '.join(METRICS)}",
            found=repr(metric),
            fix="pass e.g. metric='nps' (0–10 answers), 'csat' (1–5), 'ces' (1–7), "
            "'churn' (0/1 flags) or 'mean' (any numeric column)",
        )
    return key


def _as_series(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim != 1:
        raise VocError(
            expected="a one-dimensional array of values",
            found=f"an array of shape {arr.shape}",
            fix="pass one column (e.g. df['nps']); for several loyalty items use loyalty()",
        )
    return pd.Series(arr)


def _positions(mask: np.ndarray) -> tuple[int, ...]:
    """1-based positions of the True entries."""
    return tuple(int(i) + 1 for i in np.flatnonzero(mask))


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _where(rows: tuple[int, ...]) -> str:
    return (f"{format_rows(rows).replace('row', 'position')} (1-based positions in the input "
            "order; in a spreadsheet with one header row, position k is row k + 1)")


def _raise(kind: str, what: str, rows: tuple[int, ...], fix: str, column: str | None = None
           ) -> None:
    message = f"{what} at {_where(rows)}. {fix.rstrip('.')}"
    raise ValidationError([Problem(kind=kind, message=message, severity="error",
                                   column=column, rows=rows)])


def _numbers(values: Any, metric: str, column: str | None = None) -> np.ndarray:
    """Values as float64 with NaN for missing; non-numeric cells raise naming positions."""
    s = _as_series(values)
    nums = parse_scores(s).to_numpy(dtype="float64")
    nan = np.isnan(nums)
    if not nan.any() or pd.api.types.is_numeric_dtype(s.dtype):
        return nums
    tokens = s[nan].astype("string").str.strip().str.lower().fillna("")
    bad = np.zeros(len(s), dtype=bool)
    bad[nan] = ~(s[nan].isna().to_numpy() | tokens.isin(list(_MISSING)).to_numpy())
    if bad.any():
        rows = _positions(bad)
        examples = ", ".join(repr(str(v)) for v in pd.unique(s[bad])[:3])
        _raise("score_not_numeric", f"{metric} values must be numbers, but {len(rows):,} are "
               f"not ({examples})", rows, "Replace them with numbers or leave them empty "
               "(missing values are skipped and counted).", column)
    return nums


def parse_flags(values: Any, *, column: str | None = None) -> np.ndarray:
    """Churn flags as float64 1.0 / 0.0, NaN when missing.

    Accepts booleans, 0/1 numbers and the strings true/false, yes/no, y/n, t/f, 1/0,
    churned/retained/active (case-insensitive).

    Raises:
        ValidationError: any other value, naming its 1-based positions.
    """
    s = _as_series(values)
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64").to_numpy()
    out = np.full(len(s), np.nan)
    missing = s.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(s.dtype):
        nums = s.to_numpy(dtype="float64")
        ok = missing | (nums == 0) | (nums == 1)
        out[~missing] = nums[~missing]
    else:
        st = s.astype("string").str.strip().str.lower().fillna("")
        is_true = st.isin(list(_TRUE)).to_numpy()
        is_false = st.isin(list(_FALSE)).to_numpy()
        missing = missing | st.isin(["", "nan", "n/a", "na", "none", "null", "-"]).to_numpy()
        out[is_true] = 1.0
        out[is_false] = 0.0
        ok = is_true | is_false | missing
    if not ok.all():
        rows = _positions(~ok)
        examples = ", ".join(repr(str(v)) for v in pd.unique(s[~ok])[:3])
        _raise("flag_not_binary", f"churn flags must be 0/1 (or yes/no, true/false), but "
               f"{len(rows):,} are not ({examples})", rows,
               "Recode them as 0 (retained) or 1 (churned), or leave them empty.", column)
    return out


def _check_scale(scale: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = float(scale[0]), float(scale[1])
    except (TypeError, ValueError, IndexError) as exc:
        raise VocError(expected="a scale (low, high)", found=repr(scale),
                       fix="pass e.g. scale=(1, 5)") from exc
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise VocError(expected="a scale with finite low < high", found=repr(scale),
                       fix="pass the lowest and the highest possible answer, e.g. (1, 7)")
    return low, high


def infer_scale(metric: str, values: Any) -> tuple[float, float]:
    """The answer scale (low, high) of ``values`` for ``metric``.

    The smallest known scale of the metric that contains every non-missing value (see the
    module docstring); ``mean``: (min, max) of the values ((0, 1) when there are none).

    Raises:
        ValidationError: values outside every known scale, naming their 1-based positions
            (pass ``scale=(low, high)`` explicitly for another scale).
    """
    metric = _check_metric(metric)
    nums = parse_flags(values) if metric == "churn" else _numbers(values, metric)
    return _infer_from_numbers(metric, nums)


def _infer_from_numbers(metric: str, nums: np.ndarray) -> tuple[float, float]:
    finite = nums[~np.isnan(nums)]
    if metric == "mean":
        if finite.size == 0:
            return (0.0, 1.0)
        lo, hi = float(finite.min()), float(finite.max())
        return (lo, hi if hi > lo else lo + 1.0)
    known = _KNOWN_SCALES[metric]
    if finite.size == 0:
        return known[0]
    lo, hi = float(finite.min()), float(finite.max())
    for low, high in known:
        if low <= lo and hi <= high:
            return (low, high)
    widest = (min(k[0] for k in known), max(k[1] for k in known))
    outside = ~np.isnan(nums) & ((nums < widest[0]) | (nums > widest[1]))
    names = ", ".join(f"{_fmt(a)}–{_fmt(b)}" for a, b in known)
    fix = ("Correct those values (NPS answers are whole numbers 0–10), or use metric='mean' "
           "for another scale" if metric == "nps" else
           "Correct those values, or pass the scale explicitly, e.g. "
           f"scale=({_fmt(lo)}, {_fmt(hi)})")
    _raise("score_out_of_range", f"{metric} answers must be on a known scale ({names}), but "
           f"{int(outside.sum()):,} values are outside {_fmt(widest[0])}–{_fmt(widest[1])}",
           _positions(outside), fix)
    raise AssertionError("unreachable")  # pragma: no cover


def _validated(metric: str, values: Any, scale: tuple[float, float] | None,
               column: str | None = None) -> tuple[np.ndarray, tuple[float, float]]:
    """Parsed values and the scale; raises on values outside the scale."""
    nums = parse_flags(values, column=column) if metric == "churn" else _numbers(
        values, metric, column)
    if scale is None:
        used = _infer_from_numbers(metric, nums)
        given = False
    else:
        used = _check_scale(scale)
        given = True
    low, high = used
    present = ~np.isnan(nums)
    outside = present & ((nums < low) | (nums > high))
    if outside.any():
        origin = "given" if given else "inferred"
        _raise("score_out_of_range", f"{metric} values must be within {_fmt(low)}–{_fmt(high)} "
               f"(scale {origin}), but {int(outside.sum()):,} are outside", _positions(outside),
               "Correct those values or pass the right scale=(low, high).", column)
    if metric == "nps":
        frac = present & (nums != np.round(nums))
        if frac.any():
            _raise("score_not_integer", "NPS answers must be whole numbers 0–10, but "
                   f"{int(frac.sum()):,} are not", _positions(frac),
                   "Round them, or use metric='mean' for an average of non-integer scores.",
                   column)
    return nums, used


def row_values(metric: str, values: Any, *, scale: tuple[float, float] | None = None,
               top_box: int = 2, higher_is_easier: bool = True) -> np.ndarray:
    """Per-row contribution to ``metric``; the metric is the mean of these over non-NaN rows.

    Args:
        metric: one of :data:`METRICS`.
        values: the answers (array-like, one per row; for ``loyalty`` also a DataFrame or a
            2-D array of 0–10 items, averaged per row over the answered items).
        scale: (low, high) of the answer scale; inferred when ``None`` (see :func:`infer_scale`).
        top_box: for ``csat``: how many top boxes count as satisfied (2 → 4–5 on 1–5).
        higher_is_easier: for ``ces_easy``: True when a high answer means low effort
            ("the company made it easy", CES 2.0); then "easy" = above the scale midpoint.

    Returns:
        float64 array, NaN where the value is missing: ``nps`` ±100/0 (points), ``csat`` /
        ``ces_easy`` / ``churn`` 1.0/0.0 (share), the (mean) answer otherwise (score).

    Raises:
        ValidationError: non-numeric values or values outside the scale, naming their 1-based
            positions.
    """
    metric = _check_metric(metric)
    if metric == "loyalty":
        return _loyalty_rows(values, scale)
    nums, (low, high) = _validated(metric, values, scale)
    out = np.full(nums.shape, np.nan)
    present = ~np.isnan(nums)
    x = nums[present]
    if metric == "nps":
        out[present] = np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0))
    elif metric == "csat":
        if top_box < 1:
            raise VocError(expected="top_box >= 1", found=str(top_box),
                           fix="pass top_box=2 for the usual top-2-box CSAT")
        out[present] = (x >= high - top_box + 1).astype(float)
    elif metric == "ces_easy":
        mid = (low + high) / 2.0
        out[present] = ((x > mid) if higher_is_easier else (x < mid)).astype(float)
    else:  # csat_mean, ces, churn, mean
        out[present] = x
    return out


def _loyalty_rows(items: Any, scale: tuple[float, float] | None) -> np.ndarray:
    frame = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items))
    if frame.shape[1] == 0:
        raise VocError(expected="at least one loyalty item column", found="none",
                       fix="pass a DataFrame with one column per 0–10 loyalty question")
    low, high = _check_scale(scale) if scale is not None else (0.0, 10.0)
    cols = []
    for name in frame.columns:
        nums = _numbers(frame[name], "loyalty", column=str(name))
        outside = ~np.isnan(nums) & ((nums < low) | (nums > high))
        if outside.any():
            _raise("score_out_of_range", f"loyalty item {name!r} must be within "
                   f"{_fmt(low)}–{_fmt(high)}, but {int(outside.sum()):,} values are outside",
                   _positions(outside), "Correct those values or pass scale=(low, high).",
                   str(name))
        cols.append(nums)
    mat = np.column_stack(cols)
    answered = (~np.isnan(mat)).sum(axis=1)
    sums = np.nansum(mat, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(answered > 0, sums / np.maximum(answered, 1), np.nan)


# ------------------------------------------------------------------------------ intervals
def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise VocError(expected="a confidence level strictly between 0 and 1",
                       found=repr(confidence), fix="pass e.g. confidence=0.95")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def wilson_interval(successes: float, n: float, confidence: float = 0.95
                    ) -> tuple[float, float]:
    """Wilson score interval for a share (0..1); (NaN, NaN) when n == 0."""
    if n <= 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _constrained_mle(P: float, D: float, M: float, delta: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Trinomial ML (p, d) subject to p − d = delta (vectorised over delta).

    With d = p − Δ the score equation P/p + D/(p−Δ) = 2M/(1+Δ−2p) becomes
    2n·p² − [2MΔ + (P+D)(1+Δ) + 2PΔ]·p + PΔ(1+Δ) = 0; the feasible root (or boundary) with
    the highest likelihood is taken.
    """
    n = P + D + M
    lo = np.maximum(0.0, delta)
    hi = (1.0 + delta) / 2.0
    a = 2.0 * n
    b = -(2.0 * M * delta + (P + D) * (1.0 + delta) + 2.0 * P * delta)
    c = P * delta * (1.0 + delta)
    disc = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
    cands = np.stack([(-b - disc) / (2 * a), (-b + disc) / (2 * a), lo, hi])
    cands = np.clip(cands, lo, hi)

    d = cands - delta
    rest = 1.0 - cands - d
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = sum(np.where(k > 0, k * np.log(np.maximum(v, 1e-300)), 0.0)
                 for k, v in ((P, cands), (D, d), (M, rest)))
    best = cands[np.argmax(ll, axis=0), np.arange(delta.size)]
    return best, best - delta


def nps_interval(promoters: float, detractors: float, n: float, confidence: float = 0.95
                 ) -> tuple[float, float]:
    """Score interval for NPS (points, −100..100) from counts; see the module docstring."""
    if n <= 0:
        return (math.nan, math.nan)
    z = _z(confidence)
    P, D = float(promoters), float(detractors)
    M = float(n) - P - D
    theta = (P - D) / n

    def g(delta: np.ndarray) -> np.ndarray:
        p, d = _constrained_mle(P, D, M, delta)
        var = np.maximum(p + d - delta * delta, 0.0)
        return (theta - delta) ** 2 - z * z * var / n

    # For each side, the first crossing of g from <= 0 (at theta) to > 0 walking towards ∓1;
    # both brackets are refined together on successively finer grids (6 rounds of 101 points,
    # ~1e-12 precision).
    ends = np.array([-1.0, 1.0])
    a_ = np.array([theta, theta])
    b_ = ends.copy()
    done = a_ == b_
    steps = np.linspace(0.0, 1.0, 101)
    for _ in range(6):
        grid = a_[:, None] + (b_ - a_)[:, None] * steps[None, :]
        pos = (g(grid.ravel()) > 0).reshape(2, -1)
        for side in (0, 1):
            if done[side]:
                continue
            out = np.flatnonzero(pos[side])
            if out.size == 0:
                a_[side] = b_[side]
                done[side] = True
                continue
            j = max(int(out[0]), 1)
            a_[side], b_[side] = grid[side, j - 1], grid[side, j]
    return (100.0 * float(a_[0]), 100.0 * float(a_[1]))


def _t_interval(x: np.ndarray, confidence: float, scale: tuple[float, float] | None
                ) -> tuple[float, float]:
    n = x.size
    if n == 0:
        return (math.nan, math.nan)
    if n == 1:
        return (scale[0], scale[1]) if scale is not None else (math.nan, math.nan)
    _z(confidence)
    m = float(x.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    lo, hi = m - half, m + half
    if scale is not None:
        lo, hi = max(lo, scale[0]), min(hi, scale[1])
    return (lo, hi)


def _share_value(metric: str, rows: np.ndarray, confidence: float) -> MetricValue:
    x = rows[~np.isnan(rows)]
    n = int(x.size)
    k = float(x.sum())
    lo, hi = wilson_interval(k, n, confidence)
    return MetricValue(metric, k / n if n else math.nan, lo, hi, n, UNITS[metric],
                       int(rows.size - n), confidence, "Wilson score interval")


def _mean_value(metric: str, rows: np.ndarray, confidence: float,
                scale: tuple[float, float] | None) -> MetricValue:
    x = rows[~np.isnan(rows)]
    n = int(x.size)
    lo, hi = _t_interval(x, confidence, scale)
    return MetricValue(metric, float(x.mean()) if n else math.nan, lo, hi, n, UNITS[metric],
                       int(rows.size - n), confidence, "Student t interval")


# ------------------------------------------------------------------------------ metrics
def nps(scores: Any, *, confidence: float = 0.95) -> MetricValue:
    """Net Promoter Score in points (−100..100) from 0–10 answers.

    NPS = 100·(promoters − detractors)/n with promoters 9–10, passives 7–8, detractors 0–6;
    score interval (see the module docstring). Example: ``nps([10, 9, 8, 3])`` → 25 points.
    """
    rows = row_values("nps", scores)
    x = rows[~np.isnan(rows)]
    n = int(x.size)
    P, D = float((x > 0).sum()), float((x < 0).sum())
    lo, hi = nps_interval(P, D, n, confidence)
    return MetricValue("nps", 100.0 * (P - D) / n if n else math.nan, lo, hi, n, "points",
                       int(rows.size - n), confidence, "trinomial score interval")


def csat(scores: Any, *, scale: tuple[float, float] | None = None, top_box: int = 2,
         confidence: float = 0.95) -> MetricValue:
    """CSAT as the share (0..1) of answers in the top ``top_box`` boxes (1–5: 4 or 5).

    A box is "top" when answer ≥ high − top_box + 1. Wilson interval. Example:
    ``csat([5, 4, 3, 2])`` → 0.5.
    """
    return _share_value("csat", row_values("csat", scores, scale=scale, top_box=top_box),
                        confidence)


def csat_mean(scores: Any, *, scale: tuple[float, float] | None = None,
              confidence: float = 0.95) -> MetricValue:
    """Mean CSAT answer (scale units, e.g. 1..5) with a t interval clipped to the scale."""
    nums, used = _validated("csat_mean", scores, scale)
    return _mean_value("csat_mean", nums, confidence, used)


def ces(scores: Any, *, scale: tuple[float, float] | None = None,
        confidence: float = 0.95) -> MetricValue:
    """Mean Customer Effort Score (scale units, 1..5 or 1..7) with a t interval."""
    nums, used = _validated("ces", scores, scale)
    return _mean_value("ces", nums, confidence, used)


def ces_easy(scores: Any, *, scale: tuple[float, float] | None = None,
             higher_is_easier: bool = True, confidence: float = 0.95) -> MetricValue:
    """Share (0..1) of "easy" CES answers: above the scale midpoint.

    On 1–7 ("The company made it easy…", CES 2.0) easy = 5, 6, 7; on 1–5 easy = 4, 5. With
    ``higher_is_easier=False`` (effort asked directly, 1 = very low effort) easy = below the
    midpoint (1–3 on 1–7, 1–2 on 1–5). Wilson interval.
    """
    rows = row_values("ces_easy", scores, scale=scale, higher_is_easier=higher_is_easier)
    return _share_value("ces_easy", rows, confidence)


def loyalty(items: Any, *, scale: tuple[float, float] | None = None,
            confidence: float = 0.95) -> MetricValue:
    """Loyalty index (0..10): mean over respondents of the mean of their answered items.

    ``items``: a DataFrame (one column per 0–10 question, one row per respondent), a 2-D array
    or a 1-D array (one item). Respondents who answered no item are skipped (counted in
    ``n_missing``). t interval clipped to the scale. Example: items ``[[10, 8], [6, nan]]`` →
    respondents 9 and 6 → index 7.5.
    """
    arr = items if isinstance(items, pd.DataFrame) else np.asarray(items, dtype=object)
    if isinstance(arr, np.ndarray) and arr.ndim == 1:
        arr = pd.DataFrame({"item": arr})
    rows = _loyalty_rows(arr, scale)
    used = _check_scale(scale) if scale is not None else (0.0, 10.0)
    return _mean_value("loyalty", rows, confidence, used)


def churn(flags: Any, *, confidence: float = 0.95) -> MetricValue:
    """Churn rate: share (0..1) of rows flagged as churned (see :func:`parse_flags`)."""
    return _share_value("churn", parse_flags(flags), confidence)


def mean_score(values: Any, *, scale: tuple[float, float] | None = None,
               confidence: float = 0.95) -> MetricValue:
    """Mean of any numeric column (e.g. spend, repeat purchases) with a t interval."""
    nums, _ = _validated("mean", values, scale)
    return _mean_value("mean", nums, confidence, scale)


def churn_by_period(flags: Any, dates: Any, period: str = "month", *,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Churn rate per calendar period.

    Args:
        flags: churn flags (see :func:`parse_flags`).
        dates: one date per flag (datetime-like or strings in any format voc reads).
        period: ``day``, ``week``, ``month``, ``quarter``, ``year`` or a pandas period alias.

    Returns:
        One row per period, in time order: ``period`` (label, e.g. ``"2026-05"``), ``start``
        (timestamp), ``n``, ``churned``, ``churn_rate`` (share 0..1), ``ci_low``, ``ci_high``
        (Wilson). ``attrs``: ``n_missing_date``, ``n_missing_flag`` (rows skipped).
    """
    f = parse_flags(flags)
    d = _as_dates(dates)
    if len(d) != len(f):
        raise VocError(expected="one date per flag", found=f"{len(f)} flags and {len(d)} dates",
                       fix="pass two columns of the same table")
    per = period_labels(d, period)
    keep = per.notna().to_numpy() & ~np.isnan(f)
    frame = pd.DataFrame({"p": per[keep].to_numpy(), "f": f[keep]})
    rows = []
    for p, grp in frame.groupby("p", sort=True):
        n = len(grp)
        k = float(grp["f"].sum())
        lo, hi = wilson_interval(k, n, confidence)
        rows.append({"period": str(p), "start": p.start_time, "n": n, "churned": int(k),
                     "churn_rate": k / n, "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=["period", "start", "n", "churned", "churn_rate",
                                      "ci_low", "ci_high"])
    out.attrs["n_missing_date"] = int(per.isna().sum())
    out.attrs["n_missing_flag"] = int(np.isnan(f).sum())
    return out


def _as_dates(dates: Any) -> pd.Series:
    s = _as_series(dates)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    return parse_dates(s).reset_index(drop=True)


def period_labels(dates: Any, period: str = "month") -> pd.Series:
    """``pd.Period`` per date (NaT stays missing) for ``day|week|month|quarter|year`` or an
    alias."""
    freq = _PERIODS.get(str(period).lower(), str(period))
    d = _as_dates(dates)
    try:
        return d.dt.to_period(freq)
    except (ValueError, TypeError) as exc:
        raise VocError(expected="a period: day, week, month, quarter or year",
                       found=repr(period), fix="pass e.g. period='month'") from exc


_DISPATCH = {
    "nps": nps, "csat": csat, "csat_mean": csat_mean, "ces": ces, "ces_easy": ces_easy,
    "loyalty": loyalty, "churn": churn, "mean": mean_score,
}


def metric_value(metric: str, values: Any, **kw: Any) -> MetricValue:
    """Compute ``metric`` (one of :data:`METRICS`) on ``values``; ``kw`` go to its function
    (e.g. ``scale``, ``top_box``, ``confidence``)."""
    return _DISPATCH[_check_metric(metric)](values, **kw)


def metric_kwargs(metric: str, **kw: Any) -> dict[str, Any]:
    """The subset of ``kw`` that :func:`row_values` accepts for ``metric`` (drops ``None``)."""
    allowed: Sequence[str] = ("scale", "top_box", "higher_is_easier")
    return {k: v for k, v in kw.items() if k in allowed and v is not None}
