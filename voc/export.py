"""Downloads: tables as CSV/XLSX bytes, charts as HTML/PNG bytes (no UI).

Tables go through :func:`voc.io.write_table` with ``spreadsheet_safe=True``: a cell that
starts with ``=``, ``+``, ``-``, ``@``, TAB or CR is prefixed with ``'`` so that Excel,
LibreOffice or Google Sheets show it as text instead of running it as a formula (CSV
injection); XLSX cells are always stored as text, never as formulas.

Charts: :func:`figure_html` writes a self-contained page (plotly.js inlined: it opens
offline); :func:`figure_png` renders a PNG with Kaleido, which drives a headless Chrome or
Chromium (``/usr/bin/chromium`` from Debian's ``chromium`` package, or the browser named by
``BROWSER_PATH``). Without a browser :func:`figure_png` raises :class:`ExportError` saying
so; every chart in the app also has a camera button that saves a PNG from the browser.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from voc.errors import VocError

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "FORMATS",
    "MIME_TYPES",
    "ExportError",
    "browser_path",
    "figure_html",
    "figure_png",
    "table_bytes",
]

#: Table formats offered for download.
FORMATS: tuple[str, ...] = ("csv", "xlsx")
MIME_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
    "png": "image/png",
}
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class ExportError(VocError):
    """A table or chart cannot be exported in the requested format."""


def table_bytes(frame: pd.DataFrame, fmt: str = "csv") -> bytes:
    """The table as a CSV (UTF-8, no index) or XLSX file, safe to open in a spreadsheet.

    Args:
        frame: any table (``attrs`` are dropped).
        fmt: ``"csv"`` or ``"xlsx"``.

    Raises:
        ExportError: an unknown format; VocError: data the format cannot hold (e.g. more
            rows than Excel allows, which says to use CSV).
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(expected=f"a table format among {', '.join(FORMATS)}",
                          found=repr(fmt), fix="choose csv or xlsx")
    from voc.io import write_table

    with tempfile.TemporaryDirectory(prefix="voc-export-") as tmp:
        path = write_table(frame, Path(tmp) / f"table.{fmt}", spreadsheet_safe=True)
        return path.read_bytes()


def figure_html(fig: go.Figure, *, title: str | None = None) -> bytes:
    """A self-contained HTML page with the interactive chart (works offline)."""
    page = fig.to_html(full_html=True, include_plotlyjs=True,
                       config={"displaylogo": False, "responsive": True})
    if title:
        import html

        page = page.replace("<head>", f"<head><title>{html.escape(title)}</title>", 1)
    return page.encode("utf-8")


def browser_path() -> str | None:
    """The Chrome/Chromium Kaleido will use: ``$BROWSER_PATH``, else the first of chromium,
    chromium-browser, google-chrome on the PATH; None when there is none."""
    env = os.environ.get("BROWSER_PATH", "").strip()
    if env and Path(env).exists():
        return env
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def figure_png(fig: go.Figure, *, width: int = 1200, height: int | None = None,
               scale: float = 2.0) -> bytes:
    """The chart as a PNG (rendered by Kaleido in a headless browser; takes a few seconds).

    Raises:
        ExportError: Kaleido or a Chrome/Chromium browser is missing, or rendering failed;
            the message says how to install them or to use the chart's camera button.
    """
    browser = browser_path()
    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            expected="the kaleido package to render PNG images",
            found="it is not installed",
            fix="run `make setup` (it installs requirements.txt), or use the camera button "
                "on the chart to save a PNG from the browser",
        ) from exc
    if browser is None:
        raise ExportError(
            expected="Chrome or Chromium to render PNG images",
            found="no browser on this machine (looked for $BROWSER_PATH and "
                  f"{', '.join(_BROWSERS)})",
            fix="install it (Debian/Ubuntu: apt-get install chromium), or use the camera "
                "button on the chart to save a PNG from your browser",
        )
    os.environ.setdefault("BROWSER_PATH", browser)
    height = height or int(fig.layout.height or 500)
    try:
        return bytes(fig.to_image(format="png", width=width, height=height, scale=scale))
    except Exception as exc:  # kaleido raises several error types
        raise ExportError(
            expected="a PNG rendered by Kaleido",
            found=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
            fix="download the chart as HTML instead, or use the camera button on the chart",
        ) from exc
