"""Tests for voc.export: spreadsheet-safe CSV/XLSX bytes and chart HTML/PNG."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from voc import export

NASTY = pd.DataFrame({
    "doc_id": ["1", "2", "3"],
    "text": ["=HYPERLINK(\"http://evil\",\"click\")", "+1 great", "Доставка опоздала, но ок"],
    "score": [9.0, 2.0, None],
    "note": ["@SUM(A1)", "-cmd|' /C calc'!A0", "plain"],
})


def test_csv_is_utf8_and_formula_safe() -> None:
    data = export.table_bytes(NASTY, "csv")
    text = data.decode("utf-8")
    back = pd.read_csv(io.BytesIO(data), dtype=str)
    assert back["text"].tolist()[:2] == ["'=HYPERLINK(\"http://evil\",\"click\")", "'+1 great"]
    assert back["note"].tolist() == ["'@SUM(A1)", "'-cmd|' /C calc'!A0", "plain"]
    assert "Доставка опоздала, но ок" in text
    assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())


def test_xlsx_cells_are_text_never_formulas() -> None:
    data = export.table_bytes(NASTY, "XLSX")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("doc_id", "text", "score", "note")
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\",\"click\")"
    assert rows[1][2] == 9
    types = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row}
    assert "f" not in types  # no formula cell


def test_unknown_table_format_is_explained() -> None:
    with pytest.raises(export.ExportError, match="csv or xlsx"):
        export.table_bytes(NASTY, "pdf")


def test_figure_html_is_self_contained() -> None:
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    page = export.figure_html(fig, title="Drivers <NPS>").decode("utf-8")
    assert "<html>" in page[:40] and "<title>Drivers &lt;NPS&gt;</title>" in page
    assert "<script src=\"http" not in page and "Plotly.newPlot" in page
    assert len(page) > 1_000_000  # plotly.js is inlined: the page opens offline


def test_png_without_browser_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "")
    monkeypatch.setattr(export.shutil, "which", lambda name: None)
    assert export.browser_path() is None
    with pytest.raises(export.ExportError, match="camera button"):
        export.figure_png(go.Figure())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Chromium is not installed (apt-get install chromium); "
                           ".ci/run installs it")
def test_png_is_rendered_by_kaleido() -> None:
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(height=300)
    png = export.figure_png(fig, width=400, scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert (width, height) == (400, 300)
