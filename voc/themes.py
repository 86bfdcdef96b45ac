"""Multi-label theme classification on sentence embeddings.

:class:`ThemeClassifier` is a scikit-learn style estimator: one logistic regression per theme
(one-vs-rest) on L2-normalised embeddings, Platt-calibrated on out-of-fold decision values so
that ``predict_proba`` means "probability that this clause is about the theme", plus a
threshold per theme. A clause whose probabilities are all below their thresholds has no theme
(an explicit outcome, never a forced guess).

The shipped default head is "zero-shot" from the user's point of view: it is fitted on the
taxonomy's own example phrases (written by the project, in en/ru/pl/zh), not on user data. The
same class is fitted on an analyst's labels when retraining.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from voc.errors import VocError
from voc.features import as_matrix


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def _platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a * decision + b) with Platt's smoothed targets; returns (a, b)."""
    n_pos = float(y.sum())
    n_neg = float(len(y) - n_pos)
    targets = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    # Newton iterations on the 2-parameter logistic loss (small, convex, deterministic)
    a, b = 1.0, float(np.log((n_neg + 1) / (n_pos + 1)) * -1.0) * 0.0
    for _ in range(100):
        p = _sigmoid(a * decision + b)
        w = np.maximum(p * (1 - p), 1e-12)
        g = np.array([np.sum((p - targets) * decision), np.sum(p - targets)])
        h = np.array(
            [[np.sum(w * decision * decision) + 1e-9, np.sum(w * decision)],
             [np.sum(w * decision), np.sum(w) + 1e-9]]
        )
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-9:
            break
    return float(a), float(b)


def labels_to_indicator(y: Iterable[Iterable[str]], classes: Sequence[str]) -> np.ndarray:
    """Turn label lists into a 0/1 matrix of shape (n, len(classes)); unknown labels error."""
    index = {c: j for j, c in enumerate(classes)}
    rows = list(y)
    out = np.zeros((len(rows), len(classes)), dtype=np.int8)
    for i, labels in enumerate(rows):
        for label in labels:
            if label not in index:
                raise VocError(
                    expected=f"theme labels from {list(classes)[:8]}...",
                    found=repr(label),
                    fix="add the theme to `classes` or correct the label",
                )
            out[i, index[label]] = 1
    return out



class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """One-vs-rest calibrated logistic regression over embeddings.

    Args:
        classes: theme ids in output order; None = sorted union of the training labels.
        C: inverse L2 regularisation strength of each logistic regression (> 0).
        threshold: default decision threshold on the calibrated probability, in (0, 1).
        calibration_folds: folds used for out-of-fold Platt calibration (>= 2).
        class_weight: passed to LogisticRegression ("balanced" or None).
        random_state: seed for the fold split.

    Learned attributes: ``classes_`` (k,), ``coef_`` (k, d), ``intercept_`` (k,),
    ``calibration_`` (k, 2) Platt (a, b), ``thresholds_`` (k,), ``n_features_in_``.
    """

    def __init__(
        self,
        classes: Sequence[str] | None = None,
        C: float = 4.0,
        threshold: float = 0.5,
        calibration_folds: int = 5,
        class_weight: str | None = "balanced",
        random_state: int = 0,
    ) -> None:
        self.classes = classes
        self.C = C
        self.threshold = threshold
        self.calibration_folds = calibration_folds
        self.class_weight = class_weight
        self.random_state = random_state

    def _fit_binary(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None
    ) -> LogisticRegression:
        model = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=2000, solver="lbfgs"
        )
        model.fit(X, y, sample_weight=sample_weight)
        return model

    def fit(
        self,
        X: np.ndarray,
        y: Iterable[Iterable[str]] | np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> ThemeClassifier:
        """Fit on embeddings ``X`` (n, d) and labels ``y``: label lists or a 0/1 matrix (n, k).

        Rows with no label are negatives for every theme ("no theme" examples).
        """
        X = as_matrix(X)
        if isinstance(y, np.ndarray) and y.ndim == 2:
            if self.classes is None:
                raise VocError(
                    expected="`classes` when y is a 0/1 matrix",
                    found="classes=None",
                    fix="pass classes=[...] in the same column order as y",
                )
            Y = (y > 0).astype(np.int8)
            classes = list(self.classes)
            if Y.shape[1] != len(classes):
                raise VocError(
                    expected=f"a 0/1 matrix with one column per class ({len(classes)})",
                    found=f"{Y.shape[1]} columns",
                    fix="pass classes=[...] in the same column order as y",
                )
        else:
            # a bare string is one label, not a sequence of one-letter labels
            label_lists = [[labels] if isinstance(labels, str) else list(labels) for labels in y]
            classes = (
                list(self.classes)
                if self.classes is not None
                else sorted({lab for labels in label_lists for lab in labels})
            )
            Y = labels_to_indicator(label_lists, classes)
        if X.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise VocError(
                expected="X of shape (n, d) and one label set per row",
                found=f"X {X.shape} and {Y.shape[0]} label rows",
                fix="pass one embedding row per labeled text",
            )
        k, d = len(classes), X.shape[1]
        coef = np.zeros((k, d))
        intercept = np.zeros(k)
        calibration = np.tile([1.0, 0.0], (k, 1))
        for j in range(k):
            yj = Y[:, j].astype(int)
            n_pos = int(yj.sum())
            if n_pos == 0 or n_pos == len(yj):
                # a theme with no (or only) positives: never (always) predicted
                intercept[j] = -20.0 if n_pos == 0 else 20.0
                continue
            model = self._fit_binary(X, yj, sample_weight)
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
            folds = min(self.calibration_folds, n_pos, len(yj) - n_pos)
            if folds >= 2:
                oof = np.zeros(len(yj))
                splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
                for train, test in splitter.split(X, yj):
                    sw = None if sample_weight is None else sample_weight[train]
                    fold_model = self._fit_binary(X[train], yj[train], sw)
                    oof[test] = fold_model.decision_function(X[test])
                calibration[j] = _platt(oof, yj)
        self.classes_ = np.array(classes, dtype=object)
        self.coef_ = coef
        self.intercept_ = intercept
        self.calibration_ = calibration
        self.thresholds_ = np.full(k, float(self.threshold))
        self.n_features_in_ = d
        return self

    def _check_fitted(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise VocError(
                expected="a fitted ThemeClassifier", found="an unfitted one",
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

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Raw logistic-regression margins, shape (n, k)."""
        X = self._check_fitted(X)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability per theme, shape (n, k), each in [0, 1] (not summing to 1)."""
        z = self.decision_function(X)
        return _sigmoid(z * self.calibration_[:, 0] + self.calibration_[:, 1])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """0/1 indicator matrix (n, k): probability >= the theme's threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(np.int8)

    # ---- persistence (no pickle): arrays + JSON-able config ----
    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays (for safetensors) and a JSON-serialisable config describing this head."""
        self._check_fitted(np.zeros((1, getattr(self, "n_features_in_", 0))))
        arrays = {
            "coef": self.coef_.astype(np.float32),
            "intercept": self.intercept_.astype(np.float32),
            "calibration": self.calibration_.astype(np.float32),
            "thresholds": self.thresholds_.astype(np.float32),
        }
        config = {"classes": [str(c) for c in self.classes_], "params": self.get_params()}
        return arrays, config

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], config: dict[str, Any]) -> ThemeClassifier:
        params = dict(config.get("params", {}))
        params["classes"] = list(config["classes"])
        model = cls(**params)
        k = len(config["classes"])
        coef = np.asarray(arrays["coef"], dtype=np.float64)
        if coef.ndim != 2 or coef.shape[0] != k:
            raise VocError(
                expected=f"theme head weights for {k} classes",
                found=f"coef of shape {coef.shape}",
                fix="the model files do not belong together; re-save or retrain the model",
            )
        model.classes_ = np.array(config["classes"], dtype=object)
        model.coef_ = coef
        model.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        model.calibration_ = np.asarray(arrays["calibration"], dtype=np.float64)
        model.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        model.n_features_in_ = coef.shape[1]
        return model
