"""Plotly figure builders for analysis results (pure functions, no Streamlit).

Each builder takes an :class:`~voc.pipeline.AnalysisResult` or the tidy DataFrame it would
read from the result (``theme_summary()`` or ``documents``), so it can be used from the app,
a notebook or a report, and tested without a model::

    from voc import plots
    plots.theme_sentiment_bars(result).show()
    plots.sentiment_distribution(result.documents).write_html("sentiment.html")

Colours: :data:`SENTIMENT_COLORS`. Their contrast on white (WCAG) is negative 4.4:1,
positive 3.3:1, neutral 2.9:1 and mixed 1.9:1; the last two are below the 3:1 asked of
graphics, so every bar also gets a dark outline (over 7:1 on white), and labels inside bars
use whichever of black or white contrasts more with the fill (at least 4.5:1 for this
palette). Sentiment is never shown by colour alone: legends, labels and hover name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go

from voc.errors import VocError

if TYPE_CHECKING:  # pragma: no cover
    from voc.pipeline import AnalysisResult

__all__ = [
    "SENTIMENT_COLORS",
    "SENTIMENT_ORDER",
    "contrast_ratio",
    "sentiment_distribution",
    "theme_sentiment_bars",
]

#: Fill colour per sentiment label (hex). See the module docstring for their contrast.
SENTIMENT_COLORS: dict[str, str] = {
    "negative": "#d1495b",
    "neutral": "#8d99ae",
    "mixed": "#edae49",
    "positive": "#2a9d8f",
}
#: Order of sentiments in every figure: stacks run from negative (left) to positive (right).
SENTIMENT_ORDER: tuple[str, ...] = ("negative", "neutral", "mixed", "positive")

_OUTLINE = "#4a4a4a"  # bar outline: 8.9:1 on white
_TEXT = "#262730"  # Streamlit's body text colour
_FONT_SIZE = 13
_MIN_LABEL_SIZE = 10  # labels that would need a smaller font are hidden
_SUMMARY_COLUMNS = ("theme", "n_comments", *SENTIMENT_ORDER)


# ---------------------------------------------------------------------------------- colours


def _relative_luminance(hex_color: str) -> float:
    value = hex_color.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"expected a colour like '#1a2b3c', got {hex_color!r}")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(color_a: str, color_b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1.0 (same) to 21.0."""
    high, low = sorted((_relative_luminance(color_a), _relative_luminance(color_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _label_color(fill: str) -> str:
    """Black or white, whichever reads better on ``fill``."""
    return "#000000" if contrast_ratio(fill, "#000000") >= contrast_ratio(fill, "#ffffff") \
        else "#ffffff"


# ---------------------------------------------------------------------------------- inputs


def _summary_frame(result_or_summary: AnalysisResult | pd.DataFrame) -> pd.DataFrame:
    if isinstance(result_or_summary, pd.DataFrame):
        summary = result_or_summary
    elif hasattr(result_or_summary, "theme_summary"):
        summary = result_or_summary.theme_summary()
    else:
        raise VocError(
            expected="an AnalysisResult or its theme_summary() DataFrame",
            found=f"a {type(result_or_summary).__name__}",
            fix="pass result or result.theme_summary()",
        )
    missing = [c for c in _SUMMARY_COLUMNS if c not in summary.columns]
    if missing and not summary.empty:
        raise VocError(
            expected=f"a theme summary with the columns {', '.join(_SUMMARY_COLUMNS)}",
            found=f"no column(s) {', '.join(missing)} (columns: {', '.join(map(str, summary))})",
            fix="pass result.theme_summary() or a frame with one row per theme and those counts",
        )
    return summary


def _documents_frame(result_or_documents: AnalysisResult | pd.DataFrame) -> pd.DataFrame:
    if isinstance(result_or_documents, pd.DataFrame):
        documents = result_or_documents
    elif hasattr(result_or_documents, "documents"):
        documents = result_or_documents.documents
    else:
        raise VocError(
            expected="an AnalysisResult or its documents DataFrame",
            found=f"a {type(result_or_documents).__name__}",
            fix="pass result or result.documents",
        )
    if "sentiment" not in documents.columns:
        raise VocError(
            expected="a documents table with a 'sentiment' column",
            found=f"the columns {', '.join(map(str, documents.columns)) or '(none)'}",
            fix="pass result.documents from Analyzer.analyze()",
        )
    return documents


def _display_names(summary: pd.DataFrame) -> list[str]:
    """Theme names for the axis; ids where a name is missing or used by two themes."""
    ids = summary["theme"].astype(str).tolist()
    if "theme_name" in summary.columns:
        names = [
            str(n) if isinstance(n, str) and n.strip() else i
            for n, i in zip(summary["theme_name"].tolist(), ids, strict=True)
        ]
    else:
        names = list(ids)
    seen = pd.Series(names).duplicated(keep=False).tolist()
    return [f"{n} ({i})" if dup else n for n, i, dup in zip(names, ids, seen, strict=True)]


def _empty_figure(message: str, title: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        font={"size": 16, "color": _TEXT},
    )
    fig.update_layout(
        title={"text": title}, height=260, xaxis={"visible": False}, yaxis={"visible": False},
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
    )
    return fig


def _counts(values: Sequence[Any]) -> list[int]:
    return [int(v) if pd.notna(v) else 0 for v in values]


# ---------------------------------------------------------------------------------- figures


def theme_sentiment_bars(
    result_or_summary: AnalysisResult | pd.DataFrame,
    *,
    top: int | None = None,
    title: str = "Themes by sentiment",
) -> go.Figure:
    """Horizontal stacked bars: one bar per theme, split by the sentiment of its comments.

    Args:
        result_or_summary: an ``AnalysisResult`` or its ``theme_summary()`` frame (columns
            ``theme``, ``n_comments``, ``negative``, ``neutral``, ``mixed``, ``positive``, and
            optionally ``theme_name`` for display).
        top: show only the ``top`` themes by number of comments (default: all).
        title: figure title.

    Returns:
        A figure with one bar trace per sentiment in :data:`SENTIMENT_ORDER` (named after it,
        coloured with :data:`SENTIMENT_COLORS`). Themes run from the most mentioned (top) to the
        least; ties are broken by theme id. Hover shows the count and its share of the theme's
        comments; the total is written at the end of each bar. No themes gives a figure with
        the annotation "No themes found".

    Raises:
        VocError: for an input that is neither a result nor a summary with those columns.
    """
    summary = _summary_frame(result_or_summary)
    if summary.empty:
        return _empty_figure("No themes found", title)
    summary = summary.copy()
    summary["n_comments"] = _counts(summary["n_comments"])
    summary = summary.sort_values(
        ["n_comments", "theme"], ascending=[False, True], ignore_index=True
    )
    if top is not None:
        summary = summary.head(max(0, int(top)))
    names = _display_names(summary)
    totals = summary["n_comments"].tolist()

    fig = go.Figure()
    for label in SENTIMENT_ORDER:
        counts = _counts(summary[label])
        shares = [c / t if t else 0.0 for c, t in zip(counts, totals, strict=True)]
        color = SENTIMENT_COLORS[label]
        fig.add_trace(
            go.Bar(
                name=label.capitalize(),
                orientation="h",
                x=counts,
                y=names,
                marker={"color": color, "line": {"color": _OUTLINE, "width": 1}},
                text=[str(c) if c else "" for c in counts],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": _label_color(color)},
                customdata=list(zip(shares, totals, strict=True)),
                hovertemplate=(
                    "<b>%{y}</b><br>" + label.capitalize()
                    + ": %{x} of %{customdata[1]} comments (%{customdata[0]:.0%})<extra></extra>"
                ),
            )
        )
    x_max = max(totals) if totals else 0
    for name, total in zip(names, totals, strict=True):
        fig.add_annotation(
            x=total, y=name, text=f"{total:,}", showarrow=False, xanchor="left", xshift=4,
            font={"size": _FONT_SIZE - 1, "color": _TEXT},
        )
    fig.update_layout(
        title={"text": title},
        barmode="stack",
        height=max(280, 30 * len(names) + 130),
        font={"size": _FONT_SIZE},
        uniformtext={"minsize": _MIN_LABEL_SIZE, "mode": "hide"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0,
                "traceorder": "normal", "title": {"text": ""}},
        margin={"l": 10, "r": 30, "t": 80, "b": 40},
        hoverlabel={"align": "left"},
    )
    fig.update_xaxes(title_text="Comments", range=[0, x_max * 1.08 + 1], rangemode="tozero")
    fig.update_yaxes(
        categoryorder="array", categoryarray=names, autorange="reversed", automargin=True,
        title_text="",
    )
    return fig


def sentiment_distribution(
    result_or_documents: AnalysisResult | pd.DataFrame,
    *,
    title: str = "Comment sentiment",
) -> go.Figure:
    """Bar chart of comment-level sentiment counts (comments without text are left out).

    Args:
        result_or_documents: an ``AnalysisResult`` or its ``documents`` frame (a ``sentiment``
            column with ``positive``, ``neutral``, ``mixed``, ``negative`` or ``""``).
        title: figure title.

    Returns:
        One bar trace with a bar per sentiment in :data:`SENTIMENT_ORDER` (zeros included),
        coloured with :data:`SENTIMENT_COLORS`, labelled with count and share of the comments
        with text. No comment with text gives a figure with the annotation "No comments with
        text".

    Raises:
        VocError: for an input that is neither a result nor a frame with ``sentiment``.
    """
    documents = _documents_frame(result_or_documents)
    labels = documents["sentiment"].astype("object").where(documents["sentiment"].notna(), "")
    labels = labels.astype(str).str.strip().str.lower()
    counts = [int((labels == s).sum()) for s in SENTIMENT_ORDER]
    total = sum(counts)
    if total == 0:
        return _empty_figure("No comments with text", title)
    shares = [c / total for c in counts]
    colors = [SENTIMENT_COLORS[s] for s in SENTIMENT_ORDER]
    fig = go.Figure(
        go.Bar(
            name="Comments",
            x=[s.capitalize() for s in SENTIMENT_ORDER],
            y=counts,
            marker={"color": colors, "line": {"color": _OUTLINE, "width": 1}},
            text=[f"{c:,} ({s:.0%})" for c, s in zip(counts, shares, strict=True)],
            textposition="outside",
            textfont={"color": _TEXT},
            customdata=shares,
            hovertemplate="<b>%{x}</b><br>%{y} comments (%{customdata:.0%} of "
            + f"{total:,} with text)<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        title={"text": title},
        height=340,
        font={"size": _FONT_SIZE},
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        bargap=0.35,
    )
    fig.update_xaxes(title_text="", categoryorder="array",
                     categoryarray=[s.capitalize() for s in SENTIMENT_ORDER])
    fig.update_yaxes(title_text="Comments", range=[0, max(counts) * 1.18], rangemode="tozero")
    return fig
