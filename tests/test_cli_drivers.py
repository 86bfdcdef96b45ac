"""``voc drivers`` (typer app in-process) and the README's worked example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from voc.cli import app
from voc.drivers import SENTIMENTS

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
REQUIRED = ["theme", "n", "share", "score_with", "score_without", "impact", "impact_ci_low",
            "impact_ci_high", "attribution", "effect", "significant", "low_support"]
THEMES = ["delivery", "staff", "price"]


def analyzed(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A table shaped like ``voc analyze`` output: input columns + doc_id/themes/... ."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3)) < np.array([0.35, 0.3, 0.2])
    nps = np.clip(np.round(8 + rng.normal(0, 1.5, n) - 3 * X[:, 0] + X[:, 1]), 0, 10)
    return pd.DataFrame({
        "comment": "some text",
        "nps": nps.astype(int),
        "date": [f"2026-{m}-{d:02d}" for m, d in zip(rng.choice(["09", "10"], n),
                                                     rng.integers(1, 28, n), strict=True)],
        "channel": rng.choice(["web", "app"], n),
        "customer": [f"C{i}" for i in range(n)],
        "doc_id": [str(i + 1) for i in range(n)],
        "language": "en",
        "themes": [";".join(t for t, x in zip(THEMES, row, strict=True) if x) for row in X],
        "theme_sentiment": [";".join(f"{t}:{SENTIMENTS[int(x) % 2]}" for t, x in
                                     zip(THEMES, row, strict=True) if x) for row in X],
        "sentiment": "neutral",
        "sentiment_score": 0.0,
    })


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("drivers") / "tagged.csv"
    analyzed().to_csv(path, index=False)
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["drivers", *args, "--n-boot", "100"])


def test_drivers_on_analyze_output(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "drivers.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert set(REQUIRED) <= set(table.columns)
    assert set(table["theme"]) == set(THEMES)
    # the summary: metric with interval, reference, top negative drivers, low support
    text = result.stdout
    assert re.search(r"NPS: -?\d+\.\d points \(95% CI -?\d+\.\d to -?\d+\.\d\)", text)
    assert "reference (comments with no theme" in text
    assert "Top negative drivers" in text and "  delivery: -" in text
    assert "low support" in text and f"Wrote {out}" in text
    assert not out.with_name("drivers.bridge.csv").exists()


def test_by_and_period_slices(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "sliced.xlsx"
    result = invoke(str(src), "-o", str(out), "--by", "channel", "--period", "month",
                    "--min-support", "10")
    assert result.exit_code == 0, result.output
    table = pd.read_excel(out)
    assert list(table.columns[:2]) == ["segment", "period"]
    assert set(table["segment"]) == {"web", "app"}
    assert set(table["period"]) == {"2026-09", "2026-10"}
    assert "4 slices" in result.stdout and "app / 2026-09" in result.stdout


def test_compare_groups_writes_the_bridge(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "drivers.csv"
    result = invoke(str(src), "-o", str(out), "--compare", "channel=web,app")
    assert result.exit_code == 0, result.output
    bridge = pd.read_csv(tmp_path / "drivers.bridge.csv")
    assert bridge["component"].iloc[0] == "total"
    assert set(bridge["component"].iloc[1:]) == {"prevalence", "score"}
    total = bridge["value"].iloc[0]
    assert bridge["value"].iloc[1:].sum() == pytest.approx(total)
    assert bridge["metric_b"].iloc[0] - bridge["metric_a"].iloc[0] == pytest.approx(total)
    assert re.search(r"NPS web → app: -?\d+\.\d → -?\d+\.\d \(Δ [+-]\d+\.\d, 95% CI "
                     r"\[[+-]\d+\.\d, [+-]\d+\.\d\]; p=", result.stdout)


def test_compare_periods_with_segment_mix(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.parquet"
    result = invoke(str(src), "-o", str(out), "--compare", "period=2026-09,2026-10",
                    "--by", "channel")
    assert result.exit_code == 0, result.output
    bridge = pd.read_parquet(tmp_path / "d.bridge.parquet")
    assert (bridge["group_a"] == "2026-09").all() and (bridge["group_b"] == "2026-10").all()
    assert "segment_mix" in set(bridge["component"])
    assert bridge["value"].iloc[1:].sum() == pytest.approx(bridge["value"].iloc[0])
    assert "NPS 2026-09 → 2026-10" in result.stdout


def test_outcome_file_join(src: Path, tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    rng = np.random.default_rng(3)
    pd.DataFrame({"customer": [f"C{i}" for i in range(230)],
                  "spend": rng.gamma(2.0, 50.0, 230).round(2),
                  "churned": rng.integers(0, 2, 230)}).to_csv(crm, index=False)
    out = tmp_path / "spend.csv"
    result = invoke(str(src), "-o", str(out), "--outcome-file", str(crm), "--outcome-col",
                    "spend", "--join-on", "customer")
    assert result.exit_code == 0, result.output
    assert "230 comments matched, 10 without a match" in result.stdout
    table = pd.read_csv(out)
    assert (table["metric"] == "mean").all() and (table["n_total"] == 230).all()
    result = invoke(str(src), "-o", str(out), "--outcome-file", str(crm), "--outcome-col",
                    "churned", "--join-on", "customer=customer", "--metric", "churn")
    assert result.exit_code == 0, result.output
    assert "Churn rate: " in result.stdout and "%" in result.stdout
    assert (pd.read_csv(out)["unit"] == "share").all()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--metric", "promoters"], "--metric one of nps"),
        (["--compare", "channel:web"], "--compare COLUMN=A,B"),
        (["--compare", "channel=web"], "--compare COLUMN=A,B"),
        (["--compare", "channel=web,phone"], "'phone'"),
        (["--compare", "shop=a,b"], "'shop' (from --compare)"),
        (["--score-col", "NPS"], "'NPS' (from --score-col)"),
        (["--by", "region"], "'region' (from --by)"),
        (["--period", "fortnight"], "--period one of"),
        (["--outcome-file", "crm.csv"], "--outcome-file, --outcome-col and --join-on"),
    ],
)
def test_errors_exit_2_with_a_fix(src: Path, tmp_path: Path, args: list[str],
                                  needle: str) -> None:
    out = tmp_path / "x.csv"
    result = invoke(str(src), "-o", str(out), *args)
    assert result.exit_code == 2, result.output
    assert "Expected" in result.stderr and "How to fix" in result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_no_scores_at_all_and_bad_extension(tmp_path: Path) -> None:
    src = tmp_path / "empty_scores.csv"
    analyzed(n=20).assign(nps="").to_csv(src, index=False)
    result = invoke(str(src), "-o", str(tmp_path / "x.csv"), "--score-col", "nps")
    assert result.exit_code == 2
    assert "Expected comments with text and an outcome value" in result.stderr
    assert "How to fix" in result.stderr
    result = invoke(str(src), "-o", str(tmp_path / "x.doc"))
    assert result.exit_code == 2 and ".csv" in result.stderr


@pytest.mark.slow
def test_raw_export_is_analyzed_on_the_fly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           make_tiny_analyzer: Any) -> None:
    monkeypatch.setenv("VOC_HOME", str(tmp_path / "home"))
    model_dir = tmp_path / "models" / "tiny"
    make_tiny_analyzer().save(model_dir, name="tiny", version="1")
    texts = ["The parcel arrived two weeks late.", "Very friendly and helpful staff.",
             "Way too expensive for what you get.", "Доставка опоздала на неделю.",
             "Great value for the money."]
    raw = pd.DataFrame({
        "RespID": [f"R{i:02d}" for i in range(20)],
        "Comment": [texts[i % 5] for i in range(20)],
        "Score": [2, 10, 4, 1, 9, 3, 9, 5, 0, 10, 6, 10, 3, 2, 8, 1, 9, 4, 3, 10],
        "Channel": ["web", "app"] * 10,
    })
    src = tmp_path / "export.csv"
    raw.to_csv(src, index=False)
    out = tmp_path / "drivers.csv"
    result = runner.invoke(app, ["drivers", str(src), "-o", str(out), "--model", str(model_dir),
                                 "--text-col", "Comment", "--score-col", "Score", "--id-col",
                                 "RespID", "--min-support", "2", "--n-boot", "50", "--compare",
                                 "Channel=web,app", "-q"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert set(REQUIRED) <= set(table.columns)
    assert {"delivery", "price"} <= set(table["theme"])
    assert set(table["theme_name"]) >= {"Delivery", "Price"}  # names from the model
    assert (table["n_total"] == 20).all()
    assert (tmp_path / "drivers.bridge.csv").exists()
    assert "NPS web → app" in result.stdout


# ------------------------------------------------------------------------------ README example
def _after(marker: str, text: str) -> str:
    return text.split(f"<!-- example:{marker} -->", 1)[1].lstrip("\n")


def _code(marker: str, text: str) -> str:
    block = _after(marker, text)
    assert block.startswith("```python\n")
    return block.split("\n", 1)[1].split("```", 1)[0]


def _table(marker: str, text: str) -> pd.DataFrame:
    lines = []
    for line in _after(marker, text).splitlines():
        if not line.startswith("|"):
            break
        lines.append([c.strip() for c in line.strip("|").split("|")])
    header, rows = lines[0], lines[2:]
    return pd.DataFrame(rows, columns=header)


def _num(cell: str) -> float:
    return float(cell.replace("−", "-").replace("+", ""))


def test_readme_worked_example_matches_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    scope: dict[str, Any] = {}
    exec(_code("drivers-code", text), scope)  # noqa: S102 - the README's own example
    drivers = scope["drivers"]
    rows = drivers[drivers["level"] == "theme"].set_index("theme")
    expected = _table("drivers-table", text)
    assert set(expected["theme"]) == set(rows.index)
    for _, exp in expected.iterrows():
        got = rows.loc[exp["theme"]]
        assert int(exp["n"]) == got["n"]
        assert _num(exp["share"]) == pytest.approx(got["share"], abs=0.005)
        for col in ("score_with", "score_without", "impact", "effect", "attribution"):
            assert _num(exp[col]) == pytest.approx(got[col], abs=0.05 + 1e-9), col
    # the figures quoted in the prose
    assert drivers["metric_value"].iloc[0] == pytest.approx(0.0)
    assert drivers["reference"].iloc[0] == pytest.approx(200 / 3)
    assert "reference R = (100 + 0 +\n  100)/3 = 66.7" in text
    from voc import driver_analysis, nps

    ci = nps([10, 9, 9, 8, 7, 6, 5, 3, 10, 0])
    assert f"interval −{-ci.ci_low:.1f} to {ci.ci_high:.1f}" in text
    y = np.array([100, 100, 100, 0, 0, -100, -100, -100, 100, -100.0])
    X = np.column_stack([np.ones(10), [0, 0, 0, 0, 1, 1, 1, 1, 0, 1], [1, 1, 0, 0, 0, 0, 1, 0,
                                                                       0, 0]])
    b0, bd, bs = np.linalg.lstsq(X, y, rcond=None)[0]
    assert f"y ≈ {b0:.0f} − {-bd:.0f}·delivery + {bs:.0f}·staff" in text
    equal = driver_analysis(scope["df"], "nps", score_col="nps", min_support=1, n_boot=0,
                            attribution_method="equal").set_index("key")["attribution"]
    assert (f"(attribution −{-equal['staff']:.1f}, with delivery at "
            f"−{-equal['delivery']:.1f})") in text
    # the bridge
    exec(_code("bridge-code", text), scope)  # noqa: S102
    summary, comp = scope["summary"], scope["components"]
    assert f"NPS falls from {summary['metric_a'].iloc[0]:.1f} (A) to " \
           f"−{-summary['metric_b'].iloc[0]:.1f} (B)" in text
    expected = _table("bridge-table", text)
    got = comp.set_index(["component", "theme"])["value"]
    assert len(expected) == len(got)
    for _, exp in expected.iterrows():
        assert _num(exp["value"]) == pytest.approx(got[(exp["component"], exp["theme"])],
                                                   abs=0.005 + 1e-9)
    assert f"add up to −{-summary['diff'].iloc[0]:.2f}" in text
