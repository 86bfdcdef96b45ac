"""voc — Voice of Customer: a single-page Streamlit app.

Analyzes the bundled sample (or an uploaded export) with the default model and shows the
themes customers talk about, how they feel about each, and every comment with its evidence.
UI only: the analysis is ``voc.Analyzer.analyze``; this file loads, caches, filters and shows.

Run with ``make run`` or ``streamlit run app.py``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import voc
from voc import plots
from voc.io import SUPPORTED_INPUT
from voc.text import UNKNOWN

APP_DIR = Path(__file__).resolve().parent
SAMPLE_PATH = APP_DIR / "data" / "sample_feedback.csv"
MODEL = "default"
UPLOAD_TYPES = [ext.lstrip(".") for ext in SUPPORTED_INPUT]
# Comments per analysis batch; the progress bar moves once per batch (results do not depend
# on it).
PROGRESS_BATCH = 100
LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "pl": "Polish", "zh": "Chinese",
                  UNKNOWN: "Unknown (no text or too short)"}
ROLE_LABELS = {"text": "Comment", "score": "Score", "date": "Date", "id": "Id",
               "segment": "Segment", "channel": "Channel", "journey_stage": "Journey stage"}
NO_TEXT = "(no text)"
TABLE_COLUMNS = ["doc_id", "language", "text", "score", "themes", "theme_sentiment",
                 "sentiment", "sentiment_score"]
MENTION_COLUMNS = ["doc_id", "theme_name", "sentiment", "evidence", "sentence", "theme_proba",
                   "sentiment_score", "language", "theme"]

log = logging.getLogger("voc.app")


# ------------------------------------------------------------------------------------ helpers


def md(text: object) -> str:
    """Escape text for st.markdown/st.error (no accidental bold, links or $math$)."""
    return re.sub(r"([\\`*_\[\]<>#$~|])", r"\\\1", str(text))


def show_error(what: str, exc: BaseException) -> None:
    """Explain an error in plain words (never a traceback)."""
    if isinstance(exc, voc.VocError):
        st.error(
            f"**{what}.**\n\nExpected {md(exc.expected)}, but found {md(exc.found)}.\n\n"
            f"**How to fix:** {md(exc.fix)}"
        )
    else:
        log.exception("%s", what)
        st.error(f"**{what}.** An unexpected error occurred: {md(type(exc).__name__)}: "
                 f"{md(exc)}. Details are in the server log.")


def nps_points(scores: pd.Series) -> float | None:
    """NPS in points (-100..100): % promoters (9-10) minus % detractors (0-6) of given scores."""
    given = scores.dropna()
    if given.empty:
        return None
    return float(100.0 * ((given >= 9).mean() - (given <= 6).mean()))


def language_label(code: str) -> str:
    """``"ru"`` -> ``"ru — Russian"``."""
    name = LANGUAGE_NAMES.get(code)
    return f"{code} — {name}" if name else code


def filter_documents(
    docs: pd.DataFrame,
    languages: Sequence[str],
    sentiments: Sequence[str],
    themes: Sequence[str],
) -> pd.DataFrame:
    """Rows matching every non-empty filter (a comment matches a theme filter if it has any)."""
    keep = pd.Series(True, index=docs.index)
    if languages:
        keep &= docs["language"].isin(list(languages))
    if sentiments:
        labels = docs["sentiment"].fillna("").replace("", NO_TEXT)
        keep &= labels.isin(list(sentiments))
    if themes:
        wanted = set(themes)
        keep &= docs["themes"].fillna("").map(lambda s: bool(wanted & set(s.split(";"))))
    return docs[keep]


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy without ``attrs`` (they hold voc objects that Arrow cannot serialise)."""
    out = frame.copy(deep=False)
    out.attrs = {}
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV via voc's writer (cells safe to open in a spreadsheet)."""
    with tempfile.TemporaryDirectory(prefix="voc-app-") as tmp:
        path = voc.write_table(frame, Path(tmp) / "table.csv", spreadsheet_safe=True)
        return path.read_bytes()


def csv_download(frame: pd.DataFrame) -> Callable[[], bytes]:
    """A deferred download: the CSV is built only when the button is clicked."""
    return lambda: csv_bytes(frame)


# ------------------------------------------------------------------------------------ caching


@st.cache_resource(show_spinner="Loading the model…")
def load_analyzer(name: str = MODEL) -> voc.Analyzer:
    """The shared analyzer (never mutated once cached)."""
    analyzer = voc.Analyzer.load(name)
    analyzer.settings = dataclasses.replace(analyzer.settings, batch_size=PROGRESS_BATCH)
    return analyzer


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """The raw table of a file's bytes (columns as in the file)."""
    return voc.read_feedback(data, filename=filename)


@st.cache_data(max_entries=8, show_spinner=False)
def check_table(
    data: bytes, filename: str, text_col: str | None
) -> tuple[voc.ColumnMapping, voc.ValidationReport]:
    """The inferred column mapping (with ``text_col`` if given) and its validation report."""
    raw = read_table(data, filename)
    mapping = voc.infer_mapping(raw, overrides={"text": text_col} if text_col else None)
    return mapping, voc.validate(raw, mapping)


@st.cache_data(max_entries=4, show_spinner=False)
def run_analysis(
    data: bytes, filename: str, text_col: str | None, model_key: str, _analyzer: voc.Analyzer
) -> dict[str, Any]:
    """Analyze a file's bytes; plain frames and values only (cache-friendly).

    ``model_key`` (name/version) keys the cache on the model; ``_analyzer`` is not hashed.
    A progress bar shows while the analysis runs and is removed when it ends.
    """
    raw = read_table(data, filename)
    bar = st.progress(0.0, text="Analyzing comments…")
    shown = [-1.0]

    def progress(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if fraction - shown[0] >= 0.02 or done == total:  # at most ~50 updates
            shown[0] = fraction
            bar.progress(fraction, text=f"Analyzing comments… {done:,} of {total:,}")

    try:
        result = _analyzer.analyze(raw, text_col=text_col, progress=progress)
    finally:
        bar.empty()
    scale = result.validation.score_scale
    return {
        "documents": plain(result.documents),
        "mentions": plain(result.mentions),
        "summary": result.theme_summary(),
        "theme_names": result.taxonomy.names(),
        "score_scale": scale.name if scale is not None and "score" in result.documents else None,
        "model": dict(result.model_info),
    }


# ------------------------------------------------------------------------------------ page


def choose_data() -> tuple[bytes, str, bool]:
    """Sidebar data source: the uploaded file, or the bundled sample. (bytes, name, is_sample)."""
    st.sidebar.header("Data")
    uploaded = st.sidebar.file_uploader(
        "Analyze your own export",
        type=UPLOAD_TYPES,
        key="upload",
        help="One row per response with a column of comments; optional score (e.g. NPS 0–10), "
        "date, channel, segment columns are recognised by name or content.",
    )
    if uploaded is not None:
        return uploaded.getvalue(), uploaded.name, False
    st.sidebar.caption(f"Showing the bundled sample ({SAMPLE_PATH.name}). Upload a file to "
                       "analyze your own feedback instead.")
    return SAMPLE_PATH.read_bytes(), SAMPLE_PATH.name, True


def show_columns(
    data: bytes, filename: str, raw: pd.DataFrame
) -> tuple[str | None, voc.ValidationReport]:
    """Mapping and data checks; returns the chosen comment column and the validation report."""
    inferred, draft = check_table(data, filename, None)
    columns = [c for c in raw.columns if isinstance(c, str)]
    with st.expander("Columns and data checks", expanded=not draft.ok):
        chosen = st.selectbox(
            "Comment column",
            columns,
            index=columns.index(inferred.text) if inferred.text in columns else None,
            placeholder="Choose the column with the comments",
            help="Detected automatically; change it if the wrong column was picked.",
        )
        mapping, report = (inferred, draft) if chosen in (None, inferred.text) else \
            check_table(data, filename, chosen)
        roles = [
            f"{ROLE_LABELS.get(role, role)}: `{col.replace('`', '')}`"
            for role, col in mapping.mapped.items()
        ]
        st.markdown("**Columns used:** " + (" · ".join(roles) or "none"))
        unmapped = [ROLE_LABELS.get(r, r) for r, c in mapping.as_dict().items() if c is None]
        if unmapped:
            st.caption("Not found (optional): " + ", ".join(unmapped))
        st.markdown(md(report.summary().splitlines()[0]) + ".")
        for problem in report.warnings:
            st.warning(md(problem.message))
    if not report.ok:
        st.error(
            "**The data can't be analyzed yet.**\n\n"
            + "\n".join(f"- {md(p.message)}" for p in report.errors)
        )
    return chosen, report


def show_metrics(docs: pd.DataFrame, score_scale: str | None) -> None:
    """Headline numbers for the whole file."""
    n_text = int(docs["has_text"].sum())
    languages = sorted(set(docs.loc[docs["has_text"], "language"]) - {UNKNOWN, ""})
    n_negative = int((docs["sentiment"] == "negative").sum())
    nps = nps_points(docs["score"]) if score_scale == "nps_0_10" else None
    cols = st.columns(5 if nps is not None else 4)
    cols[0].metric("Comments", f"{len(docs):,}", help="Rows in the file, including empty ones.")
    cols[1].metric("With text", f"{n_text:,}",
                   help="Comments with words; the others are kept without themes.")
    cols[2].metric("Languages", f"{len(languages)}",
                   help=", ".join(language_label(code) for code in languages) or None)
    cols[3].metric("Negative", f"{n_negative / n_text:.0%}" if n_text else "–",
                   help=f"{n_negative:,} of {n_text:,} comments with text are negative overall.")
    if nps is not None:
        n_scores = int(docs["score"].notna().sum())
        cols[4].metric("NPS", f"{nps:+.0f}",
                       help=f"% promoters (9–10) − % detractors (0–6) of {n_scores:,} scores, "
                       "in points (−100…100).")


def sidebar_filters(
    docs: pd.DataFrame, summary: pd.DataFrame, theme_names: dict[str, str]
) -> tuple[list[str], list[str], list[str]]:
    """Language, sentiment and theme multiselects; empty means all."""
    st.sidebar.header("Filters")
    st.sidebar.caption("Applied to the comment and evidence tables.")
    languages = st.sidebar.multiselect(
        "Language", sorted(docs["language"].dropna().unique()), key="filter_language",
        format_func=language_label, placeholder="All languages",
    )
    present = set(docs["sentiment"].fillna("").replace("", NO_TEXT))
    order = [*reversed(plots.SENTIMENT_ORDER), NO_TEXT]
    sentiments = st.sidebar.multiselect(
        "Sentiment", [s for s in order if s in present], key="filter_sentiment",
        format_func=str.capitalize, placeholder="All sentiments",
    )
    themes = st.sidebar.multiselect(
        "Theme", summary["theme"].tolist(), key="filter_theme",
        format_func=lambda t: theme_names.get(t, t), placeholder="All themes",
        help="Comments that mention any of the chosen themes.",
    )
    return languages, sentiments, themes


def show_tables(docs: pd.DataFrame, mentions: pd.DataFrame, view: pd.DataFrame,
                stem: str) -> None:
    """The filtered comments, their evidence clauses and CSV downloads."""
    st.subheader("Comments")
    st.caption(f"Showing {len(view):,} of {len(docs):,} comments. Themes and theme sentiment "
               "use theme ids; sentiment score runs from −1 (negative) to +1 (positive).")
    columns = [c for c in TABLE_COLUMNS if c in view.columns]
    st.dataframe(
        view[columns],
        hide_index=True,
        height=420,
        column_config={
            "doc_id": st.column_config.TextColumn("Id"),
            "language": st.column_config.TextColumn("Language", width="small"),
            "text": st.column_config.TextColumn("Comment", width="large"),
            "score": st.column_config.NumberColumn("Score"),
            "themes": st.column_config.TextColumn("Themes"),
            "theme_sentiment": st.column_config.TextColumn("Theme sentiment"),
            "sentiment": st.column_config.TextColumn("Sentiment"),
            "sentiment_score": st.column_config.NumberColumn("Sentiment score", format="%.2f"),
        },
    )
    shown_mentions = mentions[mentions["doc_id"].isin(view["doc_id"])]
    with st.expander(f"Evidence: the clause behind each theme ({len(shown_mentions):,})"):
        st.dataframe(
            shown_mentions[[c for c in MENTION_COLUMNS if c in shown_mentions.columns]],
            hide_index=True,
            column_config={
                "doc_id": st.column_config.TextColumn("Id"),
                "theme_name": st.column_config.TextColumn("Theme"),
                "evidence": st.column_config.TextColumn("Evidence", width="large"),
                "sentence": st.column_config.TextColumn("Sentence", width="large"),
                "theme_proba": st.column_config.NumberColumn("Theme probability",
                                                             format="%.2f"),
                "sentiment_score": st.column_config.NumberColumn("Sentiment score",
                                                                 format="%.2f"),
                "theme": st.column_config.TextColumn("Theme id"),
            },
        )
    left, right = st.columns(2)
    left.download_button(
        f"Download {len(view):,} comments (CSV)", csv_download(view),
        file_name=f"{stem}_documents.csv", mime="text/csv", on_click="ignore",
        key="download_documents",
    )
    right.download_button(
        f"Download {len(shown_mentions):,} evidence rows (CSV)", csv_download(shown_mentions),
        file_name=f"{stem}_mentions.csv", mime="text/csv", on_click="ignore",
        key="download_mentions",
    )


def main() -> None:
    """The page."""
    st.set_page_config(page_title="voc — Voice of Customer", layout="wide")
    st.title("voc — Voice of Customer")
    st.markdown("Find what customers talk about and how they feel about each theme, in "
                "English, Russian, Polish and Chinese — analyzed offline on this machine.")

    data, filename, is_sample = choose_data()
    try:
        raw = read_table(data, filename)
    except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
        show_error(f"Could not read {filename}", exc)
        st.stop()
    st.caption(f"{'Sample data' if is_sample else 'Your file'}: **{md(filename)}** — "
               f"{len(raw):,} rows, {raw.shape[1]} columns.")
    text_col, report = show_columns(data, filename, raw)
    if not report.ok:
        st.stop()

    try:
        analyzer = load_analyzer()
        model_key = f"{analyzer.info.get('name')}/{analyzer.info.get('version')}"
        out = run_analysis(data, filename, text_col, model_key, analyzer)
    except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
        show_error(f"Could not analyze {filename}", exc)
        st.stop()

    docs: pd.DataFrame = out["documents"]
    mentions: pd.DataFrame = out["mentions"]
    summary: pd.DataFrame = out["summary"]

    show_metrics(docs, out["score_scale"])
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(plots.theme_sentiment_bars(summary), key="chart_themes")
    with right:
        st.plotly_chart(plots.sentiment_distribution(docs), key="chart_sentiment")
        st.caption("Charts cover the whole file; a comment can mention several themes, and "
                   "each theme counts it once with the sentiment of its clauses.")

    languages, sentiments, themes = sidebar_filters(docs, summary, out["theme_names"])
    view = filter_documents(docs, languages, sentiments, themes)
    show_tables(docs, mentions, view, Path(filename).stem or "voc")
    model = out["model"]
    st.caption(f"Model {md(model.get('name'))} {md(model.get('version'))} · embedder "
               f"{md(model.get('embedder'))} · voc {voc.__version__}")


main()
