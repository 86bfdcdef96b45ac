"""Canonical columns, column-mapping inference and validation of feedback tables.

The rest of voc works on *canonical* columns (``doc_id``, ``text``, ``score``, ``date``,
``segment``, ``channel``, ``journey_stage``). This module decides which source column plays which
role (:func:`infer_mapping`), checks the data and lists every problem at once (:func:`validate`)
and builds the canonical frame (:func:`to_canonical`).

Row numbers in problems are spreadsheet rows: the header is row 1, so the first data row is row 2
(data row at position ``i``, counted from 0, is row ``i + 2``).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from voc.errors import ValidationError, VocError

__all__ = [
    "CES_1_7",
    "CHANNEL",
    "CSAT_1_5",
    "DATE",
    "DOC_ID",
    "JOURNEY_STAGE",
    "KNOWN_SCALES",
    "NPS_0_10",
    "ROLES",
    "ROLE_TO_CANONICAL",
    "SCORE",
    "SEGMENT",
    "TEXT",
    "ColumnMapping",
    "Problem",
    "ScoreScale",
    "ValidationReport",
    "format_rows",
    "infer_mapping",
    "infer_score_scale",
    "is_meaningful_text",
    "parse_dates",
    "parse_scores",
    "to_canonical",
    "validate",
]

# --------------------------------------------------------------------------------------------
# Canonical names (defined once)
# --------------------------------------------------------------------------------------------

DOC_ID = "doc_id"
TEXT = "text"
SCORE = "score"
DATE = "date"
SEGMENT = "segment"
CHANNEL = "channel"
JOURNEY_STAGE = "journey_stage"

#: Roles a source column can play, in canonical column order.
ROLES: tuple[str, ...] = ("text", "score", "date", "id", "segment", "channel", "journey_stage")

#: Role -> name of the canonical column it becomes.
ROLE_TO_CANONICAL: dict[str, str] = {
    "id": DOC_ID,
    "text": TEXT,
    "score": SCORE,
    "date": DATE,
    "segment": SEGMENT,
    "channel": CHANNEL,
    "journey_stage": JOURNEY_STAGE,
}
_CANONICAL_ORDER = ("id", "text", "score", "date", "segment", "channel", "journey_stage")

#: Cell values that mean "no value" in score, date and id columns (compared case-insensitively
#: after stripping whitespace).
_MISSING_TOKENS = frozenset(
    {"", "n/a", "na", "n.a.", "nan", "none", "null", "nil", "-", "--", "—", "–", "#n/a", "?"}
)
#: Text answers that carry no content (besides empty, digits-only and punctuation-only).
_PLACEHOLDER_TEXTS = frozenset(
    {"n/a", "na", "n.a.", "n.a", "nan", "none", "null", "nil", "undefined", "#n/a", "#value!"}
)
_MAX_LISTED_ROWS = 10
_SAMPLE_ROWS = 5000


def format_rows(rows: Sequence[int], limit: int = _MAX_LISTED_ROWS) -> str:
    """Format row numbers for a message: ``"row 5"``, ``"rows 5, 17 and 3 more"``.

    Args:
        rows: 1-based spreadsheet row numbers (header = row 1).
        limit: how many numbers to list before summarising the rest as "and N more".
    """
    rows = list(rows)
    if not rows:
        return "no rows"
    shown = ", ".join(f"{r:,}" for r in rows[:limit])
    word = "row" if len(rows) == 1 else "rows"
    rest = len(rows) - limit
    return f"{word} {shown} and {rest:,} more" if rest > 0 else f"{word} {shown}"


def _positions_to_rows(mask: pd.Series | np.ndarray) -> tuple[int, ...]:
    """Turn a boolean mask over data positions into spreadsheet row numbers (position + 2)."""
    return tuple(int(i) + 2 for i in np.flatnonzero(np.asarray(mask, dtype=bool)))


# --------------------------------------------------------------------------------------------
# Column mapping
# --------------------------------------------------------------------------------------------


def _role_for_key(key: str) -> str:
    """Accept ``text``, ``text_col`` and ``text_column`` style keys; raise on anything else."""
    k = str(key).strip().lower()
    for suffix in ("_column", "_col"):
        if k.endswith(suffix):
            k = k[: -len(suffix)]
    if k == DOC_ID:
        k = "id"
    if k not in ROLES:
        raise VocError(
            expected=f"a column role, one of: {', '.join(ROLES)}",
            found=f"the unknown role {key!r}",
            fix=f"use one of the roles {', '.join(ROLES)} (optionally with a '_col' suffix)",
        )
    return k


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column plays which role; ``None`` means the role is absent.

    Roles: ``text`` (the comment), ``score`` (NPS/CSAT/CES answer), ``date``, ``id`` (becomes
    ``doc_id``), ``segment``, ``channel``, ``journey_stage``.
    """

    text: str | None = None
    score: str | None = None
    date: str | None = None
    id: str | None = None
    segment: str | None = None
    channel: str | None = None
    journey_stage: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Role -> source column name (``None`` when absent), in :data:`ROLES` order."""
        return {role: getattr(self, role) for role in ROLES}

    @property
    def mapped(self) -> dict[str, str]:
        """Only the roles that have a source column."""
        return {role: col for role, col in self.as_dict().items() if col is not None}

    @classmethod
    def from_dict(cls, d: Mapping[str, str | None]) -> ColumnMapping:
        """Build a mapping from ``{role: column}``; keys may also be ``text_col`` etc.

        Raises:
            VocError: for an unknown role or a column name that is not a string.
        """
        values: dict[str, str | None] = {}
        for key, col in d.items():
            role = _role_for_key(key)
            if col is not None and not isinstance(col, str):
                raise VocError(
                    expected=f"a column name (text) or None for role {role!r}",
                    found=f"{col!r} of type {type(col).__name__}",
                    fix="pass the column name as it appears in the file header",
                )
            values[role] = col if col else None
        return cls(**values)

    def replace(self, **overrides: str | None) -> ColumnMapping:
        """Return a copy with some roles changed (keys as in :meth:`from_dict`).

        Raises:
            VocError: for an unknown role or a column name that is not a string.
        """
        changes = ColumnMapping.from_dict(overrides)
        return dataclasses.replace(
            self, **{_role_for_key(k): getattr(changes, _role_for_key(k)) for k in overrides}
        )


# Header synonyms per role. Latin/Cyrillic entries match whole words (a word may extend the
# synonym by up to 3 letters when the synonym has >= 4 letters: comment -> comments,
# отзыв -> отзывы); entries with CJK characters match as substrings.
# fmt: off
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "text": (
        "comment", "comments", "feedback", "review", "verbatim", "text", "response", "answer",
        "reason", "why", "message", "description", "body", "opinion", "remarks", "notes",
        "suggestion", "open answer", "open ended", "free text", "customer comment",
        "комментарий", "коммент", "отзыв", "текст", "ответ", "причина", "причин", "сообщение",
        "мнение", "пожелания", "почему", "замечания",
        "komentarz", "komentarze", "opinia", "opinie", "uwagi", "treść", "odpowiedź", "powód",
        "wiadomość", "dlaczego", "tekst",
        "评论", "评价", "内容", "反馈", "意见", "留言", "原因", "文本", "回答", "建议",
    ),
    "score": (
        "nps", "score", "rating", "likelihood to recommend", "ltr", "recommend", "csat", "ces",
        "satisfaction", "effort", "stars", "star rating", "nps score",
        "оценка", "оценк", "балл", "баллы", "рейтинг", "нпс",
        "ocena", "punkty", "punktacja", "wynik",
        "评分", "分数", "星级", "打分", "满意度", "推荐",
    ),
    "date": (
        "date", "created", "created at", "timestamp", "submitted", "submitted at", "time",
        "datetime", "response date", "survey date",
        "дата", "время", "дата ответа",
        "data", "czas",
        "日期", "时间", "提交时间",
    ),
    "id": (
        "id", "response id", "respondent", "respondent id", "customer id", "ticket",
        "ticket id", "record", "record id", "uuid", "review id",
        "номер", "идентификатор", "ид", "№",
        "numer", "identyfikator", "nr",
        "编号", "序号", "用户id", "id号",
    ),
    "segment": (
        "segment", "customer segment", "customer type", "tier", "plan", "customer tier",
        "сегмент", "тип клиента",
        "typ klienta",
        "客户类型", "用户类型", "细分", "分群",
    ),
    "channel": (
        "channel", "source", "medium",
        "канал", "источник",
        "kanał", "źródło",
        "渠道", "来源",
    ),
    "journey_stage": (
        "stage", "journey", "journey stage", "touchpoint", "touch point", "step",
        "этап", "стадия", "точка контакта",
        "etap", "punkt styku",
        "环节", "阶段", "触点",
    ),
}
# fmt: on
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _normalize_header(name: object) -> str:
    """Case-, accent-, space- and punctuation-insensitive form of a header ("Customer_ID" ->
    "customer id", "Źródło" -> "zrodlo")."""
    s = _CAMEL_RE.sub(" ", str(name))
    s = s.casefold().replace("ё", "е").replace("ł", "l")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    s = s.replace("№", " № ").replace("#", " # ")
    return " ".join(re.sub(r"[^\w#№]+|_+", " ", s).split())


@cache
def _normalized_synonyms() -> dict[str, tuple[str, ...]]:
    return {
        role: tuple(dict.fromkeys(_normalize_header(s) for s in syns))
        for role, syns in _SYNONYMS.items()
    }


def _token_match(header_tok: str, syn_tok: str) -> int:
    """2 = equal, 1 = inflected form (syn >= 4 letters, up to 3 extra letters), 0 = no match."""
    if header_tok == syn_tok:
        return 2
    if len(syn_tok) >= 4 and header_tok.startswith(syn_tok) and len(header_tok) - len(syn_tok) <= 3:
        return 1
    return 0


def _header_match(header: str, role: str) -> tuple[int, int] | None:
    """Best (strength, specificity) of ``header`` for ``role``.

    Strength: 4 = whole header equals a synonym, 3 = whole header is an inflected synonym,
    2 = a synonym occurs inside the header. Specificity = synonym length in characters.
    """
    norm = _normalize_header(header)
    if not norm:
        return None
    tokens = norm.split()
    compact = norm.replace(" ", "")
    best: tuple[int, int] | None = None
    for syn in _normalized_synonyms()[role]:
        strength = 0
        if _CJK_RE.search(syn):
            syn_c = syn.replace(" ", "")
            if compact == syn_c:
                strength = 4
            elif syn_c in compact:
                strength = 2
        else:
            syn_toks = syn.split()
            n = len(syn_toks)
            if len(tokens) == n:
                scores = [_token_match(h, s) for h, s in zip(tokens, syn_toks, strict=True)]
                if all(scores):
                    strength = 4 if all(x == 2 for x in scores) else 3
            if not strength:
                for i in range(len(tokens) - n + 1):
                    window = zip(tokens[i : i + n], syn_toks, strict=True)
                    if all(_token_match(h, s) for h, s in window):
                        strength = 2
                        break
        if strength:
            cand = (strength, len(syn))
            if best is None or cand > best:
                best = cand
    return best


@dataclass
class _Features:
    """Content statistics of one column, computed on its first rows (see ``_SAMPLE_ROWS``)."""

    n_nonempty: int
    numeric_share: float  # share of non-empty values that are numbers, 0..1
    integer_share: float  # share of non-empty values that are whole numbers, 0..1
    min: float
    max: float
    date_share: float  # share of non-empty values that parse as dates, 0..1
    mean_len: float  # mean length of non-empty values in characters
    wordy_share: float  # share of non-empty values with whitespace or CJK characters, 0..1
    unique_share: float  # distinct / non-empty values, 0..1
    is_textual: bool  # object or string dtype


def _is_textual_dtype(s: pd.Series) -> bool:
    return bool(pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype))


def _as_str(s: pd.Series) -> pd.Series:
    """The values as pandas strings, missing values kept missing."""
    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        return s
    return s.astype("str")


def _missing_mask(s: pd.Series) -> pd.Series:
    """True where a cell is empty or a "no value" token such as ``n/a`` (score/date/id columns)."""
    if not _is_textual_dtype(s):
        return s.isna()
    low = _as_str(s).str.strip().str.lower()
    return (low.isna() | low.isin(_MISSING_TOKENS)).astype(bool)


def _features(s: pd.Series) -> _Features:
    sample = s.iloc[:_SAMPLE_ROWS]
    sample = sample[~_missing_mask(sample).to_numpy()]
    n = len(sample)
    if n == 0:
        return _Features(0, 0.0, 0.0, np.nan, np.nan, 0.0, 0.0, 0.0, 0.0, _is_textual_dtype(s))
    nums = parse_scores(sample)
    ok = nums.notna()
    numeric_share = float(ok.mean())
    finite = nums[ok]
    integer_share = float((finite == np.floor(finite)).sum() / n) if len(finite) else 0.0
    if pd.api.types.is_datetime64_any_dtype(sample.dtype):
        date_share = 1.0
    elif numeric_share == 1.0 or pd.api.types.is_bool_dtype(sample.dtype):
        date_share = 0.0
    else:
        date_share = float(parse_dates(sample).notna().mean())
    st = _as_str(sample)
    lengths = st.str.len()
    wordy = st.str.contains(r"\s", regex=True) | st.str.contains(_CJK_RE.pattern, regex=True)
    return _Features(
        n_nonempty=n,
        numeric_share=numeric_share,
        integer_share=integer_share,
        min=float(finite.min()) if len(finite) else np.nan,
        max=float(finite.max()) if len(finite) else np.nan,
        date_share=date_share,
        mean_len=float(lengths.mean()),
        wordy_share=float(wordy.fillna(False).astype(bool).mean()),
        unique_share=float(st.nunique() / n),
        is_textual=_is_textual_dtype(s),
    )


def _fits_role(role: str, f: _Features, *, lenient: bool) -> bool:
    """Whether a column's content is compatible with a role it was matched to by name.

    ``lenient`` is used for whole-header matches ("Score"): only clearly wrong content vetoes.
    """
    if f.n_nonempty == 0:
        return True
    if role == "text":
        if lenient:
            return f.numeric_share < 0.95
        return (
            f.numeric_share < 0.5
            and f.date_share < 0.5
            and (f.wordy_share >= 0.3 or f.mean_len >= 20)
        )
    if role == "score":
        return f.numeric_share >= (0.2 if lenient else 0.8)
    if role == "date":
        return f.date_share >= (0.2 if lenient else 0.8) and (lenient or f.numeric_share < 1.0)
    if role == "id":
        return lenient or (f.unique_share >= 0.95 and f.wordy_share < 0.3)
    # segment / channel / journey_stage: short category labels
    return lenient or f.mean_len <= 60


def _complete_and_unique(s: pd.Series) -> bool:
    """Whether every cell has a value and no two values are equal (as id strings)."""
    return not _missing_mask(s).any() and bool(_doc_id_strings(s).is_unique)


def _closest_column(name: str, columns: Sequence[str]) -> str | None:
    """The column most similar to ``name`` (case/space-insensitive first, then difflib)."""
    norm = _normalize_header(name)
    for col in columns:
        if _normalize_header(col) == norm:
            return col
    by_norm = {_normalize_header(c): c for c in columns}
    close = difflib.get_close_matches(norm, list(by_norm), n=1, cutoff=0.6)
    return by_norm[close[0]] if close else None


def _unknown_column_error(role: str, name: str, columns: Sequence[str]) -> VocError:
    closest = _closest_column(name, columns)
    hint = f"did you mean {closest!r}? " if closest else ""
    return VocError(
        expected=f"a column named {name!r} (given for role {role!r}) in the data",
        found=f"no such column; the columns are: {_list_columns(columns)}",
        fix=f"{hint}pass one of the listed column names, e.g. {role}_col="
        f"{(closest or columns[0]) if columns else '...'!r}",
    )


def _list_columns(columns: Sequence[object], limit: int = 30) -> str:
    names = [repr(str(c)) for c in columns]
    if not names:
        return "(no columns)"
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def infer_mapping(
    df: pd.DataFrame, overrides: Mapping[str, str | None] | None = None
) -> ColumnMapping:
    """Guess which column is the text, score, date, id, segment, channel and journey stage.

    Headers are matched first (English, Russian, Polish, Chinese; case-, space-, underscore- and
    accent-insensitive; a header match must also fit the column's content). Roles still missing
    are then inferred from content: ``text`` = the textual column with the longest mean length
    (>= 10 characters, mostly non-numeric); ``score`` = a whole-number column within 0..10;
    ``date`` = a non-numeric column whose values parse as dates (>= 90 %); ``id`` = a column whose
    values are all present, unique and without spaces. Each column gets at most one role. An
    inferred id column must always be complete and unique (a repeating "Customer ID" is left
    unmapped so rows are numbered); an id given in ``overrides`` is taken as is and checked by
    :func:`validate`.

    Args:
        df: the raw table (e.g. from :func:`voc.io.read_feedback`).
        overrides: ``{role: column or None}`` that win over inference (``None`` = role absent).
            Keys may be ``text`` or ``text_col``.

    Raises:
        VocError: an override names an unknown role or a column that is not in ``df`` (the
            message lists the columns and suggests the closest name).
    """
    columns = [c for c in df.columns if isinstance(c, str)]
    assigned: dict[str, str | None] = {}
    for key, col in (overrides or {}).items():
        role = _role_for_key(key)
        if col is not None and col not in columns:
            raise _unknown_column_error(role, str(col), columns)
        assigned[role] = col
    used = {c for c in assigned.values() if c is not None}

    feats: dict[str, _Features] = {}

    def features(col: str) -> _Features:
        if col not in feats:
            feats[col] = _features(df[col])
        return feats[col]

    # 1) header names
    candidates: list[tuple[tuple[int, int, int, int], str, str]] = []
    for pos, col in enumerate(columns):
        if col in used:
            continue
        for r_idx, role in enumerate(ROLES):
            if role in assigned:
                continue
            m = _header_match(col, role)
            if m is None:
                continue
            strength, specificity = m
            if role == "id" and not _complete_and_unique(df[col]):
                continue  # e.g. a repeating "Customer ID": rows are numbered instead
            if _fits_role(role, features(col), lenient=strength >= 3):
                candidates.append(((strength, specificity, -r_idx, -pos), role, col))
    for _, role, col in sorted(candidates, key=lambda c: c[0], reverse=True):
        if role not in assigned and col not in used:
            assigned[role] = col
            used.add(col)

    # 2) content, for the roles that names did not settle
    free = [c for c in columns if c not in used]
    if "text" not in assigned:
        best: tuple[float, str] | None = None
        for col in free:
            f = features(col)
            if (
                f.is_textual
                and f.n_nonempty
                and f.numeric_share < 0.5
                and f.date_share < 0.5
                and f.mean_len >= 10
                and (best is None or f.mean_len > best[0])
            ):
                best = (f.mean_len, col)
        if best is not None:
            assigned["text"] = best[1]
            used.add(best[1])
    if "score" not in assigned:
        for col in (c for c in columns if c not in used):
            f = features(col)
            if (
                f.n_nonempty
                and not pd.api.types.is_bool_dtype(df[col].dtype)
                and f.numeric_share == 1.0
                and f.integer_share == 1.0
                and f.min >= 0
                and f.max <= 10
            ):
                assigned["score"] = col
                used.add(col)
                break
    if "date" not in assigned:
        for col in (c for c in columns if c not in used):
            f = features(col)
            if f.n_nonempty and f.date_share >= 0.9 and f.numeric_share < 1.0:
                assigned["date"] = col
                used.add(col)
                break
    if "id" not in assigned:
        for col in (c for c in columns if c not in used):
            s = df[col]
            f = features(col)
            integer_like = f.numeric_share == 1.0 and f.integer_share == 1.0
            if (
                f.n_nonempty
                and (f.is_textual or integer_like)
                and f.wordy_share < 0.1
                and _complete_and_unique(s)
            ):
                assigned["id"] = col
                used.add(col)
                break
    return ColumnMapping(**assigned)


# --------------------------------------------------------------------------------------------
# Score scales
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreScale:
    """The range of a score question, inclusive: ``low <= score <= high``.

    ``name`` is ``"nps_0_10"`` (0..10, likelihood to recommend), ``"csat_1_5"`` (1..5),
    ``"ces_1_7"`` (1..7, customer effort) or ``"custom"``.
    """

    name: str
    low: float
    high: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise VocError(
                expected="a score scale with finite low < high",
                found=f"low={self.low!r}, high={self.high!r}",
                fix="pass the lowest and the highest possible answer, e.g. 0..10",
            )

    def __str__(self) -> str:
        return f"{self.name} ({_fmt_num(self.low)}–{_fmt_num(self.high)})"

    @classmethod
    def custom(cls, low: float, high: float) -> ScoreScale:
        """A scale other than the known NPS/CSAT/CES ones, e.g. ``ScoreScale.custom(0, 100)``."""
        return cls("custom", float(low), float(high))

    @classmethod
    def parse(cls, spec: str | ScoreScale) -> ScoreScale:
        """Parse ``"nps"``, ``"nps_0_10"``, ``"csat"``, ``"ces"`` or a range like ``"0..100"``.

        Raises:
            VocError: when ``spec`` is none of these.
        """
        if isinstance(spec, ScoreScale):
            return spec
        key = str(spec).strip().lower()
        for scale in KNOWN_SCALES:
            if key in (scale.name, scale.name.split("_")[0]):
                return scale
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(?:\.\.|-|–|:|to)\s*(-?\d+(?:\.\d+)?)", key)
        if m:
            low, high = float(m.group(1)), float(m.group(2))
            for scale in KNOWN_SCALES:
                if (scale.low, scale.high) == (low, high):
                    return scale
            return cls.custom(low, high)
        raise VocError(
            expected="a score scale: nps, csat, ces or a range like 0..100",
            found=repr(spec),
            fix="pass e.g. 'nps' (0..10), 'csat' (1..5), 'ces' (1..7) or '0..100'",
        )


def _fmt_num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


NPS_0_10 = ScoreScale("nps_0_10", 0.0, 10.0)
CSAT_1_5 = ScoreScale("csat_1_5", 1.0, 5.0)
CES_1_7 = ScoreScale("ces_1_7", 1.0, 7.0)
#: Known scales, smallest first (the order :func:`infer_score_scale` tries them in).
KNOWN_SCALES: tuple[ScoreScale, ...] = (CSAT_1_5, CES_1_7, NPS_0_10)


def parse_scores(values: pd.Series) -> pd.Series:
    """Score cells as float64; empty, ``n/a``-style and non-numeric cells become NaN.

    Accepts numbers, numeric strings with surrounding spaces and a decimal comma (``"4,5"``).
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(np.nan, index=values.index, dtype="float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64")
    # Scores repeat a lot: parse each distinct string once.
    codes, uniques = pd.factorize(_as_str(values).str.strip())
    st = pd.Series(uniques, dtype="str")
    nums = pd.to_numeric(st, errors="coerce").astype("float64")
    comma = nums.isna() & st.str.fullmatch(r"[+-]?\d+,\d+").fillna(False).astype(bool)
    if comma.any():
        nums[comma] = pd.to_numeric(st[comma].str.replace(",", ".", regex=False), errors="coerce")
    parsed = np.append(nums.where(np.isfinite(nums)).to_numpy(dtype="float64"), np.nan)
    return pd.Series(parsed[codes], index=values.index, dtype="float64")


def infer_score_scale(values: pd.Series) -> ScoreScale:
    """The smallest known scale that contains every numeric value.

    1..5 -> :data:`CSAT_1_5`, 1..7 -> :data:`CES_1_7`, 0..10 -> :data:`NPS_0_10`; values outside
    0..10 -> ``ScoreScale.custom(min, max)`` (validation then reports an error unless the caller
    passes the scale explicitly). No numeric values -> :data:`NPS_0_10`.
    """
    nums = parse_scores(values).dropna()
    if nums.empty:
        return NPS_0_10
    lo, hi = float(nums.min()), float(nums.max())
    for scale in KNOWN_SCALES:
        if scale.low <= lo and hi <= scale.high:
            return scale
    if lo == hi:
        return ScoreScale.custom(lo, lo + 1)
    return ScoreScale.custom(lo, hi)


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_DMY_RE = re.compile(r"^\s*(\d{1,2})([./-])(\d{1,2})\2(\d{2,4})\b")
_DATEISH_RE = r"^(?=.*\d).{4,40}$"
_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S")
_DAYFIRST_FORMATS = tuple(
    d + t
    for d in ("%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%d/%m/%y")
    for t in _TIME_SUFFIXES
)
_MONTHFIRST_FORMATS = tuple(
    d + t for d in ("%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y") for t in _TIME_SUFFIXES
)
_YEARFIRST_FORMATS = tuple(d + t for d in ("%Y/%m/%d", "%Y.%m.%d") for t in _TIME_SUFFIXES)


@dataclass(frozen=True)
class _DateOrder:
    dayfirst: bool
    ambiguous_example: str | None  # a value like "03/04/2024" read without evidence of order


def _decide_dayfirst(values: pd.Series) -> _DateOrder:
    """Day/month order from the values: a first part > 12 means day first, a second part > 12
    month first; without evidence, "." dates are day first (European) and "/" or "-" month first.
    """
    parts = values.str.extract(_DMY_RE.pattern)
    parts = parts.dropna()
    if parts.empty:
        return _DateOrder(dayfirst=False, ambiguous_example=None)
    first = parts[0].astype(int)
    second = parts[2].astype(int)
    if (first > 12).any() and not (second > 12).any():
        return _DateOrder(True, None)
    if (second > 12).any() and not (first > 12).any():
        return _DateOrder(False, None)
    dotted = bool((parts[1] == ".").mean() > 0.5)
    ambiguous = (first != second) & (first <= 12) & (second <= 12)
    example = None
    if ambiguous.any() and not dotted:
        example = str(values.loc[ambiguous[ambiguous].index[0]]).strip()
    return _DateOrder(dayfirst=dotted, ambiguous_example=example)


def _to_datetime(values: pd.Series, **kwargs: Any) -> pd.Series:
    """``pd.to_datetime`` with coercion, quiet warnings, mixed time zones converted to UTC and
    the result naive (tz removed) in microseconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = pd.to_datetime(values, errors="coerce", **kwargs)
        except (ValueError, TypeError, OverflowError):
            out = pd.to_datetime(values, errors="coerce", utc=True, **kwargs)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out.astype("datetime64[us]")


def _parse_date_strings(uniq: pd.Series) -> tuple[pd.Series, _DateOrder]:
    """Parse distinct date strings: ISO 8601 first, then common fixed formats, then mixed."""
    norm = (
        uniq.str.replace(r"(\d)\s*[年月]\s*", r"\1-", regex=True)
        .str.replace(r"(\d)\s*日", r"\1", regex=True)
        .str.strip()
    )
    result = _to_datetime(norm, format="ISO8601")
    order = _DateOrder(dayfirst=False, ambiguous_example=None)
    todo = result.isna() & norm.str.match(_DATEISH_RE).fillna(False).astype(bool)
    if not todo.any():
        return result, order
    order = _decide_dayfirst(norm[todo])
    formats = _DAYFIRST_FORMATS if order.dayfirst else _MONTHFIRST_FORMATS
    for fmt in (*_YEARFIRST_FORMATS, *formats):
        if not todo.any():
            break
        parsed = _to_datetime(norm[todo], format=fmt)
        hit = parsed.notna()
        if hit.any():
            idx = parsed.index[hit]
            result.loc[idx] = parsed[hit]
            todo.loc[idx] = False
    if todo.any():
        parsed = _to_datetime(norm[todo], format="mixed", dayfirst=order.dayfirst)
        result.loc[parsed.index] = parsed
    return result, order


def _parse_dates_with_order(values: pd.Series) -> tuple[pd.Series, _DateOrder]:
    parsed, order = _parse_dates_positional(values.reset_index(drop=True))
    return parsed.set_axis(values.index), order


def _parse_dates_positional(values: pd.Series) -> tuple[pd.Series, _DateOrder]:
    no_order = _DateOrder(dayfirst=False, ambiguous_example=None)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _to_datetime(values), no_order
    missing = _missing_mask(values).to_numpy()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    present = values[~missing]
    if present.empty:
        return result, no_order
    if pd.api.types.is_object_dtype(present.dtype):
        is_dt = present.map(lambda v: isinstance(v, (_dt.date, np.datetime64))).astype(bool)
        if is_dt.any():
            result.loc[present.index[is_dt]] = _to_datetime(present[is_dt].astype(object))
            present = present[~is_dt]
    if present.empty:
        return result, no_order
    codes, uniques = pd.factorize(_as_str(present).str.strip())
    parsed, order = _parse_date_strings(pd.Series(uniques, dtype="str"))
    values_arr = parsed.to_numpy(dtype="datetime64[us]")
    result.loc[present.index] = values_arr[codes]
    return result, order


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse a column of dates into naive ``datetime64[us]`` (NaT for empty or unparseable).

    ISO 8601 (``2024-03-31``, ``2024-03-31T10:00:00Z``) always works; ``31.03.2024``,
    ``03/31/2024``, ``2024/3/31`` and ``2024年3月31日`` too. Day/month order of ``01/02/2024``
    style dates is decided from the whole column (a part > 12 settles it; without evidence
    ``.`` means day first and ``/`` month first). Time zones are converted to UTC and dropped.
    """
    return _parse_dates_with_order(values)[0]


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def is_meaningful_text(s: pd.Series) -> pd.Series:
    """True where a cell holds real text: at least one letter (any script, CJK included).

    False for missing values, empty or whitespace-only strings, digits, punctuation or symbols
    only (``"-"``, ``"."``, ``"—"``, ``"123"``, emoji only) and placeholders such as ``n/a``,
    ``none``, ``null``, ``nan``. Returns a bool Series aligned with ``s``.
    """
    st = _as_str(s).reset_index(drop=True)
    meaningful = st.str.contains(r"[^\W\d_]", regex=True).fillna(False).astype(bool)
    short = meaningful & (st.str.len() <= 12).fillna(False).astype(bool)  # placeholders are short
    if short.any():
        placeholder = st[short].str.strip().str.lower().isin(_PLACEHOLDER_TEXTS)
        meaningful[placeholder.index[placeholder.to_numpy(dtype=bool)]] = False
    return meaningful.set_axis(s.index)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem found while reading or validating data.

    Attributes:
        kind: machine-readable kind, e.g. ``"missing_text_column"``, ``"score_out_of_range"``,
            ``"score_not_numeric"``, ``"unparseable_date"``, ``"duplicate_id"``,
            ``"missing_id"``, ``"ragged_row"``, ``"short_row"``, ``"empty_text"``,
            ``"unknown_column"``, ``"duplicate_column"``, ``"ambiguous_date"``.
        message: a full sentence saying what is wrong, where (rows) and how to fix it.
        severity: ``"error"`` (blocks analysis) or ``"warning"``.
        column: the source column concerned, if any.
        rows: spreadsheet row numbers (header = row 1, first data row = 2).
    """

    kind: str
    message: str
    severity: str
    column: str | None = None
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.severity} ({self.kind}): {self.message}"


@dataclass
class ValidationReport:
    """Every problem found in one table, plus counts.

    Attributes:
        problems: all problems, errors and warnings, in the order found.
        n_rows: number of data rows.
        n_valid_text: rows whose text is meaningful (see :func:`is_meaningful_text`).
        n_empty_text: rows with an empty or non-text comment (kept, analysed without themes).
        mapping: the mapping that was validated.
        score_scale: the scale scores were checked against (given or inferred); ``None`` when
            there is no score column.
    """

    problems: list[Problem]
    n_rows: int
    n_valid_text: int
    n_empty_text: int
    mapping: ColumnMapping | None = None
    score_scale: ScoreScale | None = None
    _empty_rows: tuple[int, ...] = field(default=(), repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return not self.errors

    def raise_if_errors(self) -> None:
        """Raise :class:`voc.errors.ValidationError` listing all errors at once, if any."""
        if self.errors:
            raise ValidationError(self.errors)

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: kind, severity, column, n_rows, rows (up to 1,000 listed),
        message."""
        return pd.DataFrame(
            {
                "kind": [p.kind for p in self.problems],
                "severity": [p.severity for p in self.problems],
                "column": [p.column for p in self.problems],
                "n_rows": [len(p.rows) for p in self.problems],
                "rows": [format_rows(p.rows, limit=1000) if p.rows else "" for p in self.problems],
                "message": [p.message for p in self.problems],
            },
            columns=["kind", "severity", "column", "n_rows", "rows", "message"],
        )

    def summary(self) -> str:
        """Human-readable summary: counts on the first line, then every error and warning."""
        parts = [f"{self.n_rows:,} rows read"]
        if self.mapping is not None and self.mapping.text is None:
            parts.append("no text column")
        else:
            parts.append(f"{self.n_valid_text:,} with text")
            if self.n_empty_text:
                parts.append(
                    f"{self.n_empty_text:,} empty or non-text comments "
                    f"({format_rows(self._empty_rows)}) kept in the output without themes"
                )
        lines = ["; ".join(parts)]
        errors = self.errors
        others = [p for p in self.warnings if p.kind != "empty_text"]
        if errors:
            lines.append(f"{len(errors)} error(s):")
            lines.extend(f"  - {p.message}" for p in errors)
        if others:
            lines.append(f"{len(others)} warning(s):")
            lines.extend(f"  - {p.message}" for p in others)
        return "\n".join(lines)


def _examples(values: pd.Series, limit: int = 3) -> str:
    uniq = pd.unique(_as_str(values).str.strip())[:limit]
    return ", ".join(repr(str(v)) for v in uniq)


def _check_score(
    col: str, s: pd.Series, scale: ScoreScale | None
) -> tuple[list[Problem], ScoreScale]:
    problems: list[Problem] = []
    nums = parse_scores(s)
    missing = _missing_mask(s)
    bad = (~missing & nums.isna()).to_numpy()
    if bad.any():
        rows = _positions_to_rows(bad)
        problems.append(
            Problem(
                kind="score_not_numeric",
                severity="error",
                column=col,
                rows=rows,
                message=(
                    f"Score column {col!r} should hold numbers, but {len(rows):,} cell(s) do not "
                    f"({_examples(s[bad])}) in {format_rows(rows)}. Replace them with a number "
                    "or leave them empty (an empty score is allowed)."
                ),
            )
        )
    given = scale is not None
    used_scale = scale if scale is not None else infer_score_scale(nums)
    if not given and used_scale.name == "custom":
        outside = (nums < 0) | (nums > 10)
        rows = _positions_to_rows(outside.fillna(False))
        problems.append(
            Problem(
                kind="score_out_of_range",
                severity="error",
                column=col,
                rows=rows,
                message=(
                    f"Scores in column {col!r} range from {_fmt_num(used_scale.low)} to "
                    f"{_fmt_num(used_scale.high)}, which fits none of the known scales (NPS 0–10, "
                    f"CSAT 1–5, CES 1–7); values outside 0–10 are in {format_rows(rows)}. If "
                    "this is another scale, pass it explicitly (score_scale=ScoreScale.custom("
                    f"{_fmt_num(used_scale.low)}, {_fmt_num(used_scale.high)}) in Python or "
                    f"--score-scale {_fmt_num(used_scale.low)}..{_fmt_num(used_scale.high)} on "
                    "the command line); otherwise correct those rows."
                ),
            )
        )
    else:
        outside = ((nums < used_scale.low) | (nums > used_scale.high)).fillna(False)
        if outside.any():
            rows = _positions_to_rows(outside)
            origin = "given" if given else "inferred from the values"
            problems.append(
                Problem(
                    kind="score_out_of_range",
                    severity="error",
                    column=col,
                    rows=rows,
                    message=(
                        f"Scores in column {col!r} must be between {_fmt_num(used_scale.low)} "
                        f"and {_fmt_num(used_scale.high)} (scale {used_scale.name}, {origin}), "
                        f"but {len(rows):,} are outside ({_examples(s[outside.to_numpy()])}) "
                        f"in {format_rows(rows)}. Correct those rows or pass the right scale "
                        "(score_scale=... / --score-scale)."
                    ),
                )
            )
    return problems, used_scale


def _check_date(col: str, s: pd.Series) -> list[Problem]:
    problems: list[Problem] = []
    parsed, order = _parse_dates_with_order(s)
    bad = (~_missing_mask(s) & parsed.isna()).to_numpy()
    if bad.any():
        rows = _positions_to_rows(bad)
        problems.append(
            Problem(
                kind="unparseable_date",
                severity="error",
                column=col,
                rows=rows,
                message=(
                    f"Date column {col!r} has {len(rows):,} value(s) that are not dates "
                    f"({_examples(s[bad])}) in {format_rows(rows)}. Write dates as ISO "
                    "(2024-03-31 or 2024-03-31 14:05) or leave the cell empty."
                ),
            )
        )
    if order.ambiguous_example is not None:
        problems.append(
            Problem(
                kind="ambiguous_date",
                severity="warning",
                column=col,
                message=(
                    f"Dates in column {col!r} such as {order.ambiguous_example!r} could be "
                    "day/month or month/day; they were read as month/day. If they are "
                    "day/month, re-save the dates in ISO format (2024-03-31)."
                ),
            )
        )
    return problems


def _check_id(col: str, s: pd.Series) -> list[Problem]:
    problems: list[Problem] = []
    missing = _missing_mask(s).to_numpy()
    if missing.any():
        rows = _positions_to_rows(missing)
        problems.append(
            Problem(
                kind="missing_id",
                severity="error",
                column=col,
                rows=rows,
                message=(
                    f"Id column {col!r} is empty in {len(rows):,} row(s): {format_rows(rows)}. "
                    "Fill in a unique id for each row, or map no id column (id_col=None) so "
                    "row numbers are used as ids."
                ),
            )
        )
    keys = _doc_id_strings(s)
    dup = (keys.duplicated(keep=False) & ~missing).to_numpy()
    if dup.any():
        rows = _positions_to_rows(dup)
        n_ids = keys[dup].nunique()
        problems.append(
            Problem(
                kind="duplicate_id",
                severity="error",
                column=col,
                rows=rows,
                message=(
                    f"Id column {col!r} should identify each row, but {n_ids:,} id(s) "
                    f"({_examples(keys[dup])}) appear more than once, in {format_rows(rows)}. "
                    "Make the ids unique, or map no id column (id_col=None) so row numbers are "
                    "used as ids."
                ),
            )
        )
    return problems


def validate(
    df: pd.DataFrame, mapping: ColumnMapping, *, score_scale: ScoreScale | None = None
) -> ValidationReport:
    """Check a table against a column mapping and report every problem at once.

    Errors: no text column; a mapped column missing from ``df``; a column mapped twice;
    non-numeric scores; scores outside the scale (``score_scale`` if given, else inferred — an
    inferred custom scale outside 0..10 is an error asking for the scale); unparseable dates
    (empty dates are fine); empty or duplicate ids. Warnings: empty or non-text comments (kept,
    never dropped) and ambiguous day/month dates. Problems recorded while reading the file
    (``df.attrs["voc_problems"]``, e.g. ragged rows) are included first.
    """
    problems: list[Problem] = list(df.attrs.get("voc_problems", []))
    columns = list(df.columns)
    n_rows = len(df)
    mapped = mapping.mapped

    present: dict[str, str] = {}
    for role, col in mapped.items():
        if col in columns:
            present[role] = col
            continue
        closest = _closest_column(col, [c for c in columns if isinstance(c, str)])
        hint = f" Did you mean {closest!r}?" if closest else ""
        problems.append(
            Problem(
                kind="unknown_column",
                severity="error",
                column=col,
                message=(
                    f"Column {col!r} (mapped to role {role!r}) is not in the data; the columns "
                    f"are {_list_columns(columns)}.{hint} Fix the mapping, e.g. {role}_col="
                    f"{closest or '...'!r}."
                ),
            )
        )
    by_col: dict[str, list[str]] = {}
    for role, col in mapped.items():
        by_col.setdefault(col, []).append(role)
    for col, roles in by_col.items():
        if len(roles) > 1:
            problems.append(
                Problem(
                    kind="column_mapped_twice",
                    severity="error",
                    column=col,
                    message=(
                        f"Column {col!r} is mapped to several roles ({', '.join(roles)}); a "
                        "column can play only one role. Map each role to a different column."
                    ),
                )
            )

    n_valid = n_empty = 0
    empty_rows: tuple[int, ...] = ()
    if mapping.text is None:
        problems.append(
            Problem(
                kind="missing_text_column",
                severity="error",
                message=(
                    "No text column was found: expected a column with the comments (e.g. "
                    "'comment', 'feedback', 'отзыв', 'komentarz', '评论'), found the columns "
                    f"{_list_columns(columns)}. Name the column explicitly with text_col='...' "
                    "(Python) or --text-col '...' (command line)."
                ),
            )
        )
    elif "text" in present:
        col = present["text"]
        meaningful = is_meaningful_text(df[col]).to_numpy()
        n_valid = int(meaningful.sum())
        n_empty = n_rows - n_valid
        empty_rows = _positions_to_rows(~meaningful)
        if n_rows and n_valid == 0:
            problems.append(
                Problem(
                    kind="no_text",
                    severity="error",
                    column=col,
                    message=(
                        f"Text column {col!r} has no comments with words in any of its "
                        f"{n_rows:,} rows (all are empty, numbers or placeholders like 'n/a'). "
                        "Check that the right column is mapped (text_col='...' / --text-col)."
                    ),
                )
            )
        elif n_empty:
            problems.append(
                Problem(
                    kind="empty_text",
                    severity="warning",
                    column=col,
                    rows=empty_rows,
                    message=(
                        f"{n_empty:,} of {n_rows:,} comments in column {col!r} are empty or "
                        f"have no words ({format_rows(empty_rows)}); they are kept in the "
                        "output without themes. Nothing to fix unless you expected text there."
                    ),
                )
            )

    used_scale: ScoreScale | None = None
    if "score" in present:
        col = present["score"]
        score_problems, used_scale = _check_score(col, df[col], score_scale)
        problems.extend(score_problems)
    if "date" in present:
        problems.extend(_check_date(present["date"], df[present["date"]]))
    if "id" in present:
        problems.extend(_check_id(present["id"], df[present["id"]]))

    return ValidationReport(
        problems=problems,
        n_rows=n_rows,
        n_valid_text=n_valid,
        n_empty_text=n_empty,
        mapping=mapping,
        score_scale=used_scale,
        _empty_rows=empty_rows,
    )


# --------------------------------------------------------------------------------------------
# Canonical frame
# --------------------------------------------------------------------------------------------


def _doc_id_strings(s: pd.Series) -> pd.Series:
    """Ids as stripped strings; whole-number floats lose their ``.0`` (``7.0`` -> ``"7"``)."""
    if pd.api.types.is_float_dtype(s.dtype):
        finite = s.dropna()
        if (finite == np.floor(finite)).all():
            return s.astype("Int64").astype("str").str.strip()
    return _as_str(s).str.strip()


def to_canonical(
    df: pd.DataFrame, mapping: ColumnMapping, *, score_scale: ScoreScale | None = None
) -> pd.DataFrame:
    """Build the canonical frame: one row per input row, same order, index ``0..n-1``.

    Columns (only mapped roles, plus ``doc_id`` and ``text`` always): ``doc_id`` (str; the id
    column, or ``"1"``, ``"2"``, ... = 1-based data row number), ``text`` (str, ``""`` when
    missing), ``score`` (float64, NaN when missing), ``date`` (naive ``datetime64[us]``, NaT),
    ``segment``, ``channel``, ``journey_stage`` (str, missing when empty). No row is dropped.
    ``attrs`` carries ``voc_source``, ``voc_mapping`` and ``voc_score_scale``.

    Raises:
        ValidationError: when :func:`validate` finds errors (all are listed).
    """
    report = validate(df, mapping, score_scale=score_scale)
    report.raise_if_errors()
    n = len(df)
    index = pd.RangeIndex(n)
    out: dict[str, pd.Series] = {}
    for role in _CANONICAL_ORDER:
        col = getattr(mapping, role)
        name = ROLE_TO_CANONICAL[role]
        if role == "id":
            if col is None:
                out[name] = pd.Series(np.arange(1, n + 1).astype(str), index=index, dtype="str")
            else:
                out[name] = _doc_id_strings(df[col]).set_axis(index)
            continue
        if role == "text":
            if col is None:  # pragma: no cover - validate() reports this as an error
                out[name] = pd.Series("", index=index, dtype="str")
            else:
                out[name] = _as_str(df[col]).fillna("").set_axis(index)
            continue
        if col is None:
            continue
        s = df[col]
        if role == "score":
            out[name] = parse_scores(s).set_axis(index)
        elif role == "date":
            out[name] = parse_dates(s).set_axis(index)
        else:
            st = _as_str(s).str.strip()
            out[name] = st.where(st != "").set_axis(index)
    result = pd.DataFrame(out, index=index)
    result.attrs = {
        "voc_source": df.attrs.get("voc_source"),
        "voc_mapping": mapping.as_dict(),
        "voc_score_scale": report.score_scale,
    }
    return result
