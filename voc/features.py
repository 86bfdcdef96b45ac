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
    """Character 2–4-gram (within word boundaries) TF-IDF hashed into ``n_features`` columns.

    Args:
        n_features: number of hash buckets (columns), a power of two.
        weight: the L2-normalised rows are multiplied by this (relative weight against a
            unit-length embedding when both are concatenated), >= 0.
        idf: learnt inverse document frequencies (n_features,), or None (uniform).
    """

    def __init__(self, n_features: int = 2**14, weight: float = 0.5,
                 idf: np.ndarray | None = None) -> None:
        self.n_features = int(n_features)
        self.weight = float(weight)
        self.idf_ = None if idf is None else np.asarray(idf, dtype=np.float32)
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), n_features=self.n_features,
            alternate_sign=False, norm=None, lowercase=True, dtype=np.float32,
        )

    def _counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        texts = list(texts)
        if not texts:  # HashingVectorizer cannot transform an empty list
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        counts = self._vectorizer.transform(texts).tocsr()
        counts.data = 1.0 + np.log(counts.data)
        return counts

    def fit(self, texts: Sequence[str]) -> LexicalFeatures:
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=self.n_features)
        n = counts.shape[0]
        self.idf_ = (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Sparse (n, n_features) float32 rows of L2 norm ``weight`` (0 for empty text)."""
        counts = self._counts(texts)
        if counts.shape[0] == 0:
            return counts
        if self.idf_ is not None:
            counts = counts @ sp.diags(self.idf_)
        rows = normalize(counts, norm="l2", copy=False)
        return (rows * self.weight).astype(np.float32).tocsr()

    def config(self) -> dict[str, float | int]:
        return {"n_features": self.n_features, "weight": self.weight}


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
