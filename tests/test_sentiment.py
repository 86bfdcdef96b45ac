"""Tests for voc.sentiment: the overfit test, persistence, errors and label aggregation."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from voc.errors import VocError
from voc.features import LexicalFeatures, with_lexical
from voc.sentiment import (
    MIXED,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    SENTIMENT_CLASSES,
    SENTIMENT_LABELS,
    SentimentClassifier,
    combine_labels,
)


@pytest.fixture(scope="module")
def fitted(tiny_data: dict[str, Any]) -> SentimentClassifier:
    return SentimentClassifier().fit(tiny_data["X"], tiny_data["sentiment"])


# ------------------------------------------------------------------------------------------
# Overfit
# ------------------------------------------------------------------------------------------


def test_overfit_predicts_training_rows_perfectly(
    fitted: SentimentClassifier, tiny_data: dict[str, Any]
) -> None:
    pred = fitted.predict(tiny_data["X"])
    assert pred.shape == (len(tiny_data["X"]),)
    assert list(pred) == tiny_data["sentiment"]
    assert set(tiny_data["sentiment"]) == set(SENTIMENT_CLASSES)
    assert fitted.score(tiny_data["X"], tiny_data["sentiment"]) == 1.0


def test_overfit_with_lexical_features(tiny_data: dict[str, Any]) -> None:
    lex = LexicalFeatures(n_features=2**10).fit(tiny_data["texts"])
    X = with_lexical(tiny_data["X"], lex.transform(tiny_data["texts"]))
    clf = SentimentClassifier().fit(X, tiny_data["sentiment"])
    assert list(clf.predict(X)) == tiny_data["sentiment"]
    assert clf.n_features_in_ == 512 + 2**10


def test_learned_attributes(fitted: SentimentClassifier) -> None:
    assert list(fitted.classes_) == [NEGATIVE, NEUTRAL, POSITIVE]
    assert fitted.coef_.shape == (3, 512) and fitted.intercept_.shape == (3,)
    assert fitted.n_features_in_ == 512


def test_proba_rows_sum_to_one(fitted: SentimentClassifier, tiny_data: dict[str, Any]) -> None:
    p = fitted.predict_proba(tiny_data["X_new"])
    assert p.shape == (len(tiny_data["X_new"]), 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p >= 0).all() and (p <= 1).all()


def test_score_in_range_and_consistent(
    fitted: SentimentClassifier, tiny_data: dict[str, Any]
) -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([tiny_data["X"], tiny_data["X_new"], rng.normal(size=(20, 512)) * 100])
    s = fitted.score(X)
    p = fitted.predict_proba(X)
    assert s.shape == (len(X),)
    assert np.isfinite(s).all() and (s >= -1).all() and (s <= 1).all()
    np.testing.assert_allclose(s, p[:, 2] - p[:, 0])
    # training rows: negatives score below positives
    y = np.array(tiny_data["sentiment"])
    train = s[: len(y)]
    assert train[y == NEGATIVE].max() < train[y == POSITIVE].min()


def test_generalises_a_little(fitted: SentimentClassifier, tiny_data: dict[str, Any]) -> None:
    s = fitted.score(tiny_data["X_new"])
    assert s[0] < 0  # "The courier came three days late."
    assert s[2] > 0  # "Продавец был очень вежлив."


def test_neutral_margin(tiny_data: dict[str, Any]) -> None:
    wide = SentimentClassifier(neutral_margin=0.999).fit(tiny_data["X"], tiny_data["sentiment"])
    assert set(wide.predict(tiny_data["X_new"])) == {NEUTRAL}
    proba = np.array([[0.4, 0.2, 0.4], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    labels = SentimentClassifier(neutral_margin=0.1).labels_from_proba(proba)
    assert list(labels) == [NEUTRAL, POSITIVE, NEGATIVE]


def test_two_classes_only(tiny_data: dict[str, Any]) -> None:
    y = np.array(tiny_data["sentiment"])
    keep = y != NEUTRAL
    clf = SentimentClassifier().fit(tiny_data["X"][keep], y[keep])
    assert list(clf.predict(tiny_data["X"][keep])) == list(y[keep])
    p = clf.predict_proba(tiny_data["X"])
    assert (p[:, 1] < 1e-6).all()  # the missing class is never predicted
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


# ------------------------------------------------------------------------------------------
# Persistence and contract
# ------------------------------------------------------------------------------------------


def test_state_round_trip(fitted: SentimentClassifier, tiny_data: dict[str, Any]) -> None:
    arrays, config = fitted.get_state()
    config = json.loads(json.dumps(config))
    restored = SentimentClassifier.from_state(arrays, config)
    X = np.vstack([tiny_data["X"], tiny_data["X_new"]])
    np.testing.assert_allclose(restored.predict_proba(X), fitted.predict_proba(X), atol=1e-5)
    assert list(restored.predict(X)) == list(fitted.predict(X))
    assert restored.get_params() == fitted.get_params()
    again = SentimentClassifier.from_state(*restored.get_state())
    np.testing.assert_array_equal(again.predict_proba(X), restored.predict_proba(X))


def test_from_state_rejects_other_classes(fitted: SentimentClassifier) -> None:
    arrays, config = fitted.get_state()
    with pytest.raises(VocError):
        SentimentClassifier.from_state(arrays, dict(config, classes=["bad", "good"]))


def test_batch_equals_one_by_one(fitted: SentimentClassifier, tiny_data: dict[str, Any]) -> None:
    X = tiny_data["X_new"]
    single = np.vstack([fitted.predict_proba(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(fitted.predict_proba(X), single, atol=1e-12)


def test_clone(fitted: SentimentClassifier) -> None:
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "coef_")


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["pos", "Positive", MIXED, "", None])
def test_bad_labels_raise(tiny_data: dict[str, Any], bad: object) -> None:
    y: list[Any] = list(tiny_data["sentiment"])
    y[3] = bad
    with pytest.raises(VocError) as info:
        SentimentClassifier().fit(tiny_data["X"], y)
    assert repr(str(bad)) in info.value.found
    assert "negative" in info.value.expected


@pytest.mark.parametrize("label", SENTIMENT_CLASSES)
def test_only_one_class_raises(tiny_data: dict[str, Any], label: str) -> None:
    with pytest.raises(VocError) as info:
        SentimentClassifier().fit(tiny_data["X"], [label] * len(tiny_data["X"]))
    assert label in info.value.found


def test_unfitted_and_wrong_dimension(fitted: SentimentClassifier) -> None:
    with pytest.raises(VocError):
        SentimentClassifier().predict(np.zeros((1, 512)))
    with pytest.raises(VocError) as info:
        fitted.predict_proba(np.zeros((2, 100)))
    assert "512" in info.value.expected


def test_get_state_unfitted_raises_voc_error() -> None:
    with pytest.raises(VocError):
        SentimentClassifier().get_state()


# ------------------------------------------------------------------------------------------
# combine_labels
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([], NEUTRAL),
        ([NEUTRAL], NEUTRAL),
        ([POSITIVE], POSITIVE),
        ([NEGATIVE], NEGATIVE),
        ([POSITIVE, NEUTRAL], POSITIVE),
        ([NEGATIVE, NEUTRAL], NEGATIVE),
        ([POSITIVE, NEGATIVE], MIXED),
        ([NEGATIVE, POSITIVE, NEUTRAL], MIXED),
        ([POSITIVE, POSITIVE], POSITIVE),
        ([NEUTRAL, NEUTRAL, NEUTRAL], NEUTRAL),
    ],
)
def test_combine_labels_truth_table(labels: list[str], expected: str) -> None:
    assert combine_labels(labels) == expected
    assert combine_labels(iter(labels)) == expected  # any iterable


@pytest.mark.parametrize("labels", [[MIXED], [MIXED, POSITIVE], [MIXED, NEUTRAL]])
def test_combine_labels_keeps_mixed(labels: list[str]) -> None:
    assert combine_labels(labels) == MIXED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SENTIMENT_CLASSES), max_size=8), st.randoms())
def test_property_result_depends_only_on_the_set(labels: list[str], rnd: Any) -> None:
    shuffled = list(labels)
    rnd.shuffle(shuffled)
    result = combine_labels(labels)
    assert result in SENTIMENT_LABELS
    assert combine_labels(shuffled) == result
    assert combine_labels(sorted(set(labels))) == result
    assert combine_labels(labels + labels) == result


def test_combine_labels_exhaustive_over_sets() -> None:
    for r in range(4):
        for subset in itertools.combinations(SENTIMENT_CLASSES, r):
            has_pos, has_neg = POSITIVE in subset, NEGATIVE in subset
            expected = (MIXED if has_pos and has_neg else POSITIVE if has_pos
                        else NEGATIVE if has_neg else NEUTRAL)
            assert combine_labels(subset) == expected, subset
