"""The ``voc`` command line: a thin typer layer over the library's functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from voc.errors import VocError

app = typer.Typer(
    name="voc",
    help="Offline Voice-of-Customer analysis: themes, aspect sentiment and NPS drivers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(exc: VocError) -> None:
    typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _analyze_with_progress(analyzer: Any, raw: Any, *, quiet: bool, **columns: Any) -> Any:
    """Run ``analyzer.analyze(raw, **columns)`` behind a progress bar on an interactive stderr."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} comments"), TimeRemainingColumn(),
        disable=quiet or not sys.stderr.isatty(), transient=True, console=None,
    ) as bar:
        task = bar.add_task("Analyzing", total=len(raw))
        return analyzer.analyze(
            raw, **columns,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


@app.command()
def analyze(
    input: Annotated[Path, typer.Argument(help="Feedback export: CSV, XLSX, JSON, JSONL, "
                                          "Parquet.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file; the format "
                                         "follows the extension (.csv .xlsx .parquet .jsonl).")],
    mentions: Annotated[Path | None, typer.Option(help="Also write one row per (doc_id, "
                                                  "sentence_id, theme) to this file.")] = None,
    model: Annotated[str, typer.Option(help="Model name or directory.")] = "default",
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    score_col: Annotated[str | None, typer.Option(help="Column with the score "
                                                  "(NPS/CSAT/CES).")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a unique row id.")] = None,
    date_col: Annotated[str | None, typer.Option(help="Column with the date.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Tag every comment with themes and aspect-level sentiment."""

    from voc.io import read_feedback, write_table
    from voc.pipeline import Analyzer

    try:
        raw = read_feedback(input, sheet=sheet)
        analyzer = Analyzer.load(model)
        result = _analyze_with_progress(analyzer, raw, quiet=quiet, text_col=text_col,
                                        score_col=score_col, id_col=id_col, date_col=date_col)
        out = result.output_frame(raw)
        write_table(out, output)
        if mentions is not None:
            write_table(result.mentions, mentions)
    except VocError as exc:
        _fail(exc)
        return
    docs = result.documents
    n_text = int(docs["has_text"].sum())
    typer.echo(
        f"Analyzed {len(docs):,} rows ({n_text:,} with text) with model "
        f"{result.model_info.get('name')} {result.model_info.get('version')}; "
        f"{len(result.mentions):,} theme mentions. Wrote {output}"
        + (f" and {mentions}" if mentions else "") + "."
    )
    for warning in result.validation.warnings:
        typer.secho(f"Note: {warning}", fg=typer.colors.YELLOW, err=True)


_PERIODS = ("day", "week", "month", "quarter", "year")
_METRIC_NAMES = {
    "nps": "NPS", "csat": "CSAT", "csat_mean": "CSAT (mean)", "ces": "CES",
    "ces_easy": "CES (easy share)", "loyalty": "Loyalty index", "churn": "Churn rate",
    "mean": "Mean",
}


def _parse_compare(spec: str) -> tuple[str, str, str]:
    """``--compare COLUMN=A,B`` → (column, a, b); ``period=A,B`` compares two periods."""
    column, sep, values = spec.partition("=")
    parts = [v.strip() for v in values.split(",")]
    if not sep or not column.strip() or len(parts) != 2 or not all(parts):
        raise VocError(
            expected="--compare COLUMN=A,B (two values of one column, A the baseline) or "
                     "period=A,B (two periods)",
            found=repr(spec),
            fix="write e.g. --compare channel=web,app or --compare period=2026-09,2026-10",
        )
    return column.strip(), parts[0], parts[1]


def _period_of(label: str) -> str | None:
    """The granularity a period label is written in: 2026, 2026Q3, 2026-09, 2026-09-14."""
    import re

    for name, pattern in (("year", r"\d{4}"), ("quarter", r"\d{4}Q[1-4]"),
                          ("month", r"\d{4}-\d{2}"), ("day", r"\d{4}-\d{2}-\d{2}"),
                          ("week", r"\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}")):
        if re.fullmatch(pattern, label):
            return name
    return None


def _fmt_level(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    return f"{value:.1f}" if unit == "points" else f"{value:.2f}"


def _fmt_delta(value: float, unit: str) -> str:
    if value != value:
        return "n/a"
    if unit == "share":
        return f"{100 * value:+.1f} pp"
    return f"{value:+.1f}" if unit == "points" else f"{value:+.2f}"


def _drivers_frame(raw, *, model, text_col, score_col, id_col, date_col, metric, quiet,
                   need_score, columns):
    """(frame, theme names, score column, date column): ``raw`` itself when it is voc analyze
    output, else the output of analyzing it now (with a progress bar). ``columns``: (option,
    column name) pairs that must exist, checked before any analysis."""
    from voc.registry import resolve_model_dir
    from voc.taxonomy import Taxonomy

    items = [c.strip() for c in score_col.split(",")] if score_col else []
    for option, column in [("--score-col", c) for c in items] + list(columns):
        if column is not None and column not in raw.columns:
            raise VocError(expected=f"a column named {column!r} (from {option})",
                           found=f"no such column; the columns are "
                                 f"{', '.join(map(str, raw.columns[:30]))}",
                           fix=f"pass {option} with one of those names (names are "
                               "case-sensitive)")
    if {"themes", "theme_sentiment", "doc_id"} <= set(map(str, raw.columns)):
        try:  # display names only: the ids are shown when the model is not at hand
            names = Taxonomy.load(resolve_model_dir(model) / "taxonomy.yaml").names()
        except (VocError, OSError):
            names = {}
        return raw, names, score_col, date_col

    from voc.pipeline import Analyzer
    from voc.schema import infer_mapping

    # only a survey score is validated as one by analyze; other outcomes (spend, churn flags)
    # are read by driver analysis itself
    score_role = items[0] if len(items) == 1 and metric in (
        "nps", "csat", "csat_mean", "ces", "ces_easy", "loyalty") else None
    overrides = {k: v for k, v in (("text", text_col), ("score", score_role), ("id", id_col),
                                   ("date", date_col)) if v is not None}
    if need_score and not items and infer_mapping(raw, overrides=overrides).score is None:
        raise VocError(
            expected="a score column (NPS 0–10, CSAT, CES, ...)",
            found=f"none recognisable among {', '.join(map(str, raw.columns[:20]))}",
            fix="pass --score-col <column> (or --outcome-file/--outcome-col/--join-on)",
        )
    analyzer = Analyzer.load(model)
    result = _analyze_with_progress(analyzer, raw, quiet=quiet, text_col=text_col,
                                    score_col=score_role, id_col=id_col, date_col=date_col)
    frame = result.output_frame(raw)
    if "has_text" not in frame.columns:
        frame["has_text"] = result.documents["has_text"].to_numpy()
    return (frame, result.taxonomy.names(), score_col or result.mapping.score,
            date_col or result.mapping.date)


def _metric_interval(y, metric: str, confidence: float = 0.95):
    """Interval of a metric from its per-row values (see voc.metrics)."""
    from voc.metrics import UNITS, metric_value, nps_interval, wilson_interval

    n = int(y.size)
    if metric == "nps":
        return nps_interval(float((y > 0).sum()), float((y < 0).sum()), n, confidence)
    if UNITS[metric] == "share":
        return wilson_interval(float(y.sum()), n, confidence)
    mv = metric_value("mean", y, confidence=confidence)
    return mv.ci_low, mv.ci_high


def _bridge_table(summary, components):
    """One table for the bridge file: a ``total`` row (value = diff, its CI, group sizes) then
    the components; the summary's other figures repeated on every row."""
    import pandas as pd

    s = summary.iloc[0]
    total = pd.DataFrame([{"component": "total", "theme": None, "theme_name": None,
                           "segment": None, "value": s["diff"], "ci_low": s["diff_ci_low"],
                           "ci_high": s["diff_ci_high"], "n_a": s["n_a"], "n_b": s["n_b"],
                           "low_support": False}])
    out = pd.concat([total, components], ignore_index=True)
    lead = ["group_a", "group_b", "metric", "unit", "metric_a", "metric_b", "p_value",
            "significant", "reference_a", "reference_b"]
    for i, col in enumerate(lead):
        out.insert(i, col, s[col])
    return out


def _drivers_report(table, *, metric: str, overall, join, bridge_out, output: Path,
                    min_support: int) -> None:
    """Print the human summary of a voc drivers run."""
    attrs = table.attrs
    unit = str(attrs.get("unit", ""))
    label = _METRIC_NAMES.get(metric, metric)
    unit_word = " points" if unit == "points" else ""
    if join is not None:
        typer.echo(f"Outcome joined: {join['n_matched']:,} comments matched, "
                   f"{join['n_unmatched']:,} without a match"
                   + (f" (e.g. {', '.join(join['unmatched_examples'][:3])})"
                      if join["n_unmatched"] else "")
                   + f"; {join['n_odata_unused']:,} O-data rows unused.")
    typer.echo(f"Used {attrs.get('n_used', 0):,} of {attrs.get('n_rows', 0):,} rows "
               f"({attrs.get('n_no_text', 0):,} without text, "
               f"{attrs.get('n_missing_outcome', 0):,} without an outcome).")
    slices = attrs.get("slices", [])
    themes = table[table["level"] == "theme"]
    value, lo, hi = overall
    if len(slices) == 1:
        meta = slices[0]
        typer.echo(f"{label}: {_fmt_level(meta['metric_value'], unit)}{unit_word} (95% CI "
                   f"{_fmt_level(lo, unit)} to {_fmt_level(hi, unit)}), n = "
                   f"{meta['n_total']:,}; reference (comments with no theme, n = "
                   f"{meta['n_reference']:,}): {_fmt_level(meta['reference'], unit)}.")
        neg = themes[themes["attribution"] < 0].sort_values("attribution").head(3)
        if neg.empty:
            typer.echo("No negative driver with enough support.")
        else:
            typer.echo("Top negative drivers (attribution; impact with 95% CI; share):")
            for r in neg.itertuples():
                typer.echo(f"  {r.theme_name}: {_fmt_delta(r.attribution, unit)}; impact "
                           f"{_fmt_delta(r.impact, unit)} [{_fmt_delta(r.impact_ci_low, unit)}"
                           f", {_fmt_delta(r.impact_ci_high, unit)}]; {r.share:.0%} of "
                           "comments")
    else:
        typer.echo(f"{label} overall: {_fmt_level(value, unit)}{unit_word} (95% CI "
                   f"{_fmt_level(lo, unit)} to {_fmt_level(hi, unit)}), n = "
                   f"{attrs.get('n_used', 0):,}; {len(slices)} slices:")
        for meta in slices[:12]:
            name = " / ".join(str(meta[k]) for k in ("segment", "period") if k in meta)
            part = themes
            for k in ("segment", "period"):
                if k in meta:
                    part = part[part[k] == meta[k]]
            worst = part[part["attribution"] < 0].sort_values("attribution").head(1)
            tail = (f"; top negative driver {worst['theme_name'].iloc[0]} "
                    f"({_fmt_delta(worst['attribution'].iloc[0], unit)})"
                    if len(worst) else "")
            typer.echo(f"  {name}: {_fmt_level(meta['metric_value'], unit)} "
                       f"(n = {meta['n_total']:,}){tail}")
        if len(slices) > 12:
            typer.echo(f"  ... and {len(slices) - 12} more (see {output})")
    n_low = int(themes["low_support"].sum())
    typer.echo(f"{n_low} of {len(themes)} theme rows have low support (fewer than "
               f"{min_support} comments with or without the theme): figures hidden.")
    typer.echo(f"Wrote {output} ({len(table):,} rows).")
    if bridge_out is not None:
        summary, path = bridge_out
        s = summary.iloc[0]
        typer.echo(f"{label} {s['group_a']} → {s['group_b']}: "
                   f"{_fmt_level(s['metric_a'], unit)} → {_fmt_level(s['metric_b'], unit)} "
                   f"(Δ {_fmt_delta(s['diff'], unit)}, 95% CI "
                   f"[{_fmt_delta(s['diff_ci_low'], unit)}, "
                   f"{_fmt_delta(s['diff_ci_high'], unit)}]; p={s['p_value']:.3g}). "
                   f"Wrote {path}.")


@app.command()
def drivers(
    input: Annotated[Path, typer.Argument(help="A feedback export (analyzed on the fly) or the "
                                          "output of voc analyze.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output table; the format "
                                         "follows the extension (.csv .xlsx .parquet .jsonl).")],
    metric: Annotated[str | None, typer.Option(
        help="nps, csat, csat_mean, ces, ces_easy, loyalty, churn or mean. Default: nps; with "
             "--outcome-file: mean.")] = None,
    score_col: Annotated[str | None, typer.Option(
        help="Outcome column (default: the score column voc infers). For loyalty, several "
             "0–10 items separated by commas.")] = None,
    by: Annotated[str | None, typer.Option(help="Slice by this column (e.g. segment).")] = None,
    period: Annotated[str | None, typer.Option(
        help="Slice by day, week, month, quarter or year (needs a date column).")] = None,
    compare: Annotated[str | None, typer.Option(
        help="Explain a change: COLUMN=A,B (two groups, A the baseline) or period=A,B (two "
             "periods, e.g. period=2026-09,2026-10). Writes OUTPUT's name + .bridge too.")
    ] = None,
    outcome_file: Annotated[Path | None, typer.Option(
        help="O-data (one row per customer) with the outcome, e.g. spend or churn.")] = None,
    outcome_col: Annotated[str | None, typer.Option(
        help="The outcome column of --outcome-file.")] = None,
    join_on: Annotated[str | None, typer.Option(
        help="Key column in both files, or COMMENTS_COL=ODATA_COL.")] = None,
    model: Annotated[str, typer.Option(help="Model name or directory.")] = "default",
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a unique row id.")] = None,
    date_col: Annotated[str | None, typer.Option(help="Column with the date.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    min_support: Annotated[int, typer.Option(
        help="Fewer comments with (or without) a theme: insufficient evidence.")] = 30,
    n_boot: Annotated[int, typer.Option(help="Bootstrap resamples for the intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Which themes move NPS (or CSAT, CES, churn, ...), by how much, and how sure we are."""
    import warnings

    import pandas as pd

    from voc import drivers as drv
    from voc.io import SUPPORTED_OUTPUT, read_feedback, write_table
    from voc.metrics import METRICS, row_values

    try:
        key = (metric or ("mean" if outcome_file is not None else "nps")).strip().lower()
        if key not in METRICS:
            raise VocError(expected=f"--metric one of {', '.join(METRICS)}", found=repr(metric),
                           fix="pass e.g. --metric nps (0–10 answers), csat (1–5), ces (1–7), "
                               "churn (0/1 flags) or mean (any numeric column)")
        if period is not None and period.strip().lower() not in _PERIODS:
            raise VocError(expected=f"--period one of {', '.join(_PERIODS)}",
                           found=repr(period), fix="pass e.g. --period month")
        period = period.strip().lower() if period is not None else None
        comparison = _parse_compare(compare) if compare is not None else None
        odata_args = (outcome_file, outcome_col, join_on)
        if any(a is not None for a in odata_args) and any(a is None for a in odata_args):
            raise VocError(expected="--outcome-file, --outcome-col and --join-on together",
                           found="only some of them",
                           fix="e.g. --outcome-file crm.csv --outcome-col spend "
                               "--join-on customer_id")
        if output.suffix.lower() not in SUPPORTED_OUTPUT:  # fail before a long analysis
            write_table(pd.DataFrame(), output)  # raises write_table's own error
        raw = read_feedback(input, sheet=sheet)
        frame, names, score, dates = _drivers_frame(
            raw, model=model, text_col=text_col, score_col=score_col, id_col=id_col,
            date_col=date_col, metric=key, quiet=quiet, need_score=outcome_file is None,
            columns=[("--by", by), ("--date-col", date_col), ("--text-col", text_col),
                     ("--id-col", id_col),
                     ("--compare", None if comparison is None or comparison[0] == "period"
                      else comparison[0])])
        outcome, join = None, None
        if outcome_file is not None and join_on is not None and outcome_col is not None:
            left, _, right = join_on.partition("=")
            on = (left.strip(), right.strip()) if right else left.strip()
            with warnings.catch_warnings():  # unmatched comments are reported below
                warnings.simplefilter("ignore", UserWarning)
                outcome = drv.join_outcome(frame, read_feedback(outcome_file), on=on,
                                           column=outcome_col)
            join = dict(outcome.attrs)
        elif key == "loyalty" and score is not None and "," in score:
            items = [c.strip() for c in score.split(",")]
            outcome = pd.Series(row_values("loyalty", frame[items]), name="loyalty")
        common: dict[str, Any] = {"score_col": score, "outcome": outcome,
                                  "min_support": min_support, "n_boot": n_boot, "seed": seed,
                                  "theme_names": names}
        table = drv.driver_analysis(frame, key, by=by, period=period, date_col=dates, **common)
        # the rows and per-row values driver_analysis used, for the metric's interval
        y = drv._prepare(frame, key, score_col=score, outcome=outcome, scale=None, top_box=2,
                         higher_is_easier=True, include_empty=False, theme_names=None).y
        bridge_out = None
        if comparison is not None:
            column, a, b = comparison
            split: dict[str, Any]
            if column == "period":
                grain = period or _period_of(a) or "month"
                split = {"period_split": (a, b), "period": grain, "date_col": dates}
            else:
                split = {"compare": (column, a, b)}
            summary, components = drv.bridge(
                frame, metric=key, segment_col=by if by != column else None, **split, **common)
            path = output.with_name(f"{output.stem}.bridge{output.suffix}")
            bridge_out = (summary, path)
        write_table(table, output)
        if bridge_out is not None:
            write_table(_bridge_table(summary, components), bridge_out[1])
    except VocError as exc:
        _fail(exc)
        return
    _drivers_report(table, metric=key, overall=(float(y.mean()), *_metric_interval(y, key)),
                    join=join,
                    bridge_out=bridge_out, output=output, min_support=min_support)


@app.command()
def classify(
    texts: Annotated[list[str], typer.Argument(help="One or more comments.")],
    model: Annotated[str, typer.Option(help="Model name or directory.")] = "default",
) -> None:
    """Tag a few comments given on the command line and print the result."""
    from voc.pipeline import Analyzer

    try:
        result = Analyzer.load(model).analyze(list(texts))
    except VocError as exc:
        _fail(exc)
        return
    for doc in result.documents.itertuples():
        typer.echo(f"{doc.text}\n  language={doc.language} sentiment={doc.sentiment} "
                   f"({doc.sentiment_score:+.2f}) themes={doc.theme_sentiment or '-'}")


# ------------------------------------------------------------------------------------------
# Training: train, evaluate, suggest, models list|show|activate
# ------------------------------------------------------------------------------------------
def _echo_lines(text: str, *, err: bool = False) -> None:
    for line in text.rstrip("\n").splitlines():
        typer.echo(line, err=err)


def _default_model_dir(labeled: Path) -> Path:
    import re

    from voc.registry import workspace_models_dir

    slug = re.sub(r"[^\w.-]+", "-", labeled.stem, flags=re.UNICODE).strip("-.") or "model"
    return workspace_models_dir() / slug


@app.command()
def train(
    labeled: Annotated[Path, typer.Argument(help="Labeled samples (CSV/XLSX/JSONL/...): text, "
                                            "themes (id[:polarity];...), optional sentiment.",
                                            show_default=False)],
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Model folder; the new version is saved in it and made LATEST. "
        "Default: $VOC_HOME/models/<file name>.")] = None,
    base: Annotated[str, typer.Option(help="Model to start from (name or directory).")
                    ] = "default",
    embedder: Annotated[str | None, typer.Option(help="Embedding backend (default: the base "
                                                 "model's), e.g. minilm-l6-v2-en.")] = None,
    mode: Annotated[str, typer.Option(help="auto | single | multi (auto: single-label when "
                                      "every comment has exactly one theme).")] = "auto",
    priors: Annotated[bool, typer.Option(help="Also learn known themes from the base "
                                         "taxonomy's example phrases.")] = True,
    sentiment: Annotated[str, typer.Option(help="auto | retrain | keep (auto: refit the "
                                           "sentiment head when it helps out of fold).")
                         ] = "auto",
    min_examples: Annotated[int, typer.Option(help="Labeled comments a theme needs.")] = 3,
    weak: Annotated[Path | None, typer.Option(help="Opt-in: a feedback file with scores; "
                                              "promoters/detractors become weak sentiment "
                                              "examples.")] = None,
    weak_scale: Annotated[str, typer.Option(help="Scale of the --weak scores: nps (0-10) or "
                                            "csat (1-5).")] = "nps",
    name: Annotated[str | None, typer.Option(help="Model name (default: the folder name).")
                    ] = None,
    version: Annotated[str | None, typer.Option(help="Version (default: a UTC timestamp).")
                       ] = None,
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    themes_col: Annotated[str | None, typer.Option(help="Column with the themes.")] = None,
    sentiment_col: Annotated[str | None, typer.Option(help="Column with the comment "
                                                      "sentiment.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the final line.")] = False,
) -> None:
    """Train a model on labeled samples and save it as a new version."""
    from voc.pipeline import Analyzer
    from voc.training import model_card, read_labels, retrain

    out_dir = output or _default_model_dir(labeled)
    try:
        data = read_labels(labeled, text_col=text_col, themes_col=themes_col,
                           sentiment_col=sentiment_col, sheet=sheet, min_examples=min_examples)
        if not quiet:
            _echo_lines(data.report.summary())
        weak_texts = weak_scores = None
        if weak is not None:
            from voc.io import read_feedback
            from voc.schema import infer_mapping

            weak_raw = read_feedback(weak)
            roles = infer_mapping(weak_raw)
            if roles.text is None or roles.score is None:
                raise VocError(expected=f"a text and a score column in {weak}",
                               found=f"text={roles.text!r}, score={roles.score!r}",
                               fix="name the columns e.g. 'comment' and 'nps'")
            weak_texts = weak_raw[roles.text].astype(str).tolist()
            weak_scores = weak_raw[roles.score].tolist()
        model = retrain(
            Analyzer.load(base), data, mode=mode, embedder=embedder, priors=priors,
            sentiment=sentiment, min_examples=min_examples, weak_texts=weak_texts,
            weak_scores=weak_scores, weak_scale=weak_scale,
            progress=None if quiet else lambda msg: typer.echo(f"  {msg}"),
        )
        model_name = name or out_dir.name
        model.info["name"] = model_name
        target = model.save(out_dir, name=model_name, version=version,
                            card=model_card(model, data_name=labeled.name))
    except VocError as exc:
        _fail(exc)
        return
    metrics = model.info.get("metrics", {})
    if not quiet:
        typer.echo(f"Cross-validated on the training data: themes micro-F1 "
                   f"{metrics.get('cv_micro_f1', float('nan')):.3f}, macro-F1 "
                   f"{metrics.get('cv_macro_f1', float('nan')):.3f}; sentiment: "
                   f"{model.info['training']['sentiment']['note']}.")
    typer.echo(f"Saved model {model_name} version {target.name} to {target}")


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="Model name or directory.", show_default=False)],
    labeled: Annotated[Path, typer.Argument(help="Labeled samples to score the model on.",
                                            show_default=False)],
    cv: Annotated[int | None, typer.Option(help="Instead: K-fold cross-validated retraining "
                                           "from MODEL on LABELED.")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Save the report (.json, .md, or .csv/.xlsx for the per-theme "
        "table).")] = None,
    predictions: Annotated[Path | None, typer.Option(help="Also write one row per labeled "
                                                     "comment with gold and predicted "
                                                     "labels.")] = None,
    store: Annotated[bool, typer.Option(help="Record the report in the model's model.json "
                                        "and model card (workspace models only).")] = True,
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    themes_col: Annotated[str | None, typer.Option(help="Column with the themes.")] = None,
    sentiment_col: Annotated[str | None, typer.Option(help="Column with the comment "
                                                      "sentiment.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
) -> None:
    """Score a model on labeled samples: per-theme P/R/F1, micro/macro F1, aspect sentiment."""
    from voc.io import write_table
    from voc.pipeline import Analyzer
    from voc.registry import resolve_model_dir, shipped_models_dir
    from voc.training import evaluate as evaluate_model
    from voc.training import read_labels, store_evaluation

    try:
        data = read_labels(labeled, text_col=text_col, themes_col=themes_col,
                           sentiment_col=sentiment_col, sheet=sheet,
                           min_examples=3 if cv else 1)
        report = evaluate_model(Analyzer.load(model), data, cv=cv)
        _echo_lines(report.to_markdown())
        if output is not None:
            report.save(output)
            typer.echo(f"Wrote {output}")
        if predictions is not None:
            write_table(report.predictions, predictions)
            typer.echo(f"Wrote {predictions}")
        if store and cv is None:
            path = resolve_model_dir(model)
            if path.resolve().is_relative_to(shipped_models_dir().resolve()):
                typer.echo("Note: the shipped model is read-only; the report was not stored.",
                           err=True)
            else:
                store_evaluation(path, report, dataset=labeled.name)
                typer.echo(f"Stored the report in {path}")
    except VocError as exc:
        _fail(exc)


@app.command()
def suggest(
    input: Annotated[Path, typer.Argument(help="Unlabeled feedback file.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the ranked "
                                         "comments (ready to label: empty themes and "
                                         "sentiment columns).")],
    model: Annotated[str, typer.Option(help="Model name or directory.")] = "default",
    n: Annotated[int, typer.Option("-n", help="How many comments to suggest.")] = 50,
    labeled: Annotated[Path | None, typer.Option(help="Already labeled samples: their "
                                                 "comments are skipped.")] = None,
    diverse: Annotated[bool, typer.Option(help="One pick per cluster of similar comments "
                                          "(--no-diverse: by uncertainty only).")] = True,
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
) -> None:
    """Rank unlabeled comments by uncertainty and diversity: what to label next."""
    from voc.io import read_feedback, write_table
    from voc.pipeline import Analyzer
    from voc.schema import infer_mapping
    from voc.training import read_labels
    from voc.training import suggest as suggest_comments

    try:
        raw = read_feedback(input, sheet=sheet)
        roles = infer_mapping(raw, overrides={"text": text_col} if text_col else None)
        if roles.text is None:
            raise VocError(expected=f"a text column in {input}", found="none recognised",
                           fix="pass --text-col with the name of the comment column")
        texts = ["" if v is None or (isinstance(v, float) and v != v) else str(v)
                 for v in raw[roles.text].tolist()]
        done: list[str] = []
        if labeled is not None:
            done = read_labels(labeled, min_examples=1).texts
        ranked = suggest_comments(Analyzer.load(model), texts, n=n, labeled_texts=done,
                                  diverse=diverse)
        table = ranked.rename(columns={"row": "input_row"})
        table["input_row"] = table["input_row"] + 1
        table["themes"] = ""
        table["sentiment"] = ""
        write_table(table, output)
    except VocError as exc:
        _fail(exc)
        return
    typer.echo(f"Wrote {len(table)} comments to label to {output} (input_row = 1-based data "
               "row; fill in 'themes' and 'sentiment', then run voc train).")


def _discover_input(input: Path, *, model: str, text_col: str | None, id_col: str | None,
                    date_col: str | None, sheet: str | None, quiet: bool) -> tuple[Any, Any]:
    """(analyzer, analysis result) of a feedback export, with a progress bar."""
    from voc.io import read_feedback
    from voc.pipeline import Analyzer

    raw = read_feedback(input, sheet=sheet)
    for option, column in (("--text-col", text_col), ("--id-col", id_col),
                           ("--date-col", date_col)):
        if column is not None and column not in raw.columns:
            raise VocError(expected=f"a column named {column!r} (from {option})",
                           found=f"no such column; the columns are "
                                 f"{', '.join(map(str, raw.columns[:30]))}",
                           fix=f"pass {option} with one of those names (names are "
                               "case-sensitive)")
    analyzer = Analyzer.load(model)
    result = _analyze_with_progress(analyzer, raw, quiet=quiet, text_col=text_col,
                                    id_col=id_col, date_col=date_col)
    return analyzer, result


@app.command()
def discover(
    input: Annotated[Path, typer.Argument(help="Feedback export: CSV, XLSX, JSON, JSONL, "
                                          "Parquet.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="One row per sentence "
                                         "(doc_id, sentence_id, sentence, cluster, "
                                         "cluster_label, ...); the cluster table goes to "
                                         "OUTPUT's name + .clusters.")],
    all_sentences: Annotated[bool, typer.Option("--all", help="Cluster every sentence, not "
                                                "only those without a theme.")] = False,
    n_themes: Annotated[int | None, typer.Option("--n-themes", help="Number of clusters "
                                                 "(default: chosen by voc).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same data + seed → same "
                                      "clusters).")] = 0,
    model: Annotated[str, typer.Option(help="Model name or directory.")] = "default",
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a unique row id.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Discover themes: cluster sentences, label the clusters, show quotes."""
    from voc.discovery import discover as run_discover
    from voc.io import write_table

    clusters_out = output.with_name(f"{output.stem}.clusters{output.suffix}")
    try:
        analyzer, result = _discover_input(input, model=model, text_col=text_col,
                                           id_col=id_col, date_col=None, sheet=sheet,
                                           quiet=quiet)
        found = run_discover(result, only_unassigned=not all_sentences, n_themes=n_themes,
                             seed=seed, analyzer=analyzer)
        write_table(found.sentences, output)
        write_table(found.clusters, clusters_out)
    except VocError as exc:
        _fail(exc)
        return
    info = found.info
    excluded = (f"; {info['n_excluded_assigned']:,} already carry a theme (use --all to "
                "include them)" if info["n_excluded_assigned"] else "")
    typer.echo(f"Clustered {info['n_clustered']:,} of {info['n_sentences']:,} sentences"
               f"{excluded} into {info['n_clusters']} clusters "
               f"({'given' if n_themes else 'chosen by voc'}; seed {seed}).")
    for r in found.clusters.head(10).itertuples():
        typer.echo(f"  {r.cluster:>3}  {r.share:6.1%}  {r.label}  (nearest theme: "
                   f"{r.nearest_theme_name}, {r.nearest_theme_similarity:.2f})")
    if len(found.clusters) > 10:
        typer.echo(f"  ... and {len(found.clusters) - 10} more")
    typer.echo(f"Wrote {output} ({len(found.sentences):,} sentences) and {clusters_out}.")


@app.command()
def emerging(
    input: Annotated[Path, typer.Argument(help="Feedback export with a date column.",
                                          show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--output", help="One row per theme and "
                                         "cluster with its rise; the format follows the "
                                         "extension.")],
    date_col: Annotated[str | None, typer.Option(help="Column with the date (default: "
                                                 "inferred).")] = None,
    recent: Annotated[str, typer.Option(help="Recent period: the last 30d, 4w, 3m, 1y up to "
                                        "the latest date, or an ISO date (from then on).")
                      ] = "30d",
    baseline: Annotated[str | None, typer.Option(help="Baseline: a span before the recent "
                                                 "period (e.g. 90d) or an ISO start date; "
                                                 "default: everything earlier.")] = None,
    unassigned_only: Annotated[bool, typer.Option(
        "--unassigned-only", help="Cluster only the sentences without a theme.")] = False,
    no_clusters: Annotated[bool, typer.Option("--no-clusters", help="Test taxonomy themes "
                                              "only.")] = False,
    min_support: Annotated[int, typer.Option(help="Recent comments a row needs to be "
                                             "flagged.")] = 5,
    alpha: Annotated[float, typer.Option(help="False-discovery rate (Benjamini–Hochberg).")
                     ] = 0.05,
    seed: Annotated[int, typer.Option(help="Random seed of the clustering.")] = 0,
    model: Annotated[str, typer.Option(help="Model name or directory.")] = "default",
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a unique row id.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Flag themes and clusters whose share of comments rose in the recent period."""
    from voc.emerging import emerging_themes
    from voc.io import write_table

    try:
        analyzer, result = _discover_input(input, model=model, text_col=text_col,
                                           id_col=id_col, date_col=date_col, sheet=sheet,
                                           quiet=quiet)
        table = emerging_themes(result, recent=recent, baseline=baseline,
                                clusters=not no_clusters, only_unassigned=unassigned_only,
                                min_support=min_support, alpha=alpha, seed=seed,
                                analyzer=analyzer)
        write_table(table, output)
    except VocError as exc:
        _fail(exc)
        return
    a = table.attrs
    typer.echo(f"Recent {a['recent_start']}..{a['recent_end']}: {a['n_recent_total']:,} "
               f"comments; baseline {a['baseline_start']}..{a['baseline_end']}: "
               f"{a['n_baseline_total']:,} comments.")
    skipped = [f"{a[k]:,} {what}" for k, what in (("n_no_text", "without text"),
                                                   ("n_no_date", "without a date"),
                                                   ("n_outside", "outside both periods"))
               if a.get(k)]
    if skipped:
        typer.echo(f"Not compared: {', '.join(skipped)} (of {a['n_rows']:,} rows).")
    flagged = table[table["emerging"]]
    if flagged.empty:
        typer.echo(f"No theme or cluster rose beyond chance (FDR {alpha:g}, at least "
                   f"{min_support} recent comments).")
    else:
        typer.echo(f"{len(flagged)} emerging (FDR {alpha:g}):")
        for r in flagged.itertuples():
            quote = str(r.quotes).split("\n")[0] if r.quotes else ""
            what = f" — new: {r.new_keywords}" if r.new_keywords else ""
            typer.echo(f"  {r.kind} {r.name}: {r.share_baseline:.1%} → {r.share_recent:.1%} "
                       f"({r.rise_points:+.1f} pp, q={r.q_value:.2g}){what}")
            if quote:
                typer.echo(f"      e.g. \"{quote}\"")
    typer.echo(f"Wrote {output} ({len(table):,} rows).")


@app.command()
def promote(
    input: Annotated[Path, typer.Argument(help="The feedback export voc discover ran on.",
                                          show_default=False)],
    cluster: Annotated[int, typer.Option(help="The cluster id to promote (from voc "
                                         "discover with the same options and seed).")],
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Model folder for the new version (default: "
        "$VOC_HOME/models/<base name>-promoted).")] = None,
    theme_id: Annotated[str | None, typer.Option(help="Id of the new theme (default: from "
                                                 "the cluster label).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name of the new theme.")] = None,
    labels: Annotated[Path | None, typer.Option(help="Labeled samples for the existing "
                                                "themes (default: the base taxonomy's "
                                                "examples).")] = None,
    all_sentences: Annotated[bool, typer.Option("--all", help="As for voc discover.")
                             ] = False,
    n_themes: Annotated[int | None, typer.Option("--n-themes", help="As for voc discover.")
                        ] = None,
    seed: Annotated[int, typer.Option(help="As for voc discover.")] = 0,
    base: Annotated[str, typer.Option(help="Model to extend (name or directory).")
                    ] = "default",
    text_col: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a unique row id.")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the final line.")] = False,
) -> None:
    """Turn a discovered cluster into a new theme and retrain (saved as a new version)."""
    from voc.discovery import discover as run_discover
    from voc.promote import promote as run_promote
    from voc.registry import workspace_models_dir

    try:
        analyzer, result = _discover_input(input, model=base, text_col=text_col,
                                           id_col=id_col, date_col=None, sheet=sheet,
                                           quiet=quiet)
        found = run_discover(result, only_unassigned=not all_sentences, n_themes=n_themes,
                             seed=seed, analyzer=analyzer)
        out_dir = output or workspace_models_dir() / f"{Path(base).name}-promoted"
        new = run_promote(analyzer, found, cluster=cluster, theme_id=theme_id, name=name,
                          labels=labels, dataset=input.name, save_to=out_dir,
                          progress=None if quiet else lambda msg: typer.echo(f"  {msg}"))
    except VocError as exc:
        _fail(exc)
        return
    rec = new.info["training"]["promoted"]
    typer.echo(f"Added theme {rec['theme']!r} ({rec['name']}) from cluster {cluster} "
               f"({rec['n_examples']} examples); saved {new.info.get('path')}")


models_app = typer.Typer(help="List, inspect and activate saved model versions.",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")


def _model_root(name: str) -> Path:
    from voc.errors import ModelError
    from voc.registry import shipped_models_dir, workspace_models_dir

    path = Path(name)
    for cand in ([path] if path.is_dir() else []) + [workspace_models_dir() / name,
                                                     shipped_models_dir() / name]:
        if cand.is_dir():
            return cand
    raise ModelError(expected="a model name from `voc models list` or a model folder",
                     found=repr(name), fix="run `voc models list` to see the saved models")


@models_app.command("list")
def models_list(
    directory: Annotated[Path | None, typer.Option("--dir", help="List this folder of models "
                                                   "instead of the workspace and shipped "
                                                   "ones.")] = None,
) -> None:
    """Saved model versions (* = LATEST), workspace first, then shipped."""
    from voc.registry import list_models

    entries = list_models(directory) if directory else list_models()
    if not entries:
        typer.echo("No saved models.")
        return
    typer.echo(f"{'':1} {'name':<20} {'version':<18} {'location':<10} {'embedder':<22} "
               f"{'themes':>6} {'micro-F1':>8}  created")
    for e in entries:
        f1 = "" if e["micro_f1"] is None else f"{e['micro_f1']:.3f}"
        typer.echo(f"{'*' if e['latest'] else ' ':1} {e['name']:<20} {e['version']:<18} "
                   f"{e['location']:<10} {e['embedder'] or '?':<22} {e['n_themes'] or '':>6} "
                   f"{f1:>8}  {e['created'] or e['error'] or ''}")


@models_app.command("show")
def models_show(
    model: Annotated[str, typer.Argument(help="Model name, name/version, or directory.",
                                         show_default=False)],
) -> None:
    """Print a model version's description and model card."""
    import json

    from voc.registry import CARD_FILE, MODEL_FILE, resolve_model_dir

    try:
        name, _, version = model.partition("/")
        path = (_model_root(name) / version) if version and not Path(model).exists() \
            else resolve_model_dir(model)
        path = resolve_model_dir(path)
        meta = json.loads((path / MODEL_FILE).read_text(encoding="utf-8"))
    except VocError as exc:
        _fail(exc)
        return
    classes = meta.get("heads", {}).get("themes", {}).get("classes", [])
    typer.echo(f"{meta.get('name')} {meta.get('version')} ({path})")
    typer.echo(f"  voc {meta.get('voc_version')}, format {meta.get('format_version')}, "
               f"embedder {meta.get('embedder')}, created {meta.get('created')}")
    typer.echo(f"  themes ({len(classes)}): {', '.join(classes)}")
    data = meta.get("training_data", {})
    typer.echo(f"  training data: {data.get('n_examples', '?')} examples, sha256 "
               f"{str(data.get('sha256', '?'))[:16]}")
    if (path / CARD_FILE).is_file():
        typer.echo("")
        _echo_lines((path / CARD_FILE).read_text(encoding="utf-8"))


@models_app.command("activate")
def models_activate(
    name: Annotated[str, typer.Argument(help="Model name (or folder).", show_default=False)],
    version: Annotated[str, typer.Argument(help="The version to make LATEST.",
                                           show_default=False)],
) -> None:
    """Make VERSION the one that NAME loads (rewrites NAME/LATEST atomically)."""
    from voc.registry import set_latest_version

    try:
        root = _model_root(name)
        set_latest_version(root, version)
    except VocError as exc:
        _fail(exc)
        return
    typer.echo(f"{root.name}: LATEST is now {version}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
