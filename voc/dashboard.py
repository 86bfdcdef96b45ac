"""Data behind the app's dashboard and verbatims pages: filters and aggregates (no UI).

Everything here is a pure function of an analysis (its ``documents`` and ``mentions``
tables) and a :class:`Filters` value, vectorised so that a filter change on 100,000 comments
is recomputed in well under a second (``make bench`` measures it). The work that does not
depend on the filters (parsing theme lists, coding categories, grouping identical comments)
is done once by :func:`build_index`; the app caches that index per analysis.

Quick use::

    from voc import dashboard, plots
    index = dashboard.build_index(result.documents, result.mentions,
                                  result.taxonomy.names(), "nps_0_10")
    view = dashboard.compute(index, dashboard.Filters(languages=("en",)))
    plots.theme_sentiment_bars(view.themes)
    plots.driver_quadrant(view.drivers)

Definitions:

* A comment passes the filters when it matches every non-empty filter; within one filter
  the chosen values are alternatives (segment A *or* B).
* **period**: the calendar months ``(first, last)``, inclusive, as ``"YYYY-MM"``.
* **themes / sentiments** (verbatims): with themes chosen, a comment passes when one of the
  chosen themes carries one of the chosen sentiments in it (aspect level: "delivery speed,
  negative"); with only sentiments chosen, the comment's overall sentiment is used.
* **score band**: detractor 0–6 / passive 7–8 / promoter 9–10 on NPS; dissatisfied 1–2 /
  neutral 3 / satisfied 4–5 on CSAT (1–5); difficult 1–3 / neutral 4 / easy 5–7 on CES
  (1–7); low / middle / high thirds on other scales; "no score" when missing.
* **search**: case-insensitive substring of the comment text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from voc.errors import VocError

__all__ = [
    "NO_SCORE",
    "SENTIMENTS",
    "DashboardIndex",
    "DashboardView",
    "Filters",
    "build_index",
    "compute",
    "doc_mask",
    "drivers",
    "filter_options",
    "headline",
    "journey_theme",
    "metric_choices",
    "score_bands",
    "score_distribution",
    "summarize",
    "theme_summary",
    "trend_frame",
    "verbatim_html",
    "verbatims",
]

#: Sentiment labels of a theme in a comment, in the order of the charts.
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "mixed", "positive")
NO_SCORE = "no score"
MISSING = "(missing)"
_CATEGORIES = ("segment", "channel", "language", "journey_stage")
#: Default metric per score scale, and the others offered for it.
_METRICS_BY_SCALE: dict[str, tuple[str, ...]] = {
    "nps_0_10": ("nps",),
    "csat_1_5": ("csat", "csat_mean"),
    "ces_1_7": ("ces", "ces_easy"),
    "custom": ("mean",),
}
# (label, low, high, tone) per known scale; tone names a sentiment colour.
_BANDS: dict[str, tuple[tuple[str, float, float, str], ...]] = {
    "nps_0_10": (("detractor", 0, 6, "negative"), ("passive", 7, 8, "neutral"),
                 ("promoter", 9, 10, "positive")),
    "csat_1_5": (("dissatisfied", 1, 2, "negative"), ("neutral", 3, 3, "neutral"),
                 ("satisfied", 4, 5, "positive")),
    "ces_1_7": (("difficult", 1, 3, "negative"), ("neutral", 4, 4, "neutral"),
                ("easy", 5, 7, "positive")),
}


@dataclass(frozen=True)
class Filters:
    """What the user filtered on; empty means "all".

    Attributes:
        segments, channels, languages: values of those columns (``"(missing)"`` matches
            comments without a value).
        period: ``("YYYY-MM", "YYYY-MM")``, first and last month, inclusive.
        themes: theme ids (verbatims); see the module docstring for how they combine with
            ``sentiments``.
        sentiments: ``negative``, ``neutral``, ``mixed``, ``positive``.
        score_bands: band labels from :func:`score_bands` (or ``"no score"``).
        search: text the comment must contain (case-insensitive).
    """

    segments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    period: tuple[str, str] | None = None
    themes: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    score_bands: tuple[str, ...] = ()
    search: str = ""

    def __post_init__(self) -> None:
        for name in ("segments", "channels", "languages", "themes", "sentiments",
                     "score_bands"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise VocError(expected=f"{name} as a tuple of values", found=repr(value),
                               fix=f"write {name}=({value!r},)")
            object.__setattr__(self, name, tuple(str(v) for v in value))
        unknown = [s for s in self.sentiments if s not in SENTIMENTS]
        if unknown:
            raise VocError(expected=f"sentiments among {', '.join(SENTIMENTS)}",
                           found=repr(unknown), fix="pick from those four")

    def dashboard_only(self) -> Filters:
        """The filters that apply to the dashboard (segment, channel, language, period)."""
        return Filters(segments=self.segments, channels=self.channels,
                       languages=self.languages, period=self.period)


@dataclass(frozen=True)
class DashboardIndex:
    """Everything about one analysis that does not depend on the filters (see
    :func:`build_index`). Read-only: share it between sessions, never mutate it."""

    documents: pd.DataFrame
    mentions: pd.DataFrame
    theme_ids: list[str]
    theme_names: dict[str, str]
    score_scale: str | None
    has_text: np.ndarray
    score: np.ndarray
    month: np.ndarray  # int code into months, -1 = no date
    months: list[str]
    codes: dict[str, np.ndarray]  # column -> int codes (categories[column])
    categories: dict[str, list[str]]
    sentiment_code: np.ndarray  # comment sentiment, index into SENTIMENTS, -1 = none
    pair_doc: np.ndarray  # (doc, theme) pairs: doc position
    pair_theme: np.ndarray  # theme position in theme_ids
    pair_sentiment: np.ndarray  # index into SENTIMENTS
    pattern: np.ndarray  # per doc: index of its theme set in pattern_matrix
    pattern_matrix: np.ndarray  # bool (P × K): themes of each distinct theme set
    mention_doc: np.ndarray  # per mention row: doc position (-1 = unknown doc)
    text_lower: pd.Series = field(repr=False, default_factory=lambda: pd.Series(dtype=str))

    @property
    def n(self) -> int:
        """Number of comments (rows)."""
        return len(self.documents)

    @property
    def metric(self) -> str | None:
        """The default metric for the score scale (None without scores)."""
        choices = metric_choices(self.score_scale)
        return choices[0] if choices else None


@dataclass(frozen=True)
class DashboardView:
    """The dashboard's numbers for one set of filters (see :func:`compute`)."""

    filters: Filters
    mask: np.ndarray
    headline: dict[str, Any]
    scores: pd.DataFrame
    themes: pd.DataFrame
    journey: pd.DataFrame
    drivers: pd.DataFrame | None
    trend: pd.DataFrame
    period: str


# ----------------------------------------------------------------------------------- index


def metric_choices(score_scale: str | None) -> tuple[str, ...]:
    """The metrics offered for a score scale, default first (``()`` without scores)."""
    if not score_scale:
        return ()
    return _METRICS_BY_SCALE.get(score_scale, ("mean",))


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    text = values.astype("string").str.strip()
    text = text.where(text.notna() & (text != ""), MISSING)
    codes, uniques = pd.factorize(text, sort=True)
    return codes.astype(np.int32), [str(u) for u in uniques]


def build_index(
    documents: pd.DataFrame,
    mentions: pd.DataFrame,
    theme_names: Mapping[str, str] | None = None,
    score_scale: str | None = None,
) -> DashboardIndex:
    """Prepare an analysis for fast filtering (done once per analysis).

    Args:
        documents: ``AnalysisResult.documents`` (one row per comment: ``doc_id``, ``text``,
            ``themes``, ``theme_sentiment``, ``sentiment``, ``has_text``, and the optional
            ``score``, ``date``, ``segment``, ``channel``, ``journey_stage``, ``language``).
        mentions: ``AnalysisResult.mentions``.
        theme_names: theme id -> display name (taxonomy order first).
        score_scale: the score scale's name (``nps_0_10``, ``csat_1_5``, ``ces_1_7``,
            ``custom``) or None without scores.

    Raises:
        VocError: a documents table without the columns voc writes.
    """
    needed = ("doc_id", "text", "themes", "theme_sentiment", "sentiment")
    missing = [c for c in needed if c not in documents.columns]
    if missing:
        raise VocError(expected=f"an analysis documents table with {', '.join(needed)}",
                       found=f"no column(s) {', '.join(missing)}",
                       fix="pass AnalysisResult.documents (or a stored analysis)")
    docs = documents.reset_index(drop=True)
    n = len(docs)
    names = dict(theme_names or {})
    # (doc, theme, sentiment) pairs from theme_sentiment ("id:label;id:label")
    ts = docs["theme_sentiment"].fillna("").astype(str).to_numpy()
    pair_doc: list[int] = []
    pair_theme_ids: list[str] = []
    pair_sent: list[str] = []
    for i, value in enumerate(ts):
        if not value:
            continue
        for entry in value.split(";"):
            theme, _, label = entry.rpartition(":")
            if not theme:
                theme, label = label, "neutral"
            pair_doc.append(i)
            pair_theme_ids.append(theme)
            pair_sent.append(label)
    seen = dict.fromkeys(pair_theme_ids)
    theme_ids = [t for t in names if t in seen] + sorted(t for t in seen if t not in names)
    theme_pos = {t: j for j, t in enumerate(theme_ids)}
    sent_pos = {s: j for j, s in enumerate(SENTIMENTS)}
    pair_theme = np.array([theme_pos[t] for t in pair_theme_ids], dtype=np.int32)
    pair_sentiment = np.array([sent_pos.get(s, sent_pos["neutral"]) for s in pair_sent],
                              dtype=np.int8)
    pair_doc_arr = np.array(pair_doc, dtype=np.int64)
    # distinct theme sets (for the grouped driver analysis)
    pattern, keys = pd.factorize(docs["themes"].fillna("").astype(str))
    pattern_matrix = np.zeros((len(keys), len(theme_ids)), dtype=bool)
    for p, key in enumerate(keys):
        for theme in str(key).split(";"):
            theme = theme.split(":", 1)[0].strip()
            if theme in theme_pos:
                pattern_matrix[p, theme_pos[theme]] = True
    codes: dict[str, np.ndarray] = {}
    categories: dict[str, list[str]] = {}
    for column in _CATEGORIES:
        if column in docs.columns:
            codes[column], categories[column] = _codes(docs[column])
    if "date" in docs.columns and n:
        dates = pd.to_datetime(docs["date"], errors="coerce")
        labels = dates.dt.strftime("%Y-%m")
        month, months_idx = pd.factorize(labels, sort=True)
        months = [str(m) for m in months_idx]
    else:
        month, months = np.full(n, -1), []
    has_text = (docs["has_text"].fillna(False).astype(bool).to_numpy() if "has_text" in docs
                else docs["text"].fillna("").astype(str).str.strip().ne("").to_numpy())
    score = (pd.to_numeric(docs["score"], errors="coerce").to_numpy(dtype=np.float64)
             if "score" in docs.columns else np.full(n, np.nan))
    sentiment_code = docs["sentiment"].map(sent_pos).fillna(-1).astype(np.int8).to_numpy()
    doc_pos = pd.Series(np.arange(n), index=docs["doc_id"].astype(str).to_numpy())
    doc_pos = doc_pos[~doc_pos.index.duplicated()]
    mention_doc = (mentions["doc_id"].astype(str).map(doc_pos).fillna(-1).astype(np.int64)
                   .to_numpy() if len(mentions) else np.zeros(0, dtype=np.int64))
    return DashboardIndex(
        documents=docs, mentions=mentions.reset_index(drop=True), theme_ids=theme_ids,
        theme_names={t: names.get(t, t) for t in theme_ids} | names,
        score_scale=score_scale if "score" in docs.columns else None, has_text=has_text,
        score=score, month=np.asarray(month, dtype=np.int32), months=months, codes=codes,
        categories=categories, sentiment_code=sentiment_code, pair_doc=pair_doc_arr,
        pair_theme=pair_theme, pair_sentiment=pair_sentiment,
        pattern=np.asarray(pattern, dtype=np.int64), pattern_matrix=pattern_matrix,
        mention_doc=mention_doc,
        text_lower=docs["text"].fillna("").astype(str).str.lower(),
    )


def filter_options(index: DashboardIndex) -> dict[str, list[str]]:
    """The values each filter can take: ``segments``, ``channels``, ``languages``,
    ``journey_stages``, ``months``, ``themes`` (ids found), ``score_bands``."""
    cats = index.categories
    return {
        "segments": list(cats.get("segment", [])),
        "channels": list(cats.get("channel", [])),
        "languages": [x for x in cats.get("language", []) if x != MISSING],
        "journey_stages": list(cats.get("journey_stage", [])),
        "months": list(index.months),
        "themes": list(index.theme_ids),
        "score_bands": ([b["band"] for b in score_bands(index.score_scale, index.score)]
                        + [NO_SCORE]) if index.score_scale else [],
    }


# ----------------------------------------------------------------------------------- filters


def _category_mask(index: DashboardIndex, column: str, values: Sequence[str]) -> np.ndarray:
    if not values:
        return np.ones(index.n, dtype=bool)
    if column not in index.codes:
        return np.zeros(index.n, dtype=bool)
    cats = index.categories[column]
    wanted = [cats.index(v) for v in values if v in cats]
    return np.isin(index.codes[column], wanted)


def score_bands(score_scale: str | None, scores: np.ndarray | None = None
                ) -> list[dict[str, Any]]:
    """The score bands of a scale: dicts ``band``, ``low``, ``high``, ``tone`` (the sentiment
    colour to draw it in). Other scales are cut into thirds of the observed range."""
    if not score_scale:
        return []
    if score_scale in _BANDS:
        return [{"band": b, "low": float(lo), "high": float(hi), "tone": tone}
                for b, lo, hi, tone in _BANDS[score_scale]]
    finite = scores[np.isfinite(scores)] if scores is not None else np.zeros(0)
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    step = (hi - lo) / 3 if hi > lo else 1.0
    return [{"band": "low", "low": lo, "high": lo + step, "tone": "negative"},
            {"band": "middle", "low": lo + step, "high": lo + 2 * step, "tone": "neutral"},
            {"band": "high", "low": lo + 2 * step, "high": max(hi, lo + 3 * step),
             "tone": "positive"}]


def _band_codes(index: DashboardIndex) -> tuple[np.ndarray, list[str]]:
    bands = score_bands(index.score_scale, index.score)
    labels = [b["band"] for b in bands] + [NO_SCORE]
    out = np.full(index.n, len(bands), dtype=np.int8)
    s = index.score
    for j, band in enumerate(bands):
        inside = (s >= band["low"]) & (s <= band["high"])
        out[inside & (out == len(bands))] = j  # a boundary value goes to the lower band
    return out, labels


def doc_mask(index: DashboardIndex, filters: Filters) -> np.ndarray:
    """Boolean array: which comments pass ``filters`` (see the module docstring)."""
    keep = _category_mask(index, "segment", filters.segments)
    keep &= _category_mask(index, "channel", filters.channels)
    keep &= _category_mask(index, "language", filters.languages)
    if filters.period is not None and index.months:
        first, last = filters.period
        codes = [j for j, m in enumerate(index.months) if first <= m <= last]
        keep &= np.isin(index.month, codes)
    elif filters.period is not None:
        keep &= False
    if filters.themes or filters.sentiments:
        if filters.themes:
            wanted = [index.theme_ids.index(t) for t in filters.themes if t in index.theme_ids]
            sel = np.isin(index.pair_theme, wanted)
            if filters.sentiments:
                sel &= np.isin(index.pair_sentiment,
                               [SENTIMENTS.index(s) for s in filters.sentiments])
            hit = np.zeros(index.n, dtype=bool)
            hit[index.pair_doc[sel]] = True
            keep &= hit
        else:
            keep &= np.isin(index.sentiment_code,
                            [SENTIMENTS.index(s) for s in filters.sentiments])
    if filters.score_bands:
        band, labels = _band_codes(index)
        keep &= np.isin(band, [labels.index(b) for b in filters.score_bands if b in labels])
    query = filters.search.strip().lower()
    if query:
        candidates = np.flatnonzero(keep)
        found = index.text_lower.iloc[candidates].str.contains(query, regex=False).to_numpy()
        keep = np.zeros(index.n, dtype=bool)
        keep[candidates[found]] = True
    return keep


# ----------------------------------------------------------------------------------- aggregates


def headline(index: DashboardIndex, mask: np.ndarray, metric: str | None = None
             ) -> dict[str, Any]:
    """Headline numbers of the filtered comments.

    Returns a dict: ``n`` (comments), ``n_text`` (with text), ``negative_share`` (of the
    comments with text, 0..1, None when there are none), ``n_languages``, ``metric``
    (the metric's name or None), ``value`` (a :class:`voc.metrics.MetricValue` or None).
    """
    from voc.metrics import metric_value

    text = mask & index.has_text
    n_text = int(text.sum())
    negative = int((text & (index.sentiment_code == SENTIMENTS.index("negative"))).sum())
    metric = metric or index.metric
    value = None
    if metric is not None:
        scores = index.score[mask]
        scores = scores[np.isfinite(scores)]
        if scores.size:
            kwargs = _scale_kwargs(index.score_scale, metric)
            value = metric_value(metric, scores, **kwargs)
    languages = 0
    if "language" in index.codes:
        cats = index.categories["language"]
        used = np.unique(index.codes["language"][text])
        languages = sum(1 for c in used if cats[c] not in (MISSING, "unknown"))
    return {"n": int(mask.sum()), "n_text": n_text,
            "negative_share": negative / n_text if n_text else None,
            "n_languages": languages, "metric": metric, "value": value}


def _scale_kwargs(score_scale: str | None, metric: str) -> dict[str, Any]:
    """The ``scale=`` argument of the metric functions for a known score scale."""
    from voc.schema import KNOWN_SCALES

    if metric in ("nps", "mean"):
        return {}
    for scale in KNOWN_SCALES:
        if scale.name == score_scale:
            return {"scale": (scale.low, scale.high)}
    return {}


def score_distribution(index: DashboardIndex, mask: np.ndarray) -> pd.DataFrame:
    """Comments per score value: ``score``, ``n``, ``share`` (of scored comments, 0..1),
    ``band``, ``tone``. Every value of a known scale is listed (zeros included)."""
    columns = ["score", "n", "share", "band", "tone"]
    if not index.score_scale:
        return pd.DataFrame(columns=columns)
    s = index.score[mask]
    s = s[np.isfinite(s)]
    bands = score_bands(index.score_scale, index.score)
    if index.score_scale in _BANDS:
        lo, hi = bands[0]["low"], bands[-1]["high"]
        values = np.arange(lo, hi + 1)
    else:
        values = np.unique(index.score[np.isfinite(index.score)])
    uniq, counts = np.unique(s, return_counts=True)
    lookup = dict(zip(uniq.tolist(), counts.tolist(), strict=True))
    n = [int(lookup.get(float(v), 0)) for v in values]
    total = sum(n)
    rows = []
    for v, k in zip(values, n, strict=True):
        band = next((b for b in bands if b["low"] <= v <= b["high"]), bands[-1])
        rows.append({"score": float(v), "n": k, "share": k / total if total else 0.0,
                     "band": band["band"], "tone": band["tone"]})
    return pd.DataFrame(rows, columns=columns)


def theme_summary(index: DashboardIndex, mask: np.ndarray) -> pd.DataFrame:
    """Per theme: comments mentioning it and their sentiment split, like
    ``AnalysisResult.theme_summary()`` but for the filtered comments (most mentioned first)."""
    columns = ["theme", "theme_name", "n_comments", "share", *SENTIMENTS]
    k = len(index.theme_ids)
    if k == 0:
        return pd.DataFrame(columns=columns)
    sel = mask[index.pair_doc]
    flat = index.pair_theme[sel].astype(np.int64) * len(SENTIMENTS) + index.pair_sentiment[sel]
    table = np.bincount(flat, minlength=k * len(SENTIMENTS)).reshape(k, len(SENTIMENTS))
    n_docs = int((mask & index.has_text).sum()) or 1
    frame = pd.DataFrame(table, columns=list(SENTIMENTS))
    frame.insert(0, "theme", index.theme_ids)
    frame.insert(1, "theme_name", [index.theme_names.get(t, t) for t in index.theme_ids])
    frame.insert(2, "n_comments", table.sum(axis=1))
    frame.insert(3, "share", frame["n_comments"] / n_docs)
    frame = frame[frame["n_comments"] > 0]
    return frame[columns].sort_values(["n_comments", "theme"], ascending=[False, True],
                                      ignore_index=True)


def journey_theme(index: DashboardIndex, mask: np.ndarray) -> pd.DataFrame:
    """Comments per journey stage × theme: ``journey_stage``, ``theme``, ``theme_name``,
    ``n_comments``, ``negative``, ``positive``, ``negative_share`` (0..1); only non-empty
    cells. Empty when the data has no journey-stage column."""
    columns = ["journey_stage", "theme", "theme_name", "n_comments", "negative", "positive",
               "negative_share"]
    if "journey_stage" not in index.codes or not index.theme_ids:
        return pd.DataFrame(columns=columns)
    stages = index.categories["journey_stage"]
    k = len(index.theme_ids)
    sel = mask[index.pair_doc]
    stage = index.codes["journey_stage"][index.pair_doc[sel]].astype(np.int64)
    cell = stage * k + index.pair_theme[sel]
    size = len(stages) * k
    total = np.bincount(cell, minlength=size)
    sent = index.pair_sentiment[sel]
    negative = np.bincount(cell[sent == SENTIMENTS.index("negative")], minlength=size)
    positive = np.bincount(cell[sent == SENTIMENTS.index("positive")], minlength=size)
    nz = np.flatnonzero(total)
    frame = pd.DataFrame({
        "journey_stage": [stages[c // k] for c in nz],
        "theme": [index.theme_ids[c % k] for c in nz],
        "n_comments": total[nz],
        "negative": negative[nz],
        "positive": positive[nz],
    })
    frame.insert(2, "theme_name", frame["theme"].map(index.theme_names).fillna(frame["theme"]))
    frame["negative_share"] = frame["negative"] / frame["n_comments"]
    return frame[columns]


def drivers(
    index: DashboardIndex,
    mask: np.ndarray,
    metric: str | None = None,
    *,
    n_boot: int = 200,
    min_support: int = 30,
    seed: int = 0,
) -> pd.DataFrame | None:
    """Theme drivers of the metric over the filtered comments (theme level).

    Same figures as :func:`voc.drivers.driver_analysis` (comments with text and a score),
    computed by :func:`voc.drivers.grouped_driver_analysis` on the groups of identical
    comments (same theme set, same score), which is what keeps it fast. None without scores
    or without any usable comment.
    """
    from voc.drivers import grouped_driver_analysis
    from voc.metrics import row_values

    metric = metric or index.metric
    if metric is None:
        return None
    use = mask & index.has_text & np.isfinite(index.score)
    if not use.any():
        return None
    y_all = row_values(metric, index.score[use], **_scale_kwargs(index.score_scale, metric))
    ok = ~np.isnan(y_all)
    rows = np.flatnonzero(use)[ok]
    y_all = y_all[ok]
    if rows.size == 0:
        return None
    y_codes, y_values = pd.factorize(y_all)
    key = index.pattern[rows] * max(1, len(y_values)) + y_codes
    uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
    del uniq
    X = index.pattern_matrix[index.pattern[rows[first]]]
    y = np.asarray(y_values, dtype=np.float64)[y_codes[first]]
    return grouped_driver_analysis(y, X, list(index.theme_ids), counts, metric=metric,
                                   theme_names=index.theme_names, min_support=min_support,
                                   n_boot=n_boot, seed=seed)


def trend_period(index: DashboardIndex, mask: np.ndarray) -> str:
    """The trend's period: ``month`` over three months or more, ``week`` over two, else
    ``day`` (few, well-filled points rather than many noisy ones)."""
    used = index.month[mask]
    used = used[used >= 0]
    if used.size == 0:
        return "month"
    first, last = index.months[int(used.min())], index.months[int(used.max())]
    span_months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    if span_months >= 3:
        return "month"
    return "week" if span_months == 2 else "day"


def trend_frame(index: DashboardIndex, mask: np.ndarray) -> pd.DataFrame:
    """The filtered comments' ``score`` and ``date`` (the input of
    :func:`voc.plots.metric_trend`); empty without both columns."""
    docs = index.documents
    if "score" not in docs.columns or "date" not in docs.columns:
        return pd.DataFrame(columns=["score", "date"])
    rows = np.flatnonzero(mask & np.isfinite(index.score) & (index.month >= 0))
    return pd.DataFrame({"score": index.score[rows],
                         "date": docs["date"].to_numpy()[rows]})


def compute(index: DashboardIndex, filters: Filters, metric: str | None = None, *,
            n_boot: int = 200) -> DashboardView:
    """Every dashboard number for one set of filters (what a filter change recomputes)."""
    mask = doc_mask(index, filters)
    metric = metric or index.metric
    return DashboardView(
        filters=filters, mask=mask, headline=headline(index, mask, metric),
        scores=score_distribution(index, mask), themes=theme_summary(index, mask),
        journey=journey_theme(index, mask),
        drivers=drivers(index, mask, metric, n_boot=n_boot),
        trend=trend_frame(index, mask), period=trend_period(index, mask),
    )


def summarize(documents: pd.DataFrame, score_scale: str | None = None) -> dict[str, Any]:
    """Headline numbers of a whole analysis (kept with it, for comparing datasets).

    Returns a JSON-friendly dict: ``n``, ``n_text``, ``negative_share`` (0..1 or None),
    ``metric`` (or None), ``value``, ``ci_low``, ``ci_high`` (the metric's unit, or None),
    ``unit``, ``n_scored``.
    """
    from voc.metrics import metric_value

    n = len(documents)
    has_text = (documents["has_text"].fillna(False).astype(bool) if "has_text" in documents
                else pd.Series(True, index=documents.index))
    n_text = int(has_text.sum())
    negative = int(((documents["sentiment"] == "negative") & has_text).sum()) \
        if "sentiment" in documents else 0
    out: dict[str, Any] = {"n": n, "n_text": n_text,
                           "negative_share": negative / n_text if n_text else None,
                           "metric": None, "value": None, "ci_low": None, "ci_high": None,
                           "unit": None, "n_scored": 0}
    choices = metric_choices(score_scale) if "score" in documents else ()
    if choices:
        scores = pd.to_numeric(documents["score"], errors="coerce").dropna().to_numpy()
        if scores.size:
            mv = metric_value(choices[0], scores, **_scale_kwargs(score_scale, choices[0]))
            out.update({"metric": choices[0], "value": float(mv.value),
                        "ci_low": float(mv.ci_low), "ci_high": float(mv.ci_high),
                        "unit": mv.unit, "n_scored": int(mv.n)})
    return out


# ----------------------------------------------------------------------------------- verbatims


def verbatims(index: DashboardIndex, mask: np.ndarray, *, page: int = 1, per_page: int = 20,
              order: str = "original") -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """One page of filtered comments and their mentions.

    Args:
        order: ``"original"`` (file order), ``"negative"`` (most negative first) or
            ``"positive"``.

    Returns:
        (documents of the page, mentions of those documents, number of pages).
    """
    rows = np.flatnonzero(mask & index.has_text)
    if order in ("negative", "positive") and "sentiment_score" in index.documents.columns:
        scores = index.documents["sentiment_score"].to_numpy(dtype=np.float64)[rows]
        rows = rows[np.argsort(scores if order == "negative" else -scores, kind="stable")]
    pages = max(1, math.ceil(len(rows) / per_page))
    page = min(max(1, page), pages)
    chosen = rows[(page - 1) * per_page: page * per_page]
    docs = index.documents.iloc[chosen]
    ment = index.mentions.iloc[np.flatnonzero(np.isin(index.mention_doc, chosen))] \
        if len(index.mentions) else index.mentions
    return docs, ment, pages


def _chip_style(tone: str) -> str:
    from voc.plots import SENTIMENT_COLORS, contrast_ratio

    fill = SENTIMENT_COLORS.get(tone, SENTIMENT_COLORS["neutral"])
    ink = "#000000" if contrast_ratio(fill, "#000000") >= contrast_ratio(fill, "#ffffff") \
        else "#ffffff"
    return f"background:{fill};color:{ink}"


def verbatim_html(text: str, mentions: pd.DataFrame, theme_names: Mapping[str, str],
                  *, highlight: Sequence[str] = ()) -> str:
    """One comment as HTML: theme chips (coloured by the theme's sentiment in it, the
    sentiment also written out) and the comment with each evidence clause highlighted.

    Args:
        text: the comment (``documents.text``; the mention offsets refer to it).
        mentions: its rows of ``mentions`` (``theme``, ``sentiment``, ``evidence_start``,
            ``evidence_end``).
        theme_names: id -> display name.
        highlight: theme ids to emphasise (e.g. the themes filtered on); their clauses get a
            thicker underline.

    Everything from the data is HTML-escaped.
    """
    from voc.plots import SENTIMENT_COLORS
    from voc.sentiment import combine_labels

    text = "" if text is None else str(text)
    chips = []
    if len(mentions):
        per_theme = mentions.groupby("theme", sort=False)["sentiment"].agg(
            lambda s: combine_labels(list(s)))
        for theme, tone in per_theme.items():
            name = html.escape(str(theme_names.get(str(theme), theme)))
            chips.append(f'<span class="voc-chip" style="{_chip_style(str(tone))};'
                         'border-radius:0.8em;padding:0.1em 0.6em;margin-right:0.3em;'
                         f'font-size:0.85em;white-space:nowrap" title="{html.escape(str(tone))}'
                         f'">{name} · {html.escape(str(tone))}</span>')
    spans: list[tuple[int, int, str, bool]] = []
    for row in mentions.itertuples(index=False):
        start, end = getattr(row, "evidence_start", None), getattr(row, "evidence_end", None)
        if start is None or end is None or pd.isna(start) or pd.isna(end):
            continue
        start, end = max(0, int(start)), min(len(text), int(end))
        if end > start:
            spans.append((start, end, str(row.sentiment), str(row.theme) in highlight))
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, tone, strong in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = tone if tone == last[2] else "mixed"
            last[3] = last[3] or strong
        else:
            merged.append([start, end, tone, strong])
    out, pos = [], 0
    for start, end, tone, strong in merged:
        out.append(html.escape(text[pos:start]))
        color = SENTIMENT_COLORS.get(tone, SENTIMENT_COLORS["neutral"])
        out.append(f'<mark class="voc-evidence" style="background:{color}33;color:inherit;'
                   f'border-bottom:{3 if strong else 2}px solid {color};padding:0 0.1em" '
                   f'title="{html.escape(tone)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    chip_line = f'<div class="voc-chips">{"".join(chips)}</div>' if chips else ""
    return (f'{chip_line}<div class="voc-text" style="margin-top:0.3em;line-height:1.6">'
            f'{"".join(out)}</div>')
