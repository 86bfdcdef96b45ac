"""Data: add exports to the workspace, map their columns, check them, analyze them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import voc
from app_pages import ui
from voc.io import SUPPORTED_INPUT

UPLOAD_TYPES = sorted({ext.lstrip(".") for ext in SUPPORTED_INPUT})
NONE = "— none —"

ws = ui.workspace()
st.title("Data")
st.markdown("Add customer-feedback exports, check that voc reads them the way you mean, and "
            "analyze them. Everything you add stays in this workspace.")

# ------------------------------------------------------------------------------- add data
left, right = st.columns([3, 1], vertical_alignment="bottom")
uploaded = left.file_uploader(
    "Upload an export (CSV, Excel, JSON, JSONL or Parquet, up to 500 MB)",
    type=UPLOAD_TYPES, key="upload",
    help="One row per response with a column of comments. A score (NPS 0–10, CSAT 1–5, "
         "CES 1–7), a date, a segment, a channel and a journey stage are recognised by "
         "name or content; you can change every choice below.",
)
if right.button("Try the sample", icon=":material/science:", key="try_sample",
                help="A synthetic NPS survey of 600 comments in English, Russian, Polish and "
                     "Chinese."):
    sample = ui.add_sample(ws)
    if sample is None:
        st.error("The sample file is missing from this installation (data/sample_feedback.csv). "
                 "Reinstall voc or upload a file of your own.")
    else:
        ui.set_current_dataset(ws, sample.dataset_id)
        st.rerun()

added: dict[str, str] = st.session_state.setdefault("_uploads", {})
if uploaded is not None:
    upload_key = f"{uploaded.file_id}:{uploaded.name}:{uploaded.size}"
    if upload_key not in added:
        try:
            info = ws.add_dataset(uploaded.getvalue(), uploaded.name)
        except voc.VocError as exc:
            added[upload_key] = "error"
            st.session_state["_upload_error"] = (uploaded.name, exc)
        else:
            added[upload_key] = info.dataset_id
            st.session_state.pop("_upload_error", None)
            ui.set_current_dataset(ws, info.dataset_id)
            st.session_state["_upload_added"] = f"Added {uploaded.name}: {info.n_rows:,} rows."
            st.rerun()  # the sidebar's dataset list was drawn before the upload
if "_upload_added" in st.session_state:
    st.toast(st.session_state.pop("_upload_added"), icon=":material/check_circle:")
if "_upload_error" in st.session_state:
    name, exc = st.session_state["_upload_error"]
    ui.show_error(f"Could not read {name}", exc)

# ------------------------------------------------------------------------------- datasets
datasets = ws.datasets()
if not datasets:
    ui.empty_state("No data yet. Upload an export above, or click **Try the sample**.")
    st.stop()

current = ui.current_dataset(ws)
assert current is not None
st.subheader("Datasets in this workspace")
rows = []
for d in datasets:
    analysis = ui.current_analysis(ws, d)
    summary = (analysis.settings.get("summary") or {}) if analysis else {}
    metric = summary.get("metric")
    value = summary.get("value")
    if value is None:
        shown = "–"
    elif summary.get("unit") == "points":
        shown = f"{value:+.0f}"
    elif summary.get("unit") == "share":
        shown = f"{100 * value:.0f}%"
    else:
        shown = f"{value:.2f}"
    rows.append({
        "Dataset": d.name + (" (sample)" if d.is_sample else ""),
        "Rows": d.n_rows,
        "Added": ui.when(d.created),
        "Analyzed with": analysis.model_label if analysis else "not analyzed",
        "Metric": ui.METRIC_LABELS.get(metric, "–") if metric else "–",
        "Value": shown,
        "Negative comments": ui.fmt_share(summary.get("negative_share")),
        "current": d.dataset_id == current.dataset_id,
    })
table = pd.DataFrame(rows)
st.dataframe(
    table, hide_index=True, key="datasets_table",
    column_config={"current": st.column_config.CheckboxColumn("Shown", width="small"),
                   "Rows": st.column_config.NumberColumn(format="localized")},
)
st.caption("Several datasets live side by side: pick the one the pages show in the sidebar. "
           "Value = the dataset's metric over all its comments.")

# ------------------------------------------------------------------------------- current
st.subheader(f"{current.name}")
st.caption(f"File **{ui.md(current.filename)}** · {current.n_rows:,} rows · "
           f"{current.n_columns} columns · {current.size_bytes / 1e6:,.1f} MB · added "
           f"{ui.when(current.created)}")
try:
    raw = ui.raw_table(str(ws.path), current.dataset_id)
except voc.VocError as exc:
    ui.show_error(f"Could not read {current.filename}", exc)
    st.stop()

with st.expander("Preview (first 20 rows)", expanded=False):
    st.dataframe(raw.head(20), hide_index=True)

st.markdown("#### Columns")
st.caption("voc guessed which column plays which role; change any of them. Your choice is "
           "saved at once.")
columns = [c for c in raw.columns if isinstance(c, str)]
mapping = ui.full_mapping(current)


def _save_mapping() -> None:
    chosen = {}
    for r in voc.schema.ROLES:
        value = st.session_state.get(f"map_{current.dataset_id}_{r}", NONE)
        chosen[r] = None if value == NONE else value
    ws.set_mapping(current.dataset_id, chosen)


grid = st.columns(4)
for i, role in enumerate(voc.schema.ROLES):
    key = f"map_{current.dataset_id}_{role}"
    value = mapping.get(role)
    st.session_state[key] = value if value in columns else NONE
    grid[i % 4].selectbox(ui.ROLE_LABELS[role], [NONE, *columns], key=key,
                          on_change=_save_mapping, help=ui.ROLE_HELP[role])

report = ui.validation(str(ws.path), current.dataset_id, tuple(mapping.items()))
st.markdown("#### Data checks")
first_line = report.summary().splitlines()[0]
if report.ok and not report.warnings:
    st.success(ui.md(first_line) + ". No problems found.", icon=":material/check_circle:")
elif report.ok:
    st.warning(ui.md(first_line) + f". {len(report.warnings)} warning(s) — the data can be "
               "analyzed; see below.", icon=":material/warning:")
else:
    st.error(f"**The data can't be analyzed yet: {len(report.errors)} problem(s).**\n\n"
             + "\n".join(f"- {ui.md(p.message)}" for p in report.errors),
             icon=":material/error:")
if report.problems:
    st.dataframe(
        report.to_frame()[["severity", "kind", "column", "n_rows", "rows", "message"]],
        hide_index=True, key="problems_table",
        column_config={"n_rows": st.column_config.NumberColumn("Rows affected"),
                       "rows": st.column_config.TextColumn("Row numbers (header = row 1)"),
                       "message": st.column_config.TextColumn("Problem", width="large")},
    )

# ------------------------------------------------------------------------------- analyze
st.markdown("#### Analyze")
done = ui.current_analysis(ws, current)
if done is not None and ui.is_current(ws, current, done):
    st.caption(f"Analyzed with {ui.md(done.model_label)} on {ui.when(done.created)} "
               f"({done.n_documents:,} comments, {done.n_mentions:,} theme mentions, "
               f"{done.seconds or 0:.0f} s). Analyze again only after changing the model or "
               "the columns.")
label = "Analyze again" if done is not None and ui.is_current(ws, current, done) else "Analyze"
left, right = st.columns([1, 3], vertical_alignment="center")
clicked = left.button(label, type="primary", key="analyze", disabled=not report.ok,
                      icon=":material/play_arrow:")
right.caption(f"Model: {ui.md(ui.model_label(ws.active_model()))}. About "
              f"{max(1, current.n_rows // 40):,} s for {current.n_rows:,} comments on a "
              "laptop (a second run of the same comments is much faster).")
if clicked:
    info = ui.run_analysis(ws, current)
    if info is not None:
        st.switch_page(ui.PAGES["dashboard"])

with st.expander("Rename or remove this dataset"):
    new_name = st.text_input("Name", value=current.name, key=f"rename_{current.dataset_id}")
    if new_name.strip() and new_name != current.name:
        ws.rename_dataset(current.dataset_id, new_name)
        st.rerun()
    if st.button("Remove this dataset", key="remove_dataset", icon=":material/delete:",
                 help="Removes the file and its analyses; labels you entered are kept."):
        ws.delete_dataset(current.dataset_id)
        remaining = ws.datasets()
        if remaining:
            ui.set_current_dataset(ws, remaining[-1].dataset_id)
        st.rerun()
