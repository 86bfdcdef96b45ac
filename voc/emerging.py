"""Emerging themes: which themes and discovered clusters are rising in a recent period.

:func:`emerging_themes` splits the comments by date into a **recent** period (e.g. the last
30 days up to the latest date in the data) and a **baseline** (every earlier comment, or a
window before the recent period), and compares, for every taxonomy theme and every discovered
cluster (:func:`voc.discovery.discover`), the share of comments that mention it.

Statistics, per theme or cluster (n_r, n_b = comments with text and a date in the recent and
baseline periods; x_r, x_b = those of them mentioning it; p_r = x_r / n_r, p_b = x_b / n_b):

* ``rise_points`` = 100 · (p_r − p_b), in percentage points;
* ``rise_ci_low``, ``rise_ci_high``: 95% Newcombe (hybrid Wilson score) interval of the rise;
* ``z`` = (p_r − p_b) / √(p̄(1 − p̄)(1/n_r + 1/n_b)) with the pooled share
  p̄ = (x_r + x_b) / (n_r + n_b); ``p_value`` = P(Z ≥ z), one-sided (a rise);
* ``q_value``: Benjamini–Hochberg over all rows (themes and clusters together), so that at
  most a share ``alpha`` of the flagged rows are expected to be false discoveries;
* ``emerging`` = q ≤ ``alpha`` and x_r ≥ ``min_support`` (rows below the support are marked
  ``low_support`` and never flagged);
* ``new_keywords``: what is new in the item, c-TF-IDF keywords of its recent texts against its
  baseline texts (see :func:`voc.discovery.class_tfidf_keywords`), per main language.

Quotes come from the recent period: the sentences (for themes: the clauses that carry the
theme) that are most typical of the recent mentions and least typical of the baseline ones
(cosine to the recent centroid minus cosine to the baseline centroid), so they show what is
new rather than what was always said.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from voc.errors import VocError

if TYPE_CHECKING:  # pragma: no cover
    from voc.discovery import Discovery
    from voc.pipeline import AnalysisResult, Analyzer

__all__ = [
    "EMERGING_COLUMNS",
    "emerging_themes",
    "period_masks",
    "two_proportion_test",
]

MIN_PERIOD_COMMENTS = 10
#: Columns of the table :func:`emerging_themes` returns, in order.
EMERGING_COLUMNS = [
    "kind", "key", "name", "n_recent", "n_baseline", "share_recent", "share_baseline",
    "rise_points", "rise_ci_low", "rise_ci_high", "ratio", "z", "p_value", "q_value",
    "emerging", "low_support", "new_keywords", "quotes", "quote_doc_ids",
]
_SPAN_RE = re.compile(r"^\s*(\d+)\s*(d|day|days|w|wk|week|weeks|m|mo|month|months|y|yr|year|"
                      r"years)\s*$", re.IGNORECASE)


def _offset(spec: str, option: str) -> pd.DateOffset | pd.Timedelta | None:
    match = _SPAN_RE.match(spec)
    if not match:
        return None
    n, unit = int(match.group(1)), match.group(2).lower()[0]
    if n <= 0:
        raise VocError(expected=f"a positive period for {option}", found=repr(spec),
                       fix=f"write e.g. {option} 30d, 4w, 3m or an ISO date 2026-10-01")
    if unit == "d":
        return pd.Timedelta(days=n)
    if unit == "w":
        return pd.Timedelta(weeks=n)
    if unit == "m":
        return pd.DateOffset(months=n)
    return pd.DateOffset(years=n)


def period_masks(dates: pd.Series, recent: str = "30d", baseline: str | None = None
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Boolean masks (recent, baseline) over ``dates`` and the period bounds.

    Args:
        dates: datetime64 values (NaT = no date: in neither period).
        recent: ``"30d"``, ``"4w"``, ``"3m"``, ``"1y"`` — the last span up to the latest date,
            i.e. dates in (max − span, max] — or an ISO date: dates on or after it.
        baseline: None = every date before the recent period; a span (``"90d"``) = that
            span immediately before the recent period; an ISO date = from that date on.

    Raises:
        VocError: a spec that is neither a span nor a date, or no dates at all.
    """
    d = pd.to_datetime(pd.Series(dates).reset_index(drop=True), errors="coerce")
    if d.notna().sum() == 0:
        raise VocError(expected="at least one parseable date", found="no dates",
                       fix="check the date column (--date-col) and its format")
    latest = d.max()
    span = _offset(str(recent), "--recent")
    if span is not None:
        start_excl = latest - span
        recent_mask = (d > start_excl).to_numpy()
    else:
        try:
            start = pd.Timestamp(str(recent))
        except (ValueError, TypeError) as exc:
            raise VocError(expected="--recent as a span (30d, 4w, 3m, 1y) or an ISO date",
                           found=repr(recent), fix="write e.g. --recent 30d or "
                           "--recent 2026-10-01") from exc
        recent_mask = (d >= start).to_numpy()
        start_excl = start - pd.Timedelta(microseconds=1)
    before = (d <= start_excl).to_numpy() & d.notna().to_numpy()
    if baseline is None:
        base_mask = before
    else:
        bspan = _offset(str(baseline), "--baseline")
        if bspan is not None:
            base_mask = before & (d > start_excl - bspan).to_numpy()
        else:
            try:
                bstart = pd.Timestamp(str(baseline))
            except (ValueError, TypeError) as exc:
                raise VocError(expected="--baseline as a span (90d, 12w, 6m) or an ISO date",
                               found=repr(baseline), fix="write e.g. --baseline 90d") from exc
            base_mask = before & (d >= bstart).to_numpy()
    recent_mask = recent_mask & d.notna().to_numpy()

    def bounds(mask: np.ndarray) -> tuple[str, str]:
        if not mask.any():
            return "", ""
        return (d[mask].min().date().isoformat(), d[mask].max().date().isoformat())

    r0, r1 = bounds(recent_mask)
    b0, b1 = bounds(base_mask)
    return recent_mask, base_mask, {"recent_start": r0, "recent_end": r1,
                                    "baseline_start": b0, "baseline_end": b1}


def two_proportion_test(x_r: np.ndarray, n_r: float, x_b: np.ndarray, n_b: float,
                        confidence: float = 0.95) -> dict[str, np.ndarray]:
    """Pooled two-proportion z-test of a rise, with a Newcombe interval of the difference.

    Args:
        x_r, x_b: counts mentioning the item in the recent and baseline periods.
        n_r, n_b: comments in each period (> 0).
        confidence: of the interval.

    Returns:
        ``share_recent``, ``share_baseline`` (0..1), ``diff`` (p_r − p_b), ``ci_low``,
        ``ci_high`` (of the difference), ``z``, ``p_value`` (one-sided, P(Z ≥ z); z = 0 and
        p = 0.5 when both shares are 0 or both are 1), ``ratio`` (p_r / p_b; inf when
        p_b = 0 < p_r).
    """
    from voc.metrics import wilson_interval

    x_r = np.asarray(x_r, dtype=np.float64)
    x_b = np.asarray(x_b, dtype=np.float64)
    p_r, p_b = x_r / n_r, x_b / n_b
    pooled = (x_r + x_b) / (n_r + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_r + 1 / n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p_r - p_b) / np.where(se > 0, se, 1.0), 0.0)
        ratio = np.where(p_b > 0, p_r / np.where(p_b > 0, p_b, 1.0),
                         np.where(p_r > 0, np.inf, np.nan))
    p = np.where(se > 0, stats.norm.sf(z), 0.5)
    lo, hi = np.empty_like(p_r), np.empty_like(p_r)
    for i in range(len(p_r)):
        l1, u1 = wilson_interval(float(x_r[i]), float(n_r), confidence)
        l2, u2 = wilson_interval(float(x_b[i]), float(n_b), confidence)
        d = p_r[i] - p_b[i]
        lo[i] = max(-1.0, d - math.sqrt((p_r[i] - l1) ** 2 + (u2 - p_b[i]) ** 2))
        hi[i] = min(1.0, d + math.sqrt((u1 - p_r[i]) ** 2 + (p_b[i] - l2) ** 2))
    return {"share_recent": p_r, "share_baseline": p_b, "diff": p_r - p_b, "ci_low": lo,
            "ci_high": hi, "z": z, "p_value": p, "ratio": ratio}


def _novel_quotes(texts: Sequence[str], doc_ids: Sequence[str], languages: Sequence[str],
                  V_recent: np.ndarray, V_base: np.ndarray | None, n_quotes: int
                  ) -> tuple[list[str], list[str]]:
    """Recent texts most typical of the recent set and least typical of the baseline; the
    best one of each language holding >= 20% of the texts comes first."""
    if not len(texts) or n_quotes <= 0:
        return [], []
    c_r = V_recent.mean(axis=0)
    c_r /= np.linalg.norm(c_r) or 1.0
    score = V_recent @ c_r
    if V_base is not None and len(V_base):
        c_b = V_base.mean(axis=0)
        c_b /= np.linalg.norm(c_b) or 1.0
        score = score - V_recent @ c_b
    order = sorted(range(len(texts)), key=lambda i: (-round(float(score[i]), 6), texts[i]))
    counts = pd.Series(list(languages)).value_counts()
    main = [str(lang) for lang, cnt in counts.items() if cnt >= 0.2 * len(texts)]
    quotes: list[str] = []
    ids: list[str] = []
    seen: set[str] = set()

    def take(candidates: list[int], limit: int) -> None:
        for i in candidates:
            if len(quotes) >= n_quotes or limit <= 0:
                return
            key = re.sub(r"\W+", " ", texts[i].lower()).strip()
            if key in seen or len(texts[i]) < 4:
                continue
            seen.add(key)
            quotes.append(texts[i])
            ids.append(str(doc_ids[i]))
            limit -= 1

    for lang in main:
        take([i for i in order if str(languages[i]) == lang], 1)
    take(order, n_quotes)
    return quotes, ids


def _new_keywords(recent: pd.DataFrame, base: pd.DataFrame, seed: int,
                  cap: int = 3000) -> str:
    """What is new: c-TF-IDF keywords of the recent texts against the baseline texts of the
    same theme or cluster (``"en: a, b; ru: c"``, main languages first)."""
    from voc.discovery import class_tfidf_keywords

    rng = np.random.default_rng(seed)
    parts = []
    for frame, label in ((recent, 1), (base, 0)):
        frame = frame.drop_duplicates("text")
        if len(frame) > cap:
            frame = frame.iloc[np.sort(rng.choice(len(frame), cap, replace=False))]
        parts.append(frame.assign(label=label))
    both = pd.concat(parts, ignore_index=True)
    kw = class_tfidf_keywords(both["text"].tolist(), both["language"].tolist(),
                              both["label"].tolist(), n_keywords=4).get(1, {})
    counts = parts[0]["language"].value_counts()
    langs = [lang for lang, cnt in counts.items() if kw.get(str(lang)) and
             cnt >= 0.2 * len(parts[0])]
    return "; ".join(f"{lang}: {', '.join(kw[str(lang)])}" for lang in langs)


def _subcluster_items(discovery: Discovery, sent: pd.DataFrame, seed: int,
                      min_size: int = 20) -> list[dict[str, Any]]:
    """Rows for the parts of each cluster (see ``subclusters`` of :func:`emerging_themes`)."""
    from voc.discovery import ThemeDiscoverer, _label, class_tfidf_keywords

    clustered = discovery.sentences[discovery.sentences["cluster"].notna()]
    items: list[dict[str, Any]] = []
    for c in discovery.clusters["cluster"]:
        pos = np.flatnonzero((clustered["cluster"] == c).to_numpy())
        if pos.size < min_size:
            continue
        model = ThemeDiscoverer(seed=seed, min_cluster_size=max(3, pos.size // 50)).fit(
            discovery.vectors[pos])
        if model.n_clusters_ < 2:
            continue
        members = clustered.iloc[pos]
        kw = class_tfidf_keywords(members["sentence"].tolist(), members["language"].tolist(),
                                  model.labels_.tolist(), n_keywords=3)
        key = list(zip(members["doc_id"].astype(str), members["sentence_id"], strict=True))
        part_of = dict(zip(key, model.labels_.tolist(), strict=True))
        rows_c = sent[sent["cluster"] == c]
        parts = np.array([part_of.get((d, s_id), -1) for d, s_id in
                          zip(rows_c["doc_id"], rows_c["sentence_id"], strict=True)])
        for j in range(model.n_clusters_):
            rows = rows_c[(parts == j) & (rows_c["period"] != "").to_numpy()]
            if rows.empty:
                continue
            counts = members["language"][model.labels_ == j].value_counts()
            counts = counts.sort_index().sort_values(ascending=False, kind="stable")
            items.append({"kind": "subcluster", "key": f"cluster:{int(c)}.{j}",
                          "name": _label(kw.get(j, {}), counts),
                          "docs": rows.groupby("period")["doc_id"].nunique(),
                          "texts": rows[["doc_id", "sentence", "period", "language"]].rename(
                              columns={"sentence": "text"})})
    return items


def emerging_themes(
    data: AnalysisResult | pd.DataFrame | Sequence[str],
    *,
    recent: str = "30d",
    baseline: str | None = None,
    date_col: str | None = None,
    discovery: Discovery | None = None,
    clusters: bool = True,
    subclusters: bool = True,
    only_unassigned: bool = False,
    min_support: int = 5,
    alpha: float = 0.05,
    n_quotes: int = 3,
    seed: int = 0,
    analyzer: Analyzer | None = None,
    text_col: str | None = None,
    id_col: str | None = None,
    **discover_options: Any,
) -> pd.DataFrame:
    """Flag themes and discovered clusters whose share of comments rose in a recent period.

    Args:
        data: an :class:`~voc.pipeline.AnalysisResult` whose documents have a ``date``
            (analyze with ``date_col``), or comments with a date column (analyzed first).
        recent, baseline: the periods (see :func:`period_masks`).
        date_col: the date column when ``data`` is not analyzed yet.
        discovery: clusters from :func:`voc.discovery.discover` on the same result; None =
            discovered here when ``clusters`` is True.
        clusters: also test discovered clusters (False: taxonomy themes only).
        subclusters: also split every cluster of at least 20 sentences once more
            (:class:`~voc.discovery.ThemeDiscoverer` on its sentences) and test the parts
            (``kind="subcluster"``, ``key="cluster:<id>.<part>"``): a small new topic that
            shares words with an old one ("parcel locker" next to "parcel arrived late")
            is a part of a cluster before it is a cluster.
        only_unassigned: passed to :func:`~voc.discovery.discover`; False (default) clusters
            every sentence, so a new topic that the taxonomy files under an old theme
            ("parcel lockers" under delivery) still gets a cluster of its own.
        min_support: a row needs at least this many recent comments to be flagged.
        alpha: false-discovery rate (0..1) of the Benjamini–Hochberg step.
        n_quotes: recent quotes per row.
        seed: of the clustering.
        analyzer: the model (for raw data, embeddings and clustering); default model if None.
        text_col, id_col: columns when ``data`` is not analyzed yet.
        **discover_options: more options for :func:`~voc.discovery.discover`.

    Returns:
        One row per theme (``kind="theme"``, ``key`` = theme id), cluster
        (``kind="cluster"``, ``key`` = ``"cluster:<id>"``) and part of a cluster
        (``kind="subcluster"``) mentioned in either period, with
        :data:`EMERGING_COLUMNS`; flagged rows first, then by q-value and rise. ``attrs``:
        the period bounds and counts (``n_rows``, ``n_no_text``, ``n_no_date``,
        ``n_recent_total``, ``n_baseline_total``, ``n_outside``: dated comments in neither
        period because of ``baseline``).

    Raises:
        VocError: no date column, no dates, or fewer than 10 comments in either period.
    """
    from voc.discovery import _as_result, _embedder_for, discover
    from voc.drivers import _bh

    if not 0 < alpha < 1:
        raise VocError(expected="alpha in (0, 1)", found=repr(alpha), fix="use e.g. 0.05")
    if min_support < 1:
        raise VocError(expected="min_support >= 1", found=repr(min_support),
                       fix="use e.g. 5")
    result, analyzer = _as_result(data, analyzer, text_col=text_col, id_col=id_col,
                                  date_col=date_col)
    docs = result.documents.reset_index(drop=True)
    if "date" not in docs.columns:
        raise VocError(
            expected="a date column",
            found="no column was recognised as the date (mapped roles: "
                  + ", ".join(f"{k}={v}" for k, v in result.mapping.as_dict().items()
                              if v is not None) + ")",
            fix="pass the date column (date_col=... in Python, --date-col in the CLI)")
    has_text = docs["has_text"].to_numpy(dtype=bool)
    dates = pd.to_datetime(docs["date"], errors="coerce")
    has_date = dates.notna().to_numpy()
    if not (has_text & has_date).any():
        raise VocError(expected="comments with text and a date",
                       found=f"{int(has_date.sum()):,} dated rows, none with text"
                       if has_date.any() else "no parseable date in the date column",
                       fix="check the date column (--date-col) and the text column")
    usable = has_text & has_date
    rec, base, bounds = period_masks(dates.where(usable), recent, baseline)
    n_r, n_b = int(rec.sum()), int(base.sum())
    if n_r < MIN_PERIOD_COMMENTS or n_b < MIN_PERIOD_COMMENTS:
        raise VocError(
            expected=f"at least {MIN_PERIOD_COMMENTS} comments with text in both the recent "
                     "and the baseline period",
            found=f"{n_r:,} recent ({bounds['recent_start']}..{bounds['recent_end']}) and "
                  f"{n_b:,} baseline comments ({bounds['baseline_start']}.."
                  f"{bounds['baseline_end']})",
            fix="choose another --recent span (or --baseline), or pass more data")
    doc_ids = docs["doc_id"].astype(str).to_numpy()
    period = pd.Series(np.where(rec, "recent", np.where(base, "baseline", "")), index=doc_ids)
    embedder = _embedder_for(result, analyzer)

    items: list[dict[str, Any]] = []
    # --- taxonomy themes: comments mentioning each, and the clauses that carry it
    ment = result.mentions.copy()
    ment["doc_id"] = ment["doc_id"].astype(str)
    ment["period"] = ment["doc_id"].map(period).fillna("")
    names = result.taxonomy.names()
    for theme in result.taxonomy.ids:
        rows = ment[(ment["theme"] == theme) & (ment["period"] != "")]
        if rows.empty:
            continue
        items.append({"kind": "theme", "key": theme, "name": names.get(theme, theme),
                      "docs": rows.groupby("period")["doc_id"].nunique(),
                      "texts": rows[["doc_id", "evidence", "period", "language"]].rename(
                          columns={"evidence": "text"})})
    # --- discovered clusters
    if clusters:
        if discovery is None:
            try:
                discovery = discover(result, only_unassigned=only_unassigned, seed=seed,
                                     analyzer=analyzer, **discover_options)
            except VocError:
                if only_unassigned:  # too few unassigned sentences: cluster all of them
                    discovery = discover(result, only_unassigned=False, seed=seed,
                                         analyzer=analyzer, **discover_options)
                else:
                    raise
        sent = discovery.sentences[discovery.sentences["cluster"].notna()].copy()
        sent["doc_id"] = sent["doc_id"].astype(str)
        sent["period"] = sent["doc_id"].map(period).fillna("")
        labels = dict(zip(discovery.clusters["cluster"], discovery.clusters["label"],
                          strict=True))
        for c in discovery.clusters["cluster"]:
            rows = sent[(sent["cluster"] == c) & (sent["period"] != "")]
            if rows.empty:
                continue
            items.append({"kind": "cluster", "key": f"cluster:{int(c)}",
                          "name": labels[c],
                          "docs": rows.groupby("period")["doc_id"].nunique(),
                          "texts": rows[["doc_id", "sentence", "period", "language"]].rename(
                              columns={"sentence": "text"})})
        if subclusters:
            items += _subcluster_items(discovery, sent, seed)

    x_r = np.array([int(it["docs"].get("recent", 0)) for it in items], dtype=np.int64)
    x_b = np.array([int(it["docs"].get("baseline", 0)) for it in items], dtype=np.int64)
    test = two_proportion_test(x_r, n_r, x_b, n_b) if items else {
        k: np.zeros(0) for k in ("share_recent", "share_baseline", "diff", "ci_low",
                                 "ci_high", "z", "p_value", "ratio")}
    q = _bh(np.asarray(test["p_value"], dtype=np.float64))
    low = x_r < min_support
    flagged = (q <= alpha) & ~low & (test["diff"] > 0)
    out_rows = []
    for i, it in enumerate(items):
        texts = it["texts"]
        recent_txt = texts[texts["period"] == "recent"].drop_duplicates(["doc_id", "text"])
        base_txt = texts[texts["period"] == "baseline"]
        quotes: list[str] = []
        qids: list[str] = []
        new_kw = ""
        if len(recent_txt):
            new_kw = _new_keywords(recent_txt, base_txt, seed)
            vr = embedder.embed(recent_txt["text"].tolist())
            vb = embedder.embed(base_txt["text"].drop_duplicates().tolist()[:5000]) \
                if len(base_txt) else None
            quotes, qids = _novel_quotes(recent_txt["text"].tolist(),
                                         recent_txt["doc_id"].tolist(),
                                         recent_txt["language"].tolist(), vr, vb, n_quotes)
        out_rows.append({
            "kind": it["kind"], "key": it["key"], "name": it["name"],
            "n_recent": int(x_r[i]), "n_baseline": int(x_b[i]),
            "share_recent": round(float(test["share_recent"][i]), 4),
            "share_baseline": round(float(test["share_baseline"][i]), 4),
            "rise_points": round(100 * float(test["diff"][i]), 2),
            "rise_ci_low": round(100 * float(test["ci_low"][i]), 2),
            "rise_ci_high": round(100 * float(test["ci_high"][i]), 2),
            "ratio": round(float(test["ratio"][i]), 3),
            "z": round(float(test["z"][i]), 3),
            "p_value": float(test["p_value"][i]), "q_value": float(q[i]),
            "emerging": bool(flagged[i]), "low_support": bool(low[i]),
            "new_keywords": new_kw, "quotes": "\n".join(quotes), "quote_doc_ids": ";".join(qids),
        })
    table = pd.DataFrame(out_rows, columns=EMERGING_COLUMNS)
    if len(table):
        table = table.sort_values(["emerging", "q_value", "rise_points", "kind", "key"],
                                  ascending=[False, True, False, True, True],
                                  kind="stable", ignore_index=True)
    table.attrs.update(bounds)
    table.attrs.update({
        "n_rows": len(docs), "n_no_text": int((~has_text).sum()),
        "n_no_date": int((has_text & ~has_date).sum()),
        "n_recent_total": n_r, "n_baseline_total": n_b,
        "n_outside": int((usable & ~rec & ~base).sum()),
        "alpha": alpha, "min_support": min_support, "recent": str(recent),
        "baseline": "all earlier" if baseline is None else str(baseline),
        "n_clusters": 0 if discovery is None or not clusters else len(discovery.clusters),
    })
    return table
