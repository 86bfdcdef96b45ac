"""Screenshots of the app for the README, and how long `make run` takes to show results.

Starts ``streamlit run app.py`` with an empty workspace in a temporary ``VOC_HOME`` (so the
first start adds and analyzes the bundled 600-comment sample, as on a fresh machine), opens
it in headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright), times how long
the dashboard takes to show the drivers chart, then saves:

* ``docs/screenshots/dashboard.png``
* ``docs/screenshots/verbatims.png`` (after clicking the first driver)
* ``docs/screenshots/labeling.png``

Chinese comments need a CJK font in the browser (Debian: ``apt-get install fonts-noto-cjk
fonts-noto-color-emoji``), or they show as boxes.

Usage: ``.venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--port 8599]
[--prepare]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the app did not answer at {url} within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--port", type=int, default=8599)
    parser.add_argument("--prepare", action="store_true",
                        help="prepare the workspace first, as `make setup` does "
                             "(scripts/prepare_workspace.py), and time the app after it")
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="voc-shots-"))
    env = dict(os.environ, VOC_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("VOC_WORKSPACE", None)
    env.pop("VOC_APP_SAMPLE", None)
    url = f"http://127.0.0.1:{args.port}"
    if args.prepare:
        os.environ["VOC_HOME"] = str(home)
        os.environ.pop("VOC_WORKSPACE", None)
        from scripts.prepare_workspace import prepare

        t0 = time.monotonic()
        print(f"setup step: {prepare()} ({time.monotonic() - t0:.0f} s)")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "streamlit"), "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(args.port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(url, proc)
        up = time.monotonic() - started
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_page(viewport={"width": 1440, "height": 2300},
                                    device_scale_factor=1)
            page.goto(url, wait_until="domcontentloaded")
            drivers = page.locator(".js-plotly-plot").filter(has_text="Drivers of NPS")
            expect(drivers).to_be_visible(timeout=300_000)
            opened = time.monotonic() - started
            page.wait_for_timeout(2500)
            page.screenshot(path=str(args.out / "dashboard.png"))
            page.set_viewport_size({"width": 1440, "height": 1500})
            page.get_by_role("button", name="Read: ").first.click()
            expect(page.get_by_text("comments** match").or_(
                page.get_by_text(" comments match")).first).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1500)
            page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) "
                          "e.scrollTop = 0; })")
            page.wait_for_timeout(500)
            page.screenshot(path=str(args.out / "verbatims.png"))
            page.goto(f"{url}/label", wait_until="domcontentloaded")
            expect(page.get_by_text("Teach voc your codeframe")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("comments shown are labeled")).to_be_visible(timeout=180_000)
            page.wait_for_timeout(2500)
            page.screenshot(path=str(args.out / "labeling.png"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    state = "workspace prepared at setup" if args.prepare else "cold start, empty workspace"
    print(f"server answering after {up:.1f} s; dashboard with the drivers chart of the "
          f"analyzed sample after {opened:.1f} s ({state})")
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
