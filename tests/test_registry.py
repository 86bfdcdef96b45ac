"""Tests for voc.registry: save/load round trips, integrity checks, atomic saves, versions."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from voc.errors import ModelError
from voc.pipeline import Analyzer
from voc.registry import (
    CARD_FILE,
    FORMAT_VERSION,
    LATEST_FILE,
    MODEL_FILE,
    TAXONOMY_FILE,
    WEIGHTS_FILE,
    _sha256,
    list_versions,
    load_model_files,
    resolve_model_dir,
    save_model_files,
    set_latest_version,
    shipped_models_dir,
    workspace_models_dir,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def saved_model(
    tmp_path_factory: pytest.TempPathFactory, tiny_heads: dict[str, Any]
) -> Path:
    """A tiny model saved once as <tmp>/tiny/1.0.0 (copy it before changing anything)."""
    from conftest import tiny_taxonomy

    analyzer = Analyzer(tiny_taxonomy(), tiny_heads["themes"], tiny_heads["sentiment"],
                        sentiment_features=tiny_heads["sentiment_features"], cache=None)
    root = tmp_path_factory.mktemp("models") / "tiny"
    analyzer.save(root, version="1.0.0", metrics={"f1": 0.5},
                  training_data={"n_examples": 13, "sha256": "ab" * 32})
    return root


def _copy(saved_model: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "tiny"
    shutil.copytree(saved_model, dest)
    return dest


def _meta(version_dir: Path) -> dict[str, Any]:
    return json.loads((version_dir / MODEL_FILE).read_text(encoding="utf-8"))


def _write_meta(version_dir: Path, meta: dict[str, Any]) -> None:
    (version_dir / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


# ------------------------------------------------------------------------------------------
# Round trip
# ------------------------------------------------------------------------------------------


def test_save_writes_the_documented_files(saved_model: Path) -> None:
    version_dir = saved_model / "1.0.0"
    assert _entries(saved_model) == ["1.0.0", LATEST_FILE]
    assert _entries(version_dir) == sorted([CARD_FILE, MODEL_FILE, TAXONOMY_FILE, WEIGHTS_FILE])
    meta = _meta(version_dir)
    assert meta["format"] == "voc-model" and meta["format_version"] == FORMAT_VERSION
    assert meta["embedder"] == "use-multilingual-v3"
    assert meta["name"] == "tiny" and meta["version"] == "1.0.0"
    assert meta["metrics"] == {"f1": 0.5}
    assert meta["training_data"]["n_examples"] == 13
    for name in (WEIGHTS_FILE, TAXONOMY_FILE):
        assert meta["files"][name] == _sha256(version_dir / name)
    card = (version_dir / CARD_FILE).read_text(encoding="utf-8")
    assert "tiny" in card and "delivery" in card and "f1" in card
    assert not (version_dir / WEIGHTS_FILE).read_bytes().startswith(b"\x80")


def test_round_trip_gives_identical_probabilities(
    saved_model: Path, make_tiny_analyzer: Callable[..., Any], tiny_data: dict[str, Any],
    tmp_path: Path,
) -> None:
    original = make_tiny_analyzer()
    loaded = Analyzer.load(saved_model, cache=None)
    assert loaded.taxonomy == original.taxonomy
    assert loaded.embedder_name == original.embedder_name
    assert loaded.settings == original.settings
    assert loaded.info["name"] == "tiny" and loaded.info["version"] == "1.0.0"
    X = tiny_data["X_new"]
    np.testing.assert_allclose(loaded.theme_head.predict_proba(X),
                               original.theme_head.predict_proba(X), atol=1e-5)
    texts = tiny_data["new_texts"]
    langs = ["en"] * len(texts)
    feats_loaded = loaded.sentiment_input(texts, X, langs)
    feats_orig = original.sentiment_input(texts, X, langs)
    np.testing.assert_allclose(feats_loaded.toarray(), feats_orig.toarray(), atol=1e-6)
    np.testing.assert_allclose(loaded.sentiment_head.predict_proba(feats_loaded),
                               original.sentiment_head.predict_proba(feats_orig), atol=1e-5)
    # weights are float32 on disk: a second round trip is exact, including analyze()
    again_root = tmp_path / "again"
    loaded.save(again_root, version="2")
    again = Analyzer.load(again_root, cache=None)
    np.testing.assert_array_equal(again.theme_head.predict_proba(X),
                                  loaded.theme_head.predict_proba(X))
    r1, r2 = loaded.analyze(texts), again.analyze(texts)
    cols = ["themes", "theme_sentiment", "sentiment", "sentiment_score"]
    assert r1.documents[cols].equals(r2.documents[cols])
    assert (r1.documents["themes"] != "").sum() >= 2


def test_round_trip_without_lexical_features(
    make_tiny_analyzer: Callable[..., Any], tiny_data: dict[str, Any], tmp_path: Path
) -> None:
    from voc.sentiment import SentimentClassifier

    sentiment = SentimentClassifier().fit(tiny_data["X"], tiny_data["sentiment"])
    plain = make_tiny_analyzer(sentiment_features=None)
    plain.sentiment_head = sentiment
    plain.save(tmp_path / "plain", version="1")
    assert _meta(tmp_path / "plain" / "1")["features"] == {}
    loaded = Analyzer.load(tmp_path / "plain", cache=None)
    assert loaded.sentiment_features is None
    np.testing.assert_allclose(loaded.sentiment_head.predict_proba(tiny_data["X_new"]),
                               sentiment.predict_proba(tiny_data["X_new"]), atol=1e-5)


def test_save_with_unfitted_lexical_features(
    make_tiny_analyzer: Callable[..., Any], tmp_path: Path
) -> None:
    from voc.features import LexicalFeatures, SentimentFeatures

    analyzer = make_tiny_analyzer(sentiment_features=SentimentFeatures(
        LexicalFeatures(n_features=2**10, weight=0.5), lexicon_weight=1.0))
    analyzer.save(tmp_path / "m", version="1")
    loaded = Analyzer.load(tmp_path / "m", cache=None)
    np.testing.assert_allclose(loaded.sentiment_features.lexical.idf_, 1.0)


def test_latest_is_updated(make_tiny_analyzer: Callable[..., Any], tmp_path: Path) -> None:
    analyzer = make_tiny_analyzer()
    root = tmp_path / "m"
    analyzer.save(root, version="2024.1")
    assert (root / LATEST_FILE).read_text(encoding="utf-8").strip() == "2024.1"
    analyzer.save(root, version="2024.2")
    assert (root / LATEST_FILE).read_text(encoding="utf-8").strip() == "2024.2"
    assert resolve_model_dir(root) == root / "2024.2"
    analyzer.save(root, version="2024.3", set_latest=False)
    assert (root / LATEST_FILE).read_text(encoding="utf-8").strip() == "2024.2"
    assert list_versions(root) == ["2024.1", "2024.2", "2024.3"]
    set_latest_version(root, "2024.1")
    assert Analyzer.load(root, cache=None).info["version"] == "2024.1"
    with pytest.raises(ModelError):
        set_latest_version(root, "9.9")
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


def test_default_version_is_a_timestamp(
    make_tiny_analyzer: Callable[..., Any], tmp_path: Path
) -> None:
    target = make_tiny_analyzer().save(tmp_path / "m")
    assert target.parent == tmp_path / "m"
    assert len(target.name) == len("20240101-120000") and target.name[8] == "-"


def test_saving_to_existing_version_raises(
    saved_model: Path, make_tiny_analyzer: Callable[..., Any], tmp_path: Path
) -> None:
    root = _copy(saved_model, tmp_path)
    before = (root / "1.0.0" / WEIGHTS_FILE).read_bytes()
    with pytest.raises(ModelError) as info:
        make_tiny_analyzer().save(root, version="1.0.0")
    assert "already exists" in info.value.found
    assert (root / "1.0.0" / WEIGHTS_FILE).read_bytes() == before
    assert _entries(root) == ["1.0.0", LATEST_FILE]


# ------------------------------------------------------------------------------------------
# Integrity checks on load
# ------------------------------------------------------------------------------------------


def test_tampered_weights_raise(saved_model: Path, tmp_path: Path) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    data = bytearray((version_dir / WEIGHTS_FILE).read_bytes())
    data[len(data) // 2] ^= 0x01
    (version_dir / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        Analyzer.load(version_dir, cache=None)
    assert "sha256" in str(info.value)
    assert WEIGHTS_FILE in info.value.expected


def test_tampered_taxonomy_raises(saved_model: Path, tmp_path: Path) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    path = version_dir / TAXONOMY_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(ModelError, match="sha256"):
        load_model_files(version_dir)


def test_pickle_instead_of_weights_raises(saved_model: Path, tmp_path: Path) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    payload = pickle.dumps({"themes.coef": np.zeros((3, 512))}, protocol=4)
    (version_dir / WEIGHTS_FILE).write_bytes(payload)
    meta = _meta(version_dir)
    meta["files"][WEIGHTS_FILE] = _sha256(version_dir / WEIGHTS_FILE)  # get past the sha check
    _write_meta(version_dir, meta)
    with pytest.raises(ModelError) as info:
        Analyzer.load(version_dir, cache=None)
    assert "pickle" in info.value.found


def test_garbage_weights_with_matching_sha_raise(saved_model: Path, tmp_path: Path) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    (version_dir / WEIGHTS_FILE).write_bytes(b"not a safetensors file at all")
    meta = _meta(version_dir)
    meta["files"][WEIGHTS_FILE] = _sha256(version_dir / WEIGHTS_FILE)
    _write_meta(version_dir, meta)
    with pytest.raises(ModelError, match="safetensors"):
        load_model_files(version_dir)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"{not json", "JSON"),
        (b"\xff\xfe\x00garbage", "JSON"),
        (b"[1, 2, 3]", "voc-model"),
        (b'{"format": "something-else"}', "voc-model"),
    ],
)
def test_malformed_model_json(
    saved_model: Path, tmp_path: Path, content: bytes, needle: str
) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    (version_dir / MODEL_FILE).write_bytes(content)
    with pytest.raises(ModelError) as info:
        Analyzer.load(version_dir, cache=None)
    assert needle in str(info.value)


@pytest.mark.parametrize("mutate", ["drop_heads", "drop_sentiment", "bad_settings", "files_list"])
def test_incomplete_model_json(saved_model: Path, tmp_path: Path, mutate: str) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    meta = _meta(version_dir)
    if mutate == "drop_heads":
        del meta["heads"]
    elif mutate == "drop_sentiment":
        del meta["heads"]["sentiment"]
    elif mutate == "bad_settings":
        meta["settings"] = {"no_such_setting": 1}
    else:
        meta["files"] = ["heads.safetensors"]
    _write_meta(version_dir, meta)
    with pytest.raises(ModelError):
        Analyzer.load(version_dir, cache=None)


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 99])
def test_newer_format_version_asks_to_upgrade(
    saved_model: Path, tmp_path: Path, version: int
) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    meta = _meta(version_dir)
    meta["format_version"] = version
    meta["voc_version"] = "9.0.0"
    _write_meta(version_dir, meta)
    with pytest.raises(ModelError) as info:
        Analyzer.load(version_dir, cache=None)
    assert "upgrade voc" in str(info.value)
    assert "9.0.0" in info.value.found


def test_missing_format_version(saved_model: Path, tmp_path: Path) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    meta = _meta(version_dir)
    del meta["format_version"]
    _write_meta(version_dir, meta)
    with pytest.raises(ModelError):
        load_model_files(version_dir)


@pytest.mark.parametrize("name", [TAXONOMY_FILE, WEIGHTS_FILE])
def test_missing_file_raises(saved_model: Path, tmp_path: Path, name: str) -> None:
    version_dir = _copy(saved_model, tmp_path) / "1.0.0"
    (version_dir / name).unlink()
    with pytest.raises(ModelError) as info:
        Analyzer.load(version_dir, cache=None)
    assert name in info.value.expected
    assert "no such file" in info.value.found


def test_head_classes_must_be_in_taxonomy(
    tiny_heads: dict[str, Any], tiny_data: dict[str, Any]
) -> None:
    from voc.taxonomy import Taxonomy, Theme

    with pytest.raises(ModelError):
        Analyzer(Taxonomy((Theme("delivery", "D"),)), tiny_heads["themes"],
                 tiny_heads["sentiment"], cache=None)


# ------------------------------------------------------------------------------------------
# Atomic save
# ------------------------------------------------------------------------------------------


class Boom(RuntimeError):
    pass


def _assert_intact(root: Path, reference: Path) -> None:
    """Only the old version and LATEST remain (no partial or hidden temp dirs), unchanged."""
    assert _entries(root) == ["1.0.0", LATEST_FILE]
    assert (root / LATEST_FILE).read_text(encoding="utf-8").strip() == "1.0.0"
    for name in _entries(reference / "1.0.0"):
        assert (root / "1.0.0" / name).read_bytes() == (reference / "1.0.0" / name).read_bytes()
    assert load_model_files(root).path == root / "1.0.0"


def test_crash_while_writing_weights_leaves_previous_version(
    saved_model: Path, make_tiny_analyzer: Callable[..., Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import safetensors.numpy

    root = _copy(saved_model, tmp_path)

    def crash(tensors: Any, filename: str, *args: Any, **kwargs: Any) -> None:
        Path(filename).write_bytes(b"partial")
        raise Boom("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", crash)
    with pytest.raises(Boom):
        make_tiny_analyzer().save(root, version="2.0.0")
    _assert_intact(root, saved_model)


def test_crash_while_writing_model_json_leaves_previous_version(
    saved_model: Path, make_tiny_analyzer: Callable[..., Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = _copy(saved_model, tmp_path)
    real_write_text = Path.write_text

    def write_text(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        if self.name == MODEL_FILE:
            real_write_text(self, data[:10], *args, **kwargs)
            raise KeyboardInterrupt  # even an interrupt must not leave a partial version
        return real_write_text(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    with pytest.raises(KeyboardInterrupt):
        make_tiny_analyzer().save(root, version="2.0.0")
    monkeypatch.undo()
    _assert_intact(root, saved_model)


def test_crash_while_updating_latest_leaves_no_temp_file(
    saved_model: Path, make_tiny_analyzer: Callable[..., Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = _copy(saved_model, tmp_path)
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == LATEST_FILE:
            raise Boom("crash before LATEST is replaced")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(Boom):
        make_tiny_analyzer().save(root, version="2.0.0")
    monkeypatch.undo()
    # the new version is complete but not active; LATEST still names the old one
    assert _entries(root) == ["1.0.0", "2.0.0", LATEST_FILE]
    assert (root / LATEST_FILE).read_text(encoding="utf-8").strip() == "1.0.0"
    assert load_model_files(root / "2.0.0").meta["version"] == "2.0.0"


def test_save_model_files_directly(tmp_path: Path) -> None:
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3)}
    target = save_model_files(tmp_path / "m" / "v1", {"name": "m"}, arrays, "themes: []\n",
                              "# card\n")
    files = load_model_files(target)
    np.testing.assert_array_equal(files.arrays["a"], arrays["a"])
    assert files.meta["name"] == "m"
    assert (tmp_path / "m" / LATEST_FILE).read_text(encoding="utf-8").strip() == "v1"
    assert oct(target.stat().st_mode & 0o777) == oct(0o755)


# ------------------------------------------------------------------------------------------
# Resolving names and listing versions
# ------------------------------------------------------------------------------------------


def test_resolve_by_name_from_workspace(
    saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("VOC_HOME", str(home))
    assert workspace_models_dir() == home / "models"
    shutil.copytree(saved_model, home / "models" / "tiny")
    assert resolve_model_dir("tiny") == home / "models" / "tiny" / "1.0.0"
    assert Analyzer.load("tiny", cache=None).info["name"] == "tiny"


def test_resolve_by_name_from_shipped_dir(
    saved_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shutil.copytree(saved_model, shipped / "tiny")
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("VOC_MODELS_DIR", str(shipped))
    assert shipped_models_dir() == shipped
    assert resolve_model_dir("tiny") == shipped / "tiny" / "1.0.0"
    # a workspace model of the same name wins over the shipped one
    shutil.copytree(saved_model, tmp_path / "empty-home" / "models" / "tiny")
    assert resolve_model_dir("tiny") == tmp_path / "empty-home" / "models" / "tiny" / "1.0.0"


def test_resolve_shipped_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOC_HOME", str(tmp_path))
    monkeypatch.delenv("VOC_MODELS_DIR", raising=False)
    latest = (ROOT / "models" / "default" / LATEST_FILE).read_text(encoding="utf-8").strip()
    assert resolve_model_dir("default") == ROOT / "models" / "default" / latest
    files = load_model_files("default")  # the shipped model passes every check
    assert files.meta["format_version"] == FORMAT_VERSION
    assert {k.split(".")[0] for k in files.arrays} == {"themes", "sentiment", "features"}


def test_resolve_by_path(saved_model: Path) -> None:
    assert resolve_model_dir(saved_model) == saved_model / "1.0.0"
    assert resolve_model_dir(saved_model / "1.0.0") == saved_model / "1.0.0"
    assert resolve_model_dir(str(saved_model / "1.0.0")) == saved_model / "1.0.0"


def test_unknown_name_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOC_HOME", str(tmp_path))
    with pytest.raises(ModelError) as info:
        resolve_model_dir("no-such-model")
    assert "no-such-model" in info.value.found
    with pytest.raises(ModelError):
        Analyzer.load(tmp_path / "nowhere")


def test_latest_naming_a_missing_version_raises(saved_model: Path, tmp_path: Path) -> None:
    root = _copy(saved_model, tmp_path)
    (root / LATEST_FILE).write_text("3.0.0\n", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        resolve_model_dir(root)
    assert "3.0.0" in info.value.found


def test_list_versions(saved_model: Path, tmp_path: Path) -> None:
    root = _copy(saved_model, tmp_path)
    shutil.copytree(root / "1.0.0", root / "0.9.0")
    (root / ".1.1.0.tmpabc").mkdir()  # a temp dir left by a crashed process
    (root / "notes").mkdir()  # no model.json
    (root / "file.txt").write_text("x", encoding="utf-8")
    assert list_versions(root) == ["0.9.0", "1.0.0"]
    assert list_versions(tmp_path / "missing") == []
