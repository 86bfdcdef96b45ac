"""Tests for voc.pipeline: the shipped default Analyzer end to end, contracts of the outputs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import Job, background_job, python_exe

import voc
from voc.pipeline import (
    ADDED_OUTPUT_COLUMNS,
    DOCUMENT_COLUMNS,
    MENTION_COLUMNS,
    SEGMENT_COLUMNS,
    AnalysisResult,
    Analyzer,
    AnalyzerSettings,
)
from voc.sentiment import SENTIMENT_LABELS

ASPECT = "The delivery was two weeks late but the staff were lovely."

FEEDBACK = pd.DataFrame(
    {
        "response_id": [f"r{i:02d}" for i in range(1, 13)],
        "comment": [
            ASPECT,
            "Доставка опоздала на три дня, курьер был груб.",
            "Obsługa była bardzo miła i pomocna, polecam ten sklep.",
            "物流太慢了，客服态度也不好。",
            "",
            "n/a",
            "Great prices. Доставка быстрая.",
            "The app keeps crashing when I try to log in.\nSupport never answered my emails.",
            "Zamówienie dotarło szybko, ale paczka była uszkodzona.",
            "价格很便宜，质量也不错。",
            "Refund took forever. Обслуживание ужасное.",
            "The checkout page is confusing and the prices are too high.",
        ],
        "nps": [3, 1, 10, 0, 7, 8, 9, 2, 6, 10, 0, 5],
    }
)
EXPECTED_LANGUAGES = {"r01": "en", "r02": "ru", "r03": "pl", "r04": "zh", "r08": "en",
                      "r09": "pl", "r10": "zh", "r12": "en"}
NO_TEXT = {"r05", "r06"}


@pytest.fixture(scope="module")
def analyzer(default_analyzer: Analyzer) -> Analyzer:
    return default_analyzer


@pytest.fixture(scope="module")
def result(analyzer: Analyzer) -> AnalysisResult:
    return analyzer.analyze(FEEDBACK)


@pytest.fixture(scope="module")
def docs(result: AnalysisResult) -> pd.DataFrame:
    return result.documents


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------


def test_load_default(analyzer: Analyzer) -> None:
    assert analyzer.embedder_name == "use-multilingual-v3"
    assert len(analyzer.taxonomy) >= 18
    assert list(analyzer.theme_head.classes_) == analyzer.taxonomy.ids
    assert analyzer.info["name"] == "default"
    assert analyzer.info["version"] == (voc_root() / "models/default/LATEST").read_text().strip()
    assert analyzer.sentiment_features is not None


def voc_root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------------
# documents
# ------------------------------------------------------------------------------------------


def test_one_document_per_row_in_input_order(docs: pd.DataFrame) -> None:
    assert len(docs) == len(FEEDBACK)
    assert list(docs["doc_id"]) == list(FEEDBACK["response_id"])
    assert list(docs.index) == list(range(len(FEEDBACK)))
    for col in DOCUMENT_COLUMNS:
        assert col in docs.columns
    assert list(docs["score"]) == list(FEEDBACK["nps"].astype(float))


def test_text_column_is_the_cleaned_comment(docs: pd.DataFrame) -> None:
    for got, raw in zip(docs["text"], FEEDBACK["comment"], strict=True):
        assert got.strip() == raw.strip() or raw.strip() == ""


def test_no_text_rows(docs: pd.DataFrame) -> None:
    by_id = docs.set_index("doc_id")
    for doc_id in NO_TEXT:
        row = by_id.loc[doc_id]
        assert not row["has_text"]
        assert row["themes"] == "" and row["theme_sentiment"] == ""
        assert row["n_sentences"] == 0
    assert by_id.drop(index=list(NO_TEXT))["has_text"].all()


def test_languages_for_clear_cases(docs: pd.DataFrame) -> None:
    by_id = docs.set_index("doc_id")["language"]
    for doc_id, lang in EXPECTED_LANGUAGES.items():
        assert by_id[doc_id] == lang, (doc_id, by_id[doc_id])
    for doc_id in NO_TEXT:
        assert by_id[doc_id] == "unknown"


def test_every_comment_with_text_gets_a_theme(docs: pd.DataFrame) -> None:
    with_text = docs[docs["has_text"]]
    assert (with_text["themes"] != "").all(), with_text[with_text["themes"] == ""]["text"]


def test_theme_sentiment_entries(docs: pd.DataFrame, analyzer: Analyzer) -> None:
    ids = set(analyzer.taxonomy.ids)
    for row in docs.itertuples():
        themes = row.themes.split(";") if row.themes else []
        entries = row.theme_sentiment.split(";") if row.theme_sentiment else []
        assert len(themes) == len(set(themes))
        assert [e.split(":")[0] for e in entries] == themes
        for entry in entries:
            theme, label = entry.split(":")
            assert theme in ids
            assert label in SENTIMENT_LABELS


def test_sentiment_columns(docs: pd.DataFrame) -> None:
    with_text = docs[docs["has_text"]]
    assert with_text["sentiment"].isin(SENTIMENT_LABELS).all()
    scores = with_text["sentiment_score"].to_numpy(dtype=float)
    assert np.isfinite(scores).all() and (scores >= -1).all() and (scores <= 1).all()
    no_text = docs[~docs["has_text"]]
    assert (no_text["sentiment"] == "").all() and no_text["sentiment_score"].isna().all()


def test_clearly_polar_comments(docs: pd.DataFrame) -> None:
    by_id = docs.set_index("doc_id")
    assert by_id.loc["r03", "sentiment"] == "positive"  # Polish praise
    assert by_id.loc["r10", "sentiment"] == "positive"  # Chinese praise
    assert by_id.loc["r08", "sentiment"] == "negative"  # app crashes, no answer


# ------------------------------------------------------------------------------------------
# mentions and segments
# ------------------------------------------------------------------------------------------


def test_mentions_columns(result: AnalysisResult) -> None:
    assert list(result.mentions.columns) == MENTION_COLUMNS
    assert list(result.segments.columns) == SEGMENT_COLUMNS
    assert len(result.mentions) >= 10


def test_evidence_is_a_span_of_the_text(result: AnalysisResult) -> None:
    texts = result.documents.set_index("doc_id")["text"]
    for m in result.mentions.itertuples():
        text = texts[m.doc_id]
        assert 0 <= m.evidence_start < m.evidence_end <= len(text)
        assert text[m.evidence_start : m.evidence_end] == m.evidence
        assert m.evidence in m.sentence
    for s in result.segments.itertuples():
        assert texts[s.doc_id][s.start : s.end] == s.text


def test_mentions_agree_with_documents(result: AnalysisResult) -> None:
    docs = result.documents.set_index("doc_id")
    m = result.mentions
    assert set(m["doc_id"]) <= set(docs.index[docs["has_text"]])
    for doc_id, group in m.groupby("doc_id"):
        assert set(group["theme"]) == set(docs.loc[doc_id, "themes"].split(";"))
        assert (group["language"] == docs.loc[doc_id, "language"]).all()
    assert m["theme_proba"].between(0, 1).all()
    assert m["sentiment_score"].between(-1, 1).all()
    assert m["sentiment"].isin(["negative", "neutral", "positive"]).all()
    assert not m.duplicated(["doc_id", "sentence_id", "theme"]).any()
    names = result.taxonomy.names()
    assert (m["theme_name"] == m["theme"].map(names)).all()


def test_aspect_mentions_exist(result: AnalysisResult) -> None:
    m = result.mentions[result.mentions["doc_id"] == "r01"]
    assert set(m["theme"]) == {"delivery_speed", "staff_attitude"}
    evidence = m.set_index("theme")["evidence"]
    assert "late" in evidence["delivery_speed"] and "staff" not in evidence["delivery_speed"]
    assert "lovely" in evidence["staff_attitude"]
    assert m.set_index("theme").loc["staff_attitude", "sentiment"] == "positive"


def test_aspect_level_sentiment(result: AnalysisResult) -> None:
    doc = result.documents.set_index("doc_id").loc["r01"]
    entries = dict(e.split(":") for e in doc["theme_sentiment"].split(";"))
    assert entries.get("delivery_speed") == "negative"
    assert entries.get("staff_attitude") == "positive"
    assert doc["sentiment"] == "mixed"


# ------------------------------------------------------------------------------------------
# Determinism, batching, progress
# ------------------------------------------------------------------------------------------


def test_deterministic(analyzer: Analyzer, result: AnalysisResult) -> None:
    again = analyzer.analyze(FEEDBACK)
    pd.testing.assert_frame_equal(again.documents, result.documents)
    pd.testing.assert_frame_equal(again.mentions, result.mentions)
    pd.testing.assert_frame_equal(again.segments, result.segments)


def test_batching_and_cache_do_not_change_results(
    analyzer: Analyzer, result: AnalysisResult
) -> None:
    small = Analyzer(analyzer.taxonomy, analyzer.theme_head, analyzer.sentiment_head,
                     analyzer.embedder_name, settings=AnalyzerSettings(batch_size=5),
                     sentiment_features=analyzer.sentiment_features, cache=None)
    calls: list[tuple[int, int]] = []
    other = small.analyze(FEEDBACK, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 12), (5, 12), (10, 12), (12, 12)]
    pd.testing.assert_frame_equal(other.documents, result.documents)
    pd.testing.assert_frame_equal(other.mentions, result.mentions)


def test_progress_callback(analyzer: Analyzer) -> None:
    calls: list[tuple[int, int]] = []
    analyzer.analyze(FEEDBACK.head(4), progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 4)
    assert calls[-1] == (4, 4)
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert all(total == 4 for _, total in calls)


def test_input_frame_is_not_modified(analyzer: Analyzer) -> None:
    frame = FEEDBACK.copy()
    analyzer.analyze(frame)
    pd.testing.assert_frame_equal(frame, FEEDBACK)


# ------------------------------------------------------------------------------------------
# Validation errors
# ------------------------------------------------------------------------------------------


def test_no_text_column_lists_every_problem(analyzer: Analyzer) -> None:
    frame = pd.DataFrame({"nps": [1, 15, 5], "region": ["a", "b", "c"]})
    with pytest.raises(voc.ValidationError) as info:
        analyzer.analyze(frame)
    kinds = [p.kind for p in info.value.problems]
    assert "missing_text_column" in kinds
    assert "score_out_of_range" in kinds  # reported together, not one at a time
    msg = str(info.value)
    assert "Expected" in msg and "How to fix" in msg and "text_col" in msg


def test_scores_out_of_range_name_rows(analyzer: Analyzer) -> None:
    frame = pd.DataFrame({"comment": ["good", "bad", "meh", "ok"], "nps": [11, -1, 5, 7]})
    with pytest.raises(voc.ValidationError) as info:
        analyzer.analyze(frame)
    problem = next(p for p in info.value.problems if p.kind == "score_out_of_range")
    assert set(problem.rows) == {2, 3}  # spreadsheet rows (header = row 1)
    assert "rows 2, 3" in str(info.value)


def test_explicit_columns(analyzer: Analyzer) -> None:
    frame = pd.DataFrame({"a": ["x1", "x2"], "b": ["Delivery was late.", "Great staff."]})
    res = analyzer.analyze(frame, text_col="b", id_col="a")
    assert list(res.documents["doc_id"]) == ["x1", "x2"]
    assert res.mapping.text == "b" and res.mapping.id == "a"
    with pytest.raises(voc.VocError):
        analyzer.analyze(frame, text_col="no such column")


# ------------------------------------------------------------------------------------------
# output_frame, classify
# ------------------------------------------------------------------------------------------


def test_output_frame(result: AnalysisResult, docs: pd.DataFrame) -> None:
    out = result.output_frame(FEEDBACK)
    assert list(out.columns) == list(FEEDBACK.columns) + ADDED_OUTPUT_COLUMNS
    pd.testing.assert_frame_equal(out[list(FEEDBACK.columns)], FEEDBACK)
    for col in ADDED_OUTPUT_COLUMNS:
        assert list(out[col].astype(str)) == list(docs[col].astype(str))


def test_output_frame_prefixes_colliding_columns(analyzer: Analyzer) -> None:
    raw = pd.DataFrame({"language": ["de", "fr"], "comment": ["Delivery late.", "Nice staff."],
                        "sentiment": ["x", "y"]}, index=[10, 20])
    out = analyzer.analyze(raw, text_col="comment").output_frame(raw)
    assert list(out.columns) == [
        "language", "comment", "sentiment", "doc_id", "voc_language", "themes",
        "theme_sentiment", "voc_sentiment", "sentiment_score",
    ]
    assert list(out["language"]) == ["de", "fr"] and list(out["sentiment"]) == ["x", "y"]
    assert list(out["voc_language"]) == ["en", "en"]
    assert list(out.index) == [0, 1]


def test_output_frame_never_overwrites_input_columns(analyzer: Analyzer) -> None:
    raw = pd.DataFrame({"comment": ["Delivery late."], "doc_id": ["x"],
                        "voc_doc_id": ["keep me"]})
    out = analyzer.analyze(raw, text_col="comment").output_frame(raw)
    assert out["voc_doc_id"].tolist() == ["keep me"]
    assert len(out.columns) == len(raw.columns) + len(ADDED_OUTPUT_COLUMNS)


def test_classify_list_of_strings(analyzer: Analyzer) -> None:
    texts = ["The courier was very rude.", "Отличное качество, рекомендую!", ""]
    out = analyzer.classify(texts)
    assert list(out.columns) == ["text", "language", "themes", "theme_sentiment", "sentiment",
                                 "sentiment_score"]
    assert len(out) == 3
    assert list(out["language"][:2]) == ["en", "ru"]
    assert out.loc[0, "themes"] != ""
    assert out.loc[2, "themes"] == ""


def test_module_level_classify(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> None:
    from voc import pipeline

    monkeypatch.setitem(pipeline._SHARED, "default", analyzer)
    one = voc.classify("Delivery was late.")
    assert len(one) == 1 and one.loc[0, "text"] == "Delivery was late."
    many = voc.classify(["Delivery was late.", "Great staff"])
    assert len(many) == 2
    pd.testing.assert_frame_equal(many.head(1), one)


@pytest.mark.parametrize("bad", [["ok", 3], ["ok", None], [b"bytes"]])
def test_classify_rejects_non_string_items(bad: list[Any]) -> None:
    with pytest.raises(voc.VocError) as info:
        voc.classify(bad)
    assert "strings" in info.value.expected


@pytest.mark.parametrize("bad", [5, None, 3.5])
def test_classify_rejects_a_non_string_scalar(bad: Any) -> None:
    with pytest.raises(voc.VocError):
        voc.classify(bad)


def test_theme_summary(result: AnalysisResult) -> None:
    summary = result.theme_summary()
    assert summary["n_comments"].is_monotonic_decreasing
    assert (summary["n_comments"] == summary[["positive", "neutral", "negative", "mixed"]]
            .sum(axis=1)).all()
    assert summary["share"].between(0, 1).all()
    per_doc = result.mentions.drop_duplicates(["doc_id", "theme"])["theme"].value_counts()
    assert dict(zip(summary["theme"], summary["n_comments"], strict=True)) == per_doc.to_dict()


def test_tiny_model_analyze(make_tiny_analyzer: Callable[..., Any]) -> None:
    """A model trained on a dozen rows finds its themes in new multilingual text."""
    res = make_tiny_analyzer().analyze(["The courier came three days late.",
                                        "Prices are far too high."])
    assert list(res.documents["themes"]) == ["delivery", "price"]
    assert list(res.documents["sentiment"]) == ["negative", "negative"]


# ------------------------------------------------------------------------------------------
# No torch on the default path (subprocess, runs in the background)
# ------------------------------------------------------------------------------------------

_NO_TORCH = textwrap.dedent(
    """
    import sys
    import voc
    result = voc.Analyzer.load("default").analyze(["Delivery was late."])
    assert result.documents.loc[0, "themes"], result.documents
    assert "torch" not in sys.modules, "torch was imported"
    assert "sentence_transformers" not in sys.modules
    print("ok")
    """
)


@background_job("no-torch")
def _no_torch_job(workdir: Any) -> list[str]:
    return [python_exe(), "-c", _NO_TORCH]


@pytest.mark.slow
@pytest.mark.background_job("no-torch")
def test_default_analysis_never_imports_torch(background: Job) -> None:
    proc = background.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")
