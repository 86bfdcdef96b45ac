"""Cluster map and emerging-theme bars (plotly figures, no model needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voc import plots
from voc.errors import VocError


def points(n: int = 60, k: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    cluster = np.arange(n) % k
    return pd.DataFrame({"x": rng.normal(size=n) + 3 * cluster, "y": rng.normal(size=n),
                         "cluster": cluster, "cluster_label": [f"label {c}" for c in cluster],
                         "sentence": [f"sentence {i}" for i in range(n)]})


def emerging_table() -> pd.DataFrame:
    return pd.DataFrame({
        "kind": ["subcluster", "theme", "theme"], "key": ["cluster:4.2", "staff", "price"],
        "name": ["parcel locker / постамат", "Staff", "Price"],
        "share_recent": [0.05, 0.2, 0.1], "share_baseline": [0.0, 0.19, 0.12],
        "rise_points": [5.0, 1.0, -2.0], "rise_ci_low": [2.0, -3.0, -6.0],
        "rise_ci_high": [8.0, 5.0, 2.0], "q_value": [1e-5, 0.8, 0.9],
        "emerging": [True, False, False], "new_keywords": ["en: parcel locker", "", ""],
    })


def test_cluster_map_one_trace_per_cluster() -> None:
    fig = plots.cluster_map(points())
    assert len(fig.data) == 3
    assert [t.name for t in fig.data] == ["0: label 0", "1: label 1", "2: label 2"]
    assert sum(len(t.x) for t in fig.data) == 60
    assert len({t.marker.color for t in fig.data}) == 3
    assert "sentence 0" in fig.data[0].text[0]


def test_cluster_map_from_a_discovery_like_object() -> None:
    class Fake:
        def projection(self, max_points: int = 5000) -> pd.DataFrame:
            return points().head(max_points)

    assert sum(len(t.x) for t in plots.cluster_map(Fake(), max_points=10).data) == 10
    with pytest.raises(VocError, match="x, y, cluster"):
        plots.cluster_map(pd.DataFrame({"x": [1]}))
    assert plots.cluster_map(points().head(0)).layout.annotations  # empty: a message


def test_emerging_bars_mark_flagged_rows() -> None:
    fig = plots.emerging_bars(emerging_table())
    bar = fig.data[0]
    labels = list(bar.y)
    assert labels[-1].startswith("▲ subcluster: parcel locker")  # flagged, at the top
    assert list(bar.x)[-1] == 5.0
    colors = list(bar.marker.color)
    assert colors[-1] != colors[0]
    assert list(bar.error_x.array)[-1] == pytest.approx(3.0)
    assert "percentage points" in fig.layout.xaxis.title.text
    with pytest.raises(VocError, match="emerging_themes"):
        plots.emerging_bars(pd.DataFrame({"x": [1]}))
    assert plots.emerging_bars(emerging_table().head(0)).layout.annotations
