"""The ``voc`` command line: a thin typer layer over the library's functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from voc.io import read_feedback, write_table
    from voc.pipeline import Analyzer

    try:
        raw = read_feedback(input, sheet=sheet)
        analyzer = Analyzer.load(model)
        with Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} comments"), TimeRemainingColumn(),
            disable=quiet or not sys.stderr.isatty(), transient=True,
            console=None,
        ) as bar:
            task = bar.add_task("Analyzing", total=len(raw))
            result = analyzer.analyze(
                raw, text_col=text_col, score_col=score_col, id_col=id_col, date_col=date_col,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
