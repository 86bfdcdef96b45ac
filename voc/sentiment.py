"""Clause/sentence-level sentiment on embeddings: negative / neutral / positive.

:class:`SentimentClassifier` is a multinomial logistic regression over L2-normalised sentence
embeddings. ``predict_proba`` gives (n, 3) probabilities in the order of ``classes_``
(``negative, neutral, positive``); :meth:`SentimentClassifier.score` is
``P(positive) − P(negative)``, a polarity score in [-1, 1].

Aggregation helpers turn clause labels into a theme's sentiment within a comment
(``positive | negative | neutral | mixed``) and a comment's overall sentiment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from voc.errors import VocError
from voc.features import as_matrix

NEGATIVE, NEUTRAL, POSITIVE, MIXED = "negative", "neutral", "positive", "mixed"
SENTIMENT_CLASSES = (NEGATIVE, NEUTRAL, POSITIVE)
SENTIMENT_LABELS = (NEGATIVE, NEUTRAL, POSITIVE, MIXED)



class SentimentClassifier(ClassifierMixin, BaseEstimator):
    """Three-way sentiment head.

    Args:
        C: inverse L2 regularisation strength (> 0).
        neutral_margin: a clause is labelled neutral unless the winning polar class beats
            neutral; additionally, if ``|score| < neutral_margin`` it is neutral. In [0, 1).
        class_weight: passed to LogisticRegression.

    Learned attributes: ``classes_`` (3,), ``coef_`` (3, d), ``intercept_`` (3,),
    ``n_features_in_``.
    """

    def __init__(
        self, C: float = 4.0, neutral_margin: float = 0.0, class_weight: str | None = "balanced"
    ) -> None:
        self.C = C
        self.neutral_margin = neutral_margin
        self.class_weight = class_weight

    def fit(
        self, X: np.ndarray, y: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> SentimentClassifier:
        """Fit on embeddings (n, d) and labels from ``negative, neutral, positive``."""
        X = as_matrix(X)
        y_arr = np.asarray(list(y), dtype=object)
        bad = sorted({str(v) for v in y_arr} - set(SENTIMENT_CLASSES))
        if bad:
            raise VocError(
                expected="sentiment labels negative, neutral or positive",
                found=", ".join(repr(b) for b in bad[:5]),
                fix="relabel those rows (mixed comments should be split into clauses first)",
            )
        present = [c for c in SENTIMENT_CLASSES if c in set(y_arr)]
        if len(present) < 2:
            raise VocError(
                expected="at least two sentiment classes among the labels",
                found=f"only {present}",
                fix="add examples of the missing polarity",
            )
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)
        model.fit(X, y_arr.astype(str), sample_weight=sample_weight)
        coef = np.zeros((3, X.shape[1]))
        intercept = np.full(3, -30.0)
        learned = list(model.classes_)
        if len(learned) == 2:  # binary LR: expand the single margin into two logits
            j_pos = SENTIMENT_CLASSES.index(learned[1])
            coef[j_pos], intercept[j_pos] = model.coef_[0], model.intercept_[0]
            intercept[SENTIMENT_CLASSES.index(learned[0])] = 0.0
        else:
            for i, cls in enumerate(learned):
                j = SENTIMENT_CLASSES.index(cls)
                coef[j], intercept[j] = model.coef_[i], model.intercept_[i]
        self.classes_ = np.array(SENTIMENT_CLASSES, dtype=object)
        self.coef_ = coef
        self.intercept_ = intercept
        self.n_features_in_ = X.shape[1]
        return self

    def _check(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise VocError(
                expected="a fitted SentimentClassifier", found="an unfitted one",
                fix="call fit() first or load a trained model",
            )
        X = as_matrix(X)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise VocError(
                expected=f"embeddings of shape (n, {self.n_features_in_})",
                found=f"shape {X.shape}",
                fix="embed texts with the same backend the model was trained with",
            )
        return X

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities (n, 3) for negative, neutral, positive; rows sum to 1."""
        z = self._check(X) @ self.coef_.T + self.intercept_
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def score(self, X: np.ndarray, y: Sequence[str] | None = None) -> Any:  # type: ignore[override]
        """Polarity score P(pos) − P(neg) in [-1, 1], shape (n,).

        With ``y`` given, behaves like scikit-learn's ``score`` (accuracy), for compatibility.
        """
        if y is not None:
            return float(np.mean(self.predict(X) == np.asarray(list(y), dtype=object)))
        p = self.predict_proba(X)
        return p[:, 2] - p[:, 0]

    def labels_from_proba(self, proba: np.ndarray) -> np.ndarray:
        """Labels (n,) from probabilities: argmax, neutral when |score| < neutral_margin."""
        labels = np.array(SENTIMENT_CLASSES, dtype=object)[proba.argmax(axis=1)]
        weak = np.abs(proba[:, 2] - proba[:, 0]) < self.neutral_margin
        labels[weak] = NEUTRAL
        return labels

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels (n,) from ``negative, neutral, positive``."""
        return self.labels_from_proba(self.predict_proba(X))

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        if not hasattr(self, "coef_"):
            self._check(np.zeros((1, 1)))  # raises the "unfitted" VocError
        arrays = {"coef": self.coef_.astype(np.float32), "intercept": self.intercept_.astype(
            np.float32)}
        return arrays, {"classes": list(SENTIMENT_CLASSES), "params": self.get_params()}

    @classmethod
    def from_state(
        cls, arrays: dict[str, np.ndarray], config: dict[str, Any]
    ) -> SentimentClassifier:
        if list(config.get("classes", [])) != list(SENTIMENT_CLASSES):
            raise VocError(
                expected=f"sentiment classes {list(SENTIMENT_CLASSES)}",
                found=repr(config.get("classes")),
                fix="the model file is not a voc sentiment head; retrain or re-save it",
            )
        model = cls(**config.get("params", {}))
        model.classes_ = np.array(SENTIMENT_CLASSES, dtype=object)
        model.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        model.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        model.n_features_in_ = model.coef_.shape[1]
        return model


def combine_labels(labels: Iterable[str]) -> str:
    """Sentiment of several clauses about one thing: mixed if both polarities occur.

    ``positive`` + ``neutral`` → positive; ``positive`` + ``negative`` → mixed; any ``mixed``
    input → mixed; none → neutral.
    """
    seen = set(labels)
    if MIXED in seen:
        return MIXED
    has_pos, has_neg = POSITIVE in seen, NEGATIVE in seen
    if has_pos and has_neg:
        return MIXED
    if has_pos:
        return POSITIVE
    if has_neg:
        return NEGATIVE
    return NEUTRAL
