"""Tests for the ``voc`` command line (typer app in-process, plus the installed script)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import VOC_BIN, Job, background_job
from typer.testing import CliRunner

from voc.cli import app
from voc.pipeline import ADDED_OUTPUT_COLUMNS, MENTION_COLUMNS

runner = CliRunner()

INPUT = pd.DataFrame(
    {
        "id": ["A-001", "A-002", "A-003", "A-004", "A-005", "A-006", "A-007"],
        "comment": [
            "The delivery was two weeks late but the staff were lovely.",
            "Доставка опоздала на три дня, курьер был груб.",
            "Obsługa była bardzo miła i pomocna.",
            "物流太慢了，客服态度也不好。",
            "",
            "Refund took forever and nobody answered my emails.",
            "Great prices, fast checkout.",
        ],
        "nps": [3, 1, 10, 0, 7, 2, 9],
    }
)
N = len(INPUT)
IDS = list(INPUT["id"])
EXPECTED_COLUMNS = list(INPUT.columns) + ADDED_OUTPUT_COLUMNS
INPUT_FORMATS = ["csv", "tsv", "xlsx", "json", "jsonl", "parquet"]
OUTPUT_FORMATS = ["csv", "xlsx", "parquet", "jsonl"]


def write_input(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` in the format named by the extension (independently of voc.io)."""
    ext = path.suffix.lstrip(".")
    if ext == "csv":
        frame.to_csv(path, index=False)
    elif ext == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif ext == "xlsx":
        frame.to_excel(path, index=False)
    elif ext == "json":
        path.write_text(json.dumps(frame.to_dict("records"), ensure_ascii=False), "utf-8")
    elif ext == "jsonl":
        lines = [json.dumps(r, ensure_ascii=False) for r in frame.to_dict("records")]
        path.write_text("\n".join(lines) + "\n", "utf-8")
    elif ext == "parquet":
        frame.to_parquet(path, index=False)
    else:  # pragma: no cover
        raise ValueError(ext)
    return path


def read_output(path: Path) -> pd.DataFrame:
    """Read an output file with pandas (as strings where the format allows)."""
    ext = path.suffix
    if ext == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if ext == ".xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    if ext == ".parquet":
        return pd.read_parquet(path)
    if ext == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    raise ValueError(ext)  # pragma: no cover


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture(autouse=True)
def _warm_model(default_analyzer: Any) -> None:
    """Load the default model once per session (the CLI loads it again, cheaply)."""


def _check_output(out: pd.DataFrame) -> None:
    assert list(out.columns) == EXPECTED_COLUMNS
    assert len(out) == N
    assert [str(v) for v in out["id"]] == IDS  # input order kept
    assert [str(v) for v in out["doc_id"]] == IDS  # doc_id from the id column
    langs = [str(v) for v in out["language"]]
    assert langs[:4] == ["en", "ru", "pl", "zh"] and langs[4] == "unknown"
    themes = ["" if pd.isna(v) else str(v) for v in out["themes"]]
    assert themes[4] == ""
    assert all(themes[i] for i in (0, 1, 2, 3, 5, 6))
    assert "delivery_speed" in themes[0].split(";")
    scores = pd.to_numeric(out["sentiment_score"], errors="coerce")
    assert scores.drop(index=4).between(-1, 1).all()
    sentiments = [str(v) for v in out["sentiment"]]
    assert set(sentiments[:4] + sentiments[5:]) <= {"positive", "negative", "neutral", "mixed"}


# ------------------------------------------------------------------------------------------
# Formats
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", INPUT_FORMATS)
def test_analyze_each_input_format(tmp_path: Path, fmt: str) -> None:
    src = write_input(INPUT, tmp_path / f"feedback.{fmt}")
    dest = tmp_path / "out.csv"
    result = invoke("analyze", str(src), "-o", str(dest), "--quiet")
    assert result.exit_code == 0, result.output
    assert f"Analyzed {N} rows ({N - 1} with text)" in result.stdout
    _check_output(read_output(dest))


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_analyze_each_output_format(tmp_path: Path, fmt: str) -> None:
    src = write_input(INPUT, tmp_path / "feedback.csv")
    dest = tmp_path / f"out.{fmt}"
    result = invoke("analyze", str(src), "-o", str(dest))
    assert result.exit_code == 0, result.output
    assert dest.exists()
    _check_output(read_output(dest))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files


def test_mentions_file(tmp_path: Path) -> None:
    src = write_input(INPUT, tmp_path / "feedback.csv")
    mentions = tmp_path / "mentions.csv"
    result = invoke("analyze", str(src), "-o", str(tmp_path / "out.csv"),
                    "--mentions", str(mentions))
    assert result.exit_code == 0, result.output
    m = read_output(mentions)
    assert list(m.columns) == MENTION_COLUMNS
    assert len(m) >= N - 1
    assert set(m["doc_id"]) <= set(IDS) and "A-005" not in set(m["doc_id"])
    texts = dict(zip(INPUT["id"], INPUT["comment"], strict=True))
    for row in m.itertuples():
        start, end = int(row.evidence_start), int(row.evidence_end)
        assert texts[row.doc_id][start:end] == row.evidence
    assert str(mentions) in result.stdout


def test_column_overrides(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "col_a": ["k1", "k2", "k3"],
        "col_b": ["Delivery was late.", "Доставка быстрая.", "Obsługa miła."],
        "col_c": ["Delivery was fine.", "x", "y"],
    })
    src = write_input(frame, tmp_path / "in.csv")
    dest = tmp_path / "out.csv"
    result = invoke("analyze", str(src), "-o", str(dest), "--text-col", "col_b",
                    "--id-col", "col_a")
    assert result.exit_code == 0, result.output
    out = read_output(dest)
    assert list(out.columns) == list(frame.columns) + ADDED_OUTPUT_COLUMNS
    assert list(out["doc_id"]) == ["k1", "k2", "k3"]
    assert list(out["language"]) == ["en", "ru", "pl"]


def test_unknown_override_column_is_an_error(tmp_path: Path) -> None:
    src = write_input(INPUT, tmp_path / "in.csv")
    result = invoke("analyze", str(src), "-o", str(tmp_path / "out.csv"), "--text-col", "nope")
    assert result.exit_code == 2
    assert "nope" in result.stderr and "How to fix" in result.stderr
    assert not (tmp_path / "out.csv").exists()


# ------------------------------------------------------------------------------------------
# Byte-identical output
# ------------------------------------------------------------------------------------------


def _run_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes, Path]:
    src = write_input(INPUT, tmp_path / "feedback.csv")
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "fresh-home"))  # cold embedding cache
    outputs = []
    for run in ("cold", "warm"):
        dest = tmp_path / f"out-{run}.csv"
        result = invoke("analyze", str(src), "-o", str(dest), "--mentions",
                        str(tmp_path / f"mentions-{run}.csv"))
        assert result.exit_code == 0, result.output
        outputs.append(dest.read_bytes())
    assert (tmp_path / "fresh-home" / "cache" / "embeddings.sqlite").exists()
    return outputs[0], outputs[1], tmp_path


def test_output_is_byte_identical_cold_and_warm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold, warm, _ = _run_twice(tmp_path, monkeypatch)
    assert cold == warm
    assert (tmp_path / "mentions-cold.csv").read_bytes() == \
        (tmp_path / "mentions-warm.csv").read_bytes()
    assert cold.count(b"\n") == N + 1 and not cold.startswith(b"\xef\xbb\xbf")


@background_job("cli-cold")
def _cli_job(workdir: Path) -> list[str]:
    write_input(INPUT, workdir / "feedback.csv")
    return [str(VOC_BIN), "analyze", "feedback.csv", "-o", "out.csv", "--mentions",
            "mentions.csv"]


@pytest.mark.slow
@pytest.mark.background_job("cli-cold")
def test_installed_script_in_a_fresh_process_gives_the_same_bytes(
    background: Job, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`voc analyze` as a user runs it (new process, cold cache, 1 thread) == in-process."""
    proc = background.wait()
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    warm, _, _ = _run_twice(tmp_path, monkeypatch)
    assert (background.workdir / "out.csv").read_bytes() == warm
    assert (background.workdir / "mentions.csv").read_bytes() == \
        (tmp_path / "mentions-warm.csv").read_bytes()


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    no_text = write_input(pd.DataFrame({"nps": [1, 2, 3], "region": ["a", "b", "c"]}),
                          tmp_path / "no_text.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text("id,comment,nps\n", encoding="utf-8")
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_text("id,comment\n1,hello there\n", encoding="utf-8")
    return {"empty": empty, "binary": binary, "no_text": no_text, "header_only": header_only,
            "fake_xlsx": fake_xlsx, "missing": tmp_path / "does-not-exist.csv"}


@pytest.mark.parametrize("case", ["empty", "binary", "no_text", "header_only", "fake_xlsx",
                                  "missing"])
def test_bad_input_exits_2_with_a_helpful_message(tmp_path: Path, case: str) -> None:
    path = _bad_inputs(tmp_path)[case]
    dest = tmp_path / "out.csv"
    result = runner.invoke(app, ["analyze", str(path), "-o", str(dest)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Expected" in result.stderr and "How to fix" in result.stderr
    assert "Traceback" not in result.output
    assert not dest.exists()


def test_bad_output_extension(tmp_path: Path) -> None:
    src = write_input(INPUT, tmp_path / "in.csv")
    result = runner.invoke(app, ["analyze", str(src), "-o", str(tmp_path / "out.doc")])
    assert result.exit_code == 2
    assert "Expected" in result.stderr and ".csv" in result.stderr


@pytest.mark.slow
def test_installed_script_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    proc = subprocess.run([str(VOC_BIN), "analyze", str(bad), "-o", str(tmp_path / "o.csv")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Expected" in proc.stderr and "How to fix" in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------------------
# Help and classify
# ------------------------------------------------------------------------------------------


def test_help_lists_analyze() -> None:
    proc = subprocess.run([str(VOC_BIN), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert "analyze" in proc.stdout
    result = runner.invoke(app, ["analyze", "--help"])
    assert result.exit_code == 0
    for option in ("--output", "--mentions", "--text-col", "--id-col", "--model"):
        assert option in result.stdout


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "analyze" in result.output


def test_classify_command() -> None:
    result = invoke("classify", "The delivery was late.", "Отличный сервис!")
    assert result.exit_code == 0, result.output
    assert "language=en" in result.stdout and "language=ru" in result.stdout
    assert "delivery_speed" in result.stdout


def test_unknown_model_exits_2(tmp_path: Path) -> None:
    src = write_input(INPUT, tmp_path / "in.csv")
    result = runner.invoke(app, ["analyze", str(src), "-o", str(tmp_path / "o.csv"),
                                 "--model", "no-such-model"])
    assert result.exit_code == 2
    assert "Expected" in result.stderr and "no-such-model" in result.stderr
