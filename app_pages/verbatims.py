"""Verbatims: every comment with its theme chips and the evidence clause highlighted."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from voc import dashboard

PER_PAGE = 20
ORDERS = {"original": "File order", "negative": "Most negative first",
          "positive": "Most positive first"}
SENTIMENT_LABELS = {"negative": "Negative", "neutral": "Neutral", "mixed": "Mixed",
                    "positive": "Positive"}

ws = ui.workspace()
ds, info = ui.analysis_or_stop(ws)
index = ui.index_for(str(ws.path), info.analysis_id)
base = ui.dashboard_filters(index)
options = dashboard.filter_options(index)

st.title("Verbatims")
ui.stale_note(ws, ds, info)
st.caption("Read what customers wrote. With themes chosen, the sentiment filter applies to "
           "those themes in each comment (e.g. delivery speed, negative); otherwise to the "
           "whole comment. The sidebar filters apply too.")

names = index.theme_names
row1 = st.columns([2, 1, 1])
themes = ui.multiselect("Theme", options["themes"], "v_theme", where=row1[0],
                        format_func=lambda t: names.get(t, t), placeholder="All themes")
sentiments = ui.multiselect("Sentiment", list(dashboard.SENTIMENTS), "v_sentiment",
                            where=row1[1], format_func=SENTIMENT_LABELS.get,
                            placeholder="Any sentiment")
bands = ui.multiselect("Score band", options["score_bands"], "v_band", where=row1[2],
                       format_func=str.capitalize, placeholder="Any score",
                       disabled=not options["score_bands"],
                       help="Detractors 0–6, passives 7–8, promoters 9–10 on NPS; "
                            "dissatisfied / neutral / satisfied on CSAT; difficult / neutral / "
                            "easy on CES.")
row2 = st.columns([2, 1, 1])
search = ui.persistent(row2[0].text_input, "Search the comments", "v_search", "",
                       placeholder="e.g. refund, courier, доставка",
                       help="Case-insensitive; matches any part of the comment.")
order = ui.persistent(row2[1].selectbox, "Order", "v_order", "original",
                      valid=lambda o: o if o in ORDERS else "original", options=list(ORDERS),
                      format_func=ORDERS.get)
if options["segments"]:
    st.caption("Segment, channel, language and period: in the sidebar.")

filters = dashboard.Filters(
    segments=base.segments, channels=base.channels, languages=base.languages,
    period=base.period, themes=tuple(themes), sentiments=tuple(sentiments),
    score_bands=tuple(bands), search=str(search or ""),
)
mask = dashboard.doc_mask(index, filters)
n_found = int((mask & index.has_text).sum())
pages_total = max(1, -(-n_found // PER_PAGE))
page = ui.persistent(row2[2].number_input, "Page", "v_page", 1,
                     valid=lambda p: min(max(1, int(p or 1)), pages_total),
                     min_value=1, max_value=pages_total, step=1)
docs, mentions, pages_total = dashboard.verbatims(index, mask, page=int(page),
                                                  per_page=PER_PAGE, order=str(order))
if n_found == 0:
    ui.empty_state("No comment matches. Remove a filter or shorten the search text.")
    st.stop()
first = (int(page) - 1) * PER_PAGE + 1
st.markdown(f"**{n_found:,} comments** match · showing {first:,}–"
            f"{first + len(docs) - 1:,} (page {int(page)} of {pages_total:,})")

by_doc = {doc_id: frame for doc_id, frame in mentions.groupby("doc_id", sort=False)} \
    if len(mentions) else {}
empty = mentions.iloc[0:0]
for row in docs.itertuples(index=False):
    doc_id = str(row.doc_id)
    meta = [f"#{ui.md(doc_id)}"]
    score = getattr(row, "score", None)
    if score is not None and score == score:
        meta.append(f"score {score:g}")
    for column in ("segment", "channel", "journey_stage"):
        value = getattr(row, column, None)
        if isinstance(value, str) and value:
            meta.append(ui.md(value))
    date = getattr(row, "date", None)
    if date is not None and date == date:
        meta.append(ui.when(date)[:10])
    meta.append(ui.language_label(str(row.language)))
    meta.append(f"overall {row.sentiment}")
    with st.container(border=True):
        st.markdown(f'<div class="voc-meta">{" · ".join(meta)}</div>', unsafe_allow_html=True)
        st.markdown(dashboard.verbatim_html(str(row.text), by_doc.get(doc_id, empty), names,
                                            highlight=themes), unsafe_allow_html=True)
st.caption("Highlighted: the clause that carries each theme, coloured by its sentiment "
           "(red negative, grey neutral, amber mixed, green positive; the chips name it).")
