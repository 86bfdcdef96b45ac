"""Tests for voc.features: hashed character n-gram TF-IDF and the feature helpers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc.features import LexicalFeatures, as_matrix, with_lexical

CORPUS = [
    "delivery was slow",
    "slow delivery again",
    "friendly staff",
    "Доставка очень медленная",
    "Obsługa była wolna",
    "物流太慢了",
]


def _row_norms(m: sp.csr_matrix) -> np.ndarray:
    return np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())


def test_fit_transform_shapes_and_types() -> None:
    lf = LexicalFeatures(n_features=2**10, weight=0.5)
    assert lf.idf_ is None
    assert lf.fit(CORPUS) is lf
    assert lf.idf_ is not None and lf.idf_.shape == (2**10,) and lf.idf_.dtype == np.float32
    m = lf.transform(CORPUS + ["new text"])
    assert sp.issparse(m) and m.format == "csr"
    assert m.shape == (len(CORPUS) + 1, 2**10)
    assert m.dtype == np.float32
    assert m.nnz > 0 and (m.data >= 0).all()


@pytest.mark.parametrize("weight", [0.0, 0.25, 1.0, 2.0])
def test_row_norms_equal_weight(weight: float) -> None:
    lf = LexicalFeatures(n_features=2**12, weight=weight).fit(CORPUS)
    norms = _row_norms(lf.transform(CORPUS))
    np.testing.assert_allclose(norms, weight, atol=1e-5)


def test_row_norms_equal_weight_without_fit() -> None:
    norms = _row_norms(LexicalFeatures(weight=0.7).transform(CORPUS))
    np.testing.assert_allclose(norms, 0.7, atol=1e-5)


def test_empty_text_gives_zero_row() -> None:
    m = LexicalFeatures().fit(CORPUS).transform(["", "slow"])
    assert m[0].nnz == 0
    assert _row_norms(m)[1] == pytest.approx(0.5, abs=1e-5)


def test_empty_input() -> None:
    lf = LexicalFeatures(n_features=64)
    assert lf.transform([]).shape == (0, 64)
    lf.fit([])  # used when saving a model whose features were never fitted
    np.testing.assert_allclose(lf.idf_, 1.0)


def test_deterministic_across_instances() -> None:
    a = LexicalFeatures(n_features=2**11).fit(CORPUS).transform(CORPUS)
    b = LexicalFeatures(n_features=2**11).fit(CORPUS).transform(CORPUS)
    assert (a != b).nnz == 0
    c = LexicalFeatures(n_features=2**11).fit(CORPUS)
    one_by_one = sp.vstack([c.transform([t]) for t in CORPUS]).tocsr()
    np.testing.assert_allclose(one_by_one.toarray(), a.toarray(), atol=1e-7)


def test_idf_downweights_common_ngrams() -> None:
    lf = LexicalFeatures(n_features=2**14).fit(["slow a", "slow b", "slow c", "fast"])
    vec = lf._vectorizer
    common = vec.transform(["slow"]).indices  # n-grams of a word in 3 of 4 documents
    rare = vec.transform(["fast"]).indices
    assert lf.idf_[common].max() < lf.idf_[rare].min()


def test_idf_round_trips_through_constructor() -> None:
    fitted = LexicalFeatures(n_features=2**10, weight=0.3).fit(CORPUS)
    rebuilt = LexicalFeatures(n_features=2**10, weight=0.3, idf=fitted.idf_)
    np.testing.assert_array_equal(fitted.transform(CORPUS).toarray(),
                                  rebuilt.transform(CORPUS).toarray())
    assert fitted.config() == {"n_features": 2**10, "weight": 0.3}


def test_unseen_language_text_works() -> None:
    lf = LexicalFeatures(n_features=2**12).fit(["english only text", "more english words"])
    m = lf.transform(["Τα προϊόντα ήρθαν αργά", "배송이 늦었어요", "🙂🙂🙂"])
    assert m.shape == (3, 2**12)
    norms = _row_norms(m)
    np.testing.assert_allclose(norms[:2], 0.5, atol=1e-5)
    assert np.isfinite(m.data).all()


def test_case_insensitive() -> None:
    lf = LexicalFeatures().fit(CORPUS)
    np.testing.assert_allclose(lf.transform(["SLOW Delivery"]).toarray(),
                               lf.transform(["slow delivery"]).toarray())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_property_norm_is_weight_or_zero(texts: list[str]) -> None:
    lf = LexicalFeatures(n_features=2**8, weight=0.5).fit(CORPUS)
    norms = _row_norms(lf.transform(texts))
    assert np.all(np.isclose(norms, 0.5, atol=1e-4) | (norms == 0))


# ------------------------------------------------------------------------------------------
# as_matrix / with_lexical
# ------------------------------------------------------------------------------------------


def test_as_matrix_dense_and_sparse() -> None:
    dense = as_matrix(np.ones((2, 3), dtype=np.float32))
    assert isinstance(dense, np.ndarray) and dense.dtype == np.float64
    lists = as_matrix([[1, 2], [3, 4]])
    assert lists.dtype == np.float64 and lists.shape == (2, 2)
    sparse = as_matrix(sp.coo_matrix(np.eye(3, dtype=np.float32)))
    assert sp.issparse(sparse) and sparse.format == "csr" and sparse.dtype == np.float64
    np.testing.assert_array_equal(sparse.toarray(), np.eye(3))


def test_with_lexical_concatenates() -> None:
    emb = np.arange(6, dtype=np.float32).reshape(2, 3)
    lex = LexicalFeatures(n_features=16).fit(CORPUS).transform(["slow", "fast"])
    both = with_lexical(emb, lex)
    assert sp.issparse(both) and both.shape == (2, 19)
    np.testing.assert_array_equal(both[:, :3].toarray(), emb)
    np.testing.assert_allclose(both[:, 3:].toarray(), lex.toarray())
    assert with_lexical(emb, None) is emb


def test_word_block_adds_columns_and_round_trips() -> None:
    from voc.features import SentimentFeatures

    lf = LexicalFeatures(n_features=2**10, weight=0.5, words=True).fit(CORPUS)
    assert lf.n_columns == 2**11 and lf.idf_ is not None and lf.idf_.shape == (2**11,)
    m = lf.transform(["wait staff", "staff wait"])
    # the character block is nearly the same for both; the word bigrams differ
    assert m[:, 2**10:].nnz > 0
    assert (m[0, 2**10:] != m[1, 2**10:]).nnz > 0
    np.testing.assert_allclose(_row_norms(m), 0.5, atol=1e-5)
    feats = SentimentFeatures(lf, lexicon_weight=0.0)
    again = SentimentFeatures.from_state(feats.config(), feats.arrays())
    assert again.lexical is not None and again.lexical.words
    emb = np.zeros((2, 3), dtype=np.float32)
    a = feats.transform(["wait staff", "x"], emb, ["en", "en"])
    b = again.transform(["wait staff", "x"], emb, ["en", "en"])
    np.testing.assert_allclose(a.toarray(), b.toarray(), atol=1e-7)
    # a model saved before the option (no "words" key) loads with the character block only
    old = SentimentFeatures.from_state({"lexical": {"n_features": 64, "weight": 1.0},
                                        "lexicon_weight": 0.0}, {})
    assert old.lexical is not None and not old.lexical.words
