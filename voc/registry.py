"""Model directories on disk: format, atomic save, safe load, versions and the LATEST pointer.

A model lives in ``<root>/<name>/<version>/``::

    model.json          format + voc version, embedder name, head configs, settings, metrics,
                        training-data hash and size, sha256 of every other file
    heads.safetensors   all head weights (no pickle)
    taxonomy.yaml       the themes (with examples)
    README.md           the model card

``<root>/<name>/LATEST`` holds the current version's directory name. Shipped models live in the
repository's ``models/``; models a user trains live in the workspace (``$VOC_HOME/models``,
default ``~/.voc/models``), never inside the installed package.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voc.errors import ModelError

FORMAT_NAME = "voc-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "heads.safetensors"
TAXONOMY_FILE = "taxonomy.yaml"
CARD_FILE = "README.md"
LATEST_FILE = "LATEST"
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def shipped_models_dir() -> Path:
    """The repository's ``models/`` folder (or ``$VOC_MODELS_DIR``)."""
    env = os.environ.get("VOC_MODELS_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def workspace_dir() -> Path:
    """The user's workspace (``$VOC_HOME``, default ``~/.voc``): trained models, caches, store."""
    return Path(os.environ.get("VOC_HOME", Path.home() / ".voc"))


def workspace_models_dir() -> Path:
    return workspace_dir() / "models"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelFiles:
    """The checked contents of a model directory."""

    path: Path
    meta: dict[str, Any]
    arrays: dict[str, np.ndarray]


def resolve_model_dir(name_or_path: str | os.PathLike[str] = "default") -> Path:
    """Find a model directory from a path or a name.

    A path may point at a version directory (with ``model.json``) or at a model folder with a
    ``LATEST`` file. A bare name is looked up in the workspace first, then in the shipped
    ``models/``.
    """
    candidates: list[Path] = []
    path = Path(name_or_path)
    if path.exists() or os.sep in str(name_or_path) or str(name_or_path).startswith("."):
        candidates.append(path)
    else:
        candidates += [workspace_models_dir() / str(name_or_path),
                       shipped_models_dir() / str(name_or_path)]
    for cand in candidates:
        if (cand / MODEL_FILE).is_file():
            return cand
        latest = cand / LATEST_FILE
        if latest.is_file():
            version = latest.read_text(encoding="utf-8").strip()
            if (cand / version / MODEL_FILE).is_file():
                return cand / version
            raise ModelError(
                expected=f"the version named in {latest} to exist",
                found=f"LATEST says {version!r} but {cand / version / MODEL_FILE} is missing",
                fix="run `voc models list` and activate an existing version",
            )
    raise ModelError(
        expected="a voc model directory (with model.json) or a model name",
        found=f"nothing at {', '.join(str(c) for c in candidates)}",
        fix="pass a directory written by `voc train`, or a name from `voc models list`",
    )


def load_model_files(name_or_path: str | os.PathLike[str] = "default") -> ModelFiles:
    """Read and verify a model directory; every problem raises :class:`ModelError`."""
    path = resolve_model_dir(name_or_path)
    raw = (path / MODEL_FILE).read_bytes()
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(
            expected=f"{MODEL_FILE} to be JSON",
            found=f"unreadable content ({exc})",
            fix="restore the model from a backup or retrain it",
        ) from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(
            expected=f'{MODEL_FILE} with "format": "{FORMAT_NAME}"',
            found=f"format {meta.get('format') if isinstance(meta, dict) else type(meta)!r}",
            fix="point voc at a model directory written by voc",
        )
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(
            expected=f"model format version <= {FORMAT_VERSION}",
            found=f"format version {version!r} (written by voc {meta.get('voc_version')})",
            fix="upgrade voc to the version that wrote this model",
        )
    files = meta.get("files")
    if not isinstance(files, dict):
        files = {}
    for name in (WEIGHTS_FILE, TAXONOMY_FILE):
        fpath = path / name
        if not fpath.is_file():
            raise ModelError(
                expected=f"{name} in {path}", found="no such file",
                fix="copy the whole model directory, not just model.json",
            )
        if files.get(name) != _sha256(fpath):
            raise ModelError(
                expected=f"{name} to match the sha256 recorded in {MODEL_FILE}",
                found="a different file (modified or from another model)",
                fix="do not edit model files by hand; retrain or restore the model",
            )
    head = (path / WEIGHTS_FILE).read_bytes()[:8]
    if head.startswith(_PICKLE_MAGIC):
        raise ModelError(
            expected=f"{WEIGHTS_FILE} in safetensors format", found="a pickle file",
            fix="voc never loads pickles; retrain the model with voc",
        )
    try:
        from safetensors.numpy import load_file

        arrays = load_file(str(path / WEIGHTS_FILE))
    except Exception as exc:  # safetensors raises several error types for bad files
        raise ModelError(
            expected=f"{WEIGHTS_FILE} in safetensors format",
            found=f"an unreadable file ({exc})",
            fix="restore the model from a backup or retrain it",
        ) from exc
    return ModelFiles(path=path, meta=meta, arrays=arrays)


def save_model_files(
    target: str | os.PathLike[str],
    meta: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    taxonomy_yaml: str,
    card: str,
    *,
    set_latest: bool = True,
) -> Path:
    """Write a model version directory atomically.

    ``target`` is ``<root>/<name>/<version>``. Files are written into a temporary sibling
    directory which is renamed into place only when complete, so a crash mid-save leaves any
    previous version intact. Then ``<root>/<name>/LATEST`` is replaced atomically.
    """
    from safetensors.numpy import save_file

    target = Path(target)
    if target.exists():
        raise ModelError(
            expected="a new version directory", found=f"{target} already exists",
            fix="choose another version name; saved versions are never overwritten",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp creates 0700; models are meant to be shared read-only
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()},
                  str(tmp / WEIGHTS_FILE))
        (tmp / TAXONOMY_FILE).write_text(taxonomy_yaml, encoding="utf-8")
        (tmp / CARD_FILE).write_text(card, encoding="utf-8")
        full = dict(meta)
        full["format"] = FORMAT_NAME
        full["format_version"] = FORMAT_VERSION
        full["files"] = {n: _sha256(tmp / n) for n in (WEIGHTS_FILE, TAXONOMY_FILE)}
        (tmp / MODEL_FILE).write_text(
            json.dumps(full, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if set_latest:
        set_latest_version(target.parent, target.name)
    return target


def set_latest_version(model_root: str | os.PathLike[str], version: str) -> None:
    """Point ``<model_root>/LATEST`` at ``version`` (atomic replace)."""
    root = Path(model_root)
    if not (root / version / MODEL_FILE).is_file():
        raise ModelError(
            expected=f"a saved version {version!r} under {root}",
            found="no such version",
            fix="run `voc models list` to see the saved versions",
        )
    fd, tmp = tempfile.mkstemp(prefix=".LATEST.", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(version + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, root / LATEST_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def list_versions(model_root: str | os.PathLike[str]) -> list[str]:
    """Saved version directory names under a model folder, oldest first (by name)."""
    root = Path(model_root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / MODEL_FILE).is_file())


def list_models(*roots: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every saved model version, as dicts (for ``voc models list``).

    Args:
        roots: folders holding ``<name>/<version>/`` model directories; default the workspace
            (``$VOC_HOME/models``) and then the shipped ``models/``.

    Returns:
        One dict per version: ``name``, ``version``, ``latest`` (bool), ``location``
        (``workspace``, ``shipped`` or the root), ``path``, ``created``, ``embedder``,
        ``n_themes``, ``micro_f1`` (the stored cross-validated or evaluated micro-F1, or
        None) and ``error`` (None, or why model.json could not be read).
    """
    pairs: list[tuple[str, Path]] = (
        [(str(r), Path(r)) for r in roots] if roots
        else [("workspace", workspace_models_dir()), ("shipped", shipped_models_dir())]
    )
    out: list[dict[str, Any]] = []
    for location, root in pairs:
        if not root.is_dir():
            continue
        for model_root in sorted(p for p in root.iterdir()
                                 if p.is_dir() and not p.name.startswith(".")):
            latest_file = model_root / LATEST_FILE
            latest = (latest_file.read_text(encoding="utf-8").strip()
                      if latest_file.is_file() else None)
            for version in list_versions(model_root):
                entry: dict[str, Any] = {
                    "name": model_root.name, "version": version, "latest": version == latest,
                    "location": location, "path": str(model_root / version), "created": None,
                    "embedder": None, "n_themes": None, "micro_f1": None, "error": None,
                }
                try:
                    meta = json.loads((model_root / version / MODEL_FILE).read_text("utf-8"))
                    metrics = meta.get("metrics") or {}
                    evaluations = meta.get("evaluations") or []
                    micro = (evaluations[-1].get("summary", {}).get("micro_f1") if evaluations
                             else metrics.get("cv_micro_f1"))
                    entry.update({
                        "created": meta.get("created"), "embedder": meta.get("embedder"),
                        "n_themes": len(meta.get("heads", {}).get("themes", {})
                                        .get("classes", [])),
                        "micro_f1": micro,
                    })
                except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
                    entry["error"] = f"unreadable model.json ({exc})"
                out.append(entry)
    return out
