"""Prepare the app's workspace at setup: add the bundled sample and analyze it.

``make setup`` (and so ``make run`` / ``make test`` on a fresh clone) runs this once, so the
first ``make run`` opens straight on the analyzed sample instead of analyzing 600 comments
while the user waits. It does what the app does on its first start (voc.store + the shipped
default model) and nothing when the workspace already holds data. It never fails the setup:
a locked or unreadable workspace is reported and left alone (the app then explains it).

Usage: ``.venv/bin/python scripts/prepare_workspace.py [--workspace PATH]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "data" / "sample_feedback.csv"


def prepare(path: Path | None = None) -> str:
    """Add and analyze the sample in an empty workspace; returns what was done."""
    from voc import dashboard
    from voc.pipeline import Analyzer
    from voc.store import DEFAULT_MODEL, Workspace

    with Workspace(path) as ws:
        if ws.get_setting("initialised") is not None or ws.datasets():
            return f"{ws.path} already holds data: left as it is"
        info = ws.add_dataset(SAMPLE.read_bytes(), SAMPLE.name, is_sample=True)
        mapping = {role: info.mapping.get(role) for role in info.mapping}
        raw = ws.read_dataset(info.dataset_id)
        used = [c for c in mapping.values() if c]
        subset = raw[[c for c in raw.columns if c in used]]
        subset.attrs = dict(raw.attrs)
        start = time.monotonic()
        result = Analyzer.load(DEFAULT_MODEL).analyze(subset, mapping=mapping)
        scale = result.validation.score_scale
        summary = dashboard.summarize(result.documents, scale.name if scale else None)
        ws.save_analysis(info.dataset_id, result, model_path=DEFAULT_MODEL,
                         settings={"summary": summary, "prepared_at_setup": True},
                         seconds=round(time.monotonic() - start, 2))
        ws.set_setting("current_dataset", info.dataset_id)
        ws.set_setting("initialised", "1")
        return (f"{ws.path}: added and analyzed the sample ({len(result.documents):,} "
                f"comments in {time.monotonic() - start:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace file (default: $VOC_WORKSPACE or "
                             "$VOC_HOME/workspace.duckdb)")
    args = parser.parse_args()
    from voc.errors import VocError

    try:
        print(f"voc workspace: {prepare(args.workspace)}")
    except VocError as exc:
        print(f"note: the workspace was not prepared ({exc}); the app will analyze the "
              "sample on its first start instead")


if __name__ == "__main__":
    main()
