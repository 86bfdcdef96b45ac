"""Tests for the Streamlit app (app.py) with streamlit's AppTest.

The first run analyzes the bundled 600-row sample with the real model (~15-20 s); Streamlit's
caches are per process, so later runs and tests reuse the model and that result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SAMPLE = ROOT / "data" / "sample_feedback.csv"
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _offline_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "voc_home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    # the embedding cache is exercised elsewhere; here it would only add sqlite writes
    monkeypatch.setenv("VOC_EMBEDDING_CACHE", "0")
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main  # the script runner installs app.py as __main__


def _run_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    _assert_clean(at)
    return at


def _assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


@pytest.mark.slow
def test_sample_page_shows_metrics_charts_and_table() -> None:
    at = _run_app()
    assert at.title[0].value == "voc — Voice of Customer"
    sample = pd.read_csv(SAMPLE, dtype=str)
    metrics = _metrics(at)
    assert metrics["Comments"] == f"{len(sample):,}" == "600"
    assert metrics["Languages"] == "4"
    assert 0 < int(metrics["With text"]) <= 600
    assert metrics["Negative"].endswith("%")
    # NPS from the 0-10 'nps' column, in points
    nps = pd.to_numeric(sample["nps"], errors="coerce").dropna()
    expected = 100 * ((nps >= 9).mean() - (nps <= 6).mean())
    assert metrics["NPS"] == f"{expected:+.0f}"

    charts = _charts(at)
    assert len(charts) == 2
    theme_chart, sentiment_chart = charts
    names = [t["name"] for t in theme_chart["data"]]
    assert names == ["Negative", "Neutral", "Mixed", "Positive"]
    assert len(theme_chart["data"][0]["y"]) >= 5  # several themes found in the sample
    assert sum(sentiment_chart["data"][0]["y"]) == int(metrics["With text"])

    table = _table(at)
    assert len(table) == 600
    assert list(table.columns) == ["doc_id", "language", "text", "score", "themes",
                                   "theme_sentiment", "sentiment", "sentiment_score"]
    assert table["sentiment_score"].dropna().between(-1, 1).all()
    assert len(at.dataframe) == 2  # comments + evidence (mentions)
    assert {"evidence", "theme_name"} <= set(at.dataframe[1].value.columns)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download 600 comments (CSV)", labels[1]]
    assert labels[1].startswith("Download ") and labels[1].endswith("evidence rows (CSV)")


@pytest.mark.slow
def test_sidebar_filters_shrink_the_tables() -> None:
    at = _run_app()
    n_mentions = len(at.dataframe[1].value)

    at.sidebar.multiselect(key="filter_language").set_value(["ru"]).run()
    _assert_clean(at)
    ru = _table(at)
    assert 0 < len(ru) < 600
    assert set(ru["language"]) == {"ru"}
    assert 0 < len(at.dataframe[1].value) < n_mentions
    assert _metrics(at)["Comments"] == "600"  # metrics describe the whole file

    at.sidebar.multiselect(key="filter_sentiment").set_value(["negative"]).run()
    _assert_clean(at)
    ru_negative = _table(at)
    assert 0 < len(ru_negative) < len(ru)
    assert set(ru_negative["sentiment"]) == {"negative"}

    at.sidebar.multiselect(key="filter_language").set_value([]).run()
    at.sidebar.multiselect(key="filter_sentiment").set_value([]).run()
    all_rows = _table(at)
    theme_id = next(t for t in all_rows["themes"] if t).split(";")[0]
    theme = at.sidebar.multiselect(key="filter_theme")
    assert theme_id not in theme.options  # options are shown by display name
    theme.select(theme_id).run()
    _assert_clean(at)
    assert at.sidebar.multiselect(key="filter_theme").value == [theme_id]
    with_theme = _table(at)
    assert 0 < len(with_theme) < 600
    assert with_theme["themes"].str.split(";").map(lambda ts: theme_id in ts).all()


@pytest.mark.slow
def test_uploaded_file_is_analyzed_instead_of_the_sample() -> None:
    at = _run_app()
    upload = (
        "id,rating,feedback\n"
        "a1,10,The courier was fast and friendly\n"
        "a2,2,Доставка опоздала на неделю и никто не ответил в поддержке\n"
        "a3,9,Świetna jakość i dobra cena\n"
        "a4,0,Refund still not processed after a month\n"
        "a5,7,\n"
    ).encode()
    at.sidebar.file_uploader(key="upload").set_value(("mine.csv", upload, "text/csv")).run()
    _assert_clean(at)
    assert _metrics(at)["Comments"] == "5"
    assert _metrics(at)["With text"] == "4"
    assert _metrics(at)["NPS"] == "+0"  # 2 promoters, 2 detractors of 5 scores
    table = _table(at)
    assert table["doc_id"].tolist() == ["a1", "a2", "a3", "a4", "a5"]
    assert table["score"].tolist()[:4] == [10, 2, 9, 0]
    assert any("mine.csv" in c.value for c in at.caption)


@pytest.mark.slow
def test_bad_uploads_are_explained_not_raised() -> None:
    at = _run_app()
    uploader = at.sidebar.file_uploader(key="upload")

    uploader.set_value(("empty.csv", b"", "text/csv")).run()
    assert not at.exception
    assert at.error and "Could not read empty.csv" in at.error[0].value
    assert "How to fix" in at.error[0].value
    assert not at.dataframe and not at.metric

    numbers_only = b"a,b\n1,2\n3,4\n5,6\n"
    at.sidebar.file_uploader(key="upload").set_value(("n.csv", numbers_only, "text/csv")).run()
    assert not at.exception
    assert at.error and "can't be analyzed yet" in at.error[0].value
    assert at.selectbox[0].label == "Comment column" and at.selectbox[0].value is None
    assert not at.dataframe
