"""App tests of the Export page: the files behind the download buttons."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import test_app_common as common
from streamlit.runtime.media_file_manager import MediaFileManager
from test_app_common import assert_clean, small_sample, start

app_env = common.app_env  # the fixture (a fresh workspace and a small sample)

pytestmark = pytest.mark.slow


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """file name -> the callable a download button runs when clicked (as the browser would)."""
    seen: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def spy(self: MediaFileManager, data_callable: Callable[[], Any], mimetype: str | None,
            coordinates: str, file_name: str | None = None, **kwargs: Any) -> str:
        seen[str(file_name)] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return seen


def test_tables_and_charts_download(app_env: Path, downloads: dict[str, Callable[[], Any]]
                                    ) -> None:
    at = start()
    sample = small_sample()
    segment = sample["segment"].value_counts().index[0]
    at.sidebar.multiselect(key="f_segment").set_value([segment]).run()
    at.switch_page("app_pages/export.py").run()
    assert_clean(at)
    n = int((sample["segment"] == segment).sum())
    assert any(f"{n:,} of 40 comments" in c.value for c in at.caption)
    names = set(downloads)
    stem = "sample_feedback"
    assert {f"{stem}_{t}.{f}" for t in ("documents", "mentions", "drivers")
            for f in ("csv", "xlsx")} <= names
    docs = pd.read_csv(io.BytesIO(downloads[f"{stem}_documents.csv"]()), dtype=str)
    assert len(docs) == n and set(docs["segment"]) == {segment}
    assert {"doc_id", "text", "themes", "theme_sentiment", "sentiment"} <= set(docs.columns)
    book = openpyxl.load_workbook(io.BytesIO(downloads[f"{stem}_mentions.xlsx"]()))
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert {"doc_id", "evidence", "theme", "sentiment"} <= set(header)
    drivers = pd.read_csv(io.BytesIO(downloads[f"{stem}_drivers.csv"]()))
    assert {"theme", "impact", "impact_ci_low", "impact_ci_high", "attribution"} <= set(
        drivers.columns)
    assert drivers["n_total"].max() <= n
    html = downloads[f"{stem}_themes_by_sentiment.html"]()
    assert b"Plotly.newPlot" in html
    # every comment, not only the filtered ones
    downloads.clear()
    at.toggle(key="export_filtered").set_value(False).run()
    docs = pd.read_csv(io.BytesIO(downloads[f"{stem}_documents.csv"]()), dtype=str)
    assert len(docs) == 40


def test_formula_cells_are_neutralised_in_downloads(
        app_env: Path, downloads: dict[str, Callable[[], Any]]) -> None:
    at = start("data")
    evil = (b"id,nps,comment\n"
            b"1,2,\"=HYPERLINK(\"\"http://x\"\",\"\"win\"\")\"\n"
            b"2,9,@SUM(1+1) great service\n"
            b"3,5,+delivery was late\n")
    at.file_uploader(key="upload").set_value(("evil.csv", evil, "text/csv")).run()
    at.button(key="analyze").click().run()
    at.switch_page("app_pages/export.py").run()
    assert_clean(at)
    text = downloads["evil_documents.csv"]().decode("utf-8")
    assert "'=HYPERLINK" in text and "'@SUM" in text and "'+delivery" in text
    sheet = openpyxl.load_workbook(io.BytesIO(downloads["evil_documents.xlsx"]())).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
