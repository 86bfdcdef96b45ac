"""Tests for voc.themes.ThemeClassifier: the overfit test, persistence, contracts, properties."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from voc.errors import VocError
from voc.themes import ThemeClassifier, labels_to_indicator


@pytest.fixture(scope="module")
def fitted(tiny_data: dict[str, Any]) -> ThemeClassifier:
    return ThemeClassifier(classes=tiny_data["classes"]).fit(tiny_data["X"], tiny_data["labels"])


# ------------------------------------------------------------------------------------------
# Overfit: a dozen rows are learnt perfectly
# ------------------------------------------------------------------------------------------


def test_overfit_predicts_training_rows_perfectly(
    fitted: ThemeClassifier, tiny_data: dict[str, Any]
) -> None:
    pred = fitted.predict(tiny_data["X"])
    assert pred.dtype == np.int8
    assert pred.shape == tiny_data["Y"].shape
    np.testing.assert_array_equal(pred, tiny_data["Y"])
    # the multi-label rows get both themes, the no-theme rows none
    assert tiny_data["Y"].sum(axis=1).max() == 2
    assert (tiny_data["Y"].sum(axis=1) == 0).any()


def test_learned_attributes(fitted: ThemeClassifier, tiny_data: dict[str, Any]) -> None:
    k, d = len(tiny_data["classes"]), tiny_data["X"].shape[1]
    assert list(fitted.classes_) == tiny_data["classes"]
    assert fitted.coef_.shape == (k, d)
    assert fitted.intercept_.shape == (k,)
    assert fitted.calibration_.shape == (k, 2)
    assert (fitted.calibration_[:, 0] > 0).all()  # calibration keeps the order of margins
    np.testing.assert_array_equal(fitted.thresholds_, np.full(k, 0.5))
    assert fitted.n_features_in_ == d


def test_fit_accepts_indicator_matrix_and_is_deterministic(
    fitted: ThemeClassifier, tiny_data: dict[str, Any]
) -> None:
    clf = ThemeClassifier(classes=tiny_data["classes"]).fit(tiny_data["X"], tiny_data["Y"])
    X = np.vstack([tiny_data["X"], tiny_data["X_new"]])
    np.testing.assert_array_equal(clf.predict_proba(X), fitted.predict_proba(X))


def test_generalises_a_little(fitted: ThemeClassifier, tiny_data: dict[str, Any]) -> None:
    """New texts (not in training) about delivery / price get those themes."""
    p = fitted.predict_proba(tiny_data["X_new"])
    classes = list(fitted.classes_)
    assert p[0, classes.index("delivery")] > 0.5  # "The courier came three days late."
    assert p[1, classes.index("price")] > 0.5  # "Prices are far too high."
    assert p[4].max() < 0.5  # "It is a blue shirt." -> no theme


# ------------------------------------------------------------------------------------------
# Persistence, batching, sklearn contract
# ------------------------------------------------------------------------------------------


def test_state_round_trip(fitted: ThemeClassifier, tiny_data: dict[str, Any]) -> None:
    arrays, config = fitted.get_state()
    assert set(arrays) == {"coef", "intercept", "calibration", "thresholds"}
    assert all(a.dtype == np.float32 for a in arrays.values())
    config = json.loads(json.dumps(config))  # must be JSON-serialisable
    restored = ThemeClassifier.from_state(arrays, config)
    X = np.vstack([tiny_data["X"], tiny_data["X_new"]])
    # float32 weights: probabilities equal up to float32 rounding, labels identical
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert list(restored.classes_) == list(fitted.classes_)
    assert restored.get_params() == fitted.get_params()
    # and a second round trip is exact
    again = ThemeClassifier.from_state(*restored.get_state())
    np.testing.assert_array_equal(again.predict_proba(X), restored.predict_proba(X))


def test_from_state_rejects_mismatched_weights(fitted: ThemeClassifier) -> None:
    arrays, config = fitted.get_state()
    config = dict(config, classes=[*config["classes"], "extra"])
    with pytest.raises(VocError):
        ThemeClassifier.from_state(arrays, config)


def test_batch_equals_one_by_one(fitted: ThemeClassifier, tiny_data: dict[str, Any]) -> None:
    X = tiny_data["X_new"]
    batch = fitted.predict_proba(X)
    single = np.vstack([fitted.predict_proba(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(batch, single, atol=1e-12)


def test_probabilities_in_unit_interval(fitted: ThemeClassifier, tiny_data: dict[str, Any]) -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([tiny_data["X"], rng.normal(size=(20, tiny_data["X"].shape[1])) * 50])
    p = fitted.predict_proba(X)
    assert p.shape == (len(X), 3)
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    assert fitted.decision_function(X).shape == (len(X), 3)


def test_sklearn_clone(fitted: ThemeClassifier, tiny_data: dict[str, Any]) -> None:
    params = fitted.get_params()
    assert params["classes"] == tiny_data["classes"] and params["C"] == 4.0
    copy = clone(fitted)
    assert copy.get_params() == params
    assert not hasattr(copy, "coef_")
    copy.set_params(C=1.0)
    assert copy.C == 1.0 and fitted.C == 4.0


# ------------------------------------------------------------------------------------------
# Errors and edge cases
# ------------------------------------------------------------------------------------------


def test_unfitted_raises() -> None:
    clf = ThemeClassifier()
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        with pytest.raises(VocError) as info:
            method(np.zeros((1, 4)))
        assert "fit" in info.value.fix
    with pytest.raises(VocError):
        clf.get_state()


@pytest.mark.parametrize("shape", [(2, 511), (2, 513), (512,), (1, 2, 512)])
def test_wrong_dimension_raises(fitted: ThemeClassifier, shape: tuple[int, ...]) -> None:
    with pytest.raises(VocError) as info:
        fitted.predict_proba(np.zeros(shape))
    assert "512" in info.value.expected


def test_unknown_label_raises(tiny_data: dict[str, Any]) -> None:
    labels = [list(x) for x in tiny_data["labels"]]
    labels[0] = ["teleportation"]
    with pytest.raises(VocError) as info:
        ThemeClassifier(classes=tiny_data["classes"]).fit(tiny_data["X"], labels)
    assert "teleportation" in info.value.found


def test_row_count_mismatch_raises(tiny_data: dict[str, Any]) -> None:
    with pytest.raises(VocError):
        ThemeClassifier().fit(tiny_data["X"][:-1], tiny_data["labels"])


def test_indicator_matrix_needs_matching_classes(tiny_data: dict[str, Any]) -> None:
    with pytest.raises(VocError):
        ThemeClassifier().fit(tiny_data["X"], tiny_data["Y"])
    with pytest.raises(VocError):
        ThemeClassifier(classes=["delivery", "staff"]).fit(tiny_data["X"], tiny_data["Y"])


def test_classes_default_to_sorted_labels_and_a_string_is_one_label(
    tiny_data: dict[str, Any]
) -> None:
    """A row given as "delivery" means the theme delivery, not the letters d, e, l, ..."""
    labels: list[Any] = [list(x) for x in tiny_data["labels"]]
    labels[0] = "delivery"
    clf = ThemeClassifier().fit(tiny_data["X"], labels)
    assert list(clf.classes_) == sorted(tiny_data["classes"])
    order = [tiny_data["classes"].index(c) for c in clf.classes_]
    np.testing.assert_array_equal(clf.predict(tiny_data["X"]), tiny_data["Y"][:, order])


def test_theme_with_zero_or_one_positive(tiny_data: dict[str, Any]) -> None:
    """A theme without positives is never predicted; one with a single positive (too few for
    calibration folds) still learns that row."""
    labels = [list(x) for x in tiny_data["labels"]]
    labels[11] = ["weekday"]  # "I bought it on Tuesday."
    classes = [*tiny_data["classes"], "loyalty", "weekday"]
    clf = ThemeClassifier(classes=classes).fit(tiny_data["X"], labels)
    rng = np.random.default_rng(1)
    X = np.vstack([tiny_data["X"], tiny_data["X_new"], rng.normal(size=(30, 512))])
    p = clf.predict_proba(X)
    assert (p[:, 3] < 1e-6).all()
    assert clf.predict(X)[:, 3].sum() == 0
    pred = clf.predict(tiny_data["X"])
    np.testing.assert_array_equal(pred[:, :3], tiny_data["Y"])
    assert pred[11, 4] == 1 and pred[:, 4].sum() == 1


def test_labels_to_indicator() -> None:
    Y = labels_to_indicator([["b"], [], ["a", "b"]], ["a", "b"])
    np.testing.assert_array_equal(Y, [[0, 1], [0, 0], [1, 1]])
    assert Y.dtype == np.int8
    with pytest.raises(VocError):
        labels_to_indicator([["c"]], ["a", "b"])


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

_finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(
    rows=st.lists(st.lists(_finite, min_size=8, max_size=8), min_size=1, max_size=5),
    base=st.lists(st.floats(0.01, 0.99), min_size=3, max_size=3),
    raise_by=st.lists(st.floats(0.0, 0.5), min_size=3, max_size=3),
)
def test_property_proba_in_unit_interval_and_thresholds_monotone(
    fitted: ThemeClassifier, tiny_data: dict[str, Any],
    rows: list[list[float]], base: list[float], raise_by: list[float],
) -> None:
    # random points: training rows mixed with arbitrary directions
    mix = np.asarray(rows, dtype=np.float64) @ np.vstack([tiny_data["X"][:8]])
    p = fitted.predict_proba(mix)
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    clf = clone(fitted)
    clf.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    clf.thresholds_ = np.asarray(base)
    low = clf.predict(mix)
    clf.thresholds_ = np.minimum(np.asarray(base) + np.asarray(raise_by), 1.0)
    high = clf.predict(mix)
    assert (high <= low).all()  # raising thresholds never adds labels
