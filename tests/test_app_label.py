"""App tests of Label & retrain: label, add a theme, retrain, compare, activate, roll back;
labels survive a browser refresh, an app restart and a failed retrain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import test_app_common as common
from streamlit.testing.v1 import AppTest
from test_app_common import ROOT, assert_clean, close_workspace, metrics, start

from voc.store import DEFAULT_MODEL, Workspace

app_env = common.app_env  # the fixture (a fresh workspace and a small sample)

pytestmark = pytest.mark.slow


def _labels_in_another_process(path: Path) -> int:
    """Count the labels by opening the workspace file in a fresh Python (an app restart)."""
    code = ("import sys; from voc.store import Workspace; "
            "ws = Workspace(sys.argv[1], read_only=True); print(len(ws.labels())); ws.close()")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    return int(out.stdout.strip())


def test_label_add_theme_retrain_activate_and_roll_back(app_env: Path) -> None:
    at = start("label")
    assert at.title[0].value == "Label & retrain"
    assert at.radio(key="lab_mode").value == "suggested"
    shown = next(d.value for d in at.dataframe if "themes" in d.value.columns)
    assert len(shown) == 20 and shown["doc_id"].is_unique
    # a new theme of the user's own
    at.text_input(key="lab_theme_name").input("Gift wrapping")
    next(b for b in at.button if b.label == "Add theme").click().run()
    assert_clean(at)
    assert any("Gift wrapping (`gift\\_wrapping`)" in c.value for c in at.caption)
    # correct one comment: themes and sentiment, with the new theme
    pick = at.selectbox(key="lab_one_pick").value
    at.multiselect(key=f"lab_one_themes_{pick}").set_value(["gift_wrapping", "price_value"])
    at.selectbox(key=f"lab_one_sent_{pick}").set_value("mixed")
    submit = next(b for b in at.button if b.label == "Save label")
    submit.click().run()
    assert_clean(at)
    # and confirm the model's suggestions for the rest as they are
    at.button(key="lab_confirm").click().run()
    assert_clean(at)
    close_workspace(app_env)
    with Workspace(app_env, read_only=True) as ws:
        labels = ws.labels().set_index("doc_id")
    assert len(labels) == 20
    assert labels.loc[pick, "themes"] == "gift_wrapping;price_value"
    assert labels.loc[pick, "sentiment"] == "mixed"
    # retrain: progress, then a comparison per theme before/after
    at = AppTest.from_file(str(common.APP), default_timeout=common.TIMEOUT).run()
    at.switch_page("app_pages/label.py").run()
    at.button(key="lab_retrain").click().run()
    assert_clean(at)
    assert at.success and "Retrained" in at.success[0].value
    compare = next(d.value for d in at.dataframe if "recall_after" in d.value.columns)
    assert {"precision_before", "precision_after", "recall_before", "recall_after"} <= set(
        compare.columns)
    assert compare["recall_after"].notna().any()
    versions = next(d.value for d in at.dataframe if "Micro-F1 (CV)" in d.value.columns)
    assert len(versions) == 2 and versions["Active"].tolist() == [True, False]
    new_model = at.selectbox(key="lab_model_pick").value
    assert new_model != DEFAULT_MODEL and Path(new_model, "model.json").is_file()
    # activate it: the dashboard then offers to re-analyze with it
    at.button(key="lab_activate").click().run()
    assert_clean(at)
    versions = next(d.value for d in at.dataframe if "Micro-F1 (CV)" in d.value.columns)
    assert versions["Active"].tolist() == [False, True]
    at.switch_page("app_pages/dashboard.py").run()
    assert any("Re-analyze to update" in w.value for w in at.warning)
    at.button(key="stale_reanalyze").click().run()
    assert_clean(at)
    assert not any("Re-analyze to update" in w.value for w in at.warning)
    assert metrics(at)["Comments"] == "40"
    # roll back to the shipped model
    at.switch_page("app_pages/label.py").run()
    at.button(key="lab_rollback").click().run()
    assert_clean(at)
    versions = next(d.value for d in at.dataframe if "Micro-F1 (CV)" in d.value.columns)
    assert versions["Active"].tolist() == [True, False]


def test_labels_survive_refresh_restart_and_a_failed_retrain(
        app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = start("label")
    at.button(key="lab_confirm").click().run()
    assert_clean(at)
    # browser refresh: a new session of the same running app
    at = AppTest.from_file(str(common.APP), default_timeout=common.TIMEOUT).run()
    at.switch_page("app_pages/label.py").run()
    at.radio(key="lab_mode").set_value("labeled").run()
    assert len(next(d.value for d in at.dataframe if "themes" in d.value.columns)) == 20
    # app restart: the server process ends (the file is closed); a fresh process reads it
    close_workspace(app_env)
    assert _labels_in_another_process(app_env) == 20
    at = AppTest.from_file(str(common.APP), default_timeout=common.TIMEOUT).run()
    at.switch_page("app_pages/label.py").run()
    at.radio(key="lab_mode").set_value("labeled").run()
    assert len(next(d.value for d in at.dataframe if "themes" in d.value.columns)) == 20
    # a retrain that dies half-way loses nothing and changes nothing
    from voc import training

    def broken(*args: object, **kwargs: object) -> None:
        raise training.LabelError(expected="enough memory", found="the process ran out",
                                  fix="close other programs and retrain")

    monkeypatch.setattr(training, "retrain", broken)
    at.button(key="lab_retrain").click().run()
    assert not at.exception
    assert at.error and "Retraining did not finish (your labels are safe)" in at.error[0].value
    close_workspace(app_env)
    with Workspace(app_env, read_only=True) as ws:
        assert len(ws.labels()) == 20
        assert ws.models() == [] and ws.active_model() == DEFAULT_MODEL
