"""The committed sample survey export is reproducible and carries its planted drivers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
SCRIPT = DATA / "make_sample.py"
FILES = ("sample_feedback.csv", "sample_feedback_labels.csv")
COLUMNS = [
    "response_id",
    "submitted_at",
    "channel",
    "journey_stage",
    "segment",
    "country",
    "nps",
    "comment",
]

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
HAN = re.compile(r"[\u4e00-\u9fff]")
POLISH = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")


def _read(name: str) -> pd.DataFrame:
    # keep_default_na=False: "n/a" and "" stay strings (they are part of the planted mess)
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def feedback() -> pd.DataFrame:
    return _read("sample_feedback.csv")


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return _read("sample_feedback_labels.csv")


@pytest.fixture(scope="module")
def joined(feedback: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    by_text = dict(zip(labels["text"], labels["themes"], strict=True))
    df = feedback[feedback["comment"].isin(by_text)].copy()
    df["themes"] = df["comment"].map(by_text)
    df["nps_int"] = pd.to_numeric(df["nps"], errors="coerce")
    return df


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out-dir", str(tmp_path)], check=True, capture_output=True
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_shape_and_columns(feedback: pd.DataFrame, labels: pd.DataFrame) -> None:
    assert list(feedback.columns) == COLUMNS
    assert list(labels.columns) == ["text", "themes", "sentiment"]
    assert len(feedback) >= 300
    assert feedback["response_id"].is_unique
    assert feedback["submitted_at"].between("2026-05-01", "2026-10-31").all()
    assert set(feedback["channel"]) == {"web", "app", "store", "phone"}
    assert set(feedback["segment"]) == {"new", "returning", "business"}
    assert set(feedback["journey_stage"]) <= {
        "purchase",
        "delivery",
        "support",
        "in-store",
        "returns",
    }
    assert set(labels["sentiment"]) <= {"positive", "negative", "neutral", "mixed"}
    # every labeled text is one of the comments, and labels skip empty/non-text comments
    assert set(labels["text"]) <= set(feedback["comment"])
    assert "" not in set(labels["text"])
    assert (feedback["comment"] == "").sum() >= 1


def test_theme_labels_are_well_formed(labels: pd.DataFrame) -> None:
    pair = re.compile(r"^[a-z_]+:(positive|negative|neutral)$")
    for themes in labels["themes"]:
        if themes:
            assert all(pair.match(p) for p in themes.split(";")), themes


def test_all_four_languages_present(feedback: pd.DataFrame) -> None:
    comments = feedback["comment"]
    ru = comments.str.contains(CYRILLIC)
    zh = comments.str.contains(HAN)
    pl = comments.str.contains(POLISH)
    en = (
        comments.str.contains(r"[A-Za-z]{3}")
        & ~ru
        & ~zh
        & ~pl
        & feedback["country"].isin(["UK", "US"])
    )
    for name, mask in {"ru": ru, "zh": zh, "pl": pl, "en": en}.items():
        assert mask.sum() >= 0.1 * len(feedback), name
    # country is consistent with the script of the comment
    assert set(feedback.loc[ru, "country"]) == {"RU"}
    assert set(feedback.loc[zh, "country"]) == {"CN"}
    assert set(feedback.loc[pl, "country"]) == {"PL"}


def test_nps_in_range_or_empty(feedback: pd.DataFrame) -> None:
    filled = feedback.loc[feedback["nps"] != "", "nps"]
    assert filled.str.fullmatch(r"\d{1,2}").all()
    assert filled.astype(int).between(0, 10).all()
    assert (feedback["nps"] == "").sum() >= 1


def test_planted_delivery_speed_effect(joined: pd.DataFrame) -> None:
    has = joined["themes"].str.contains("delivery_speed:negative", regex=False)
    assert has.sum() >= 20
    gap = joined.loc[~has, "nps_int"].mean() - joined.loc[has, "nps_int"].mean()
    assert gap >= 2.0, gap


def test_enough_mixed_comments(labels: pd.DataFrame) -> None:
    assert (labels["sentiment"] == "mixed").mean() >= 0.20
