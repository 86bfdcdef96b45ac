"""Promote a discovered cluster (or hand-picked comments) into a new taxonomy theme.

:func:`promote` turns the sentences of a cluster from :func:`voc.discovery.discover` (or a
list of texts the analyst picked) into labeled examples of a new theme, adds labeled examples
for every existing theme, retrains the model with :func:`voc.training.retrain` and records
where the theme came from:

* the theme's ``origin`` in the new model's ``taxonomy.yaml``, e.g.
  ``"discovered: cluster 3 (parcel locker, code) of survey.csv on 2026-11-23"``;
* ``model.json`` → ``training.promoted``: theme id and name, source (``cluster`` or
  ``texts``), cluster id, label and keywords, dataset, date, seed, number of examples, the
  nearest existing theme and its similarity, and the base model.

Existing themes keep being learnt from ``labels`` (the analyst's labeled samples, e.g. the
file the base model was trained on) when given, otherwise from the base taxonomy's example
phrases; sentences of the cluster that already carry themes keep those themes as labels too.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from voc.errors import VocError

if TYPE_CHECKING:  # pragma: no cover
    from voc.discovery import Discovery
    from voc.pipeline import Analyzer

__all__ = ["promote", "promotion_labels", "theme_slug"]

MIN_EXAMPLES = 3
MAX_EXAMPLES = 200


def theme_slug(label: str, taken: Sequence[str] = ()) -> str:
    """A theme id from a cluster label: lowercase words joined by ``_`` (letters of any
    script kept), at most 40 characters, suffixed ``_2``, ``_3``, ... when taken."""
    first = re.split(r"[,/;]", label, maxsplit=1)[0]
    slug = re.sub(r"[^\w]+", "_", first.lower(), flags=re.UNICODE).strip("_")[:40] or "theme"
    if slug == "none":
        slug = "theme_none"
    out, k = slug, 2
    while out in taken:
        out, k = f"{slug}_{k}", k + 1
    return out


def promotion_labels(
    base: Analyzer,
    texts: Sequence[str],
    theme_id: str,
    *,
    other_themes: Sequence[str] | None = None,
    labels: str | os.PathLike[str] | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The labeled table (``text``, ``themes``, ``sentiment``) that :func:`promote` trains on.

    Args:
        base: the model whose themes must be kept.
        texts: examples of the new theme.
        theme_id: the new theme's id.
        other_themes: per text, ``;``-joined theme ids it already carries ("" = none).
        labels: the analyst's labeled samples for the existing themes; None = the base
            taxonomy's example phrases, one row per phrase.
    """
    from voc.training import read_labels

    extra = list(other_themes) if other_themes is not None else [""] * len(texts)
    if len(extra) != len(texts):
        raise VocError(expected="one other_themes entry per text",
                       found=f"{len(texts)} texts and {len(extra)} entries",
                       fix="pass other_themes of the same length as texts")
    new_rows = pd.DataFrame({
        "text": list(texts),
        "themes": [";".join([theme_id, *[t for t in o.split(";") if t and t != theme_id]])
                   for o in extra],
        "sentiment": "",
    })
    if labels is not None:
        data = read_labels(labels)
        frame = data.to_frame()
        keep = frame[["text", "themes"]].copy()
        keep["sentiment"] = frame["sentiment"] if "sentiment" in frame.columns else ""
    else:
        rows = [(phrase, theme.id) for theme in base.taxonomy
                for phrases in theme.examples.values() for phrase in phrases]
        keep = pd.DataFrame(rows, columns=["text", "themes"]).assign(sentiment="")
    out = pd.concat([keep, new_rows], ignore_index=True)
    return out.drop_duplicates("text", keep="last", ignore_index=True)


def promote(
    base: Analyzer,
    source: Discovery | Sequence[str],
    *,
    cluster: int | None = None,
    theme_id: str | None = None,
    name: str | None = None,
    description: str | None = None,
    labels: str | os.PathLike[str] | pd.DataFrame | None = None,
    dataset: str | None = None,
    max_examples: int = MAX_EXAMPLES,
    save_to: str | os.PathLike[str] | None = None,
    version: str | None = None,
    progress: Callable[[str], None] | None = None,
    **train_options: Any,
) -> Analyzer:
    """Add a theme made from a discovered cluster or from texts, and retrain.

    Args:
        base: the model to extend (left unchanged).
        source: a :class:`~voc.discovery.Discovery` (then ``cluster`` is required) or the
            texts of hand-picked comments/sentences (at least 3).
        cluster: the cluster id to promote.
        theme_id: the new theme's id; default: a slug of the cluster label (``"theme"`` for
            texts). Must not exist in the base taxonomy.
        name: display name; default: the cluster label (or the id).
        description: default: the cluster's keywords.
        labels: labeled samples for the existing themes (see :func:`promotion_labels`).
        dataset: where the data came from (file name), recorded in the provenance.
        max_examples: at most this many sentences of the cluster become examples, the most
            typical (highest similarity to the centroid) first.
        save_to: a model folder (e.g. ``$VOC_HOME/models/mine``): the new version is saved
            there and made LATEST.
        version: version name when saving (default: a UTC timestamp).
        progress: called with a short message at each training stage.
        **train_options: passed to :func:`voc.training.retrain` (``mode`` defaults to the
            base model's theme mode).

    Returns:
        The retrained :class:`~voc.pipeline.Analyzer`; ``info["training"]["promoted"]``
        records the provenance (saved in ``model.json`` when saved), including
        ``dropped_themes``: base themes that had no example left to learn from (normally
        none).

    Raises:
        VocError: unknown cluster, too few examples, a theme id that exists or is invalid.
    """
    from voc.discovery import Discovery
    from voc.taxonomy import _check_id
    from voc.training import retrain

    today = _dt.date.today().isoformat()
    record: dict[str, Any] = {"date": today, "dataset": dataset or "",
                              "base": {k: base.info.get(k) for k in ("name", "version")}}
    if isinstance(source, Discovery):
        if cluster is None:
            raise VocError(expected="a cluster id to promote", found="cluster=None",
                           fix="pass cluster=<id> from the discovery table")
        members = source.members(int(cluster))
        row = source.clusters.set_index("cluster").loc[int(cluster)]
        members = members.head(max_examples)
        texts = members["sentence"].astype(str).tolist()
        other = members["themes"].fillna("").astype(str).tolist()
        label = str(row["label"])
        record.update({
            "source": "cluster", "cluster": int(cluster), "label": label,
            "keywords": str(row["keywords"]), "cluster_size": int(row["size"]),
            "seed": source.info.get("seed"), "nearest_theme": str(row["nearest_theme"]),
            "nearest_theme_similarity": float(row["nearest_theme_similarity"]),
        })
        default_desc = f"Discovered theme. Keywords: {row['keywords']}"
        origin_what = f"cluster {int(cluster)} ({label})"
    else:
        if isinstance(source, str):
            source = [source]
        texts = [str(t) for t in source if isinstance(t, str) and t.strip()]
        other = [""] * len(texts)
        record.update({"source": "texts"})
        default_desc = "Theme promoted from hand-picked comments."
        origin_what = f"{len(texts)} hand-picked comments"
        label = ""
    if len(texts) < MIN_EXAMPLES:
        raise VocError(expected=f"at least {MIN_EXAMPLES} examples of the new theme",
                       found=f"{len(texts)}",
                       fix="promote a larger cluster or pick more comments")
    theme_id = theme_id or theme_slug(label or "theme", base.taxonomy.ids)
    _check_id(theme_id, "the promoted theme")
    if theme_id in base.taxonomy:
        raise VocError(expected="a new theme id", found=f"{theme_id!r}, which the model "
                       "already has", fix="pass another theme_id")
    name = name or label or theme_id
    record.update({"theme": theme_id, "name": name, "n_examples": len(texts)})
    table = promotion_labels(base, texts, theme_id, other_themes=other, labels=labels)
    train_options.setdefault("mode", base.settings.theme_mode)
    # keep every existing theme, even one with a single example phrase
    train_options.setdefault("min_examples", 1)
    model = retrain(base, table, progress=progress, **train_options)
    record["dropped_themes"] = [t for t in base.taxonomy.ids if t not in model.taxonomy]
    verb = "discovered" if isinstance(source, Discovery) else "promoted"
    origin = (f"{verb}: {origin_what}" + (f" of {dataset}" if dataset else "")
              + f" on {today}")
    theme = model.taxonomy.get(theme_id)
    examples: dict[str, list[str]] = {}
    if isinstance(source, Discovery):
        langs = dict(zip(source.sentences["sentence"], source.sentences["language"],
                         strict=True))
    else:
        from voc.text import detect_languages

        langs = dict(zip(texts, detect_languages(texts), strict=True))
    for text in texts:
        bucket = examples.setdefault(str(langs.get(text, "und")), [])
        if len(bucket) < 6 and len(text) <= 300:
            bucket.append(text)
    model.taxonomy = model.taxonomy.with_theme(replace(
        theme, name=name, description=description or default_desc, origin=origin,
        examples={k: tuple(v) for k, v in sorted(examples.items())}))
    model.info.setdefault("training", {})["promoted"] = record
    model.info["training_data"] = dict(model.info.get("training_data", {}),
                                       description=f"promoted theme {theme_id!r} "
                                       f"({origin}) + "
                                       + ("labeled samples" if labels is not None
                                          else "base taxonomy examples"))
    if save_to is not None:
        target = model.save(Path(save_to), version=version)
        model.info["path"] = str(target)
    return model
