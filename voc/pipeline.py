"""The analysis pipeline: comments in, themes and aspect-level sentiment out.

``Analyzer`` = embedder (by versioned name) + taxonomy + theme head + sentiment head.
``Analyzer.analyze(df)`` validates and maps the columns, detects each comment's language,
splits it into sentences and contrastive clauses, embeds every clause (cached), tags each
clause with themes and sentiment, and returns an :class:`AnalysisResult` of tidy tables:

* ``documents``: one row per input row, in input order;
* ``mentions``: one row per (doc_id, sentence_id, theme), with the sentiment of the clause
  that carries the theme (aspect-level sentiment) and the evidence span;
* ``segments``: one row per clause with its sentiment and best theme.

Work is done in batches of comments so memory stays flat in the number of comments.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from voc import __version__
from voc.embeddings import CachedEmbedder, EmbeddingCache, get_embedder, resolve_backend_name
from voc.errors import ModelError, VocError
from voc.features import SentimentFeatures
from voc.registry import load_model_files, save_model_files, workspace_dir
from voc.schema import ColumnMapping, ValidationReport, infer_mapping, to_canonical, validate
from voc.sentiment import MIXED, NEUTRAL, SentimentClassifier, combine_labels
from voc.taxonomy import Taxonomy
from voc.text import UNKNOWN, clean_text, detect_languages, split_many
from voc.themes import ThemeClassifier

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` with counts of comments."""

DOCUMENT_COLUMNS = [
    "doc_id", "language", "themes", "theme_sentiment", "sentiment", "sentiment_score",
    "n_sentences", "has_text",
]
MENTION_COLUMNS = [
    "doc_id", "sentence_id", "clause_id", "sentence", "evidence", "evidence_start",
    "evidence_end", "theme", "theme_name", "theme_proba", "sentiment", "sentiment_score",
    "language",
]
SEGMENT_COLUMNS = [
    "doc_id", "sentence_id", "clause_id", "text", "start", "end", "language", "sentiment",
    "sentiment_score", "top_theme", "top_theme_proba",
]
ADDED_OUTPUT_COLUMNS = [
    "doc_id", "language", "themes", "theme_sentiment", "sentiment", "sentiment_score",
]
_DECIMALS = 4


@dataclass(frozen=True)
class AnalyzerSettings:
    """Knobs of the analysis that are stored with a model.

    Attributes:
        sentence_context: also score whole multi-clause sentences, so that a theme implied by
            the sentence (but by no single clause) is still found; it is attached to the clause
            that scores highest for it.
        min_clause_chars: clauses shorter than this (characters) get no theme on their own.
        batch_size: comments per processing batch (memory is flat in the number of comments).
        theme_mode: ``"multi"`` (every theme whose probability reaches its threshold) or
            ``"single"`` (exactly one theme per comment, the most probable one; used by models
            trained on a single-label codeframe).
        require_theme: in ``"multi"`` mode, a comment whose clauses pass no threshold still
            gets its most probable theme (set by training when every labeled comment has a
            theme, e.g. a codeframe with an "other" code, and this scores better out of fold).
    """

    sentence_context: bool = True
    min_clause_chars: int = 2
    batch_size: int = 1000
    theme_mode: str = "multi"
    require_theme: bool = False

    def __post_init__(self) -> None:
        if self.theme_mode not in ("multi", "single"):
            raise VocError(
                expected="theme_mode 'multi' or 'single'", found=repr(self.theme_mode),
                fix="use 'multi' (thresholds per theme) or 'single' (one theme per comment)",
            )

    def to_dict(self) -> dict[str, Any]:
        return {"sentence_context": self.sentence_context,
                "min_clause_chars": self.min_clause_chars, "batch_size": self.batch_size,
                "theme_mode": self.theme_mode, "require_theme": self.require_theme}


@dataclass
class AnalysisResult:
    """Tidy outputs of :meth:`Analyzer.analyze`.

    Attributes:
        documents: one row per input row, in input order (canonical columns + analysis).
        mentions: one row per (doc_id, sentence_id, theme).
        segments: one row per clause.
        mapping: the column mapping used.
        validation: the validation report (warnings such as empty comments live here).
        taxonomy: the themes the model knows.
        model_info: name, version and embedder of the model used.
    """

    documents: pd.DataFrame
    mentions: pd.DataFrame
    segments: pd.DataFrame
    mapping: ColumnMapping
    validation: ValidationReport
    taxonomy: Taxonomy
    model_info: dict[str, Any] = field(default_factory=dict)

    def output_frame(self, raw: pd.DataFrame) -> pd.DataFrame:
        """The input columns (unchanged, in order) plus voc's columns, one row per input row.

        If the input already has a column named like an added one, the added column is
        prefixed with ``voc_`` (repeatedly, until the name is free).
        """
        out = raw.reset_index(drop=True).copy()
        for col in ADDED_OUTPUT_COLUMNS:
            name = col
            while name in raw.columns:  # never overwrite an input column
                name = f"voc_{name}"
            out[name] = self.documents[col].to_numpy()
        return out

    def theme_summary(self) -> pd.DataFrame:
        """Per theme: comments mentioning it and their sentiment split (shares in 0..1)."""
        n_docs = int(self.documents["has_text"].sum()) or 1
        if self.mentions.empty:
            return pd.DataFrame(columns=["theme", "theme_name", "n_comments", "share",
                                         "positive", "neutral", "negative", "mixed"])
        per_doc = (
            self.mentions.groupby(["doc_id", "theme"])["sentiment"]
            .agg(lambda s: combine_labels(s))
            .reset_index()
        )
        table = pd.crosstab(per_doc["theme"], per_doc["sentiment"])
        for col in ("positive", "neutral", "negative", MIXED):
            if col not in table:
                table[col] = 0
        table["n_comments"] = table[["positive", "neutral", "negative", MIXED]].sum(axis=1)
        table = table.reset_index()
        table["theme_name"] = table["theme"].map(self.taxonomy.names()).fillna(table["theme"])
        table["share"] = table["n_comments"] / n_docs
        cols = ["theme", "theme_name", "n_comments", "share", "positive", "neutral",
                "negative", MIXED]
        return table[cols].sort_values(["n_comments", "theme"], ascending=[False, True],
                                       ignore_index=True)


def _default_cache() -> EmbeddingCache | None:
    if os.environ.get("VOC_EMBEDDING_CACHE", "1") == "0":
        return None
    return EmbeddingCache(workspace_dir() / "cache" / "embeddings.sqlite")


class Analyzer:
    """Embedder + taxonomy + heads. Build with :meth:`load`, or directly for training.

    The theme head reads the features built by ``theme_features`` (a trained model: embedding
    ⊕ character n-gram TF-IDF), or the plain embeddings when None (the shipped default). The
    sentiment head reads the features built by ``sentiment_features`` (embedding ⊕ character
    n-gram TF-IDF ⊕ negation-aware lexicon scores, see :class:`voc.features.SentimentFeatures`),
    or the plain embeddings when None.
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        theme_head: ThemeClassifier,
        sentiment_head: SentimentClassifier,
        embedder: str = "use-multilingual-v3",
        *,
        settings: AnalyzerSettings | None = None,
        info: Mapping[str, Any] | None = None,
        cache: EmbeddingCache | None | str = "default",
        sentiment_features: SentimentFeatures | None = None,
        theme_features: SentimentFeatures | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.sentiment_features = sentiment_features
        self.theme_features = theme_features
        self.theme_head = theme_head
        self.sentiment_head = sentiment_head
        self.embedder_name = resolve_backend_name(embedder)
        self.settings = settings or AnalyzerSettings()
        self.info = dict(info or {})
        missing = [c for c in theme_head.classes_ if c not in taxonomy]
        if missing:
            raise ModelError(
                expected="every theme of the theme head to be in the taxonomy",
                found=f"unknown themes {missing[:5]}",
                fix="save the taxonomy together with the head it was trained with",
            )
        self._cache_arg = cache
        self._embedder: CachedEmbedder | None = None

    # ---------------------------------------------------------------- embedding
    @property
    def embedder(self) -> CachedEmbedder:
        if self._embedder is None:
            cache = _default_cache() if self._cache_arg == "default" else self._cache_arg
            self._embedder = CachedEmbedder(get_embedder(self.embedder_name),
                                            cache if isinstance(cache, EmbeddingCache) else None)
        return self._embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with this model's backend (cached); float32 (n, dim), unit rows."""
        return self.embedder.embed(list(texts))

    def sentiment_input(
        self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str]
    ) -> Any:
        """The sentiment head's input matrix for texts, their embeddings and languages."""
        if self.sentiment_features is None:
            return vectors
        return self.sentiment_features.transform(list(texts), vectors, list(languages))

    def theme_input(
        self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str]
    ) -> Any:
        """The theme head's input matrix for texts, their embeddings and languages."""
        if self.theme_features is None:
            return vectors
        return self.theme_features.transform(list(texts), vectors, list(languages))

    # ---------------------------------------------------------------- persistence
    @classmethod
    def load(cls, name_or_path: str | os.PathLike[str] = "default", *,
             cache: EmbeddingCache | None | str = "default") -> Analyzer:
        """Load a saved model by name (workspace, then shipped ``models/``) or directory."""
        files = load_model_files(name_or_path)
        meta = files.meta
        try:
            taxonomy = Taxonomy.load(files.path / "taxonomy.yaml")
            heads = meta["heads"]
            arrays = files.arrays
            theme_head = ThemeClassifier.from_state(
                {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("themes.")},
                heads["themes"],
            )
            sentiment_head = SentimentClassifier.from_state(
                {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("sentiment.")},
                heads["sentiment"],
            )
            settings = AnalyzerSettings(**meta.get("settings", {}))
            feat_cfg = meta.get("features", {}).get("sentiment")
            sentiment_features = None if feat_cfg is None else SentimentFeatures.from_state(
                feat_cfg,
                {k.split(".", 2)[2]: v for k, v in arrays.items()
                 if k.startswith("features.sentiment.")},
            )
            theme_cfg = meta.get("features", {}).get("themes")
            theme_features = None if theme_cfg is None else SentimentFeatures.from_state(
                theme_cfg,
                {k.split(".", 2)[2]: v for k, v in arrays.items()
                 if k.startswith("features.themes.")},
            )
        except (KeyError, TypeError) as exc:
            raise ModelError(
                expected="model.json with 'heads.themes', 'heads.sentiment' and matching weights",
                found=f"missing or malformed entry {exc}",
                fix="retrain the model or restore it from a backup",
            ) from exc
        info = {
            "name": meta.get("name"), "version": meta.get("version"),
            "embedder": meta.get("embedder"), "path": str(files.path),
            "metrics": meta.get("metrics", {}), "created": meta.get("created"),
            "training_data": meta.get("training_data", {}),
            "training": meta.get("training", {}),
        }
        return cls(taxonomy, theme_head, sentiment_head, meta["embedder"], settings=settings,
                   info=info, cache=cache, sentiment_features=sentiment_features,
                   theme_features=theme_features)

    def save(
        self,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        version: str | None = None,
        metrics: Mapping[str, Any] | None = None,
        training_data: Mapping[str, Any] | None = None,
        card: str | None = None,
        set_latest: bool = True,
    ) -> Path:
        """Save as ``<path>/<version>/`` (atomic) and point ``<path>/LATEST`` at it."""
        version = version or _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
        name = name or Path(path).name
        theme_arrays, theme_cfg = self.theme_head.get_state()
        sent_arrays, sent_cfg = self.sentiment_head.get_state()
        arrays = {f"themes.{k}": v for k, v in theme_arrays.items()}
        arrays.update({f"sentiment.{k}": v for k, v in sent_arrays.items()})
        features: dict[str, Any] = {}
        if self.sentiment_features is not None:
            features["sentiment"] = self.sentiment_features.config()
            arrays.update({f"features.sentiment.{k}": v
                           for k, v in self.sentiment_features.arrays().items()})
        if self.theme_features is not None:
            features["themes"] = self.theme_features.config()
            arrays.update({f"features.themes.{k}": v
                           for k, v in self.theme_features.arrays().items()})
        meta = {
            "name": name,
            "version": version,
            "voc_version": __version__,
            "created": self.info.get("created")
            or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
            "embedder": self.embedder_name,
            "heads": {"themes": theme_cfg, "sentiment": sent_cfg},
            "features": features,
            "settings": self.settings.to_dict(),
            "metrics": dict(metrics or self.info.get("metrics", {})),
            "training_data": dict(training_data or self.info.get("training_data", {})),
        }
        if self.info.get("training"):
            meta["training"] = self.info["training"]
        taxonomy_yaml = yaml.safe_dump(self.taxonomy.to_dict(), allow_unicode=True,
                                       sort_keys=False, width=100)
        card_text = card or _default_card(meta, self.taxonomy)
        target = save_model_files(Path(path) / version, meta, arrays, taxonomy_yaml, card_text,
                                  set_latest=set_latest)
        self.info.update({"name": name, "version": version, "path": str(target)})
        return target

    # ---------------------------------------------------------------- analysis
    def analyze(
        self,
        data: pd.DataFrame | Sequence[str],
        *,
        mapping: ColumnMapping | Mapping[str, str | None] | None = None,
        text_col: str | None = None,
        score_col: str | None = None,
        id_col: str | None = None,
        date_col: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> AnalysisResult:
        """Analyze feedback.

        Args:
            data: a DataFrame (e.g. from :func:`voc.read_feedback`) or a list of strings.
            mapping: explicit column roles; unspecified roles are inferred.
            text_col, score_col, id_col, date_col: shortcuts that override ``mapping``.
            progress: optional ``progress(done, total)`` callback (counts of comments).

        Raises:
            ValidationError: listing every problem at once (no text column, scores outside
                the scale, unparseable dates, duplicate ids, ragged rows).
        """
        raw = pd.DataFrame({"text": list(data)}) if not isinstance(data, pd.DataFrame) else data
        overrides = dict(mapping.as_dict() if isinstance(mapping, ColumnMapping)
                         else (mapping or {}))
        for role, col in (("text", text_col), ("score", score_col), ("id", id_col),
                          ("date", date_col)):
            if col is not None:
                overrides[role] = col
        overrides = {k: v for k, v in overrides.items() if v is not None}
        colmap = infer_mapping(raw, overrides=overrides)
        report = validate(raw, colmap)
        report.raise_if_errors()
        canonical = to_canonical(raw, colmap)
        return self._analyze_canonical(canonical, colmap, report, progress)

    def classify(self, texts: Sequence[str]) -> pd.DataFrame:
        """Analyze a plain list of strings; one row per text with themes and sentiment."""
        result = self.analyze(list(texts))
        docs = result.documents
        return docs[["text", "language", "themes", "theme_sentiment", "sentiment",
                     "sentiment_score"]].copy()

    def _analyze_canonical(
        self,
        canonical: pd.DataFrame,
        colmap: ColumnMapping,
        report: ValidationReport,
        progress: ProgressCallback | None,
    ) -> AnalysisResult:
        n = len(canonical)
        texts = [clean_text(t, keep_newlines=True) for t in canonical["text"].tolist()]
        doc_ids = canonical["doc_id"].astype(str).tolist()
        from voc.schema import is_meaningful_text

        meaningful = is_meaningful_text(pd.Series(texts, dtype=object)).to_numpy()
        doc_rows: list[dict[str, Any]] = []
        mention_rows: list[dict[str, Any]] = []
        segment_rows: list[dict[str, Any]] = []
        batch = max(1, self.settings.batch_size)
        if progress:
            progress(0, n)
        for start in range(0, n, batch):
            stop = min(n, start + batch)
            self._analyze_batch(
                texts[start:stop], doc_ids[start:stop], meaningful[start:stop],
                doc_rows, mention_rows, segment_rows,
            )
            if progress:
                progress(stop, n)
        documents = canonical.copy()
        documents["text"] = texts
        analysis = pd.DataFrame(doc_rows, columns=DOCUMENT_COLUMNS[1:])
        for col in analysis.columns:
            documents[col] = analysis[col].to_numpy()
        mentions = pd.DataFrame(mention_rows, columns=MENTION_COLUMNS)
        segments = pd.DataFrame(segment_rows, columns=SEGMENT_COLUMNS)
        for frame in (mentions, segments):
            for col in ("sentence_id", "clause_id"):
                frame[col] = frame[col].astype("int64")
        info = {k: self.info.get(k) for k in ("name", "version")} | {
            "embedder": self.embedder_name}
        return AnalysisResult(documents, mentions, segments, colmap, report, self.taxonomy,
                              info)

    def _analyze_batch(
        self,
        texts: list[str],
        doc_ids: list[str],
        meaningful: np.ndarray,
        doc_rows: list[dict[str, Any]],
        mention_rows: list[dict[str, Any]],
        segment_rows: list[dict[str, Any]],
    ) -> None:
        languages = [UNKNOWN] * len(texts)
        idx = [i for i, ok in enumerate(meaningful) if ok]
        for i, lang in zip(idx, detect_languages([texts[i] for i in idx]), strict=True):
            languages[i] = lang
        segs = split_many([texts[i] if meaningful[i] else "" for i in range(len(texts))],
                          languages)
        clause_texts = [s.text for doc in segs for s in doc]
        # sentences with more than one clause are also scored as a whole (context)
        sent_keys: dict[tuple[int, int], str] = {}
        if self.settings.sentence_context:
            for d, doc in enumerate(segs):
                counts: dict[int, int] = {}
                for s in doc:
                    counts[s.sentence_id] = counts.get(s.sentence_id, 0) + 1
                for s in doc:
                    if counts[s.sentence_id] > 1:
                        sent_keys.setdefault((d, s.sentence_id), s.sentence)
        sent_list = list(sent_keys)
        vectors = self.embed(clause_texts + [sent_keys[k] for k in sent_list])
        clause_vecs, sent_vecs = vectors[: len(clause_texts)], vectors[len(clause_texts):]
        clause_langs = [languages[d] for d, doc in enumerate(segs) for _ in doc]
        theme_p = self.theme_head.predict_proba(
            self.theme_input(clause_texts, clause_vecs, clause_langs)) if len(clause_texts) \
            else np.zeros((0, len(self.theme_head.classes_)))
        sent_p = self.theme_head.predict_proba(self.theme_input(
            [sent_keys[k] for k in sent_list], sent_vecs, [languages[k[0]] for k in sent_list]
        )) if len(sent_list) else None
        sent_index = {k: j for j, k in enumerate(sent_list)}
        senti_p = (
            self.sentiment_head.predict_proba(self.sentiment_input(
                clause_texts, clause_vecs, clause_langs))
            if len(clause_texts) else np.zeros((0, 3))
        )
        senti_labels = self.sentiment_head.labels_from_proba(senti_p) if len(clause_texts) \
            else np.array([], dtype=object)
        senti_score = senti_p[:, 2] - senti_p[:, 0] if len(clause_texts) else np.zeros(0)
        thresholds = self.theme_head.thresholds_
        classes = list(self.theme_head.classes_)
        names = self.taxonomy.names()
        too_short = np.array([len(t) < self.settings.min_clause_chars for t in clause_texts],
                             dtype=bool)
        if len(clause_texts):
            theme_p = theme_p.copy()
            theme_p[too_short] = 0.0
        offset = 0
        for d, doc in enumerate(segs):
            k = len(doc)
            rows = slice(offset, offset + k)
            offset += k
            doc_id, lang = doc_ids[d], languages[d]
            if k == 0:
                doc_rows.append({
                    "language": lang, "themes": "", "theme_sentiment": "",
                    "sentiment": NEUTRAL if meaningful[d] else "",
                    "sentiment_score": 0.0 if meaningful[d] else np.nan,
                    "n_sentences": 0, "has_text": bool(meaningful[d]),
                })
                continue
            p_doc = theme_p[rows]
            labels, scores = senti_labels[rows], senti_score[rows]
            # mentions: per sentence, each theme above threshold in a clause or the sentence
            theme_labels: dict[str, list[str]] = {}
            sentence_ids = sorted({s.sentence_id for s in doc})
            per_sentence = []
            for sid in sentence_ids:
                members = [j for j, s in enumerate(doc) if s.sentence_id == sid]
                p_clauses = p_doc[members]
                best_p = p_clauses.max(axis=0)
                if (d, sid) in sent_index and sent_p is not None:
                    best_p = np.maximum(best_p, sent_p[sent_index[(d, sid)]])
                per_sentence.append((members, p_clauses.argmax(axis=0), best_p))
            chosen = [np.flatnonzero(bp >= thresholds) for _, _, bp in per_sentence]
            if self.settings.theme_mode == "single" or (
                    self.settings.require_theme and not any(len(c) for c in chosen)):
                # one theme per comment: the most probable, in the sentence where it peaks
                stacked = np.vstack([bp for _, _, bp in per_sentence])
                s_top, t_top = np.unravel_index(int(stacked.argmax()), stacked.shape)
                chosen = [np.array([t_top]) if i == s_top and stacked.max() > 0
                          else np.array([], dtype=int) for i in range(len(per_sentence))]
            for (members, best_clause, best_p), themes_here in zip(per_sentence, chosen,
                                                                   strict=True):
                for t in themes_here:
                    j = members[int(best_clause[t])]
                    seg = doc[j]
                    theme = classes[t]
                    theme_labels.setdefault(theme, []).append(str(labels[j]))
                    mention_rows.append({
                        "doc_id": doc_id, "sentence_id": seg.sentence_id,
                        "clause_id": seg.clause_id, "sentence": seg.sentence,
                        "evidence": seg.text, "evidence_start": seg.start,
                        "evidence_end": seg.end, "theme": theme,
                        "theme_name": names.get(theme, theme),
                        "theme_proba": round(float(best_p[t]), _DECIMALS),
                        "sentiment": str(labels[j]),
                        "sentiment_score": round(float(scores[j]), _DECIMALS), "language": lang,
                    })
            for j, seg in enumerate(doc):
                top = int(p_doc[j].argmax())
                has_top = p_doc[j, top] >= thresholds[top]
                segment_rows.append({
                    "doc_id": doc_id, "sentence_id": seg.sentence_id,
                    "clause_id": seg.clause_id, "text": seg.text, "start": seg.start,
                    "end": seg.end, "language": lang, "sentiment": str(labels[j]),
                    "sentiment_score": round(float(scores[j]), _DECIMALS),
                    "top_theme": classes[top] if has_top else "",
                    "top_theme_proba": round(float(p_doc[j, top]), _DECIMALS),
                })
            order = [c for c in classes if c in theme_labels]
            doc_rows.append({
                "language": lang,
                "themes": ";".join(order),
                "theme_sentiment": ";".join(
                    f"{t}:{combine_labels(theme_labels[t])}" for t in order),
                "sentiment": combine_labels(labels),
                "sentiment_score": round(float(np.mean(scores)), _DECIMALS),
                "n_sentences": len(sentence_ids),
                "has_text": True,
            })

    # ---------------------------------------------------------------- training
    def retrain(self, labels: Any, **options: Any) -> Analyzer:
        """A new fitted copy trained on labeled samples (this model is left unchanged).

        ``labels``: a path (CSV/XLSX/JSONL), a DataFrame with ``text``, ``themes`` and optional
        ``sentiment`` columns, or :class:`voc.training.LabeledData`. ``options`` are passed to
        :func:`voc.training.retrain` (``mode``, ``embedder``, ``priors``, ...).
        """
        from voc.training import retrain

        return retrain(self, labels, **options)


def _default_card(meta: Mapping[str, Any], taxonomy: Taxonomy) -> str:
    metrics = meta.get("metrics") or {}
    data = meta.get("training_data") or {}
    lines = [
        f"# voc model `{meta['name']}` version `{meta['version']}`",
        "",
        f"- voc version: {meta['voc_version']}; model format: see model.json",
        f"- embedder: `{meta['embedder']}`",
        f"- themes ({len(taxonomy)}): {', '.join(taxonomy.ids)}",
        f"- training data: {data.get('description', 'n/a')} "
        f"({data.get('n_examples', '?')} examples, sha256 {data.get('sha256', '?')[:16]})",
        "",
        "## Metrics",
        "",
    ]
    if metrics:
        lines += [f"- {k}: {v}" for k, v in sorted(metrics.items()) if not isinstance(v, dict)]
    else:
        lines.append("No evaluation stored.")
    return "\n".join(lines) + "\n"


_SHARED: dict[str, Analyzer] = {}


def load_shared(model: str = "default") -> Analyzer:
    """A per-process cached :class:`Analyzer` (used by :func:`classify`)."""
    if model not in _SHARED:
        _SHARED[model] = Analyzer.load(model)
    return _SHARED[model]


def classify(texts: Sequence[str] | str, model: str = "default") -> pd.DataFrame:
    """Quick tagging of strings: one row per text with language, themes and sentiment."""
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, Sequence) or not all(isinstance(t, str) for t in texts):
        raise VocError(
            expected="a list of strings", found="non-string items",
            fix="convert the values to str first (e.g. df['col'].astype(str).tolist())",
        )
    return load_shared(model).classify(list(texts))
