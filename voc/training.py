"""Retraining on labeled samples: label files, supervised heads, evaluation, what to label next.

Labeled-sample format (CSV/TSV, XLSX, JSON/JSONL, Parquet, or a DataFrame):

* ``text``: the comment;
* ``themes``: semicolon-separated theme ids, each optionally suffixed ``:positive``,
  ``:negative`` or ``:neutral`` (the theme's sentiment in this comment; ``:mixed`` or
  ``:conflict`` mark a theme praised and criticised in the same comment). Ids are the
  analyst's codeframe codes (``FOOD#QUALITY``, ``anecdotes/miscellaneous``, ``Доставка``) and
  come back out unchanged. An empty cell means "no theme". In JSON the cell may be a list;
* ``sentiment`` (optional): the whole comment's sentiment (positive, negative, neutral, mixed).

:func:`read_labels` parses such a table into :class:`LabeledData` and a :class:`LabelReport`
that lists every problem with its row number (empty text, unknown polarity, a theme with too
few examples to learn, ...) instead of failing on the first one.

:func:`retrain` fits a new :class:`~voc.pipeline.Analyzer` from a base model and labels:

* **Theme head** (follows the codeframe): one-vs-rest logistic regression on the sentence
  embedding ⊕ hashed character n-gram TF-IDF. The regularisation ``C`` and, in multi-label
  mode, one threshold per theme are chosen by K-fold cross-validation on the training data
  only, scoring each held-out comment the way the analyzer does (the maximum over its clauses
  and multi-clause sentences); Platt calibration uses the same out-of-fold margins. When every
  labeled comment has exactly one theme the model is *single-label*: each comment gets its
  most probable theme.
* **Zero-shot priors**: themes that exist in the base taxonomy (or are mapped to one with
  ``prior_map``) also learn from the base taxonomy's example phrases, with a lower weight, so
  that a handful of labels per theme already help.
* **Aspect-sentiment head**: the sentiment of a theme within a comment is the sentiment of the
  clause that carries the theme. The head keeps the base architecture (embedding ⊕ char
  n-gram TF-IDF ⊕ lexicon features, multinomial logistic regression) and is refitted on the
  clauses that carry each labeled ``theme:polarity``, plus whole comments with a ``sentiment``
  label, plus (opt-in) comments whose score marks a promoter or a detractor. With
  ``sentiment="auto"`` the refitted head replaces the base head only when it is more accurate
  out of fold.

:func:`evaluate` scores a model on labeled data (or by cross-validated retraining) and returns
an :class:`Evaluation` of tidy DataFrames. :func:`suggest` ranks unlabeled comments by
uncertainty and diversity: what to label next.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from voc.errors import VocError
from voc.features import LexicalFeatures, SentimentFeatures, as_matrix
from voc.sentiment import (
    MIXED,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    SENTIMENT_CLASSES,
    SentimentClassifier,
)
from voc.taxonomy import Taxonomy, Theme
from voc.text import clean_text, detect_languages, split_many
from voc.themes import ThemeClassifier, _platt

if TYPE_CHECKING:  # pragma: no cover
    from voc.embeddings import CachedEmbedder
    from voc.pipeline import Analyzer

__all__ = [
    "Evaluation",
    "LabelError",
    "LabelProblem",
    "LabelReport",
    "LabeledData",
    "TrainingOptions",
    "aspect_sentiment",
    "cross_validate",
    "evaluate",
    "model_card",
    "parse_labels",
    "read_labels",
    "retrain",
    "store_evaluation",
    "suggest",
    "theme_probabilities",
]

POLARITIES = SENTIMENT_CLASSES  # negative, neutral, positive
_POLARITY_WORDS = {
    "positive": POSITIVE, "negative": NEGATIVE, "neutral": NEUTRAL, "mixed": MIXED,
    "conflict": MIXED,
}
TEXT_COLUMNS = ("text", "comment", "comments", "review", "feedback", "verbatim", "текст",
                "отзыв", "комментарий", "tekst", "komentarz", "opinia", "文本", "评论")
THEMES_COLUMNS = ("themes", "theme", "labels", "label", "categories", "category", "aspects",
                  "codes", "темы", "тема", "tematy", "temat", "主题")
SENTIMENT_COLUMNS = ("sentiment", "polarity", "тональность", "sentyment", "情感")
MIN_EXAMPLES = 3
C_GRID = (0.5, 2.0, 8.0)
PRIOR_WEIGHTS = (0.0, 0.3, 1.0)  # weight of a prior example; chosen by CV (0 = no priors)
AUTO_PRIOR_MIN_LIFT = 0.1
_NO_THEME = "(none)"
_SEP = re.compile(r"[;\n]")


class LabelError(VocError):
    """Labeled samples cannot be used for training (no usable row, no theme, bad columns)."""


# ============================================================================================
# Labeled samples
# ============================================================================================
@dataclass(frozen=True)
class LabelProblem:
    """One problem found in a labeled-sample file.

    Attributes:
        row: the row number as a spreadsheet shows it (header = row 1), or the line number of
            a JSONL record.
        column: the column the problem is in.
        value: the offending value (shortened).
        problem: what is wrong.
        action: what voc did about it (e.g. "row skipped", "polarity ignored").
    """

    row: int
    column: str
    value: str
    problem: str
    action: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column} {self.value!r}: {self.problem}; {self.action}"


@dataclass
class LabelReport:
    """What :func:`read_labels` found: counts, the codeframe, and every problem.

    Attributes:
        n_rows: data rows in the input.
        n_used: rows used for training.
        problems: every problem, in row order.
        theme_counts: labeled comments per theme that is learnt (codeframe order).
        dropped_themes: themes with fewer than ``min_examples`` comments -> their count.
        mode: ``"single"`` (every used comment has exactly one theme) or ``"multi"``.
        n_polarity: (comment, theme) pairs with a positive/negative/neutral polarity.
        n_sentiment: comments with a whole-comment sentiment.
        min_examples: the minimum number of comments a theme needs.
    """

    n_rows: int
    n_used: int
    problems: list[LabelProblem]
    theme_counts: dict[str, int]
    dropped_themes: dict[str, int]
    mode: str
    n_polarity: int
    n_sentiment: int
    min_examples: int = MIN_EXAMPLES

    def summary(self) -> str:
        """A few human-readable lines (counts, mode, and the first problems)."""
        lines = [
            f"{self.n_used:,} of {self.n_rows:,} labeled rows used; {len(self.theme_counts)} "
            f"themes ({self.mode}-label); {self.n_polarity:,} theme polarities; "
            f"{self.n_sentiment:,} comment sentiments.",
        ]
        if self.dropped_themes:
            dropped = ", ".join(f"{t} ({n})" for t, n in self.dropped_themes.items())
            lines.append(f"Not learnt (fewer than {self.min_examples} examples): {dropped}. "
                         "Label more comments with these themes or merge them into others.")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  - {p}" for p in self.problems[:20]]
            if len(self.problems) > 20:
                lines.append(f"  ... and {len(self.problems) - 20} more "
                             "(see LabelReport.problems_frame())")
        return "\n".join(lines)

    def problems_frame(self) -> pd.DataFrame:
        """Every problem as a DataFrame: row, column, value, problem, action."""
        return pd.DataFrame([dataclasses.asdict(p) for p in self.problems],
                            columns=["row", "column", "value", "problem", "action"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (at most 100 problems)."""
        return {
            "n_rows": self.n_rows, "n_used": self.n_used, "mode": self.mode,
            "theme_counts": dict(self.theme_counts), "dropped_themes": dict(self.dropped_themes),
            "n_polarity": self.n_polarity, "n_sentiment": self.n_sentiment,
            "n_problems": len(self.problems),
            "problems": [str(p) for p in self.problems[:100]],
        }


@dataclass
class LabeledData:
    """Parsed labeled samples (only usable rows), in input order.

    Attributes:
        texts: the comments (cleaned like the analyzer cleans them).
        themes: per comment, its learnt theme ids (possibly empty: "no theme").
        polarities: per comment, theme id -> positive/negative/neutral/mixed, for the themes
            whose polarity was given.
        sentiment: per comment, its whole-comment sentiment or None.
        rows: per comment, its row number in the input (see :class:`LabelProblem`).
        report: the :class:`LabelReport`.
        names: theme id -> display name (ids with spaces are shown with their spaces).
    """

    texts: list[str]
    themes: list[list[str]]
    polarities: list[dict[str, str]]
    sentiment: list[str | None]
    rows: list[int]
    report: LabelReport
    names: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def theme_ids(self) -> list[str]:
        """The learnt themes, in order of first appearance."""
        return list(self.report.theme_counts)

    @property
    def mode(self) -> str:
        return self.report.mode

    def subset(self, index: Sequence[int]) -> LabeledData:
        """The rows at ``index`` (e.g. one cross-validation fold); same report and names."""
        idx = [int(i) for i in index]
        return LabeledData(
            [self.texts[i] for i in idx], [list(self.themes[i]) for i in idx],
            [dict(self.polarities[i]) for i in idx], [self.sentiment[i] for i in idx],
            [self.rows[i] for i in idx], self.report, dict(self.names),
        )

    def sha256(self) -> str:
        """Hash of the usable labeled content (text, themes:polarity, sentiment), in order."""
        digest = hashlib.sha256()
        for text, themes, pol, senti in zip(self.texts, self.themes, self.polarities,
                                            self.sentiment, strict=True):
            labels = ";".join(f"{t}:{pol[t]}" if t in pol else t for t in themes)
            digest.update(f"{text}\t{labels}\t{senti or ''}\n".encode())
        return digest.hexdigest()

    def to_frame(self) -> pd.DataFrame:
        """Back to the labeled-sample format (``text``, ``themes``, ``sentiment``)."""
        return pd.DataFrame({
            "text": self.texts,
            "themes": [";".join(f"{t}:{p[t]}" if t in p else t for t in th)
                       for th, p in zip(self.themes, self.polarities, strict=True)],
            "sentiment": [s or "" for s in self.sentiment],
        })


def _find_column(df: pd.DataFrame, wanted: str | None, candidates: Sequence[str],
                 role: str, required: bool) -> str | None:
    columns = [c for c in df.columns if isinstance(c, str)]
    if wanted is not None:
        if wanted not in columns:
            raise LabelError(
                expected=f"a {role} column named {wanted!r}",
                found=f"columns {columns[:12]}",
                fix=f"pass the name of the {role} column exactly as it is in the header",
            )
        return wanted
    lowered = {c.strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lowered:
            return lowered[cand]
    if required:
        raise LabelError(
            expected=f"a {role} column (one of: {', '.join(candidates[:6])})",
            found=f"columns {columns[:12]}",
            fix=f"rename the column to '{candidates[0]}' or pass it explicitly "
                f"(--{role}-col / {role}_col=)",
        )
    return None


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return bool(isinstance(value, str) and not value.strip())


def _theme_tokens(value: Any) -> list[str]:
    if _is_missing(value):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v).strip() for v in value if not _is_missing(v)]
    return [t.strip() for t in _SEP.split(str(value)) if t.strip()]


def _short(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_labels(
    df: pd.DataFrame,
    *,
    text_col: str | None = None,
    themes_col: str | None = None,
    sentiment_col: str | None = None,
    min_examples: int = MIN_EXAMPLES,
    first_row: int = 2,
) -> LabeledData:
    """Parse a labeled-sample table; every problem is reported, none raises.

    Args:
        df: the table (one row per comment).
        text_col, themes_col, sentiment_col: column names; None = found by name (``text``,
            ``themes``, ``sentiment`` and common synonyms in en/ru/pl/zh, case-insensitive).
        min_examples: a theme needs at least this many labeled comments to be learnt; rarer
            themes are reported in ``report.dropped_themes`` and left out.
        first_row: the row number of ``df``'s first row in the source (2 for a file with a
            header row; 1 for JSONL).

    Raises:
        LabelError: no text or themes column, or no usable row / theme at all.
    """
    if min_examples < 1:
        raise LabelError(expected="min_examples >= 1", found=str(min_examples),
                         fix="use the default (3) or another positive number")
    tcol = _find_column(df, text_col, TEXT_COLUMNS, "text", required=True)
    hcol = _find_column(df, themes_col, THEMES_COLUMNS, "themes", required=True)
    scol = _find_column(df, sentiment_col, SENTIMENT_COLUMNS, "sentiment", required=False)
    assert tcol is not None and hcol is not None
    problems: list[LabelProblem] = []
    texts: list[str] = []
    themes: list[list[str]] = []
    polarities: list[dict[str, str]] = []
    sentiment: list[str | None] = []
    rows: list[int] = []
    names: dict[str, str] = {}
    sentiments = df[scol].tolist() if scol else [None] * len(df)
    for i, (raw_text, raw_themes, raw_senti) in enumerate(
            zip(df[tcol].tolist(), df[hcol].tolist(), sentiments, strict=True)):
        row = first_row + i
        text = "" if _is_missing(raw_text) else clean_text(str(raw_text), keep_newlines=True)
        if not text.strip():
            problems.append(LabelProblem(row, tcol, _short("" if raw_text is None else raw_text),
                                         "empty text", "row skipped"))
            continue
        row_themes: list[str] = []
        row_pol: dict[str, str] = {}
        for token in _theme_tokens(raw_themes):
            theme, sep, pol = token.rpartition(":")
            if not sep:
                theme, pol = token, ""
            theme = theme.strip()
            if not theme:
                problems.append(LabelProblem(row, hcol, token, "a polarity without a theme id",
                                             "label ignored"))
                continue
            if re.search(r"\s", theme):
                slug = re.sub(r"\s+", "_", theme)
                names.setdefault(slug, theme)
                problems.append(LabelProblem(
                    row, hcol, theme, "theme ids cannot contain spaces",
                    f"used as {slug!r} (shown as {theme!r})"))
                theme = slug
            if theme.lower() == "none":
                continue  # an explicit "none" means no theme
            pol_key = pol.strip().lower()
            if pol_key and pol_key not in _POLARITY_WORDS:
                problems.append(LabelProblem(
                    row, hcol, token,
                    "unknown polarity (expected positive, negative, neutral or mixed)",
                    "theme kept, polarity ignored"))
                pol_key = ""
            if theme not in row_themes:
                row_themes.append(theme)
            if pol_key:
                new = _POLARITY_WORDS[pol_key]
                old = row_pol.get(theme)
                row_pol[theme] = new if old in (None, new) else MIXED
        senti: str | None = None
        if not _is_missing(raw_senti):
            key = str(raw_senti).strip().lower()
            if key in _POLARITY_WORDS:
                senti = _POLARITY_WORDS[key]
            else:
                problems.append(LabelProblem(
                    row, scol or "sentiment", _short(raw_senti),
                    "unknown sentiment (expected positive, negative, neutral or mixed)",
                    "sentiment ignored"))
        texts.append(text)
        themes.append(row_themes)
        polarities.append(row_pol)
        sentiment.append(senti)
        rows.append(row)
    n_with_text = len(texts)
    counts: dict[str, int] = {}
    for row_themes in themes:
        for t in row_themes:
            counts[t] = counts.get(t, 0) + 1
    dropped = {t: n for t, n in counts.items() if n < min_examples}
    keep_rows: list[int] = []
    for k, row_themes in enumerate(themes):
        rare = [t for t in row_themes if t in dropped]
        if rare:
            for t in rare:
                problems.append(LabelProblem(
                    rows[k], hcol, t,
                    f"theme has only {counts[t]} example(s), fewer than {min_examples}",
                    "theme not learnt" + (" and row skipped" if len(rare) == len(row_themes)
                                          else "")))
            themes[k] = [t for t in row_themes if t not in dropped]
            polarities[k] = {t: p for t, p in polarities[k].items() if t not in dropped}
            if not themes[k]:
                continue  # its only themes cannot be learnt: not a "no theme" example
        keep_rows.append(k)
    texts = [texts[k] for k in keep_rows]
    themes = [themes[k] for k in keep_rows]
    polarities = [polarities[k] for k in keep_rows]
    sentiment = [sentiment[k] for k in keep_rows]
    rows = [rows[k] for k in keep_rows]
    problems.sort(key=lambda p: p.row)
    theme_counts = {t: n for t, n in counts.items() if t not in dropped}
    mode = "single" if themes and all(len(t) == 1 for t in themes) else "multi"
    report = LabelReport(
        n_rows=len(df), n_used=len(texts), problems=problems, theme_counts=theme_counts,
        dropped_themes=dropped, mode=mode,
        n_polarity=sum(1 for p in polarities for v in p.values() if v in POLARITIES),
        n_sentiment=sum(1 for s in sentiment if s is not None), min_examples=min_examples,
    )
    if not n_with_text:
        raise LabelError(
            expected="at least one labeled row with text",
            found=f"none usable among {len(df)} rows ({len(problems)} problems; first: "
                  f"{problems[0] if problems else 'n/a'})",
            fix="check the text and themes columns",
        )
    if not theme_counts:
        raise LabelError(
            expected=f"at least one theme with {min_examples} or more labeled comments",
            found="no such theme" + (f" (too rare: {', '.join(list(dropped)[:8])})"
                                     if dropped else " (the themes column is empty)"),
            fix="label more comments per theme (5-10 each is a good start)",
        )
    return LabeledData(texts, themes, polarities, sentiment, rows, report,
                       {t: names.get(t, t) for t in theme_counts})


def read_labels(
    source: str | os.PathLike[str] | pd.DataFrame | LabeledData,
    *,
    text_col: str | None = None,
    themes_col: str | None = None,
    sentiment_col: str | None = None,
    sheet: str | int | None = None,
    min_examples: int = MIN_EXAMPLES,
) -> LabeledData:
    """Read labeled samples from a file (any format :func:`voc.io.read_feedback` reads), a
    DataFrame, or pass :class:`LabeledData` through. See :func:`parse_labels`."""
    if isinstance(source, LabeledData):
        return source
    if isinstance(source, pd.DataFrame):
        return parse_labels(source, text_col=text_col, themes_col=themes_col,
                            sentiment_col=sentiment_col, min_examples=min_examples)
    from voc.io import read_feedback

    raw = read_feedback(source, sheet=sheet)
    fmt = raw.attrs.get("voc_source", {}).get("format")
    return parse_labels(raw, text_col=text_col, themes_col=themes_col,
                        sentiment_col=sentiment_col, min_examples=min_examples,
                        first_row=1 if fmt in ("jsonl", "json", "parquet") else 2)


# ============================================================================================
# Shared preparation: clauses and multi-clause sentences, as the analyzer scores them
# ============================================================================================
@dataclass
class _Units:
    """The pieces of each comment that the analyzer scores for themes."""

    texts: list[str]
    languages: list[str]
    unit_texts: list[str]
    unit_doc: np.ndarray  # (u,) comment index of each unit
    unit_lang: list[str]
    unit_short: np.ndarray  # (u,) clause shorter than min_clause_chars (never has a theme)
    clauses: list[list[int]]  # per comment: unit indices of its clauses, in order


def _prepare_units(texts: Sequence[str], analyzer: Analyzer,
                   languages: Sequence[str] | None = None) -> _Units:
    cleaned = [clean_text(t, keep_newlines=True) for t in texts]
    langs = list(languages) if languages is not None else detect_languages(cleaned)
    segs = split_many(cleaned, langs)
    unit_texts: list[str] = []
    unit_doc: list[int] = []
    unit_short: list[bool] = []
    clauses: list[list[int]] = []
    min_chars = analyzer.settings.min_clause_chars
    for d, doc in enumerate(segs):
        own: list[int] = []
        for s in doc:
            own.append(len(unit_texts))
            unit_texts.append(s.text)
            unit_doc.append(d)
            unit_short.append(len(s.text) < min_chars)
        clauses.append(own)
        if analyzer.settings.sentence_context:
            counts: dict[int, int] = {}
            for s in doc:
                counts[s.sentence_id] = counts.get(s.sentence_id, 0) + 1
            seen: set[int] = set()
            for s in doc:
                if counts[s.sentence_id] > 1 and s.sentence_id not in seen:
                    seen.add(s.sentence_id)
                    unit_texts.append(s.sentence)
                    unit_doc.append(d)
                    unit_short.append(False)
    doc_idx = np.asarray(unit_doc, dtype=np.int64)
    return _Units(cleaned, langs, unit_texts, doc_idx, [langs[d] for d in unit_doc],
                  np.asarray(unit_short, dtype=bool), clauses)


def _doc_max(values: np.ndarray, unit_doc: np.ndarray, n_docs: int, fill: float) -> np.ndarray:
    """Per comment, the column-wise maximum of its units' rows (``fill`` for no units)."""
    out = np.full((n_docs, values.shape[1]), -np.inf)
    if len(unit_doc):
        np.maximum.at(out, unit_doc, values)
    out[np.isinf(out)] = fill
    return out


def theme_probabilities(analyzer: Analyzer, texts: Sequence[str]) -> pd.DataFrame:
    """Per comment, the probability of each theme as the analyzer computes it (the maximum
    over the comment's clauses and multi-clause sentences); columns = theme ids."""
    units = _prepare_units(texts, analyzer)
    proba = _unit_theme_proba(analyzer, units)
    doc = _doc_max(proba, units.unit_doc, len(units.texts), 0.0)
    return pd.DataFrame(doc, columns=[str(c) for c in analyzer.theme_head.classes_])


def _unit_theme_proba(analyzer: Analyzer, units: _Units) -> np.ndarray:
    k = len(analyzer.theme_head.classes_)
    if not units.unit_texts:
        return np.zeros((0, k))
    vecs = analyzer.embed(units.unit_texts)
    proba = analyzer.theme_head.predict_proba(
        analyzer.theme_input(units.unit_texts, vecs, units.unit_lang))
    proba[units.unit_short] = 0.0
    return np.asarray(proba)


# ============================================================================================
# Training
# ============================================================================================
@dataclass(frozen=True)
class TrainingOptions:
    """Settings of :func:`retrain` (stored in the model's ``model.json``).

    Attributes:
        mode: ``"auto"`` (single-label when every labeled comment has exactly one theme,
            else multi-label), ``"single"`` or ``"multi"``.
        embedder: embedding backend; None = the base model's.
        priors: let themes also learn from the base taxonomy's example phrases: themes with
            the same id as a base theme, themes mapped in ``prior_map`` and (with
            ``auto_prior_map``) new themes matched automatically to a base theme.
        prior_weight: sample weight of one prior example relative to one label (0..1);
            None = chosen by cross-validation among ``PRIOR_WEIGHTS`` (0 = priors unused).
        prior_map: new theme id -> base theme id whose examples serve as its prior.
        auto_prior_map: map the other new themes to the base theme whose zero-shot score
            rises most with them (see :func:`_auto_prior_map`).
        min_examples: labeled comments a theme needs to be learnt.
        cv_folds: folds for choosing C and thresholds and for the training report (>= 2).
        theme_c: inverse regularisation of the theme head; None = chosen by CV from
            ``C_GRID``.
        lexical_weight: weight of the n-gram TF-IDF block of the theme features
            (0 = embeddings only).
        lexical_words: the TF-IDF block also has word uni- and bigrams (besides character
            2-4-grams).
        sentiment: ``"auto"`` (refit the sentiment head when labels carry polarities and the
            refitted head is more accurate out of fold), ``"retrain"`` or ``"keep"``.
        sentiment_c: inverse regularisation of the sentiment head.
        weak_weight: sample weight of a comment labeled weakly from its score.
        random_state: seed of the fold splits.
    """

    mode: str = "auto"
    embedder: str | None = None
    priors: bool = True
    prior_weight: float | None = None
    prior_map: Mapping[str, str] | None = None
    auto_prior_map: bool = True
    min_examples: int = MIN_EXAMPLES
    cv_folds: int = 5
    theme_c: float | None = None
    lexical_weight: float = 1.0
    lexical_words: bool = True
    sentiment: str = "auto"
    sentiment_c: float = 1.0
    weak_weight: float = 0.3
    random_state: int = 0

    def __post_init__(self) -> None:
        checks = [
            (self.mode in ("auto", "single", "multi"), "mode", "auto, single or multi"),
            (self.sentiment in ("auto", "retrain", "keep"), "sentiment",
             "auto, retrain or keep"),
            (self.prior_weight is None or 0.0 <= self.prior_weight <= 1.0, "prior_weight",
             "a number in [0, 1] or None"),
            (self.cv_folds >= 2, "cv_folds", "an integer >= 2"),
            (self.min_examples >= 1, "min_examples", "an integer >= 1"),
            (self.theme_c is None or self.theme_c > 0, "theme_c", "a positive number or None"),
            (self.sentiment_c > 0, "sentiment_c", "a positive number"),
            (self.lexical_weight >= 0, "lexical_weight", "a number >= 0"),
            (0.0 <= self.weak_weight <= 1.0, "weak_weight", "a number in [0, 1]"),
        ]
        for ok, name, expected in checks:
            if not ok:
                raise VocError(expected=f"{name} to be {expected}",
                               found=repr(getattr(self, name)),
                               fix=f"pass a valid {name}")

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["prior_map"] = dict(self.prior_map or {})
        return out


def _build_taxonomy(base: Taxonomy, data: LabeledData, prior_map: Mapping[str, str],
                    languages: Sequence[str]) -> Taxonomy:
    """The codeframe: known themes keep their base definition; new themes get examples."""
    base_ids = set(base.ids)
    known = [t for t in base.ids if t in data.report.theme_counts]
    new = [t for t in data.theme_ids if t not in base_ids]
    themes: list[Theme] = [base.get(t) for t in known]
    for theme_id in new:
        examples: dict[str, list[str]] = {}
        for text, row_themes, lang in zip(data.texts, data.themes, languages, strict=True):
            if theme_id in row_themes and len(text) <= 300:
                bucket = examples.setdefault(lang, [])
                if len(bucket) < 3 and text not in bucket:
                    bucket.append(text)
        mapped = prior_map.get(theme_id)
        source = base.get(mapped) if mapped in base_ids else None
        themes.append(Theme(
            id=theme_id, name=data.names.get(theme_id, theme_id),
            description=source.description if source else "",
            journey_stage=source.journey_stage if source else None,
            rater=source.rater if source else None,
            examples={k: tuple(v) for k, v in sorted(examples.items())},
            origin="labels",
        ))
    return Taxonomy(tuple(themes), version=_dt.date.today().isoformat(),
                    name=f"{base.name}+labels")


def _prior_rows(base: Taxonomy, classes: Sequence[str], prior_map: Mapping[str, str]
                ) -> tuple[list[str], np.ndarray]:
    """Example phrases of the base taxonomy for the themes that have a base counterpart."""
    texts: list[str] = []
    labels: list[int] = []
    for j, theme_id in enumerate(classes):
        base_id = prior_map.get(theme_id, theme_id)
        if base_id not in base:
            continue
        for phrases in base.get(base_id).examples.values():
            for phrase in phrases:
                texts.append(phrase)
                labels.append(j)
    Y = np.zeros((len(texts), len(classes)), dtype=np.int8)
    Y[np.arange(len(texts)), labels] = 1
    return texts, Y


def _single_threaded() -> Any:
    """BLAS/OpenMP limited to one thread: the many small logistic-regression fits are
    several times faster this way (no thread hand-offs), and faster still on a busy machine."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _fit_binary(X: Any, y: np.ndarray, w: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == len(y):
        return np.zeros(X.shape[1]), -20.0 if n_pos == 0 else 20.0
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, tol=1e-3)
    model.fit(X, y, sample_weight=w)
    return model.coef_[0].copy(), float(model.intercept_[0])


def _used_columns(X: Any) -> np.ndarray:
    """Columns with a non-zero value in some row. Under L2 regularisation the weights of the
    other columns are exactly zero, so fitting on the used columns only gives the same model,
    much faster (most of the 16,384 hashed n-gram buckets are empty in a small sample)."""
    if sp.issparse(X):
        return np.unique(sp.csr_matrix(X).indices)
    return np.flatnonzero(np.any(np.asarray(X) != 0, axis=0))


def _fit_all(X: Any, Y: np.ndarray, w: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray]:
    used = _used_columns(X)
    X_used = X[:, used]
    coefs, intercepts = zip(*(_fit_binary(X_used, Y[:, j], w, C) for j in range(Y.shape[1])),
                            strict=True)
    coef = np.zeros((Y.shape[1], X.shape[1]))
    coef[:, used] = np.vstack(coefs)
    return coef, np.asarray(intercepts)


def _best_thresholds(P: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per theme, the threshold in [0.05, 0.95] that maximises F1 (ties: closest to 0.5)."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    order = np.argsort(np.abs(grid - 0.5), kind="stable")
    thresholds = np.full(Y.shape[1], 0.5)
    best_f1 = np.zeros(Y.shape[1])
    for j in range(Y.shape[1]):
        y = Y[:, j].astype(bool)
        if not y.any():
            continue
        pred = P[:, j][:, None] >= grid[None, :]
        tp = (pred & y[:, None]).sum(axis=0)
        f1 = 2 * tp / (pred.sum(axis=0) + y.sum())
        k = order[int(np.argmax(f1[order]))]
        thresholds[j], best_f1[j] = grid[k], f1[k]
    return thresholds, best_f1


def _with_required(P: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Predictions at ``thresholds``, plus each comment's most probable theme when it has
    none (the ``require_theme`` rule of :class:`~voc.pipeline.AnalyzerSettings`)."""
    pred = thresholds <= P
    empty = ~pred.any(axis=1) & (P.max(axis=1, initial=0.0) > 0)
    pred[np.flatnonzero(empty), P[empty].argmax(axis=1)] = True
    return pred


def _required_thresholds(P: np.ndarray, Y: np.ndarray, start: np.ndarray,
                         rounds: int = 2) -> tuple[np.ndarray, float]:
    """Thresholds tuned for the ``require_theme`` rule by coordinate ascent on micro-F1
    (starting from the per-theme optimum; ties keep the current value); (thresholds, F1)."""
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    thresholds = start.copy()
    best = _micro_f1(_with_required(P, thresholds), Y)
    for _ in range(rounds):
        changed = False
        for j in range(P.shape[1]):
            for t in grid:
                trial = thresholds.copy()
                trial[j] = t
                score = _micro_f1(_with_required(P, trial), Y)
                if score > best + 1e-12:
                    best, thresholds, changed = score, trial, True
        if not changed:
            break
    return thresholds, best


def _micro_f1(pred: np.ndarray, Y: np.ndarray) -> float:
    pred, gold = pred.astype(bool), Y.astype(bool)
    tp = int((pred & gold).sum())
    denom = int(pred.sum() + gold.sum())
    return 2 * tp / denom if denom else 1.0


def _single_pred(P: np.ndarray) -> np.ndarray:
    pred = np.zeros(P.shape, dtype=np.int8)
    pred[np.arange(len(P)), P.argmax(axis=1)] = 1
    return pred


def _stack(blocks: Sequence[Any]) -> Any:
    if any(sp.issparse(b) for b in blocks):
        return sp.vstack([sp.csr_matrix(b) for b in blocks], format="csr")
    return np.vstack(blocks)


@dataclass
class _ThemeFit:
    head: ThemeClassifier
    oof_proba: np.ndarray  # (n, k) calibrated, comment level
    scores: dict[str, float]  # "C=..,prior=.." -> out-of-fold score
    prior_weight: float
    require_theme: bool = False  # every comment gets at least its most probable theme


def _fit_theme_head(
    X_doc: Any, Y: np.ndarray, X_units: Any, unit_doc: np.ndarray, unit_short: np.ndarray,
    X_prior: Any, Y_prior: np.ndarray, classes: list[str], mode: str,
    opts: TrainingOptions,
) -> _ThemeFit:
    """Choose C (and the prior weight) by K-fold CV at comment level, calibrate, threshold,
    and fit the final head on everything."""
    n, k = Y.shape
    folds = min(opts.cv_folds, n)
    splits = list(KFold(folds, shuffle=True, random_state=opts.random_state).split(np.arange(n)))
    grid = (opts.theme_c,) if opts.theme_c is not None else C_GRID
    if not len(Y_prior):
        weights: tuple[float, ...] = (0.0,)
    elif opts.prior_weight is not None:
        weights = (float(opts.prior_weight),)
    else:
        weights = PRIOR_WEIGHTS
    unit_rows = [np.flatnonzero(np.isin(unit_doc, test)) for _, test in splits]

    def training_set(rows: np.ndarray, w: float) -> tuple[Any, np.ndarray, np.ndarray]:
        if w <= 0:
            return X_doc[rows], Y[rows], np.ones(len(rows))
        return (_stack([X_doc[rows], X_prior]), np.vstack([Y[rows], Y_prior]),
                np.concatenate([np.ones(len(rows)), np.full(len(Y_prior), w)]))

    results: dict[tuple[float, float], tuple[float, np.ndarray, np.ndarray]] = {}

    def cross_validate(C: float, w: float) -> None:
        if (C, w) in results:
            return
        decision = np.full((n, k), -np.inf)
        for (train, _test), rows in zip(splits, unit_rows, strict=True):
            coef, intercept = _fit_all(*training_set(train, w), C)
            if len(rows):
                dec = np.asarray(X_units[rows] @ coef.T) + intercept
                dec[unit_short[rows]] = -np.inf
                np.maximum.at(decision, unit_doc[rows], dec)
        decision[np.isinf(decision)] = -20.0
        calibration = np.array([_platt(decision[:, j], Y[:, j]) if 0 < Y[:, j].sum() < n
                                else (1.0, 0.0) for j in range(k)])
        proba = 1.0 / (1.0 + np.exp(-np.clip(decision * calibration[:, 0]
                                             + calibration[:, 1], -40, 40)))
        if mode == "single":
            score = float(np.mean(Y[np.arange(n), proba.argmax(axis=1)] == 1))
        else:
            thresholds, _ = _best_thresholds(proba, Y)
            score = _micro_f1(proba >= thresholds, Y)
        results[(C, w)] = (score, proba, calibration)

    mid_c = float(np.median(grid))
    mid_w = float(np.median(weights))

    def best(keys: Sequence[tuple[float, float]]) -> tuple[float, float]:
        # ties (common with few labels): the C, then the prior weight, closest to the middle
        # of its grid (C in log scale)
        top = max(results[key][0] for key in keys)
        return min((key for key in keys if results[key][0] >= top - 1e-9),
                   key=lambda key: (abs(math.log(key[0] / mid_c)), abs(key[1] - mid_w)))

    # coordinate search: the prior weight at the middle C, then C at that weight
    for w in weights:
        cross_validate(mid_c, w)
    best_w = best([(mid_c, w) for w in weights])[1]
    for C in grid:
        cross_validate(C, best_w)
    best_c, best_w = best(list(results))
    _, proba, calibration = results[(best_c, best_w)]
    thresholds, _ = _best_thresholds(proba, Y)
    require = False
    if mode == "multi" and bool(Y.any(axis=1).all()) and n >= 2 * folds:
        # every labeled comment has a theme: try "always at least one theme"
        req_thresholds, req_score = _required_thresholds(proba, Y, thresholds)
        if req_score > _micro_f1(proba >= thresholds, Y) + 1e-9:
            thresholds, require = req_thresholds, True
    coef, intercept = _fit_all(*training_set(np.arange(n), best_w), best_c)
    head = ThemeClassifier(classes=list(classes), C=float(best_c), threshold=0.5,
                           calibration_folds=folds, class_weight="balanced",
                           random_state=opts.random_state)
    head.classes_ = np.array(classes, dtype=object)
    head.coef_ = coef
    head.intercept_ = intercept
    head.calibration_ = calibration
    head.thresholds_ = thresholds
    head.n_features_in_ = coef.shape[1]
    scores = {f"C={C:g},prior={w:g}": round(r[0], 4) for (C, w), r in results.items()}
    return _ThemeFit(head, proba, scores, best_w, require)


def _auto_prior_map(base: Analyzer, data: LabeledData, units: _Units,
                    taken: set[str]) -> dict[str, str]:
    """Map new themes to the base theme whose zero-shot score rises most with them.

    For a new theme t and a base theme b, ``lift = mean P_b(comments with t) - mean P_b(the
    others)`` (base model probabilities). Each base theme b (not already a theme of the
    codeframe, not in ``taken``) goes to the new theme with the largest ``lift *
    sqrt(#comments with t)``, if that lift is at least ``AUTO_PRIOR_MIN_LIFT``. Whether the
    resulting priors are used at all is then decided by cross-validation.
    """
    new = [t for t in data.theme_ids if t not in base.taxonomy and t not in taken]
    if not new:
        return {}
    proba = base.theme_head.predict_proba(base.theme_input(
        units.texts, base.embed(units.texts), units.languages))
    base_ids = [str(c) for c in base.theme_head.classes_]
    candidates: dict[str, tuple[float, str]] = {}
    for t in new:
        has = np.array([t in row for row in data.themes])
        if has.all() or not has.any():
            continue
        lift = proba[has].mean(axis=0) - proba[~has].mean(axis=0)
        for j, b in enumerate(base_ids):
            if b in data.report.theme_counts or b in taken or lift[j] < AUTO_PRIOR_MIN_LIFT:
                continue
            score = float(lift[j]) * math.sqrt(int(has.sum()))
            if b not in candidates or score > candidates[b][0]:
                candidates[b] = (score, t)
    out: dict[str, str] = {}
    for b, (_, t) in sorted(candidates.items(), key=lambda kv: -kv[1][0]):
        out.setdefault(t, b)  # one base theme per new theme: its best match
    return out


def _weak_labels(scores: Sequence[Any], scale: str) -> list[str | None]:
    """Promoters -> positive, detractors -> negative, everything else -> None."""
    out: list[str | None] = []
    for value in scores:
        try:
            s = float(value)
        except (TypeError, ValueError):
            out.append(None)
            continue
        if math.isnan(s):
            out.append(None)
        elif scale == "nps":  # 0..10
            out.append(POSITIVE if s >= 9 else NEGATIVE if s <= 6 else None)
        elif scale == "csat":  # 1..5
            out.append(POSITIVE if s >= 5 else NEGATIVE if s <= 2 else None)
        else:
            raise VocError(expected="weak_scale 'nps' (0-10) or 'csat' (1-5)",
                           found=repr(scale), fix="pass weak_scale='nps' or 'csat'")
    return out


@dataclass
class _SentimentFit:
    head: SentimentClassifier
    source: str  # "retrained" or "base"
    n_examples: int
    oof_accuracy: float | None
    base_accuracy: float | None
    note: str


def _sentiment_examples(
    data: LabeledData, units: _Units, unit_proba: np.ndarray, classes: list[str],
) -> tuple[list[str], list[str], list[str], list[int]]:
    """(texts, labels, languages, comment index): the clause carrying each labeled theme
    polarity, and whole comments with a comment-level sentiment."""
    index = {c: j for j, c in enumerate(classes)}
    texts: list[str] = []
    labels: list[str] = []
    langs: list[str] = []
    groups: list[int] = []
    for d, pol in enumerate(data.polarities):
        clause_ids = units.clauses[d]
        for theme, label in pol.items():
            if label not in POLARITIES or not clause_ids or theme not in index:
                continue
            best = clause_ids[int(np.argmax(unit_proba[clause_ids, index[theme]]))]
            texts.append(units.unit_texts[best])
            labels.append(label)
            langs.append(units.languages[d])
            groups.append(d)
        label = data.sentiment[d]
        if label in POLARITIES:
            texts.append(units.texts[d])
            labels.append(label)
            langs.append(units.languages[d])
            groups.append(d)
    return texts, labels, langs, groups


def _fit_sentiment(
    base: Analyzer, same_embedder: bool, vecs: np.ndarray, texts: list[str],
    labels: list[str], langs: list[str], groups: list[int],
    weights: np.ndarray, opts: TrainingOptions,
) -> _SentimentFit:
    classes_present = sorted(set(labels))
    keep_base = _SentimentFit(base.sentiment_head, "base", len(texts), None, None, "")
    if opts.sentiment == "keep" or len(classes_present) < 2:
        if not same_embedder:
            raise LabelError(
                expected="theme polarities or comment sentiments of at least two kinds when "
                         "training with another embedder than the base model's",
                found=f"sentiment labels {classes_present or 'none'}",
                fix="add ':positive'/':negative' to themes or a sentiment column, or keep "
                    "the base embedder",
            )
        keep_base.note = ("kept the base sentiment head (requested)" if opts.sentiment == "keep"
                          else "kept the base sentiment head (labels carry fewer than two "
                               "sentiment classes)")
        return keep_base
    features = base.sentiment_features
    X = features.transform(texts, vecs, langs) if features is not None else vecs
    y = np.asarray(labels, dtype=object)

    def fit(rows: np.ndarray) -> SentimentClassifier:
        X_rows = X[rows]
        used = _used_columns(X_rows)  # same model, fitted on the non-empty columns only
        head = SentimentClassifier(C=opts.sentiment_c, class_weight=None).fit(
            X_rows[:, used], y[rows], sample_weight=weights[rows])
        coef = np.zeros((head.coef_.shape[0], X.shape[1]))
        coef[:, used] = head.coef_
        head.coef_, head.n_features_in_ = coef, X.shape[1]
        return head

    oof_acc = base_acc = None
    labeled = np.flatnonzero(weights >= 1.0)  # strong labels only are scored
    if opts.sentiment == "auto" and same_embedder:
        group_arr = np.asarray(groups)
        unique = np.unique(group_arr)
        folds = min(3, opts.cv_folds, len(unique))
        pred = np.empty(len(y), dtype=object)
        ok = folds >= 2
        if ok:
            splitter = KFold(folds, shuffle=True, random_state=opts.random_state)
            for train_g, test_g in splitter.split(unique):
                train = np.flatnonzero(np.isin(group_arr, unique[train_g]))
                test = np.flatnonzero(np.isin(group_arr, unique[test_g]))
                if len(set(y[train])) < 2:
                    ok = False
                    break
                pred[test] = fit(train).predict(X[test])
        base_pred = base.sentiment_head.predict(X)
        base_acc = float(np.mean(base_pred[labeled] == y[labeled]))
        if ok:
            oof_acc = float(np.mean(pred[labeled] == y[labeled]))
        if not ok or oof_acc is None or oof_acc <= base_acc:
            keep_base.oof_accuracy, keep_base.base_accuracy = oof_acc, base_acc
            keep_base.note = (
                f"kept the base sentiment head: out-of-fold accuracy of a refitted head "
                f"{'n/a' if oof_acc is None else f'{oof_acc:.3f}'} <= base {base_acc:.3f} "
                f"on {len(labeled)} labeled examples")
            return keep_base
    head = fit(np.arange(len(y)))
    note = "refitted on the labeled examples"
    if oof_acc is not None and base_acc is not None:
        note += f" (out-of-fold accuracy {oof_acc:.3f} vs base {base_acc:.3f})"
    return _SentimentFit(head, "retrained", len(y), oof_acc, base_acc, note)


def retrain(
    base: Analyzer,
    labels: str | os.PathLike[str] | pd.DataFrame | LabeledData,
    *,
    weak_texts: Sequence[str] | None = None,
    weak_scores: Sequence[Any] | None = None,
    weak_scale: str = "nps",
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> Analyzer:
    """Train a new :class:`~voc.pipeline.Analyzer` from ``base`` and labeled samples.

    Args:
        base: the model to start from (its embedder, taxonomy priors and sentiment head).
        labels: a labeled-sample file, DataFrame or :class:`LabeledData`.
        weak_texts, weak_scores: opt-in weak supervision for the sentiment head: comments
            with an NPS (0-10; ``weak_scale="nps"``) or CSAT (1-5; ``"csat"``) score.
            Promoters count as positive and detractors as negative examples, each with
            ``weak_weight``.
        progress: called with a short message at each stage.
        **options: fields of :class:`TrainingOptions`.

    Returns:
        A new analyzer (``base`` is not modified). ``info["metrics"]`` holds the
        cross-validated training report, ``info["training"]`` the options, label report
        and chosen hyper-parameters.

    Raises:
        LabelError: no usable labels; VocError: invalid options.
    """
    from voc.embeddings import CachedEmbedder, get_embedder, resolve_backend_name
    from voc.pipeline import Analyzer

    opts = TrainingOptions(**options)
    say = progress or (lambda _msg: None)
    data = read_labels(labels, min_examples=opts.min_examples)
    mode = data.mode if opts.mode == "auto" else opts.mode
    if mode == "single" and any(len(t) != 1 for t in data.themes):
        n_bad = sum(1 for t in data.themes if len(t) != 1)
        raise LabelError(
            expected="exactly one theme per labeled comment for single-label training",
            found=f"{n_bad} comment(s) with none or several themes",
            fix="use mode='multi' (or 'auto'), or give every comment one theme",
        )
    embedder_name = resolve_backend_name(opts.embedder or base.embedder_name)
    same_embedder = embedder_name == base.embedder_name
    embedder: CachedEmbedder = base.embedder if same_embedder else CachedEmbedder(
        get_embedder(embedder_name), base.embedder.cache)

    say(f"Preparing {len(data):,} labeled comments")
    units = _prepare_units(data.texts, base)
    explicit_map = dict(opts.prior_map or {})
    taxonomy = _build_taxonomy(base.taxonomy, data, explicit_map, units.languages)
    prior_map = dict(explicit_map)
    if opts.priors and opts.auto_prior_map and opts.prior_weight != 0:
        prior_map.update(_auto_prior_map(base, data, units, set(explicit_map)))
    classes = taxonomy.ids
    index = {c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(data), len(classes)), dtype=np.int8)
    for i, row_themes in enumerate(data.themes):
        for t in row_themes:
            Y[i, index[t]] = 1
    prior_texts, Y_prior = (_prior_rows(base.taxonomy, classes, prior_map)
                            if opts.priors and opts.prior_weight != 0
                            else ([], np.zeros((0, len(classes)), dtype=np.int8)))

    say(f"Embedding with {embedder_name}")
    doc_vecs = embedder.embed(units.texts)
    unit_vecs = embedder.embed(units.unit_texts)
    prior_vecs = embedder.embed(prior_texts)
    theme_features = None
    if opts.lexical_weight > 0:
        theme_features = SentimentFeatures(
            LexicalFeatures(n_features=2**14, weight=opts.lexical_weight,
                            words=opts.lexical_words), lexicon_weight=0.0,
        ).fit(units.texts + prior_texts)

    def featurize(texts: list[str], vecs: np.ndarray, langs: list[str]) -> Any:
        if theme_features is None:
            return vecs
        return theme_features.transform(texts, vecs, langs)

    X_doc = as_matrix(featurize(units.texts, doc_vecs, units.languages))
    X_units = as_matrix(featurize(units.unit_texts, unit_vecs, units.unit_lang))
    X_prior = as_matrix(featurize(prior_texts, prior_vecs, ["unknown"] * len(prior_texts)))

    say(f"Fitting the theme head ({len(classes)} themes, {mode}-label, {len(prior_texts)} "
        f"prior examples)")
    with _single_threaded():
        fit = _fit_theme_head(X_doc, Y, X_units, units.unit_doc, units.unit_short, X_prior,
                              Y_prior, classes, mode, opts)
    unit_proba = fit.head.predict_proba(X_units) if len(units.unit_texts) else \
        np.zeros((0, len(classes)))

    say("Fitting the aspect-sentiment head")
    s_texts, s_labels, s_langs, s_groups = _sentiment_examples(data, units, unit_proba, classes)
    weights = np.ones(len(s_texts))
    if weak_texts is not None:
        if weak_scores is None or len(weak_scores) != len(weak_texts):
            raise VocError(expected="one score per weak_texts item",
                           found=f"{len(weak_texts)} texts and "
                                 f"{0 if weak_scores is None else len(weak_scores)} scores",
                           fix="pass weak_scores of the same length as weak_texts")
        weak = [(clean_text(t, keep_newlines=True), lab) for t, lab in
                zip(weak_texts, _weak_labels(weak_scores, weak_scale), strict=True)
                if lab is not None and isinstance(t, str) and t.strip()]
        if weak:
            wl = detect_languages([t for t, _ in weak])
            s_texts += [t for t, _ in weak]
            s_labels += [lab for _, lab in weak]
            s_langs += wl
            s_groups += list(range(len(data), len(data) + len(weak)))
            weights = np.concatenate([weights, np.full(len(weak), opts.weak_weight)])
    s_vecs = embedder.embed(s_texts)
    with _single_threaded():
        senti = _fit_sentiment(base, same_embedder, s_vecs, s_texts, s_labels, s_langs,
                               s_groups, weights, opts)

    metrics = _training_metrics(fit, Y, classes, mode, senti)
    info = {
        "created": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "metrics": metrics,
        "training_data": {
            "description": "labeled samples (voc train)",
            "n_examples": len(data), "n_rows": data.report.n_rows,
            "sha256": data.sha256(),
        },
        "training": {
            "base": {k: base.info.get(k) for k in ("name", "version")}
            | {"embedder": base.embedder_name},
            "options": opts.to_dict(),
            "mode": mode,
            "theme_c": fit.head.C, "cv_scores": fit.scores,
            "require_theme": fit.require_theme,
            "prior_map": {t: prior_map.get(t, t) for t in classes
                          if prior_map.get(t, t) in base.taxonomy},
            "prior_weight": fit.prior_weight,
            "thresholds": {c: round(float(t), 2) for c, t in
                           zip(classes, fit.head.thresholds_, strict=True)},
            "n_prior_examples": len(prior_texts),
            "sentiment": {"source": senti.source, "n_examples": senti.n_examples,
                          "note": senti.note},
            "labels": data.report.to_dict(),
        },
    }
    settings = dataclasses.replace(base.settings, theme_mode=mode,
                                   require_theme=fit.require_theme)
    # weights are saved as float32: round them now, so a saved and reloaded model gives
    # exactly the probabilities of the returned one
    theme_head = ThemeClassifier.from_state(*fit.head.get_state())
    sentiment_head = senti.head if senti.source == "base" else \
        SentimentClassifier.from_state(*senti.head.get_state())
    say("Done")
    return Analyzer(
        taxonomy, theme_head, sentiment_head, embedder_name, settings=settings, info=info,
        cache=base._cache_arg, sentiment_features=base.sentiment_features,
        theme_features=theme_features,
    )


def _training_metrics(fit: _ThemeFit, Y: np.ndarray, classes: list[str], mode: str,
                      senti: _SentimentFit) -> dict[str, Any]:
    """The cross-validated report stored with a trained model (thresholds were tuned on the
    same folds, so the theme figures are slightly optimistic)."""
    P = fit.oof_proba
    if mode == "single":
        pred = _single_pred(P)
    elif fit.require_theme:
        pred = _with_required(P, fit.head.thresholds_).astype(np.int8)
    else:
        pred = (fit.head.thresholds_ <= P).astype(np.int8)
    per_theme = _per_theme(pred.astype(bool), Y.astype(bool), classes)
    out: dict[str, Any] = {
        "cv_folds": fit.head.calibration_folds,
        "cv_micro_f1": round(_micro_f1(pred, Y), 4),
        "cv_macro_f1": round(float(per_theme.loc[per_theme["support"] > 0, "f1"].mean()), 4),
        "cv_per_theme": {r.theme: {"precision": r.precision, "recall": r.recall, "f1": r.f1,
                                   "support": int(r.support)} for r in per_theme.itertuples()},
    }
    if senti.oof_accuracy is not None:
        out["cv_sentiment_accuracy_refitted"] = round(senti.oof_accuracy, 4)
    if senti.base_accuracy is not None:
        out["sentiment_accuracy_base_head"] = round(senti.base_accuracy, 4)
    return out


# ============================================================================================
# Aspect sentiment and evaluation
# ============================================================================================
def aspect_sentiment(
    analyzer: Analyzer, texts: Sequence[str], themes: Sequence[Sequence[str]]
) -> list[dict[str, str]]:
    """The sentiment of given themes within given comments (themes need not be detected).

    For each (comment, theme) the analyzer's rule is applied: the clause of the comment that
    scores highest for the theme carries it, and the theme's sentiment is that clause's
    sentiment. A theme the model does not know gets the comment's overall sentiment (the
    argmax of its clauses' mean probabilities).
    """
    units = _prepare_units(texts, analyzer)
    proba = _unit_theme_proba(analyzer, units)
    clause_ids = [i for doc in units.clauses for i in doc]
    senti = np.zeros((len(units.unit_texts), 3))
    if clause_ids:
        ctexts = [units.unit_texts[i] for i in clause_ids]
        vecs = analyzer.embed(ctexts)
        senti[clause_ids] = analyzer.sentiment_head.predict_proba(analyzer.sentiment_input(
            ctexts, vecs, [units.unit_lang[i] for i in clause_ids]))
    labels = np.asarray(analyzer.sentiment_head.labels_from_proba(senti), dtype=object)
    index = {str(c): j for j, c in enumerate(analyzer.theme_head.classes_)}
    out: list[dict[str, str]] = []
    for d, wanted in enumerate(themes):
        own = units.clauses[d]
        result: dict[str, str] = {}
        for theme in wanted:
            if not own:
                result[theme] = NEUTRAL
            elif theme in index:
                best = own[int(np.argmax(proba[own, index[theme]]))]
                result[theme] = str(labels[best])
            else:
                result[theme] = str(SENTIMENT_CLASSES[int(senti[own].mean(axis=0).argmax())])
        out.append(result)
    return out


def _per_theme(pred: np.ndarray, gold: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    tp = (pred & gold).sum(axis=0)
    n_pred, support = pred.sum(axis=0), gold.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(n_pred > 0, tp / np.maximum(n_pred, 1), 0.0)
        recall = np.where(support > 0, tp / np.maximum(support, 1), 0.0)
        f1 = np.where(n_pred + support > 0, 2 * tp / np.maximum(n_pred + support, 1), 0.0)
    return pd.DataFrame({
        "theme": list(classes), "precision": np.round(precision, 4),
        "recall": np.round(recall, 4), "f1": np.round(f1, 4),
        "support": support.astype(int), "predicted": n_pred.astype(int),
    })


def _macro_f1_labels(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    scores = []
    g, p = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    for lab in labels:
        tp = int(np.sum((g == lab) & (p == lab)))
        denom = int(np.sum(g == lab) + np.sum(p == lab))
        if np.sum(g == lab):
            scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores)) if scores else float("nan")


@dataclass
class Evaluation:
    """A model's scores on labeled data (tidy DataFrames, see :func:`evaluate`).

    Attributes:
        summary: micro/macro F1 (themes), aspect-sentiment accuracy and macro-F1, comment
            sentiment accuracy, counts, how it was obtained.
        per_theme: one row per theme: precision, recall, f1, support (gold comments),
            predicted (predicted comments).
        theme_confusion: gold theme (rows, plus ``(none)``) x predicted theme (columns, plus
            ``(none)``): counts of (comment, gold, predicted) combinations. For single-label
            data this is the usual confusion matrix.
        aspect_confusion: gold polarity x predicted polarity of the labeled theme polarities.
        predictions: one row per labeled comment: text, gold and predicted themes, gold and
            predicted theme polarities.
    """

    summary: dict[str, Any]
    per_theme: pd.DataFrame
    theme_confusion: pd.DataFrame
    aspect_confusion: pd.DataFrame
    predictions: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable report (without the per-comment predictions)."""
        return {
            "summary": self.summary,
            "per_theme": self.per_theme.to_dict("records"),
            "theme_confusion": {str(k): {str(c): int(v) for c, v in row.items()}
                                for k, row in self.theme_confusion.iterrows()},
            "aspect_confusion": {str(k): {str(c): int(v) for c, v in row.items()}
                                 for k, row in self.aspect_confusion.iterrows()},
        }

    def to_markdown(self) -> str:
        """The report as Markdown (used for the model card and ``voc evaluate``)."""
        s = self.summary
        lines = [f"Evaluated on {s['n_comments']:,} labeled comments ({s['how']}).", ""]
        keys = [("micro_f1", "themes micro-F1"), ("macro_f1", "themes macro-F1"),
                ("micro_precision", "themes micro-precision"),
                ("micro_recall", "themes micro-recall"),
                ("aspect_accuracy", "aspect-sentiment accuracy (3-way)"),
                ("aspect_macro_f1", "aspect-sentiment macro-F1"),
                ("sentiment_accuracy", "comment sentiment accuracy")]
        lines += ["| metric | value |", "|---|---|"]
        for key, label in keys:
            if s.get(key) is not None:
                n = {"aspect_accuracy": s.get("n_aspects"),
                     "aspect_macro_f1": s.get("n_aspects"),
                     "sentiment_accuracy": s.get("n_sentiments")}.get(key)
                lines.append(f"| {label} | {s[key]:.3f}" + (f" (n={n:,})" if n else "") + " |")
        lines += ["", "Per theme:", "", "| theme | precision | recall | F1 | support | "
                  "predicted |", "|---|---|---|---|---|---|"]
        lines += [f"| {r.theme} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} | "
                  f"{r.support} | {r.predicted} |" for r in self.per_theme.itertuples()]
        for title, table in (("Theme confusion (gold rows x predicted columns)",
                              self.theme_confusion),
                             ("Aspect-sentiment confusion (gold rows x predicted columns)",
                              self.aspect_confusion)):
            if table.empty:
                continue
            cols = [str(c) for c in table.columns]
            lines += ["", f"{title}:", "", "| gold \\ predicted | " + " | ".join(cols) + " |",
                      "|---" * (len(cols) + 1) + "|"]
            lines += [f"| {idx} | " + " | ".join(str(int(v)) for v in row) + " |"
                      for idx, row in zip(table.index, table.to_numpy(), strict=True)]
        return "\n".join(lines) + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the report: ``.json`` (everything but predictions), ``.md``, or a table
        format (``.csv .xlsx .parquet .jsonl``: the per-theme table)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
        elif suffix in (".md", ".txt"):
            path.write_text(self.to_markdown(), encoding="utf-8")
        else:
            from voc.io import write_table

            write_table(self.per_theme, path)
        return path


def _score(
    classes: Sequence[str], gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]],
    gold_pol: Sequence[Mapping[str, str]], pred_pol: Sequence[Mapping[str, str]],
    gold_senti: Sequence[str | None], pred_senti: Sequence[str], texts: Sequence[str],
    how: str, pred_theme_pol: Sequence[Mapping[str, str]] | None = None,
) -> Evaluation:
    themes = list(classes) + [t for t in dict.fromkeys(t for g in gold for t in g)
                              if t not in classes]
    index = {t: j for j, t in enumerate(themes)}
    G = np.zeros((len(gold), len(themes)), dtype=bool)
    P = np.zeros_like(G)
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        G[i, [index[t] for t in g]] = True
        P[i, [index[t] for t in p if t in index]] = True
    per_theme = _per_theme(P, G, themes)
    per_theme = per_theme[(per_theme["support"] > 0) | (per_theme["predicted"] > 0)]
    tp, n_pred, n_gold = int((P & G).sum()), int(P.sum()), int(G.sum())
    conf_labels = [*themes, _NO_THEME]
    conf = pd.DataFrame(0, index=conf_labels, columns=conf_labels, dtype=int)
    for g, p in zip(gold, pred, strict=True):
        for gt in (list(g) or [_NO_THEME]):
            for pt in (list(p) or [_NO_THEME]):
                conf.loc[gt, pt] += 1
    used = [t for t in conf_labels if conf.loc[t].sum() or conf[t].sum()]
    conf = conf.loc[used, used]
    a_gold, a_pred = [], []
    for gp, pp in zip(gold_pol, pred_pol, strict=True):
        for theme, label in gp.items():
            if label in POLARITIES:
                a_gold.append(label)
                a_pred.append(pp.get(theme, NEUTRAL))
    aspect_conf = pd.crosstab(pd.Categorical(a_gold, categories=list(POLARITIES)),
                              pd.Categorical(a_pred, categories=list(POLARITIES)),
                              rownames=["gold"], colnames=["predicted"], dropna=False)
    s_pairs = [(g, p) for g, p in zip(gold_senti, pred_senti, strict=True) if g is not None]
    summary: dict[str, Any] = {
        "how": how,
        "n_comments": len(gold),
        "n_theme_labels": n_gold,
        "micro_precision": round(tp / n_pred, 4) if n_pred else 0.0,
        "micro_recall": round(tp / n_gold, 4) if n_gold else 0.0,
        "micro_f1": round(2 * tp / (n_pred + n_gold), 4) if n_pred + n_gold else 1.0,
        "macro_f1": round(float(per_theme.loc[per_theme["support"] > 0, "f1"].mean()), 4)
        if (per_theme["support"] > 0).any() else None,
        "n_aspects": len(a_gold),
        "aspect_accuracy": round(float(np.mean(np.asarray(a_gold) == np.asarray(a_pred))), 4)
        if a_gold else None,
        "aspect_macro_f1": round(_macro_f1_labels(a_gold, a_pred, POLARITIES), 4)
        if a_gold else None,
        "n_sentiments": len(s_pairs),
        "sentiment_accuracy": round(float(np.mean([g == p for g, p in s_pairs])), 4)
        if s_pairs else None,
    }
    fmt = lambda ts, pol: ";".join(f"{t}:{pol[t]}" if t in pol else t for t in ts)  # noqa: E731
    predictions = pd.DataFrame({
        "text": list(texts),
        "gold_themes": [fmt(g, gp) for g, gp in zip(gold, gold_pol, strict=True)],
        "predicted_themes": [fmt(p, pp) for p, pp in
                             zip(pred, pred_theme_pol or [{}] * len(pred), strict=True)],
        "gold_aspect_predicted": [";".join(f"{t}:{pp.get(t, '')}" for t in gp)
                                  for gp, pp in zip(gold_pol, pred_pol, strict=True)],
        "gold_sentiment": [g or "" for g in gold_senti],
        "predicted_sentiment": list(pred_senti),
    })
    return Evaluation(summary, per_theme.reset_index(drop=True), conf, aspect_conf,
                      predictions)


def _predict(analyzer: Analyzer, data: LabeledData) -> tuple[
        list[list[str]], list[dict[str, str]], list[dict[str, str]], list[str]]:
    """Predicted themes, predicted theme sentiments, sentiment of the gold themes, comment
    sentiment — for every labeled comment."""
    docs = analyzer.analyze(list(data.texts)).documents
    pred = [[t for t in str(v).split(";") if t] for v in docs["themes"].fillna("")]
    pred_pol = [dict(x.rsplit(":", 1) for x in str(v).split(";") if x)
                for v in docs["theme_sentiment"].fillna("")]
    gold_aspects = [[t for t, p in pol.items() if p in POLARITIES] for pol in data.polarities]
    aspects = aspect_sentiment(analyzer, data.texts, gold_aspects)
    return pred, pred_pol, aspects, [str(s) for s in docs["sentiment"].fillna("")]


def evaluate(
    analyzer: Analyzer,
    labels: str | os.PathLike[str] | pd.DataFrame | LabeledData,
    *,
    cv: int | None = None,
    min_examples: int = 1,
    **train_options: Any,
) -> Evaluation:
    """Score ``analyzer`` on labeled comments, or estimate retraining by cross-validation.

    Without ``cv``: the model predicts every labeled comment (a held-out test set).
    With ``cv=K``: the labels are split into K folds; for each fold a model is retrained from
    ``analyzer`` on the other folds (``train_options`` as in :func:`retrain`) and predicts it;
    scores are computed on the pooled out-of-fold predictions.

    Aspect sentiment is scored on the labeled ``theme:polarity`` pairs (positive, negative,
    neutral) whether or not the theme was detected (:func:`aspect_sentiment`).
    """
    data = read_labels(labels, min_examples=min_examples)
    if cv is None:
        pred, pred_pol, aspects, senti = _predict(analyzer, data)
        classes = [str(c) for c in analyzer.theme_head.classes_]
        return _score(classes, data.themes, pred, data.polarities, aspects, data.sentiment,
                      senti, data.texts, "held-out evaluation", pred_pol)
    return cross_validate(analyzer, data, k=cv, **train_options)


def cross_validate(analyzer: Analyzer, labels: str | os.PathLike[str] | pd.DataFrame |
                   LabeledData, *, k: int = 5, **train_options: Any) -> Evaluation:
    """K-fold cross-validated retraining from ``analyzer`` (see :func:`evaluate`)."""
    data = read_labels(labels, min_examples=int(train_options.get("min_examples",
                                                                  MIN_EXAMPLES)))
    if k < 2 or k > len(data):
        raise VocError(expected=f"2 <= cv <= the number of labeled comments ({len(data)})",
                       found=str(k), fix="use --cv 5 (or fewer folds for tiny label sets)")
    seed = int(train_options.get("random_state", 0))
    n = len(data)
    pred: list[list[str]] = [[] for _ in range(n)]
    pred_pol: list[dict[str, str]] = [{} for _ in range(n)]
    aspects: list[dict[str, str]] = [{} for _ in range(n)]
    senti: list[str] = [""] * n
    for train, test in KFold(k, shuffle=True, random_state=seed).split(np.arange(n)):
        model = retrain(analyzer, data.subset(train), **train_options)
        p, pp, a, s = _predict(model, data.subset(test))
        for j, i in enumerate(test):
            pred[i], pred_pol[i], aspects[i], senti[i] = p[j], pp[j], a[j], s[j]
    return _score(data.theme_ids, data.themes, pred, data.polarities, aspects, data.sentiment,
                  senti, data.texts, f"{k}-fold cross-validated retraining", pred_pol)


# ============================================================================================
# What to label next
# ============================================================================================
def suggest(
    analyzer: Analyzer,
    texts: Sequence[str],
    n: int = 50,
    *,
    labeled_texts: Sequence[str] | None = None,
    diverse: bool = True,
    random_state: int = 0,
) -> pd.DataFrame:
    """Rank unlabeled comments by how much labeling them should teach the model.

    Uncertainty: in multi-label mode, how close the comment's most uncertain theme
    probability is to that theme's threshold (1 = exactly at it, 0 = as far as possible);
    in single-label mode, one minus the margin between the two most probable themes.
    Diversity (``diverse=True``): the comments are grouped into ``n`` clusters of similar
    meaning (k-means on their embeddings) and the most uncertain comment of each cluster is
    picked, so the picks cover the data instead of piling up on one confusing kind of comment
    (or on near-duplicates). Comments equal to one in ``labeled_texts`` are skipped. The picks
    are returned most uncertain first. Deterministic for a given ``random_state``.

    Returns:
        ``n`` rows (fewer if there are fewer non-empty comments), best first: ``rank``
        (1-based), ``row`` (0-based position in ``texts``), ``text``, ``uncertainty``,
        ``uncertain_theme`` (the theme the model is least sure about), ``predicted_themes``,
        ``similarity`` (cosine similarity to the closest labeled comment; 0 without
        ``labeled_texts``) and ``cluster`` (-1 when ``diverse`` is False).
    """
    if n < 1:
        raise VocError(expected="n >= 1", found=str(n), fix="ask for at least one comment")
    texts = ["" if _is_missing(t) else str(t) for t in texts]
    done = {clean_text(t, keep_newlines=True) for t in (labeled_texts or [])
            if isinstance(t, str)}
    cleaned = [clean_text(t, keep_newlines=True) for t in texts]
    usable = [i for i, t in enumerate(cleaned) if t.strip() and t not in done]
    columns = ["rank", "row", "text", "uncertainty", "uncertain_theme", "predicted_themes",
               "similarity", "cluster"]
    if not usable:
        return pd.DataFrame(columns=columns)
    pool = [cleaned[i] for i in usable]
    proba = theme_probabilities(analyzer, pool).to_numpy()
    classes = [str(c) for c in analyzer.theme_head.classes_]
    thresholds = np.asarray(analyzer.theme_head.thresholds_, dtype=float)
    if analyzer.settings.theme_mode == "single" and proba.shape[1] > 1:
        top2 = np.sort(proba, axis=1)[:, -2:]
        uncertainty = 1.0 - (top2[:, 1] - top2[:, 0])
        which = proba.argsort(axis=1)[:, -2]
        predicted = [classes[j] for j in proba.argmax(axis=1)]
    else:
        scale = np.maximum(thresholds, 1.0 - thresholds)
        per_theme = 1.0 - np.abs(proba - thresholds) / scale
        uncertainty = per_theme.max(axis=1)
        which = per_theme.argmax(axis=1)
        predicted = [";".join(c for c, hit in zip(classes, row, strict=True) if hit)
                     for row in proba >= thresholds]
    vecs = analyzer.embed(pool)
    similarity = np.zeros(len(pool))
    if done:
        labeled_vecs = analyzer.embed(sorted(t for t in done if t.strip()))
        if len(labeled_vecs):
            similarity = np.clip((vecs @ labeled_vecs.T).max(axis=1), 0.0, 1.0)
    k = min(n, len(pool))
    cluster = np.full(len(pool), -1)
    if diverse and k < len(pool):
        from sklearn.cluster import KMeans

        with _single_threaded():
            cluster = KMeans(k, random_state=random_state, n_init=3).fit(vecs).labels_
        picked = [int(members[np.argmax(uncertainty[members])])
                  for members in (np.flatnonzero(cluster == c) for c in range(k))
                  if len(members)]
    else:
        picked = list(range(len(pool)))
    picked = sorted(picked, key=lambda j: (-uncertainty[j], j))[:k]
    rows = [{
        "rank": rank, "row": usable[j], "text": texts[usable[j]],
        "uncertainty": round(float(uncertainty[j]), 4),
        "uncertain_theme": classes[int(which[j])] if classes else "",
        "predicted_themes": predicted[j], "similarity": round(float(similarity[j]), 4),
        "cluster": int(cluster[j]),
    } for rank, j in enumerate(picked, start=1)]
    return pd.DataFrame(rows, columns=columns)


# ============================================================================================
# Model card and stored evaluations
# ============================================================================================
def model_card(analyzer: Analyzer, evaluation: Evaluation | None = None,
               *, data_name: str | None = None) -> str:
    """The README.md model card of a trained model: data, method, metrics, limits."""
    info = analyzer.info
    training = info.get("training", {})
    data = info.get("training_data", {})
    labels = training.get("labels", {})
    metrics = info.get("metrics", {})
    base = training.get("base", {})
    head = analyzer.theme_head
    lines = [
        f"# voc model `{info.get('name') or 'trained'}`",
        "",
        "Trained with `voc train` on the analyst's labeled samples.",
        "",
        "## Data",
        "",
        f"- labeled samples: {data_name or 'n/a'}; {data.get('n_examples', '?')} of "
        f"{data.get('n_rows', '?')} rows used; sha256 `{data.get('sha256', '?')}`",
        f"- {labels.get('n_polarity', 0)} theme polarities, {labels.get('n_sentiment', 0)} "
        f"comment sentiments; {labels.get('n_problems', 0)} label problem(s)",
    ]
    if labels.get("dropped_themes"):
        lines.append(f"- themes not learnt (too few examples): {labels['dropped_themes']}")
    lines += [
        "",
        "## Method",
        "",
        f"- base model: `{base.get('name')}` {base.get('version')} (embedder "
        f"`{base.get('embedder')}`); this model's embedder: `{analyzer.embedder_name}`",
        f"- themes ({len(analyzer.taxonomy)}, {training.get('mode', '?')}-label): one-vs-rest "
        f"logistic regression on the embedding ⊕ character 2–4-gram TF-IDF; C={head.C} "
        f"and prior weight {training.get('prior_weight')} chosen by {head.calibration_folds}-"
        f"fold CV (out-of-fold scores: {training.get('cv_scores')}), Platt calibration on "
        "out-of-fold margins, one threshold per theme maximising out-of-fold F1",
        f"- zero-shot priors: {training.get('n_prior_examples', 0)} example phrases of the "
        f"base taxonomy (theme -> base theme: {training.get('prior_map') or 'none'}); used "
        f"with weight {training.get('prior_weight')}",
        f"- aspect sentiment: {training.get('sentiment', {}).get('note', 'n/a')}",
        "",
        "| theme | name | examples | prior from | threshold |",
        "|---|---|---|---|---|",
    ]
    counts = labels.get("theme_counts", {})
    names = analyzer.taxonomy.names()
    priors = training.get("prior_map") or {}
    for theme, threshold in zip(head.classes_, head.thresholds_, strict=True):
        lines.append(f"| {theme} | {names.get(str(theme), theme)} | {counts.get(theme, '')} | "
                     f"{priors.get(str(theme), '')} | {float(threshold):.2f} |")
    lines += ["", "## Metrics", ""]
    if metrics.get("cv_micro_f1") is not None:
        lines.append(f"Cross-validated on the training data ({metrics.get('cv_folds')} folds; "
                     "thresholds tuned on the same folds, so slightly optimistic): themes "
                     f"micro-F1 {metrics['cv_micro_f1']:.3f}, macro-F1 "
                     f"{metrics['cv_macro_f1']:.3f}.")
    if evaluation is not None:
        lines += ["", evaluation.to_markdown()]
    lines += [
        "",
        "## Limits",
        "",
        "Learns the codeframe from the labeled comments only (and the base taxonomy's example "
        "phrases for known themes): comments unlike the labeled ones, other domains and rare "
        "themes are less reliable. Check `voc evaluate` on held-out labels before relying on it.",
    ]
    return "\n".join(lines) + "\n"


def store_evaluation(model: str | os.PathLike[str], evaluation: Evaluation,
                     *, dataset: str) -> Path:
    """Record an evaluation in a saved model: appended to ``model.json["evaluations"]`` and
    to the README.md model card (both replaced atomically). Shipped models are read-only.

    Returns the model version directory. Raises ModelError for shipped models.
    """
    import tempfile

    from voc.errors import ModelError
    from voc.registry import CARD_FILE, MODEL_FILE, resolve_model_dir, shipped_models_dir

    path = resolve_model_dir(model)
    shipped = shipped_models_dir().resolve()
    if path.resolve().is_relative_to(shipped):
        raise ModelError(
            expected="a model trained in the workspace", found=f"the shipped model {path}",
            fix="evaluate without storing (--no-store), or train your own model with voc train",
        )
    meta = json.loads((path / MODEL_FILE).read_text(encoding="utf-8"))
    record = {"dataset": dataset,
              "date": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
              **evaluation.to_dict()}
    meta.setdefault("evaluations", []).append(record)
    card = (path / CARD_FILE).read_text(encoding="utf-8") if (path / CARD_FILE).exists() else ""
    card += f"\n## Evaluation on {dataset} ({record['date']})\n\n" + evaluation.to_markdown()
    for name, content in ((MODEL_FILE, json.dumps(meta, indent=2, ensure_ascii=False,
                                                  sort_keys=True) + "\n"), (CARD_FILE, card)):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=path)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path
