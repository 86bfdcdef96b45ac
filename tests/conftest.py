"""Session-wide test setup: offline, a throw-away workspace, shared models and tiny training data.

* ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` are set before any test runs (no network).
* ``VOC_HOME`` points at a per-session temporary directory, so no test writes to ``~/.voc``
  (trained models, the embedding cache). Tests that need their own workspace monkeypatch it.
* The shipped default :class:`~voc.pipeline.Analyzer` is loaded once per session.
* A dozen short multilingual rows with 3 themes + sentiment are embedded once per session (USE)
  for the overfit tests of the heads and the registry round trips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
VOC_BIN = ROOT / ".venv" / "bin" / "voc"

_SESSION_HOME: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    home = tempfile.mkdtemp(prefix="voc-test-home-")
    _SESSION_HOME["previous"] = os.environ.get("VOC_HOME", "")
    _SESSION_HOME["path"] = home
    os.environ["VOC_HOME"] = home
    config.addinivalue_line(
        "markers",
        "background_job(key): the test reads the result of the subprocess job `key`, which is "
        "started as soon as collection finishes and runs while other tests run",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    for job in _JOBS.values():
        job.stop()
    home = _SESSION_HOME.pop("path", None)
    previous = _SESSION_HOME.pop("previous", "")
    if previous:
        os.environ["VOC_HOME"] = previous
    else:
        os.environ.pop("VOC_HOME", None)
    if home:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def session_home() -> Path:
    """The per-session ``VOC_HOME`` (a temporary directory, removed at the end)."""
    return Path(_SESSION_HOME["path"])


def python_exe() -> str:
    """The venv's python when it exists (subprocess tests), else the running interpreter."""
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


# --------------------------------------------------------------------------------------------
# Background subprocess jobs
#
# Subprocess tests (a cold CLI run, the no-torch check, the torch-based MiniLM backend) spend
# most of their time importing and loading models. Each is registered by its test module with
# ``@background_job(key)``; when collection finishes, the jobs of the selected tests start
# in the background (one process each), and the test marked ``@pytest.mark.background_job(key)``
# waits for the result with the ``background`` fixture.
# --------------------------------------------------------------------------------------------

JobSpec = Callable[[Path], "list[str]"]
_SPECS: dict[str, JobSpec] = {}


def background_job(key: str) -> Callable[[JobSpec], JobSpec]:
    """Register ``spec(workdir) -> argv`` (it may write input files into ``workdir``)."""

    def register(spec: JobSpec) -> JobSpec:
        _SPECS[key] = spec
        return spec

    return register


class Job:
    """One background subprocess with its own work directory and a fresh ``VOC_HOME``."""

    def __init__(self, key: str, spec: JobSpec) -> None:
        self.key = key
        self.workdir = Path(tempfile.mkdtemp(prefix=f"voc-job-{key}-"))
        env = dict(os.environ)
        env.update({"VOC_HOME": str(self.workdir / "home"), "VOC_THREADS": "1",
                    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "PYTHONHASHSEED": "0"})
        argv = spec(self.workdir)
        self._out = (self.workdir / "stdout.txt").open("w+b")
        self._err = (self.workdir / "stderr.txt").open("w+b")
        self.proc = subprocess.Popen(argv, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err)

    def wait(self, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        rc = self.proc.wait(timeout=timeout)
        self._out.seek(0)
        self._err.seek(0)
        return subprocess.CompletedProcess(
            self.proc.args, rc, self._out.read().decode("utf-8", "replace"),
            self._err.read().decode("utf-8", "replace"),
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self._err.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


_JOBS: dict[str, Job] = {}


def _start(key: str) -> Job:
    if key not in _JOBS:
        if key not in _SPECS:
            raise KeyError(f"no background job {key!r} registered")
        _JOBS[key] = Job(key, _SPECS[key])
    return _JOBS[key]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the tests that wait for background jobs last, so the jobs overlap the others."""
    items.sort(key=lambda item: item.get_closest_marker("background_job") is not None)


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        marker = item.get_closest_marker("background_job")
        if marker is not None and marker.args[0] in _SPECS:
            _start(marker.args[0])


@pytest.fixture
def background(request: pytest.FixtureRequest) -> Job:
    """The (already running) background job named by the test's ``background_job`` marker."""
    marker = request.node.get_closest_marker("background_job")
    assert marker is not None, "mark the test with @pytest.mark.background_job(key)"
    return _start(marker.args[0])


# --------------------------------------------------------------------------------------------
# Shared models
# --------------------------------------------------------------------------------------------

_CACHE: dict[str, Any] = {}


@pytest.fixture(scope="session")
def default_analyzer() -> Any:
    """The shipped default model, loaded once (do not mutate it in tests)."""
    if "analyzer" not in _CACHE:
        from voc.pipeline import Analyzer

        _CACHE["analyzer"] = Analyzer.load("default")
    return _CACHE["analyzer"]


@pytest.fixture(scope="session")
def use_embed() -> Callable[[Sequence[str]], np.ndarray]:
    """Embed texts with the USE backend (shared instance, in-memory cache only)."""
    from voc.embeddings import CachedEmbedder, get_embedder

    cached = CachedEmbedder(get_embedder("use-multilingual-v3"), cache=None)

    def embed(texts: Sequence[str]) -> np.ndarray:
        return cached.embed(list(texts))

    return embed


# --------------------------------------------------------------------------------------------
# Tiny training data: a dozen rows, 3 themes (multi-label, incl. no-theme rows), sentiment
# --------------------------------------------------------------------------------------------

TINY_THEMES = ["delivery", "staff", "price"]
TINY_ROWS: list[tuple[str, list[str], str]] = [
    ("The parcel arrived two weeks late.", ["delivery"], "negative"),
    ("Shipping was super fast, got it the next day.", ["delivery"], "positive"),
    ("Доставка опоздала на неделю.", ["delivery"], "negative"),
    ("The cashier was rude and ignored me.", ["staff"], "negative"),
    ("Very friendly and helpful staff.", ["staff"], "positive"),
    ("Obsługa była bardzo miła.", ["staff"], "positive"),
    ("Way too expensive for what you get.", ["price"], "negative"),
    ("Great value for the money.", ["price"], "positive"),
    ("价格太贵了", ["price"], "negative"),
    ("Late delivery and a rude courier.", ["delivery", "staff"], "negative"),
    ("Cheap and delivered quickly.", ["price", "delivery"], "positive"),
    ("I bought it on Tuesday.", [], "neutral"),
    ("My name is Anna.", [], "neutral"),
]
TINY_NEW_TEXTS = [
    "The courier came three days late.",
    "Prices are far too high.",
    "Продавец был очень вежлив.",
    "物流很快",
    "It is a blue shirt.",
]


@pytest.fixture(scope="session")
def tiny_data(use_embed: Callable[[Sequence[str]], np.ndarray]) -> dict[str, Any]:
    """``texts``, ``X`` (USE embeddings), ``labels`` (lists), ``Y`` (0/1), ``sentiment``."""
    from voc.themes import labels_to_indicator

    texts = [r[0] for r in TINY_ROWS]
    labels = [list(r[1]) for r in TINY_ROWS]
    X = use_embed(texts)
    X.setflags(write=False)
    return {
        "texts": texts,
        "X": X,
        "labels": labels,
        "Y": labels_to_indicator(labels, TINY_THEMES),
        "sentiment": [r[2] for r in TINY_ROWS],
        "classes": list(TINY_THEMES),
        "new_texts": list(TINY_NEW_TEXTS),
        "X_new": use_embed(TINY_NEW_TEXTS),
    }


def tiny_taxonomy() -> Any:
    from voc.taxonomy import Taxonomy, Theme

    return Taxonomy(
        themes=(
            Theme("delivery", "Delivery", "Speed of delivery", "deliver", "reliability",
                  {"en": ("late parcel",), "ru": ("доставка опоздала",)}),
            Theme("staff", "Staff", "Staff attitude", "visit", "empathy",
                  {"en": ("rude cashier",), "pl": ("miła obsługa",)}),
            Theme("price", "Price", "Price and value", "purchase", "tangibles",
                  {"en": ("too expensive",), "zh": ("太贵了",)}),
        ),
        version="0.1",
        name="tiny",
    )


@pytest.fixture(scope="session")
def tiny_heads(tiny_data: dict[str, Any]) -> dict[str, Any]:
    """Fitted heads and lexical features for the tiny taxonomy (shared; never mutate them)."""
    from voc.features import LexicalFeatures, SentimentFeatures
    from voc.sentiment import SentimentClassifier
    from voc.themes import ThemeClassifier

    featurizer = SentimentFeatures(LexicalFeatures(n_features=2**10, weight=0.5),
                                   lexicon_weight=1.0).fit(tiny_data["texts"])
    themes = ThemeClassifier(classes=tiny_data["classes"]).fit(tiny_data["X"], tiny_data["labels"])
    features = featurizer.transform(tiny_data["texts"], tiny_data["X"],
                                    ["en"] * len(tiny_data["texts"]))
    sentiment = SentimentClassifier().fit(features, tiny_data["sentiment"])
    return {"themes": themes, "sentiment": sentiment, "sentiment_features": featurizer}


@pytest.fixture
def make_tiny_analyzer(tiny_heads: dict[str, Any]) -> Callable[..., Any]:
    """Build a tiny Analyzer (3 themes, fitted heads, lexical features); no disk cache."""
    from voc.pipeline import Analyzer

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("cache", None)
        kwargs.setdefault("sentiment_features", tiny_heads["sentiment_features"])
        return Analyzer(tiny_taxonomy(), tiny_heads["themes"], tiny_heads["sentiment"],
                        "use-multilingual-v3", **kwargs)

    return make
