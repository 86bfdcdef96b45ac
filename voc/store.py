"""The workspace: datasets, analyses, labels and model versions in one embedded DuckDB file.

Everything a person does in the app lands here, committed as it happens, so it survives a
browser refresh, an app restart and a crash (DuckDB writes every commit to its write-ahead
log before returning):

* **datasets**: the uploaded file's bytes exactly as received (the raw table is re-read from
  them with :func:`voc.read_feedback`, so reading problems such as ragged rows keep their row
  numbers), its file name, sheet, and the column mapping the user confirmed;
* **analyses**: the ``documents``, ``mentions`` and ``segments`` tables of one
  :meth:`voc.Analyzer.analyze` run (stored as Parquet blobs), with the model name, version
  and path, the mapping and settings used; one per (dataset, model version, mapping);
* **labels**: one row per (dataset, comment) with the corrected themes and sentiment, upserted
  on every edit and committed at once, plus an append-only log of every edit
  (``label_events``), so nothing typed is ever lost, even when a later edit overwrites it;
  a retrain reads a snapshot (:meth:`Workspace.label_frame`), never holds the database;
* **themes** the user added, **model versions** trained in the app, and the **active model**
  pointer (an append-only log of activations, so a roll back knows what came before).

The file is ``$VOC_WORKSPACE`` when set, else ``$VOC_HOME/workspace.duckdb`` (``VOC_HOME``
defaults to ``~/.voc``, see :func:`voc.registry.workspace_dir`); any path can be passed. A
file that is not a DuckDB database, a database that is not a voc workspace, a workspace
written by a newer voc, or a file locked by another program raises :class:`StoreError`
saying what was found and what to do.

Thread safety: one :class:`Workspace` may be shared by the threads of a Streamlit server;
every operation runs on its own cursor under a lock.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import re
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from voc.errors import VocError
from voc.registry import workspace_dir

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

    from voc.pipeline import AnalysisResult

__all__ = [
    "DEFAULT_MODEL",
    "ENV_VAR",
    "SCHEMA_VERSION",
    "AnalysisInfo",
    "DatasetInfo",
    "ModelVersion",
    "StoreError",
    "StoredAnalysis",
    "Workspace",
    "default_path",
    "slugify",
]

#: Version of the tables below; a file with a higher number was written by a newer voc.
SCHEMA_VERSION = 1
#: Environment variable naming the workspace file.
ENV_VAR = "VOC_WORKSPACE"
#: The active model when none was chosen: the shipped default model.
DEFAULT_MODEL = "default"
LABEL_SENTIMENTS = ("positive", "negative", "neutral", "mixed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS voc_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE SEQUENCE IF NOT EXISTS voc_seq START 1;
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, filename VARCHAR NOT NULL,
    sheet VARCHAR, created TIMESTAMP NOT NULL, n_rows BIGINT NOT NULL,
    n_columns INTEGER NOT NULL, size_bytes BIGINT NOT NULL, mapping VARCHAR NOT NULL,
    is_sample BOOLEAN NOT NULL, seq BIGINT NOT NULL, source BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS analyses (
    analysis_id VARCHAR PRIMARY KEY, dataset_id VARCHAR NOT NULL, model_name VARCHAR,
    model_version VARCHAR, model_path VARCHAR NOT NULL, mapping VARCHAR NOT NULL,
    settings VARCHAR NOT NULL, created TIMESTAMP NOT NULL, seconds DOUBLE,
    n_documents BIGINT NOT NULL, n_mentions BIGINT NOT NULL, score_scale VARCHAR,
    theme_names VARCHAR NOT NULL, seq BIGINT NOT NULL, documents BLOB NOT NULL,
    mentions BLOB NOT NULL, segments BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS labels (
    dataset_id VARCHAR NOT NULL, doc_id VARCHAR NOT NULL, text VARCHAR NOT NULL,
    themes VARCHAR NOT NULL, sentiment VARCHAR, created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL, PRIMARY KEY (dataset_id, doc_id));
CREATE TABLE IF NOT EXISTS label_events (
    seq BIGINT PRIMARY KEY, happened TIMESTAMP NOT NULL, dataset_id VARCHAR NOT NULL,
    doc_id VARCHAR NOT NULL, action VARCHAR NOT NULL, themes VARCHAR, sentiment VARCHAR);
CREATE TABLE IF NOT EXISTS themes (
    theme_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, description VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS models (
    path VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, version VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL, base VARCHAR, n_labels BIGINT, metrics VARCHAR NOT NULL,
    evaluation VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS model_events (
    seq BIGINT PRIMARY KEY, happened TIMESTAMP NOT NULL, model VARCHAR NOT NULL,
    action VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""
_TABLES = ("documents", "mentions", "segments")


class StoreError(VocError):
    """The workspace file cannot be opened or used (corrupt, newer, locked, unknown ids)."""


def default_path() -> Path:
    """``$VOC_WORKSPACE``, else ``$VOC_HOME/workspace.duckdb`` (``~/.voc/workspace.duckdb``)."""
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else workspace_dir() / "workspace.duckdb"


def slugify(name: str) -> str:
    """A theme id from a display name: ``"Gift wrapping!"`` -> ``"gift_wrapping"``.

    Letters of any script are kept (``"Упаковка"`` -> ``"упаковка"``); spaces and
    punctuation become single underscores.
    """
    slug = re.sub(r"[^\w]+", "_", str(name).strip().lower(), flags=re.UNICODE).strip("_")
    return slug


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


def _to_parquet(frame: pd.DataFrame) -> bytes:
    out = frame.copy(deep=False)
    out.attrs = {}
    buffer = io.BytesIO()
    out.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def _from_parquet(blob: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(blob), engine="pyarrow")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset of the workspace (without its bytes).

    Attributes:
        dataset_id: a short unique id.
        name: the display name (the file name unless renamed).
        filename: the uploaded file's name (its extension names the format).
        sheet: the XLSX sheet read, or None.
        created: when it was added (UTC).
        n_rows, n_columns: size of the raw table.
        size_bytes: size of the uploaded file.
        mapping: role -> source column (``text``, ``score``, ``date``, ``id``, ``segment``,
            ``channel``, ``journey_stage``), as confirmed by the user.
        is_sample: the bundled sample, added automatically on first start.
    """

    dataset_id: str
    name: str
    filename: str
    sheet: str | None
    created: _dt.datetime
    n_rows: int
    n_columns: int
    size_bytes: int
    mapping: dict[str, str | None]
    is_sample: bool


@dataclass(frozen=True)
class AnalysisInfo:
    """One stored analysis (without its tables)."""

    analysis_id: str
    dataset_id: str
    model_name: str | None
    model_version: str | None
    model_path: str
    mapping: dict[str, str | None]
    settings: dict[str, Any]
    created: _dt.datetime
    seconds: float | None
    n_documents: int
    n_mentions: int
    score_scale: str | None

    @property
    def model_label(self) -> str:
        """``"default 1.0.0"``."""
        return f"{self.model_name or 'model'} {self.model_version or ''}".strip()


@dataclass(frozen=True)
class StoredAnalysis:
    """A stored analysis with its tables (treat the frames as read-only)."""

    info: AnalysisInfo
    documents: pd.DataFrame
    mentions: pd.DataFrame
    segments: pd.DataFrame
    theme_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelVersion:
    """A model version trained in this workspace."""

    path: str
    name: str
    version: str
    created: _dt.datetime
    base: str | None
    n_labels: int | None
    metrics: dict[str, Any]
    evaluation: dict[str, Any]


class Workspace:
    """The workspace database (see the module docstring).

    Args:
        path: the DuckDB file (created with its folder when missing); default
            :func:`default_path`.
        read_only: open without writing (several processes may read one file).

    Raises:
        StoreError: the file is not a DuckDB database, not a voc workspace, written by a newer
            voc, or locked by another program.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path).expanduser() if path is not None else default_path()
        self.read_only = read_only
        self._lock = threading.RLock()
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con: duckdb.DuckDBPyConnection | None = duckdb.connect(
                str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise self._open_error(exc) from exc
        try:
            self._init_schema()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def _open_error(self, exc: Exception) -> StoreError:
        text = str(exc)
        if "lock" in text.lower():
            return StoreError(
                expected=f"to open the workspace {self.path}",
                found="it is in use by another program (another voc app or a Python session)",
                fix="close the other voc app, or point this one at another file with "
                    f"{ENV_VAR}=/path/to/other.duckdb",
            )
        if "not a valid DuckDB database" in text:
            found = "a file that is not a DuckDB database (damaged or another kind of file)"
        elif "version" in text.lower():
            found = f"a DuckDB file of another format version ({text.splitlines()[0]})"
        else:
            found = f"an unreadable file ({text.splitlines()[0] if text else type(exc).__name__})"
        return StoreError(
            expected=f"a voc workspace (DuckDB database) at {self.path}",
            found=found,
            fix=f"move the file aside (voc starts a new, empty workspace) or set {ENV_VAR} "
                "to another path; restore it from a backup if it held your work",
        )

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._con is None:
            raise StoreError(expected="an open workspace", found="a closed one",
                             fix="open the workspace again with voc.store.Workspace(path)")
        with self._lock:
            cur = self._con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT (rolled back on any error)."""
        with self._cursor() as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _init_schema(self) -> None:
        import duckdb

        with self._cursor() as cur:
            tables = {r[0] for r in cur.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
            if "voc_meta" not in tables:
                if tables:
                    raise StoreError(
                        expected=f"a voc workspace at {self.path}",
                        found="a DuckDB database with other tables "
                              f"({', '.join(sorted(tables)[:5])})",
                        fix=f"set {ENV_VAR} to a new file name; voc does not change databases "
                            "it did not create",
                    )
                if self.read_only:
                    raise StoreError(expected=f"a voc workspace at {self.path}",
                                     found="an empty database",
                                     fix="open it once without read_only to create it")
            else:
                row = cur.execute(
                    "SELECT value FROM voc_meta WHERE key = 'schema_version'").fetchone()
                version = int(row[0]) if row and str(row[0]).isdigit() else None
                if version is None or version > SCHEMA_VERSION:
                    raise StoreError(
                        expected=f"a workspace of schema version {SCHEMA_VERSION} or older",
                        found=f"schema version {row[0] if row else 'missing'}, written by a "
                              "newer voc" if version else "no readable schema version",
                        fix="upgrade voc (pip install -U voc), or set "
                            f"{ENV_VAR} to another file",
                    )
            if self.read_only:
                return
            try:
                cur.execute("BEGIN TRANSACTION")
                cur.execute(_SCHEMA)
                cur.execute(
                    "INSERT INTO voc_meta VALUES ('schema_version', ?) ON CONFLICT (key) "
                    "DO NOTHING", [str(SCHEMA_VERSION)])
                cur.execute(
                    "INSERT INTO voc_meta VALUES ('created', ?) ON CONFLICT (key) DO NOTHING",
                    [_now().isoformat()])
                cur.execute("COMMIT")
            except duckdb.Error as exc:  # pragma: no cover - disk full, permissions
                cur.execute("ROLLBACK")
                raise self._open_error(exc) from exc

    def close(self) -> None:
        """Close the file (a checkpoint folds the write-ahead log into it)."""
        with self._lock:
            if self._con is not None:
                try:
                    if not self.read_only:
                        self._con.execute("CHECKPOINT")
                finally:
                    self._con.close()
                    self._con = None

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._con is None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def models_dir(self) -> Path:
        """Where models trained in this workspace are saved: ``models/`` beside the file
        (for the default file, ``$VOC_HOME/models``, the registry's workspace models)."""
        return self.path.parent / "models"

    # ------------------------------------------------------------------ settings
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        """A workspace setting (e.g. the current dataset), or ``default``."""
        with self._cursor() as cur:
            row = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Set a workspace setting (committed at once)."""
        with self._cursor() as cur:
            cur.execute("INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                        "value = excluded.value", [key, str(value)])

    # ------------------------------------------------------------------ datasets
    def add_dataset(
        self,
        data: bytes,
        filename: str,
        *,
        name: str | None = None,
        sheet: str | None = None,
        mapping: Mapping[str, str | None] | None = None,
        is_sample: bool = False,
    ) -> DatasetInfo:
        """Store an uploaded file; its raw table is read (and checked) first.

        Args:
            data: the file's bytes, exactly as uploaded.
            filename: its name (the extension names the format).
            name: display name (default: the file name).
            sheet: XLSX sheet.
            mapping: column roles; default: inferred with :func:`voc.infer_mapping`.
            is_sample: mark the bundled sample.

        Raises:
            InputFileError: the bytes are not a readable feedback file (nothing is stored).
        """
        from voc.io import read_feedback
        from voc.schema import infer_mapping

        raw = read_feedback(bytes(data), filename=filename, sheet=sheet)
        if mapping is None:
            try:
                mapping = infer_mapping(raw).as_dict()
            except VocError:
                mapping = {}
        dataset_id = uuid.uuid4().hex[:10]
        with self._cursor() as cur:
            cur.execute(
                "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, nextval('voc_seq'), ?)",
                [dataset_id, name or filename, filename, sheet, _now(), len(raw),
                 int(raw.shape[1]), len(data), _json(dict(mapping)), is_sample, bytes(data)])
        return self.dataset(dataset_id)

    def _dataset_row(self, row: Sequence[Any]) -> DatasetInfo:
        return DatasetInfo(
            dataset_id=row[0], name=row[1], filename=row[2], sheet=row[3], created=row[4],
            n_rows=int(row[5]), n_columns=int(row[6]), size_bytes=int(row[7]),
            mapping=json.loads(row[8]), is_sample=bool(row[9]),
        )

    _DATASET_COLUMNS = ("dataset_id, name, filename, sheet, created, n_rows, n_columns, "
                        "size_bytes, mapping, is_sample")

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset, oldest first."""
        with self._cursor() as cur:
            rows = cur.execute(
                f"SELECT {self._DATASET_COLUMNS} FROM datasets ORDER BY seq").fetchall()
        return [self._dataset_row(r) for r in rows]

    def dataset(self, dataset_id: str) -> DatasetInfo:
        """One dataset; StoreError when there is no such id."""
        with self._cursor() as cur:
            row = cur.execute(f"SELECT {self._DATASET_COLUMNS} FROM datasets "
                              "WHERE dataset_id = ?", [dataset_id]).fetchone()
        if row is None:
            raise StoreError(expected="the id of a dataset in this workspace",
                             found=repr(dataset_id),
                             fix="pick one of Workspace.datasets() (it may have been deleted)")
        return self._dataset_row(row)

    def dataset_bytes(self, dataset_id: str) -> bytes:
        """The uploaded file's bytes."""
        with self._cursor() as cur:
            row = cur.execute("SELECT source FROM datasets WHERE dataset_id = ?",
                              [dataset_id]).fetchone()
        if row is None:
            self.dataset(dataset_id)  # raises the explanatory error
        return bytes(row[0])

    def read_dataset(self, dataset_id: str) -> pd.DataFrame:
        """The raw table (columns as in the file), read again from the stored bytes."""
        from voc.io import read_feedback

        info = self.dataset(dataset_id)
        return read_feedback(self.dataset_bytes(dataset_id), filename=info.filename,
                             sheet=info.sheet)

    def set_mapping(self, dataset_id: str, mapping: Mapping[str, str | None]) -> None:
        """Save the column mapping the user chose (committed at once)."""
        self.dataset(dataset_id)
        with self._cursor() as cur:
            cur.execute("UPDATE datasets SET mapping = ? WHERE dataset_id = ?",
                        [_json(dict(mapping)), dataset_id])

    def rename_dataset(self, dataset_id: str, name: str) -> None:
        """Change a dataset's display name."""
        self.dataset(dataset_id)
        with self._cursor() as cur:
            cur.execute("UPDATE datasets SET name = ? WHERE dataset_id = ?",
                        [name.strip() or self.dataset(dataset_id).filename, dataset_id])

    def delete_dataset(self, dataset_id: str) -> None:
        """Remove a dataset and its analyses. Its labels are kept (they train models)."""
        self.dataset(dataset_id)
        with self._transaction() as cur:
            cur.execute("DELETE FROM analyses WHERE dataset_id = ?", [dataset_id])
            cur.execute("DELETE FROM datasets WHERE dataset_id = ?", [dataset_id])

    # ------------------------------------------------------------------ analyses
    def save_analysis(
        self,
        dataset_id: str,
        result: AnalysisResult,
        *,
        model_path: str,
        settings: Mapping[str, Any] | None = None,
        seconds: float | None = None,
    ) -> AnalysisInfo:
        """Store an analysis of a dataset (all tables in one transaction).

        Args:
            dataset_id: the dataset analyzed.
            result: what :meth:`voc.Analyzer.analyze` returned.
            model_path: the model's directory (or ``"default"``): with the mapping it
                identifies the analysis for :meth:`find_analysis`.
            settings: anything else worth keeping (batch size, ...).
            seconds: how long the analysis took.
        """
        self.dataset(dataset_id)
        info = dict(result.model_info)
        scale = result.validation.score_scale
        has_score = "score" in result.documents.columns
        analysis_id = uuid.uuid4().hex[:12]
        blobs = [_to_parquet(getattr(result, t)) for t in _TABLES]
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "nextval('voc_seq'), ?, ?, ?)",
                [analysis_id, dataset_id, info.get("name"), info.get("version"), model_path,
                 _json(result.mapping.as_dict()), _json(dict(settings or {})), _now(),
                 seconds, len(result.documents), len(result.mentions),
                 scale.name if scale is not None and has_score else None,
                 _json(result.taxonomy.names()), *blobs])
        return self.analysis(analysis_id)

    _ANALYSIS_COLUMNS = ("analysis_id, dataset_id, model_name, model_version, model_path, "
                         "mapping, settings, created, seconds, n_documents, n_mentions, "
                         "score_scale")

    def _analysis_row(self, row: Sequence[Any]) -> AnalysisInfo:
        return AnalysisInfo(
            analysis_id=row[0], dataset_id=row[1], model_name=row[2], model_version=row[3],
            model_path=row[4], mapping=json.loads(row[5]), settings=json.loads(row[6]),
            created=row[7], seconds=row[8], n_documents=int(row[9]), n_mentions=int(row[10]),
            score_scale=row[11],
        )

    def analyses(self, dataset_id: str | None = None) -> list[AnalysisInfo]:
        """Stored analyses (of one dataset, or all), oldest first."""
        sql = f"SELECT {self._ANALYSIS_COLUMNS} FROM analyses"
        params: list[Any] = []
        if dataset_id is not None:
            sql += " WHERE dataset_id = ?"
            params.append(dataset_id)
        with self._cursor() as cur:
            rows = cur.execute(sql + " ORDER BY seq", params).fetchall()
        return [self._analysis_row(r) for r in rows]

    def analysis(self, analysis_id: str) -> AnalysisInfo:
        """One analysis; StoreError when there is no such id."""
        with self._cursor() as cur:
            row = cur.execute(f"SELECT {self._ANALYSIS_COLUMNS} FROM analyses "
                              "WHERE analysis_id = ?", [analysis_id]).fetchone()
        if row is None:
            raise StoreError(expected="the id of an analysis in this workspace",
                             found=repr(analysis_id),
                             fix="analyze the dataset again (the analysis may have been removed)")
        return self._analysis_row(row)

    def find_analysis(self, dataset_id: str, model_path: str | None = None,
                      mapping: Mapping[str, str | None] | None = None) -> AnalysisInfo | None:
        """The newest analysis of a dataset (by a given model and mapping, when given)."""
        for info in reversed(self.analyses(dataset_id)):
            if model_path is not None and info.model_path != model_path:
                continue
            if mapping is not None and _normal_mapping(info.mapping) != _normal_mapping(mapping):
                continue
            return info
        return None

    def load_analysis(self, analysis_id: str) -> StoredAnalysis:
        """An analysis with its documents, mentions and segments tables."""
        info = self.analysis(analysis_id)
        with self._cursor() as cur:
            row = cur.execute("SELECT theme_names, documents, mentions, segments FROM analyses "
                              "WHERE analysis_id = ?", [analysis_id]).fetchone()
        names, docs, mentions, segments = row
        return StoredAnalysis(info, _from_parquet(docs), _from_parquet(mentions),
                              _from_parquet(segments), json.loads(names))

    # ------------------------------------------------------------------ labels
    def upsert_labels(self, dataset_id: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Save labels (insert or replace per comment), committed at once; returns the count.

        Each row: ``doc_id``, ``text``, ``themes`` (a list of theme ids, each optionally
        ``id:positive|negative|neutral``, or the same as one ``;``-separated string; empty =
        "no theme") and optional ``sentiment`` (positive, negative, neutral, mixed or empty).
        Every edit is also appended to the label log.

        Raises:
            StoreError: a row without doc_id or text, or an unknown sentiment.
        """
        now = _now()
        prepared = []
        for i, row in enumerate(rows):
            doc_id = row.get("doc_id")
            text = row.get("text")
            if doc_id is None or str(doc_id) == "" or not isinstance(text, str):
                raise StoreError(expected="labels with a doc_id and the comment text",
                                 found=f"row {i + 1}: doc_id={doc_id!r}, text={text!r}",
                                 fix="pass the comment's doc_id and text with its labels")
            themes = _theme_string(row.get("themes"))
            sentiment = row.get("sentiment")
            sentiment = None if sentiment is None or (isinstance(sentiment, float)
                                                      and pd.isna(sentiment)) \
                else str(sentiment).strip().lower() or None
            if sentiment is not None and sentiment not in LABEL_SENTIMENTS:
                raise StoreError(expected=f"a sentiment among {', '.join(LABEL_SENTIMENTS)}",
                                 found=f"{sentiment!r} for comment {doc_id}",
                                 fix="pick one of those, or leave it empty")
            prepared.append((str(doc_id), text, themes, sentiment))
        if not prepared:
            return 0
        with self._transaction() as cur:
            for doc_id, text, themes, sentiment in prepared:
                cur.execute(
                    "INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                    "(dataset_id, doc_id) DO UPDATE SET text = excluded.text, "
                    "themes = excluded.themes, sentiment = excluded.sentiment, "
                    "updated = excluded.updated",
                    [dataset_id, doc_id, text, themes, sentiment, now, now])
                cur.execute("INSERT INTO label_events VALUES (nextval('voc_seq'), ?, ?, ?, "
                            "'set', ?, ?)", [now, dataset_id, doc_id, themes, sentiment])
        return len(prepared)

    def delete_labels(self, dataset_id: str, doc_ids: Iterable[str]) -> int:
        """Remove labels (the log keeps what they were); returns the count removed."""
        ids = [str(d) for d in doc_ids]
        now = _now()
        removed = 0
        with self._transaction() as cur:
            for doc_id in ids:
                hit = cur.execute("DELETE FROM labels WHERE dataset_id = ? AND doc_id = ? "
                                  "RETURNING doc_id", [dataset_id, doc_id]).fetchall()
                if hit:
                    removed += 1
                    cur.execute("INSERT INTO label_events VALUES (nextval('voc_seq'), ?, ?, ?, "
                                "'delete', NULL, NULL)", [now, dataset_id, doc_id])
        return removed

    def labels(self, dataset_id: str | None = None) -> pd.DataFrame:
        """Current labels: dataset_id, doc_id, text, themes (``;``-separated), sentiment,
        created, updated; oldest first."""
        sql = ("SELECT dataset_id, doc_id, text, themes, sentiment, created, updated "
               "FROM labels")
        params: list[Any] = []
        if dataset_id is not None:
            sql += " WHERE dataset_id = ?"
            params.append(dataset_id)
        with self._cursor() as cur:
            frame = cur.execute(sql + " ORDER BY created, dataset_id, doc_id", params).df()
        return frame

    def label_events(self) -> pd.DataFrame:
        """The append-only log of label edits: seq, happened, dataset_id, doc_id, action,
        themes, sentiment."""
        with self._cursor() as cur:
            return cur.execute("SELECT * FROM label_events ORDER BY seq").df()

    def label_frame(self, dataset_id: str | None = None) -> pd.DataFrame:
        """A snapshot of the labels in voc's labeled-sample format (``text``, ``themes``,
        ``sentiment``), ready for :func:`voc.training.retrain`; later edits do not change it."""
        frame = self.labels(dataset_id)
        return pd.DataFrame({"text": frame["text"].astype(str).tolist(),
                             "themes": frame["themes"].astype(str).tolist(),
                             "sentiment": frame["sentiment"].fillna("").astype(str).tolist()})

    # ------------------------------------------------------------------ themes
    def add_theme(self, name: str, *, theme_id: str | None = None,
                  description: str = "") -> str:
        """Add a theme of the user's own (committed at once); returns its id.

        Raises:
            StoreError: an empty name, or an id already used by another added theme.
        """
        theme_id = theme_id or slugify(name)
        if not name.strip() or not theme_id:
            raise StoreError(expected="a theme name with at least one letter or digit",
                             found=repr(name), fix="type a short name such as 'Gift wrapping'")
        with self._cursor() as cur:
            row = cur.execute("SELECT name FROM themes WHERE theme_id = ?",
                              [theme_id]).fetchone()
            if row is not None:
                raise StoreError(expected="a new theme id", found=f"{theme_id!r} ({row[0]}) "
                                 "already exists", fix="pick another name")
            cur.execute("INSERT INTO themes VALUES (?, ?, ?, ?)",
                        [theme_id, name.strip(), description, _now()])
        return theme_id

    def themes(self) -> pd.DataFrame:
        """The themes added by the user: theme_id, name, description, created."""
        with self._cursor() as cur:
            return cur.execute("SELECT theme_id, name, description, created FROM themes "
                               "ORDER BY created, theme_id").df()

    # ------------------------------------------------------------------ models
    def record_model(self, path: str | os.PathLike[str], *, name: str, version: str,
                     base: str | None = None, n_labels: int | None = None,
                     metrics: Mapping[str, Any] | None = None,
                     evaluation: Mapping[str, Any] | None = None) -> ModelVersion:
        """Remember a model version saved (by :meth:`voc.Analyzer.save`) from this workspace."""
        with self._cursor() as cur:
            cur.execute(
                "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO "
                "UPDATE SET metrics = excluded.metrics, evaluation = excluded.evaluation",
                [str(path), name, version, _now(), base, n_labels, _json(dict(metrics or {})),
                 _json(dict(evaluation or {}))])
        return next(m for m in self.models() if m.path == str(path))

    def models(self) -> list[ModelVersion]:
        """Model versions trained in this workspace, oldest first."""
        with self._cursor() as cur:
            rows = cur.execute("SELECT path, name, version, created, base, n_labels, metrics, "
                               "evaluation FROM models ORDER BY created, version").fetchall()
        return [ModelVersion(r[0], r[1], r[2], r[3], r[4], None if r[5] is None else int(r[5]),
                             json.loads(r[6]), json.loads(r[7])) for r in rows]

    def active_model(self) -> str:
        """The model new analyses use: a model directory, or ``"default"`` (shipped)."""
        with self._cursor() as cur:
            row = cur.execute("SELECT model FROM model_events WHERE action IN "
                              "('activate', 'rollback') ORDER BY seq DESC LIMIT 1").fetchone()
        return str(row[0]) if row else DEFAULT_MODEL

    def activation_history(self) -> pd.DataFrame:
        """Every activation and roll back: seq, happened, model, action (oldest first)."""
        with self._cursor() as cur:
            return cur.execute("SELECT seq, happened, model, action FROM model_events "
                               "ORDER BY seq").df()

    def set_active_model(self, model: str | os.PathLike[str], *,
                         action: str = "activate") -> None:
        """Make ``model`` (a directory or ``"default"``) the active model (logged)."""
        model = str(model)
        if model != DEFAULT_MODEL and not (Path(model) / "model.json").is_file():
            raise StoreError(expected="a saved model directory (with model.json) or 'default'",
                             found=repr(model),
                             fix="pick a version listed on the Label & retrain page")
        with self._cursor() as cur:
            cur.execute("INSERT INTO model_events VALUES (nextval('voc_seq'), ?, ?, ?)",
                        [_now(), model, action])

    def previous_model(self) -> str | None:
        """The model that was active before the current one (what a roll back restores)."""
        history = self.activation_history()
        models = history["model"].tolist()
        current = self.active_model()
        # walk back past the current model's own entries
        i = len(models) - 1
        while i >= 0 and models[i] == current:
            i -= 1
        if i >= 0:
            return str(models[i])
        return DEFAULT_MODEL if current != DEFAULT_MODEL else None

    def rollback(self) -> str:
        """Activate the previously active model; returns it.

        Raises:
            StoreError: nothing to roll back to (the default model was never replaced).
        """
        previous = self.previous_model()
        if previous is None:
            raise StoreError(expected="an earlier active model to go back to",
                             found="only the shipped default model has been active",
                             fix="train and activate a model first")
        self.set_active_model(previous, action="rollback")
        return previous


def _theme_string(value: Any) -> str:
    """Themes as voc's ``;``-separated label string (list, tuple or string in)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        items = value.split(";")
    elif hasattr(value, "tolist"):
        items = [str(v) for v in value.tolist()]
    else:
        items = [str(v) for v in value]
    seen: dict[str, None] = {}
    for item in items:
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return ";".join(seen)


def _normal_mapping(mapping: Mapping[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if v}
