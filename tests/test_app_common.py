"""Shared set-up of the app tests (streamlit.testing.v1.AppTest), and the first-start test.

Every test gets its own workspace (``VOC_WORKSPACE`` in a temporary folder; trained models go
beside it) and a small bundled sample (40 rows of data/sample_feedback.csv), so a first start
analyzes 40 comments instead of 600. Streamlit's caches are per process: the model is loaded
once for all app tests.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SAMPLE = ROOT / "data" / "sample_feedback.csv"
TIMEOUT = 180
SMALL_ROWS = 40

UPLOAD = (
    "id,rating,feedback,plan,when\n"
    "a1,10,The courier was fast and friendly,basic,2026-05-02\n"
    "a2,2,Доставка опоздала на неделю и никто не ответил в поддержке,pro,2026-05-03\n"
    "a3,9,Świetna jakość i dobra cena,basic,2026-06-04\n"
    "a4,0,Refund still not processed after a month,pro,2026-06-05\n"
    "a5,7,,basic,2026-06-06\n"
    "a6,3,The app keeps logging me out and support never answers,pro,2026-06-07\n"
).encode()


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh workspace and a 40-row sample (:func:`small_sample`); returns the workspace
    file's path."""
    small = tmp_path / "sample_feedback.csv"
    small_sample().to_csv(small, index=False)
    workspace = tmp_path / "home" / "workspace.duckdb"
    # VOC_HOME stays the test session's: its embedding cache is shared by the app tests
    monkeypatch.setenv("VOC_WORKSPACE", str(workspace))
    monkeypatch.setenv("VOC_APP_SAMPLE", str(small))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    main = sys.modules["__main__"]
    yield workspace
    sys.modules["__main__"] = main  # the script runner installs app.py as __main__
    close_workspace(workspace)


def small_sample() -> pd.DataFrame:
    """Every 15th row of the bundled sample: 40 comments spread over its months."""
    full = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return full.iloc[:: len(full) // SMALL_ROWS].head(SMALL_ROWS).reset_index(drop=True)


def close_workspace(path: Path) -> None:
    """Close the app's cached connection to a workspace (as an app shutdown does)."""
    from app_pages import ui

    ws = ui._open_workspace(str(path))
    ws.close()
    ui._open_workspace.clear()
    st.cache_data.clear()


def start(page: str | None = None) -> AppTest:
    """Run the app (first start: the sample is added and analyzed), optionally go to a page."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert_clean(at)
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
        assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly charts by their element key (e.g. ``chart_drivers``)."""
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec.get("layout", {}).get("title", {}).get("text", "")
        out[title] = spec
    return out


def button(at: AppTest, label_start: str):  # type: ignore[no-untyped-def]
    """The first button whose label starts with ``label_start``."""
    return next(b for b in at.button if b.label.startswith(label_start))


@pytest.mark.slow
def test_first_start_adds_and_analyzes_the_sample(app_env: Path) -> None:
    at = start()
    assert at.title[0].value == "Dashboard"
    values = metrics(at)
    assert values["Comments"] == str(SMALL_ROWS)
    sample = small_sample()
    nps = pd.to_numeric(sample["nps"].replace("", None)).dropna()  # NPS over the answers given
    assert values["NPS"] == f"{100 * ((nps >= 9).mean() - (nps <= 6).mean()):+.0f}"
    titles = set(charts(at))
    assert {"Score distribution", "Themes by sentiment (top 15)"} <= titles
    assert any(t.startswith("Drivers of NPS") for t in titles)
    assert any(t.startswith("NPS: from the reference") for t in titles)
    assert any(t.startswith("Journey stage × theme") for t in titles)
    assert any(t.startswith("NPS by") for t in titles)
    # the sample and its analysis are in the workspace file
    from voc.store import Workspace

    close_workspace(app_env)
    with Workspace(app_env, read_only=True) as ws:
        (dataset,) = ws.datasets()
        assert dataset.is_sample and dataset.n_rows == SMALL_ROWS
        assert len(ws.analyses(dataset.dataset_id)) == 1


@pytest.mark.slow
def test_a_second_visit_does_not_analyze_again(app_env: Path) -> None:
    start()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()  # a browser refresh
    assert_clean(at)
    assert not at.info or "First start" not in at.info[0].value
    assert metrics(at)["Comments"] == str(SMALL_ROWS)
