"""Dashboard: the metric with its interval, scores, trend, drivers, themes and journey."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages import ui
from voc import plots

ws = ui.workspace()
ds, info = ui.analysis_or_stop(ws)
index = ui.index_for(str(ws.path), info.analysis_id)
filters = ui.dashboard_filters(index)
metrics = ui.dashboard.metric_choices(index.score_scale)
metric = None
if len(metrics) > 1:
    metric = ui.persistent(st.sidebar.selectbox, "Metric", "f_metric", metrics[0],
                           valid=lambda m: m if m in metrics else metrics[0], options=metrics,
                           format_func=ui.METRIC_LABELS.get)
elif metrics:
    metric = metrics[0]
view = ui.dashboard_view(str(ws.path), info.analysis_id, filters, metric)
head = view.headline
label = ui.METRIC_LABELS.get(metric or "", "Score")

st.title("Dashboard")
ui.stale_note(ws, ds, info)
shown = f"{head['n']:,} of {index.n:,} comments" if head["n"] != index.n else \
    f"all {index.n:,} comments"
st.caption(f"**{ui.md(ds.name)}** · {shown} · analyzed with {ui.md(info.model_label)}. "
           "The filters in the sidebar apply to every chart on this page.")

if head["n"] == 0:
    ui.empty_state("No comment matches these filters. Widen them, or click **Clear filters** "
                   "in the sidebar.")
    st.stop()

# ------------------------------------------------------------------------------ headline
cols = st.columns(5)
value, interval = ui.fmt_metric(head["value"])
cols[0].metric(label, value, help=(ui.METRIC_HELP.get(metric or "", "") + " " + interval
                                   ).strip() or "Map a score column on the Data page.")
cols[1].metric("Comments", ui.fmt_int(head["n"]), help="Rows that pass the filters.")
cols[2].metric("With text", ui.fmt_int(head["n_text"]),
               help="Comments with words; empty ones are kept, without themes.")
cols[3].metric("Negative", ui.fmt_share(head["negative_share"]),
               help="Share of the comments with text whose overall sentiment is negative.")
cols[4].metric("Languages", ui.fmt_int(head["n_languages"]))
if interval:
    st.caption(f"{label} {value} ({interval}).")

# ------------------------------------------------------------------------------ scores
left, right = st.columns(2)
with left:
    if index.score_scale:
        st.plotly_chart(plots.score_distribution(view.scores), key="chart_scores")
    else:
        ui.empty_state("No score column: map one (NPS, CSAT or CES) on the Data page to see "
                       "the score distribution, the trend and the drivers.", "data",
                       "Map a score column")
with right:
    if index.score_scale and not view.trend.empty and metric is not None:
        st.plotly_chart(plots.metric_trend(view.trend, metric=metric, period=view.period),
                        key="chart_trend")
    elif index.score_scale:
        ui.empty_state("No dates: map a date column on the Data page to see the trend.",
                       "data", "Map a date column")

# ------------------------------------------------------------------------------ drivers
st.subheader(f"What drives {label}")
drivers = view.drivers
if drivers is None or drivers.empty:
    ui.empty_state("Drivers need comments with a score. Map a score column on the Data page, "
                   "or widen the filters.")
else:
    st.caption("Each theme's **impact**: how much higher the metric would be without the "
               "comments that mention it, with its 95% interval (whiskers). **Attribution** "
               "splits the gap between the comments without a theme and the overall value "
               "exactly among the themes. Themes with fewer than 30 comments are grey: "
               "insufficient evidence.")
    left, right = st.columns(2)
    left.plotly_chart(plots.driver_quadrant(drivers), key="chart_drivers")
    right.plotly_chart(plots.attribution_waterfall(drivers), key="chart_waterfall")
    table = drivers[["theme", "theme_name", "n", "share", "impact", "impact_ci_low",
                     "impact_ci_high", "attribution", "significant", "low_support"]].copy()
    table = table.sort_values("impact", na_position="last", kind="stable",
                              ignore_index=True)
    st.markdown("**Click a theme to read its comments**")
    event = st.dataframe(
        table.drop(columns=["theme"]), hide_index=True, key="drivers_table",
        on_select="rerun", selection_mode="single-row",
        column_config={
            "theme_name": st.column_config.TextColumn("Theme", width="medium"),
            "n": st.column_config.NumberColumn("Comments", format="localized"),
            "share": st.column_config.NumberColumn("Share", format="percent"),
            "impact": st.column_config.NumberColumn("Impact", format="%+.1f"),
            "impact_ci_low": st.column_config.NumberColumn("95% CI from", format="%+.1f"),
            "impact_ci_high": st.column_config.NumberColumn("to", format="%+.1f"),
            "attribution": st.column_config.NumberColumn("Attribution", format="%+.1f"),
            "significant": st.column_config.CheckboxColumn("Significant"),
            "low_support": st.column_config.CheckboxColumn("Too few comments"),
        },
    )
    picked = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if picked:
        row = table.iloc[int(picked[0])]
        ui.go_to_verbatims(str(row["theme"]), order="negative" if (row["impact"] or 0) < 0
                           else "positive")
    supported = table[~table["low_support"].astype(bool)]
    top = supported.head(3) if len(supported) else table.sort_values(
        "n", ascending=False, kind="stable").head(3)
    if len(top):
        buttons = st.columns(len(top))
        for col, (_, row) in zip(buttons, top.iterrows(), strict=False):
            if col.button(f"Read: {row['theme_name']} ({int(row['n']):,})",
                          key=f"driver_{row['theme']}", icon=":material/format_quote:",
                          use_container_width=True):
                ui.go_to_verbatims(str(row["theme"]), order="negative"
                                   if float(np.nan_to_num(row["impact"])) < 0 else "positive")

# ------------------------------------------------------------------------------ themes
st.subheader("Themes and journey")
left, right = st.columns(2)
with left:
    st.plotly_chart(plots.theme_sentiment_bars(view.themes, top=15,
                                               title="Themes by sentiment (top 15)"),
                    key="chart_themes")
with right:
    if "journey_stage" in index.codes:
        shown_value = st.radio("Colour by", ["n_comments", "negative_share"], horizontal=True,
                               key="f_heat_value",
                               format_func={"n_comments": "Comments",
                                            "negative_share": "Negative share"}.get)
        st.plotly_chart(plots.journey_theme_heatmap(view.journey, value=shown_value),
                        key="chart_journey")
    else:
        ui.empty_state("No journey-stage column: map one on the Data page to see which themes "
                       "come up at each stage.", "data", "Map a journey-stage column")

with st.expander("The numbers behind the theme chart"):
    summary = view.themes.copy()
    st.dataframe(
        summary, hide_index=True, key="themes_table",
        column_config={"theme": None,
                       "theme_name": st.column_config.TextColumn("Theme"),
                       "n_comments": st.column_config.NumberColumn("Comments",
                                                                   format="localized"),
                       "share": st.column_config.NumberColumn("Share", format="percent")},
    )
st.caption("Theme counts: comments mentioning the theme, each counted once with the "
           "sentiment of its clauses (mixed = praised in one clause, criticised in another).")
