"""Tests for voc.taxonomy: the shipped codeframe, validation of ids and files, YAML round trip."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from voc.errors import VocError
from voc.taxonomy import JOURNEY_STAGES, NO_THEME, RATER_DIMENSIONS, Taxonomy, Theme

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "models" / "default"
REQUIRED_LANGUAGES = ("en", "ru", "pl", "zh")


def _shipped_taxonomy_path() -> Path:
    version = (SHIPPED / "LATEST").read_text(encoding="utf-8").strip()
    return SHIPPED / version / "taxonomy.yaml"


@pytest.fixture(scope="module")
def shipped() -> Taxonomy:
    return Taxonomy.load(_shipped_taxonomy_path())


def _assert_helpful(err: VocError) -> None:
    assert err.expected and err.found and err.fix
    msg = str(err)
    assert "Expected" in msg and "How to fix" in msg


# ------------------------------------------------------------------------------------------
# The shipped taxonomy
# ------------------------------------------------------------------------------------------


def test_shipped_taxonomy_size_and_ids(shipped: Taxonomy) -> None:
    assert len(shipped) >= 18
    assert len(set(shipped.ids)) == len(shipped.ids)
    for theme_id in shipped.ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", theme_id), theme_id


def test_shipped_themes_are_complete(shipped: Taxonomy) -> None:
    for theme in shipped:
        assert theme.name.strip(), theme.id
        assert len(theme.description.strip()) >= 20, theme.id
        assert theme.journey_stage in JOURNEY_STAGES, (theme.id, theme.journey_stage)
        assert theme.rater in RATER_DIMENSIONS, (theme.id, theme.rater)
        for lang in REQUIRED_LANGUAGES:
            examples = theme.examples.get(lang, ())
            assert len(examples) >= 1, (theme.id, lang)
            assert all(isinstance(e, str) and e.strip() for e in examples), (theme.id, lang)


def test_shipped_examples_are_not_split_into_characters(shipped: Taxonomy) -> None:
    for theme in shipped:
        for lang, examples in theme.examples.items():
            assert sum(len(e) for e in examples) / len(examples) > 3, (theme.id, lang)


def test_shipped_taxonomy_matches_the_theme_head(shipped: Taxonomy) -> None:
    import json

    meta = json.loads((_shipped_taxonomy_path().parent / "model.json").read_text("utf-8"))
    assert meta["heads"]["themes"]["classes"] == shipped.ids


# ------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["delivery speed", "a;b", "a:b", NO_THEME, "", "tab\there",
                                 "line\nbreak"])
def test_invalid_ids_rejected(bad: str) -> None:
    with pytest.raises(VocError) as info:
        Taxonomy((Theme(bad, "X"),))
    _assert_helpful(info.value)
    assert repr(bad) in info.value.found


@pytest.mark.parametrize("good", ["delivery_speed", "FOOD#QUALITY", "Доставка", "物流", "a-b.c"])
def test_codeframe_ids_accepted(good: str) -> None:
    assert Taxonomy((Theme(good, "X"),)).ids == [good]


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(VocError) as info:
        Taxonomy((Theme("a", "A"), Theme("b", "B"), Theme("a", "A again")))
    _assert_helpful(info.value)
    assert "'a'" in info.value.found


def test_invalid_id_in_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("themes:\n- id: ok\n- id: not ok\n", encoding="utf-8")
    with pytest.raises(VocError) as info:
        Taxonomy.load(path)
    _assert_helpful(info.value)
    assert "theme #2" in info.value.expected


@pytest.mark.parametrize(
    "text",
    [
        "themes:\n  - id: a\n   name: b\n",  # bad indentation
        "themes: [unclosed\n",
        'themes:\n- id: "a\n',
    ],
)
def test_malformed_yaml(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VocError) as info:
        Taxonomy.load(path)
    _assert_helpful(info.value)
    assert "YAML" in info.value.expected
    assert str(path) in info.value.found


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "NoneType"),
        ("- a\n- b\n", "list"),
        ("name: x\n", "no 'themes' list"),
        ("themes: {a: 1}\n", "no 'themes' list"),
        ("themes:\n- just a string\n", "just a string"),
        ("themes:\n- name: no id\n", "no id"),
        ("themes:\n- id:\n  name: empty id\n", "empty id"),
        ("themes:\n- id: a\n  examples: [x, y]\n", "list"),
        ("themes:\n- id: a\n  examples:\n    en: one phrase only\n", "one phrase only"),
        ("themes:\n- id: a\n  examples:\n    en:\n", "None"),
    ],
)
def test_malformed_structure(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VocError) as info:
        Taxonomy.load(path)
    _assert_helpful(info.value)
    assert where in info.value.found


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VocError) as info:
        Taxonomy.load(tmp_path / "nope.yaml")
    _assert_helpful(info.value)
    assert "nope.yaml" in info.value.found


def test_yaml_python_tags_are_not_executed(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("themes: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(VocError):
        Taxonomy.load(path)


# ------------------------------------------------------------------------------------------
# Round trip and editing
# ------------------------------------------------------------------------------------------


def _sample() -> Taxonomy:
    return Taxonomy(
        themes=(
            Theme("delivery", "Delivery", "Speed of delivery", "deliver", "reliability",
                  {"en": ("late parcel", "fast shipping"), "zh": ("物流太慢",)}),
            Theme("FOOD#QUALITY", "Food quality", "", None, None, {}, origin="analyst"),
            Theme("Доставка", "Доставка", "по-русски", "deliver", None,
                  {"ru": ("курьер опоздал",)}),
        ),
        version="2.3",
        name="mine",
    )


def test_save_load_round_trip(tmp_path: Path) -> None:
    tax = _sample()
    path = tmp_path / "tax.yaml"
    tax.save(path)
    loaded = Taxonomy.load(path)
    assert loaded == tax
    assert loaded.ids == tax.ids
    assert loaded.version == "2.3" and loaded.name == "mine"
    assert loaded.get("FOOD#QUALITY").origin == "analyst"
    assert loaded.get("delivery").examples["en"] == ("late parcel", "fast shipping")
    # human-editable: unicode is written as is
    text = path.read_text(encoding="utf-8")
    assert "物流太慢" in text and "курьер опоздал" in text
    assert yaml.safe_load(text)["themes"][0]["id"] == "delivery"


def test_round_trip_of_shipped(shipped: Taxonomy, tmp_path: Path) -> None:
    shipped.save(tmp_path / "t.yaml")
    assert Taxonomy.load(tmp_path / "t.yaml") == shipped


def test_lookup_helpers() -> None:
    tax = _sample()
    assert "delivery" in tax and "nope" not in tax
    assert tax.names()["delivery"] == "Delivery"
    assert [t.id for t in tax] == tax.ids
    with pytest.raises(VocError) as info:
        tax.get("nope")
    assert "delivery" in info.value.fix


def test_name_defaults_to_id() -> None:
    tax = Taxonomy.from_dict({"themes": [{"id": 42}]})
    assert tax.ids == ["42"] and tax.get("42").name == "42"


def test_with_theme_adds_at_end_without_mutating() -> None:
    tax = _sample()
    new = tax.with_theme(Theme("price", "Price"))
    assert new.ids == [*tax.ids, "price"]
    assert "price" not in tax  # the original is unchanged
    assert new.version == tax.version and new.name == tax.name


def test_with_theme_replaces_in_place() -> None:
    tax = _sample()
    new = tax.with_theme(Theme("delivery", "Shipping", "renamed"))
    assert new.ids == tax.ids  # order kept: outputs list themes in taxonomy order
    assert new.get("delivery").name == "Shipping"
    assert tax.get("delivery").name == "Delivery"


def test_with_theme_validates() -> None:
    with pytest.raises(VocError):
        _sample().with_theme(Theme("bad id", "Bad"))
