"""voc — offline multilingual Voice-of-Customer analysis."""

__version__ = "0.1.0"
