"""Loaders for the public development sets in ../shared/data (never copied into the project).

Each loader returns a tidy DataFrame, or raises :class:`DatasetMissing` with a message when the
folder is absent, so that benchmarks can skip cleanly.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

SHARED_DATA = Path(os.environ.get("VOC_SHARED_DATA", Path(__file__).resolve().parents[2] /
                                  "shared" / "data"))


class DatasetMissing(RuntimeError):
    """The dataset folder is not there; benchmarks skip the figure with this message."""


def _path(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        raise DatasetMissing(f"{path} not found (set VOC_SHARED_DATA to the shared data folder)")
    return path


def semeval14_restaurants(split: str = "test") -> pd.DataFrame:
    """SemEval-2014 restaurants: one row per sentence; ``categories`` is a dict cat->polarity."""
    name = "Restaurants_Test_Gold.xml" if split == "test" else "Restaurants_Train_v2.xml"
    root = ET.parse(_path("semeval2014-restaurants", name)).getroot()
    rows = []
    for sent in root.iter("sentence"):
        cats = {
            c.get("category"): c.get("polarity")
            for c in sent.iter("aspectCategory")
        }
        rows.append({"id": sent.get("id"), "text": sent.findtext("text"), "categories": cats})
    return pd.DataFrame(rows)


def semeval16_ru(split: str = "dev") -> pd.DataFrame:
    """SemEval-2016 Russian restaurants (XABSA, explicit targets): text + {category: {pols}}."""
    name = "gold-ru-dev.txt" if split == "dev" else "gold-ru-train.txt"
    text = _path("semeval2016-ru-restaurants-xabsa", name).read_text(encoding="utf-8")
    rows = []
    for block in text.strip().split("\n\n"):
        tokens, cats = [], {}
        for line in block.splitlines():
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            tok, tag, cat = parts[0], parts[1], parts[2]
            tokens.append(tok)
            if tag != "O" and cat != "NIL":
                pol = {"T-POS": "positive", "T-NEG": "negative", "T-NEU": "neutral"}[tag]
                cats.setdefault(cat, set()).add(pol)
        sentence = " ".join(tokens)
        for p in [" .", " ,", " !", " ?", " :", " ;", " )"]:
            sentence = sentence.replace(p, p.strip())
        sentence = sentence.replace("( ", "(")
        rows.append({"text": sentence, "categories": cats})
    return pd.DataFrame(rows)


def waimai() -> pd.DataFrame:
    """waimai_10k: text + label (positive/negative)."""
    df = pd.read_csv(_path("waimai-10k", "waimai_10k.csv"), encoding="utf-8-sig")
    return pd.DataFrame({
        "text": df["review"].astype(str),
        "label": df["label"].map({1: "positive", 0: "negative"}),
    })


_POLEMO = {"z_minus_m": "negative", "z_plus_m": "positive", "z_zero": "neutral",
           "z_amb": "ambivalent"}


def polemo_hotels() -> pd.DataFrame:
    """PolEmo 2.0 hotel sentences (CC BY-SA): text + label negative/neutral/positive/ambivalent."""
    rows = []
    with _path("polish-aste-polemo", "hotels_main_all.jsonl").open(encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            text, _, label = obj["text"].rpartition(" __label__")
            rows.append({"text": text.strip(), "label": _POLEMO.get(label.strip(), label)})
    return pd.DataFrame(rows)


def asap_sample() -> pd.DataFrame:
    """ASAP Chinese restaurant reviews sample (Apache-2.0): text, star, aspect columns."""
    frames = [
        pd.read_csv(_path("asap-zh-restaurants-sample", f"{s}_sample.csv"), encoding="utf-8-sig")
        for s in ("train", "dev", "test")
    ]
    df = pd.concat(frames, ignore_index=True)
    return df.rename(columns={"reviewbody": "text"})
