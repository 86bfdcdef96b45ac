"""End to end: the real app in a real (headless) Chromium.

Starts ``streamlit run app.py`` on a free local port with an empty workspace, opens the
Data page in Debian's Chromium (driven by Playwright), uploads a CSV, clicks Analyze, waits
for the drivers chart on the dashboard and takes a screenshot.

Needs ``/usr/bin/chromium`` (Debian package ``chromium``; ``make test`` and ``.ci/run``
install it with ``chromium-driver``). Skipped, saying so, only when it is absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STREAMLIT = Path(sys.executable).parent / "streamlit"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Chromium is not installed: run `make browser` (apt-get install "
                              "chromium chromium-driver) to run the browser test"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, port: int, *, sample: str = "none") -> subprocess.Popen[bytes]:
    """``streamlit run app.py`` with its own workspace (the sample: a path or ``none``)."""
    env = dict(os.environ, VOC_HOME=str(home), VOC_WORKSPACE=str(home / "workspace.duckdb"),
               VOC_APP_SAMPLE=sample, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("VOC_EMBEDDING_CACHE", None)
    log = (home / "server.log").open("wb")
    return subprocess.Popen(
        [str(STREAMLIT), "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the app did not answer at {url} within {timeout:.0f} s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "home"
    home.mkdir()
    port = _free_port()
    proc = start_server(home, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_upload_a_csv_and_see_the_drivers_chart(server: str, tmp_path: Path) -> None:
    import pandas as pd
    from playwright.sync_api import expect, sync_playwright

    sample = pd.read_csv(ROOT / "data" / "sample_feedback.csv", dtype=str,
                         keep_default_na=False)
    upload = tmp_path / "survey.csv"
    sample.iloc[::10].to_csv(upload, index=False)  # 60 comments over six months
    shot = tmp_path / "drivers.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server}/data", wait_until="domcontentloaded")
            expect(page.get_by_text("No data yet")).to_be_visible(timeout=60_000)
            page.locator('input[type="file"]').set_input_files(str(upload))
            expect(page.get_by_text("Data checks")).to_be_visible(timeout=60_000)
            analyze = page.get_by_role("button", name="Analyze")
            expect(analyze).to_be_enabled(timeout=30_000)
            analyze.click()
            drivers = page.locator(".js-plotly-plot").filter(has_text="Drivers of NPS")
            expect(drivers).to_be_visible(timeout=180_000)
            expect(page.get_by_text("What drives NPS")).to_be_visible()
            drivers.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)  # let plotly finish drawing
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
