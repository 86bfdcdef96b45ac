"""Driver analysis: which themes move a metric, by how much, and how sure we are.

Inputs are the analysed comments (an :class:`~voc.pipeline.AnalysisResult` or a table shaped
like ``voc analyze`` output) and an outcome per comment: the score column (NPS, CSAT, CES, ...)
or any numeric / 0-1 column, e.g. O-data joined with :func:`join_outcome`.

Notation (one slice of data)
----------------------------
N comments with text and an outcome (empty comments and missing outcomes are excluded and
counted; ``include_empty=True`` keeps empty comments as "no theme"). For comment i:
``y_i`` = its row value for the metric (:func:`voc.metrics.row_values`: NPS ±100/0 points,
CSAT 1/0, CES answer, churn 0/1, ...), so the metric is M = mean(y); ``x_it`` = 1 if it
mentions theme t; ``m_i`` = number of themes it mentions. n_t = Σ_i x_it.

Per theme (``level="theme"``) — all in the metric's unit (NPS points, shares 0..1, scores)
-------------------------------------------------------------------------------------------
* ``n`` = n_t; ``share`` = n_t / N (0..1).
* ``score_with`` = mean(y | x_t = 1); ``score_without`` = mean(y | x_t = 0).
* ``impact`` (leave-one-theme-out, as Thematic / Kapiche define it) = M − score_without.
  Identity: impact = n_t/(N − n_t)·(score_with − M) = (n_t/N)·(score_with − score_without).
  Impacts of co-occurring themes double-count and do not add up to anything.
* ``reference`` R = mean(y) over comments that mention no theme. If there are none, R = M
  (then the attributions describe deviations from the average comment and sum to 0).
* ``effect`` β_t: ridge-stabilised OLS of y on an intercept and every theme indicator,
  y_i ≈ b0 + Σ_t β_t x_it (ridge λ = 1e-6·N on the β only: negligible unless columns are
  collinear). "How many points a mention moves a customer's row value, holding the other
  themes fixed" (for NPS: points of NPS per mentioning customer).
* ``attribution`` A_t — overlap-aware and exactly additive. Comment i's deviation
  d_i = y_i − R is shared among its themes by the Shapley value of the per-comment game
  v_i(S) = Σ_{t∈S} β_t for S ⊊ T_i and v_i(T_i) = d_i (the model's prediction for partial
  sets of the comment's themes T_i, the observed deviation for all of them). This game is an
  additive game plus a unanimity game, so its Shapley value is
  φ_it = β_t + (d_i − Σ_{s∈T_i} β_s) / m_i: each theme gets its regression effect and what
  the model does not explain is split equally. A_t = (1/N)·Σ_i x_it·φ_it. Because Σ_t φ_it =
  d_i and the deviations of no-theme comments sum to zero, Σ_t A_t = M − R exactly.
  Why this rather than an equal split of d_i (the Shapley value with β = 0): with an equal
  split a neutral theme that co-occurs with a real driver takes half of its blame; the
  regression part gives each theme what it explains holding the others fixed, so
  A_t ≈ share_t·β_t ("net impact" = effect × frequency), while exactness is kept.
  (``attribution_method="equal"`` gives the equal split.)

Per theme × sentiment (``level="theme_sentiment"``, keys like ``delivery_speed:negative``)
------------------------------------------------------------------------------------------
n, share, score_with, score_without and impact as above with x_it replaced by "mentions t
with this sentiment" (impact = M − metric without those comments, Kapiche-style). Attribution
= (1/N)·Σ_i [mentions t with this sentiment]·φ_it, so the sentiment rows of a theme sum
exactly to its attribution. Effect: OLS of y on an intercept and one indicator per
(theme, sentiment) cell — equivalent to main effects plus theme × sentiment interactions;
``theme:negative`` is "how much it hurts when bad", ``theme:positive`` "how much it helps
when good".

Uncertainty
-----------
Nonparametric bootstrap over comments (``n_boot`` resamples of N comments with replacement,
seeded, vectorised as a B × N matrix of multinomial counts; every figure is recomputed per
resample). Intervals: percentiles (1 − confidence)/2 and (1 + confidence)/2 of the
resampled figure. ``p_value``: two-sided normal test of H0: effect = 0 with the bootstrap
standard error, p = 2·(1 − Φ(|β̂| / se)). ``q_value``: Benjamini–Hochberg over the rows of one
level in one slice. ``significant`` = q < 1 − confidence (0.05) and not low support.

Support guard
-------------
``low_support`` = n < ``min_support``, or fewer than ``min_support`` comments without the
theme (no comparison group: a theme in every comment). Then impact, attribution, effect,
their intervals and p/q are NaN ("insufficient evidence", reason in ``note``) while n, share
and score_with are still shown; the hidden attributions are summed in
``attrs["attribution_hidden"]`` so that shown + hidden = M − R still holds. A slice (segment,
period) with fewer than ``min_support`` comments is flagged the same way.

Bridge (:func:`bridge`)
-----------------------
Change from group a (baseline) to group b, Δ = M_b − M_a (metric units). Both groups are
measured with one yardstick: β and R are fitted on a ∪ b together, and every comment's
y_i − R is split into theme shares φ_it as above (a no-theme comment keeps y_i − R in the
category "(no theme)"). For group g and segment k (weight w_gk = N_gk/N_g, metric M_gk) and
each category c (every theme, and "(no theme)"): p_gkc = share of the segment's comments in
c, ā_gkc = mean share of (y − R) that c receives in them, so M_gk = R + Σ_c p_gkc·ā_gkc.
With bars for the average of a and b:

    Δ = Σ_k Δw_k·(M̄_k − M̄)                    [segment_mix, one row per segment]
      + Σ_c Σ_k w̄_k·Δp_kc·ā̄_kc                 [prevalence of c: more or fewer mentions]
      + Σ_c Σ_k w̄_k·p̄_kc·Δā_kc                 [score of c: mentioners score differently]

exactly (two-factor symmetric shift-share; R cancels because it is common). A category
absent from a group in a segment takes the other group's ā (so its change is all
prevalence); a segment absent from a group contributes only to the mix. The common yardstick
matters: with each group's own reference, noise in a small no-theme group would shift every
theme's share at once. Without ``segment_col`` there is one segment and no mix term.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from voc.errors import VocError
from voc.metrics import UNITS, _check_metric, period_labels, row_values

__all__ = [
    "BRIDGE_COMPONENT_COLUMNS",
    "BRIDGE_SUMMARY_COLUMNS",
    "DRIVER_COLUMNS",
    "NO_THEME",
    "SENTIMENTS",
    "bridge",
    "driver_analysis",
    "grouped_driver_analysis",
    "join_outcome",
    "theme_matrix",
]

SENTIMENTS: tuple[str, ...] = ("negative", "positive", "neutral", "mixed")
NO_THEME = "(no theme)"
MISSING_SLICE = "(missing)"
DRIVER_COLUMNS: list[str] = [
    "theme", "theme_name", "level", "sentiment", "key", "n", "share", "score_with",
    "score_without", "impact", "impact_ci_low", "impact_ci_high", "attribution",
    "attribution_ci_low", "attribution_ci_high", "effect", "effect_ci_low", "effect_ci_high",
    "p_value", "q_value", "significant", "low_support", "note", "metric", "unit",
    "metric_value", "reference", "n_total", "n_reference",
]
BRIDGE_SUMMARY_COLUMNS: list[str] = [
    "group_a", "group_b", "metric", "unit", "n_a", "n_b", "metric_a", "metric_b", "diff",
    "diff_ci_low", "diff_ci_high", "p_value", "significant", "reference_a", "reference_b",
]
BRIDGE_COMPONENT_COLUMNS: list[str] = [
    "component", "theme", "theme_name", "segment", "value", "ci_low", "ci_high", "n_a", "n_b",
    "low_support",
]
_VOC_ADDED = ("doc_id", "language", "themes", "theme_sentiment", "sentiment", "sentiment_score")
_RIDGE = 1e-6
_MAX_CELLS_PER_CHUNK = 4_000_000


# ============================================================================ input handling
def _voc_col(frame: pd.DataFrame, name: str) -> str | None:
    """The column voc wrote as ``name`` (``voc_`` prefixes are added on name clashes)."""
    best = None
    candidate = name
    while candidate in frame.columns:
        best = candidate
        candidate = f"voc_{candidate}"
    return best


def _split_entries(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [e.strip() for e in str(value).split(";") if e.strip()]


def theme_matrix(documents: pd.DataFrame, *, sentiment: bool = False) -> pd.DataFrame:
    """Boolean comment × theme matrix from the ``themes`` column.

    Args:
        documents: one row per comment with a ``themes`` column (semicolon-separated theme ids;
            an ``id:label`` suffix is ignored) and, for ``sentiment=True``, a
            ``theme_sentiment`` column (``id:positive|negative|neutral|mixed;...``; when it is
            absent, the ``:label`` suffixes of ``themes`` are used).
        sentiment: False → one column per theme id (in order of first appearance); True → four
            columns per theme, ``"<id>:negative"``, ``":positive"``, ``":neutral"``,
            ``":mixed"``.

    Returns:
        bool DataFrame with the index of ``documents``.

    Raises:
        VocError: no ``themes`` column, or an unknown sentiment label (rows named, 1-based).
    """
    tcol = _voc_col(documents, "themes")
    if tcol is None:
        raise VocError(
            expected="a 'themes' column (semicolon-separated theme ids, as voc analyze writes)",
            found=f"the columns {', '.join(map(str, documents.columns[:20]))}",
            fix="run voc analyze first, or pass result.documents / the voc analyze output",
        )
    per_doc = [[e.split(":", 1)[0].strip() for e in _split_entries(v)]
               for v in documents[tcol].tolist()]
    order: dict[str, None] = {}
    for ids in per_doc:
        for t in ids:
            order.setdefault(t, None)
    themes = list(order)
    if not sentiment:
        pos = {t: j for j, t in enumerate(themes)}
        mat = np.zeros((len(documents), len(themes)), dtype=bool)
        for i, ids in enumerate(per_doc):
            for t in ids:
                mat[i, pos[t]] = True
        return pd.DataFrame(mat, index=documents.index, columns=themes)
    scol = _voc_col(documents, "theme_sentiment")
    source = documents[scol].tolist() if scol is not None else documents[tcol].tolist()
    cols = [f"{t}:{s}" for t in themes for s in SENTIMENTS]
    pos = {c: j for j, c in enumerate(cols)}
    mat = np.zeros((len(documents), len(cols)), dtype=bool)
    bad: list[int] = []
    for i, value in enumerate(source):
        for entry in _split_entries(value):
            if ":" not in entry:
                continue
            t, label = (p.strip() for p in entry.split(":", 1))
            key = f"{t}:{label.lower()}"
            if key in pos:
                mat[i, pos[key]] = True
            elif label.lower() not in SENTIMENTS:
                bad.append(i + 1)
    if bad:
        shown = ", ".join(map(str, bad[:10])) + (f" and {len(bad) - 10} more" if len(bad) > 10
                                                  else "")
        raise VocError(
            expected="theme sentiments 'id:positive|negative|neutral|mixed'",
            found=f"other labels at positions {shown} (1-based, in the input order)",
            fix="use voc analyze output, or correct the theme_sentiment column",
        )
    return pd.DataFrame(mat, index=documents.index, columns=cols)


def join_outcome(documents: pd.DataFrame, odata: pd.DataFrame, *, on: str | tuple[str, str],
                 column: str) -> pd.Series:
    """Join an O-data column (spend, repeat purchases, churn flag) onto the comments.

    Keys are compared as stripped strings (so ``7``, ``7.0`` and ``"7"`` match).

    Args:
        documents: the analysed comments (e.g. ``result.documents`` or voc analyze output).
        odata: one row per customer.
        on: the key column, present in both tables, or ``(documents_col, odata_col)``.
        column: the ``odata`` column to bring over.

    Returns:
        A float/object Series aligned with ``documents`` (same index, same order), NaN where no
        customer matched. ``attrs``: ``n_matched``, ``n_unmatched`` (comments without a
        match), ``unmatched_examples`` (up to 5 keys), ``n_odata_unused`` (O-data rows no
        comment uses). A ``UserWarning`` is issued when some comments do not match.

    Raises:
        VocError: a missing column, duplicate keys in ``odata`` with different values, or no
            comment matching at all.
    """
    left, right = (on, on) if isinstance(on, str) else on
    for frame, col, what in ((documents, left, "documents"), (odata, right, "odata"),
                             (odata, column, "odata")):
        if col not in frame.columns:
            raise VocError(expected=f"a column {col!r} in {what}",
                           found=f"the columns {', '.join(map(str, frame.columns[:20]))}",
                           fix="pass the right column names (on=..., column=...)")
    lkey = _key_strings(documents[left])
    rkey = _key_strings(odata[right])
    table = pd.DataFrame({"k": rkey.to_numpy(), "v": odata[column].to_numpy()})
    table = table[table["k"].notna()]
    dup = table[table["k"].duplicated(keep=False)]
    if not dup.empty:
        conflicting = dup.groupby("k")["v"].nunique(dropna=False)
        conflicting = conflicting[conflicting > 1]
        if not conflicting.empty:
            raise VocError(
                expected=f"one {column!r} value per key in odata[{right!r}]",
                found=f"{len(conflicting):,} keys with different values, e.g. "
                      f"{', '.join(map(repr, conflicting.index[:5]))}",
                fix="aggregate the O-data to one row per customer first",
            )
        table = table.drop_duplicates("k")
    mapping = pd.Series(table["v"].to_numpy(), index=table["k"].to_numpy())
    values = lkey.map(mapping)
    matched = lkey.isin(mapping.index).to_numpy()
    n_matched = int(matched.sum())
    if n_matched == 0:
        raise VocError(
            expected=f"some comments whose {left!r} matches odata[{right!r}]",
            found=f"no match among {len(documents):,} comments (e.g. comment keys "
                  f"{', '.join(map(repr, lkey.dropna().unique()[:3]))}; O-data keys "
                  f"{', '.join(map(repr, mapping.index[:3]))})",
            fix="check that both columns hold the same customer ids",
        )
    out = pd.Series(values.to_numpy(), index=documents.index, name=column)
    unmatched = lkey[~matched]
    out.attrs.update({
        "n_matched": n_matched,
        "n_unmatched": int((~matched).sum()),
        "unmatched_examples": [str(k) for k in unmatched.dropna().unique()[:5]],
        "n_odata_unused": int((~mapping.index.isin(lkey.dropna().unique())).sum()),
    })
    if out.attrs["n_unmatched"]:
        warnings.warn(
            f"{out.attrs['n_unmatched']:,} of {len(documents):,} comments have no O-data "
            f"match on {left!r} (e.g. {out.attrs['unmatched_examples'][:3]}); their outcome "
            "is missing and they are excluded (and counted) in driver analysis",
            UserWarning, stacklevel=2,
        )
    return out


def _key_strings(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s.dtype):
        finite = s.dropna()
        if (finite == np.floor(finite)).all():
            return s.astype("Int64").astype("string").str.strip().reset_index(drop=True)
    st = s.astype("string").str.strip()
    return st.where(st != "").reset_index(drop=True)


@dataclass
class _Prepared:
    docs: pd.DataFrame          # rows used, original order
    y: np.ndarray               # row values of those rows
    names: dict[str, str]
    metric: str
    unit: str
    info: dict[str, Any]


def _prepare(
    data: Any, metric: str, *, score_col: str | None, outcome: pd.Series | None,
    scale: tuple[float, float] | None, top_box: int, higher_is_easier: bool,
    include_empty: bool, theme_names: Mapping[str, str] | None,
) -> _Prepared:
    metric = _check_metric(metric)
    names: dict[str, str] = {}
    default_scale = None
    if hasattr(data, "documents"):
        docs = data.documents
        taxonomy = getattr(data, "taxonomy", None)
        if taxonomy is not None and hasattr(taxonomy, "names"):
            names = dict(taxonomy.names())
        validation = getattr(data, "validation", None)
        sc = getattr(validation, "score_scale", None)
        if sc is not None:
            default_scale = (float(sc.low), float(sc.high))
    elif isinstance(data, pd.DataFrame):
        docs = data
    else:
        raise VocError(expected="an AnalysisResult or a DataFrame like voc analyze output",
                       found=type(data).__name__,
                       fix="pass analyzer.analyze(df) or pd.read_csv('tagged.csv')")
    docs = docs.reset_index(drop=True)
    if theme_names:
        names.update(theme_names)
    if _voc_col(docs, "themes") is None:
        theme_matrix(docs)  # raises the explanatory error
    if outcome is not None:
        if len(outcome) != len(docs):
            raise VocError(expected=f"an outcome with one value per comment ({len(docs):,})",
                           found=f"{len(outcome):,} values",
                           fix="build it with join_outcome(documents, odata, on=..., "
                               "column=...)")
        values = pd.Series(np.asarray(outcome), name=getattr(outcome, "name", "outcome"))
        source = f"outcome {values.name!r}"
    else:
        col = score_col or _infer_score_col(docs)
        if col not in docs.columns:
            raise VocError(expected=f"a score column {col!r}",
                           found=f"the columns {', '.join(map(str, docs.columns[:20]))}",
                           fix="pass score_col='<column>' or outcome=...")
        values = docs[col]
        source = f"column {col!r}"
        if metric in ("csat", "csat_mean", "ces", "ces_easy") and scale is None:
            scale = default_scale if col == "score" else None
    y_all = row_values(metric, values, scale=scale, top_box=top_box,
                       higher_is_easier=higher_is_easier)
    if "has_text" in docs.columns:
        has_text = docs["has_text"].fillna(False).astype(bool).to_numpy()
    elif (scol := _voc_col(docs, "sentiment")) is not None:
        st = docs[scol].astype("string").str.strip().fillna("")
        has_text = (st != "").to_numpy()
    else:
        has_text = np.ones(len(docs), dtype=bool)
    keep_text = np.ones(len(docs), dtype=bool) if include_empty else has_text
    ok = keep_text & ~np.isnan(y_all)
    info: dict[str, Any] = {
        "n_rows": int(len(docs)),
        "n_used": int(ok.sum()),
        "n_no_text": int((~keep_text).sum()),
        "n_missing_outcome": int((keep_text & np.isnan(y_all)).sum()),
        "outcome": source,
    }
    if outcome is not None and getattr(outcome, "attrs", None):
        info["outcome_join"] = dict(outcome.attrs)
    if ok.sum() == 0:
        raise VocError(expected="comments with text and an outcome value",
                       found=f"none among {len(docs):,} rows ({info['n_no_text']:,} without "
                             f"text, {info['n_missing_outcome']:,} without an outcome)",
                       fix="check the score/outcome column")
    return _Prepared(docs.loc[ok].reset_index(drop=True), y_all[ok], names, metric,
                     UNITS[metric], info)


def _infer_score_col(docs: pd.DataFrame) -> str:
    if "score" in docs.columns:
        return "score"
    from voc.schema import infer_mapping

    def base(c: str) -> str:
        while c.startswith("voc_"):
            c = c[4:]
        return c

    candidates = docs[[c for c in docs.columns
                       if isinstance(c, str) and base(c) not in _VOC_ADDED]]
    try:
        col = infer_mapping(candidates).score
    except VocError:
        col = None
    if col is None:
        raise VocError(
            expected="a score column (NPS 0–10, CSAT, CES, ...)",
            found=f"none recognisable among {', '.join(map(str, docs.columns[:20]))}",
            fix="pass score_col='<column>' (or outcome=... for O-data)",
        )
    return col


def _slice_labels(docs: pd.DataFrame, by: str | None, period: str | None,
                  date_col: str | None) -> tuple[pd.Series | None, pd.Series | None]:
    seg = per = None
    if by is not None:
        if by not in docs.columns:
            raise VocError(expected=f"a column {by!r} to slice by",
                           found=f"the columns {', '.join(map(str, docs.columns[:20]))}",
                           fix="pass by='segment' (or another column of the documents)")
        st = docs[by].astype("string").str.strip()
        seg = st.where(st != "").fillna(MISSING_SLICE).astype(object)
    if period is not None:
        dcol = date_col or ("date" if "date" in docs.columns else None)
        if dcol is None:
            from voc.schema import infer_mapping

            try:
                dcol = infer_mapping(docs).date
            except VocError:
                dcol = None
        if dcol is None or dcol not in docs.columns:
            raise VocError(expected="a date column to slice by period",
                           found=f"the columns {', '.join(map(str, docs.columns[:20]))}",
                           fix="pass date_col='<column>'")
        labels = period_labels(docs[dcol], period)
        per = labels.astype("string").fillna(MISSING_SLICE).astype(object)
    return seg, per


# ============================================================================ the engine
def _rowkron(A: sp.csr_matrix, B: sp.csr_matrix) -> sp.csr_matrix:
    """Row-wise Kronecker product: row i is kron(A[i], B[i]) (N × (p·q), sparse)."""
    ra = np.diff(A.indptr)
    rb = np.diff(B.indptr)
    block = np.repeat(rb, ra)  # per entry of A: number of B entries in its row
    total = int(block.sum())
    a_idx = np.repeat(np.arange(A.nnz), block)
    starts = np.repeat(np.repeat(B.indptr[:-1], ra), block)
    offs = np.arange(total) - np.repeat(np.cumsum(block) - block, block)
    b_idx = starts + offs
    data = A.data[a_idx] * B.data[b_idx]
    cols = A.indices[a_idx].astype(np.int64) * B.shape[1] + B.indices[b_idx]
    indptr = np.concatenate([[0], np.cumsum(ra * rb)])
    return sp.csr_matrix((data, cols, indptr), shape=(A.shape[0], A.shape[1] * B.shape[1]))


def _wsum(W: np.ndarray, F: sp.csr_matrix | np.ndarray) -> np.ndarray:
    """Weighted column sums Σ_i W[b, i]·F[i, :] for every replicate b → (B, p)."""
    if sp.issparse(F):
        return np.asarray((F.T @ W.T).T)
    return W @ F


def _csr(mat: np.ndarray) -> sp.csr_matrix:
    out = sp.csr_matrix(mat.astype(np.float64))
    out.sort_indices()
    return out


class _Block:
    """Feature columns F (N × q), column j tied to theme tau[j]: sums needed for LOO impact
    and for the Shapley attribution restricted to F."""

    def __init__(self, F: sp.csr_matrix, tau: np.ndarray, X: sp.csr_matrix, y: np.ndarray,
                 inv_m: np.ndarray) -> None:
        self.q = F.shape[1]
        self.tau = tau
        Fm = sp.csr_matrix(F.multiply(inv_m[:, None]))
        self.dense = sp.csr_matrix(sp.hstack([
            F, F.multiply(y[:, None]), Fm, F.multiply((y * inv_m)[:, None]),
        ]))
        self.cross = _rowkron(Fm, X)

    def run(self, W: np.ndarray, beta: np.ndarray, r: np.ndarray, N: np.ndarray, Sy: np.ndarray,
            K: int, equal: bool) -> dict[str, np.ndarray]:
        q = self.q
        S = _wsum(W, self.dense)
        n, ny, u2, u1 = S[:, :q], S[:, q:2 * q], S[:, 2 * q:3 * q], S[:, 3 * q:]
        H = _wsum(W, self.cross).reshape(W.shape[0], q, K)
        bt = beta[:, self.tau]
        with np.errstate(invalid="ignore", divide="ignore"):
            if equal:
                attr = (u1 - r[:, None] * u2) / N[:, None]
            else:
                attr = (bt * n + u1 - r[:, None] * u2
                        - np.einsum("bqk,bk->bq", H, beta)) / N[:, None]
            score_with = ny / n
            without = (Sy[:, None] - ny) / (N[:, None] - n)
            impact = Sy[:, None] / N[:, None] - without
        return {"n": n, "score_with": score_with, "score_without": without, "impact": impact,
                "attribution": attr}


def _regression(W: np.ndarray, Z: sp.csr_matrix, rhs_feats: sp.csr_matrix, N: np.ndarray,
                p: int) -> np.ndarray:
    """Ridge-stabilised weighted OLS per replicate: (p+1)-vector (intercept first)."""
    G = _wsum(W, Z).reshape(W.shape[0], p + 1, p + 1)
    rhs = _wsum(W, rhs_feats)
    idx = np.arange(1, p + 1)
    G[:, idx, idx] += (_RIDGE * np.maximum(N, 1.0))[:, None]
    return np.linalg.solve(G, rhs[..., None])[..., 0]


class _Engine:
    """All driver figures of one slice for any matrix of bootstrap weights W (B × N)."""

    def __init__(self, y: np.ndarray, X: np.ndarray, cells: np.ndarray | None,
                 cell_theme: np.ndarray | None, seg: np.ndarray | None = None, n_seg: int = 1,
                 equal: bool = False) -> None:
        N, K = X.shape
        self.N, self.K, self.equal = N, K, equal
        self.y = y
        m = X.sum(axis=1)
        inv_m = np.where(m > 0, 1.0 / np.maximum(m, 1), 0.0)
        none = (m == 0).astype(float)
        self.base = np.column_stack([np.ones(N), y, none, none * y])
        Xs = _csr(X)
        X1 = _csr(np.column_stack([np.ones(N), X]))
        self.Z = _rowkron(X1, X1)
        self.rhs = sp.csr_matrix(X1.multiply(y[:, None]))
        self.themes = _Block(Xs, np.arange(K), Xs, y, inv_m)
        self.cells = None
        if cells is not None and cell_theme is not None and cells.shape[1]:
            C = _csr(cells)
            C1 = _csr(np.column_stack([np.ones(N), cells]))
            self.cells = _Block(C, cell_theme, Xs, y, inv_m)
            self.cZ = _rowkron(C1, C1)
            self.crhs = sp.csr_matrix(C1.multiply(y[:, None]))
            self.nc = cells.shape[1]
        self.seg = None
        if seg is not None:
            S = n_seg
            onehot = np.zeros((N, S))
            onehot[np.arange(N), seg] = 1.0
            self.seg_base = sp.csr_matrix(np.column_stack([onehot, onehot * y[:, None],
                                                           onehot * none[:, None],
                                                           onehot * (none * y)[:, None]]))
            F = _rowkron(_csr(onehot), Xs)  # columns (k, t)
            self.seg = _Block(sp.csr_matrix(F), np.tile(np.arange(K), S), Xs, y, inv_m)
            self.n_seg = S

    def run(self, W: np.ndarray) -> dict[str, np.ndarray]:
        K = self.K
        base = W @ self.base
        N, Sy, S0, S0y = base[:, 0], base[:, 1], base[:, 2], base[:, 3]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(S0 > 0, S0y / np.where(S0 > 0, S0, 1.0), Sy / N)
        coef = _regression(W, self.Z, self.rhs, N, K)
        beta = coef[:, 1:]
        out: dict[str, np.ndarray] = {"N": N, "metric": Sy / N, "reference": r, "n0": S0}
        th = self.themes.run(W, beta, r, N, Sy, K, self.equal)
        out.update({f"t_{k}": v for k, v in th.items()})
        out["t_effect"] = beta
        if self.cells is not None:
            ce = self.cells.run(W, beta, r, N, Sy, K, self.equal)
            out.update({f"c_{k}": v for k, v in ce.items()})
            out["c_effect"] = _regression(W, self.cZ, self.crhs, N, self.nc)[:, 1:]
        if self.seg is not None:
            S = self.n_seg
            sb = _wsum(W, self.seg_base)
            out["s_N"], out["s_Sy"] = sb[:, :S], sb[:, S:2 * S]
            out["s_S0"], out["s_S0y"] = sb[:, 2 * S:3 * S], sb[:, 3 * S:]
            out["s_E"] = sb[:, 3 * S:] - r[:, None] * sb[:, 2 * S:3 * S]
            sg = self.seg.run(W, beta, r, N, Sy, K, self.equal)
            out["s_n"] = sg["n"].reshape(W.shape[0], S, K)
            # sums over the segment's comments, not means
            out["s_A"] = (sg["attribution"] * N[:, None]).reshape(W.shape[0], S, K)
        return out


def _resample_counts(b: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """(b, n) multinomial counts: how often each of n rows is drawn in b resamples of n."""
    idx = rng.integers(0, n, size=(b, n))
    flat = (idx + (np.arange(b) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def _bootstrap(engine: _Engine, n_boot: int, rng: np.random.Generator,
               strata: list[int] | None = None, counts: np.ndarray | None = None
               ) -> dict[str, np.ndarray] | None:
    """Run ``engine`` on ``n_boot`` resamples (stratified: each consecutive block of rows of
    the sizes in ``strata`` is resampled on its own), in chunks of bounded memory.

    ``counts`` (one per engine row): the rows are groups of identical comments of these
    sizes; a resample of the comments is then a multinomial draw over the groups, which has
    exactly the distribution of the row bootstrap."""
    if n_boot <= 0:
        return None
    N = engine.N
    strata = strata or [N]
    chunk = max(1, min(n_boot, _MAX_CELLS_PER_CHUNK // max(N, 1)))
    parts: list[dict[str, np.ndarray]] = []
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        if counts is not None:
            total = int(counts.sum())
            W = rng.multinomial(total, counts / total, size=b).astype(np.float64)
        else:
            W = np.hstack([_resample_counts(b, n, rng) for n in strata])
        parts.append(engine.run(W))
        done += b
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _interval(boot: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    a = (1.0 - confidence) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(boot, [100 * a, 100 * (1 - a)], axis=0)
    return lo, hi


def _pvalues(est: np.ndarray, boot: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(boot, axis=0, ddof=1)
        z = np.abs(est) / se
    p = 2.0 * stats.norm.sf(z)
    return np.where(np.isfinite(z), p, np.nan)


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values (NaN entries ignored and kept NaN)."""
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if ok.size == 0:
        return q
    m = ok.size
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


# ============================================================================ driver analysis
def _seed(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), *keys])


def _cells_for(themes: list[str], smat: pd.DataFrame | None, X: np.ndarray
               ) -> tuple[np.ndarray | None, np.ndarray | None, list[tuple[str, str]]]:
    if smat is None:
        return None, None, []
    pos = {t: j for j, t in enumerate(themes)}
    cols, tau, keys = [], [], []
    for t in themes:
        for s in SENTIMENTS:
            c = f"{t}:{s}"
            if c in smat.columns:
                v = smat[c].to_numpy() & X[:, pos[t]]
                if v.any():
                    cols.append(v)
                    tau.append(pos[t])
                    keys.append((t, s))
    if not cols:
        return None, None, []
    return np.column_stack(cols), np.array(tau), keys


def _analyse_slice(y: np.ndarray, X: np.ndarray, themes: list[str],
                   smat: pd.DataFrame | None, *, metric: str, unit: str, names: Mapping[str, str],
                   min_support: int, n_boot: int, confidence: float,
                   rng: np.random.Generator, equal: bool, counts: np.ndarray | None = None
                   ) -> tuple[pd.DataFrame, dict[str, Any]]:
    present = X.any(axis=0)
    themes = [t for t, ok in zip(themes, present, strict=True) if ok]
    X = X[:, present]
    cells, tau, keys = _cells_for(themes, smat, X)
    N = len(y) if counts is None else int(round(float(counts.sum())))
    engine = _Engine(y, X, cells, tau, equal=equal)
    point = engine.run(np.ones((1, len(y))) if counts is None
                       else np.asarray(counts, dtype=np.float64)[None, :])
    small_slice = min_support > N
    boot = None if small_slice else _bootstrap(engine, n_boot, rng, counts=counts)
    metric_all = float(point["metric"][0])
    reference = float(point["reference"][0])
    n0 = int(round(point["n0"][0]))
    frames = []
    hidden = 0.0
    for prefix, level, labels in (("t", "theme", [(t, None) for t in themes]),
                                  ("c", "theme_sentiment", keys)):
        if not labels:
            continue
        n = point[f"{prefix}_n"][0]
        rows: dict[str, Any] = {
            "theme": [t for t, _ in labels],
            "theme_name": [names.get(t, t) for t, _ in labels],
            "level": level,
            "sentiment": [s for _, s in labels],
            "key": [t if s is None else f"{t}:{s}" for t, s in labels],
            "n": n.round().astype(np.int64),
            "share": n / N,
            "score_with": point[f"{prefix}_score_with"][0],
            "score_without": point[f"{prefix}_score_without"][0],
        }
        low = (n < min_support) | ((N - n) < min_support) | small_slice
        for stat in ("impact", "attribution", "effect"):
            est = point[f"{prefix}_{stat}"][0].astype(float).copy()
            if boot is not None:
                lo, hi = _interval(boot[f"{prefix}_{stat}"], confidence)
            else:
                lo = hi = np.full(est.shape, np.nan)
            if stat == "attribution" and level == "theme":
                hidden += float(np.nansum(est[low]))
            if stat in ("impact", "effect"):
                est = np.where(N - n > 0, est, np.nan)
            rows[stat] = np.where(low, np.nan, est)
            rows[f"{stat}_ci_low"] = np.where(low, np.nan, lo)
            rows[f"{stat}_ci_high"] = np.where(low, np.nan, hi)
        p = (_pvalues(rows["effect"], boot[f"{prefix}_effect"])
             if boot is not None else np.full(len(labels), np.nan))
        p = np.where(low, np.nan, p)
        q = _bh(p)
        rows["p_value"] = p
        rows["q_value"] = q
        rows["significant"] = (q < 1.0 - confidence) & ~low
        rows["low_support"] = low
        rows["note"] = [_note(int(round(a)), N, min_support, small_slice) for a in n]
        frame = pd.DataFrame(rows)
        frame = frame.sort_values("attribution", kind="stable", na_position="last")
        frames.append(frame)
    out = (pd.concat(frames, ignore_index=True) if frames
           else pd.DataFrame(columns=DRIVER_COLUMNS[:DRIVER_COLUMNS.index("metric")]))
    out["metric"] = metric
    out["unit"] = unit
    out["metric_value"] = metric_all
    out["reference"] = reference
    out["n_total"] = N
    out["n_reference"] = n0
    if n0 == 0:
        basis = "no comment without a theme: reference = the overall metric"
    elif n0 < min_support:
        basis = f"only {n0} comments without a theme (fewer than min_support={min_support})"
    else:
        basis = f"{n0} comments that mention no theme"
    meta = {"n_total": N, "metric_value": metric_all, "reference": reference,
            "n_reference": n0, "reference_basis": basis, "attribution_hidden": hidden}
    return out, meta


def _note(n: int, N: int, min_support: int, small_slice: bool) -> str:
    if small_slice:
        return f"this slice has only {N} comments (fewer than min_support={min_support})"
    if n < min_support:
        return (f"only {n} comments mention it (fewer than min_support={min_support}): "
                "insufficient evidence")
    if n == N:
        return "in every comment: no comparison group"
    if N - n < min_support:
        return (f"in all but {N - n} comments (fewer than min_support={min_support}): "
                "no reliable comparison group")
    return ""


def driver_analysis(
    result_or_frame: Any,
    metric: str = "nps",
    *,
    score_col: str | None = None,
    outcome: pd.Series | None = None,
    by: str | None = None,
    period: str | None = None,
    date_col: str | None = None,
    min_support: int = 30,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    with_sentiment: bool = True,
    scale: tuple[float, float] | None = None,
    top_box: int = 2,
    higher_is_easier: bool = True,
    include_empty: bool = False,
    attribution_method: str = "regression",
    theme_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Which themes move the metric, by how much, and how sure we are (one tidy table).

    Args:
        result_or_frame: an :class:`~voc.pipeline.AnalysisResult` or a DataFrame shaped like
            ``voc analyze`` output (``themes``, ``theme_sentiment``, ``sentiment`` and a score
            column).
        metric: one of :data:`voc.metrics.METRICS` (``nps``, ``csat``, ``csat_mean``, ``ces``,
            ``ces_easy``, ``loyalty``, ``churn``, ``mean``).
        score_col: the outcome column of a DataFrame (default: ``score``, else inferred with
            :func:`voc.schema.infer_mapping`).
        outcome: one value per comment (same order), e.g. from :func:`join_outcome`; wins over
            the score column.
        by: a column to slice by (e.g. ``"segment"``, ``"channel"``); its value goes to the
            ``segment`` column of the output.
        period: ``day|week|month|quarter|year`` to slice by period (``period`` column).
        date_col: the date column (default ``date``, else inferred).
        min_support: fewer comments than this with (or without) a theme → "insufficient
            evidence" (NaN figures, ``low_support``).
        n_boot: bootstrap resamples (0 = no intervals or p-values).
        confidence: interval level (0..1); significance level = 1 − confidence.
        seed: bootstrap seed (slice j uses the stream ``[seed, j]``).
        with_sentiment: add ``theme_sentiment`` rows.
        scale, top_box, higher_is_easier: passed to :func:`voc.metrics.row_values`.
        include_empty: also use comments without text (as "no theme" comments).
        attribution_method: ``"regression"`` (Shapley with the regression effects, default)
            or ``"equal"`` (each comment's deviation split equally among its themes).
        theme_names: id → display name (default: the result's taxonomy, else the id).

    Returns:
        One row per theme (``level="theme"``) then per theme × sentiment, per slice, sorted by
        attribution (most negative first) within each level; columns :data:`DRIVER_COLUMNS`
        (plus ``segment`` / ``period`` first when slicing). Units: the metric's (NPS points,
        shares 0..1, scale scores); ``share`` 0..1. ``attrs``: ``metric``, ``unit``,
        counts (``n_rows``, ``n_used``, ``n_no_text``, ``n_missing_outcome``), settings, and
        ``slices`` (per slice: metric_value, reference, reference_basis, attribution_hidden).

    Raises:
        VocError: unknown metric, missing columns, no usable rows; ValidationError: outcome
            values outside the scale (positions named).
    """
    if attribution_method not in ("regression", "equal"):
        raise VocError(expected="attribution_method 'regression' or 'equal'",
                       found=repr(attribution_method), fix="use the default 'regression'")
    prep = _prepare(result_or_frame, metric, score_col=score_col, outcome=outcome, scale=scale,
                    top_box=top_box, higher_is_easier=higher_is_easier,
                    include_empty=include_empty, theme_names=theme_names)
    tm = theme_matrix(prep.docs)
    smat = theme_matrix(prep.docs, sentiment=True) if with_sentiment else None
    themes = list(tm.columns)
    X_all = tm.to_numpy(dtype=bool)
    seg, per = _slice_labels(prep.docs, by, period, date_col)
    keys = pd.DataFrame({"segment": seg if seg is not None else "",
                         "period": per if per is not None else ""}, index=prep.docs.index)
    groups = keys.groupby(["segment", "period"], sort=True).indices
    blocks, metas = [], []
    for j, ((s_label, p_label), idx) in enumerate(sorted(groups.items())):
        idx = np.asarray(idx)
        block, meta = _analyse_slice(
            prep.y[idx], X_all[idx], themes,
            None if smat is None else smat.iloc[idx].reset_index(drop=True),
            metric=prep.metric, unit=prep.unit, names=prep.names, min_support=min_support,
            n_boot=n_boot, confidence=confidence, rng=_seed(seed, j),
            equal=attribution_method == "equal")
        if by is not None:
            block.insert(0, "segment", s_label)
            meta["segment"] = s_label
        if period is not None:
            block.insert(1 if by is not None else 0, "period", p_label)
            meta["period"] = p_label
        blocks.append(block)
        metas.append(meta)
    out = pd.concat(blocks, ignore_index=True)
    lead = [c for c in ("segment", "period") if c in out.columns]
    out = out[lead + DRIVER_COLUMNS]
    out.attrs.update(prep.info)
    out.attrs.update({
        "metric": prep.metric, "unit": prep.unit, "n_boot": n_boot, "confidence": confidence,
        "min_support": min_support, "seed": seed, "by": by, "period": period,
        "attribution_method": attribution_method, "slices": metas,
        "attribution_hidden": [m["attribution_hidden"] for m in metas],
    })
    return out


def grouped_driver_analysis(
    y: np.ndarray,
    X: np.ndarray,
    themes: list[str],
    counts: np.ndarray,
    *,
    metric: str = "nps",
    sentiment_matrix: pd.DataFrame | None = None,
    theme_names: Mapping[str, str] | None = None,
    min_support: int = 30,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`driver_analysis` of comments given as groups of identical comments (fast path).

    Comments with the same row value and the same themes (and theme sentiments) contribute
    identically to every driver figure, so a table of G distinct groups with their sizes gives
    exactly the point estimates of the N comments, and a multinomial draw over the groups
    resamples the comments exactly as the row bootstrap does (other random draws than
    :func:`driver_analysis` for the same seed, same distribution). With a few thousand groups
    for 100,000 comments this is what lets a dashboard re-run the drivers on every filter.

    Args:
        y: row value of each group (:func:`voc.metrics.row_values` of the metric; no NaN).
        X: bool (G × K): the themes each group mentions, columns in the order of ``themes``.
        themes: the K theme ids.
        counts: comments per group (positive integers).
        metric: the metric ``y`` was computed for (sets ``metric`` and ``unit``).
        sentiment_matrix: optional bool DataFrame (G rows) with ``"<theme>:<sentiment>"``
            columns as :func:`theme_matrix` ``(sentiment=True)`` returns, for the
            ``theme_sentiment`` rows.
        theme_names, min_support, n_boot, confidence, seed: as for :func:`driver_analysis`.

    Returns:
        The table :func:`driver_analysis` returns for one slice (columns
        :data:`DRIVER_COLUMNS`, same ``attrs`` keys).

    Raises:
        VocError: unknown metric, mismatched shapes, no comments.
    """
    metric = _check_metric(metric)
    y = np.asarray(y, dtype=np.float64)
    X = np.asarray(X, dtype=bool)
    counts = np.asarray(counts, dtype=np.float64)
    if X.ndim != 2 or X.shape != (len(y), len(themes)) or counts.shape != y.shape:
        raise VocError(expected="y and counts of length G and X of shape (G, len(themes))",
                       found=f"y {y.shape}, counts {counts.shape}, X {X.shape}, "
                             f"{len(themes)} themes",
                       fix="build one row per group of identical comments")
    keep = counts > 0
    if not keep.any() or np.isnan(y[keep]).any():
        raise VocError(expected="at least one group of comments with a row value",
                       found="no comments" if not keep.any() else "missing row values",
                       fix="drop the comments without a score before grouping")
    smat = None
    if sentiment_matrix is not None:
        smat = sentiment_matrix.loc[keep].reset_index(drop=True)
    block, meta = _analyse_slice(
        y[keep], X[keep], list(themes), smat, metric=metric, unit=UNITS[metric],
        names=dict(theme_names or {}), min_support=min_support, n_boot=n_boot,
        confidence=confidence, rng=_seed(seed, 0), equal=False, counts=counts[keep])
    out = block[DRIVER_COLUMNS].reset_index(drop=True)
    n_total = int(meta["n_total"])
    out.attrs.update({
        "n_rows": n_total, "n_used": n_total, "n_no_text": 0, "n_missing_outcome": 0,
        "metric": metric, "unit": UNITS[metric], "n_boot": n_boot, "confidence": confidence,
        "min_support": min_support, "seed": seed, "by": None, "period": None,
        "attribution_method": "regression", "slices": [meta],
        "attribution_hidden": [meta["attribution_hidden"]],
    })
    return out


# ============================================================================ bridge
def bridge(
    result_or_frame: Any,
    *,
    metric: str = "nps",
    compare: tuple[str, Any, Any] | None = None,
    period_split: tuple[str, str] | None = None,
    period: str = "month",
    date_col: str | None = None,
    segment_col: str | None = None,
    score_col: str | None = None,
    outcome: pd.Series | None = None,
    scale: tuple[float, float] | None = None,
    top_box: int = 2,
    higher_is_easier: bool = True,
    min_support: int = 30,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    include_empty: bool = False,
    theme_names: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Explain the change in a metric between two groups or two periods.

    Args:
        compare: ``(column, value_a, value_b)``: group a (the baseline) = rows whose
            ``column`` equals ``value_a`` (compared as strings), group b likewise.
        period_split: ``(label_a, label_b)``: two periods at ``period`` granularity, e.g.
            ``("2026-04", "2026-05")`` for months, ``("2026Q1", "2026Q2")`` for quarters.
        segment_col: split the change further into segment mix (e.g. ``"segment"``).
        Other arguments: as :func:`driver_analysis`.

    Returns:
        ``(summary, components)``. ``summary`` (one row, :data:`BRIDGE_SUMMARY_COLUMNS`):
        metric_a, metric_b, diff = metric_b − metric_a with its percentile bootstrap interval
        (groups resampled independently), p_value (two-sided normal test with the bootstrap
        standard error), significant (p < 1 − confidence), reference_a/b (each group's mean
        row value among comments without a theme, for information). ``components``
        (:data:`BRIDGE_COMPONENT_COLUMNS`): ``prevalence`` and ``score`` rows per theme (most
        negative total first) and for ``"(no theme)"`` (the comments without a theme), then
        ``segment_mix`` per segment when ``segment_col`` is given; ``value`` (metric units)
        sums to ``diff`` exactly (see the module docstring), ``ci_low``/``ci_high`` are
        percentile bootstrap intervals, ``n_a``/``n_b`` the comments in the category (or
        segment) per group. Components are shown even when a category has fewer than
        ``min_support`` comments in a group (the sum must close); such rows have
        ``low_support=True``.
    """
    if (compare is None) == (period_split is None):
        raise VocError(expected="exactly one of compare=(column, a, b) or period_split=(a, b)",
                       found="both" if compare is not None else "neither",
                       fix="e.g. compare=('channel', 'web', 'app') or "
                           "period_split=('2026-04', '2026-05')")
    prep = _prepare(result_or_frame, metric, score_col=score_col, outcome=outcome, scale=scale,
                    top_box=top_box, higher_is_easier=higher_is_easier,
                    include_empty=include_empty, theme_names=theme_names)
    docs = prep.docs
    if compare is not None:
        col, va, vb = compare
        if col not in docs.columns:
            raise VocError(expected=f"a column {col!r} to compare by",
                           found=f"the columns {', '.join(map(str, docs.columns[:20]))}",
                           fix="pass compare=(column, value_a, value_b)")
        labels = docs[col].astype("string").str.strip()
        la, lb = str(va).strip(), str(vb).strip()
    else:
        _, per = _slice_labels(docs, None, period, date_col)
        assert per is not None
        labels = per.astype("string")
        la, lb = (str(v).strip() for v in period_split)  # type: ignore[union-attr]
    groups = []
    for label in (la, lb):
        mask = (labels == label).fillna(False).to_numpy()
        if not mask.any():
            seen = ", ".join(map(repr, labels.dropna().unique()[:10]))
            raise VocError(expected=f"rows in group {label!r}", found=f"none (values: {seen})",
                           fix="pick two values that occur in the data")
        groups.append(np.flatnonzero(mask))
    tm = theme_matrix(docs)
    X_all = tm.to_numpy(dtype=bool)
    keep = X_all[np.concatenate(groups)].any(axis=0)
    themes = [t for t, k in zip(tm.columns, keep, strict=True) if k]
    X_all = X_all[:, keep]
    if segment_col is not None:
        seg_labels, _ = _slice_labels(docs, segment_col, None, None)
        assert seg_labels is not None
        segs = sorted(pd.unique(seg_labels.iloc[np.concatenate(groups)]))
        seg_code = pd.Categorical(seg_labels, categories=segs).codes.astype(np.int64)
    else:
        segs = ["(all)"]
        seg_code = np.zeros(len(docs), dtype=np.int64)
    S = len(segs)
    rows_ab = np.concatenate(groups)
    sizes = [len(g) for g in groups]
    code = np.concatenate([seg_code[groups[0]], S + seg_code[groups[1]]])
    # one engine on a ∪ b: β and the reference are fitted on both groups (a common yardstick);
    # segment-level sums are kept per (group, segment) = code
    engine = _Engine(prep.y[rows_ab], X_all[rows_ab], None, None, seg=code, n_seg=2 * S)
    point = engine.run(np.ones((1, len(rows_ab))))
    boot = _bootstrap(engine, n_boot, _seed(seed, 10_000), strata=sizes)
    comp_point = _bridge_parts(point, S)
    comp_boot = _bridge_parts(boot, S) if boot is not None else None
    diff = float(comp_point["diff"][0])
    if comp_boot is not None:
        lo, hi = _interval(comp_boot["diff"][:, None], confidence)
        lo, hi = float(lo[0]), float(hi[0])
        p = float(_pvalues(np.array([diff]), comp_boot["diff"][:, None])[0])
    else:
        lo = hi = p = math.nan
    s0 = point["s_S0"][0].reshape(2, S).sum(axis=1)
    s0y = point["s_S0y"][0].reshape(2, S).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        refs = np.where(s0 > 0, s0y / np.where(s0 > 0, s0, 1.0), np.nan)
    summary = pd.DataFrame([{
        "group_a": la, "group_b": lb, "metric": prep.metric, "unit": prep.unit,
        "n_a": sizes[0], "n_b": sizes[1], "metric_a": float(comp_point["metric_a"][0]),
        "metric_b": float(comp_point["metric_b"][0]), "diff": diff, "diff_ci_low": lo,
        "diff_ci_high": hi, "p_value": p,
        "significant": bool(p < 1.0 - confidence) if not math.isnan(p) else False,
        "reference_a": float(refs[0]), "reference_b": float(refs[1]),
    }], columns=BRIDGE_SUMMARY_COLUMNS)
    rows = []

    def ci(key: str, j: int) -> tuple[float, float]:
        if comp_boot is None:
            return (math.nan, math.nan)
        a, b = _interval(comp_boot[key][:, j : j + 1], confidence)
        return (float(a[0]), float(b[0]))

    counts = np.concatenate([point["s_n"][0], point["s_S0"][0][:, None]], axis=1)  # (2S, K+1)
    n_ab = counts.reshape(2, S, -1).sum(axis=1)
    labels_c = [*themes, NO_THEME]
    total = comp_point["prevalence"][0] + comp_point["score"][0]
    order = [j for j in np.argsort(total[:-1], kind="stable")] + [len(themes)]
    for j in order:
        t = labels_c[j]
        for kind in ("prevalence", "score"):
            rows.append({"component": kind, "theme": t, "theme_name": prep.names.get(t, t),
                         "segment": None, "value": float(comp_point[kind][0, j]),
                         "ci": ci(kind, j), "n_a": int(round(n_ab[0, j])),
                         "n_b": int(round(n_ab[1, j]))})
    if segment_col is not None:
        seg_n = point["s_N"][0].reshape(2, S)
        for k, name in enumerate(segs):
            rows.append({"component": "segment_mix", "theme": None, "theme_name": None,
                         "segment": name, "value": float(comp_point["mix"][0, k]),
                         "ci": ci("mix", k), "n_a": int(round(seg_n[0, k])),
                         "n_b": int(round(seg_n[1, k]))})
    comp = pd.DataFrame(rows)
    comp["ci_low"] = [c[0] for c in comp["ci"]]
    comp["ci_high"] = [c[1] for c in comp["ci"]]
    comp["low_support"] = (comp["n_a"] < min_support) | (comp["n_b"] < min_support)
    comp = comp[BRIDGE_COMPONENT_COLUMNS]
    summary.attrs.update(prep.info)
    comp.attrs.update({"metric": prep.metric, "unit": prep.unit, "n_boot": n_boot,
                       "confidence": confidence, "seed": seed, "segment_col": segment_col})
    return summary, comp


def _bridge_parts(out: dict[str, np.ndarray], S: int) -> dict[str, np.ndarray]:
    """Exact decomposition of M_b − M_a per replicate (see the module docstring).

    ``out`` holds per-(group, segment) sums from the pooled engine: columns 0..S−1 are
    group a's segments, S..2S−1 group b's.
    """
    N = out["s_N"]
    Na, Nb = N[:, :S], N[:, S:]                                     # (B, S)
    Ma = out["s_Sy"][:, :S].sum(axis=1) / Na.sum(axis=1)
    Mb = out["s_Sy"][:, S:].sum(axis=1) / Nb.sum(axis=1)
    wa, wb = Na / Na.sum(axis=1, keepdims=True), Nb / Nb.sum(axis=1, keepdims=True)
    safe_a, safe_b = np.where(Na > 0, Na, 1.0), np.where(Nb > 0, Nb, 1.0)
    Mka, Mkb = out["s_Sy"][:, :S] / safe_a, out["s_Sy"][:, S:] / safe_b
    Mka = np.where(Na > 0, Mka, Mkb)
    Mkb = np.where(Nb > 0, Mkb, Mka)
    mix = (wb - wa) * ((Mka + Mkb) / 2.0 - ((Ma + Mb) / 2.0)[:, None])
    wbar = np.where((Na > 0) & (Nb > 0), (wa + wb) / 2.0, 0.0)
    # categories: the themes, then "no theme"; value = Σ over the category's comments of
    # their share of (y − R) (Shapley shares φ for themes, y − R for no-theme comments)
    cnt = np.concatenate([out["s_n"], out["s_S0"][..., None]], axis=2)   # (B, 2S, K+1)
    val = np.concatenate([out["s_A"], out["s_E"][..., None]], axis=2)
    ca, cb = cnt[:, :S], cnt[:, S:]
    pa, pb = ca / safe_a[..., None], cb / safe_b[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        aa = np.where(ca > 0, val[:, :S] / np.where(ca > 0, ca, 1.0), np.nan)
        ab = np.where(cb > 0, val[:, S:] / np.where(cb > 0, cb, 1.0), np.nan)
    aa = np.where(ca > 0, aa, np.where(cb > 0, ab, 0.0))
    ab = np.where(cb > 0, ab, aa)
    w3 = wbar[..., None]
    prevalence = (w3 * (pb - pa) * (aa + ab) / 2.0).sum(axis=1)
    score = (w3 * (pa + pb) / 2.0 * (ab - aa)).sum(axis=1)
    return {"diff": Mb - Ma, "metric_a": Ma, "metric_b": Mb, "mix": mix,
            "prevalence": prevalence, "score": score}
