"""Theme discovery: cluster what the taxonomy misses, name the clusters, show quotes.

:func:`discover_themes` takes an :class:`~voc.pipeline.AnalysisResult` (or comments, which
are analyzed first), embeds every **sentence** with the model's multilingual encoder (all
languages in one space, so "доставка опоздала" and "delivery was late" meet), clusters the
sentences that carry no theme yet (``only_unassigned=True``) or all of them, and returns one
row per cluster: size, share, a readable label, keywords per language, representative
quotes, mean sentiment and score, and the nearest existing theme.

Method (:class:`ThemeDiscoverer`):

1. **Graph**: each sentence is linked to its ``n_neighbors`` most similar sentences (default
   √n / 2 clipped to 10..30, n = sentences building the graph)
   (cosine of the L2-normalised embeddings; negative similarities count as 0); the graph is
   made symmetric. Identical sentences are one node. Above ``max_fit`` (10,000) distinct
   sentences, a seeded random sample of that size builds the graph.
2. **Communities**: Louvain modularity maximisation with resolution γ (1.0: the standard
   Newman–Girvan modularity; larger γ → more, smaller clusters), visiting the nodes in a
   seeded random order. The number of clusters
   comes out of the optimisation; it is not given in advance. With ``n_themes`` the
   communities are merged (greedily, the pair whose merge costs the least modularity) or
   γ is raised until there are exactly that many. Communities smaller than
   ``min_cluster_size`` are merged into the community they are most connected to.
3. **Assignment**: every sentence (sampled or not) goes to the cluster whose centroid (the
   normalised mean embedding of its members) is most similar. Clusters are numbered by size,
   largest first.

The same data and seed give the same clusters, labels and table (every random choice is drawn
from ``numpy.random.default_rng(seed)``).

**Labels** come from class-based TF-IDF (c-TF-IDF) computed per language: for cluster c and
term t (a lemma, or two adjacent lemmas), ``w(t, c) = f(t, c) / N(c) · log(1 + A / f(t))``,
where f(t, c) counts the cluster's sentences containing t, N(c) the cluster's term
occurrences, f(t) the sentences containing t in any cluster and A the mean N(c). Lemmas:
pymorphy3 for Russian, jieba words for Chinese, English plurals folded onto a singular seen in
the data ("lockers" → "locker"); spaCy's stop-word lists (en, ru, pl, zh, ...) are removed.

**Nearest theme**: cosine similarity between the cluster centroid and each taxonomy theme's
centroid (the normalised mean embedding of the theme's example phrases), in [-1, 1].
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClusterMixin

from voc.errors import VocError
from voc.sentiment import NEGATIVE, POSITIVE, combine_labels
from voc.text import lemmatize, normalize_language, tokenize

if TYPE_CHECKING:  # pragma: no cover
    from voc.embeddings import CachedEmbedder
    from voc.pipeline import AnalysisResult, Analyzer
    from voc.taxonomy import Taxonomy

__all__ = [
    "CLUSTER_COLUMNS",
    "SENTENCE_COLUMNS",
    "Discovery",
    "ThemeDiscoverer",
    "class_tfidf_keywords",
    "discover",
    "discover_themes",
    "sentence_table",
]

DEFAULT_RESOLUTION = 1.0
DEFAULT_NEIGHBORS: int | None = None  # auto: see ThemeDiscoverer
DEFAULT_MAX_FIT = 10_000
MIN_SENTENCES = 10
NOISE = -1

#: Columns of the cluster table (:attr:`Discovery.clusters`), in order.
CLUSTER_COLUMNS = [
    "cluster", "label", "size", "share", "n_comments", "keywords", "languages", "quotes",
    "mean_sentiment", "negative_share", "positive_share", "mean_score", "covered_share",
    "cohesion", "nearest_theme", "nearest_theme_name", "nearest_theme_similarity",
]
#: Columns of the per-sentence table (:attr:`Discovery.sentences`), in order.
SENTENCE_COLUMNS = [
    "doc_id", "sentence_id", "sentence", "cluster", "cluster_label", "language",
    "similarity", "sentiment", "sentiment_score", "themes",
]


# ============================================================================================
# Graph clustering
# ============================================================================================
def knn_graph(X: np.ndarray, n_neighbors: int, *, block: int = 2048) -> sp.csr_matrix:
    """Symmetric k-nearest-neighbour graph of unit rows, weighted by cosine similarity.

    Args:
        X: float32 (n, d), rows of unit length.
        n_neighbors: neighbours per row (capped at n - 1).
        block: rows per matrix product (memory: block × n × 4 bytes).

    Returns:
        (n, n) CSR matrix, ``A[i, j] = max(0, cos(i, j))`` when j is among i's neighbours or
        i among j's, rounded to 6 decimals (so tiny floating-point differences cannot change
        the graph); zero diagonal.
    """
    n = X.shape[0]
    k = min(n_neighbors, n - 1)
    if k <= 0:
        return sp.csr_matrix((n, n))
    cols = np.empty(n * k, dtype=np.int64)
    vals = np.empty(n * k, dtype=np.float64)
    Xf = np.ascontiguousarray(X, dtype=np.float32)
    for start in range(0, n, block):
        S = Xf[start:start + block] @ Xf.T
        b = S.shape[0]
        S[np.arange(b), np.arange(start, start + b)] = -np.inf
        S = np.round(S, 6)
        # stable choice among ties: sort by (-similarity, column)
        part = np.argpartition(-S, k - 1, axis=1)[:, :k]
        sims = np.take_along_axis(S, part, axis=1)
        order = np.lexsort((part, -sims), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        sims = np.take_along_axis(sims, order, axis=1)
        cols[start * k:(start + b) * k] = part.ravel()
        vals[start * k:(start + b) * k] = np.maximum(sims, 0.0).ravel()
    rows = np.repeat(np.arange(n), k)
    A = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    A = A.maximum(A.T).tocsr()
    A.eliminate_zeros()
    A.sort_indices()
    return A


def modularity(A: sp.spmatrix, labels: np.ndarray, resolution: float = 1.0) -> float:
    """Newman–Girvan modularity Q = Σ_c [E_cc / 2m − γ (a_c)²] of a partition, in [-1/2, 1).

    ``E_cc`` is the total weight inside community c counted in both directions, 2m the total
    weight of A, ``a_c`` the share of 2m carried by c's nodes and γ the resolution.
    """
    A = sp.csr_matrix(A)
    two_m = float(A.sum())
    if two_m <= 0:
        return 0.0
    k = int(labels.max()) + 1
    P = sp.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)),
                      shape=(len(labels), k))
    E = (P.T @ A @ P).toarray()
    a = E.sum(axis=1) / two_m
    return float(np.trace(E) / two_m - resolution * np.sum(a * a))


def _local_moves(A: sp.csr_matrix, resolution: float, rng: np.random.Generator,
                 max_visits: int = 50) -> tuple[np.ndarray, bool]:
    """One Louvain level with the queue-based fast local move (Traag 2015): every node is
    visited in a seeded random order and moved to the neighbouring community with the best
    modularity gain; when a node moves, its neighbours outside its new community are queued
    again. Stops when the queue is empty (or after ``max_visits`` × n visits)."""
    from collections import deque

    n = A.shape[0]
    indptr = A.indptr.tolist()
    indices = A.indices.tolist()
    data = A.data.tolist()
    degree = np.asarray(A.sum(axis=1)).ravel()
    two_m = float(degree.sum())
    if two_m <= 0:
        return np.arange(n, dtype=np.int64), False
    deg = degree.tolist()
    comm = list(range(n))
    tot = list(deg)
    scale = resolution / two_m
    queue = deque(rng.permutation(n).tolist())
    queued = [True] * n
    moved_any = False
    budget = max_visits * n
    while queue and budget > 0:
        budget -= 1
        i = queue.popleft()
        queued[i] = False
        ci = comm[i]
        links: dict[int, float] = {}
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j != i:
                cj = comm[j]
                links[cj] = links.get(cj, 0.0) + data[p]
        ki = deg[i]
        tot[ci] -= ki
        best, best_gain = ci, links.get(ci, 0.0) - scale * ki * tot[ci]
        for c in sorted(links):
            gain = links[c] - scale * ki * tot[c]
            if gain > best_gain + 1e-12:
                best, best_gain = c, gain
        tot[best] += ki
        if best != ci:
            comm[i] = best
            moved_any = True
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                if not queued[j] and comm[j] != best:
                    queued[j] = True
                    queue.append(j)
    return np.asarray(comm, dtype=np.int64), moved_any


def louvain(A: sp.spmatrix, resolution: float = 1.0, seed: int | np.random.Generator = 0,
            max_levels: int = 20) -> np.ndarray:
    """Louvain community detection on a symmetric weighted graph (self-loops allowed).

    Args:
        A: (n, n) symmetric non-negative adjacency matrix.
        resolution: γ > 0 in the modularity (larger → more, smaller communities).
        seed: seed or generator for the node visiting order (the only random choice).
        max_levels: aggregation levels at most.

    Returns:
        int64 labels 0..K-1, numbered by first appearance in node order.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    G = sp.csr_matrix(A, dtype=np.float64)
    n = G.shape[0]
    labels = np.arange(n)
    for _ in range(max_levels):
        comm, moved = _local_moves(G, resolution, rng)
        _, comm = np.unique(comm, return_inverse=True)
        labels = comm[labels]
        if not moved:
            break
        P = sp.csr_matrix((np.ones(G.shape[0]), (np.arange(G.shape[0]), comm)))
        G = (P.T @ G @ P).tocsr()
    return _renumber(labels)


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Labels 0..K-1 in order of first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse]


def _merge_communities(A: sp.csr_matrix, labels: np.ndarray, X: np.ndarray, resolution: float,
                       *, min_size: int, target: int | None) -> np.ndarray:
    """Merge communities smaller than ``min_size`` (and, with ``target``, down to ``target``
    communities), each time the pair whose merge loses the least modularity."""
    labels = _renumber(labels)
    k = int(labels.max()) + 1
    P = sp.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)),
                      shape=(len(labels), k))
    E = (P.T @ A @ P).toarray()
    two_m = max(float(E.sum()), 1e-12)
    a = E.sum(axis=1) / two_m
    size = np.bincount(labels, minlength=k).astype(np.int64)
    cent = _group_sum(X, labels, k)
    alive = np.ones(k, dtype=bool)
    parent = np.arange(k)

    def gain_row(c: int) -> np.ndarray:
        g = 2.0 * (E[c] / two_m - resolution * a[c] * a)
        # communities without any link: fall back to centroid similarity (tiny, below any link)
        cos = (cent @ cent[c]) / (np.linalg.norm(cent, axis=1) * np.linalg.norm(cent[c]) + 1e-12)
        g = np.where(E[c] > 0, g, -1e6 + cos)
        g[~alive] = -np.inf
        g[c] = -np.inf
        return g

    def merge(c: int, d: int) -> None:  # d absorbs c
        E[d] += E[c]
        E[:, d] += E[:, c]
        E[c] = 0.0
        E[:, c] = 0.0
        a[d] += a[c]
        a[c] = 0.0
        size[d] += size[c]
        size[c] = 0
        cent[d] += cent[c]
        alive[c] = False
        parent[parent == c] = d

    while alive.sum() > 1:
        small = np.flatnonzero(alive & (size < min_size))
        if small.size:
            c = int(small[np.argmin(size[small])])
            d = int(np.argmax(gain_row(c)))
            merge(c, d)
            continue
        if target is None or alive.sum() <= target:
            break
        best = (-np.inf, -1, -1)
        for c in np.flatnonzero(alive):
            g = gain_row(int(c))
            d = int(np.argmax(g))
            if g[d] > best[0]:
                best = (float(g[d]), int(c), d)
        merge(best[1], best[2])
    return _renumber(parent[labels])


def _group_sum(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Row sums of X per label 0..k-1, float64 (k, d)."""
    P = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))),
                      shape=(k, len(labels)))
    return np.asarray(P @ np.asarray(X, dtype=np.float64))


def _row_keys(X: np.ndarray) -> list[bytes]:
    return [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in X]


def _unit(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return X / norms


class ThemeDiscoverer(ClusterMixin, BaseEstimator):
    """Cluster sentence embeddings into themes; the number of clusters is chosen by itself.

    A scikit-learn estimator: parameters are stored as given (``get_params``/``set_params``),
    :meth:`fit` learns the attributes ending in ``_``.

    Args:
        n_themes: number of clusters wanted; None = chosen by modularity (see module docs).
        resolution: Louvain resolution γ > 0 (default 1.0); larger → more clusters.
        n_neighbors: neighbours per sentence in the similarity graph; None = √m / 2 clipped
            to 10..30 (m = sentences that build the graph), so small sets keep small themes.
        max_fit: at most this many distinct sentences build the graph (a seeded sample);
            the others are assigned to the nearest centroid. Memory and time grow with it.
        min_cluster_size: smaller communities are merged into their best-connected
            neighbour; None = max(3, 0.5% of the sentences that build the graph).
        seed: random seed (sample and Louvain node order). Same data + seed → same result.

    Attributes:
        labels_: int64 (n,) cluster of every row passed to :meth:`fit`, 0 = largest.
        centroids_: float32 (K, d) normalised mean embedding per cluster.
        n_clusters_: K.
        similarity_: float32 (n,) cosine of every row to its cluster centroid.
        fit_index_: int64 rows of X that built the graph (distinct, possibly sampled).
        modularity_: modularity (at γ = ``resolution``) of the graph partition, in [-0.5, 1).
        n_neighbors_: the neighbours per sentence used.
        resolution_: the γ finally used (raised above ``resolution`` only when ``n_themes``
            asks for more clusters than γ gives).
    """

    def __init__(self, n_themes: int | None = None, *, resolution: float = DEFAULT_RESOLUTION,
                 n_neighbors: int | None = DEFAULT_NEIGHBORS, max_fit: int = DEFAULT_MAX_FIT,
                 min_cluster_size: int | None = None, seed: int = 0) -> None:
        self.n_themes = n_themes
        self.resolution = resolution
        self.n_neighbors = n_neighbors
        self.max_fit = max_fit
        self.min_cluster_size = min_cluster_size
        self.seed = seed

    def _check_params(self, n: int) -> None:
        problems = []
        if self.n_themes is not None and not (1 <= int(self.n_themes) <= max(1, n)):
            problems.append(f"n_themes={self.n_themes!r} (must be 1..{n}, the number of "
                            "sentences)")
        if not self.resolution > 0:
            problems.append(f"resolution={self.resolution!r} (must be > 0)")
        if self.n_neighbors is not None and int(self.n_neighbors) < 2:
            problems.append(f"n_neighbors={self.n_neighbors!r} (must be >= 2)")
        if int(self.max_fit) < MIN_SENTENCES:
            problems.append(f"max_fit={self.max_fit!r} (must be >= {MIN_SENTENCES})")
        if problems:
            raise VocError(expected="valid ThemeDiscoverer parameters",
                           found="; ".join(problems), fix="pass values in the stated ranges")

    def fit(self, X: np.ndarray, y: Any = None) -> ThemeDiscoverer:
        """Cluster the rows of X (float (n, d) embeddings; rows are normalised here)."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[0] < 2:
            raise VocError(expected="a 2-D array of at least 2 embeddings",
                           found=f"shape {X.shape}", fix="pass one embedding row per sentence")
        if not np.all(np.isfinite(X)):
            raise VocError(expected="finite embeddings", found="NaN or infinite values",
                           fix="re-embed the texts")
        n = X.shape[0]
        self._check_params(n)
        X = _unit(X).astype(np.float32)
        rng = np.random.default_rng(self.seed)
        seen: dict[bytes, int] = {}
        for i, key in enumerate(_row_keys(X)):
            seen.setdefault(key, i)
        distinct = np.fromiter(seen.values(), dtype=np.int64)
        if distinct.size > self.max_fit:
            fit_index = np.sort(rng.choice(distinct, size=int(self.max_fit), replace=False))
        else:
            fit_index = distinct
        Xf = X[fit_index]
        m = len(fit_index)
        min_size = self.min_cluster_size
        if min_size is None:
            min_size = max(3, math.ceil(0.005 * m))
        target = None if self.n_themes is None else min(int(self.n_themes), m)
        k_nn = self.n_neighbors if self.n_neighbors is not None else int(
            np.clip(round(math.sqrt(m) / 2), 10, 30))
        self.n_neighbors_ = int(k_nn)
        A = knn_graph(Xf, int(k_nn))
        resolution = float(self.resolution)
        labels = np.zeros(m, dtype=np.int64)
        for _ in range(12):
            labels = louvain(A, resolution, rng) if m > 1 else np.zeros(m, dtype=np.int64)
            labels = _merge_communities(A, labels, Xf, resolution, min_size=min(min_size, m),
                                        target=target)
            if target is None or labels.max() + 1 >= target:
                break
            resolution *= 1.6
        k = int(labels.max()) + 1
        if target is not None and k < target:  # split the widest cluster until target
            labels = self._split_to(Xf, labels, target, rng)
        self.modularity_ = modularity(A, labels, float(self.resolution))
        self.resolution_ = resolution
        centroids = self._centroids(Xf, labels)
        assigned = np.argmax(X @ centroids.T, axis=1)
        # a cluster that loses every member on reassignment keeps its graph members
        empty = np.setdiff1d(np.arange(len(centroids)), assigned)
        if empty.size:
            for c in empty:
                assigned[fit_index[labels == c]] = c
        centroids = self._centroids(X, assigned)
        sizes = np.bincount(assigned, minlength=len(centroids))
        first = np.array([np.flatnonzero(assigned == c)[0] for c in range(len(centroids))])
        order = np.lexsort((first, -sizes))
        remap = np.empty_like(order)
        remap[order] = np.arange(len(order))
        self.labels_ = remap[assigned].astype(np.int64)
        self.centroids_ = centroids[order].astype(np.float32)
        self.n_clusters_ = int(len(order))
        self.similarity_ = np.einsum("ij,ij->i", X, self.centroids_[self.labels_]).astype(
            np.float32)
        self.fit_index_ = fit_index
        return self

    def fit_predict(self, X: np.ndarray, y: Any = None) -> np.ndarray:
        """:meth:`fit`, then return ``labels_``."""
        return self.fit(X).labels_

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Nearest centroid (cosine) for new embeddings; int64 (n,)."""
        if not hasattr(self, "centroids_"):
            raise VocError(expected="a fitted ThemeDiscoverer", found="an unfitted one",
                           fix="call fit() first")
        X = _unit(np.asarray(X, dtype=np.float32))
        return np.argmax(X @ self.centroids_.T, axis=1).astype(np.int64)

    @staticmethod
    def _centroids(X: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return _unit(_group_sum(X, labels, int(labels.max()) + 1)).astype(np.float32)

    @staticmethod
    def _split_to(X: np.ndarray, labels: np.ndarray, target: int,
                  rng: np.random.Generator) -> np.ndarray:
        from sklearn.cluster import KMeans

        labels = labels.copy()
        while labels.max() + 1 < target:
            sizes = np.bincount(labels)
            c = int(np.argmax(sizes))
            members = np.flatnonzero(labels == c)
            if members.size < 2:
                break
            sub = KMeans(2, n_init=3, random_state=int(rng.integers(2**31 - 1))).fit_predict(
                X[members])
            if sub.min() == sub.max():
                break
            labels[members[sub == 1]] = labels.max() + 1
        return labels


# ============================================================================================
# Sentences of an analysis
# ============================================================================================
def sentence_table(result: AnalysisResult) -> pd.DataFrame:
    """One row per sentence of an analysis: ``doc_id, sentence_id, sentence, language,
    sentiment, sentiment_score, themes, n_clauses``.

    ``sentence`` is the comment text from the first to the last character of its clauses;
    ``sentiment_score`` the mean of its clause scores (-1..1), ``sentiment`` the combined
    clause label; ``themes`` the ``;``-joined theme ids mentioned in the sentence ("" = none).
    """
    seg = result.segments
    cols = ["doc_id", "sentence_id", "sentence", "language", "sentiment", "sentiment_score",
            "themes", "n_clauses"]
    if seg.empty:
        return pd.DataFrame(columns=cols)
    grouped = seg.groupby(["doc_id", "sentence_id"], sort=False)
    table = grouped.agg(start=("start", "min"), end=("end", "max"), language=("language", "first"),
                        sentiment_score=("sentiment_score", "mean"),
                        n_clauses=("clause_id", "size")).reset_index()
    labels = grouped["sentiment"].agg(lambda s: combine_labels(list(s)))
    table["sentiment"] = labels.to_numpy()
    texts = dict(zip(result.documents["doc_id"].astype(str), result.documents["text"],
                     strict=True))
    table["sentence"] = [texts[d][s:e] for d, s, e in
                         zip(table["doc_id"], table["start"], table["end"], strict=True)]
    themes: dict[tuple[str, int], list[str]] = {}
    for d, s, t in zip(result.mentions["doc_id"], result.mentions["sentence_id"],
                       result.mentions["theme"], strict=True):
        bucket = themes.setdefault((str(d), int(s)), [])
        if t not in bucket:
            bucket.append(t)
    table["themes"] = [";".join(themes.get((str(d), int(s)), [])) for d, s in
                       zip(table["doc_id"], table["sentence_id"], strict=True)]
    table["sentiment_score"] = table["sentiment_score"].round(4)
    return table[cols]


# ============================================================================================
# Keywords
# ============================================================================================
@functools.cache
def stop_words(language: str) -> frozenset[str]:
    """spaCy's stop-word list for a language code (empty when spaCy has none)."""
    import importlib

    from voc.text import import_spacy

    import_spacy()
    code = {"zh": "zh", "en": "en", "ru": "ru", "pl": "pl"}.get(language, language)
    try:
        module = importlib.import_module(f"spacy.lang.{code}.stop_words")
    except ImportError:
        return frozenset()
    words = frozenset(w.lower() for w in getattr(module, "STOP_WORDS", ()))
    extra = _EXTRA_STOP.get(code, frozenset())
    return words | extra


# Fillers frequent in feedback that spaCy's lists lack.
_EXTRA_STOP = {
    "en": frozenset({"got", "get", "also", "really", "just", "like", "would", "could", "one",
                     "thing", "things", "lot", "bit", "even", "still", "way", "time", "im",
                     "ive", "dont", "didnt", "it's", "i'm", "i've", "don't", "didn't", "'s",
                     "n't", "'m", "'ve", "'re", "'ll", "'d", "wo", "ca"}),
    "ru": frozenset({"это", "весь", "свой", "который", "очень", "мой", "наш", "ваш", "быть",
                     "такой", "вообще", "просто", "ещё", "еще"}),
    "pl": frozenset({"bardzo", "jest", "był", "była", "było", "są", "się", "też", "tylko",
                     "mój", "moja", "moje"}),
    "zh": frozenset({"的", "了", "是", "我", "也", "就", "都", "很", "还", "在", "有", "和",
                     "吧", "啊", "呢", "吗", "这个", "那个", "我们", "你们", "他们", "没有", "一个",
                     "非常", "真的", "感觉", "觉得", "而且", "但是", "就是", "还是"}),
}
_NON_WORD = re.compile(r"^[\W\d_]+$")


def _terms(text: str, language: str) -> list[str]:
    """Lemmas of content words and adjacent content-word pairs of one sentence."""
    code = normalize_language(language)
    stops = stop_words(code)
    lemmas = lemmatize(tokenize(text, code), code)
    keep = [(lemma if lemma not in stops and not _NON_WORD.match(lemma)
             and (len(lemma) > 1 or code in ("zh", "ja")) else None) for lemma in lemmas]
    terms = [t for t in keep if t]
    joiner = "" if code in ("zh", "ja") else " "
    for left, right in zip(keep, keep[1:], strict=False):
        if left and right and left != right:
            terms.append(f"{left}{joiner}{right}")
    return terms


def _fold_plurals(term_sets: list[list[str]]) -> list[list[str]]:
    """English: map "lockers" → "locker", "deliveries" → "delivery" when the singular occurs."""
    vocab = {t for terms in term_sets for t in terms}

    def fold_word(w: str) -> str:
        if len(w) > 4 and w.endswith("ies") and w[:-3] + "y" in vocab:
            return w[:-3] + "y"
        if len(w) > 3 and w.endswith("es") and w[:-2] in vocab and w[-3] in "sxz":
            return w[:-2]
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss") and w[:-1] in vocab:
            return w[:-1]
        return w

    return [[" ".join(fold_word(w) for w in t.split(" ")) for t in terms] for terms in term_sets]


def class_tfidf_keywords(texts: Sequence[str], languages: Sequence[str],
                         labels: Sequence[int], *, n_keywords: int = 8,
                         min_count: int = 2) -> dict[int, dict[str, list[str]]]:
    """Top keywords per cluster and language by class-based TF-IDF (see module docs).

    Args:
        texts, languages, labels: one per sentence (labels: cluster ids).
        n_keywords: keywords per (cluster, language).
        min_count: a term must occur in at least this many of the cluster's sentences in that
            language (lowered to 1 for clusters with fewer than 5 such sentences).

    Returns:
        ``{cluster: {language: [keyword, ...]}}``, best first; a bigram that is chosen hides
        its two words.
    """
    out: dict[int, dict[str, list[str]]] = {}
    frame = pd.DataFrame({"text": list(texts), "language": [normalize_language(x) for x in
                                                            languages],
                          "label": np.asarray(labels, dtype=np.int64)})
    for lang, part in frame.groupby("language", sort=True):
        term_sets = [list(dict.fromkeys(_terms(t, str(lang)))) for t in part["text"]]
        if lang == "en":
            term_sets = [list(dict.fromkeys(ts)) for ts in _fold_plurals(term_sets)]
        per_class: dict[int, Counter[str]] = {}
        n_sent: Counter[int] = Counter()
        for lab, terms in zip(part["label"].tolist(), term_sets, strict=True):
            per_class.setdefault(lab, Counter()).update(terms)
            n_sent[lab] += 1
        total: Counter[str] = Counter()
        for counts in per_class.values():
            total.update(counts)
        sizes = {c: sum(cnt.values()) for c, cnt in per_class.items()}
        mean_size = float(np.mean([s for s in sizes.values() if s > 0])) if sizes else 1.0
        for c, counts in per_class.items():
            if not counts:
                continue
            floor = min_count if n_sent[c] >= 5 else 1
            scored = [
                (cnt / sizes[c] * math.log(1.0 + mean_size / total[t]), t)
                for t, cnt in counts.items() if cnt >= floor
            ]
            scored.sort(key=lambda x: (-x[0], x[1]))
            chosen: list[str] = []
            hidden: set[str] = set()
            for _, term in scored:
                if term in hidden:
                    continue
                parts = term.split(" ") if " " in term else []
                if parts and any(p in chosen for p in parts):
                    # the bigram replaces the words already chosen
                    chosen = [w for w in chosen if w not in parts]
                chosen.append(term)
                hidden.update(parts)
                if len(chosen) >= n_keywords:
                    break
            out.setdefault(int(c), {})[str(lang)] = chosen
    return out


# ============================================================================================
# Discovery
# ============================================================================================
@dataclass
class Discovery:
    """Everything :func:`discover` found.

    Attributes:
        clusters: one row per cluster (:data:`CLUSTER_COLUMNS`), cluster 0 = largest.
        sentences: one row per sentence of the analysis (:data:`SENTENCE_COLUMNS`);
            ``cluster`` is missing (``<NA>``) for sentences that were not clustered (they
            already carry a theme and ``only_unassigned`` was set).
        vectors: float32 (n_clustered, d) embeddings of the clustered sentences, in the order
            of ``sentences[sentences.cluster.notna()]``.
        centroids: float32 (K, d) cluster centroids.
        keywords: ``{cluster: {language: [keyword, ...]}}``.
        result: the analysis the sentences come from.
        info: counts and settings (n_sentences, n_clustered, n_excluded_assigned,
            n_excluded_empty, n_clusters, k_chosen, seed, resolution, modularity, ...).
    """

    clusters: pd.DataFrame
    sentences: pd.DataFrame
    vectors: np.ndarray
    centroids: np.ndarray
    keywords: dict[int, dict[str, list[str]]]
    result: AnalysisResult
    info: dict[str, Any] = field(default_factory=dict)

    def members(self, cluster: int) -> pd.DataFrame:
        """The sentences of one cluster, most typical (highest similarity) first."""
        if cluster not in set(self.clusters["cluster"]):
            raise VocError(expected=f"a cluster id 0..{len(self.clusters) - 1}",
                           found=repr(cluster), fix="pick a cluster from the table")
        part = self.sentences[self.sentences["cluster"].eq(cluster).fillna(False)
                              .astype(bool)]
        return part.sort_values(["similarity", "doc_id", "sentence_id"],
                                ascending=[False, True, True], kind="stable")

    def projection(self, max_points: int = 5_000, seed: int | None = None) -> pd.DataFrame:
        """2-D coordinates for a cluster map: PCA of the sentence embeddings.

        Returns at most ``max_points`` rows (a seeded sample, stratified by nothing) with
        ``x, y, cluster, cluster_label, sentence, language, doc_id``.
        """
        clustered = self.sentences[self.sentences["cluster"].notna()].reset_index(drop=True)
        n = len(clustered)
        if n == 0:
            return pd.DataFrame(columns=["x", "y", "cluster", "cluster_label", "sentence",
                                         "language", "doc_id"])
        rng = np.random.default_rng(self.info.get("seed", 0) if seed is None else seed)
        idx = np.sort(rng.choice(n, size=max_points, replace=False)) if n > max_points \
            else np.arange(n)
        V = self.vectors[idx].astype(np.float64)
        V = V - V.mean(axis=0)
        if V.shape[0] >= 2:
            _, _, vt = np.linalg.svd(V, full_matrices=False)
            comps = vt[:2]
            # fix the sign of each axis so the picture is the same on every run
            signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
            coords = V @ (comps * signs[:, None]).T
        else:
            coords = np.zeros((V.shape[0], 2))
        if coords.shape[1] < 2:
            coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - coords.shape[1]))])
        part = clustered.iloc[idx]
        return pd.DataFrame({
            "x": coords[:, 0], "y": coords[:, 1],
            "cluster": part["cluster"].astype("int64").to_numpy(),
            "cluster_label": part["cluster_label"].to_numpy(),
            "sentence": part["sentence"].to_numpy(), "language": part["language"].to_numpy(),
            "doc_id": part["doc_id"].to_numpy(),
        })


def _embedder_for(result: AnalysisResult, analyzer: Analyzer | None) -> CachedEmbedder:
    if analyzer is not None:
        return analyzer.embedder
    from voc.embeddings import CachedEmbedder, get_embedder
    from voc.pipeline import _default_cache

    name = str(result.model_info.get("embedder") or "use-multilingual-v3")
    return CachedEmbedder(get_embedder(name), _default_cache())


def theme_centroids(taxonomy: Taxonomy, embed: Any) -> tuple[list[str], np.ndarray]:
    """Theme ids that have example phrases and the normalised mean embedding of each."""
    ids, texts, owner = [], [], []
    for theme in taxonomy:
        phrases = [p for ex in theme.examples.values() for p in ex if p.strip()]
        if not phrases:
            continue
        ids.append(theme.id)
        texts += phrases
        owner += [len(ids) - 1] * len(phrases)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    V = np.asarray(embed(texts), dtype=np.float64)
    return ids, _unit(_group_sum(V, np.asarray(owner), len(ids))).astype(np.float32)


def _pick_quotes(members: pd.DataFrame, n_quotes: int, *, min_chars: int = 12,
                 max_chars: int = 300) -> list[tuple[str, str]]:
    """(doc_id, sentence) quotes: the most typical, one per main language first, distinct."""
    if members.empty or n_quotes <= 0:
        return []
    ok = members["sentence"].str.len().between(min_chars, max_chars)
    pool = pd.concat([members[ok], members[~ok]])  # short/long ones only if needed
    langs = pool["language"].value_counts()
    main = [lang for lang, cnt in langs.items() if cnt >= 0.2 * len(pool)]
    picked: list[tuple[str, str]] = []
    seen: set[str] = set()

    def take(rows: pd.DataFrame, limit: int) -> None:
        for d, s in zip(rows["doc_id"], rows["sentence"], strict=True):
            if len(picked) >= n_quotes or limit <= 0:
                return
            key = re.sub(r"\W+", " ", str(s).lower()).strip()
            if key in seen:
                continue
            seen.add(key)
            picked.append((str(d), str(s)))
            limit -= 1

    for lang in main:
        take(pool[pool["language"] == lang], 1)
    take(pool, n_quotes)
    return picked


def _label(keywords: Mapping[str, list[str]], lang_counts: pd.Series) -> str:
    langs = [str(x) for x in lang_counts.index]
    main = next((lang for lang in langs if keywords.get(lang)), None)
    if main is None:
        return "(no keywords)"
    label = ", ".join(keywords[main][:3])
    total = float(lang_counts.sum())
    for lang in langs:
        if lang != main and keywords.get(lang) and lang_counts[lang] >= 0.2 * total:
            label += " / " + keywords[lang][0]
            break
    return label


def _as_result(data: Any, analyzer: Analyzer | None, **columns: Any) -> tuple[
        AnalysisResult, Analyzer | None]:
    from voc.pipeline import AnalysisResult, Analyzer

    if isinstance(data, AnalysisResult):
        return data, analyzer
    if isinstance(data, str):
        data = [data]
    if not isinstance(data, pd.DataFrame | Sequence):
        raise VocError(expected="an AnalysisResult, a DataFrame or a list of strings",
                       found=type(data).__name__,
                       fix="pass analyzer.analyze(...)'s result or the comments")
    analyzer = analyzer or Analyzer.load("default")
    cols = {k: v for k, v in columns.items() if v is not None}
    return analyzer.analyze(data, **cols), analyzer


def discover(
    data: AnalysisResult | pd.DataFrame | Sequence[str],
    *,
    only_unassigned: bool = True,
    n_themes: int | None = None,
    seed: int = 0,
    analyzer: Analyzer | None = None,
    text_col: str | None = None,
    id_col: str | None = None,
    score_col: str | None = None,
    date_col: str | None = None,
    resolution: float = DEFAULT_RESOLUTION,
    n_neighbors: int | None = DEFAULT_NEIGHBORS,
    max_fit: int = DEFAULT_MAX_FIT,
    min_cluster_size: int | None = None,
    n_quotes: int = 3,
    n_keywords: int = 8,
) -> Discovery:
    """Cluster sentences into themes; see :func:`discover_themes` (which returns only the
    cluster table) and the module docs for the method.

    Returns:
        A :class:`Discovery` with the cluster table, the per-sentence assignments, the
        embeddings and centroids.

    Raises:
        VocError: fewer than 10 sentences to cluster (e.g. every sentence already carries a
            theme: pass ``only_unassigned=False``), or invalid parameters.
    """
    result, analyzer = _as_result(data, analyzer, text_col=text_col, id_col=id_col,
                                  score_col=score_col, date_col=date_col)
    sentences = sentence_table(result)
    n_total = len(sentences)
    assigned = sentences["themes"] != ""
    use = ~assigned if only_unassigned else pd.Series(True, index=sentences.index)
    use &= sentences["sentence"].str.contains(r"[^\W\d_]", regex=True)
    n_empty = int((~sentences["sentence"].str.contains(r"[^\W\d_]", regex=True)).sum())
    part = sentences[use].reset_index(drop=True)
    if len(part) < MIN_SENTENCES:
        why = (f"{len(part)} sentence(s) to cluster out of {n_total:,}"
               + (f" ({int(assigned.sum()):,} already carry a theme)" if only_unassigned
                  else ""))
        raise VocError(expected=f"at least {MIN_SENTENCES} sentences to cluster", found=why,
                       fix="pass more comments" + (", or cluster every sentence "
                                                   "(only_unassigned=False, CLI --all)"
                                                   if only_unassigned else ""))
    embedder = _embedder_for(result, analyzer)
    X = embedder.embed(part["sentence"].tolist())
    model = ThemeDiscoverer(n_themes, resolution=resolution, n_neighbors=n_neighbors,
                            max_fit=max_fit, min_cluster_size=min_cluster_size,
                            seed=seed).fit(X)
    labels = model.labels_
    part["cluster"] = labels
    part["similarity"] = np.round(model.similarity_.astype(np.float64), 4)
    k = model.n_clusters_
    # keywords: at most 2,000 sentences per cluster (seeded) for speed
    rng = np.random.default_rng(seed)
    kw_rows = np.concatenate([
        idx if idx.size <= 2000 else np.sort(rng.choice(idx, 2000, replace=False))
        for idx in (np.flatnonzero(labels == c) for c in range(k))
    ])
    keywords = class_tfidf_keywords(part["sentence"].to_numpy()[kw_rows],
                                    part["language"].to_numpy()[kw_rows], labels[kw_rows],
                                    n_keywords=n_keywords)
    theme_ids, theme_vecs = theme_centroids(result.taxonomy, embedder.embed)
    names = result.taxonomy.names()
    docs = result.documents
    scores = (dict(zip(docs["doc_id"].astype(str), docs["score"], strict=True))
              if "score" in docs.columns else {})
    rows = []
    used_labels: Counter[str] = Counter()
    n_clustered = len(part)
    for c in range(k):
        members = part[part["cluster"] == c].sort_values(
            ["similarity", "doc_id", "sentence_id"], ascending=[False, True, True],
            kind="stable")
        lang_counts = members["language"].value_counts()
        lang_counts = lang_counts.sort_index().sort_values(ascending=False, kind="stable")
        kw = keywords.get(c, {})
        label = _label(kw, lang_counts)
        used_labels[label] += 1
        if used_labels[label] > 1:
            label = f"{label} ({used_labels[label]})"
        quotes = _pick_quotes(members, n_quotes)
        doc_ids = members["doc_id"].astype(str).unique()
        doc_scores = pd.Series([scores.get(d, np.nan) for d in doc_ids], dtype="float64")
        if len(theme_ids):
            sims = theme_vecs @ model.centroids_[c]
            best = int(np.argmax(sims))
            nearest, nearest_sim = theme_ids[best], round(float(sims[best]), 4)
        else:
            nearest, nearest_sim = "", np.nan
        rows.append({
            "cluster": c, "label": label, "size": len(members),
            "share": round(len(members) / n_clustered, 4), "n_comments": len(doc_ids),
            "keywords": "; ".join(f"{lang}: {', '.join(kw[lang])}" for lang in
                                  lang_counts.index if kw.get(lang)),
            "languages": ", ".join(f"{lang} {cnt / len(members):.0%}" for lang, cnt in
                                   lang_counts.items()),
            "quotes": "\n".join(q for _, q in quotes),
            "mean_sentiment": round(float(members["sentiment_score"].mean()), 4),
            "negative_share": round(float((members["sentiment"] == NEGATIVE).mean()), 4),
            "positive_share": round(float((members["sentiment"] == POSITIVE).mean()), 4),
            "mean_score": round(float(doc_scores.mean()), 4) if doc_scores.notna().any()
            else np.nan,
            "covered_share": round(float((members["themes"] != "").mean()), 4),
            "cohesion": round(float(members["similarity"].mean()), 4),
            "nearest_theme": nearest, "nearest_theme_name": names.get(nearest, nearest),
            "nearest_theme_similarity": nearest_sim,
        })
    clusters = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    label_of = dict(zip(clusters["cluster"], clusters["label"], strict=True))
    part["cluster_label"] = part["cluster"].map(label_of)
    out = sentences.merge(part[["doc_id", "sentence_id", "cluster", "cluster_label",
                                "similarity"]], on=["doc_id", "sentence_id"], how="left")
    out["cluster"] = out["cluster"].astype("Int64")
    sent_out = out[SENTENCE_COLUMNS].reset_index(drop=True)
    # vectors in the order of the clustered rows of `sentences`
    key = list(zip(part["doc_id"], part["sentence_id"], strict=True))
    pos = {kk: i for i, kk in enumerate(key)}
    clustered_rows = sent_out[sent_out["cluster"].notna()]
    order = [pos[(d, s)] for d, s in zip(clustered_rows["doc_id"], clustered_rows["sentence_id"],
                                         strict=True)]
    info = {
        "n_sentences": n_total, "n_clustered": n_clustered,
        "n_excluded_assigned": int((assigned & only_unassigned).sum()),
        "n_excluded_empty": n_empty, "n_clusters": k,
        "k_chosen": "given" if n_themes is not None else "auto", "seed": seed,
        "resolution": model.resolution_, "n_neighbors": model.n_neighbors_,
        "n_fit": len(model.fit_index_), "modularity": round(model.modularity_, 4),
        "only_unassigned": only_unassigned, "embedder": embedder.name,
    }
    clusters.attrs.update(info)
    return Discovery(clusters, sent_out, X[order], model.centroids_, keywords, result, info)


def discover_themes(
    result_or_texts: AnalysisResult | pd.DataFrame | Sequence[str],
    *,
    only_unassigned: bool = True,
    n_themes: int | None = None,
    seed: int = 0,
    **options: Any,
) -> pd.DataFrame:
    """Discover themes: one row per sentence cluster (see the module docs for the method).

    Args:
        result_or_texts: an :class:`~voc.pipeline.AnalysisResult`, or comments (a DataFrame
            or a list of strings) which are analyzed first with ``options["analyzer"]`` (the
            default model when absent).
        only_unassigned: cluster only the sentences that carry no theme of the taxonomy
            (what it misses); False clusters every sentence.
        n_themes: the number of clusters; None = chosen by the method.
        seed: random seed; the same data and seed give the same table.
        **options: passed to :func:`discover` (``analyzer``, ``text_col``, ``id_col``,
            ``resolution``, ``n_neighbors``, ``max_fit``, ``min_cluster_size``,
            ``n_quotes``, ``n_keywords``).

    Returns:
        One row per cluster, largest first, with the columns :data:`CLUSTER_COLUMNS`:
        ``cluster`` (id, 0 = largest), ``label`` (top keywords of the main language, plus the
        top keyword of a second language holding ≥ 20% of the sentences), ``size``
        (sentences), ``share`` (of the clustered sentences, 0..1), ``n_comments``,
        ``keywords`` (``"en: a, b; ru: c, d"``), ``languages`` (share per language),
        ``quotes`` (newline-separated, most typical first, one per main language first),
        ``mean_sentiment`` (mean sentence score, -1..1), ``negative_share`` /
        ``positive_share`` (0..1), ``mean_score`` (mean score of the comments with a sentence
        in the cluster; NaN without a score column), ``covered_share`` (share of the
        sentences already carrying a theme, 0..1), ``cohesion`` (mean cosine to the
        centroid), ``nearest_theme``, ``nearest_theme_name``, ``nearest_theme_similarity``
        (cosine of the centroids, -1..1). ``attrs`` holds the counts of :attr:`Discovery.info`.
    """
    return discover(result_or_texts, only_unassigned=only_unassigned, n_themes=n_themes,
                    seed=seed, **options).clusters
