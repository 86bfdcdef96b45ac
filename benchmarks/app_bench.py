"""App benchmark: how long a filter change takes to re-render with 100,000 comments loaded.

A 100,000-comment analysis of realistic shape is synthesised (no embedder: the tables the
analyzer would write — 22 themes of the default taxonomy with skewed prevalence, 0–5 themes
per comment, aspect sentiment, NPS scores that the themes move, 12 months of dates, 4
segments, 4 channels, 6 journey stages, 4 languages, 2% empty comments). Then every filter
change of a scripted session is timed end to end through exactly what the pages run:

* Dashboard: :func:`voc.dashboard.compute` (headline with interval, score distribution,
  theme × sentiment, journey × theme, drivers with 200 bootstrap resamples, trend data) and
  the six ``voc.plots`` figures, each serialised to JSON as ``st.plotly_chart`` does;
* Verbatims: :func:`voc.dashboard.doc_mask` with theme / sentiment / band / search filters,
  one page of :func:`voc.dashboard.verbatims` and its 20 :func:`voc.dashboard.verbatim_html`
  cards.

Streamlit's own overhead (a few tens of ms) is not included. The index is built once per
analysis (cached by the app) and reported separately.

Usage: ``python benchmarks/app_bench.py [--n 100000]`` (or ``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_MS = 1000.0
SEGMENTS = ["new", "returning", "vip", "business"]
CHANNELS = ["web", "app", "store", "phone"]
STAGES = ["discover", "purchase", "delivery", "use", "support", "returns"]
LANGUAGES = ["en", "ru", "pl", "zh"]


def synthesize(n: int = 100_000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame,
                                                         dict[str, str]]:
    """(documents, mentions, theme names) shaped like ``Analyzer.analyze`` output."""
    from voc.registry import resolve_model_dir
    from voc.taxonomy import Taxonomy

    taxonomy = Taxonomy.load(resolve_model_dir("default") / "taxonomy.yaml")
    names = taxonomy.names()
    themes = list(names)
    rng = np.random.default_rng(seed)
    k = len(themes)
    prevalence = np.sort(rng.dirichlet(np.full(k, 0.6)))[::-1]
    badness = rng.uniform(-1, 1, k)  # >0: mostly criticised
    sample = pd.read_csv(ROOT / "data" / "sample_feedback.csv", keep_default_na=False)
    pool = [t for t in sample["comment"].tolist() if len(t) > 3]
    n_themes = np.minimum(rng.poisson(1.3, n), 5)
    doc_themes: list[list[int]] = [
        sorted(rng.choice(k, size=m, replace=False, p=prevalence).tolist()) if m else []
        for m in n_themes]
    texts = [pool[i] for i in rng.integers(0, len(pool), n)]
    empty = rng.random(n) < 0.02
    latent = rng.normal(7.5, 2.0, n)
    theme_rows, ts_rows, sent_rows = [], [], []
    m_doc, m_theme, m_sent, m_start, m_end = [], [], [], [], []
    for i in range(n):
        if empty[i]:
            texts[i] = ""
            doc_themes[i] = []
        labels = []
        for t in doc_themes[i]:
            p_neg = 0.5 + 0.4 * badness[t]
            label = "negative" if rng.random() < p_neg else (
                "positive" if rng.random() < 0.8 else "neutral")
            labels.append(label)
            latent[i] += {"negative": -2.0 * (0.5 + badness[t]), "positive": 0.8,
                          "neutral": 0.0}[label]
            length = len(texts[i])
            start = int(rng.integers(0, max(1, length // 2)))
            m_doc.append(i)
            m_theme.append(themes[t])
            m_sent.append(label)
            m_start.append(start)
            m_end.append(min(length, start + max(1, length // 3)))
        theme_rows.append(";".join(themes[t] for t in doc_themes[i]))
        ts_rows.append(";".join(f"{themes[t]}:{lab}" for t, lab in zip(doc_themes[i], labels,
                                                                      strict=True)))
        sent = set(labels)
        sent_rows.append("" if empty[i] else "mixed" if {"positive", "negative"} <= sent
                         else "negative" if "negative" in sent else "positive"
                         if "positive" in sent else "neutral")
    score = np.clip(np.round(latent), 0, 10)
    score[rng.random(n) < 0.03] = np.nan
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    docs = pd.DataFrame({
        "doc_id": [f"R{i:06d}" for i in range(1, n + 1)],
        "text": texts,
        "score": score,
        "date": dates,
        "segment": rng.choice(SEGMENTS, n, p=[0.4, 0.35, 0.1, 0.15]),
        "channel": rng.choice(CHANNELS, n),
        "journey_stage": rng.choice(STAGES, n),
        "language": np.where(empty, "unknown", rng.choice(LANGUAGES, n)),
        "themes": theme_rows,
        "theme_sentiment": ts_rows,
        "sentiment": sent_rows,
        "sentiment_score": np.where(empty, np.nan, rng.uniform(-1, 1, n)).round(4),
        "n_sentences": np.where(empty, 0, rng.integers(1, 4, n)),
        "has_text": ~empty,
    })
    mentions = pd.DataFrame({
        "doc_id": docs["doc_id"].to_numpy()[m_doc], "sentence_id": 0, "clause_id": 0,
        "sentence": "", "evidence": "", "evidence_start": m_start, "evidence_end": m_end,
        "theme": m_theme, "theme_name": [names[t] for t in m_theme],
        "theme_proba": 0.9, "sentiment": m_sent, "sentiment_score": 0.0,
        "language": "en",
    })
    return docs, mentions, names


def filter_session(index: Any) -> list[tuple[str, Any, str]]:
    """(page, Filters, description) of a scripted session of filter changes."""
    from voc.dashboard import Filters

    months = index.months
    top = index.theme_ids[:3]
    return [
        ("dashboard", Filters(), "no filter"),
        ("dashboard", Filters(segments=("new",)), "segment"),
        ("dashboard", Filters(segments=("new", "vip")), "two segments"),
        ("dashboard", Filters(segments=("new", "vip"), channels=("app",)), "+ channel"),
        ("dashboard", Filters(channels=("app",)), "channel"),
        ("dashboard", Filters(languages=("ru",)), "language"),
        ("dashboard", Filters(languages=("ru", "pl"), channels=("web", "store")),
         "languages + channels"),
        ("dashboard", Filters(period=(months[0], months[2])), "first quarter"),
        ("dashboard", Filters(period=(months[5], months[5])), "one month"),
        ("dashboard", Filters(period=(months[3], months[8]), segments=("business",)),
         "period + segment"),
        ("dashboard", Filters(segments=("vip",), channels=("phone",), languages=("zh",),
                              period=(months[6], months[6])), "four filters (small slice)"),
        ("dashboard", Filters(), "filters cleared"),
        ("verbatims", Filters(themes=(top[0],)), "theme (a driver click)"),
        ("verbatims", Filters(themes=(top[0],), sentiments=("negative",)), "+ sentiment"),
        ("verbatims", Filters(themes=(top[0], top[1]), score_bands=("detractor",),
                              segments=("new",)), "themes + band + segment"),
        ("verbatims", Filters(search="delivery"), "free-text search"),
        ("verbatims", Filters(search="доставка", languages=("ru",)), "search + language"),
        ("verbatims", Filters(), "verbatims, no filter"),
    ]


def render_dashboard(index: Any, filters: Any) -> int:
    """What the dashboard page computes and draws for one set of filters; returns the
    number of figures."""
    from voc import dashboard, plots

    view = dashboard.compute(index, filters)
    figures = [plots.score_distribution(view.scores),
               plots.theme_sentiment_bars(view.themes, top=15),
               plots.journey_theme_heatmap(view.journey)]
    if not view.trend.empty:
        figures.append(plots.metric_trend(view.trend, metric=index.metric, period=view.period))
    if view.drivers is not None and not view.drivers.empty:
        figures += [plots.driver_quadrant(view.drivers),
                    plots.attribution_waterfall(view.drivers)]
    for fig in figures:
        fig.to_json()  # st.plotly_chart serialises each figure
    return len(figures)


def render_verbatims(index: Any, filters: Any) -> int:
    """What the verbatims page computes for one set of filters; returns the cards drawn."""
    from voc import dashboard

    mask = dashboard.doc_mask(index, filters)
    docs, mentions, _ = dashboard.verbatims(index, mask, page=1, per_page=20,
                                            order="negative")
    by_doc = dict(tuple(mentions.groupby("doc_id", sort=False))) if len(mentions) else {}
    for row in docs.itertuples(index=False):
        dashboard.verbatim_html(row.text, by_doc.get(row.doc_id, mentions.iloc[0:0]),
                                index.theme_names, highlight=filters.themes)
    return len(docs)


def run(n: int = 100_000, repeats: int = 2) -> dict[str, Any]:
    """Time every filter change of the session (``repeats`` passes; the app's cache is not
    used, so every pass recomputes everything)."""
    from voc import dashboard

    t0 = time.perf_counter()
    docs, mentions, names = synthesize(n)
    synth_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = dashboard.build_index(docs, mentions, names, "nps_0_10")
    index_s = time.perf_counter() - t0
    session = filter_session(index)
    # warm-up (imports, first plotly use), as a running app has done before any filter change
    render_dashboard(index, session[0][1])
    render_verbatims(index, session[-1][1])
    times: list[tuple[str, str, float]] = []
    for _ in range(repeats):
        for page, filters, what in session:
            start = time.perf_counter()
            if page == "dashboard":
                render_dashboard(index, filters)
            else:
                render_verbatims(index, filters)
            times.append((page, what, (time.perf_counter() - start) * 1000))
    ms = [t for _, _, t in times]
    worst = max(times, key=lambda item: item[2])
    return {
        "n": n, "n_mentions": len(mentions), "synth_s": synth_s, "index_s": index_s,
        "n_changes": len(times), "median_ms": statistics.median(ms), "max_ms": max(ms),
        "worst": f"{worst[0]}: {worst[1]}",
        "dashboard_median_ms": statistics.median(t for p, _, t in times if p == "dashboard"),
        "verbatims_median_ms": statistics.median(t for p, _, t in times if p == "verbatims"),
        "times": times,
    }


def bench_app() -> list[Any]:
    """Rows for benchmarks/run.py."""
    from benchmarks.run import Row

    res = run()
    how = (f"synthetic analysis of {res['n']:,} comments ({res['n_mentions']:,} theme "
           "mentions, 22 themes, 12 months, 4 segments × 4 channels × 4 languages); "
           f"{res['n_changes']} filter changes (segment, channel, language, period, theme, "
           "sentiment, band, search) timed through voc.dashboard + the voc.plots figures "
           "serialised to JSON; drivers with 200 bootstrap resamples; Streamlit overhead "
           "not included")
    return [
        Row("app", "filter change → re-render, 100k comments: max", f"{res['max_ms']:,.0f} ms "
            f"({res['worst']})", "< 1,000 ms", how),
        Row("app", "filter change → re-render, 100k comments: median",
            f"{res['median_ms']:,.0f} ms (dashboard {res['dashboard_median_ms']:,.0f}, "
            f"verbatims {res['verbatims_median_ms']:,.0f})", "", "same session"),
        Row("app", "dashboard index of a 100k analysis (once per analysis, cached)",
            f"{res['index_s']:.1f} s", "", "voc.dashboard.build_index: theme lists parsed, "
            "categories coded, identical comments grouped"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    res = run(args.n, args.repeats)
    for page, what, ms in res["times"]:
        print(f"{page:10s} {what:32s} {ms:8.1f} ms")
    print(f"index built in {res['index_s']:.2f} s (synthesis {res['synth_s']:.1f} s); "
          f"{res['n_changes']} changes: median {res['median_ms']:.0f} ms, max "
          f"{res['max_ms']:.0f} ms ({res['worst']}); goal < {GOAL_MS:.0f} ms")


if __name__ == "__main__":
    main()
