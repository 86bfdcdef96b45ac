"""voc — Voice of Customer: the Streamlit app.

Pages (``app_pages/``): **Data** (upload, column mapping, data checks, analyze),
**Dashboard** (metric, scores, trend, drivers, themes, journey), **Verbatims** (every comment
with its themes and evidence), **Discover** (new themes, when ``voc.discovery`` is installed),
**Label & retrain** (correct, retrain, choose the model), **Export** (tables and charts).

UI only: the analysis is ``voc``; everything a user does is kept in the workspace database
(``voc.store``). On the first start the bundled sample is added and analyzed, so the app
opens on real results. Run with ``make run`` or ``streamlit run app.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import streamlit as st

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # `streamlit run` adds it; AppTest and other runners may not
    sys.path.insert(0, _HERE)

from app_pages import ui  # noqa: E402

st.set_page_config(page_title="voc — Voice of Customer", page_icon=":material/forum:",
                   layout="wide", initial_sidebar_state="expanded")
ui.inject_css()
workspace = ui.workspace()
ui.ensure_sample(workspace)

analyze = [
    st.Page(ui.PAGES["dashboard"], title="Dashboard", icon=":material/monitoring:",
            default=True),
    st.Page(ui.PAGES["verbatims"], title="Verbatims", icon=":material/format_quote:"),
]
if importlib.util.find_spec("voc.discovery") is not None:
    analyze.append(st.Page(ui.PAGES["discover"], title="Discover",
                           icon=":material/travel_explore:"))
pages = {
    "Analyze": analyze,
    "Workspace": [
        st.Page(ui.PAGES["data"], title="Data", icon=":material/upload_file:"),
        st.Page(ui.PAGES["label"], title="Label & retrain", icon=":material/model_training:"),
        st.Page(ui.PAGES["export"], title="Export", icon=":material/download:"),
    ],
}
page = st.navigation(pages)
ui.sidebar(workspace)
page.run()
