"""Theme discovery: graph clustering, c-TF-IDF labels, the cluster table, promotion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from planted_data import LOCKER, planted_result
from sklearn.metrics import adjusted_rand_score

from voc.discovery import (
    CLUSTER_COLUMNS,
    SENTENCE_COLUMNS,
    ThemeDiscoverer,
    class_tfidf_keywords,
    discover,
    discover_themes,
    knn_graph,
    louvain,
    modularity,
    sentence_table,
)
from voc.errors import VocError


def blobs(n_per: int = 60, k: int = 4, d: int = 32, spread: float = 0.25,
          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k well-separated groups of unit vectors around random centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d))
    X = np.vstack([c + spread * rng.normal(size=(n_per, d)) for c in centres])
    y = np.repeat(np.arange(k), n_per)
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), y


# ------------------------------------------------------------------------ clustering core
def test_modularity_of_two_triangles() -> None:
    import scipy.sparse as sp

    edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]
    A = sp.lil_matrix((6, 6))
    for i, j in edges:
        A[i, j] = A[j, i] = 1.0
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert modularity(A, labels) == pytest.approx(0.5)
    assert modularity(A, np.zeros(6, dtype=int)) == pytest.approx(0.0)
    found = louvain(A, 1.0, seed=3)
    assert adjusted_rand_score(labels, found) == 1.0


def test_knn_graph_is_symmetric_and_nonnegative() -> None:
    X, _ = blobs(20, 3)
    A = knn_graph(X, 5)
    assert (A != A.T).nnz == 0
    assert A.diagonal().sum() == 0
    assert A.data.min() >= 0
    assert (np.diff(A.indptr) >= 5).all()  # every node keeps at least its own 5 neighbours


def test_recovers_planted_groups_and_chooses_k_itself() -> None:
    X, y = blobs()
    model = ThemeDiscoverer(seed=0).fit(X)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert np.bincount(model.labels_).tolist() == sorted(np.bincount(model.labels_),
                                                        reverse=True)  # 0 = largest
    assert model.centroids_.shape == (4, X.shape[1])
    assert np.allclose(np.linalg.norm(model.centroids_, axis=1), 1.0, atol=1e-5)
    assert (model.predict(X) == model.labels_).all()
    assert 0 < model.modularity_ < 1


def test_same_seed_same_labels_and_sample_path() -> None:
    X, y = blobs(n_per=80, k=5, spread=0.6, seed=1)
    a = ThemeDiscoverer(seed=7, max_fit=150).fit(X)
    b = ThemeDiscoverer(seed=7, max_fit=150).fit(X)
    assert len(a.fit_index_) == 150
    assert (a.labels_ == b.labels_).all()
    assert np.array_equal(a.centroids_, b.centroids_)


def test_n_themes_gives_exactly_that_many_clusters() -> None:
    from sklearn.base import clone

    X, _ = blobs()
    for k in (2, 4, 7):
        assert ThemeDiscoverer(k, seed=0).fit(X).n_clusters_ == k
    model = clone(ThemeDiscoverer(3, resolution=2.0, seed=5))  # a scikit-learn estimator
    assert model.get_params()["n_themes"] == 3 and not hasattr(model, "labels_")
    assert len(set(model.fit_predict(X))) == 3


def test_duplicates_are_one_node_and_small_groups_merge() -> None:
    X, _ = blobs(n_per=50, k=3)
    X = np.vstack([X, np.repeat(X[:1], 40, axis=0)])  # 40 copies of one sentence
    model = ThemeDiscoverer(seed=0, min_cluster_size=10).fit(X)
    assert len(model.fit_index_) == 150
    assert model.n_clusters_ == 3
    assert len(set(model.labels_[150:])) == 1


@pytest.mark.parametrize("params", [{"n_themes": 0}, {"resolution": 0}, {"n_neighbors": 1},
                                    {"max_fit": 3}])
def test_bad_parameters_are_errors(params: dict[str, Any]) -> None:
    X, _ = blobs(10, 2)
    with pytest.raises(VocError, match="Expected valid ThemeDiscoverer parameters"):
        ThemeDiscoverer(**params).fit(X)


def test_unfitted_predict_and_bad_input() -> None:
    with pytest.raises(VocError, match="fitted"):
        ThemeDiscoverer().predict(np.ones((2, 3)))
    with pytest.raises(VocError, match="finite"):
        ThemeDiscoverer().fit(np.full((5, 3), np.nan))


# ------------------------------------------------------------------------------ keywords
def test_class_tfidf_keywords_per_language() -> None:
    texts = [*LOCKER[0], *LOCKER[1], "The cashier was rude.", "Rude cashier again.",
             "A rude cashier shouted.", "Кассир нагрубил мне.", "Грубый кассир.",
             "快递太慢了", "快递很慢", "快递慢死了"]
    langs = ["en"] * 5 + ["ru"] * 5 + ["en"] * 3 + ["ru"] * 2 + ["zh"] * 3
    labels = [0] * 10 + [1] * 5 + [2] * 3
    kw = class_tfidf_keywords(texts, langs, labels, n_keywords=4)
    assert kw[0]["en"][0] == "parcel locker"  # the bigram hides "parcel" and "locker"
    assert "parcel" not in kw[0]["en"] and "locker" not in kw[0]["en"]
    assert kw[0]["ru"][0] == "постамат"  # lemmatised: постамата, постамату -> постамат
    assert "rude cashier" in kw[1]["en"] or kw[1]["en"][0] in ("rude", "cashier")
    assert any("кассир" in w for w in kw[1]["ru"])
    assert "快递" in kw[2]["zh"]
    for per_lang in kw.values():  # stop words never come out
        for words in per_lang.values():
            assert not {"the", "was", "my", "и", "не", "了"} & set(words)


# ---------------------------------------------------------------------- discovery on data
@pytest.fixture(scope="module")
def planted(default_analyzer: Any) -> Any:
    return planted_result(default_analyzer)


@pytest.fixture(scope="module")
def found_all(planted: Any, default_analyzer: Any) -> Any:
    return discover(planted, only_unassigned=False, analyzer=default_analyzer)


def test_sentence_table_slices_the_comments(planted: Any) -> None:
    table = sentence_table(planted)
    texts = dict(zip(planted.documents["doc_id"], planted.documents["text"], strict=True))
    assert list(table.columns)[:3] == ["doc_id", "sentence_id", "sentence"]
    assert table[["doc_id", "sentence_id"]].duplicated().sum() == 0
    for row in table.head(50).itertuples():
        assert row.sentence in texts[row.doc_id]
    mentioned = set(zip(planted.mentions["doc_id"], planted.mentions["sentence_id"],
                        strict=True))
    has = table["themes"] != ""
    assert {(d, s) for d, s in zip(table["doc_id"][has], table["sentence_id"][has],
                                   strict=True)} == mentioned


@pytest.mark.slow
def test_cluster_table_columns_and_invariants(found_all: Any, planted: Any) -> None:
    clusters, sentences = found_all.clusters, found_all.sentences
    assert list(clusters.columns) == CLUSTER_COLUMNS
    assert list(sentences.columns) == SENTENCE_COLUMNS
    assert clusters["cluster"].tolist() == list(range(len(clusters)))
    assert clusters["size"].sum() == found_all.info["n_clustered"] == len(sentences)
    assert clusters["share"].sum() == pytest.approx(1.0, abs=1e-3)
    assert clusters["size"].is_monotonic_decreasing
    assert clusters["label"].is_unique
    assert clusters["mean_sentiment"].between(-1, 1).all()
    assert clusters["nearest_theme"].isin(planted.taxonomy.ids).all()
    assert clusters["nearest_theme_similarity"].between(-1, 1).all()
    assert clusters["mean_score"].between(0, 10).all()
    assert found_all.vectors.shape == (len(sentences), 512)
    assert 2 <= len(clusters) <= 20
    assert clusters.attrs["k_chosen"] == "auto"
    for row in clusters.itertuples():  # quotes are sentences of the cluster
        members = set(sentences.loc[sentences["cluster"] == row.cluster, "sentence"])
        assert row.quotes and set(row.quotes.split("\n")) <= members


@pytest.mark.slow
def test_labels_name_the_planted_themes(found_all: Any) -> None:
    clusters, sentences = found_all.clusters, found_all.sentences

    def cluster_of(word: str) -> pd.Series:
        part = sentences[sentences["sentence"].str.contains(word, case=False)]
        return clusters.set_index("cluster").loc[int(part["cluster"].mode()[0])]

    staff = cluster_of("cashier")
    assert {"rude", "cashier"} & set(staff["label"].replace(",", " ").split())
    assert staff["nearest_theme"] == "staff_attitude"
    assert "грубый" in staff["keywords"] or "кассир" in staff["keywords"]  # ru lemmas
    app = cluster_of("app")
    assert "app" in app["label"]
    assert app["nearest_theme"] == "technical_problems"
    # English and Russian sentences of a theme meet in one cluster
    assert "en" in staff["languages"] and "ru" in staff["languages"]


@pytest.mark.slow
def test_same_data_and_seed_give_the_same_table(found_all: Any, planted: Any,
                                                default_analyzer: Any) -> None:
    again = discover(planted, only_unassigned=False, analyzer=default_analyzer)
    pd.testing.assert_frame_equal(found_all.clusters, again.clusters)
    pd.testing.assert_frame_equal(found_all.sentences, again.sentences)


@pytest.mark.slow
def test_only_unassigned_and_n_themes(planted: Any, default_analyzer: Any) -> None:
    table = discover_themes(planted, only_unassigned=False, n_themes=3,
                            analyzer=default_analyzer)
    assert len(table) == 3 and table.attrs["k_chosen"] == "given"
    n_free = int((sentence_table(planted)["themes"] == "").sum())
    if n_free >= 10:
        found = discover(planted, analyzer=default_analyzer)
        clustered = found.sentences[found.sentences["cluster"].notna()]
        assert (clustered["themes"] == "").all()
        assert found.info["n_excluded_assigned"] == len(found.sentences) - len(clustered)
        assert (found.clusters["covered_share"] == 0).all()
        members = found.members(0)  # sentences that were not clustered are skipped
        assert len(members) == found.clusters["size"].iloc[0]
        assert members["similarity"].is_monotonic_decreasing


@pytest.mark.slow
def test_too_few_sentences_is_a_clear_error(default_analyzer: Any) -> None:
    result = default_analyzer.analyze(["The parcel arrived late.", "Rude cashier."])
    with pytest.raises(VocError, match="at least 10 sentences") as info:
        discover(result, analyzer=default_analyzer)
    assert "--all" in info.value.fix


@pytest.mark.slow
def test_projection_is_deterministic(found_all: Any) -> None:
    a = found_all.projection(max_points=100)
    b = found_all.projection(max_points=100)
    assert len(a) == 100
    pd.testing.assert_frame_equal(a, b)
    assert set(a["cluster"]) <= set(found_all.clusters["cluster"])


# ----------------------------------------------------------------------------- promotion
@pytest.mark.slow
def test_promote_a_cluster_records_its_provenance(make_tiny_analyzer: Any, tmp_path: Path
                                                  ) -> None:
    from voc.pipeline import Analyzer
    from voc.promote import promote

    tiny = make_tiny_analyzer()
    comments = ([f"{t} ({i})" for i in range(4) for t in LOCKER[0]]
                + [f"{t} ({i})" for i in range(4) for t in LOCKER[1]]
                + ["The cashier was rude.", "Prices are far too high.", "Late parcel again."]
                * 4)
    found = discover(tiny.analyze(comments), only_unassigned=False, analyzer=tiny)
    sent = found.sentences
    locker_cluster = int(sent.loc[sent["sentence"].str.contains("locker"), "cluster"].mode()[0])
    model = promote(tiny, found, cluster=locker_cluster, theme_id="parcel_locker",
                    dataset="lockers.csv", max_examples=20, save_to=tmp_path / "m",
                    version="v1")
    assert "parcel_locker" in model.taxonomy.ids
    assert set(tiny.taxonomy.ids) <= set(model.taxonomy.ids)  # old themes kept
    theme = model.taxonomy.get("parcel_locker")
    assert theme.origin.startswith(f"discovered: cluster {locker_cluster} (")
    assert "lockers.csv" in theme.origin
    assert theme.examples  # seed examples from the cluster
    meta = json.loads((tmp_path / "m" / "v1" / "model.json").read_text(encoding="utf-8"))
    rec = meta["training"]["promoted"]
    assert rec["source"] == "cluster" and rec["cluster"] == locker_cluster
    assert rec["theme"] == "parcel_locker" and rec["dataset"] == "lockers.csv"
    assert rec["dropped_themes"] == []
    reloaded = Analyzer.load(tmp_path / "m", cache=None)
    assert reloaded.taxonomy.get("parcel_locker").origin == theme.origin
    tagged = reloaded.classify(["The parcel locker would not open.", "The cashier was rude."])
    assert "parcel_locker" in tagged["themes"].iloc[0]
    assert "parcel_locker" not in tagged["themes"].iloc[1]


def test_promote_rejects_existing_ids_and_too_few_examples(make_tiny_analyzer: Any) -> None:
    from voc.promote import promote, theme_slug

    tiny = make_tiny_analyzer()
    with pytest.raises(VocError, match="at least 3 examples"):
        promote(tiny, ["one", "two"])
    with pytest.raises(VocError, match="already has"):
        promote(tiny, ["a b c", "d e f", "g h i"], theme_id="delivery")
    assert theme_slug("parcel locker, code / постамат", ["parcel_locker"]) == "parcel_locker_2"
    assert theme_slug("постамат, код") == "постамат"
