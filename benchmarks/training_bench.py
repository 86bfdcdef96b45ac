"""Benchmarks of retraining on labeled samples (``voc.training``).

``bench_training()`` returns :class:`benchmarks.run.Row` objects for:

* SemEval-2014 restaurants train -> test: category micro/macro-F1, category-polarity accuracy
  (3-way, gold categories given, "conflict" excluded) and macro-F1, training time on the 3,041
  training sentences (default encoder, warm embedding cache);
* SemEval-2016 Russian restaurants train -> dev: the same figures;
* a learning curve on SemEval-2014 (8/16/32/64 labeled sentences per theme, and all);
* every encoder option side by side (accuracy, training time, embedding time);
* a plain baseline on every set: one-vs-rest logistic regression (scikit-learn defaults) on
  the default USE embeddings of the same labeled sentences, threshold 0.5; for polarity a
  multinomial logistic regression on the same embeddings;
* ``voc suggest`` against random choice for the same label budget.

Research-only data is read from ``../shared/data`` and never copied; figures are skipped with
a message when it is absent. Run alone: ``python benchmarks/training_bench.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import datasets as ds  # noqa: E402

PER_THEME = (8, 16, 32, 64)
SEEDS = (0, 1, 2)
ENCODERS = ("use-multilingual-v3", "minilm-l6-v2-en", "tfidf-v1", "e5-small-multilingual",
            "use-multilingual-v3+minilm-l6-v2-en",
            "use-multilingual-v3+minilm-l6-v2-en+e5-small-multilingual")


# ----------------------------------------------------------------------------- data
def _labels_s14(df: pd.DataFrame) -> pd.DataFrame:
    """SemEval-2014 rows -> voc's labeled-sample format (conflict -> mixed)."""
    themes = [";".join(f"{c}:{'mixed' if p == 'conflict' else p}" for c, p in cats.items())
              for cats in df["categories"]]
    return pd.DataFrame({"text": df["text"].tolist(), "themes": themes})


def _labels_ru(df: pd.DataFrame) -> pd.DataFrame:
    """SemEval-2016 ru rows ({category: {polarities}}) -> labeled samples (several -> mixed)."""
    themes = [";".join(f"{c}:{next(iter(p)) if len(p) == 1 else 'mixed'}"
                       for c, p in cats.items()) for cats in df["categories"]]
    return pd.DataFrame({"text": df["text"].tolist(), "themes": themes})


def _per_theme_sample(labels: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Up to ``n`` sentences per theme (a sentence counts for each of its themes), plus a
    proportional share of sentences without a theme."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    themes = [[t.split(":")[0] for t in str(v).split(";") if t] for v in labels["themes"]]
    counts: dict[str, int] = {}
    picked: list[int] = []
    none_budget = n
    for i in order:
        row = themes[i]
        if not row:
            if none_budget > 0:
                picked.append(int(i))
                none_budget -= 1
            continue
        if any(counts.get(t, 0) < n for t in row):
            picked.append(int(i))
            for t in row:
                counts[t] = counts.get(t, 0) + 1
    return labels.iloc[sorted(picked)].reset_index(drop=True)


# ----------------------------------------------------------------------------- baselines
def _gold_matrix(labels: pd.DataFrame, classes: list[str]) -> np.ndarray:
    rows = [{t.split(":")[0] for t in str(v).split(";") if t} for v in labels["themes"]]
    return np.array([[c in r for c in classes] for r in rows], dtype=bool)


def _polarity_pairs(labels: pd.DataFrame) -> tuple[list[str], list[str]]:
    texts, pols = [], []
    for text, value in zip(labels["text"], labels["themes"], strict=True):
        for token in str(value).split(";"):
            theme, _, pol = token.rpartition(":")
            if theme and pol in ("positive", "negative", "neutral"):
                texts.append(text)
                pols.append(pol)
    return texts, pols


def _micro_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = int((pred & gold).sum())
    return 2 * tp / max(1, int(pred.sum() + gold.sum()))


def plain_lr(embed: Callable[[list[str]], np.ndarray], train: pd.DataFrame,
             test: pd.DataFrame) -> tuple[float, float]:
    """(themes micro-F1, polarity accuracy) of plain logistic regressions on embeddings."""
    from sklearn.linear_model import LogisticRegression

    classes = sorted({t.split(":")[0] for v in train["themes"] for t in str(v).split(";")
                      if t})
    Y = _gold_matrix(train, classes)
    G = _gold_matrix(test, classes)
    X, XT = embed(train["text"].tolist()), embed(test["text"].tolist())
    pred = np.zeros_like(G)
    for j in range(len(classes)):
        if 0 < Y[:, j].sum() < len(Y):
            pred[:, j] = LogisticRegression(max_iter=2000).fit(X, Y[:, j]).predict(XT) == 1
    p_texts, p_labels = _polarity_pairs(train)
    t_texts, t_labels = _polarity_pairs(test)
    acc = float("nan")
    if len(set(p_labels)) > 1 and t_labels:
        model = LogisticRegression(max_iter=2000).fit(embed(p_texts), p_labels)
        acc = float(np.mean(model.predict(embed(t_texts)) == np.asarray(t_labels)))
    return _micro_f1(pred, G), acc


# ----------------------------------------------------------------------------- voc
def _train_eval(base: Any, train: pd.DataFrame, test: pd.DataFrame,
                **options: Any) -> tuple[Any, dict[str, Any], float]:
    from voc.training import evaluate

    t0 = time.perf_counter()
    model = base.retrain(train, **options)
    seconds = time.perf_counter() - t0
    report = evaluate(model, test)
    return model, report.summary, seconds


def _warm(base: Any, labels: pd.DataFrame, embedder: str | None = None) -> float:
    """Embed the texts and the clauses the training uses (fills the cache); seconds."""
    from voc.embeddings import CachedEmbedder, get_embedder
    from voc.training import _prepare_units

    t0 = time.perf_counter()
    units = _prepare_units(labels["text"].tolist(), base)
    emb = base.embedder if embedder in (None, base.embedder_name) else CachedEmbedder(
        get_embedder(embedder), base.embedder.cache)
    emb.embed(units.texts + units.unit_texts)
    return time.perf_counter() - t0


def _fmt(summary: dict[str, Any]) -> str:
    return (f"themes micro-F1 {summary['micro_f1']:.3f} (macro {summary['macro_f1']:.3f}); "
            f"polarity acc {summary['aspect_accuracy']:.3f} "
            f"(macro-F1 {summary['aspect_macro_f1']:.3f}, n={summary['n_aspects']:,})")


PARTS = ("s14", "ru", "curve", "encoders", "suggest", "other")


_ASAP_POLARITY = {1: "positive", 0: "neutral", -1: "negative"}


def _labels_asap(df: pd.DataFrame) -> pd.DataFrame:
    """ASAP rows (one column per aspect: 1/0/-1, -2 = not mentioned) -> labeled samples."""
    aspects = [c for c in df.columns if c not in ("index", "text", "star")]
    themes = [";".join(f"{a}:{_ASAP_POLARITY[int(row[a])]}" for a in aspects
                       if int(row[a]) in _ASAP_POLARITY) for _, row in df.iterrows()]
    return pd.DataFrame({"text": df["text"].tolist(), "themes": themes})


def _single_only(labels: pd.DataFrame) -> pd.DataFrame:
    """The labeled rows with exactly one theme: a single-label codeframe."""
    keep = [len([t for t in str(v).split(";") if t]) == 1 for v in labels["themes"]]
    return labels[keep].reset_index(drop=True)


def plain_lr_single(embed: Callable[[list[str]], np.ndarray], train: pd.DataFrame,
                    test: pd.DataFrame) -> float:
    """Accuracy of a multinomial logistic regression (scikit-learn defaults) on embeddings,
    for single-label data."""
    from sklearn.linear_model import LogisticRegression

    y = [str(v).split(";")[0].rpartition(":")[0] or str(v) for v in train["themes"]]
    g = [str(v).split(";")[0].rpartition(":")[0] or str(v) for v in test["themes"]]
    model = LogisticRegression(max_iter=2000).fit(embed(train["text"].tolist()), y)
    return float(np.mean(model.predict(embed(test["text"].tolist())) == np.asarray(g)))


def _bench_other(base: Any, embed: Callable[[list[str]], np.ndarray]) -> list[Any]:
    """Other codeframes against the plain logistic regression: ASAP (zh, long reviews, 18
    aspect categories with polarity; 5-fold CV) and single-label codeframes built from the
    single-category sentences of SemEval-2014 (en, 5 themes) and SemEval-2016 (ru, 12)."""
    from sklearn.model_selection import KFold

    from benchmarks.run import Row

    rows: list[Row] = []
    try:
        asap = _labels_asap(ds.asap_sample())
    except ds.DatasetMissing as exc:
        print(f"  skipped ASAP: {exc}")
    else:
        _warm(base, asap)
        voc_f1, voc_acc, lr_f1, lr_acc = [], [], [], []
        for train_i, test_i in KFold(5, shuffle=True, random_state=0).split(asap):
            train, test = asap.iloc[train_i], asap.iloc[test_i]
            _, summary, _ = _train_eval(base, train, test)
            voc_f1.append(summary["micro_f1"])
            voc_acc.append(summary["aspect_accuracy"])
            f1, acc = plain_lr(embed, train, test)
            lr_f1.append(f1)
            lr_acc.append(acc)
        rows.append(Row(
            "training", "ASAP restaurants (zh, 300 reviews, 18 themes), 5-fold CV",
            f"voc micro-F1 {np.mean(voc_f1):.3f}, polarity acc {np.mean(voc_acc):.3f}; "
            f"plain LR micro-F1 {np.mean(lr_f1):.3f}, polarity acc {np.mean(lr_acc):.3f}",
            "voc above LR", "multi-label with polarity, long reviews (mean 336 characters); "
            "mean over folds; plain LR as in the rows above"))
    for name, load in (("SemEval-2014 (en) single-category sentences, train -> test",
                        lambda: (_labels_s14(ds.semeval14_restaurants("train")),
                                 _labels_s14(ds.semeval14_restaurants("test")))),
                       ("SemEval-2016 (ru) single-category sentences, train -> dev",
                        lambda: (_labels_ru(ds.semeval16_ru("train")),
                                 _labels_ru(ds.semeval16_ru("dev"))))):
        try:
            train, test = (_single_only(x) for x in load())
        except ds.DatasetMissing as exc:
            print(f"  skipped {name}: {exc}")
            continue
        model, summary, seconds = _train_eval(base, train, test)
        lr_acc = plain_lr_single(embed, train, test)
        k = len({str(v).split(";")[0].rpartition(":")[0] for v in train["themes"]})
        rows.append(Row(
            "training", f"{name}: single-label codeframe ({k} themes)",
            f"voc accuracy {summary['micro_recall']:.3f} ({model.info['training']['mode']}"
            f"-label); plain LR accuracy {lr_acc:.3f}", "voc above LR",
            f"{len(train):,} training / {len(test):,} test sentences with exactly one "
            "category; voc's accuracy = share of test sentences whose one predicted theme is "
            "the gold one; plain LR: multinomial logistic regression on USE embeddings"))
    return rows


def bench_training(parts: tuple[str, ...] = PARTS) -> list[Any]:
    """The training benchmarks named in ``parts`` (default all, see the module docstring);
    sets that are absent are skipped with a message."""
    from benchmarks.run import Row
    from voc.pipeline import Analyzer

    rows: list[Row] = []
    base = Analyzer.load("default")
    embed = base.embed
    if {"s14", "curve", "encoders", "suggest"} & set(parts):
        try:
            s14_train = _labels_s14(ds.semeval14_restaurants("train"))
            s14_test = _labels_s14(ds.semeval14_restaurants("test"))
        except ds.DatasetMissing as exc:
            print(f"  skipped SemEval-2014 training benchmarks: {exc}")
        else:
            if "s14" in parts:
                rows += _bench_set(base, embed, "SemEval-2014 restaurants (en), train -> test",
                                   s14_train, s14_test, goal_f1="≥ 0.90", goal_acc="≥ 0.85")
            if "curve" in parts:
                rows += _bench_curve(base, embed, s14_train, s14_test)
            if "encoders" in parts:
                rows += _bench_encoders(base, s14_train, s14_test)
            if "suggest" in parts:
                rows += _bench_suggest(base, s14_train, s14_test)
    if "other" in parts:
        rows += _bench_other(base, embed)
    if "ru" in parts:
        try:
            ru_train = _labels_ru(ds.semeval16_ru("train"))
            ru_dev = _labels_ru(ds.semeval16_ru("dev"))
        except ds.DatasetMissing as exc:
            print(f"  skipped SemEval-2016 ru training benchmarks: {exc}")
        else:
            rows += _bench_set(base, embed, "SemEval-2016 restaurants (ru), train -> dev",
                               ru_train, ru_dev, goal_f1="> 0.648", goal_acc="> 0.779")
    return rows


def _bench_set(base: Any, embed: Callable[[list[str]], np.ndarray], name: str,
               train: pd.DataFrame, test: pd.DataFrame, *, goal_f1: str,
               goal_acc: str) -> list[Any]:
    from benchmarks.run import Row

    cold = _warm(base, pd.concat([train, test], ignore_index=True))
    model, summary, seconds = _train_eval(base, train, test)
    lr_f1, lr_acc = plain_lr(embed, train, test)
    mode = model.info["training"]["mode"]
    source = model.info["training"]["sentiment"]["source"]
    how = (f"voc train defaults ({mode}-label, C {model.theme_head.C} and thresholds by 5-fold "
           f"CV on the training data; sentiment head: {source}); sentence-level categories; "
           "polarity of each gold category with a positive/negative/neutral gold label "
           "(conflict excluded)")
    return [
        Row("training", f"{name}: category micro-F1", f"{summary['micro_f1']:.3f} (macro "
            f"{summary['macro_f1']:.3f}; P {summary['micro_precision']:.2f}, R "
            f"{summary['micro_recall']:.2f})", goal_f1, how),
        Row("training", f"{name}: category-polarity accuracy, 3-way",
            f"{summary['aspect_accuracy']:.3f} (macro-F1 {summary['aspect_macro_f1']:.3f}, "
            f"n={summary['n_aspects']:,})", goal_acc, how),
        Row("training", f"{name}: plain LR on USE embeddings",
            f"micro-F1 {lr_f1:.3f}; polarity acc {lr_acc:.3f}",
            "voc above it", "scikit-learn LogisticRegression defaults, one-vs-rest, threshold "
            "0.5, on the same labeled sentences' default embeddings"),
        Row("training", f"{name}: training time ({len(train):,} sentences)",
            f"{seconds:.1f} s (embedding them cold: {cold:.0f} s)", "< 60 s",
            "retrain() wall time with a warm embedding cache, 2 shared cores"),
    ]


def _bench_curve(base: Any, embed: Callable[[list[str]], np.ndarray], train: pd.DataFrame,
                 test: pd.DataFrame) -> list[Any]:
    from benchmarks.run import Row

    parts = []
    for n in (*PER_THEME, None):
        f1s, lr = [], []
        for seed in SEEDS if n is not None else (0,):
            sample = train if n is None else _per_theme_sample(train, n, seed)
            _, summary, _ = _train_eval(base, sample, test)
            f1s.append(summary["micro_f1"])
            lr.append(plain_lr(embed, sample, test)[0])
        label = "all" if n is None else f"{n}/theme"
        parts.append(f"{label}: {np.mean(f1s):.3f} (LR {np.mean(lr):.3f})")
    return [Row("training", "SemEval-2014 learning curve, category micro-F1 on test",
                "; ".join(parts), "≥ 0.75 at 16/theme; above LR",
                f"labeled sentences sampled per theme (mean of {len(SEEDS)} seeds), voc "
                "train defaults vs plain LR on USE embeddings")]


def _bench_encoders(base: Any, train: pd.DataFrame, test: pd.DataFrame) -> list[Any]:
    from benchmarks.run import Row

    parts = []
    for name in ENCODERS:
        try:
            cold = _warm(base, pd.concat([train, test], ignore_index=True), name)
            _, summary, seconds = _train_eval(base, train, test, embedder=name,
                                              sentiment="retrain")
        except Exception as exc:  # an optional backend may be missing
            parts.append(f"{name}: not run ({type(exc).__name__}: {exc})")
            continue
        parts.append(f"{name}: micro-F1 {summary['micro_f1']:.3f}, polarity acc "
                     f"{summary['aspect_accuracy']:.3f}, train {seconds:.0f} s, embed "
                     f"{cold:.0f} s cold")
    return [Row("training", "SemEval-2014 train -> test, each encoder", "; ".join(parts), "",
                "voc train --embedder NAME (sentiment head refitted: another embedder cannot "
                "reuse the default head); embed = clauses and sentences of train+test, cold "
                "cache")]


def _bench_suggest(base: Any, train: pd.DataFrame, test: pd.DataFrame,
                   start: int = 8, rounds: int = 2, per_round: int = 50) -> list[Any]:
    from benchmarks.run import Row
    from voc.training import suggest

    active, random = [], []
    for seed in SEEDS:
        seed_set = _per_theme_sample(train, start, seed)
        pool = train[~train["text"].isin(set(seed_set["text"]))].reset_index(drop=True)
        # active: rounds of `per_round` suggestions from the model trained so far
        labeled = seed_set
        for _ in range(rounds):
            model = base.retrain(labeled)
            left = pool[~pool["text"].isin(set(labeled["text"]))].reset_index(drop=True)
            ranked = suggest(model, left["text"].tolist(), n=per_round,
                             labeled_texts=labeled["text"].tolist())
            labeled = pd.concat([labeled, left.iloc[ranked["row"].tolist()]],
                                ignore_index=True)
        active.append(_train_eval(base, labeled, test)[1]["micro_f1"])
        rng = np.random.default_rng(seed)
        extra = pool.iloc[rng.choice(len(pool), size=rounds * per_round, replace=False)]
        random.append(_train_eval(base, pd.concat([seed_set, extra], ignore_index=True),
                                  test)[1]["micro_f1"])
    per_seed = ", ".join(f"{a:.3f}/{r:.3f}" for a, r in zip(active, random, strict=True))
    return [Row("training", "voc suggest vs random, SemEval-2014 category micro-F1 on test",
                f"suggest {np.mean(active):.3f} vs random {np.mean(random):.3f} "
                f"(per seed: {per_seed})",
                "suggest > random",
                f"start: {start} sentences per theme; + {rounds} x {per_round} sentences "
                f"chosen by voc suggest (model retrained between rounds) vs "
                f"{rounds * per_round} random ones; mean of {len(SEEDS)} seeds")]


if __name__ == "__main__":
    import os
    import tempfile

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("VOC_HOME", tempfile.mkdtemp(prefix="voc-bench-"))
    chosen = tuple(sys.argv[1:]) or PARTS  # e.g. `python benchmarks/training_bench.py s14 ru`
    for row in bench_training(chosen):
        print(f"| {row.benchmark} | {row.metric} | {row.value} | {row.goal} | {row.how} |")
