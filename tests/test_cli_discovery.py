"""``voc discover`` and ``voc emerging`` (typer app in-process) on planted data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from planted_data import planted_feedback
from typer.testing import CliRunner

from voc.cli import app
from voc.discovery import CLUSTER_COLUMNS
from voc.emerging import EMERGING_COLUMNS

runner = CliRunner()
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("discover") / "feedback.csv"
    planted_feedback(800).to_csv(path, index=False)
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, [*args, "--quiet"])


def test_discover_writes_sentences_and_clusters(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "found.csv"
    result = invoke("discover", str(src), "-o", str(out), "--all", "--id-col", "id",
                    "--text-col", "comment")
    assert result.exit_code == 0, result.output
    sentences = pd.read_csv(out, keep_default_na=False)
    assert list(sentences.columns)[:5] == ["doc_id", "sentence_id", "sentence", "cluster",
                                           "cluster_label"]
    assert sentences["doc_id"].str.startswith("C").all()  # --id-col was used
    assert set(sentences["doc_id"]) == set(pd.read_csv(src)["id"])  # every comment is there
    clusters = pd.read_csv(tmp_path / "found.clusters.csv", keep_default_na=False)
    assert list(clusters.columns) == CLUSTER_COLUMNS
    assert clusters["size"].sum() == len(sentences)  # --all: every sentence clustered
    assert "chosen by voc" in result.output and "Wrote" in result.output
    # the same data and seed give the same files
    again = tmp_path / "again.csv"
    assert invoke("discover", str(src), "-o", str(again), "--all").exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    assert (tmp_path / "again.clusters.csv").read_bytes() == \
        (tmp_path / "found.clusters.csv").read_bytes()


def test_discover_n_themes_and_unassigned_default(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "k.xlsx"
    result = invoke("discover", str(src), "-o", str(out), "--all", "--n-themes", "4")
    assert result.exit_code == 0, result.output
    assert len(pd.read_excel(tmp_path / "k.clusters.xlsx")) == 4
    result = invoke("discover", str(src), "-o", str(tmp_path / "u.csv"))
    if result.exit_code == 0:  # unassigned only: clustered sentences carry no theme
        rows = pd.read_csv(tmp_path / "u.csv", keep_default_na=False)
        assert (rows.loc[rows["cluster"] != "", "themes"] == "").all()
        assert "already carry a theme" in result.output
    else:  # too few sentences without a theme: a clear error pointing at --all
        assert result.exit_code == 2 and "--all" in result.output


def test_emerging_flags_the_planted_theme(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "emerging.csv"
    result = invoke("emerging", str(src), "--date-col", "date", "--recent", "30d", "-o",
                    str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns) == EMERGING_COLUMNS
    flagged = table[table["emerging"].astype(str) == "True"]
    assert len(flagged) >= 1 and "locker" in "\n".join(flagged["quotes"])
    assert "Recent 2026-09-01..2026-09-30" in result.output
    assert "emerging (FDR 0.05)" in result.output and "locker" in result.output


@pytest.mark.parametrize(("args", "expected"), [
    (["--date-col", "nope"], "column named 'nope'"),
    (["--date-col", "date", "--recent", "soon"], "--recent"),
    (["--date-col", "date", "--recent", "2027-01-01"], "at least 10 comments"),
])
def test_emerging_errors_exit_2(src: Path, tmp_path: Path, args: list[str], expected: str
                                ) -> None:
    result = invoke("emerging", str(src), "-o", str(tmp_path / "e.csv"), *args)
    assert result.exit_code == 2
    assert expected in result.output and "How to fix" in result.output


def test_promote_saves_a_new_version_with_provenance(src: Path, tmp_path: Path,
                                                     make_tiny_analyzer: Any) -> None:
    import json

    make_tiny_analyzer().save(tmp_path / "tiny", name="tiny", version="v1")
    found = tmp_path / "found.csv"
    args = ["--all", "--base", str(tmp_path / "tiny")]
    assert invoke("discover", str(src), "-o", str(found), "--all", "--model",
                  str(tmp_path / "tiny")).exit_code == 0
    clusters = pd.read_csv(tmp_path / "found.clusters.csv", keep_default_na=False)
    locker = clusters[clusters["keywords"].str.contains("locker")]
    cluster = int(locker["cluster"].iloc[0]) if len(locker) else 0
    result = invoke("promote", str(src), "--cluster", str(cluster), "--theme-id", "new_theme",
                    "-o", str(tmp_path / "promoted"), *args)
    assert result.exit_code == 0, result.output
    assert "Added theme 'new_theme'" in result.output
    meta = json.loads(next((tmp_path / "promoted").glob("*/model.json")).read_text("utf-8"))
    rec = meta["training"]["promoted"]
    assert rec["cluster"] == cluster and rec["dataset"] == src.name
    assert rec["label"] == clusters.loc[clusters["cluster"] == cluster, "label"].iloc[0]
    assert "new_theme" in meta["heads"]["themes"]["classes"]
    bad = invoke("promote", str(src), "--cluster", "999", *args)
    assert bad.exit_code == 2 and "cluster id" in bad.output
