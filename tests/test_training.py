"""Tests for voc.training: labeled samples, retraining, evaluation, suggestions, and the CLI
commands train / evaluate / suggest / models."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_ROWS
from typer.testing import CliRunner

from voc.cli import app
from voc.errors import VocError
from voc.pipeline import Analyzer
from voc.training import (
    LabelError,
    TrainingOptions,
    _best_thresholds,
    _required_thresholds,
    _score,
    _weak_labels,
    _with_required,
    aspect_sentiment,
    evaluate,
    parse_labels,
    read_labels,
    suggest,
    theme_probabilities,
)

# The conftest's dozen multilingual rows, with each theme's polarity = the row's sentiment.
TINY_LABELS = pd.DataFrame({
    "text": [r[0] for r in TINY_ROWS],
    "themes": [";".join(f"{t}:{r[2]}" for t in r[1]) for r in TINY_ROWS],
    "sentiment": [r[2] for r in TINY_ROWS],
})

# A codeframe of analyst ids (restaurant-style, Russian, SemEval-style) - single-label.
CODEFRAME_ROWS = [
    ("The steak was perfectly cooked and juicy.", "FOOD#QUALITY:positive"),
    ("The soup was cold and tasteless.", "FOOD#QUALITY:negative"),
    ("Delicious pasta, best I have had.", "FOOD#QUALITY:positive"),
    ("Доставка опоздала на два часа.", "Доставка:negative"),
    ("Курьер привёз заказ очень быстро.", "Доставка:positive"),
    ("Доставка заняла целую неделю.", "Доставка:negative"),
    ("We came here for my birthday last Friday.", "anecdotes/miscellaneous:neutral"),
    ("My friend recommended this place to us.", "anecdotes/miscellaneous:neutral"),
    ("We went there after the movie.", "anecdotes/miscellaneous:neutral"),
]
CODEFRAME = pd.DataFrame({"text": [r[0] for r in CODEFRAME_ROWS],
                          "themes": [r[1] for r in CODEFRAME_ROWS]})


@pytest.fixture(scope="module")
def tiny_model(default_analyzer: Analyzer) -> Analyzer:
    """The default model retrained on the dozen tiny rows (multi-label, 3 new themes; the
    sentiment head is refitted on them)."""
    return default_analyzer.retrain(TINY_LABELS, sentiment="retrain")


@pytest.fixture(scope="module")
def codeframe_model(default_analyzer: Analyzer) -> Analyzer:
    return default_analyzer.retrain(CODEFRAME)


def _doc_themes(model: Analyzer, texts: list[str]) -> list[list[str]]:
    docs = model.analyze(texts).documents
    return [sorted(t for t in str(v).split(";") if t) for v in docs["themes"]]


# ------------------------------------------------------------------------------ label parsing
def test_parse_labels_reports_every_problem_with_row_numbers() -> None:
    df = pd.DataFrame({
        "text": ["Late parcel.", "", "Rude courier.", "Slow delivery again.", "Nice staff.",
                 "Friendly cashier.", "Kind people.", "Odd one.", "Delivery was late."],
        "themes": ["delivery:negative", "delivery", "staff:bad", "delivery:negative",
                   "staff:positive", "staff:positive", "staff", "rare_theme:positive",
                   "delivery:negative"],
        "sentiment": ["negative", "", "negative", "so-so", "positive", "positive", "positive",
                      "neutral", "negative"],
    })
    data = parse_labels(df)
    report = data.report
    by_row = {p.row: p for p in report.problems}
    assert by_row[3].problem == "empty text" and by_row[3].action == "row skipped"
    assert "unknown polarity" in by_row[4].problem and by_row[4].value == "staff:bad"
    assert "unknown sentiment" in by_row[5].problem
    assert "only 1 example" in by_row[9].problem and "row skipped" in by_row[9].action
    assert report.dropped_themes == {"rare_theme": 1}
    assert report.n_rows == 9 and report.n_used == 7 == len(data)
    assert data.theme_ids == ["delivery", "staff"]
    # the bad polarity is ignored but the theme is kept
    assert data.themes[1] == ["staff"] and data.polarities[1] == {}
    assert "row 4" in report.summary() and "rare_theme (1)" in report.summary()
    assert list(report.problems_frame().columns) == ["row", "column", "value", "problem",
                                                     "action"]


def test_parse_labels_polarity_suffixes_mixed_and_spaces() -> None:
    df = pd.DataFrame({
        "Comment": ["a b c", "d e f", "g h i"],
        "Labels": ["Delivery speed:Positive; FOOD#QUALITY:conflict",
                   "Delivery speed;FOOD#QUALITY:negative;FOOD#QUALITY:positive",
                   "Delivery speed:neutral;none"],
    })
    data = parse_labels(df, min_examples=1)
    assert data.theme_ids == ["Delivery_speed", "FOOD#QUALITY"]
    assert data.names["Delivery_speed"] == "Delivery speed"
    assert data.polarities[0] == {"Delivery_speed": "positive", "FOOD#QUALITY": "mixed"}
    assert data.polarities[1] == {"FOOD#QUALITY": "mixed"}  # praised and criticised
    assert data.themes[2] == ["Delivery_speed"]  # "none" is not a theme
    assert any("cannot contain spaces" in p.problem for p in data.report.problems)


def test_label_errors_say_what_to_fix(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="themes column"):
        parse_labels(pd.DataFrame({"text": ["x"], "score": [3]}))
    with pytest.raises(LabelError, match="at least one labeled row"):
        parse_labels(pd.DataFrame({"text": ["", None], "themes": ["a", "b"]}))
    with pytest.raises(LabelError, match="too rare: a") as info:
        parse_labels(pd.DataFrame({"text": ["x y", "z w"], "themes": ["a", "a"]}))
    assert info.value.fix  # expected / found / how to fix
    with pytest.raises(LabelError, match="text column named 'body'"):
        parse_labels(pd.DataFrame({"text": ["x"], "themes": ["a"]}), text_col="body")
    with pytest.raises(VocError, match="mode"):
        TrainingOptions(mode="both")


def test_read_labels_jsonl_with_list_themes(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    rows = [{"text": f"Comment number {i}", "themes": ["Доставка:negative", "FOOD#QUALITY"]}
            for i in range(3)] + [{"text": "", "themes": ["Доставка"]}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    data = read_labels(path)
    assert data.theme_ids == ["Доставка", "FOOD#QUALITY"]
    assert data.polarities[0] == {"Доставка": "negative"}
    assert data.report.problems[0].row == 4  # JSONL: line numbers
    assert data.report.mode == "multi"


# ------------------------------------------------------------------------------ training
def test_overfit_round_trip(tiny_model: Analyzer, tmp_path: Path) -> None:
    """Train on a dozen rows, predict them perfectly, save, load: identical probabilities."""
    texts = list(TINY_LABELS["text"])
    assert _doc_themes(tiny_model, texts) == [sorted(r[1]) for r in TINY_ROWS]
    assert tiny_model.settings.theme_mode == "multi"
    aspects = aspect_sentiment(tiny_model, texts, [r[1] for r in TINY_ROWS])
    assert aspects == [{t: r[2] for t in r[1]} for r in TINY_ROWS]

    target = tiny_model.save(tmp_path / "tiny", version="1")
    loaded = Analyzer.load(target)  # the same embedding cache: the same vectors
    new = ["The courier came three days late.", "Prices are far too high.", "物流很快"]
    np.testing.assert_array_equal(theme_probabilities(tiny_model, texts + new).to_numpy(),
                                  theme_probabilities(loaded, texts + new).to_numpy())
    before, after = tiny_model.analyze(texts + new), loaded.analyze(texts + new)
    pd.testing.assert_frame_equal(before.documents, after.documents)
    pd.testing.assert_frame_equal(before.mentions, after.mentions)
    assert loaded.info["training"]["mode"] == "multi"
    # batch prediction equals one-by-one (fresh embeddings, no cache)
    loaded = Analyzer.load(target, cache=None)
    after = loaded.analyze(texts + new)
    one_by_one = pd.concat([loaded.analyze([t]).documents for t in texts + new],
                           ignore_index=True)
    cols = ["themes", "theme_sentiment", "sentiment", "sentiment_score"]
    pd.testing.assert_frame_equal(after.documents[cols], one_by_one[cols])


def test_retrain_leaves_the_base_model_unchanged(default_analyzer: Analyzer,
                                                 tiny_model: Analyzer) -> None:
    assert "delivery" not in default_analyzer.taxonomy
    assert default_analyzer.settings.theme_mode == "multi"
    assert tiny_model is not default_analyzer
    assert tiny_model.taxonomy.ids == ["delivery", "staff", "price"]


def test_thresholds_and_c_chosen_by_cross_validation(tiny_model: Analyzer) -> None:
    training = tiny_model.info["training"]
    # coordinate search: the prior weight at the middle C, then C at the best weight
    w = f"{training['prior_weight']:g}"
    assert {f"C=2,prior={p}" for p in ("0", "0.3", "1")} | {f"C={c},prior={w}" for c in (
        "0.5", "2", "8")} == set(training["cv_scores"])
    assert tiny_model.theme_head.C in (0.5, 2.0, 8.0)
    assert training["prior_weight"] in (0.0, 0.3, 1.0)
    # new themes were matched automatically to the base themes they resemble
    assert training["prior_map"] == {"delivery": "delivery_speed", "staff": "staff_attitude",
                                     "price": "price_value"}
    stored = training["thresholds"]
    assert list(stored) == list(tiny_model.theme_head.classes_)
    np.testing.assert_allclose(list(stored.values()), tiny_model.theme_head.thresholds_,
                               atol=1e-9)
    metrics = tiny_model.info["metrics"]
    assert 0.0 <= metrics["cv_micro_f1"] <= 1.0 and set(metrics["cv_per_theme"]) == set(stored)


def test_best_thresholds_maximise_f1() -> None:
    # theme 0: positives score 0.3-0.4, negatives 0.1-0.2 -> any threshold in (0.2, 0.3]
    # theme 1: separable only at a high threshold (a negative at 0.7)
    P = np.array([[0.3, 0.9], [0.4, 0.8], [0.1, 0.7], [0.2, 0.1]])
    Y = np.array([[1, 1], [1, 1], [0, 0], [0, 0]])
    thresholds, best = _best_thresholds(P, Y)
    assert 0.2 < thresholds[0] <= 0.3 and 0.7 < thresholds[1] <= 0.8
    np.testing.assert_allclose(best, [1.0, 1.0])


def test_require_theme_gives_empty_comments_their_best_theme() -> None:
    P = np.array([[0.6, 0.1], [0.2, 0.3], [0.0, 0.0], [0.1, 0.9]])
    pred = _with_required(P, np.array([0.5, 0.5]))
    # row 1 passes no threshold -> its most probable theme; row 2 has no probability at all
    assert pred.tolist() == [[True, False], [False, True], [False, False], [False, True]]


def test_required_thresholds_never_score_worse_than_the_start() -> None:
    rng = np.random.default_rng(0)
    Y = np.zeros((60, 3), dtype=np.int8)
    Y[np.arange(60), rng.integers(0, 3, 60)] = 1  # every comment has a theme
    P = np.clip(Y * 0.35 + rng.uniform(0, 0.5, Y.shape), 0, 1)
    start, _ = _best_thresholds(P, Y)
    thresholds, score = _required_thresholds(P, Y, start)
    plain = 2 * int(((start <= P) & (Y == 1)).sum()) / int((start <= P).sum() + Y.sum())
    required_at_start = _with_required(P, start)
    start_score = 2 * int((required_at_start & (Y == 1)).sum()) / int(
        required_at_start.sum() + Y.sum())
    assert score >= start_score - 1e-12
    assert score >= plain - 0.05  # forcing a theme on every comment cannot cost much here
    assert ((thresholds >= 0.05) & (thresholds <= 0.95)).all()


def test_require_theme_learnt_and_saved(default_analyzer: Analyzer, tmp_path: Path) -> None:
    """A codeframe where every comment has a theme (with an 'other' code) turns the rule on
    only when it helps out of fold; the setting is saved and applied by analyze()."""
    model = default_analyzer.retrain(TINY_LABELS, sentiment="keep", mode="multi")
    assert isinstance(model.settings.require_theme, bool)
    assert model.info["training"]["require_theme"] == model.settings.require_theme
    loaded = Analyzer.load(model.save(tmp_path / "m", version="1"))
    assert loaded.settings.require_theme == model.settings.require_theme
    forced = Analyzer(loaded.taxonomy, loaded.theme_head, loaded.sentiment_head,
                      loaded.embedder_name,
                      settings=dataclasses.replace(loaded.settings, require_theme=True),
                      info=loaded.info, sentiment_features=loaded.sentiment_features,
                      theme_features=loaded.theme_features)
    text = ["We went there on a Tuesday."]  # no theme is likely to pass its threshold
    docs = forced.analyze(text).documents
    assert docs.loc[0, "themes"] in set(loaded.taxonomy.ids)


def test_single_label_codeframe_ids_round_trip(codeframe_model: Analyzer,
                                               tmp_path: Path) -> None:
    assert codeframe_model.settings.theme_mode == "single"
    assert codeframe_model.taxonomy.ids == ["FOOD#QUALITY", "Доставка",
                                            "anecdotes/miscellaneous"]
    assert all(t.origin == "labels" for t in codeframe_model.taxonomy)
    loaded = Analyzer.load(codeframe_model.save(tmp_path / "cf", version="v1"), cache=None)
    assert loaded.settings.theme_mode == "single"
    texts = [r[0] for r in CODEFRAME_ROWS] + ["Хорошо.", "Ok"]
    docs = loaded.analyze(texts).documents
    # single-label: always exactly one theme, the best one, with the analyst's id
    assert all(len(str(t).split(";")) == 1 and t for t in docs["themes"])
    assert list(docs["themes"][:9]) == [r[1].split(":")[0] for r in CODEFRAME_ROWS]
    assert docs["theme_sentiment"][0] == "FOOD#QUALITY:positive"
    assert docs["theme_sentiment"][3] == "Доставка:negative"


def test_known_themes_keep_their_definition_and_get_priors(default_analyzer: Analyzer) -> None:
    labels = pd.DataFrame({
        "text": ["The parcel came a week late.", "Shipping took forever.",
                 "Delivered the next morning!", "Staff were rude.", "Lovely helpful staff.",
                 "The cashier ignored me.", "Nice weather today.", "I bought a lamp."],
        "themes": ["delivery_speed:negative", "delivery_speed:negative",
                   "delivery_speed:positive", "Персонал:negative", "Персонал:positive",
                   "Персонал:negative", "", ""],
    })
    model = default_analyzer.retrain(labels, prior_map={"Персонал": "staff_attitude"},
                                     prior_weight=0.3)
    assert model.taxonomy.ids == ["delivery_speed", "Персонал"]
    assert model.info["training"]["prior_map"] == {"delivery_speed": "delivery_speed",
                                                   "Персонал": "staff_attitude"}
    assert model.info["training"]["prior_weight"] == 0.3
    assert model.taxonomy.get("delivery_speed") == default_analyzer.taxonomy.get(
        "delivery_speed")
    new = model.taxonomy.get("Персонал")
    assert new.origin == "labels" and new.rater == "empathy"  # from the mapped base theme
    n_prior = sum(len(v) for t in ("delivery_speed", "staff_attitude")
                  for v in default_analyzer.taxonomy.get(t).examples.values())
    assert model.info["training"]["n_prior_examples"] == n_prior > 0
    no_priors = default_analyzer.retrain(labels, priors=False)
    assert no_priors.info["training"]["n_prior_examples"] == 0
    assert model.settings.theme_mode == "multi"  # rows without a theme -> multi-label


def test_sentiment_head_kept_without_polarities(default_analyzer: Analyzer) -> None:
    labels = CODEFRAME.assign(themes=CODEFRAME["themes"].str.split(":").str[0])
    model = default_analyzer.retrain(labels)
    assert model.sentiment_head is default_analyzer.sentiment_head
    assert "kept the base sentiment head" in model.info["training"]["sentiment"]["note"]
    with pytest.raises(LabelError, match="another embedder"):
        default_analyzer.retrain(labels, embedder="tfidf-v1")


def test_weak_supervision_adds_sentiment_examples(default_analyzer: Analyzer) -> None:
    weak_texts = ["Everything was perfect, thank you!", "Never again, awful experience.",
                  "It was fine I guess.", ""]
    model = default_analyzer.retrain(TINY_LABELS, sentiment="retrain", weak_texts=weak_texts,
                                     weak_scores=[10, 1, 7, 0])
    strong = model.info["training"]["labels"]["n_polarity"] + len(TINY_LABELS)
    # the promoter and the detractor are added; the passive and the empty comment are not
    assert model.info["training"]["sentiment"]["n_examples"] == strong + 2
    with pytest.raises(VocError, match="one score per"):
        default_analyzer.retrain(TINY_LABELS, weak_texts=weak_texts, weak_scores=[1])


def test_weak_labels_from_scores() -> None:
    assert _weak_labels([10, 9, 8, 7, 6, 0, None, "x"], "nps") == [
        "positive", "positive", None, None, "negative", "negative", None, None]
    assert _weak_labels([5, 4, 3, 2, 1], "csat") == ["positive", None, None, "negative",
                                                     "negative"]
    with pytest.raises(VocError, match="weak_scale"):
        _weak_labels([1], "stars")


# ------------------------------------------------------------------------------ evaluation
def test_score_metrics_and_confusion() -> None:
    ev = _score(
        ["a", "b"],
        gold=[["a"], ["a", "b"], ["b"], []],
        pred=[["a"], ["a"], ["a"], ["b"]],
        gold_pol=[{"a": "positive"}, {"a": "negative", "b": "neutral"}, {}, {}],
        pred_pol=[{"a": "positive"}, {"a": "positive", "b": "neutral"}, {}, {}],
        gold_senti=["positive", None, "negative", None],
        pred_senti=["positive", "mixed", "positive", "neutral"],
        texts=["t1", "t2", "t3", "t4"], how="test",
    )
    per = ev.per_theme.set_index("theme")
    assert per.loc["a", "precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert per.loc["a", "recall"] == 1.0 and per.loc["a", "support"] == 2
    assert per.loc["b", "f1"] == 0.0 and per.loc["b", "predicted"] == 1
    s = ev.summary
    assert s["micro_f1"] == pytest.approx(2 * 2 / (4 + 4))
    assert s["macro_f1"] == pytest.approx((0.8 + 0.0) / 2)
    assert s["aspect_accuracy"] == pytest.approx(2 / 3, abs=1e-4) and s["n_aspects"] == 3
    assert s["sentiment_accuracy"] == 0.5
    assert ev.theme_confusion.loc["b", "a"] == 2 and ev.theme_confusion.loc["(none)", "b"] == 1
    assert ev.aspect_confusion.loc["negative", "positive"] == 1
    assert "| a | 0.667 | 1.000 | 0.800 | 2 | 3 |" in ev.to_markdown()


def test_evaluate_held_out_and_cross_validated(tiny_model: Analyzer,
                                               default_analyzer: Analyzer,
                                               tmp_path: Path) -> None:
    ev = evaluate(tiny_model, TINY_LABELS)
    assert ev.summary["micro_f1"] == 1.0 and ev.summary["aspect_accuracy"] == 1.0
    assert len(ev.predictions) == len(TINY_LABELS)
    for suffix in (".json", ".md", ".csv"):
        assert ev.save(tmp_path / f"report{suffix}").stat().st_size > 0
    cv = evaluate(default_analyzer, TINY_LABELS, cv=3)
    assert cv.summary["how"] == "3-fold cross-validated retraining"
    assert cv.summary["n_comments"] == len(TINY_LABELS)
    assert set(cv.per_theme["theme"]) == {"delivery", "staff", "price"}


def test_aspect_sentiment_follows_the_clause(tiny_model: Analyzer) -> None:
    out = aspect_sentiment(tiny_model, ["The delivery was two weeks late, but the staff were "
                                        "lovely and kind."], [["delivery", "staff"]])
    assert out == [{"delivery": "negative", "staff": "positive"}]


# ------------------------------------------------------------------------------ suggest
def test_suggest_ranks_uncertain_first_and_diverse(tiny_model: Analyzer) -> None:
    sure = list(TINY_LABELS["text"][:6])  # training rows: confidently classified
    unsure = ["Hmm.", "It was a day like any other, I suppose, with things happening."]
    texts = sure + unsure + [""]
    ranked = suggest(tiny_model, texts, n=len(texts), diverse=False)
    assert len(ranked) == len(texts) - 1  # the empty comment is never suggested
    assert list(ranked["uncertainty"]) == sorted(ranked["uncertainty"], reverse=True)
    assert set(ranked["row"][:2]) == {6, 7}
    assert ranked["similarity"].eq(0).all() and ranked["cluster"].eq(-1).all()
    # diversity: one pick per cluster, so a duplicate of the top pick is not picked too
    dup = suggest(tiny_model, [unsure[1], unsure[1], *sure], n=3)
    assert dup["row"].iloc[0] in (0, 1) and not {0, 1} <= set(dup["row"])
    assert dup["cluster"].nunique() == 3
    assert dup.equals(suggest(tiny_model, [unsure[1], unsure[1], *sure], n=3))  # seeded
    # already labeled comments are skipped and similarity to them is reported
    skip = suggest(tiny_model, texts, n=3, labeled_texts=unsure[:1])
    assert 6 not in set(skip["row"]) and (skip["similarity"] > 0).all()


# ------------------------------------------------------------------------------ CLI
def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_cli_train_evaluate_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "home"))
    labeled = tmp_path / "my labels.csv"
    TINY_LABELS.to_csv(labeled, index=False)
    for version in ("v1", "v2"):
        res = _invoke("train", str(labeled), "--version", version)
        assert res.exit_code == 0, res.output
        assert "13 of 13 labeled rows used" in res.output and f"version {version}" in res.output
    model_dir = tmp_path / "home" / "models" / "my-labels"
    assert (model_dir / "LATEST").read_text().strip() == "v2"

    res = _invoke("evaluate", "my-labels", str(labeled), "-o", str(tmp_path / "rep.json"))
    assert res.exit_code == 0, res.output
    assert "themes micro-F1 | 1.000" in res.output
    meta = json.loads((model_dir / "v2" / "model.json").read_text())
    assert meta["evaluations"][0]["summary"]["micro_f1"] == 1.0
    assert "## Evaluation on my labels.csv" in (model_dir / "v2" / "README.md").read_text()
    Analyzer.load(model_dir, cache=None)  # still loads after the report was stored

    res = _invoke("models", "list")
    lines = [ln for ln in res.output.splitlines() if "my-labels" in ln]
    assert len(lines) == 2 and lines[1].startswith("*") and "v2" in lines[1]
    assert any(ln.startswith("*") and "default" in ln for ln in res.output.splitlines())
    assert _invoke("models", "activate", "my-labels", "v1").exit_code == 0
    assert (model_dir / "LATEST").read_text().strip() == "v1"
    res = _invoke("models", "show", "my-labels/v2")
    assert res.exit_code == 0 and "themes (3): delivery, staff, price" in res.output
    bad = _invoke("models", "activate", "my-labels", "v9")
    assert bad.exit_code == 2 and "voc models list" in bad.output

    res = _invoke("suggest", str(labeled), "--model", "my-labels", "-n", "4",
                  "-o", str(tmp_path / "next.csv"))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "next.csv", keep_default_na=False)
    assert list(table.columns)[:3] == ["rank", "input_row", "text"]
    assert len(table) == 4 and {"themes", "sentiment"} <= set(table.columns)


def test_cli_train_reports_bad_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "home"))
    labeled = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["a", "b"], "themes": ["x:great", "y"]}).to_csv(labeled, index=False)
    res = _invoke("train", str(labeled))
    assert res.exit_code == 2
    assert "at least one theme with 3 or more labeled comments" in res.output
