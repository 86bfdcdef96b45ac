"""Export: the documents, mentions and driver tables as CSV or XLSX; charts as HTML or PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import ui
from voc import dashboard, export, plots

ws = ui.workspace()
ds, info = ui.analysis_or_stop(ws)
index = ui.index_for(str(ws.path), info.analysis_id)
filters = ui.dashboard_filters(index)
stem = Path(ds.filename).stem or "voc"

st.title("Export")
st.markdown("Download the analysis for a spreadsheet, a BI tool or a report. Spreadsheet "
            "files are safe to open: a cell that would start a formula (=, +, -, @) is "
            "written as text.")
only_filtered = st.toggle("Only the comments that pass the sidebar filters", value=True,
                          key="export_filtered",
                          help="Off: every comment of the dataset.")
use = filters if only_filtered else dashboard.Filters()
mask = dashboard.doc_mask(index, use)
n = int(mask.sum())
st.caption(f"{n:,} of {index.n:,} comments of **{ui.md(ds.name)}**.")
if n == 0:
    ui.empty_state("No comment passes the filters: turn the toggle off or clear the filters.")
    st.stop()

docs = index.documents.loc[mask].reset_index(drop=True)
keep = (index.mention_doc >= 0) & mask[np.maximum(index.mention_doc, 0)] \
    if len(index.mentions) else np.zeros(0, dtype=bool)
mentions = index.mentions.loc[keep].reset_index(drop=True)


def _drivers() -> pd.DataFrame:
    table = dashboard.drivers(index, mask, n_boot=1000)
    if table is None:
        raise export.ExportError(expected="comments with a score",
                                 found="no score column or no scored comment",
                                 fix="map a score column on the Data page and analyze again")
    return table


def _deferred(frame_of: object, fmt: str) -> object:
    """Build the file only when the button is clicked."""
    def build() -> bytes:
        frame = frame_of() if callable(frame_of) else frame_of
        return export.table_bytes(frame, fmt)
    return build


st.subheader("Tables")
tables = [
    ("documents", "Comments", docs, "one row per comment: your columns, language, themes, "
     "theme sentiment, sentiment and its score"),
    ("mentions", "Theme mentions", mentions, "one row per theme found in a sentence, with "
     "the evidence clause and its sentiment"),
]
if index.score_scale:
    tables.append(("drivers", "Drivers", _drivers, "one row per theme: impact, attribution, "
                   "effect with 95% intervals (1,000 bootstrap resamples), significance"))
for key, title, frame, what in tables:
    rows = f"{len(frame):,} rows" if isinstance(frame, pd.DataFrame) else "computed on click"
    left, mid, right = st.columns([3, 1, 1], vertical_alignment="center")
    left.markdown(f"**{title}** — {what} ({rows}).")
    for col, fmt in ((mid, "csv"), (right, "xlsx")):
        too_big = fmt == "xlsx" and isinstance(frame, pd.DataFrame) and len(frame) >= 1_048_575
        col.download_button(
            f"{fmt.upper()}", _deferred(frame, fmt), file_name=f"{stem}_{key}.{fmt}",
            mime=export.MIME_TYPES[fmt], key=f"dl_{key}_{fmt}", on_click="ignore",
            icon=":material/download:", disabled=too_big, use_container_width=True,
            help="Too many rows for Excel: use CSV." if too_big else None,
        )

st.subheader("Charts")
view = ui.dashboard_view(str(ws.path), info.analysis_id, use, None)
charts = {"Themes by sentiment": lambda: plots.theme_sentiment_bars(view.themes)}
if index.score_scale:
    charts["Score distribution"] = lambda: plots.score_distribution(view.scores)
    if view.drivers is not None and not view.drivers.empty:
        charts["Drivers (impact vs volume)"] = lambda: plots.driver_quadrant(view.drivers)
        charts["Attribution waterfall"] = lambda: plots.attribution_waterfall(view.drivers)
    if not view.trend.empty and index.metric:
        charts["Trend"] = lambda: plots.metric_trend(view.trend, metric=index.metric,
                                                     period=view.period)
if not view.journey.empty:
    charts["Journey stage × theme"] = lambda: plots.journey_theme_heatmap(view.journey)
chosen = st.selectbox("Chart", list(charts), key="export_chart")
figure = charts[chosen]()
st.plotly_chart(figure, key="export_preview")
slug = chosen.lower().split(" (")[0].replace(" × ", "_").replace(" ", "_")
left, right, _ = st.columns([1, 1, 2])
left.download_button("HTML (interactive)", lambda: export.figure_html(figure, title=chosen),
                     file_name=f"{stem}_{slug}.html", mime="text/html", key="dl_chart_html",
                     on_click="ignore", icon=":material/download:", use_container_width=True)
if export.browser_path() is not None:
    right.download_button("PNG (image)", lambda: export.figure_png(figure),
                          file_name=f"{stem}_{slug}.png", mime="image/png",
                          key="dl_chart_png", on_click="ignore", icon=":material/image:",
                          use_container_width=True,
                          help="Rendered by a headless Chromium; takes a few seconds.")
else:
    right.caption("PNG: use the camera button at the top right of the chart (no Chromium "
                  "found on the server to render images).")
