"""Error types. Every voc error says what was expected, what was found and how to fix it."""

from __future__ import annotations


class VocError(Exception):
    """Base class for all errors raised by voc.

    Args:
        expected: what voc needed (e.g. "a CSV file with a header row").
        found: what it got instead (e.g. "an empty file of 0 bytes").
        fix: one sentence telling the user how to fix it.
    """

    def __init__(self, expected: str, found: str, fix: str) -> None:
        self.expected = expected
        self.found = found
        self.fix = fix
        super().__init__(f"Expected {expected}, but found {found}. How to fix: {fix}")


class InputFileError(VocError):
    """A file could not be read as feedback (wrong format, empty, binary, bad encoding)."""


class ValidationError(VocError):
    """The data was read but fails validation; ``problems`` lists every problem at once."""

    def __init__(self, problems: list, summary: str | None = None) -> None:  # list[Problem]
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        found = summary or f"{len(self.problems)} problem(s):\n{lines}"
        super().__init__(
            expected="feedback data that passes validation",
            found=found,
            fix="correct the listed rows or columns (or pass an explicit column mapping) "
            "and run again",
        )


class ModelError(VocError):
    """A model directory is missing, malformed, untrusted or of an unsupported format."""
