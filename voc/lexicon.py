"""Negation-aware sentiment lexicon scores, used as extra features for the sentiment head.

Multilingual sentence embeddings are dominated by topic ("Dostawa bardzo wolna" and "服务很差"
land next to positive delivery/service comments), so the sentiment head also gets a few
features from a VADER-style lexicon score that knows polarity, negation and intensity.

Data
====
``<directory>/<lang>.tsv`` (UTF-8, header ``term<TAB>valence``): valence in [-4, 4] on VADER's
scale (negative = negative polarity). A term is one token, a space-separated phrase, or (zh) a
string of Chinese characters. A trailing ``*`` on a token makes it a prefix entry
(``ужасн*``, ``świetn*``). ``<directory>/<lang>.modifiers.tsv`` (header
``term<TAB>type<TAB>value``): ``negator`` (value in [-2, 0], multiplies the valence of the
sentiment words it scopes; VADER uses -0.74), ``intensifier`` (value in [1, 4], e.g. 1.3) and
``diminisher`` (value in [0, 1], e.g. 0.7). Blank lines and lines starting with ``#`` are
skipped; a later line for the same term wins; any other malformed line raises
:class:`~voc.errors.VocError` naming the file and line. Terms are lowercased and NFC-normalised;
``’``/``ʼ`` become ``'``, ``ё`` becomes ``е`` and U+FE0F (emoji variation selector) is
dropped, in terms and in text alike.

Built-ins (``builtins=True``, the default): English starts from VADER's own lexicon
(``vader_lexicon.txt`` of the installed ``vaderSentiment`` package, its mean ratings), its
negation list (``NEGATE`` plus ``"no"``, value -0.74) and booster dictionary (``BOOSTER_DICT``:
increments become intensifiers ×1.3, decrements diminishers ×0.7); ``en.tsv`` and
``en.modifiers.tsv`` are merged over them (ours win). Russian, Polish and Chinese get a few core
negators (:data:`BUILTIN_NEGATORS`, -0.74) under their modifier files. A language without a
``<lang>.tsv`` (and without built-ins) has no lexicon: all-zero features, never an error.

Scoring rules (one clause at a time)
====================================
1. Tokens. en/ru/pl and every other non-Chinese language use a light regex tokeniser on the
   text (much faster than :func:`voc.text.tokenize`, and it keeps what that drops):
   words ``\\w+('\\w+)*`` (so "don't", "isn't" stay whole; "не", "nie", "ни" are ordinary
   tokens) and runs of other non-space characters (punctuation, emoticons such as ":)", ":-D",
   "<3", emoji). Chinese uses jieba (the segmenter :func:`voc.text.tokenize` uses for zh) on the
   lowercased text. Tokens are lowercased; lexicon terms are tokenised the same way.
2. Chinese multi-token entries. jieba (run without its HMM for speed, so unknown words come
   out as single characters) often splits a lexicon entry ("不值这个价" -> 不值|这个|价). So
   entries containing a Han character that are >= 3 characters long, or 2 characters long
   and unknown to jieba's dictionary ("拉胯"), are looked for in the clause text at each
   token start, longest first: a match must be longer than the token it starts at, and a
   2-character match must also end at a token boundary. The tokens it covers are replaced by
   the entry, so nothing inside it is counted twice. Matches never start inside a token, so
   "没有问题" (没有|问题) is not read as "有问题".
3. Lookup per token, first hit wins: (a) a multi-token phrase starting here (longest first;
   tokens match exactly, or by prefix for ``*`` tokens); (b) contrast words (:data:`CONTRAST`,
   e.g. "but", "но", "ale", "但是") and punctuation ``. , ; : ! ? … ( ) [ ] — –`` (and CJK
   forms) are *boundaries*; (c) the exact token: modifier entries before sentiment entries;
   (d) symbol runs: the run without surrounding punctuation, then the sum of its emoji
   characters' valences; (e) zh only: a token that starts with a modifier (a negator such as
   不/没/没有/别/未/无, or an intensifier/diminisher such as 很/太/有点) whose remainder resolves
   to a sentiment entry ("不好" -> -0.74 × 好, "很差" -> 1.3 × 差; recursive, so "不太好" works);
   (f) prefix entries, longest prefix wins, only for tokens of >= 3 characters; (g) en only: a
   token ending in "n't" is a negator (-0.74). Everything else is neutral.
4. Positions. Every item (token or matched phrase) except neutral symbols (e.g. "-", "/",
   "+", unknown emoji) takes one position. A boundary ends all pending scopes.
5. Intensifiers/diminishers multiply the next sentiment item within 2 positions (several may
   stack: "very very good"); a pending one is used by that item only.
6. Negators. A sentiment item within 3 positions after a negator is multiplied by that
   negator's value; only the *nearest* preceding negator applies (a new negator replaces the
   pending one). So "nie jest źle" flips "źle", "not very good" is negative, and the
   double negation "nigdy nie zawiedli" ends up positive (only "nie" flips "zawiedli"). A
   fused zh negation (rule 3e) counts as the nearest negator.
7. A term that is both a modifier and a sentiment word (e.g. VADER's "no", -1.2) acts as the
   modifier when it finds a sentiment word to modify, otherwise it contributes its own valence
   ("no problems" > 0, "No." < 0). A multi-token modifier without its own valence ("failed
   to") falls back to the sum of its words' single-token valences ("failed" -2.3).
8. ALL-CAPS words (Latin/Cyrillic, >= 2 letters) are ×1.2 when the clause also has
   non-caps words (VADER's rule: a fully capitalised clause is not emphasis).
9. s = sum of the item valences after rules 5-8. Exclamation marks ("!" and "！", at most 4
   counted) add 0.292 each to |s| (VADER), only if s != 0. score = s / sqrt(s² + 15), in
   [-1, 1] (open in exact arithmetic). No "but"-weighting: :func:`voc.text.split_segments`
   already splits clauses there.

Features (:meth:`LexiconScorer.features`, float32, :attr:`LexiconScorer.N_FEATURES` = 4)
=======================================================================================
0. ``lex_score``: the score above, in [-1, 1].
1. ``lex_pos_mass``: P / (P + 2), in [0, 1), where P is the sum of positive item valences
   after modifiers (no exclamation boost); 2 is about one clearly positive word ("good" 1.9).
2. ``lex_neg_mass``: N / (N + 2), in [0, 1), N the sum of |negative item valences| likewise.
3. ``lex_negated``: 1.0 if a negator actually flipped/damped a sentiment item, else 0.0.

Speed: the per-token lookup is memoised per language, so a clause costs one regex pass and one
dict lookup per token (zh: plus jieba, ~80% of its cost; zh clauses of <= 64 characters also
have their result memoised). Measured on the seed data split into clauses (~3,000 distinct
clauses per language, 53-56 characters for en/ru/pl, 13 for zh; shared 2-core machine, best of
5, fresh memo / warm token memo): en ~35k/43k, ru ~32k/49k, pl ~30k/37k, zh ~8k/10k clauses
per CPU-second; wall clock on the loaded machine was up to ~1.7x lower.

Everything is deterministic and offline; lexicons load lazily, once per language, thread-safely.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from voc.errors import VocError

__all__ = [
    "BUILTIN_NEGATORS",
    "CONTRAST",
    "LEXICON_DIR",
    "LexiconScorer",
]

#: Directory of the shipped lexicons (``<lang>.tsv``, ``<lang>.modifiers.tsv``).
LEXICON_DIR: Path = Path(__file__).resolve().parent / "lexicons"  # == voc/lexicons

#: VADER's normalisation constant: score = s / sqrt(s² + ALPHA).
ALPHA = 15.0
#: Default negator multiplier (VADER's N_SCALAR).
NEGATOR_DEFAULT = -0.74
#: Multipliers used for VADER's booster increments/decrements.
INTENSIFIER_DEFAULT = 1.3
DIMINISHER_DEFAULT = 0.7
#: Positions after a negator / an intensifier or diminisher that it reaches.
NEGATION_WINDOW = 3
MODIFIER_WINDOW = 2
#: Multiplier for an ALL-CAPS sentiment word in a clause with non-caps words.
CAPS_FACTOR = 1.2
#: Added to |s| per exclamation mark (at most MAX_EXCLAMATIONS counted).
EXCLAMATION_BOOST = 0.292
MAX_EXCLAMATIONS = 4
#: Mass squashing: m / (m + MASS_SCALE), in [0, 1).
MASS_SCALE = 2.0
#: Valence range of lexicon entries (VADER's scale).
MAX_VALENCE = 4.0
#: Prefix (``*``) entries match only tokens at least this long (characters).
MIN_PREFIX_TOKEN = 3
#: zh entries at least this long (characters) are also matched as substrings of the clause.
MIN_ZH_SUBSTRING = 3

#: Contrast words that end negation/modifier scopes, per language.
CONTRAST: Mapping[str, frozenset[str]] = {
    "en": frozenset(
        [
            "but",
            "however",
            "although",
            "though",
            "yet",
            "whereas",
            "nevertheless",
            "nonetheless",
            "except",
        ]
    ),  # fmt: skip
    "ru": frozenset(["но", "однако", "зато", "хотя", "а", "впрочем"]),
    "pl": frozenset(["ale", "lecz", "jednak", "natomiast", "chociaż", "choć", "zaś", "aczkolwiek"]),
    "zh": frozenset(["但", "但是", "可是", "不过", "然而", "却", "只是"]),
}
#: Core negators added (value -0.74) before ``<lang>.modifiers.tsv`` when builtins are on.
#: English uses VADER's NEGATE list plus "no" instead.
BUILTIN_NEGATORS: Mapping[str, tuple[str, ...]] = {
    "ru": ("не", "ни", "нет", "никогда", "без", "никак*"),
    "pl": ("nie", "nigdy", "ani", "bez", "żadn*"),
    "zh": ("不", "没", "没有", "别", "未", "无", "不是", "并不", "并没有", "从不", "从没", "毫无"),
}

_MODIFIER_TYPES = {"negator", "intensifier", "diminisher"}
_MODIFIER_RANGES = {"negator": (-2.0, 0.0), "intensifier": (1.0, 4.0), "diminisher": (0.0, 1.0)}

# Item kinds.
_PLAIN, _SENT, _NEG, _MULT, _BOUNDARY, _SKIP = range(6)

# A lexicon item: (kind, value, fallback valence of a dual modifier/sentiment term,
#                  phrase candidates starting at this token or None, fused zh negation).
_Entry = tuple[int, float, float, Any, bool]
_PLAIN_E: _Entry = (_PLAIN, 0.0, 0.0, None, False)
_BOUNDARY_E: _Entry = (_BOUNDARY, 0.0, 0.0, None, False)
_SKIP_E: _Entry = (_SKIP, 0.0, 0.0, None, False)

_TermKey = tuple[tuple[str, bool], ...]  # tokens, each (text, is_prefix)

_TOKEN_RE = re.compile(r"\w+(?:'\w+)*|[^\w\s]+(?:[dDpPoO3](?!\w))?")
_HAN_RE = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003134F]")
_BOUNDARY_CHARS = frozenset(".,;:!?…()[]{}—–。，、；：！？（）【】《》「」")
_STRIP_CHARS = ".,!?…。，！？"  # not ":" / ";" (emoticons start with them)
_NORMALIZE = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "ё": "е", "Ё": "Е", "\ufe0f": None})
_NORMALIZE_RE = re.compile("[’ʼ‘ёЁ\ufe0f]")
# Two uppercase Latin/Cyrillic letters in a row: the text may have ALL-CAPS words.
_CAPS2_RE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x41, 0x530) if chr(c).isupper()) + "]{2}"
)
_CODE_RE = re.compile(r"^[a-z]{2,8}$")
_MEMO_MAX = 200_000  # entries per language in the token (and zh clause) memo
_ZH_CACHE_CHARS = 64  # zh clauses up to this length have their result memoised


def _normalize_text(text: str) -> str:
    """Fold apostrophes to "'" and "ё" to "е", drop U+FE0F (cheap if there is nothing to do)."""
    if text.isascii() or _NORMALIZE_RE.search(text) is None:
        return text
    return text.translate(_NORMALIZE)


def _normalize_code(language: object) -> str:
    """Language code from a label ("EN", "pt_BR", "zh-Hans" -> "en", "pt", "zh") or "unknown"."""
    if not isinstance(language, str):
        return "unknown"
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if _CODE_RE.match(code) else "unknown"


# --------------------------------------------------------------------------------------------
# Reading lexicon files
# --------------------------------------------------------------------------------------------


def _malformed(path: Path, lineno: int, line: str, expected: str, fix: str) -> VocError:
    return VocError(expected=expected, found=f"{path}, line {lineno}: {line!r}", fix=fix)


def _read_rows(path: Path, header: tuple[str, ...]) -> Iterable[tuple[int, str, list[str]]]:
    """(line number, line, fields) of the data lines of a TSV file with the given header."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VocError(
            expected=f"a UTF-8 lexicon file ({path})",
            found=f"bytes that are not UTF-8 at offset {exc.start}",
            fix="re-save the file as UTF-8",
        ) from exc
    except OSError as exc:
        raise VocError(
            expected=f"a readable lexicon file ({path})",
            found=f"{type(exc).__name__}: {exc}",
            fix="check the path and the file permissions",
        ) from exc
    seen_header = False
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        while len(fields) > len(header) and not fields[-1].strip():
            fields.pop()  # tolerate trailing tabs
        if not seen_header:
            if tuple(f.strip().lower() for f in fields) != header:
                raise _malformed(
                    path,
                    lineno,
                    line,
                    f"the header line {'<TAB>'.join(header)!r}",
                    f"make the first line of the file exactly {'<TAB>'.join(header)!r}",
                )
            seen_header = True
            continue
        if len(fields) != len(header):
            raise _malformed(
                path,
                lineno,
                line,
                f"{len(header)} tab-separated fields ({', '.join(header)})",
                "separate the fields with one tab character each (no spaces instead of tabs)",
            )
        yield lineno, line, fields


def _parse_float(
    text: str, path: Path, lineno: int, line: str, lo: float, hi: float, what: str
) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi):
        raise _malformed(
            path,
            lineno,
            line,
            f"a {what} between {lo:g} and {hi:g}",
            f"write the {what} as a number from {lo:g} to {hi:g}, e.g. '1.5'",
        )
    return value


def _normalize_term(term: str) -> str:
    term = unicodedata.normalize("NFC", term.strip()).lower()
    return _normalize_text(term)


def _term_key(term: str, zh: bool, allow_star: bool = True) -> _TermKey | None:
    """Tokens of a lexicon term as (text, is_prefix) pairs; None if the term is unusable."""
    term = _normalize_term(term)
    key: list[tuple[str, bool]] = []
    for chunk in term.split():
        star = allow_star and chunk.endswith("*") and len(chunk) > 1
        stem = chunk[:-1] if star else chunk
        if allow_star and "*" in stem:
            return None
        if star and len(stem) < 2:
            return None
        if zh:
            toks = [stem]
        else:
            toks = _TOKEN_RE.findall(stem)
            if not toks or "".join(toks) != stem:
                return None
        key.extend((t, False) for t in toks[:-1])
        key.append((toks[-1], star))
    return tuple(key) or None


def _bad_term(path: Path, lineno: int, line: str) -> VocError:
    return _malformed(
        path,
        lineno,
        line,
        "a term of word tokens, with '*' only at the end of a token (a prefix of >= 2 characters)",
        "fix or delete the term (e.g. 'ужасн*', 'not bad', '不值这个价')",
    )


def _read_lexicon(path: Path, zh: bool) -> dict[_TermKey, float]:
    out: dict[_TermKey, float] = {}
    for lineno, line, (term, valence) in _read_rows(path, ("term", "valence")):
        key = _term_key(term, zh)
        if key is None:
            raise _bad_term(path, lineno, line)
        out[key] = _parse_float(valence, path, lineno, line, -MAX_VALENCE, MAX_VALENCE, "valence")
    return out


def _read_modifiers(path: Path, zh: bool) -> dict[_TermKey, tuple[int, float]]:
    out: dict[_TermKey, tuple[int, float]] = {}
    for lineno, line, (term, kind, value) in _read_rows(path, ("term", "type", "value")):
        key = _term_key(term, zh)
        if key is None:
            raise _bad_term(path, lineno, line)
        kind = kind.strip().lower()
        if kind not in _MODIFIER_TYPES:
            raise _malformed(
                path,
                lineno,
                line,
                "a type of 'negator', 'intensifier' or 'diminisher'",
                "use one of the three types in the second column",
            )
        lo, hi = _MODIFIER_RANGES[kind]
        v = _parse_float(value, path, lineno, line, lo, hi, f"{kind} value")
        out[key] = (_NEG if kind == "negator" else _MULT, v)
    return out


@functools.cache
def _vader_lexicon() -> dict[str, float]:
    """VADER's lexicon (lowercased token -> mean valence); {} if vaderSentiment is missing."""
    try:
        res = importlib.resources.files("vaderSentiment").joinpath("vader_lexicon.txt")
        text = res.read_text(encoding="utf-8")
    except (ImportError, OSError):
        return {}
    out: dict[str, float] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip():
            continue
        try:
            value = float(fields[1])
        except ValueError:
            continue
        if math.isfinite(value):
            out[fields[0].strip().lower()] = max(-MAX_VALENCE, min(MAX_VALENCE, value))
    return out


@functools.cache
def _vader_modifiers() -> dict[str, tuple[int, float]]:
    """VADER's negators (plus "no") and boosters as modifier entries; {} without VADER."""
    try:
        from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE
    except ImportError:
        return {}
    out: dict[str, tuple[int, float]] = {}
    for word, incr in BOOSTER_DICT.items():
        out[word] = (_MULT, INTENSIFIER_DEFAULT if incr > 0 else DIMINISHER_DEFAULT)
    for word in [*NEGATE, "no"]:
        out[word] = (_NEG, NEGATOR_DEFAULT)
    return out


# --------------------------------------------------------------------------------------------
# One language's lexicon
# --------------------------------------------------------------------------------------------


class _Lexicon:
    """Compiled lookup tables for one language, plus a memo of token -> item."""

    def __init__(
        self,
        code: str,
        sentiment: dict[_TermKey, float],
        modifiers: dict[_TermKey, tuple[int, float]],
    ) -> None:
        self.code = code
        self.zh = code == "zh"
        self.en = code == "en"
        self.contrast = CONTRAST.get(code, frozenset())
        self.exact: dict[str, _Entry] = {}
        self.stems: dict[str, _Entry] = {}
        phrases: dict[str, list[tuple[_TermKey, _Entry]]] = {}
        stem_phrases: dict[str, list[tuple[_TermKey, _Entry]]] = {}
        substrings: dict[str, list[str]] = {}
        split: list[tuple[str, int, float]] = []
        for key in {**sentiment, **modifiers}:
            mod = modifiers.get(key)
            valence = sentiment.get(key, 0.0)
            if mod is not None and key not in sentiment and len(key) > 1:
                # an unused modifier phrase ("failed to") counts as its words
                valence = sum(sentiment.get(((t, False),), 0.0) for t, pre in key if not pre)
            entry: _Entry
            if mod is not None:
                entry = (mod[0], mod[1], valence, None, False)
            else:
                entry = (_SENT, valence, 0.0, None, False)
            tok, is_prefix = key[0]
            if len(key) == 1:
                (self.stems if is_prefix else self.exact)[tok] = entry
                if self.zh and not is_prefix and _HAN_RE.search(tok):
                    if len(tok) >= MIN_ZH_SUBSTRING or (len(tok) == 2 and not _jieba_knows(tok)):
                        substrings.setdefault(tok[:2], []).append(tok)
                    if mod is not None:
                        split.append((tok, mod[0], mod[1]))
            else:
                (stem_phrases if is_prefix else phrases).setdefault(tok, []).append((key, entry))
        by_len: Callable[[tuple[_TermKey, _Entry]], int] = lambda p: -len(p[0])  # noqa: E731
        self.phrases = {k: sorted(v, key=by_len) for k, v in phrases.items()}
        self.stem_phrases = {k: sorted(v, key=by_len) for k, v in stem_phrases.items()}
        self.substrings = {k: sorted(v, key=len, reverse=True) for k, v in substrings.items()}
        self.stem_lengths = sorted({len(s) for s in self.stems}, reverse=True)
        self.split_prefixes = sorted(split, key=lambda s: -len(s[0]))
        self.memo: dict[str, _Entry] = {}
        # zh: results of whole clauses (jieba dominates the cost; short clauses repeat a lot)
        self.results: dict[str, tuple[float, float, float, bool]] = {}

    # -- token classification ----------------------------------------------------------------

    def entry(self, tok: str) -> _Entry:
        """The (memoised) item for one lowercased token."""
        e = self.memo.get(tok)
        if e is not None:
            return e
        e = self._classify(tok)
        cands = self._phrase_candidates(tok)
        if cands:
            e = (e[0], e[1], e[2], cands, e[4])
        if len(self.memo) >= _MEMO_MAX:
            self.memo.clear()
        self.memo[tok] = e
        return e

    def _phrase_candidates(self, tok: str) -> tuple[tuple[_TermKey, _Entry], ...] | None:
        cands = list(self.phrases.get(tok, ()))
        if self.stem_phrases and len(tok) >= MIN_PREFIX_TOKEN:
            for stem, items in self.stem_phrases.items():
                if tok.startswith(stem):
                    cands.extend(items)
        if not cands:
            return None
        cands.sort(key=lambda p: -len(p[0]))
        return tuple(cands)

    def _classify(self, tok: str) -> _Entry:
        if tok in self.contrast:
            return _BOUNDARY_E
        e = self.exact.get(tok)
        if e is not None:
            return e
        c = tok[0]
        if not (c.isalnum() or c == "_"):
            return self._symbol(tok)
        if self.zh:
            e = self._split_fused(tok)
            if e is not None:
                return e
        if len(tok) >= MIN_PREFIX_TOKEN:
            for k in self.stem_lengths:
                if k <= len(tok):
                    e = self.stems.get(tok[:k])
                    if e is not None:
                        return e
        if self.en and tok.endswith("n't"):
            return (_NEG, NEGATOR_DEFAULT, 0.0, None, False)
        return _PLAIN_E

    def _symbol(self, tok: str) -> _Entry:
        """A run of punctuation/symbols: emoticon, emoji, boundary or nothing."""
        core = tok.strip(_STRIP_CHARS)
        e = self.exact.get(core) if core and core != tok else None
        if e is not None and e[0] == _SENT and e[1] != 0:
            return e
        if not tok.isascii():
            total = 0.0
            for ch in tok:
                ce = self.exact.get(ch)
                if ce is not None and ce[0] == _SENT:
                    total += ce[1]
            if total != 0:
                return (_SENT, total, 0.0, None, False)
        if any(ch in _BOUNDARY_CHARS for ch in tok):
            return _BOUNDARY_E
        return _SKIP_E

    def _split_fused(self, tok: str) -> _Entry | None:
        """zh: "不好" -> negator 不 applied to 好; "很差" -> 1.3 × 差 (if the parts are known)."""
        for prefix, kind, value in self.split_prefixes:
            if len(tok) > len(prefix) and tok.startswith(prefix):
                rest = self.entry(tok[len(prefix) :])
                # the remainder's valence (a dual modifier such as 好 counts with its valence)
                valence = rest[1] if rest[0] == _SENT else rest[2] if rest[0] != _BOUNDARY else 0
                if valence != 0:
                    return (_SENT, valence * value, 0.0, None, kind == _NEG or rest[4])
        return None

    # -- tokenisation --------------------------------------------------------------------------

    def tokens(self, text: str) -> tuple[list[str], list[bool] | None]:
        """Lowercased tokens of a clause, and per-token emphasis (ALL-CAPS) flags or None."""
        text = _normalize_text(text)
        if self.zh:
            return self._zh_tokens(text.lower()), None
        lows: list[str] = _TOKEN_RE.findall(text.lower())
        caps: list[bool] | None = None
        if _CAPS2_RE.search(text) is not None and not text.isupper():
            toks = _TOKEN_RE.findall(text)
            flags = [len(t) > 1 and t.isupper() and t[0].isalpha() for t in toks]
            words = sum(1 for t in toks if len(t) > 1 and t[0].isalpha())
            if len(toks) == len(lows) and 0 < sum(flags) < words:
                caps = flags  # emphasis only if the clause also has non-caps words
        return lows, caps

    def _zh_tokens(self, low: str) -> list[str]:
        """jieba tokens, with substring entries (rule 2) replacing the tokens they cover."""
        toks: list[str] = _jieba().lcut(low, HMM=False)
        subs = self.substrings
        if not subs or len(toks) < 2:
            return toks
        starts = [0]
        for tok in toks:
            starts.append(starts[-1] + len(tok))
        bounds = set(starts)
        out: list[str] = []
        k, n = 0, len(toks)
        while k < n:
            tok = toks[k]
            i = starts[k]
            cands = subs.get(low[i : i + 2])
            if cands:
                for term in cands:
                    end = i + len(term)
                    if (
                        len(term) > len(tok)
                        and low.startswith(term, i)
                        and (end in bounds or len(term) >= MIN_ZH_SUBSTRING)
                    ):
                        out.append(term)
                        while k < n and starts[k] < end:
                            k += 1
                        break
                else:
                    out.append(tok)
                    k += 1
                continue
            out.append(tok)
            k += 1
        return out

    # -- scoring ---------------------------------------------------------------------------

    def tally(self, text: str) -> tuple[float, float, float, bool]:
        """(s, positive mass, negative mass, negated) of one clause; s before normalisation."""
        if self.zh and len(text) <= _ZH_CACHE_CHARS:
            r = self.results.get(text)
            if r is None:
                r = self._tally(text)
                if len(self.results) >= _MEMO_MAX:
                    self.results.clear()
                self.results[text] = r
            return r
        return self._tally(text)

    def _tally(self, text: str) -> tuple[float, float, float, bool]:
        toks, caps = self.tokens(text)
        memo_get = self.memo.get
        pos_mass = neg_mass = 0.0
        negated = False
        neg_val, neg_pos, neg_fallback, neg_used = 0.0, -100, 0.0, True
        mults: list[tuple[float, int, float]] = []  # (multiplier, position, fallback valence)
        pos = 0
        i, n = 0, len(toks)
        while i < n:
            tok = toks[i]
            e = memo_get(tok) or self.entry(tok)
            step = 1
            if e[3] is not None:
                e, step = _match_phrase(toks, i, e)
            kind = e[0]
            if kind in (_SKIP, _PLAIN):
                i += step
                pos += kind == _PLAIN
                continue
            if kind == _BOUNDARY:  # end all scopes; unused dual modifiers count as words
                for _, _, fb in mults:
                    if fb > 0:
                        pos_mass += fb
                    elif fb < 0:
                        neg_mass -= fb
                mults.clear()
            if kind in (_BOUNDARY, _NEG):  # the pending negator's scope ends
                if not neg_used:
                    if neg_fallback > 0:
                        pos_mass += neg_fallback
                    elif neg_fallback < 0:
                        neg_mass -= neg_fallback
                neg_used = True
                neg_pos = -100
                if kind == _NEG:
                    neg_val, neg_pos, neg_used = e[1], pos, e[2] == 0
                    neg_fallback = e[2] * (CAPS_FACTOR if caps is not None and caps[i] else 1.0)
                    pos += 1
                i += step
                continue
            emph = CAPS_FACTOR if caps is not None and caps[i] else 1.0
            if kind == _MULT:
                mults.append((e[1], pos, e[2] * emph))
            elif e[1] != 0:  # a sentiment item
                v = e[1] * emph
                if mults:
                    for m, p, fb in mults:
                        if pos - p <= MODIFIER_WINDOW:
                            v *= m
                        elif fb > 0:
                            pos_mass += fb
                        elif fb < 0:
                            neg_mass -= fb
                    mults.clear()
                if e[4]:
                    negated = True
                elif pos - neg_pos <= NEGATION_WINDOW:
                    v *= neg_val
                    negated = neg_used = True
                if v > 0:
                    pos_mass += v
                else:
                    neg_mass -= v
            pos += 1
            i += step
        for _, _, fb in mults:
            if fb > 0:
                pos_mass += fb
            elif fb < 0:
                neg_mass -= fb
        if not neg_used:
            if neg_fallback > 0:
                pos_mass += neg_fallback
            elif neg_fallback < 0:
                neg_mass -= neg_fallback
        s = pos_mass - neg_mass
        if s != 0:
            bangs = text.count("!") + text.count("！")
            if bangs:
                boost = EXCLAMATION_BOOST * min(bangs, MAX_EXCLAMATIONS)
                s = s + boost if s > 0 else s - boost
        return s, pos_mass, neg_mass, negated


def _match_phrase(toks: list[str], i: int, e: _Entry) -> tuple[_Entry, int]:
    """The longest phrase starting at token i (its item and length), else (e, 1)."""
    n = len(toks)
    for key, pe in e[3]:
        k = len(key)
        if i + k > n:
            continue
        for j in range(1, k):
            t, is_prefix = key[j]
            tok = toks[i + j]
            if not (tok == t or (is_prefix and len(tok) >= MIN_PREFIX_TOKEN and tok.startswith(t))):
                break
        else:
            return pe, k
    return (e[0], e[1], e[2], None, e[4]), 1


def _jieba_knows(word: str) -> bool:
    """True if ``word`` is in jieba's dictionary (so jieba can return it as one token)."""
    return bool(_jieba().get_FREQ(word))


@functools.cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # silence "Building prefix dict ..." on stderr
    jieba.initialize()
    return jieba


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


class LexiconScorer:
    """Negation-aware lexicon sentiment for clauses in several languages.

    Args:
        directory: where ``<lang>.tsv`` and ``<lang>.modifiers.tsv`` live; defaults to
            :data:`LEXICON_DIR` (the lexicons shipped with voc).
        languages: if given, only these languages are scored (all others get zeros) and their
            lexicons are loaded now, so file errors surface at construction. If None, any
            language with a lexicon is scored, each loaded on first use.
        builtins: add VADER's English lexicon/negators/boosters and the core ru/pl/zh
            negators (:data:`BUILTIN_NEGATORS`) under the files. Turn off to use the files only.

    Scoring rules and feature definitions: see the module docstring. Instances are
    thread-safe; the first use of a language parses its files (and, for zh, loads jieba).
    """

    #: Number of columns of :meth:`features`.
    N_FEATURES: ClassVar[int] = 4
    #: Column names of :meth:`features`.
    FEATURE_NAMES: ClassVar[tuple[str, ...]] = (
        "lex_score",
        "lex_pos_mass",
        "lex_neg_mass",
        "lex_negated",
    )

    def __init__(
        self,
        directory: Path | str | None = None,
        languages: Sequence[str] | None = None,
        *,
        builtins: bool = True,
    ) -> None:
        self.directory = Path(directory) if directory is not None else LEXICON_DIR
        self.languages = None if languages is None else tuple(languages)
        self.builtins = builtins
        self._init_state()
        if self._allowed is not None:
            for code in sorted(self._allowed):
                self._lexicon(code)

    def _init_state(self) -> None:
        self._allowed = (
            None if self.languages is None else frozenset(map(_normalize_code, self.languages))
        )
        self._lexicons: dict[str, _Lexicon | None] = {}
        self._codes: dict[str, str] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"directory": self.directory, "languages": self.languages, "builtins": self.builtins}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_state()

    def __repr__(self) -> str:
        return (
            f"LexiconScorer(directory={str(self.directory)!r}, languages={self.languages!r}, "
            f"builtins={self.builtins})"
        )

    # -- loading -------------------------------------------------------------------------------

    def available_languages(self) -> list[str]:
        """Language codes that have a lexicon (files in the directory, plus en from VADER)."""
        codes = set()
        if self.directory.is_dir():
            for p in self.directory.glob("*.tsv"):
                code = p.name[: -len(".tsv")]
                if _CODE_RE.match(code):
                    codes.add(code)
        if self.builtins and _vader_lexicon():
            codes.add("en")
        if self._allowed is not None:
            codes &= self._allowed
        return sorted(codes)

    def _lexicon(self, code: str) -> _Lexicon | None:
        try:
            return self._lexicons[code]
        except KeyError:
            pass
        with self._lock:
            if code not in self._lexicons:
                self._lexicons[code] = self._load(code)
            return self._lexicons[code]

    def _load(self, code: str) -> _Lexicon | None:
        if code == "unknown" or (self._allowed is not None and code not in self._allowed):
            return None
        zh = code == "zh"
        sentiment: dict[_TermKey, float] = {}
        modifiers: dict[_TermKey, tuple[int, float]] = {}
        if self.builtins:
            if code == "en":
                for term, value in _vader_lexicon().items():
                    key = _term_key(term, zh=False, allow_star=False)
                    if key is not None:
                        sentiment[key] = value
                for term, mod in _vader_modifiers().items():
                    key = _term_key(term, zh=False, allow_star=False)
                    if key is not None:
                        modifiers[key] = mod
            for term in BUILTIN_NEGATORS.get(code, ()):
                key = _term_key(term, zh)
                if key is not None:
                    modifiers[key] = (_NEG, NEGATOR_DEFAULT)
        lex_path = self.directory / f"{code}.tsv"
        if lex_path.is_file():
            sentiment.update(_read_lexicon(lex_path, zh))
        if not sentiment:
            return None
        mod_path = self.directory / f"{code}.modifiers.tsv"
        if mod_path.is_file():
            modifiers.update(_read_modifiers(mod_path, zh))
        return _Lexicon(code, sentiment, modifiers)

    def _code(self, language: str) -> str:
        code = self._codes.get(language)
        if code is None:
            code = _normalize_code(language)
            if len(self._codes) < 10_000:
                self._codes[language] = code
        return code

    # -- scoring -------------------------------------------------------------------------------

    def _raw(self, text: object, language: str) -> tuple[float, float, float, bool] | None:
        if not isinstance(text, str) or not text:
            return None
        lex = self._lexicon(self._code(language))
        if lex is None:
            return None
        return lex.tally(text)

    def score(self, text: str, language: str) -> float:
        """Lexicon sentiment of one clause: s / sqrt(s² + 15), in [-1, 1].

        Args:
            text: one clause (or a short comment).
            language: its language code ("en", "ru", "pl", "zh", "pt_BR", ...). Languages
                without a lexicon, "unknown" and non-string text give 0.0.

        Returns:
            A value in [-1, 1]: negative for negative polarity, 0.0 when no sentiment word is
            found (or the words cancel out).
        """
        raw = self._raw(text, language)
        if raw is None:
            return 0.0
        s = raw[0]
        return s / math.sqrt(s * s + ALPHA)

    def features(self, texts: Sequence[str], languages: Sequence[str] | str) -> np.ndarray:
        """Lexicon features of many clauses.

        Args:
            texts: clauses; non-string items (None, NaN) get zeros.
            languages: one language code per text, or one code (a ``str``) for all.

        Returns:
            float32 array of shape (len(texts), :attr:`N_FEATURES`), columns
            :attr:`FEATURE_NAMES`: score in [-1, 1], positive mass in [0, 1), negative
            mass in [0, 1), negation flag in {0, 1}. All-zero rows for texts without
            lexicon evidence or in languages without a lexicon.

        Raises:
            ValueError: if ``languages`` is a sequence of another length than ``texts``.
        """
        n = len(texts)
        if isinstance(languages, str):
            langs: Sequence[str] = [languages] * n
        else:
            langs = languages
            if len(langs) != n:
                raise ValueError(
                    f"Expected one language per text, but found {n} texts and "
                    f"{len(langs)} languages. How to fix: pass languages of the same length "
                    "(or one language code as a string)."
                )
        zero = (0.0, 0.0, 0.0, 0.0)
        rows: list[tuple[float, float, float, float]] = []
        for text, language in zip(texts, langs, strict=True):
            raw = self._raw(text, language)
            if raw is None:
                rows.append(zero)
                continue
            s, p, q, negated = raw
            rows.append(
                (
                    s / math.sqrt(s * s + ALPHA),
                    p / (p + MASS_SCALE),
                    q / (q + MASS_SCALE),
                    1.0 if negated else 0.0,
                )
            )
        if not rows:
            return np.zeros((0, self.N_FEATURES), dtype=np.float32)
        return np.array(rows, dtype=np.float32)
