"""Theme-discovery benchmark: cluster quality against gold categories, determinism, scale.

Quality (sentences of the public dev sets with exactly one gold category; every method gets
the same USE embeddings, computed once with voc's cached embedder):

* **voc**: :class:`voc.discovery.ThemeDiscoverer` with its defaults; the number of clusters
  is chosen by voc. Run with seeds 0, 1, 2, and seed 0 twice (determinism check).
* **KMeans** (scikit-learn, ``n_init=10``) on the same embeddings, with K = voc's K (seed 0)
  and with K = the gold number of categories (an oracle voc does not get); 5 seeds each.
* **BERTopic** (0.17.4, ``pip install --no-deps bertopic`` + umap-learn, hdbscan) with the
  same precomputed embeddings and its defaults (UMAP 15 neighbours, 5 dimensions, HDBSCAN
  min_cluster_size 10; outliers, topic -1, count as one cluster), UMAP seeds 0, 1, 2.
  Skipped with a message when not installed.

Metrics (scikit-learn): adjusted mutual information (AMI, the headline: mutual information
corrected for chance, so it does not rise with the number of clusters as NMI does),
normalised mutual information (NMI, arithmetic mean normalisation) and the adjusted Rand index
(ARI). All are 1 for a perfect match and about 0 for a random partition.

Scale: 100,000 one-sentence comments sampled with replacement from a pool of 20,000 real
distinct one-clause sentences (en/ru/pl/zh dev sets, cut by voc's splitter). The pool is
embedded first (timed separately; cold unless the workspace cache already holds it), then
``voc discover INPUT -o OUT --all`` runs in a fresh process on the 100,000 rows (warm
embedding cache): wall time and peak RSS of that process.

Usage: ``python benchmarks/discovery_bench.py [--skip-scale]`` (also ``benchmarks/run.py
--only discovery``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import datasets as ds  # noqa: E402

RU_COARSE = {
    "FOOD#QUALITY": "food", "FOOD#STYLE_OPTIONS": "food", "DRINKS#QUALITY": "food",
    "DRINKS#STYLE_OPTIONS": "food", "SERVICE#GENERAL": "service",
    "AMBIENCE#GENERAL": "ambience", "FOOD#PRICES": "price", "RESTAURANT#PRICES": "price",
    "DRINKS#PRICES": "price",
}


def _single(frame: pd.DataFrame) -> pd.DataFrame:
    keep = frame[frame["categories"].map(len) == 1].copy()
    keep["gold"] = keep["categories"].map(lambda c: next(iter(c)))
    return keep[["text", "gold"]].reset_index(drop=True)


def gold_sets() -> list[tuple[str, pd.DataFrame]]:
    """(name, frame with text, gold[, language]) per benchmark set; missing sets skipped."""
    sets = []
    en = ru = None
    try:
        en = _single(pd.concat([ds.semeval14_restaurants("test"),
                                ds.semeval14_restaurants("train")]))
        sets.append(("SemEval-2014 restaurants, en (5 categories)", en))
    except ds.DatasetMissing as exc:
        print(f"  skipped SemEval-2014: {exc}")
    try:
        ru = _single(pd.concat([ds.semeval16_ru("dev"), ds.semeval16_ru("train")]))
        sets.append((f"SemEval-2016 restaurants, ru ({ru['gold'].nunique()} E#A categories)",
                     ru))
    except ds.DatasetMissing as exc:
        print(f"  skipped SemEval-2016 ru: {exc}")
    if en is not None and ru is not None:
        a = en[en["gold"].isin(["food", "service", "ambience", "price"])]
        b = ru[ru["gold"].isin(list(RU_COARSE))].assign(gold=lambda f: f["gold"].map(RU_COARSE))
        mix = pd.concat([a, b], ignore_index=True)
        sets.append(("en + ru together (food/service/ambience/price)", mix))
    return sets


def _scores(gold: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    from sklearn.metrics import (
        adjusted_mutual_info_score,
        adjusted_rand_score,
        normalized_mutual_info_score,
    )

    return (adjusted_mutual_info_score(gold, labels), normalized_mutual_info_score(gold, labels),
            adjusted_rand_score(gold, labels))


def _fmt(runs: list[tuple[float, float, float]]) -> str:
    arr = np.asarray(runs)
    mean = arr.mean(axis=0)
    text = f"AMI {mean[0]:.3f} / NMI {mean[1]:.3f} / ARI {mean[2]:.3f}"
    if len(runs) > 1:
        text += f" (AMI range {arr[:, 0].min():.3f}–{arr[:, 0].max():.3f} over {len(runs)} seeds)"
    return text


def _bertopic(texts: list[str], X: np.ndarray, seed: int) -> np.ndarray | None:
    try:
        from bertopic import BERTopic
        from umap import UMAP
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                          random_state=seed)
        model = BERTopic(umap_model=umap_model, verbose=False)
        topics, _ = model.fit_transform(texts, embeddings=X)
    return np.asarray(topics)


def quality_rows(row: Callable[..., Any]) -> list[Any]:
    from sklearn.cluster import KMeans

    from voc.discovery import ThemeDiscoverer
    from voc.pipeline import Analyzer

    analyzer = Analyzer.load("default")
    rows = []
    have_bertopic = True
    for name, frame in gold_sets():
        gold = frame["gold"].to_numpy()
        k_gold = int(frame["gold"].nunique())
        t0 = time.perf_counter()
        X = analyzer.embed(frame["text"].tolist())
        t_embed = time.perf_counter() - t0
        t0 = time.perf_counter()
        first = ThemeDiscoverer(seed=0).fit(X)
        t_voc = time.perf_counter() - t0
        again = ThemeDiscoverer(seed=0).fit(X)
        same = bool(np.array_equal(first.labels_, again.labels_))
        runs = [first] + [ThemeDiscoverer(seed=s).fit(X) for s in (1, 2)]
        ks = [m.n_clusters_ for m in runs]
        k = first.n_clusters_
        n = len(frame)
        how = (f"n = {n:,} sentences with exactly one gold category; USE embeddings "
               f"({t_embed:.0f} s to embed in this run)")
        rows.append(row("discovery", f"{name}: voc (K chosen by voc: {ks[0]}; seeds 0–2: "
                        f"K = {', '.join(map(str, ks))})",
                        _fmt([_scores(gold, m.labels_) for m in runs]),
                        "AMI above KMeans and BERTopic",
                        f"{how}; clustering {t_voc:.1f} s; seed 0 run twice: "
                        f"{'identical' if same else 'DIFFERENT'} labels"))
        km_voc = [_scores(gold, KMeans(k, n_init=10, random_state=s).fit_predict(X))
                  for s in range(5)]
        rows.append(row("discovery", f"{name}: KMeans, K = voc's K ({k})", _fmt(km_voc), "",
                        "scikit-learn KMeans(n_init=10) on the same embeddings, seeds 0–4"))
        km_gold = [_scores(gold, KMeans(k_gold, n_init=10, random_state=s).fit_predict(X))
                   for s in range(5)]
        rows.append(row("discovery", f"{name}: KMeans, K = gold K ({k_gold}, oracle)",
                        _fmt(km_gold), "",
                        "as above with the true number of categories, which voc is not given"))
        if have_bertopic:
            bt_runs, bt_k, bt_out, t_bt = [], [], [], 0.0
            for seed in (0, 1, 2):
                t0 = time.perf_counter()
                topics = _bertopic(frame["text"].tolist(), X, seed)
                t_bt += time.perf_counter() - t0
                if topics is None:
                    have_bertopic = False
                    print("  skipped BERTopic: not installed (pip install -r "
                          "requirements-bench.txt)")
                    break
                bt_runs.append(_scores(gold, topics))
                bt_k.append(len(set(topics.tolist()) - {-1}))
                bt_out.append(float(np.mean(topics == -1)))
            if bt_runs:
                rows.append(row(
                    "discovery", f"{name}: BERTopic (K = {', '.join(map(str, bt_k))} for UMAP "
                    "seeds 0–2)", _fmt(bt_runs), "",
                    f"BERTopic 0.17.4 defaults, precomputed embeddings; outliers (topic -1: "
                    f"{', '.join(f'{o:.0%}' for o in bt_out)}) count as one cluster; "
                    f"{t_bt / len(bt_runs):.1f} s per run"))
    return rows


def scale_rows(row: Callable[..., Any], n_rows: int = 100_000, pool_size: int = 20_000
               ) -> list[Any]:
    """Wall time and peak RSS of ``voc discover --all`` on ``n_rows`` one-sentence comments."""
    from benchmarks.run import VENV_BIN, _run_measured
    from voc.pipeline import Analyzer

    pool: list[str] = []
    try:
        for loader in (lambda: ds.semeval14_restaurants("train"),
                       lambda: ds.semeval14_restaurants("test"),
                       lambda: ds.semeval16_ru("train"), lambda: ds.semeval16_ru("dev"),
                       ds.polemo_hotels, ds.waimai):
            pool += loader()["text"].tolist()
    except ds.DatasetMissing as exc:
        print(f"  skipped the 100k-sentence run: {exc}")
        return []
    from voc.text import clean_text, detect_languages, split_many

    pool = [clean_text(t) for t in dict.fromkeys(pool) if isinstance(t, str) and t.strip()]
    # one clause per comment, cut the way voc cuts: then the vectors embedded for the pool
    # are exactly those voc analyze and voc discover look up (a warm cache)
    segments = split_many(pool, detect_languages(pool))
    clauses = list(dict.fromkeys(s.text for doc in segments for s in doc
                                 if len(s.text) >= 10 and s.text == s.sentence))
    rng = np.random.default_rng(0)
    pool = [clauses[i] for i in np.sort(rng.choice(len(clauses), min(pool_size, len(clauses)),
                                                   replace=False))]
    analyzer = Analyzer.load("default")
    t0 = time.perf_counter()
    analyzer.embed(pool)
    t_pool = time.perf_counter() - t0
    texts = [pool[i] for i in rng.integers(0, len(pool), n_rows)]
    rows = [row("discovery scale", f"embed the {len(pool):,}-sentence pool",
                f"{t_pool:.0f} s ({len(pool) / t_pool:,.0f} sentences/s)", "",
                "USE through voc's cached embedder (cold cache in `make bench`); en/ru/pl/zh "
                "one-clause sentences of the dev sets")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sentences.csv"
        pd.DataFrame({"id": range(1, n_rows + 1), "comment": texts}).to_csv(path, index=False)
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        wall, rss = _run_measured([str(VENV_BIN / "voc"), "discover", str(path), "-o",
                                   str(Path(tmp) / "out.csv"), "--all", "--quiet"], env)
        clusters = pd.read_csv(Path(tmp) / "out.clusters.csv")
        X = analyzer.embed(texts)
        from voc.discovery import ThemeDiscoverer

        t0 = time.perf_counter()
        model = ThemeDiscoverer(seed=0).fit(X)
        t_fit = time.perf_counter() - t0
    rows.append(row("discovery scale", f"voc discover --all, {n_rows:,} sentences, warm "
                    "embedding cache", f"{wall:.0f} s, peak RSS {rss:,.0f} MB "
                    f"({len(clusters)} clusters)", "< 180 s, < 4,000 MB",
                    "wall time and ru_maxrss of the CLI process: read, analyze (language, "
                    "sentences, cached embeddings, themes, sentiment), cluster, label, write; "
                    f"{n_rows:,} one-sentence comments drawn with replacement from the pool"))
    rows.append(row("discovery scale", f"ThemeDiscoverer.fit alone on {n_rows:,} embeddings",
                    f"{t_fit:.1f} s ({model.n_clusters_} clusters)", "",
                    "graph on a 10,000-sentence sample, Louvain, nearest-centroid "
                    "assignment of all rows"))
    return rows


def bench_discovery(skip_scale: bool = False) -> list[Any]:
    """Rows for benchmarks/run.py."""
    from benchmarks.run import Row

    rows = quality_rows(Row)
    if not skip_scale:
        rows += scale_rows(Row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    for r in bench_discovery(args.skip_scale):
        print(f"| {r.benchmark} | {r.metric} | {r.value} | {r.goal} | {r.how} |")


if __name__ == "__main__":
    main()
