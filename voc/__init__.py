"""voc — offline multilingual Voice-of-Customer analysis.

Quick start::

    import voc
    df = voc.read_feedback("survey.csv")
    result = voc.Analyzer.load("default").analyze(df)
    result.documents, result.mentions

Public names are imported lazily, so ``import voc`` is cheap and never imports torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "read_feedback": "voc.io",
    "write_table": "voc.io",
    "ColumnMapping": "voc.schema",
    "infer_mapping": "voc.schema",
    "validate": "voc.schema",
    "ValidationReport": "voc.schema",
    "Analyzer": "voc.pipeline",
    "AnalysisResult": "voc.pipeline",
    "AnalyzerSettings": "voc.pipeline",
    "classify": "voc.pipeline",
    "Taxonomy": "voc.taxonomy",
    "Theme": "voc.taxonomy",
    "ThemeClassifier": "voc.themes",
    "SentimentClassifier": "voc.sentiment",
    "get_embedder": "voc.embeddings",
    "driver_analysis": "voc.drivers",
    "bridge": "voc.drivers",
    "join_outcome": "voc.drivers",
    "metric_value": "voc.metrics",
    "discover": "voc.discovery",
    "discover_themes": "voc.discovery",
    "Discovery": "voc.discovery",
    "ThemeDiscoverer": "voc.discovery",
    "emerging_themes": "voc.emerging",
    "promote": "voc.promote",
    "nps": "voc.metrics",
    "read_labels": "voc.training",
    "retrain": "voc.training",
    "evaluate": "voc.training",
    "suggest": "voc.training",
    "TrainingOptions": "voc.training",
    "VocError": "voc.errors",
    "InputFileError": "voc.errors",
    "ValidationError": "voc.errors",
    "ModelError": "voc.errors",
}

__all__ = [
    "AnalysisResult",
    "Analyzer",
    "AnalyzerSettings",
    "ColumnMapping",
    "Discovery",
    "InputFileError",
    "ModelError",
    "SentimentClassifier",
    "Taxonomy",
    "Theme",
    "ThemeClassifier",
    "ThemeDiscoverer",
    "TrainingOptions",
    "ValidationError",
    "ValidationReport",
    "VocError",
    "__version__",
    "bridge",
    "classify",
    "discover",
    "discover_themes",
    "driver_analysis",
    "emerging_themes",
    "evaluate",
    "get_embedder",
    "infer_mapping",
    "join_outcome",
    "metric_value",
    "nps",
    "promote",
    "read_feedback",
    "read_labels",
    "retrain",
    "suggest",
    "validate",
    "write_table",
]

if TYPE_CHECKING:  # pragma: no cover
    from voc.discovery import Discovery, ThemeDiscoverer, discover, discover_themes
    from voc.drivers import bridge, driver_analysis, join_outcome
    from voc.embeddings import get_embedder
    from voc.emerging import emerging_themes
    from voc.errors import InputFileError, ModelError, ValidationError, VocError
    from voc.io import read_feedback, write_table
    from voc.metrics import metric_value, nps
    from voc.pipeline import AnalysisResult, Analyzer, AnalyzerSettings, classify
    from voc.promote import promote
    from voc.schema import ColumnMapping, ValidationReport, infer_mapping, validate
    from voc.sentiment import SentimentClassifier
    from voc.taxonomy import Taxonomy, Theme
    from voc.themes import ThemeClassifier
    from voc.training import TrainingOptions, evaluate, read_labels, retrain, suggest


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'voc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
