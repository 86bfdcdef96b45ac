"""App tests of the Data page: upload, column mapping, data checks, analyze, datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_app_common as common
from test_app_common import UPLOAD, assert_clean, charts, close_workspace, metrics, start

from voc.store import Workspace

app_env = common.app_env  # the fixture (a fresh workspace and a small sample)

pytestmark = pytest.mark.slow


def _upload(at, name: str, data: bytes):  # type: ignore[no-untyped-def]
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    return at


def test_upload_map_check_and_analyze(app_env: Path) -> None:
    at = start("data")
    _upload(at, "mine.csv", UPLOAD)
    assert_clean(at)
    # the upload is the current dataset; voc's guesses are pre-filled and editable
    assert at.subheader[1].value == "mine.csv"
    assert at.selectbox(key=next(k for k in _keys(at) if k.endswith("_text"))).value == \
        "feedback"
    score = at.selectbox(key=next(k for k in _keys(at) if k.endswith("_score")))
    assert score.value == "rating"
    segment = at.selectbox(key=next(k for k in _keys(at) if k.endswith("_segment")))
    assert segment.value == "plan"
    # the data checks list every problem with its row: one empty comment (row 6)
    assert "6 rows read" in at.warning[0].value
    assert table(at, "severity")["rows"].tolist() == ["row 6"]
    # change a mapping: the plan column is not a segment; saved in the workspace at once
    segment.set_value("— none —").run()
    assert_clean(at)
    at.button(key="analyze").click().run()
    assert_clean(at)
    assert at.title[0].value == "Dashboard"
    assert metrics(at)["Comments"] == "6"
    assert metrics(at)["NPS"] == "-17"  # 2 promoters (10, 9), 3 detractors (2, 0, 3) of 6
    assert any(t.startswith("Drivers of NPS") for t in charts(at))
    assert "Segment" not in [m.label for m in at.sidebar.multiselect]
    close_workspace(app_env)
    with Workspace(app_env, read_only=True) as ws:
        mine = next(d for d in ws.datasets() if d.filename == "mine.csv")
        assert mine.mapping["segment"] is None and mine.mapping["text"] == "feedback"
        (analysis,) = ws.analyses(mine.dataset_id)
        assert analysis.mapping["segment"] is None


def table(at, column: str):  # type: ignore[no-untyped-def]
    """The first dataframe shown with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _keys(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.key for s in at.selectbox if s.key and s.key.startswith("map_")]


def test_validation_errors_block_the_analysis(app_env: Path) -> None:
    at = start("data")
    bad = b"id,nps,comment\n1,11,too high\n2,5,fine\n3,abc,not a score\n4,12,x\n"
    _upload(at, "bad.csv", bad)
    assert not at.exception
    assert at.error and "can't be analyzed yet: 2 problem(s)" in at.error[0].value
    problems = table(at, "severity")
    assert problems[["kind", "rows"]].values.tolist() == [
        ["score_not_numeric", "row 4"], ["score_out_of_range", "rows 2, 5"]]
    assert at.button(key="analyze").disabled


def test_unreadable_upload_is_explained(app_env: Path) -> None:
    at = start("data")
    _upload(at, "empty.csv", b"")
    assert not at.exception
    assert at.error and "Could not read empty.csv" in at.error[0].value
    assert "How to fix" in at.error[0].value
    assert len(table(at, "Dataset")) == 1  # the datasets table still lists only the sample


def test_several_datasets_side_by_side_and_the_sample_button(app_env: Path) -> None:
    at = start("data")
    _upload(at, "mine.csv", UPLOAD)
    datasets = table(at, "Dataset")
    assert datasets["Dataset"].tolist() == ["sample_feedback.csv (sample)", "mine.csv"]
    assert datasets["current"].tolist() == [False, True]
    assert datasets["Value"].tolist()[0].startswith(("+", "-"))  # the sample's NPS
    assert datasets["Analyzed with"].tolist()[1] == "not analyzed"
    # switch back with the sidebar picker, then with "Try the sample"
    picker = at.sidebar.selectbox(key="dataset_picker")
    assert len(picker.options) == 2
    at.button(key="try_sample").click().run()
    assert_clean(at)
    assert table(at, "Dataset")["current"].tolist() == [True, False]
    at.switch_page("app_pages/dashboard.py").run()
    assert metrics(at)["Comments"] == "40"
