"""Shared pieces of the app's pages: the workspace, cached models and analyses, filters,
number formats and errors in plain words.

Streamlit only: every number shown comes from ``voc`` (``voc.dashboard`` for the filtered
aggregates, ``voc.plots`` for the charts, ``voc.store`` for what is kept).

Caching: the workspace connection and the models live in ``st.cache_resource`` (one per
process, never mutated); each analysis' :class:`voc.dashboard.DashboardIndex` too (read-only,
bounded); raw tables, validation reports and dashboard views in bounded ``st.cache_data``.
Stored analyses are keyed by (dataset, model, column mapping), so moving between pages or
coming back to a dataset re-runs nothing.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import voc
from voc import dashboard, registry, schema, store
from voc.store import DEFAULT_MODEL, AnalysisInfo, DatasetInfo, StoreError, Workspace

APP_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SAMPLE = APP_DIR / "data" / "sample_feedback.csv"
#: Folder name of the models trained in the app (under the workspace's ``models/``).
MODEL_NAME = "voc-app"
PAGES = {
    "data": "app_pages/data.py",
    "dashboard": "app_pages/dashboard.py",
    "verbatims": "app_pages/verbatims.py",
    "discover": "app_pages/discover.py",
    "label": "app_pages/label.py",
    "export": "app_pages/export.py",
}
ROLE_LABELS = {"text": "Comment", "score": "Score", "date": "Date", "id": "Id",
               "segment": "Segment", "channel": "Channel", "journey_stage": "Journey stage"}
ROLE_HELP = {
    "text": "The open-ended answer. Required.",
    "score": "NPS (0–10), CSAT (1–5) or CES (1–7). Needed for the metric and the drivers.",
    "date": "When the answer was given. Needed for the trend and the period filter.",
    "id": "A unique id per row; rows are numbered when there is none.",
    "segment": "Customer segment, plan or tier (a filter).",
    "channel": "Web, app, store, phone… (a filter).",
    "journey_stage": "Purchase, delivery, support… (the journey × theme heatmap).",
}
METRIC_LABELS = {"nps": "NPS", "csat": "CSAT", "csat_mean": "CSAT (mean)", "ces": "CES",
                 "ces_easy": "CES (easy share)", "mean": "Mean score"}
METRIC_HELP = {
    "nps": "Net Promoter Score: % promoters (9–10) minus % detractors (0–6), in points "
           "(−100…100).",
    "csat": "Share of satisfied answers (4–5 on 1–5).",
    "csat_mean": "Mean satisfaction answer.",
    "ces": "Mean Customer Effort Score answer.",
    "ces_easy": "Share of answers above the scale midpoint (easy).",
    "mean": "Mean of the score column.",
}
LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "pl": "Polish", "zh": "Chinese",
                  "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
                  "pt": "Portuguese", "nl": "Dutch", "uk": "Ukrainian", "tr": "Turkish",
                  "ar": "Arabic", "ja": "Japanese", "ko": "Korean", "th": "Thai",
                  "unknown": "Unknown (no text or too short)"}
ANALYSIS_BATCH = 200  # comments per progress step (results do not depend on it)

log = logging.getLogger("voc.app")


# ----------------------------------------------------------------------------- words


def md(text: object) -> str:
    """Escape text for st.markdown (no accidental bold, links or $math$)."""
    return re.sub(r"([\\`*_\[\]<>#$~|])", r"\\\1", str(text))


def show_error(what: str, exc: BaseException) -> None:
    """Explain an error in plain words (never a traceback)."""
    if isinstance(exc, voc.VocError):
        problems = getattr(exc, "problems", None)
        if problems:
            lines = "\n".join(f"- {md(p.message)}" for p in problems[:20])
            more = f"\n- … and {len(problems) - 20} more" if len(problems) > 20 else ""
            st.error(f"**{what}.**\n\n{lines}{more}\n\n**How to fix:** {md(exc.fix)}")
            return
        st.error(f"**{what}.**\n\nExpected {md(exc.expected)}, but found {md(exc.found)}.\n\n"
                 f"**How to fix:** {md(exc.fix)}")
    else:
        log.exception("%s", what)
        st.error(f"**{what}.** Something unexpected went wrong ({md(type(exc).__name__)}: "
                 f"{md(exc)}). Details are in the server log; please report it.")


def empty_state(message: str, page: str | None = None, label: str | None = None,
                icon: str = ":material/arrow_forward:") -> None:
    """An empty state that says what to do, with a link to the page that does it."""
    st.info(message, icon=":material/info:")
    if page is not None:
        st.page_link(PAGES[page], label=label or "Go", icon=icon)


def fmt_int(n: int | float | None) -> str:
    """``12,345``; ``–`` for nothing."""
    return "–" if n is None or (isinstance(n, float) and pd.isna(n)) else f"{int(n):,}"


def fmt_share(x: float | None, digits: int = 0) -> str:
    """``0.237`` -> ``24%``."""
    return "–" if x is None or pd.isna(x) else f"{100 * x:.{digits}f}%"


def fmt_metric(value: Any) -> tuple[str, str]:
    """(value, interval) strings of a :class:`voc.metrics.MetricValue` in its unit."""
    if value is None or pd.isna(value.value):
        return "–", ""
    if value.unit == "points":
        return (f"{value.value:+.0f}",
                f"95% CI {value.ci_low:+.1f} to {value.ci_high:+.1f} · n = {value.n:,}")
    if value.unit == "share":
        return (f"{100 * value.value:.0f}%",
                f"95% CI {100 * value.ci_low:.1f}% to {100 * value.ci_high:.1f}% · "
                f"n = {value.n:,}")
    return (f"{value.value:.2f}",
            f"95% CI {value.ci_low:.2f} to {value.ci_high:.2f} · n = {value.n:,}")


def language_label(code: str) -> str:
    """``"ru"`` -> ``"Russian (ru)"``."""
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name and code != "unknown" else (name or code)


def when(ts: Any) -> str:
    """A timestamp as ``2026-11-23 14:05 UTC``."""
    try:
        return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, TypeError):
        return str(ts)


def inject_css() -> None:
    """A few styles for the verbatim cards."""
    st.markdown(
        "<style>.voc-chips{margin-bottom:0.2em}.voc-meta{color:#5c6270;font-size:0.85em}"
        "mark.voc-evidence{border-radius:0.2em}</style>",
        unsafe_allow_html=True,
    )


# ----------------------------------------------------------------------------- workspace


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_workspace(path: str) -> Workspace:
    return Workspace(path)


def workspace() -> Workspace:
    """The workspace of this app (``$VOC_WORKSPACE`` or ``$VOC_HOME/workspace.duckdb``);
    stops the page with a plain explanation when it cannot be opened."""
    path = str(store.default_path())
    try:
        ws = _open_workspace(path)
        if ws.closed:
            _open_workspace.clear()
            ws = _open_workspace(path)
        return ws
    except StoreError as exc:
        show_error("The workspace cannot be opened", exc)
        st.stop()
        raise  # pragma: no cover - st.stop raises


def sample_path() -> Path | None:
    """The bundled sample (``$VOC_APP_SAMPLE`` overrides it; empty or ``none`` = no sample)."""
    env = os.environ.get("VOC_APP_SAMPLE")
    if env is None:
        return DEFAULT_SAMPLE if DEFAULT_SAMPLE.is_file() else None
    if env.strip().lower() in ("", "none", "0"):
        return None
    path = Path(env)
    return path if path.is_file() else None


def add_sample(ws: Workspace) -> DatasetInfo | None:
    """Add the bundled sample to the workspace (or return it when it is already there)."""
    existing = next((d for d in ws.datasets() if d.is_sample), None)
    if existing is not None:
        return existing
    path = sample_path()
    if path is None:
        return None
    return ws.add_dataset(path.read_bytes(), path.name, is_sample=True)


def ensure_sample(ws: Workspace) -> None:
    """First start: an empty workspace gets the sample, analyzed on the first dashboard view."""
    if ws.get_setting("initialised") is None:
        if not ws.datasets():
            info = add_sample(ws)
            if info is not None:
                ws.set_setting("current_dataset", info.dataset_id)
        ws.set_setting("initialised", "1")


def current_dataset(ws: Workspace) -> DatasetInfo | None:
    """The dataset the pages show (remembered in the workspace, so a refresh keeps it)."""
    datasets = ws.datasets()
    if not datasets:
        return None
    wanted = ws.get_setting("current_dataset")
    return next((d for d in datasets if d.dataset_id == wanted), datasets[-1])


def set_current_dataset(ws: Workspace, dataset_id: str) -> None:
    """Switch dataset (and reset the filters, which belong to a dataset)."""
    ws.set_setting("current_dataset", dataset_id)
    for key in list(st.session_state):
        if isinstance(key, str) and key.lstrip("_").startswith(("f_", "v_", "lab_")):
            del st.session_state[key]


# ----------------------------------------------------------------------------- models


@st.cache_resource(show_spinner="Loading the model…", max_entries=3)
def analyzer(model: str) -> voc.Analyzer:
    """The analyzer of a model (``"default"`` or a directory); shared, never mutated after
    loading."""
    loaded = voc.Analyzer.load(model)
    loaded.settings = dataclasses.replace(loaded.settings, batch_size=ANALYSIS_BATCH)
    return loaded


def model_label(model: str, ws: Workspace | None = None) -> str:
    """A short name for a model spec: ``default 1.0.0 (shipped)``, ``voc-app 20261123-1405``."""
    if model == DEFAULT_MODEL:
        try:
            version = registry.resolve_model_dir(DEFAULT_MODEL).name
        except voc.VocError:
            version = ""
        return f"default {version} (shipped)".replace("  ", " ")
    path = Path(model)
    return f"{path.parent.name} {path.name}"


# ----------------------------------------------------------------------------- data


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def raw_table(ws_path: str, dataset_id: str) -> pd.DataFrame:
    """The raw table of a stored dataset (as read from its file)."""
    return workspace().read_dataset(dataset_id)


def full_mapping(ds: DatasetInfo) -> dict[str, str | None]:
    """Every role with its column (None = absent), as stored for the dataset."""
    return {role: ds.mapping.get(role) for role in schema.ROLES}


@st.cache_data(max_entries=16, show_spinner=False)
def validation(ws_path: str, dataset_id: str, mapping: tuple[tuple[str, str | None], ...]
               ) -> voc.ValidationReport:
    """The validation report of a dataset under a mapping (every problem, with rows)."""
    raw = raw_table(ws_path, dataset_id)
    return voc.validate(raw, voc.ColumnMapping.from_dict(dict(mapping)))


def current_analysis(ws: Workspace, ds: DatasetInfo) -> AnalysisInfo | None:
    """The analysis to show for a dataset: by the active model with the current mapping,
    else the newest one of the dataset (the page then offers to re-analyze)."""
    model = ws.active_model()
    return (ws.find_analysis(ds.dataset_id, model, full_mapping(ds))
            or ws.find_analysis(ds.dataset_id))


def is_current(ws: Workspace, ds: DatasetInfo, info: AnalysisInfo) -> bool:
    """Whether an analysis used the active model and the dataset's current mapping."""
    return (info.model_path == ws.active_model()
            and {k: v for k, v in info.mapping.items() if v}
            == {k: v for k, v in full_mapping(ds).items() if v})


def _eta(seconds: float) -> str:
    if seconds < 1:
        return "less than a second left"
    if seconds < 90:
        return f"about {seconds:.0f} s left"
    return f"about {seconds / 60:.0f} min left"


def run_analysis(ws: Workspace, ds: DatasetInfo) -> AnalysisInfo | None:
    """Analyze a dataset with the active model, with a progress bar and the time left, and
    store the result. Returns None (after explaining why) when it cannot run."""
    model = ws.active_model()
    mapping = full_mapping(ds)
    try:
        raw = raw_table(str(ws.path), ds.dataset_id)
        used = [c for c in mapping.values() if c]
        # only the mapped columns: a role the user left empty must not be guessed again
        subset = raw[[c for c in raw.columns if c in used]]
        subset.attrs = dict(raw.attrs)
        model_obj = analyzer(model)
    except Exception as exc:  # noqa: BLE001 - shown in plain words
        show_error(f"Could not prepare {ds.name} for analysis", exc)
        return None
    bar = st.progress(0.0, text=f"Analyzing {ds.name}…")
    start = time.monotonic()
    shown = [-1.0]

    def progress(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if fraction - shown[0] < 0.01 and done != total:
            return
        shown[0] = fraction
        elapsed = time.monotonic() - start
        left = elapsed / done * (total - done) if done else None
        text = f"Analyzing {ds.name}: {done:,} of {total:,} comments"
        text += f" · {_eta(left)}" if left is not None else " · estimating the time left…"
        bar.progress(min(1.0, fraction), text=text)

    try:
        result = model_obj.analyze(subset, mapping=mapping, progress=progress)
        scale = result.validation.score_scale
        summary = dashboard.summarize(result.documents, scale.name if scale else None)
        info = ws.save_analysis(ds.dataset_id, result, model_path=model,
                                settings={"batch_size": ANALYSIS_BATCH, "summary": summary},
                                seconds=round(time.monotonic() - start, 2))
    except Exception as exc:  # noqa: BLE001 - shown in plain words
        bar.empty()
        show_error(f"Could not analyze {ds.name}", exc)
        return None
    bar.empty()
    st.toast(f"Analyzed {len(result.documents):,} comments in "
             f"{time.monotonic() - start:.0f} s.", icon=":material/check_circle:")
    return info


@st.cache_resource(show_spinner="Preparing the dashboard…", max_entries=4)
def index_for(ws_path: str, analysis_id: str) -> dashboard.DashboardIndex:
    """The filter-independent index of a stored analysis (shared, read-only)."""
    stored = workspace().load_analysis(analysis_id)
    return dashboard.build_index(stored.documents, stored.mentions, stored.theme_names,
                                 stored.info.score_scale)


@st.cache_data(max_entries=32, show_spinner="Updating the charts…")
def dashboard_view(ws_path: str, analysis_id: str, filters: dashboard.Filters,
                   metric: str | None) -> dashboard.DashboardView:
    """Every dashboard number for one set of filters (cached: going back is instant)."""
    return dashboard.compute(index_for(ws_path, analysis_id), filters, metric)


def stored_result(stored: store.StoredAnalysis, taxonomy: voc.Taxonomy) -> voc.AnalysisResult:
    """A stored analysis as an :class:`voc.AnalysisResult` (for voc functions that take
    one, e.g. theme discovery)."""
    docs = stored.documents
    n_text = int(docs["has_text"].sum()) if "has_text" in docs else len(docs)
    scale = next((s for s in schema.KNOWN_SCALES if s.name == stored.info.score_scale), None)
    mapping = voc.ColumnMapping.from_dict(stored.info.mapping)
    report = voc.ValidationReport(problems=[], n_rows=len(docs), n_valid_text=n_text,
                                  n_empty_text=len(docs) - n_text, mapping=mapping,
                                  score_scale=scale)
    return voc.AnalysisResult(docs, stored.mentions, stored.segments, mapping, report,
                              taxonomy, {"name": stored.info.model_name,
                                         "version": stored.info.model_version})


def analysis_or_stop(ws: Workspace, *, auto_sample: bool = True
                     ) -> tuple[DatasetInfo, AnalysisInfo]:
    """The current dataset and its analysis, or an empty state saying what to do."""
    ds = current_dataset(ws)
    if ds is None:
        empty_state("There is no data in this workspace yet. Upload a survey or review "
                    "export, or try the bundled sample.", "data", "Add data")
        st.stop()
    info = current_analysis(ws, ds)
    if info is None and ds.is_sample and auto_sample:
        st.info(f"First start: analyzing the sample data ({ds.n_rows:,} comments) with the "
                "shipped model. This happens once; the result is kept in the workspace.",
                icon=":material/hourglass_top:")
        info = run_analysis(ws, ds)
        if info is not None:
            st.rerun()
    if info is None:
        empty_state(f"**{md(ds.name)}** has not been analyzed yet. Check its columns and the "
                    "data checks, then click **Analyze**.", "data", "Check columns and analyze")
        st.stop()
    assert info is not None
    return ds, info


def stale_note(ws: Workspace, ds: DatasetInfo, info: AnalysisInfo) -> None:
    """Say when the analysis shown used another model or mapping than the current ones."""
    if is_current(ws, ds, info):
        return
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.warning(f"Shown: the analysis by {md(info.model_label)} from {when(info.created)}. "
                 f"The active model is {md(model_label(ws.active_model()))}"
                 + (" and the column mapping changed" if info.mapping != full_mapping(ds)
                    else "") + ". Re-analyze to update.", icon=":material/update:")
    if (right.button("Re-analyze", key="stale_reanalyze", type="primary")
            and run_analysis(ws, ds) is not None):
        st.rerun()


# ----------------------------------------------------------------------------- filters


def _keep(key: str) -> None:
    st.session_state["_" + key] = st.session_state[key]


def persistent(widget: Callable[..., Any], label: str, key: str, default: Any,
               *, valid: Callable[[Any], Any] | None = None, **kwargs: Any) -> Any:
    """A widget whose value survives moving to another page and back.

    Streamlit forgets a widget's state when a page without it runs; the value is mirrored
    in ``st.session_state["_" + key]`` and restored (after ``valid`` cleans it up).
    """
    # the mirror is the source of truth: a widget of the same key on another page is another
    # widget to Streamlit, and would otherwise start from its default
    value = st.session_state.get("_" + key, st.session_state.get(key, default))
    value = valid(value) if valid is not None else value
    st.session_state["_" + key] = value
    st.session_state[key] = value
    return widget(label, key=key, on_change=_keep, args=(key,), **kwargs)


def _within(options: Sequence[str]) -> Callable[[Any], list[str]]:
    allowed = set(options)
    return lambda values: [v for v in (values or []) if v in allowed]


def multiselect(label: str, options: Sequence[str], key: str, *, where: Any = None,
                **kwargs: Any) -> list[str]:
    """A persistent multiselect (empty = all)."""
    target = where if where is not None else st
    return list(persistent(target.multiselect, label, key, [], valid=_within(options),
                           options=list(options), **kwargs))


def dashboard_filters(index: dashboard.DashboardIndex, *, where: Any = None
                      ) -> dashboard.Filters:
    """Segment, channel, language and period filters (in the sidebar by default); they
    apply to every chart and carry over to the verbatims and export pages."""
    box = where if where is not None else st.sidebar
    options = dashboard.filter_options(index)
    box.subheader("Filters")
    segments = multiselect("Segment", options["segments"], "f_segment", where=box,
                           placeholder="All segments") if options["segments"] else []
    channels = multiselect("Channel", options["channels"], "f_channel", where=box,
                           placeholder="All channels") if options["channels"] else []
    languages = multiselect("Language", options["languages"], "f_language", where=box,
                            format_func=language_label, placeholder="All languages")
    period = None
    months = options["months"]
    if len(months) > 1:
        def month_in(default: str) -> Callable[[Any], str]:
            return lambda value: value if value in months else default

        left, right = box.columns(2)
        first = persistent(left.selectbox, "From", "f_period_from", months[0],
                           valid=month_in(months[0]), options=months,
                           help="First month of the period (inclusive).")
        last = persistent(right.selectbox, "To", "f_period_to", months[-1],
                          valid=month_in(months[-1]), options=months,
                          help="Last month of the period (inclusive).")
        first, last = sorted((str(first), str(last)))
        if (first, last) != (months[0], months[-1]):
            period = (first, last)
    active = sum(bool(x) for x in (segments, channels, languages, period))
    if active and box.button("Clear filters", key="f_clear", icon=":material/filter_alt_off:"):
        for key in ("f_segment", "f_channel", "f_language", "f_period_from", "f_period_to"):
            st.session_state.pop(key, None)
            st.session_state.pop("_" + key, None)
        st.rerun()
    return dashboard.Filters(segments=tuple(segments), channels=tuple(channels),
                             languages=tuple(languages), period=period)


def go_to_verbatims(theme: str, *, order: str = "original") -> None:
    """Open the verbatims page filtered on one theme (a click on a driver)."""
    for key in ("v_theme", "v_sentiment", "v_band", "v_search", "v_order", "v_page"):
        st.session_state.pop(key, None)
        st.session_state.pop("_" + key, None)
    st.session_state["_v_theme"] = [theme]
    st.session_state["_v_order"] = order
    st.switch_page(PAGES["verbatims"])


# ----------------------------------------------------------------------------- sidebar


def sidebar(ws: Workspace) -> None:
    """The dataset picker and the active model, on every page."""
    datasets = ws.datasets()
    current = current_dataset(ws)
    with st.sidebar:
        if datasets and current is not None:
            ids = [d.dataset_id for d in datasets]
            names = {d.dataset_id: f"{d.name} ({d.n_rows:,} rows)" for d in datasets}

            def switch() -> None:
                set_current_dataset(ws, st.session_state["dataset_picker"])

            st.session_state["dataset_picker"] = current.dataset_id
            st.selectbox("Dataset", ids, key="dataset_picker", format_func=names.__getitem__,
                         on_change=switch,
                         help="Every dataset you added stays in the workspace; switch "
                              "between them here.")
        st.caption(f"Model: **{md(model_label(ws.active_model()))}**  \n"
                   f"Workspace: `{md(ws.path)}`")
