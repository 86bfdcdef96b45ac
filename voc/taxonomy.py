"""The theme taxonomy (codeframe): versioned, human-editable YAML.

A taxonomy is a list of themes. Each theme has a slug ``id`` (stable, used in outputs), a
display ``name``, a ``description``, a journey stage, a RATER (SERVQUAL) dimension and example
phrases per language. Theme ids from an analyst's own codeframe (``FOOD#QUALITY``,
``Доставка``) are accepted as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from voc.errors import VocError

JOURNEY_STAGES = ("discover", "purchase", "deliver", "use", "support", "pay", "retain", "visit")
RATER_DIMENSIONS = ("reliability", "assurance", "tangibles", "empathy", "responsiveness")
NO_THEME = "none"
_ID_FORBIDDEN = re.compile(r"[;:\s]")


@dataclass(frozen=True)
class Theme:
    """One theme of the codeframe."""

    id: str
    name: str
    description: str = ""
    journey_stage: str | None = None
    rater: str | None = None
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    origin: str = "default"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.journey_stage:
            out["journey_stage"] = self.journey_stage
        if self.rater:
            out["rater"] = self.rater
        out["description"] = self.description
        if self.origin != "default":
            out["origin"] = self.origin
        if self.examples:
            out["examples"] = {lang: list(ex) for lang, ex in sorted(self.examples.items())}
        return out


def _check_id(theme_id: str, where: str) -> None:
    if not theme_id or _ID_FORBIDDEN.search(theme_id) or theme_id == NO_THEME:
        raise VocError(
            expected=f"a theme id without spaces, ';' or ':' and not '{NO_THEME}' ({where})",
            found=repr(theme_id),
            fix="use a slug such as 'delivery_speed' or a codeframe code such as 'FOOD#QUALITY'",
        )


@dataclass(frozen=True)
class Taxonomy:
    """An ordered, versioned set of themes."""

    themes: tuple[Theme, ...]
    version: str = "1.0"
    name: str = "default"

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for i, theme in enumerate(self.themes):
            _check_id(theme.id, f"theme #{i + 1}")
            if theme.id in seen:
                raise VocError(
                    expected="unique theme ids",
                    found=f"theme id {theme.id!r} twice",
                    fix="rename or merge the duplicate theme",
                )
            seen.add(theme.id)

    def __len__(self) -> int:
        return len(self.themes)

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __contains__(self, theme_id: object) -> bool:
        return any(t.id == theme_id for t in self.themes)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise VocError(
            expected=f"a theme id of taxonomy {self.name!r}",
            found=repr(theme_id),
            fix=f"use one of: {', '.join(self.ids)}",
        )

    def names(self) -> dict[str, str]:
        """Theme id -> display name."""
        return {t.id: t.name for t in self.themes}

    def with_theme(self, theme: Theme) -> Taxonomy:
        """A copy with ``theme`` added at the end (or replacing, in place, the theme with the
        same id)."""
        if theme.id in self:
            themes = [theme if t.id == theme.id else t for t in self.themes]
        else:
            themes = [*self.themes, theme]
        return replace(self, themes=tuple(themes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "themes": [t.to_dict() for t in self.themes],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "taxonomy") -> Taxonomy:
        if not isinstance(data, Mapping) or not isinstance(data.get("themes"), list):
            raise VocError(
                expected=f"a mapping with a 'themes' list in {source}",
                found=type(data).__name__ if not isinstance(data, Mapping) else "no 'themes' list",
                fix="start the file with 'themes:' followed by '- id: ...' entries",
            )
        themes = []
        for i, raw in enumerate(data["themes"]):
            if not isinstance(raw, Mapping) or raw.get("id") is None:
                raise VocError(
                    expected=f"theme #{i + 1} in {source} to be a mapping with an 'id'",
                    found=repr(raw)[:80],
                    fix="give every theme at least 'id' and 'name'",
                )
            examples = raw.get("examples") or {}
            if not isinstance(examples, Mapping):
                raise VocError(
                    expected=f"'examples' of theme {raw['id']!r} as a mapping language -> list",
                    found=type(examples).__name__,
                    fix="write examples as  examples: {en: [...], ru: [...]}",
                )
            for lang, phrases in examples.items():
                if not isinstance(phrases, list | tuple):
                    raise VocError(
                        expected=f"examples[{lang!r}] of theme {raw['id']!r} as a list of phrases",
                        found=repr(phrases)[:80],
                        fix=f"write each example on its own '- ' line under '{lang}:'",
                    )
            themes.append(
                Theme(
                    id=str(raw["id"]),
                    name=str(raw.get("name") or raw["id"]),
                    description=str(raw.get("description") or ""),
                    journey_stage=raw.get("journey_stage"),
                    rater=raw.get("rater"),
                    examples={str(k): tuple(str(x) for x in v) for k, v in examples.items()},
                    origin=str(raw.get("origin") or "default"),
                )
            )
        return cls(
            themes=tuple(themes),
            version=str(data.get("version", "1.0")),
            name=str(data.get("name", "default")),
        )

    @classmethod
    def load(cls, path: str | Path) -> Taxonomy:
        """Read a taxonomy YAML file (safe loader; no Python objects)."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise VocError(
                expected="a taxonomy YAML file", found=f"no file at {path}",
                fix="check the path",
            ) from exc
        except yaml.YAMLError as exc:
            raise VocError(
                expected="valid YAML", found=f"a YAML error in {path}: {exc}",
                fix="fix the indentation or quoting at the reported line",
            ) from exc
        return cls.from_dict(data, source=str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(
            yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
