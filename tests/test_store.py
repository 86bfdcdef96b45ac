"""Tests for the workspace database (voc.store): datasets, analyses, labels, models.

No model is loaded: analyses are built by hand with the shapes Analyzer.analyze returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from voc import store
from voc.errors import InputFileError, VocError
from voc.pipeline import AnalysisResult
from voc.schema import ColumnMapping, infer_mapping, validate
from voc.store import DEFAULT_MODEL, SCHEMA_VERSION, StoreError, Workspace
from voc.taxonomy import Taxonomy, Theme

ROOT = Path(__file__).resolve().parents[1]
CSV = (b"id,nps,comment,channel\n"
       b"a1,10,Fast delivery and kind staff,web\n"
       b"a2,2,\"=HYPERLINK(\"\"x\"\")\",app\n"
       b"a3,7,,web\n")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    with Workspace(tmp_path / "ws.duckdb") as workspace:
        yield workspace


def _result(raw: pd.DataFrame) -> AnalysisResult:
    """An AnalysisResult shaped like Analyzer.analyze's (no model needed)."""
    mapping = infer_mapping(raw)
    report = validate(raw, mapping)
    docs = pd.DataFrame({
        "doc_id": raw["id"].astype(str), "text": raw["comment"].fillna("").astype(str),
        "score": pd.to_numeric(raw["nps"]).astype(float), "channel": raw["channel"],
        "language": ["en", "en", "unknown"], "themes": ["delivery;staff", "billing", ""],
        "theme_sentiment": ["delivery:positive;staff:positive", "billing:negative", ""],
        "sentiment": ["positive", "negative", ""], "sentiment_score": [0.8, -0.5, np.nan],
        "n_sentences": [1, 1, 0], "has_text": [True, True, False],
    })
    mentions = pd.DataFrame({
        "doc_id": ["a1", "a1", "a2"], "sentence_id": [0, 0, 0], "clause_id": [0, 1, 0],
        "sentence": ["Fast delivery and kind staff"] * 2 + ["x"], "evidence": ["Fast delivery",
        "kind staff", "x"], "evidence_start": [0, 18, 0], "evidence_end": [13, 28, 1],
        "theme": ["delivery", "staff", "billing"], "theme_name": ["Delivery", "Staff",
        "Billing"], "theme_proba": [0.9, 0.8, 0.7], "sentiment": ["positive", "positive",
        "negative"], "sentiment_score": [0.7, 0.9, -0.5], "language": ["en", "en", "en"],
    })
    segments = mentions[["doc_id", "sentence_id", "clause_id"]].copy()
    taxonomy = Taxonomy((Theme("delivery", "Delivery"), Theme("staff", "Staff"),
                         Theme("billing", "Billing")), version="1", name="t")
    return AnalysisResult(docs, mentions, segments, mapping, report, taxonomy,
                          {"name": "default", "version": "1.0.0", "embedder": "x"})


def test_default_path_follows_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOC_WORKSPACE", raising=False)
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "home"))
    assert store.default_path() == tmp_path / "home" / "workspace.duckdb"
    monkeypatch.setenv("VOC_WORKSPACE", str(tmp_path / "team.duckdb"))
    assert store.default_path() == tmp_path / "team.duckdb"
    with Workspace() as ws:
        assert ws.path == tmp_path / "team.duckdb"
    assert (tmp_path / "team.duckdb").is_file()


def test_dataset_round_trip_keeps_the_file_and_mapping(ws: Workspace) -> None:
    info = ws.add_dataset(CSV, "survey.csv")
    assert (info.name, info.filename, info.n_rows, info.n_columns) == ("survey.csv",
                                                                       "survey.csv", 3, 4)
    assert info.mapping["text"] == "comment" and info.mapping["score"] == "nps"
    assert ws.dataset_bytes(info.dataset_id) == CSV
    raw = ws.read_dataset(info.dataset_id)
    assert raw["comment"].tolist()[0] == "Fast delivery and kind staff"
    ws.set_mapping(info.dataset_id, {**info.mapping, "channel": None})
    assert ws.dataset(info.dataset_id).mapping["channel"] is None
    ws.rename_dataset(info.dataset_id, "Q3 survey")
    second = ws.add_dataset(CSV, "other.csv", is_sample=True)
    assert [d.name for d in ws.datasets()] == ["Q3 survey", "other.csv"]
    assert ws.datasets()[1].is_sample
    ws.delete_dataset(second.dataset_id)
    assert [d.dataset_id for d in ws.datasets()] == [info.dataset_id]
    with pytest.raises(StoreError, match="id of a dataset"):
        ws.dataset(second.dataset_id)


def test_unreadable_upload_is_rejected_and_nothing_stored(ws: Workspace) -> None:
    with pytest.raises(InputFileError):
        ws.add_dataset(b"", "empty.csv")
    assert ws.datasets() == []


def test_analysis_round_trip_and_lookup(ws: Workspace) -> None:
    info = ws.add_dataset(CSV, "survey.csv")
    raw = ws.read_dataset(info.dataset_id)
    result = _result(raw)
    saved = ws.save_analysis(info.dataset_id, result, model_path=DEFAULT_MODEL,
                             settings={"summary": {"n": 3}}, seconds=1.5)
    assert saved.model_label == "default 1.0.0"
    assert (saved.n_documents, saved.n_mentions, saved.score_scale) == (3, 3, "nps_0_10")
    stored = ws.load_analysis(saved.analysis_id)
    pd.testing.assert_frame_equal(stored.documents, result.documents, check_dtype=False)
    pd.testing.assert_frame_equal(stored.mentions, result.mentions, check_dtype=False)
    assert stored.theme_names == {"delivery": "Delivery", "staff": "Staff",
                                  "billing": "Billing"}
    assert stored.info.settings == {"summary": {"n": 3}}
    assert ws.find_analysis(info.dataset_id, DEFAULT_MODEL, result.mapping.as_dict()) == saved
    assert ws.find_analysis(info.dataset_id, "/elsewhere/model") is None
    other = ColumnMapping.from_dict({**result.mapping.as_dict(), "channel": None})
    assert ws.find_analysis(info.dataset_id, DEFAULT_MODEL, other.as_dict()) is None
    newer = ws.save_analysis(info.dataset_id, result, model_path=DEFAULT_MODEL)
    assert ws.find_analysis(info.dataset_id) == newer
    ws.delete_dataset(info.dataset_id)
    assert ws.analyses() == []


def test_labels_upsert_log_and_snapshot(ws: Workspace) -> None:
    n = ws.upsert_labels("d1", [
        {"doc_id": "a1", "text": "Late again", "themes": ["delivery:negative"],
         "sentiment": "negative"},
        {"doc_id": "a2", "text": "Nice staff", "themes": "staff;staff", "sentiment": None},
    ])
    assert n == 2
    snapshot = ws.label_frame()
    ws.upsert_labels("d1", [{"doc_id": "a1", "text": "Late again", "themes": [],
                             "sentiment": "Neutral"}])
    labels = ws.labels("d1").set_index("doc_id")
    assert labels.loc["a1", "themes"] == "" and labels.loc["a1", "sentiment"] == "neutral"
    assert labels.loc["a2", "themes"] == "staff"
    # the snapshot a retrain reads is not changed by later edits
    assert snapshot.to_dict("records") == [
        {"text": "Late again", "themes": "delivery:negative", "sentiment": "negative"},
        {"text": "Nice staff", "themes": "staff", "sentiment": ""}]
    # nothing typed is lost: every edit is in the log, even the overwritten one
    log = ws.label_events()
    assert log["themes"].tolist() == ["delivery:negative", "staff", ""]
    assert ws.delete_labels("d1", ["a2", "missing"]) == 1
    assert ws.labels()["doc_id"].tolist() == ["a1"]
    assert ws.label_events()["action"].tolist()[-1] == "delete"
    with pytest.raises(StoreError, match="sentiment among"):
        ws.upsert_labels("d1", [{"doc_id": "a9", "text": "x", "sentiment": "angry"}])
    with pytest.raises(StoreError, match="doc_id and the comment text"):
        ws.upsert_labels("d1", [{"doc_id": "", "text": "x"}])


def test_themes_added_by_the_user(ws: Workspace) -> None:
    assert store.slugify("Gift wrapping!") == "gift_wrapping"
    assert store.slugify("Упаковка заказа") == "упаковка_заказа"
    assert ws.add_theme("Gift wrapping", description="bows") == "gift_wrapping"
    with pytest.raises(StoreError, match="already exists"):
        ws.add_theme("gift  wrapping")
    with pytest.raises(StoreError, match="letter or digit"):
        ws.add_theme("  !! ")
    assert ws.themes()[["theme_id", "name", "description"]].values.tolist() == [
        ["gift_wrapping", "Gift wrapping", "bows"]]


def _fake_model(root: Path, version: str) -> Path:
    path = root / "voc-app" / version
    path.mkdir(parents=True)
    (path / "model.json").write_text("{}", encoding="utf-8")
    return path


def test_active_model_activation_and_rollback(ws: Workspace, tmp_path: Path) -> None:
    assert ws.active_model() == DEFAULT_MODEL
    assert ws.previous_model() is None
    with pytest.raises(StoreError, match="earlier active model"):
        ws.rollback()
    v1, v2 = _fake_model(tmp_path, "v1"), _fake_model(tmp_path, "v2")
    ws.record_model(v1, name="voc-app", version="v1", base=DEFAULT_MODEL, n_labels=12,
                    metrics={"cv_micro_f1": 0.8}, evaluation={"before": {}})
    ws.record_model(v2, name="voc-app", version="v2", base=str(v1), n_labels=20)
    assert [m.version for m in ws.models()] == ["v1", "v2"]
    assert ws.models()[0].metrics == {"cv_micro_f1": 0.8}
    ws.set_active_model(v1)
    ws.set_active_model(v2)
    assert ws.active_model() == str(v2)
    assert ws.rollback() == str(v1)
    assert ws.active_model() == str(v1)
    assert ws.rollback() == str(v2)  # a roll back can itself be rolled back
    ws.set_active_model(DEFAULT_MODEL)
    assert ws.previous_model() == str(v2)
    with pytest.raises(StoreError, match="saved model directory"):
        ws.set_active_model(tmp_path / "nowhere")
    assert ws.activation_history()["action"].tolist() == ["activate", "activate", "rollback",
                                                          "rollback", "activate"]


def test_everything_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    with Workspace(path) as ws:
        info = ws.add_dataset(CSV, "survey.csv")
        ws.upsert_labels(info.dataset_id, [{"doc_id": "a1", "text": "t", "themes": ["x"]}])
        ws.set_setting("current_dataset", info.dataset_id)
    with Workspace(path) as ws:
        assert ws.get_setting("current_dataset") == info.dataset_id
        assert ws.labels()["themes"].tolist() == ["x"]
        assert ws.dataset_bytes(info.dataset_id) == CSV


def test_labels_survive_a_crash(tmp_path: Path) -> None:
    """A process killed right after saving labels (no close, no checkpoint) loses nothing."""
    path = tmp_path / "ws.duckdb"
    script = textwrap.dedent(f"""
        import os, signal
        from voc.store import Workspace
        ws = Workspace({str(path)!r})
        ws.upsert_labels("d", [{{"doc_id": str(i), "text": f"comment {{i}}",
                                "themes": ["delivery"], "sentiment": "negative"}}
                               for i in range(50)])
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()
    with Workspace(path) as ws:
        labels = ws.labels()
    assert len(labels) == 50 and set(labels["sentiment"]) == {"negative"}


def test_corrupt_newer_foreign_and_locked_files_are_explained(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a database" * 500)
    with pytest.raises(StoreError, match="not a DuckDB database") as err:
        Workspace(garbage)
    assert "move the file aside" in err.value.fix

    newer = tmp_path / "newer.duckdb"
    Workspace(newer).close()
    con = duckdb.connect(str(newer))
    con.execute("UPDATE voc_meta SET value = ? WHERE key = 'schema_version'",
                [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreError, match="newer voc") as err:
        Workspace(newer)
    assert "upgrade voc" in err.value.fix

    foreign = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="other tables"):
        Workspace(foreign)

    locked = tmp_path / "locked.duckdb"
    Workspace(locked).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(locked)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="in use by another program"):
            Workspace(locked)
    finally:
        holder.kill()
        holder.wait()


def test_closed_workspace_says_so(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws.duckdb")
    ws.close()
    assert ws.closed
    with pytest.raises(VocError, match="open workspace"):
        ws.datasets()
