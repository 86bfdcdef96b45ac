"""Label & retrain: correct themes and sentiment, add themes, retrain, choose the model."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pandas as pd
import streamlit as st

import voc
from app_pages import ui
from voc import dashboard, training
from voc.store import DEFAULT_MODEL, LABEL_SENTIMENTS, ModelVersion, StoreError

N_SUGGEST = 20
SUGGEST_POOL = 3000  # comments the suggestions are drawn from (a fixed random subset)
MODES = {"suggested": "Suggested: label these next", "filtered": "Matching the verbatims filters",
         "labeled": "Already labeled"}
STAGES = ("Scoring the current model", "Preparing", "Embedding", "Fitting the theme head",
          "Fitting the aspect-sentiment head", "Done", "Saving")

ws = ui.workspace()
ds, info = ui.analysis_or_stop(ws)
index = ui.index_for(str(ws.path), info.analysis_id)
active = ws.active_model()
model = ui.analyzer(active)
custom = ws.themes()
names: dict[str, str] = dict(model.taxonomy.names())
names.update(dict(zip(custom["theme_id"], custom["name"], strict=True)))
names.update({t: n for t, n in index.theme_names.items() if t not in names})
theme_ids = list(names)

st.title("Label & retrain")
st.markdown("Teach voc your codeframe: correct the themes and sentiment of a few comments, "
            "add themes it does not know, retrain, and compare the new model with the current "
            "one before you switch. Every edit is saved at once.")
tab_label, tab_train, tab_models = st.tabs(["1 · Label", "2 · Retrain", "3 · Models"])


# ------------------------------------------------------------------------------ helpers
@st.cache_data(max_entries=8, show_spinner="Finding the comments worth labeling…")
def suggestions(ws_path: str, analysis_id: str, model_spec: str, labeled: tuple[str, ...]
                ) -> list[str]:
    """Doc ids of the comments to label next (most informative first)."""
    idx = ui.index_for(ws_path, analysis_id)
    docs = idx.documents[idx.has_text]
    if len(docs) > SUGGEST_POOL:
        docs = docs.sample(SUGGEST_POOL, random_state=0)
    done = set(labeled)
    docs = docs[~docs["doc_id"].astype(str).isin(done)]
    if docs.empty:
        return []
    picks = training.suggest(ui.analyzer(model_spec), docs["text"].astype(str).tolist(),
                             n=N_SUGGEST)
    return [str(docs["doc_id"].iloc[int(r)]) for r in picks["row"]]


def table_for(doc_ids: list[str], labels: pd.DataFrame) -> pd.DataFrame:
    """The rows to edit: the stored label when there is one, else the model's prediction."""
    docs = index.documents.set_index(index.documents["doc_id"].astype(str))
    stored = labels.set_index("doc_id") if len(labels) else pd.DataFrame()
    rows = []
    for doc_id in doc_ids:
        if doc_id not in docs.index:
            continue
        doc = docs.loc[doc_id]
        if doc_id in stored.index:
            themes = [t for t in str(stored.at[doc_id, "themes"]).split(";") if t]
            themes = [t.split(":", 1)[0] for t in themes]
            sentiment = stored.at[doc_id, "sentiment"] or None
            saved = True
        else:
            themes = [t for t in str(doc["themes"] or "").split(";") if t]
            sentiment = doc["sentiment"] or None
            saved = False
        rows.append({"doc_id": doc_id, "text": str(doc["text"]),
                     "themes": [t for t in themes if t in names],
                     "sentiment": sentiment if sentiment in LABEL_SENTIMENTS else None,
                     "saved": saved})
    return pd.DataFrame(rows, columns=["doc_id", "text", "themes", "sentiment", "saved"])


def edits_to_labels(table: pd.DataFrame, edited_rows: dict[Any, dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The label rows of a data editor's edits (row position -> changed cells)."""
    out = []
    for pos, change in edited_rows.items():
        row = table.iloc[int(pos)]
        themes = change.get("themes", row["themes"])
        sentiment = change.get("sentiment", row["sentiment"])
        out.append({"doc_id": row["doc_id"], "text": row["text"],
                    "themes": list(themes or []), "sentiment": sentiment or None})
    return out


def save_edits(editor_key: str, table_key: str) -> None:
    """data_editor on_change: every edited row is saved (upserted) at once."""
    state = st.session_state.get(editor_key) or {}
    rows = edits_to_labels(st.session_state[table_key], state.get("edited_rows", {}))
    try:
        ws.upsert_labels(ds.dataset_id, rows)
    except voc.VocError as exc:
        st.session_state["_label_error"] = exc
    else:
        st.session_state["_label_saved"] = len(rows)


# ------------------------------------------------------------------------------ 1 · label
with tab_label:
    labels = ws.labels(ds.dataset_id)
    mode = ui.persistent(st.radio, "Show", "lab_mode", "suggested", options=list(MODES),
                         format_func=MODES.get, horizontal=True,
                         valid=lambda m: m if m in MODES else "suggested")
    labeled_ids = tuple(sorted(labels["doc_id"].astype(str)))
    table_key = f"lab_table_{info.analysis_id}_{mode}"
    if mode != "labeled" and st.button("New comments", key="lab_refresh",
                                       icon=":material/refresh:",
                                       help="Show other comments (the labeled ones drop out)."):
        st.session_state.pop(table_key, None)
    if mode == "labeled":
        st.session_state.pop(table_key, None)
    if table_key in st.session_state:
        ids = st.session_state[table_key]["doc_id"].tolist()
    elif mode == "suggested":
        try:
            ids = suggestions(str(ws.path), info.analysis_id, active, labeled_ids)
        except voc.VocError as exc:
            ui.show_error("Could not rank the comments", exc)
            ids = []
        st.caption("The comments the model is least sure about, one per group of similar "
                   "comments: labeling these teaches it the most.")
    elif mode == "filtered":
        filters = dashboard.Filters(
            themes=tuple(st.session_state.get("_v_theme", [])),
            sentiments=tuple(st.session_state.get("_v_sentiment", [])),
            search=str(st.session_state.get("_v_search", "")))
        mask = dashboard.doc_mask(index, filters) & index.has_text
        ids = index.documents.loc[mask, "doc_id"].astype(str).head(50).tolist()
        st.caption("The first 50 comments matching the theme, sentiment and search filters of "
                   "the Verbatims page.")
    else:
        ids = labels["doc_id"].astype(str).tolist()
    table = table_for(ids, labels)
    if table.empty:
        ui.empty_state("Nothing to show here: every suggested comment is labeled, or no comment "
                       "matches. Pick another view above.")
    else:
        if table_key not in st.session_state:
            st.session_state[table_key] = table
        table = st.session_state[table_key]
        n_saved = int(table["doc_id"].isin(set(labeled_ids)).sum())
        st.caption(f"{n_saved} of {len(table)} comments shown are labeled.")
        editor_key = f"lab_editor_{table_key}"
        st.data_editor(
            table, key=editor_key, hide_index=True, num_rows="fixed",
            disabled=["doc_id", "text"], column_order=["doc_id", "text", "themes", "sentiment"],
            on_change=save_edits,
            args=(editor_key, table_key), row_height=60,
            column_config={
                "doc_id": st.column_config.TextColumn("Id", width="small"),
                "text": st.column_config.TextColumn("Comment", width="large"),
                "themes": st.column_config.MultiselectColumn(
                    "Themes", options=theme_ids, format_func=lambda t: names.get(t, t),
                    width="medium", help="Every theme the comment is about."),
                "sentiment": st.column_config.SelectboxColumn(
                    "Sentiment", options=list(LABEL_SENTIMENTS), width="small",
                    help="The whole comment's sentiment (mixed = praise and criticism)."),
            },
        )
        if "_label_error" in st.session_state:
            ui.show_error("That edit could not be saved", st.session_state.pop("_label_error"))
        elif st.session_state.pop("_label_saved", 0):
            st.toast("Saved.", icon=":material/check:")
        left, right = st.columns([1, 2], vertical_alignment="center")
        pending = table[~table["doc_id"].isin(set(labeled_ids))]
        if left.button(f"Confirm {len(pending)} unsaved rows as shown", key="lab_confirm",
                       disabled=pending.empty, icon=":material/done_all:",
                       help="Saves the rows you did not edit, exactly as shown, as labels."):
            state = st.session_state.get(editor_key) or {}
            edited = edits_to_labels(table, state.get("edited_rows", {}))
            edited_ids = {r["doc_id"] for r in edited}
            rest = [{"doc_id": r.doc_id, "text": r.text, "themes": list(r.themes),
                     "sentiment": r.sentiment}
                    for r in pending.itertuples() if r.doc_id not in edited_ids]
            ws.upsert_labels(ds.dataset_id, edited + rest)
            st.session_state.pop(table_key, None)
            st.rerun()
        right.caption("Edit a cell and it is saved. Rows you leave untouched are not labels "
                      "until you confirm them.")

    with st.expander("Label one comment at a time", expanded=False):
        if table.empty:
            st.caption("No comment to label in this view.")
        else:
            previews = {d: f"#{d}: {str(t)[:90]}" for d, t in zip(table["doc_id"],
                                                                   table["text"], strict=True)}
            pick = st.selectbox("Comment", list(previews), key="lab_one_pick",
                                format_func=lambda d, p=previews: p.get(d, str(d)))
            current_row = table.set_index("doc_id").loc[pick]
            doc_mentions = index.mentions[index.mentions["doc_id"].astype(str) == pick]
            st.markdown(dashboard.verbatim_html(current_row["text"], doc_mentions, names),
                        unsafe_allow_html=True)
            with st.form(f"lab_one_form_{pick}", border=False):
                one_themes = st.multiselect("Themes", theme_ids,
                                            default=list(current_row["themes"]),
                                            format_func=lambda t: names.get(t, t),
                                            key=f"lab_one_themes_{pick}")
                one_sent = st.selectbox("Sentiment", list(LABEL_SENTIMENTS),
                                        index=list(LABEL_SENTIMENTS).index(
                                            current_row["sentiment"])
                                        if current_row["sentiment"] in LABEL_SENTIMENTS else None,
                                        key=f"lab_one_sent_{pick}")
                if st.form_submit_button("Save label", type="primary"):
                    ws.upsert_labels(ds.dataset_id, [{"doc_id": pick,
                                                      "text": current_row["text"],
                                                      "themes": one_themes,
                                                      "sentiment": one_sent}])
                    # same comments, now showing the saved label
                    st.session_state[table_key] = table_for(table["doc_id"].tolist(),
                                                            ws.labels(ds.dataset_id))
                    st.toast(f"Saved the label of #{pick}.", icon=":material/check:")
                    st.rerun()

    st.markdown("##### Add a theme")
    with st.form("lab_new_theme", clear_on_submit=True, border=False):
        c1, c2 = st.columns([1, 2])
        new_name = c1.text_input("Name", placeholder="e.g. Gift wrapping", key="lab_theme_name")
        new_desc = c2.text_input("What it covers (optional)", key="lab_theme_desc")
        if st.form_submit_button("Add theme", icon=":material/add:"):
            try:
                new_id = ws.add_theme(new_name, description=new_desc)
            except StoreError as exc:
                ui.show_error("The theme was not added", exc)
            else:
                st.toast(f"Added the theme {new_name} ({new_id}). Label at least 3 comments "
                         "with it.", icon=":material/check:")
                st.rerun()
    if len(custom):
        st.caption("Your themes: " + ", ".join(f"{ui.md(n)} (`{ui.md(t)}`)" for t, n in
                                               zip(custom["theme_id"], custom["name"],
                                                   strict=True)))


# ------------------------------------------------------------------------------ 2 · retrain
def counts_table(all_labels: pd.DataFrame) -> pd.DataFrame:
    """Labeled comments per theme, and whether the theme can be learnt."""
    per: dict[str, int] = {}
    for value in all_labels["themes"].astype(str):
        for t in {x.split(":", 1)[0] for x in value.split(";") if x}:
            per[t] = per.get(t, 0) + 1
    frame = pd.DataFrame({"theme": list(per), "labeled": list(per.values())})
    frame["name"] = frame["theme"].map(lambda t: names.get(t, t))
    frame["learnt"] = frame["labeled"] >= training.MIN_EXAMPLES
    return frame.sort_values(["labeled", "theme"], ascending=[False, True],
                             ignore_index=True)[["name", "theme", "labeled", "learnt"]]


def retrain_now() -> str | None:
    """Retrain from a snapshot of the labels; returns the saved model's path."""
    snapshot = ws.label_frame()  # later edits do not change it; nothing is locked
    bar = st.progress(0.0, text="Starting…")

    def stage(message: str) -> None:
        step = next((i for i, s in enumerate(STAGES) if message.startswith(s)), None)
        frac = (step + 1) / (len(STAGES) + 1) if step is not None else None
        if frac is not None:
            bar.progress(frac, text=f"{message}…")

    try:
        data = training.read_labels(snapshot)
        data.names.update({t: n for t, n in names.items() if t not in model.taxonomy})
        stage("Scoring the current model")
        before = training.evaluate(model, data)
        new = training.retrain(model, data, progress=stage)
        stage("Saving")
        version = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d-%H%M%S")
        root = ws.models_dir / ui.MODEL_NAME
        while (root / version).exists():
            version += "b"
        path = new.save(root, name=ui.MODEL_NAME, version=version, set_latest=False,
                        card=training.model_card(new, data_name="labels of the voc app"))
        ws.record_model(path, name=ui.MODEL_NAME, version=version, base=active,
                        n_labels=len(data), metrics=new.info.get("metrics", {}),
                        evaluation={"before": before.to_dict(), "base": active})
    except voc.VocError as exc:
        bar.empty()
        ui.show_error("Retraining did not finish (your labels are safe)", exc)
        return None
    bar.progress(1.0, text="Done")
    return str(path)


with tab_train:
    all_labels = ws.labels()
    if all_labels.empty:
        ui.empty_state("No labels yet. Correct a few comments on the **1 · Label** tab (about "
                       "ten per theme is a good start); they are saved as you go.")
    else:
        counts = counts_table(all_labels)
        st.markdown(f"**{len(all_labels):,} labeled comments** in this workspace "
                    f"({(all_labels['dataset_id'] == ds.dataset_id).sum():,} from this dataset)"
                    f"; {int(counts['learnt'].sum())} themes have enough examples "
                    f"(at least {training.MIN_EXAMPLES}).")
        st.dataframe(counts, hide_index=True, key="lab_counts",
                     column_config={"name": "Theme", "theme": "Id",
                                    "labeled": st.column_config.NumberColumn("Labeled comments"),
                                    "learnt": st.column_config.CheckboxColumn("Will be learnt")})
        st.caption(f"Retraining starts from the active model ({ui.md(ui.model_label(active))}) "
                   "and takes from a few seconds to a few minutes. The active model stays "
                   "active until you switch on the **3 · Models** tab.")
        if st.button("Retrain", type="primary", key="lab_retrain",
                     icon=":material/model_training:",
                     disabled=not bool(counts["learnt"].any())):
            path = retrain_now()
            if path is not None:
                st.session_state["lab_model_pick"] = path
                st.success("Retrained. Compare it with the current model on the **3 · Models** "
                           "tab and activate it there.", icon=":material/check_circle:")


# ------------------------------------------------------------------------------ 3 · models
def comparison(version: ModelVersion) -> pd.DataFrame:
    """Per theme: precision and recall of the model it started from (scored on the labels)
    and of the new model (cross-validated on the same labels)."""
    before = pd.DataFrame(version.evaluation.get("before", {}).get("per_theme", []))
    after = pd.DataFrame([{"theme": t, **v} for t, v in
                          (version.metrics.get("cv_per_theme") or {}).items()])
    if before.empty and after.empty:
        return pd.DataFrame()
    cols = ["theme", "precision", "recall", "support"]
    before = before.reindex(columns=cols).rename(columns={"precision": "precision_before",
                                                           "recall": "recall_before",
                                                           "support": "support_before"})
    after = after.reindex(columns=cols).rename(columns={"precision": "precision_after",
                                                         "recall": "recall_after"})
    out = after.merge(before, on="theme", how="outer")
    out["support"] = out["support"].fillna(out["support_before"])
    out["name"] = out["theme"].map(lambda t: names.get(t, t))
    out["recall_change"] = out["recall_after"] - out["recall_before"]
    return out[["name", "theme", "support", "precision_before", "precision_after",
                "recall_before", "recall_after", "recall_change"]].sort_values(
        "support", ascending=False, ignore_index=True)


with tab_models:
    versions = ws.models()
    specs = [DEFAULT_MODEL] + [v.path for v in versions]
    by_path = {v.path: v for v in versions}
    rows = [{"Model": ui.model_label(DEFAULT_MODEL), "Created": "", "Labels": None,
             "Micro-F1 (CV)": None, "Active": active == DEFAULT_MODEL}]
    for v in versions:
        rows.append({"Model": ui.model_label(v.path), "Created": ui.when(v.created),
                     "Labels": v.n_labels, "Micro-F1 (CV)": v.metrics.get("cv_micro_f1"),
                     "Active": active == v.path})
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="lab_versions",
                 column_config={"Micro-F1 (CV)": st.column_config.NumberColumn(format="%.3f")})
    if st.session_state.get("lab_model_pick") not in specs:
        st.session_state["lab_model_pick"] = active if active in specs else DEFAULT_MODEL
    pick = st.selectbox("Model version", specs, key="lab_model_pick",
                        format_func=lambda p: ui.model_label(p)
                        + ("  (active)" if p == active else ""))
    chosen = by_path.get(pick)
    if chosen is not None:
        compared = comparison(chosen)
        st.markdown(f"**{ui.md(ui.model_label(pick))}** — trained on {chosen.n_labels or 0:,} "
                    f"labels from {ui.md(ui.model_label(chosen.base or DEFAULT_MODEL))}.")
        if not compared.empty:
            st.dataframe(
                compared, hide_index=True, key="lab_compare",
                column_config={
                    "name": "Theme", "theme": None,
                    "support": st.column_config.NumberColumn("Labeled", format="%d"),
                    "precision_before": st.column_config.NumberColumn("Precision before",
                                                                      format="%.2f"),
                    "precision_after": st.column_config.NumberColumn("Precision after",
                                                                     format="%.2f"),
                    "recall_before": st.column_config.NumberColumn("Recall before",
                                                                   format="%.2f"),
                    "recall_after": st.column_config.NumberColumn("Recall after",
                                                                  format="%.2f"),
                    "recall_change": st.column_config.NumberColumn("Recall change",
                                                                   format="%+.2f"),
                })
            st.caption("Before: the model it started from, scored on your labels. After: the "
                       "new model, cross-validated on the same labels (each comment scored "
                       "by a model that did not see it; thresholds tuned on the same folds, so "
                       "slightly optimistic).")
    left, right = st.columns(2)
    if left.button("Activate this version", type="primary", key="lab_activate",
                   disabled=pick == active, icon=":material/check_circle:"):
        ws.set_active_model(pick)
        st.toast(f"{ui.model_label(pick)} is now active. Re-analyze a dataset to use it.",
                 icon=":material/check_circle:")
        st.rerun()
    previous = ws.previous_model()
    if right.button("Roll back", key="lab_rollback", disabled=previous is None,
                    icon=":material/undo:",
                    help="Make the previously active model active again." if previous else
                    "Nothing to roll back to."):
        restored = ws.rollback()
        st.toast(f"Rolled back to {ui.model_label(restored)}.", icon=":material/undo:")
        st.rerun()
    if active != info.model_path:
        st.info(f"This dataset was analyzed with {ui.md(info.model_label)}; the dashboard "
                f"offers to re-analyze it with {ui.md(ui.model_label(active))}.",
                icon=":material/update:")
