"""Lexical features: hashed character n-gram TF-IDF, sparse, for any language.

Sentence embeddings are dominated by topic; polarity words ("slow", "差", "wolna") are a small
signal in them. Heads that need that signal (sentiment) concatenate the embedding with these
sparse lexical features. Hashing needs no vocabulary, so it works for every language and for
words never seen in training; the inverse document frequencies are learnt by :meth:`fit` and
saved with the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize


class LexicalFeatures:
    """Character 2–4-gram (within word boundaries) TF-IDF hashed into ``n_features`` columns,
    optionally followed by word 1–2-gram TF-IDF hashed into another ``n_features`` columns.

    Args:
        n_features: number of hash buckets per block, a power of two.
        weight: the L2-normalised rows are multiplied by this (relative weight against a
            unit-length embedding when both are concatenated), >= 0.
        idf: learnt inverse document frequencies (``n_columns``,), or None (uniform).
        words: add the word uni- and bigram block (phrases such as "wait staff" that
            character n-grams blur; text without spaces, such as Chinese, relies on the
            character block).
    """

    def __init__(self, n_features: int = 2**14, weight: float = 0.5,
                 idf: np.ndarray | None = None, words: bool = False) -> None:
        self.n_features = int(n_features)
        self.weight = float(weight)
        self.words = bool(words)
        self.idf_ = None if idf is None else np.asarray(idf, dtype=np.float32)
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), n_features=self.n_features,
            alternate_sign=False, norm=None, lowercase=True, dtype=np.float32,
        )
        self._word_vectorizer = HashingVectorizer(
            analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
            n_features=self.n_features, alternate_sign=False, norm=None, lowercase=True,
            dtype=np.float32,
        ) if self.words else None

    @property
    def n_columns(self) -> int:
        """Columns of :meth:`transform`'s output."""
        return self.n_features * (2 if self.words else 1)

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        texts = list(texts)
        if not texts:  # HashingVectorizer cannot transform an empty list
            return sp.csr_matrix((0, self.n_columns), dtype=np.float32)
        counts = self._vectorizer.transform(texts).tocsr()
        if self._word_vectorizer is not None:
            counts = sp.hstack([counts, self._word_vectorizer.transform(texts)], format="csr")
        counts.data = 1.0 + np.log(counts.data)
        return counts

    def fit(self, texts: Sequence[str]) -> LexicalFeatures:
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=self.n_columns)
        n = counts.shape[0]
        self.idf_ = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse (n, n_columns) float32 rows of L2 norm ``weight`` (0 for empty text)."""
        counts = self._counts(texts)
        if counts.shape[0] == 0:
            return counts
        if self.idf_ is not None:
            counts = counts @ sp.diags(self.idf_)
        rows = normalize(counts, norm="l2", copy=False)
        return (rows * self.weight).astype(np.float32).tocsr()

    def config(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {"n_features": self.n_features, "weight": self.weight}
        if self.words:  # absent = False, so models saved before the option load unchanged
            out["words"] = 1
        return out


def as_matrix(X: object) -> np.ndarray | sp.csr_matrix:
    """Dense float64 array, or a float64 CSR matrix for sparse input (lexical features)."""
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float64)
    return np.asarray(X, dtype=np.float64)


def with_lexical(
    embeddings: np.ndarray, lexical: sp.csr_matrix | None
) -> np.ndarray | sp.csr_matrix:
    """Concatenate dense embeddings (n, d) and sparse lexical features (n, m) column-wise."""
    if lexical is None:
        return embeddings
    return sp.hstack([sp.csr_matrix(embeddings), lexical], format="csr")


class SentimentFeatures:
    """The sentiment head's input: embedding ⊕ character n-gram TF-IDF ⊕ lexicon scores.

    Columns: the L2-normalised sentence embedding (d), the hashed TF-IDF rows
    (``lexical.n_features``, row norm ``lexical.weight``; omitted when ``lexical`` is None) and
    the :class:`voc.lexicon.LexiconScorer` features (4 columns, times ``lexicon_weight``;
    omitted when ``lexicon_weight`` is 0). The lexicon score is negation-aware and carries the
    polarity signal that topic-dominated embeddings blur.
    """

    def __init__(self, lexical: LexicalFeatures | None = None, lexicon_weight: float = 1.0) -> None:
        self.lexical = lexical
        self.lexicon_weight = float(lexicon_weight)
        self._scorer: object | None = None

    @property
    def scorer(self):  # type: ignore[no-untyped-def]
        if self._scorer is None:
            from voc.lexicon import LexiconScorer

            self._scorer = LexiconScorer()
        return self._scorer

    def fit(self, texts: Sequence[str]) -> SentimentFeatures:
        """Learn the TF-IDF weights from the training texts."""
        if self.lexical is not None:
            self.lexical.fit(texts)
        return self

    def transform(
        self, texts: Sequence[str], embeddings: np.ndarray, languages: Sequence[str]
    ) -> np.ndarray | sp.csr_matrix:
        """Feature matrix (n, d [+ n_features] [+ 4]) for texts with their embeddings."""
        blocks: list[object] = [sp.csr_matrix(embeddings)]
        if self.lexical is not None:
            blocks.append(self.lexical.transform(texts))
        if self.lexicon_weight:
            lex = self.scorer.features(list(texts), list(languages))  # type: ignore[attr-defined]
            blocks.append(sp.csr_matrix(lex * self.lexicon_weight))
        if len(blocks) == 1:
            return np.asarray(embeddings)
        return sp.hstack(blocks, format="csr")

    def config(self) -> dict[str, object]:
        return {
            "lexical": None if self.lexical is None else self.lexical.config(),
            "lexicon_weight": self.lexicon_weight,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        if self.lexical is None:
            return {}
        if self.lexical.idf_ is None:
            self.lexical.fit([])
        return {"lexical_idf": np.asarray(self.lexical.idf_, dtype=np.float32)}

    @classmethod
    def from_state(
        cls, config: dict[str, object], arrays: dict[str, np.ndarray]
    ) -> SentimentFeatures:
        lex_cfg = config.get("lexical")
        lexical = None
        if isinstance(lex_cfg, dict):
            lexical = LexicalFeatures(
                n_features=int(lex_cfg["n_features"]), weight=float(lex_cfg["weight"]),
                idf=arrays.get("lexical_idf"), words=bool(lex_cfg.get("words", 0)),
            )
        return cls(lexical=lexical, lexicon_weight=float(config.get("lexicon_weight", 0.0)))
