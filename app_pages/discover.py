"""Discover: themes the taxonomy misses, found by clustering sentences (voc.discovery)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import voc
from app_pages import ui
from voc import discovery
from voc.store import StoreError

ws = ui.workspace()
ds, info = ui.analysis_or_stop(ws)

st.title("Discover")
st.markdown("Find what customers talk about that the themes do not cover yet: voc groups "
            "similar sentences (in every language at once), names each group by its typical "
            "words and shows quotes. Add a group as a theme, then label a few comments with it "
            "and retrain.")


@st.cache_resource(max_entries=2, show_spinner=False)
def find(ws_path: str, analysis_id: str, only_unassigned: bool, n_themes: int | None
         ) -> discovery.Discovery:
    """The discovery of a stored analysis (shared, read-only)."""
    stored = ui.workspace().load_analysis(analysis_id)
    model = ui.analyzer(stored.info.model_path)
    result = ui.stored_result(stored, model.taxonomy)
    return discovery.discover(result, only_unassigned=only_unassigned, n_themes=n_themes,
                              analyzer=model)


left, mid, right = st.columns([2, 1, 1], vertical_alignment="bottom")
scope = left.radio("Cluster", ["unassigned", "all"], horizontal=True, key="disc_scope",
                   format_func={"unassigned": "Sentences without a theme",
                                "all": "Every sentence"}.get)
auto = mid.toggle("Choose the number of groups", value=True, key="disc_auto",
                  help="Off: ask for a fixed number of groups.")
n_themes = None if auto else int(right.number_input("Groups", 2, 50, 8, key="disc_n"))
key = (str(ws.path), info.analysis_id, scope == "unassigned", n_themes)
if st.button("Find themes", type="primary", key="disc_run", icon=":material/travel_explore:"):
    st.session_state["_disc_key"] = key
if st.session_state.get("_disc_key") != key:
    ui.empty_state("Choose what to cluster, then click **Find themes** (a few seconds for a "
                   "few thousand comments).")
    st.stop()
with st.spinner("Grouping similar sentences…"):
    try:
        found = find(*key)
    except voc.VocError as exc:
        ui.show_error("No themes could be found", exc)
        st.stop()

clusters = found.clusters
st.caption(f"{found.info['n_clustered']:,} sentences grouped into {len(clusters)} themes "
           f"({found.info['n_excluded_assigned']:,} already carry a theme and were left out)."
           if scope == "unassigned" else
           f"{found.info['n_clustered']:,} sentences grouped into {len(clusters)} themes.")
table = clusters[["cluster", "label", "size", "share", "n_comments", "negative_share",
                  "mean_score", "nearest_theme_name", "nearest_theme_similarity",
                  "keywords"]].copy()
st.dataframe(
    table, hide_index=True, key="disc_table",
    column_config={
        "cluster": None, "label": st.column_config.TextColumn("Theme (typical words)"),
        "size": st.column_config.NumberColumn("Sentences", format="localized"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "n_comments": st.column_config.NumberColumn("Comments", format="localized"),
        "negative_share": st.column_config.NumberColumn("Negative", format="percent"),
        "mean_score": st.column_config.NumberColumn("Mean score", format="%.1f"),
        "nearest_theme_name": "Closest existing theme",
        "nearest_theme_similarity": st.column_config.NumberColumn("Similarity",
                                                                  format="%.2f"),
        "keywords": st.column_config.TextColumn("Keywords per language", width="large"),
    },
)

labels = dict(zip(clusters["cluster"], clusters["label"], strict=True))
pick = st.selectbox("Read a theme", list(labels), key="disc_pick",
                    format_func=lambda c, names=labels: f"{c + 1}. {names[c]}")
members = found.members(int(pick))
row = clusters.set_index("cluster").loc[pick]
st.markdown(f"**{ui.md(row['label'])}** — {int(row['size']):,} sentences in "
            f"{int(row['n_comments']):,} comments; closest existing theme: "
            f"{ui.md(row['nearest_theme_name'])} (similarity "
            f"{row['nearest_theme_similarity']:.2f}).")
quotes = pd.DataFrame({"doc_id": members["doc_id"].head(15),
                       "sentence": members["sentence"].head(15),
                       "language": members["language"].head(15).map(ui.language_label),
                       "sentiment": members["sentiment"].head(15)})
st.dataframe(quotes, hide_index=True, key="disc_quotes",
             column_config={"doc_id": "Id",
                            "sentence": st.column_config.TextColumn("Sentence", width="large"),
                            "language": "Language", "sentiment": "Sentiment"})
with st.form("disc_add", border=False):
    name = st.text_input("Theme name", value=str(row["label"]).split(",")[0].split(" / ")[0]
                         .strip().capitalize(), key=f"disc_name_{pick}")
    if st.form_submit_button("Add as a theme", icon=":material/add:"):
        try:
            theme_id = ws.add_theme(name, description=f"Found by Discover: {row['label']}")
        except StoreError as exc:
            ui.show_error("The theme was not added", exc)
        else:
            st.success(f"Added the theme **{ui.md(name)}** (`{ui.md(theme_id)}`). Label at "
                       "least 3 comments with it on the Label & retrain page, then retrain.",
                       icon=":material/check_circle:")
            st.page_link(ui.PAGES["label"], label="Label comments",
                         icon=":material/arrow_forward:")
