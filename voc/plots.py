"""Plotly figure builders for analysis results (pure functions, no Streamlit).

Each builder takes an :class:`~voc.pipeline.AnalysisResult` or the tidy DataFrame it would
read from the result (``theme_summary()`` or ``documents``), so it can be used from the app,
a notebook or a report, and tested without a model::

    from voc import plots
    plots.theme_sentiment_bars(result).show()
    plots.sentiment_distribution(result.documents).write_html("sentiment.html")
    plots.driver_quadrant(voc.drivers.driver_analysis(result, "nps"))

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
    "CLUSTER_COLORS",
    "SENTIMENT_COLORS",
    "SENTIMENT_ORDER",
    "attribution_waterfall",
    "bridge_chart",
    "cluster_map",
    "contrast_ratio",
    "driver_quadrant",
    "emerging_bars",
    "journey_theme_heatmap",
    "metric_trend",
    "score_distribution",
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
    # one update (not one add_annotation per bar: that validates the layout each time and
    # is ~10x slower, which the app feels on every filter change)
    fig.update_layout(annotations=[
        {"x": total, "y": name, "text": f"{total:,}", "showarrow": False, "xanchor": "left",
         "xshift": 4, "font": {"size": _FONT_SIZE - 1, "color": _TEXT}}
        for name, total in zip(names, totals, strict=True)
    ])
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


# ---------------------------------------------------------------------------------- drivers
#
# The figures below read the tidy tables of :mod:`voc.drivers` (``driver_analysis`` and
# ``bridge``) and of :mod:`voc.metrics`; every number drawn comes from those tables. Metrics
# whose unit is a share (0..1: CSAT, CES-easy, churn) are drawn in percent, their differences
# in percentage points; NPS in points (−100..100); scores in scale units.

_METRIC_LABELS = {
    "nps": "NPS", "csat": "CSAT", "csat_mean": "CSAT (mean)", "ces": "CES",
    "ces_easy": "CES (easy share)", "loyalty": "Loyalty index", "churn": "Churn rate",
    "mean": "Mean",
}
_TOTAL_COLOR = "#3d5a80"  # reference / start / end bars: 7.0:1 on white
_GREY = "#b0b7c3"  # low-support markers
_LINE_COLOR = "#3d5a80"
_BAND_COLOR = "rgba(61, 90, 128, 0.18)"


def _metric_label(metric: str | None) -> str:
    return _METRIC_LABELS.get(str(metric or "").lower(), str(metric or "metric"))


def _unit_scale(unit: str | None) -> tuple[float, str, str]:
    """(factor, unit of levels, unit of differences) for drawing a metric of ``unit``."""
    if unit == "share":
        return 100.0, "%", "pp"
    if unit == "points":
        return 1.0, "points", "points"
    return 1.0, "", ""


def _first(frame: pd.DataFrame, column: str, default: Any = None) -> Any:
    if column in frame.columns and len(frame):
        value = frame[column].iloc[0]
        return default if value is None or (isinstance(value, float) and pd.isna(value)) \
            else value
    return default


def _driver_rows(drivers: pd.DataFrame, level: str, segment: str | None, period: str | None
                 ) -> pd.DataFrame:
    """The rows of one slice and one level of a ``driver_analysis`` table."""
    if not isinstance(drivers, pd.DataFrame):
        raise VocError(expected="the DataFrame returned by voc.drivers.driver_analysis",
                       found=f"a {type(drivers).__name__}",
                       fix="pass driver_analysis(result, metric=...) or the voc drivers output")
    frame = drivers
    for column, value in (("segment", segment), ("period", period)):
        if column not in frame.columns:
            continue
        labels = frame[column].astype(str)
        if value is not None:
            frame = frame[labels == str(value)]
        elif labels.nunique() > 1:
            shown = ", ".join(map(repr, labels.unique()[:5]))
            raise VocError(
                expected=f"the drivers of one slice (one {column})",
                found=f"a table with {labels.nunique()} values of {column!r} ({shown}, ...)",
                fix=f"pass {column}=<one of them>, e.g. {column}={labels.iloc[0]!r}",
            )
    if "level" in frame.columns:
        frame = frame[frame["level"] == level]
    return frame.reset_index(drop=True)


def _driver_names(rows: pd.DataFrame) -> list[str]:
    """Display names of driver rows: the theme's name, plus "(negative)" etc. per sentiment."""
    if "sentiment" not in rows.columns:
        return _display_names(rows)
    sentiments = [s if isinstance(s, str) and s else "" for s in rows["sentiment"].tolist()]
    keyed = rows.assign(
        theme=[f"{t}:{s}" if s else str(t) for t, s in zip(rows["theme"], sentiments,
                                                            strict=True)],
        theme_name=[f"{n if isinstance(n, str) and n.strip() else t} ({s})" if s else n
                    for n, t, s in zip(rows.get("theme_name", rows["theme"]), rows["theme"],
                                       sentiments, strict=True)],
    )
    return _display_names(keyed)


def driver_quadrant(
    drivers: pd.DataFrame,
    *,
    level: str = "theme",
    y: str = "impact",
    segment: str | None = None,
    period: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Impact (or effect, or attribution) against volume: one marker per theme.

    Args:
        drivers: a :func:`voc.drivers.driver_analysis` table (or the ``voc drivers`` output).
        level: ``"theme"`` or ``"theme_sentiment"`` (keys like ``delivery:negative``).
        y: the column on the y axis: ``"impact"`` (default), ``"effect"`` or
            ``"attribution"``; its ``<y>_ci_low`` / ``<y>_ci_high`` give the whiskers.
        segment, period: the slice to draw when the table is sliced (``by=`` / ``period=``).
        title: figure title (default "Drivers of <metric>: <y> vs volume").

    Returns:
        x = share of comments mentioning the theme (%), y = the chosen figure in the metric's
        unit (percentage points for share metrics) with its interval as error bars. Markers:
        red (:data:`SENTIMENT_COLORS` negative) for negative drivers, green (positive) for
        positive ones, grey at y = 0 and labelled "(low support)" for themes with too few
        comments (their figures are hidden in the table). Reference lines at y = 0 and at the
        median share; the four quadrants are captioned ("Big problems": common and negative,
        "Niche problems", "Strengths", "Niche strengths"). No theme gives a figure with an
        annotation instead of an error.

    Raises:
        VocError: ``y`` not one of the three columns, or a sliced table without a slice chosen.
    """
    if y not in ("impact", "effect", "attribution"):
        raise VocError(expected="y = 'impact', 'effect' or 'attribution'", found=repr(y),
                       fix="pass y='impact' (leave-one-out) or y='effect' (regression)")
    rows = _driver_rows(drivers, level, segment, period)
    metric = _metric_label(_first(rows, "metric", _first(drivers, "metric")))
    title = title or f"Drivers of {metric}: {y} vs volume"
    if rows.empty:
        return _empty_figure("No themes to show", title)
    factor, _, dunit = _unit_scale(_first(rows, "unit"))
    names = _driver_names(rows)
    share = rows["share"].astype(float).to_numpy() * 100.0
    value = rows[y].astype(float).to_numpy() * factor
    lo = rows.get(f"{y}_ci_low", pd.Series(float("nan"), index=rows.index)).astype(float) * factor
    hi = rows.get(f"{y}_ci_high", pd.Series(float("nan"), index=rows.index)).astype(float) * factor
    low = rows["low_support"].fillna(False).astype(bool).to_numpy() if "low_support" in rows \
        else pd.isna(value)
    low = low | pd.isna(value)
    n = _counts(rows["n"]) if "n" in rows.columns else [0] * len(rows)
    notes = rows["note"].fillna("").astype(str).tolist() if "note" in rows.columns \
        else [""] * len(rows)
    fig = go.Figure()
    groups = (
        ("Negative driver", ~low & (value < 0), SENTIMENT_COLORS["negative"]),
        ("Positive driver", ~low & (value >= 0), SENTIMENT_COLORS["positive"]),
        ("Low support", low, _GREY),
    )
    for label, mask, color in groups:
        idx = [i for i, m in enumerate(mask) if m]
        if not idx:
            continue
        is_low = label == "Low support"
        ys = [0.0 if is_low else float(value[i]) for i in idx]
        plus = [0.0 if is_low or pd.isna(hi.iloc[i]) else float(hi.iloc[i] - value[i])
                for i in idx]
        minus = [0.0 if is_low or pd.isna(lo.iloc[i]) else float(value[i] - lo.iloc[i])
                 for i in idx]
        fig.add_trace(go.Scatter(
            name=label,
            x=[float(share[i]) for i in idx],
            y=ys,
            mode="markers+text",
            text=[names[i] + (" (low support)" if is_low else "") for i in idx],
            textposition="top center",
            textfont={"color": _TEXT, "size": _FONT_SIZE - 2},
            marker={"color": color, "size": 12, "line": {"color": _OUTLINE, "width": 1}},
            error_y={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                     "visible": not is_low, "color": color, "thickness": 1.5},
            customdata=[[n[i], "n/a" if pd.isna(lo.iloc[i]) else f"{lo.iloc[i]:.1f}",
                         "n/a" if pd.isna(hi.iloc[i]) else f"{hi.iloc[i]:.1f}", notes[i]]
                        for i in idx],
            hovertemplate=(
                "<b>%{text}</b><br>%{customdata[0]} comments (%{x:.1f}%)<br>"
                + (f"{y}: insufficient evidence<br>%{{customdata[3]}}" if is_low else
                   f"{y}: %{{y:+.1f}} {dunit} (95% CI %{{customdata[1]}} to "
                   "%{customdata[2]})")
                + "<extra></extra>"
            ),
        ))
    median = float(pd.Series(share[~low] if (~low).any() else share).median())
    fig.add_hline(y=0, line={"color": _OUTLINE, "width": 1})
    fig.add_vline(x=median, line={"color": _OUTLINE, "width": 1, "dash": "dot"})
    captions = (
        (0.99, 0.01, "right", "bottom", "Big problems: common, negative"),
        (0.01, 0.01, "left", "bottom", "Niche problems"),
        (0.99, 0.99, "right", "top", "Strengths: common, positive"),
        (0.01, 0.99, "left", "top", "Niche strengths"),
    )
    for x, yy, xanchor, yanchor, text in captions:
        fig.add_annotation(x=x, y=yy, xref="paper", yref="paper", text=text, showarrow=False,
                           xanchor=xanchor, yanchor=yanchor,
                           font={"size": _FONT_SIZE - 2, "color": _OUTLINE})
    if low.all():
        fig.add_annotation(
            x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
            text="Every theme has too few comments: insufficient evidence",
            font={"size": _FONT_SIZE + 1, "color": _TEXT},
        )
    finite = [v for v in (list(value[~low]) + list(lo[~low]) + list(hi[~low])) if pd.notna(v)]
    span = max([abs(v) for v in finite] + [1.0]) * 1.15
    fig.update_layout(
        title={"text": title}, height=520, font={"size": _FONT_SIZE},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        margin={"l": 10, "r": 20, "t": 80, "b": 50}, hoverlabel={"align": "left"},
    )
    fig.update_xaxes(title_text="Share of comments mentioning the theme (%)",
                     range=[0, max(float(share.max()) * 1.1, 1.0)])
    fig.update_yaxes(title_text=f"{y.capitalize()} on {metric}"
                     + (f" ({dunit})" if dunit else ""), range=[-span, span], zeroline=False)
    return fig


def attribution_waterfall(
    drivers: pd.DataFrame,
    *,
    level: str = "theme",
    top: int | None = 15,
    segment: str | None = None,
    period: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Waterfall from the reference to the metric through each theme's attribution.

    Args:
        drivers: a :func:`voc.drivers.driver_analysis` table (or the ``voc drivers`` output).
        level: ``"theme"`` (default) or ``"theme_sentiment"``.
        top: draw the ``top`` themes with the largest absolute attribution one by one and the
            rest as one "Other themes" bar (``None``: every theme).
        segment, period: the slice to draw when the table is sliced.
        title: figure title.

    Returns:
        A figure with one ``go.Waterfall`` trace: the first bar (measure ``absolute``) is the
        ``reference`` (mean row value of comments without a theme), then one ``relative`` bar
        per theme with its ``attribution`` (most negative first), then, when some themes have
        low support, one bar with their hidden attributions together, and finally the
        ``metric_value`` (measure ``total``). The relative bars add up to metric − reference
        exactly (the attributions are exactly additive; see :mod:`voc.drivers`). Share
        metrics are drawn in percent. No data gives a figure with an annotation.
    """
    rows = _driver_rows(drivers, level, segment, period)
    metric = _metric_label(_first(rows, "metric", _first(drivers, "metric")))
    title = title or f"{metric}: from the reference to the current value"
    if rows.empty or "metric_value" not in rows.columns:
        return _empty_figure("No themes to show", title)
    factor, unit, _ = _unit_scale(_first(rows, "unit"))
    reference = float(rows["reference"].iloc[0])
    current = float(rows["metric_value"].iloc[0])
    names = _driver_names(rows)
    attr = rows["attribution"].astype(float)
    shown = [(names[i], float(attr.iloc[i])) for i in range(len(rows)) if pd.notna(attr.iloc[i])]
    shown.sort(key=lambda item: item[1])
    bars: list[tuple[str, float]] = []
    if top is not None and len(shown) > top:
        keep = sorted(sorted(shown, key=lambda item: -abs(item[1]))[: max(0, int(top))],
                      key=lambda item: item[1])
        kept = {name for name, _ in keep}
        rest = [v for name, v in shown if name not in kept]
        bars = keep + [(f"Other themes ({len(rest)})", float(sum(rest)))]
    else:
        bars = list(shown)
    n_low = int(attr.isna().sum())
    hidden = current - reference - sum(v for _, v in shown)
    if n_low:
        bars.append((f"Low-support themes ({n_low})", hidden))
    labels = ["Reference (no theme)"] + [b[0] for b in bars] + [f"{metric} (current)"]
    values = [reference * factor] + [b[1] * factor for b in bars] + [current * factor]
    measures = ["absolute"] + ["relative"] * len(bars) + ["total"]
    suffix = f" {unit}" if unit and unit != "%" else unit
    text = ([f"{values[0]:.1f}{suffix}"] + [f"{v:+.1f}" for v in values[1:-1]]
            + [f"{values[-1]:.1f}{suffix}"])
    fig = go.Figure(go.Waterfall(
        name=metric,
        orientation="v",
        x=labels,
        y=values,
        measure=measures,
        text=text,
        textposition="outside",
        textfont={"color": _TEXT},
        connector={"line": {"color": _OUTLINE, "width": 1, "dash": "dot"}},
        increasing={"marker": {"color": SENTIMENT_COLORS["positive"],
                               "line": {"color": _OUTLINE, "width": 1}}},
        decreasing={"marker": {"color": SENTIMENT_COLORS["negative"],
                               "line": {"color": _OUTLINE, "width": 1}}},
        totals={"marker": {"color": _TOTAL_COLOR, "line": {"color": _OUTLINE, "width": 1}}},
        hovertemplate="<b>%{x}</b><br>%{y:+.2f}<extra></extra>",
        showlegend=False,
    ))
    fig.update_layout(title={"text": title}, height=460, font={"size": _FONT_SIZE},
                      margin={"l": 10, "r": 10, "t": 60, "b": 120})
    fig.update_yaxes(title_text=metric + (f" ({unit})" if unit else ""))
    fig.update_xaxes(tickangle=-35)
    return fig


def metric_trend(
    documents_or_frame: AnalysisResult | pd.DataFrame,
    *,
    metric: str = "nps",
    score_col: str = "score",
    date_col: str = "date",
    period: str = "month",
    confidence: float = 0.95,
    title: str | None = None,
) -> go.Figure:
    """The metric per period with its confidence band.

    Args:
        documents_or_frame: an ``AnalysisResult`` (its ``documents``) or any DataFrame with a
            score and a date column (e.g. the ``voc analyze`` output).
        metric: one of :data:`voc.metrics.METRICS`.
        score_col, date_col: the columns (default: voc's canonical ``score`` and ``date``).
        period: ``day``, ``week``, ``month``, ``quarter`` or ``year``.
        confidence: level of the band.

    Returns:
        One line (``Scatter`` with markers, named after the metric) of
        :func:`voc.metrics.metric_value` per period, over every row with a score and a date
        (comments with and without text), plus two ``Scatter`` traces drawing the interval as a
        filled band ("95% CI"). x = the period's first day; hover shows the period, the value,
        the interval and n. Share metrics are drawn in percent. No dated scores gives a figure
        with an annotation.

    Raises:
        VocError: a missing column; ValidationError: scores outside the metric's scale.
    """
    from voc.metrics import UNITS, metric_value, period_labels

    frame = documents_or_frame.documents if hasattr(documents_or_frame, "documents") \
        else documents_or_frame
    label = _metric_label(metric)
    title = title or f"{label} by {period}"
    if not isinstance(frame, pd.DataFrame):
        raise VocError(expected="an AnalysisResult or a DataFrame with a score and a date",
                       found=f"a {type(frame).__name__}", fix="pass result or result.documents")
    for column, role in ((score_col, "score_col"), (date_col, "date_col")):
        if column not in frame.columns:
            raise VocError(expected=f"a column {column!r}",
                           found=f"the columns {', '.join(map(str, frame.columns[:20]))}",
                           fix=f"pass {role}='<column>'")
    unit = UNITS.get(str(metric).lower(), "score")
    factor, level_unit, _ = _unit_scale(unit)
    labels = period_labels(frame[date_col].reset_index(drop=True), period)
    scores = frame[score_col].reset_index(drop=True)
    rows = []
    for per in sorted(labels.dropna().unique()):
        values = scores[(labels == per).to_numpy()]
        mv = metric_value(metric, values, confidence=confidence)
        if mv.n == 0:
            continue
        rows.append((per, mv))
    if not rows:
        return _empty_figure("No dated scores to show", title)
    x = [per.start_time for per, _ in rows]
    value = [mv.value * factor for _, mv in rows]
    lo = [mv.ci_low * factor for _, mv in rows]
    hi = [mv.ci_high * factor for _, mv in rows]
    custom = [[str(per), mv.n, f"{mv.ci_low * factor:.1f}", f"{mv.ci_high * factor:.1f}"]
              for per, mv in rows]
    band = f"{confidence:.0%} CI"
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=hi, mode="lines", line={"width": 0}, name=band,
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=lo, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor=_BAND_COLOR, name=band, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=x, y=value, mode="lines+markers", name=label,
        line={"color": _LINE_COLOR, "width": 2}, marker={"size": 8, "color": _LINE_COLOR},
        customdata=custom,
        hovertemplate=("<b>%{customdata[0]}</b><br>" + label + ": %{y:.1f}" + level_unit
                       + f"<br>{band}: %{{customdata[2]}} to %{{customdata[3]}}"
                       + "<br>n = %{customdata[1]}<extra></extra>"),
    ))
    fig.update_layout(title={"text": title}, height=380, font={"size": _FONT_SIZE},
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, hoverlabel={"align": "left"},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})
    fig.update_yaxes(title_text=label + (f" ({level_unit})" if level_unit else ""))
    fig.update_xaxes(title_text="")
    return fig


def bridge_chart(
    summary: pd.DataFrame,
    components: pd.DataFrame,
    *,
    top: int = 6,
    title: str | None = None,
) -> go.Figure:
    """Waterfall of a :func:`voc.drivers.bridge`: metric_a → components → metric_b.

    Args:
        summary, components: the two tables :func:`voc.drivers.bridge` returns.
        top: themes (ranked by the absolute sum of their two components) drawn one by one;
            the other themes are grouped into "Other themes · prevalence" / "· score".
        title: figure title (default: the headline "NPS a → b: x → y (Δ z)").

    Returns:
        One ``go.Waterfall`` trace: ``metric_a`` (measure ``absolute``); per top theme two
        ``relative`` bars, "<theme> · prevalence" (more or fewer mentions) and
        "<theme> · score" (mentioners scoring differently); the other themes grouped; the
        "(no theme)" comments' two bars; "Segment mix" when the bridge was split by segment;
        then ``metric_b`` (measure ``total``). The relative bars add up to ``diff`` exactly.
        Zero-valued groups are left out. Share metrics are drawn in percent.
    """
    if not isinstance(summary, pd.DataFrame) or summary.empty:
        return _empty_figure("No comparison to show", title or "Bridge")
    metric = _metric_label(_first(summary, "metric"))
    factor, unit, dunit = _unit_scale(_first(summary, "unit"))
    ga, gb = str(_first(summary, "group_a", "a")), str(_first(summary, "group_b", "b"))
    ma, mb = float(summary["metric_a"].iloc[0]), float(summary["metric_b"].iloc[0])
    diff = float(summary["diff"].iloc[0])
    suffix = f" {unit}" if unit and unit != "%" else unit
    headline = (f"{metric} {ga} → {gb}: {ma * factor:.1f}{suffix} → {mb * factor:.1f}{suffix} "
                f"(Δ {diff * factor:+.1f}{' ' + dunit if dunit else ''})")
    title = title or headline
    comp = components if isinstance(components, pd.DataFrame) else pd.DataFrame()
    bars: list[tuple[str, float]] = []
    if not comp.empty:
        themed = comp[comp["component"].isin(["prevalence", "score"])
                      & (comp["theme"].astype(str) != "(no theme)")]
        totals = themed.groupby("theme", sort=False)["value"].apply(lambda s: s.abs().sum())
        ranked = totals.sort_values(ascending=False, kind="stable").index.tolist()
        keep = ranked[: max(0, int(top))]
        for theme in keep:
            rows = themed[themed["theme"] == theme]
            name = _first(rows, "theme_name", theme)
            for kind in ("prevalence", "score"):
                part = rows[rows["component"] == kind]["value"]
                bars.append((f"{name} · {kind}", float(part.sum())))
        rest = themed[~themed["theme"].isin(keep)]
        if not rest.empty:
            for kind in ("prevalence", "score"):
                bars.append((f"Other themes ({rest['theme'].nunique()}) · {kind}",
                             float(rest[rest["component"] == kind]["value"].sum())))
        none = comp[comp["theme"].astype(str) == "(no theme)"]
        for kind in ("prevalence", "score"):
            part = none[none["component"] == kind]["value"]
            if len(part):
                bars.append((f"No theme · {kind}", float(part.sum())))
        mix = comp[comp["component"] == "segment_mix"]["value"]
        if len(mix):
            bars.append(("Segment mix", float(mix.sum())))
        bars = [b for b in bars if b[1] != 0.0]
    if not bars:
        bars = [("Change", diff)]
    labels = [f"{metric} {ga}"] + [b[0] for b in bars] + [f"{metric} {gb}"]
    values = [ma * factor] + [b[1] * factor for b in bars] + [mb * factor]
    measures = ["absolute"] + ["relative"] * len(bars) + ["total"]
    text = ([f"{values[0]:.1f}{suffix}"] + [f"{v:+.1f}" for v in values[1:-1]]
            + [f"{values[-1]:.1f}{suffix}"])
    fig = go.Figure(go.Waterfall(
        name=metric, orientation="v", x=labels, y=values, measure=measures, text=text,
        textposition="outside", textfont={"color": _TEXT},
        connector={"line": {"color": _OUTLINE, "width": 1, "dash": "dot"}},
        increasing={"marker": {"color": SENTIMENT_COLORS["positive"],
                               "line": {"color": _OUTLINE, "width": 1}}},
        decreasing={"marker": {"color": SENTIMENT_COLORS["negative"],
                               "line": {"color": _OUTLINE, "width": 1}}},
        totals={"marker": {"color": _TOTAL_COLOR, "line": {"color": _OUTLINE, "width": 1}}},
        hovertemplate="<b>%{x}</b><br>%{y:+.2f}<extra></extra>", showlegend=False,
    ))
    fig.update_layout(title={"text": title}, height=460, font={"size": _FONT_SIZE},
                      margin={"l": 10, "r": 10, "t": 60, "b": 140})
    fig.update_yaxes(title_text=metric + (f" ({unit})" if unit else ""))
    fig.update_xaxes(tickangle=-35)
    return fig


# ---------------------------------------------------------------------------------- app
#
# Builders for the app's dashboard; they read the tidy tables of :mod:`voc.dashboard`.

_BAND_LABELS = {"detractor": "Detractors", "passive": "Passives", "promoter": "Promoters"}


def score_distribution(
    scores: pd.DataFrame,
    *,
    title: str = "Score distribution",
) -> go.Figure:
    """Bar chart of how many comments gave each score, coloured by score band.

    Args:
        scores: one row per score value with ``score``, ``n``, ``share`` (0..1), ``band``
            (e.g. detractor / passive / promoter) and ``tone`` (``negative``, ``neutral``,
            ``positive``: the band's colour in :data:`SENTIMENT_COLORS`), as
            :func:`voc.dashboard.score_distribution` returns.
        title: figure title.

    Returns:
        One bar trace per band (named after it, in the order of the rows), bars labelled with
        their count; hover gives the count and share. No scores gives a figure with the
        annotation "No scores to show".

    Raises:
        VocError: a frame without those columns.
    """
    if not isinstance(scores, pd.DataFrame):
        raise VocError(expected="the DataFrame of voc.dashboard.score_distribution",
                       found=f"a {type(scores).__name__}",
                       fix="pass dashboard.score_distribution(index, mask)")
    missing = [c for c in ("score", "n", "band", "tone") if c not in scores.columns]
    if missing:
        raise VocError(expected="a score table with score, n, band and tone columns",
                       found=f"no column(s) {', '.join(missing)}",
                       fix="pass dashboard.score_distribution(index, mask)")
    if scores.empty or int(scores["n"].sum()) == 0:
        return _empty_figure("No scores to show", title)
    total = int(scores["n"].sum())
    fig = go.Figure()
    for band in dict.fromkeys(scores["band"].tolist()):
        rows = scores[scores["band"] == band]
        color = SENTIMENT_COLORS.get(str(rows["tone"].iloc[0]), SENTIMENT_COLORS["neutral"])
        counts = _counts(rows["n"])
        label = _BAND_LABELS.get(str(band), str(band).capitalize())
        fig.add_trace(go.Bar(
            name=label,
            x=[f"{v:g}" for v in rows["score"].astype(float)],
            y=counts,
            marker={"color": color, "line": {"color": _OUTLINE, "width": 1}},
            text=[f"{c:,}" if c else "" for c in counts],
            textposition="outside",
            textfont={"color": _TEXT},
            customdata=[c / total for c in counts],
            hovertemplate=("<b>Score %{x}</b> (" + label + ")<br>%{y:,} comments "
                           "(%{customdata:.1%})<extra></extra>"),
        ))
    fig.update_layout(
        title={"text": title}, height=340, font={"size": _FONT_SIZE}, bargap=0.2,
        margin={"l": 10, "r": 10, "t": 70, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    )
    fig.update_xaxes(title_text="Score", type="category",
                     categoryorder="array",
                     categoryarray=[f"{v:g}" for v in scores["score"].astype(float)])
    fig.update_yaxes(title_text="Comments", range=[0, max(_counts(scores["n"])) * 1.18],
                     rangemode="tozero")
    return fig


_HEAT_VALUES = {
    "n_comments": ("Comments", [[0.0, "#f4f6fa"], [1.0, _TOTAL_COLOR]], "{:,.0f}"),
    "negative_share": ("Negative share", [[0.0, "#f4f6fa"], [1.0, SENTIMENT_COLORS["negative"]]],
                       "{:.0%}"),
}


def journey_theme_heatmap(
    cells: pd.DataFrame,
    *,
    value: str = "n_comments",
    top: int | None = 12,
    title: str | None = None,
) -> go.Figure:
    """Heatmap of journey stages (rows) × themes (columns).

    Args:
        cells: one row per (journey stage, theme) with ``journey_stage``, ``theme``,
            ``n_comments``, ``negative_share`` and optionally ``theme_name``, as
            :func:`voc.dashboard.journey_theme` returns.
        value: ``"n_comments"`` (how often the theme comes up at that stage) or
            ``"negative_share"`` (the share of those comments in which it is negative, 0..1).
        top: show the ``top`` themes with the most comments (None: all).
        title: figure title.

    Returns:
        One ``go.Heatmap`` trace (z = the value, with the number written in each cell, empty
        cells left blank); hover shows the stage, theme, comments and negative share. Themes
        run from the most mentioned (left), stages in alphabetical order. No cells gives a
        figure with an annotation.

    Raises:
        VocError: an unknown ``value`` or a frame without those columns.
    """
    if value not in _HEAT_VALUES:
        raise VocError(expected="value = 'n_comments' or 'negative_share'", found=repr(value),
                       fix="pass value='n_comments' or value='negative_share'")
    label, scale, fmt = _HEAT_VALUES[value]
    title = title or f"Journey stage × theme: {label.lower()}"
    if not isinstance(cells, pd.DataFrame):
        raise VocError(expected="the DataFrame of voc.dashboard.journey_theme",
                       found=f"a {type(cells).__name__}",
                       fix="pass dashboard.journey_theme(index, mask)")
    missing = [c for c in ("journey_stage", "theme", "n_comments", "negative_share")
               if c not in cells.columns]
    if missing:
        raise VocError(expected="cells with journey_stage, theme, n_comments, negative_share",
                       found=f"no column(s) {', '.join(missing)}",
                       fix="pass dashboard.journey_theme(index, mask)")
    if cells.empty:
        return _empty_figure("No journey stages to show", title)
    frame = cells.copy()
    if "theme_name" not in frame.columns:
        frame["theme_name"] = frame["theme"]
    totals = frame.groupby("theme")["n_comments"].sum().sort_values(ascending=False,
                                                                    kind="stable")
    themes = totals.index.tolist()[: top if top is not None else None]
    frame = frame[frame["theme"].isin(themes)]
    names = dict(zip(frame["theme"], frame["theme_name"], strict=False))
    stages = sorted(frame["journey_stage"].astype(str).unique())
    z = frame.pivot_table(index="journey_stage", columns="theme", values=value,
                          aggfunc="first").reindex(index=stages, columns=themes)
    n = frame.pivot_table(index="journey_stage", columns="theme", values="n_comments",
                          aggfunc="first").reindex(index=stages, columns=themes)
    neg = frame.pivot_table(index="journey_stage", columns="theme", values="negative_share",
                            aggfunc="first").reindex(index=stages, columns=themes)
    zz = z.to_numpy(dtype=float)
    text = [["" if pd.isna(v) else fmt.format(v) for v in row] for row in zz]
    custom = [[[0 if pd.isna(a) else int(a), 0.0 if pd.isna(b) else float(b)]
               for a, b in zip(ra, rb, strict=True)]
              for ra, rb in zip(n.to_numpy(), neg.to_numpy(), strict=True)]
    x = [str(names.get(t, t)) for t in themes]
    fig = go.Figure(go.Heatmap(
        z=zz, x=x, y=stages, text=text, texttemplate="%{text}", colorscale=scale,
        zmin=0, zmax=1 if value == "negative_share" else None, customdata=custom,
        xgap=2, ygap=2, colorbar={"title": {"text": label}},
        hovertemplate=("<b>%{y}</b> · %{x}<br>%{customdata[0]:,} comments<br>"
                       "negative in %{customdata[1]:.0%}<extra></extra>"),
    ))
    fig.update_layout(title={"text": title}, height=max(300, 44 * len(stages) + 200),
                      font={"size": _FONT_SIZE}, margin={"l": 10, "r": 10, "t": 60, "b": 120},
                      plot_bgcolor="#ffffff")
    fig.update_xaxes(tickangle=-35, title_text="")
    fig.update_yaxes(title_text="Journey stage", autorange="reversed")
    return fig


# ---------------------------------------------------------------------- discovery figures

#: Qualitative palette for clusters (Okabe–Ito, colour-blind safe); cycles past 8 clusters,
#: so the hover text and legend always name the cluster.
CLUSTER_COLORS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                                   "#D55E00", "#F0E442", "#000000")
_RISE_COLOR = "#d1495b"  # flagged rises: 4.4:1 on white
_FLAT_COLOR = "#b0b7c3"  # not flagged


def _wrap(text: str, width: int = 60) -> str:
    import textwrap

    return "<br>".join(textwrap.wrap(str(text), width)) or ""


def cluster_map(discovery_or_points: Any, *, max_points: int = 5_000,
                title: str = "Discovered themes (2-D projection)") -> go.Figure:
    """Scatter of sentences in 2-D, coloured by cluster (one legend entry per cluster).

    Args:
        discovery_or_points: a :class:`voc.discovery.Discovery` (projected with its
            :meth:`~voc.discovery.Discovery.projection`: PCA of the embeddings, a seeded
            sample of at most ``max_points`` sentences) or a DataFrame with ``x, y, cluster,
            cluster_label`` and optionally ``sentence``.
        max_points: sentences drawn at most.
        title: figure title.

    The axes are the first two principal components of the sentence embeddings (unitless);
    clusters that overlap in 2-D may still be apart in the full space.
    """
    if isinstance(discovery_or_points, pd.DataFrame):
        points = discovery_or_points
    elif hasattr(discovery_or_points, "projection"):
        points = discovery_or_points.projection(max_points=max_points)
    else:
        raise VocError(expected="a Discovery or a DataFrame with x, y, cluster, cluster_label",
                       found=type(discovery_or_points).__name__,
                       fix="pass voc.discovery.discover(...) or its projection()")
    missing = [c for c in ("x", "y", "cluster", "cluster_label") if c not in points.columns]
    if missing:
        raise VocError(expected="columns x, y, cluster, cluster_label",
                       found=f"missing {missing}", fix="pass Discovery.projection()")
    if points.empty:
        return _empty_figure("No clustered sentences", title)
    fig = go.Figure()
    for i, (cluster, part) in enumerate(points.groupby("cluster", sort=True)):
        label = str(part["cluster_label"].iloc[0])
        hover = [_wrap(s) for s in part.get("sentence", pd.Series([""] * len(part)))]
        fig.add_trace(go.Scattergl(
            x=part["x"], y=part["y"], mode="markers", name=f"{cluster}: {label}",
            marker={"size": 6, "opacity": 0.75, "color": CLUSTER_COLORS[i % len(
                CLUSTER_COLORS)], "line": {"width": 0.5, "color": _OUTLINE}},
            text=hover,
            hovertemplate=f"<b>cluster {cluster}: {label}</b><br>%{{text}}<extra></extra>",
        ))
    fig.update_layout(title={"text": title}, height=560, font={"size": _FONT_SIZE},
                      plot_bgcolor="#ffffff", legend={"title": {"text": "Cluster"}},
                      margin={"l": 10, "r": 10, "t": 60, "b": 40})
    fig.update_xaxes(title_text="component 1", showgrid=False, zeroline=False)
    fig.update_yaxes(title_text="component 2", showgrid=False, zeroline=False)
    return fig


def emerging_bars(emerging: pd.DataFrame, *, top: int = 15,
                  title: str = "Emerging themes: rise in share of comments") -> go.Figure:
    """Horizontal bars of the rise (percentage points, recent − baseline) with 95% intervals.

    Args:
        emerging: the table of :func:`voc.emerging.emerging_themes`.
        top: rows shown: the flagged ones, then the largest other rises.
        title: figure title.

    Flagged rows are red and marked "▲ emerging" in their label; the others grey. The hover
    shows both shares, the q-value and the new keywords.
    """
    need = ["kind", "name", "rise_points", "share_recent", "share_baseline", "emerging"]
    missing = [c for c in need if c not in emerging.columns]
    if missing:
        raise VocError(expected=f"the emerging_themes table (columns {need})",
                       found=f"missing {missing}", fix="pass voc.emerging.emerging_themes(...)")
    if emerging.empty:
        return _empty_figure("Nothing to compare", title)
    rows = emerging.sort_values(["emerging", "rise_points"], ascending=[False, False],
                                kind="stable").head(top)
    rows = rows.iloc[::-1]  # largest at the top
    labels = [f"{'▲ ' if e else ''}{k}: {n}" for k, n, e in
              zip(rows["kind"], rows["name"], rows["emerging"], strict=True)]
    colors = [_RISE_COLOR if e else _FLAT_COLOR for e in rows["emerging"]]
    error = None
    if {"rise_ci_low", "rise_ci_high"} <= set(rows.columns):
        error = {"type": "data", "symmetric": False,
                 "array": (rows["rise_ci_high"] - rows["rise_points"]).tolist(),
                 "arrayminus": (rows["rise_points"] - rows["rise_ci_low"]).tolist(),
                 "color": _OUTLINE, "thickness": 1}
    custom = list(zip(rows["share_baseline"], rows["share_recent"],
                      rows.get("q_value", pd.Series([float("nan")] * len(rows))),
                      [_wrap(x, 50) for x in rows.get("new_keywords", [""] * len(rows))],
                      strict=True))
    fig = go.Figure(go.Bar(
        x=rows["rise_points"], y=labels, orientation="h", marker={
            "color": colors, "line": {"color": _OUTLINE, "width": 1}},
        error_x=error, customdata=custom,
        hovertemplate=("<b>%{y}</b><br>%{customdata[0]:.1%} → %{customdata[1]:.1%} "
                       "(%{x:+.1f} pp)<br>q = %{customdata[2]:.3g}<br>new: %{customdata[3]}"
                       "<extra></extra>"),
    ))
    fig.update_layout(title={"text": title}, height=max(280, 34 * len(rows) + 140),
                      font={"size": _FONT_SIZE}, plot_bgcolor="#ffffff", showlegend=False,
                      margin={"l": 10, "r": 20, "t": 60, "b": 50})
    fig.update_xaxes(title_text="rise in share of comments (percentage points, 95% CI)",
                     zeroline=True, zerolinecolor=_OUTLINE)
    return fig
