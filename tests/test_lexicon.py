"""Tests for voc.lexicon: negation-aware lexicon scores and features.

Most tests use small lexicons written to a temporary directory (``builtins=False`` unless the
test is about VADER), so they don't depend on the shipped files; the checks on the shipped
lexicons skip while those files are absent.
"""

from __future__ import annotations

import math
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voc.errors import VocError
from voc.lexicon import ALPHA, LEXICON_DIR, MASS_SCALE, LexiconScorer

LEXICONS = {
    "en": (
        "term\tvalence\n"
        "good\t1.9\n"
        "bad\t-2.5\n"
        "late\t-2.0\n"
        "problems\t-1.7\n"
        "no\t-1.2\n"
        "no problem\t2.0\n"
        "can't stand\t-2.0\n"
        "helpful\t1.8\n"
        "like\t0\n"
        ":)\t2.0\n"
        "👍\t2.0\n",
        "term\ttype\tvalue\n"
        "not\tnegator\t-0.74\n"
        "no\tnegator\t-0.74\n"
        "never\tnegator\t-0.74\n"
        "very\tintensifier\t1.3\n"
        "slightly\tdiminisher\t0.7\n",
    ),
    "ru": (
        "term\tvalence\nплох*\t-2.5\nплохо обслужили\t-3.0\nхорош*\t2.0\nмедленн*\t-1.5\nок\t1.0\n",
        "term\ttype\tvalue\nне\tnegator\t-0.74\nочень\tintensifier\t1.3\nнемного\tdiminisher\t0.7\n",
    ),
    "pl": (
        "term\tvalence\n# a comment line\nźle\t-2.0\nwoln*\t-1.5\nzawiedli\t-2.0\n"
        "świetn*\t3.0\nsuper\t2.5\n",
        "term\ttype\tvalue\nnie\tnegator\t-0.74\nnigdy\tnegator\t-0.74\n"
        "bardzo\tintensifier\t1.3\nsuper\tintensifier\t1.3\n",
    ),
    "zh": (
        "term\tvalence\n差\t-2.0\n好\t2.0\n不错\t2.0\n推荐\t2.0\n毛病\t-1.5\n值\t1.0\n"
        "不值这个价\t-2.5\n拉胯\t-2.0\n问题\t-1.5\n有问题\t-2.0\n",
        "term\ttype\tvalue\n不\tnegator\t-0.74\n没\tnegator\t-0.74\n没有\tnegator\t-0.74\n"
        "很\tintensifier\t1.3\n"
        "有点\tdiminisher\t0.7\n",
    ),
}


def _write_lexicons(directory: Path) -> Path:
    for lang, (lexicon, modifiers) in LEXICONS.items():
        (directory / f"{lang}.tsv").write_text(lexicon, encoding="utf-8")
        (directory / f"{lang}.modifiers.tsv").write_text(modifiers, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def lexdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_lexicons(tmp_path_factory.mktemp("lexicons"))


@pytest.fixture(scope="module")
def scorer(lexdir: Path) -> LexiconScorer:
    return LexiconScorer(lexdir, builtins=False)


def norm(s: float) -> float:
    return s / math.sqrt(s * s + ALPHA)


# --------------------------------------------------------------------------------------------
# Scoring rules
# --------------------------------------------------------------------------------------------


def test_single_word_uses_vader_normalisation(scorer: LexiconScorer) -> None:
    assert scorer.score("good", "en") == pytest.approx(norm(1.9))
    assert scorer.score("The staff were bad", "en") == pytest.approx(norm(-2.5))
    assert scorer.score("nothing to see here", "en") == 0.0


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("not good", "en", norm(1.9 * -0.74)),
        ("not bad at all", "en", norm(-2.5 * -0.74)),
        ("never late", "en", norm(-2.0 * -0.74)),
        ("не плохо", "ru", norm(-2.5 * -0.74)),
        ("nie jest źle", "pl", norm(-2.0 * -0.74)),  # "jest" sits inside the 3-token window
        ("不推荐", "zh", norm(2.0 * -0.74)),  # jieba: 不 | 推荐
    ],
)
def test_negation_flips_and_damps(scorer: LexiconScorer, text: str, lang: str, expected: float):
    assert scorer.score(text, lang) == pytest.approx(expected)
    assert scorer.features([text], [lang])[0, 3] == 1.0


def test_negation_window_is_three_tokens(scorer: LexiconScorer) -> None:
    assert scorer.score("not really that good", "en") < 0  # good is 3 tokens after "not"
    assert scorer.score("not really that very good", "en") > 0  # 4 tokens: out of scope


def test_negation_stops_at_punctuation_and_contrast(scorer: LexiconScorer) -> None:
    assert scorer.score("not late, good", "en") == pytest.approx(norm(2.0 * 0.74 + 1.9))
    assert scorer.score("nie, źle", "pl") < 0
    assert scorer.score("not fast but bad", "en") == pytest.approx(norm(-2.5))


def test_only_the_nearest_negator_applies(scorer: LexiconScorer) -> None:
    # double negation: "nigdy nie zawiedli" (never let us down) is positive
    assert scorer.score("nigdy nie zawiedli", "pl") == pytest.approx(norm(-2.0 * -0.74))
    assert scorer.score("not never late", "en") == pytest.approx(norm(-2.0 * -0.74))


def test_intensifiers_and_diminishers(scorer: LexiconScorer) -> None:
    assert scorer.score("очень медленно", "ru") == pytest.approx(norm(-1.5 * 1.3))
    assert scorer.score("bardzo wolna dostawa", "pl") == pytest.approx(norm(-1.5 * 1.3))
    assert scorer.score("немного медленно", "ru") == pytest.approx(norm(-1.5 * 0.7))
    assert scorer.score("not very good", "en") == pytest.approx(norm(1.9 * 1.3 * -0.74))
    # reaches 2 tokens, and only the next sentiment word
    assert scorer.score("very, very good", "en") == pytest.approx(norm(1.9 * 1.3))
    assert scorer.score("very good and helpful", "en") == pytest.approx(norm(1.9 * 1.3 + 1.8))


def test_phrases_win_longest_first(scorer: LexiconScorer) -> None:
    assert scorer.score("no problem", "en") == pytest.approx(norm(2.0))
    assert scorer.score("I can't stand it", "en") == pytest.approx(norm(-2.0))
    assert scorer.score("плохо обслужили", "ru") == pytest.approx(norm(-3.0))


def test_prefix_entries_need_three_characters(scorer: LexiconScorer) -> None:
    assert scorer.score("плохая", "ru") == pytest.approx(norm(-2.5))
    assert scorer.score("świetna obsługa", "pl") == pytest.approx(norm(3.0))
    assert scorer.score("ок", "ru") == pytest.approx(norm(1.0))  # exact entry, 2 letters


def test_zero_valence_entry_is_neutral(scorer: LexiconScorer) -> None:
    assert scorer.score("I like it", "en") == 0.0
    assert scorer.score("very like good", "en") == pytest.approx(norm(1.9 * 1.3))


def test_dual_modifier_and_sentiment_term(scorer: LexiconScorer) -> None:
    """ "no" negates a following sentiment word, otherwise it is a (negative) word itself."""
    assert scorer.score("no problems", "en") == pytest.approx(norm(-1.7 * -0.74))
    assert scorer.score("No.", "en") == pytest.approx(norm(-1.2))
    assert scorer.score("Super sklep", "pl") == pytest.approx(norm(2.5))
    assert scorer.score("super świetna", "pl") == pytest.approx(norm(3.0 * 1.3))


def test_caps_and_exclamations(scorer: LexiconScorer) -> None:
    assert scorer.score("The food was GOOD", "en") == pytest.approx(norm(1.9 * 1.2))
    assert scorer.score("GOOD", "en") == pytest.approx(norm(1.9))  # no contrast: no emphasis
    assert scorer.score("Очень ПЛОХО было", "ru") == pytest.approx(norm(-2.5 * 1.2 * 1.3))
    assert scorer.score("good!!", "en") == pytest.approx(norm(1.9 + 2 * 0.292))
    assert scorer.score("bad!!!!!!!", "en") == pytest.approx(norm(-2.5 - 4 * 0.292))
    assert scorer.score("ok then!!!", "en") == 0.0


def test_emoticons_emoji_and_apostrophes(scorer: LexiconScorer) -> None:
    assert scorer.score("thanks :)", "en") == pytest.approx(norm(2.0))
    assert scorer.score("thanks :).", "en") == pytest.approx(norm(2.0))
    assert scorer.score("👍👍", "en") == pytest.approx(norm(4.0))
    assert scorer.score("I can’t stand it", "en") == pytest.approx(norm(-2.0))


def test_english_nt_suffix_is_a_negator(scorer: LexiconScorer) -> None:
    assert scorer.score("wasn't good", "en") == pytest.approx(norm(1.9 * -0.74))
    assert scorer.score("It didn’t arrive late", "en") > 0


def test_chinese_fused_negation_and_modifiers(scorer: LexiconScorer) -> None:
    assert scorer.score("不好", "zh") == pytest.approx(norm(2.0 * -0.74))  # jieba: 不好
    assert scorer.score("不差", "zh") > 0
    assert scorer.score("没毛病", "zh") > 0
    assert scorer.score("东西不错", "zh") == pytest.approx(norm(2.0))  # fused entry as-is
    assert scorer.score("服务很差", "zh") == pytest.approx(norm(-2.0 * 1.3))  # 很差 = 很 + 差
    assert scorer.score("有点差", "zh") == pytest.approx(norm(-2.0 * 0.7))
    assert scorer.features(["不好"], ["zh"])[0, 3] == 1.0
    assert scorer.features(["不错"], ["zh"])[0, 3] == 0.0


def test_chinese_substring_phrases_are_counted_once(scorer: LexiconScorer) -> None:
    # "不值" inside the phrase would be a negated 值 on its own: it must not count again
    assert scorer.score("真的不值这个价", "zh") == pytest.approx(norm(-2.5))
    assert scorer.features(["真的不值这个价"], ["zh"])[0, 3] == 0.0
    # matches start at token boundaries: 没有|问题 is not read as 没 + 有问题
    assert scorer.score("没有问题", "zh") == pytest.approx(norm(-1.5 * -0.74))
    assert scorer.score("还是有问题", "zh") == pytest.approx(norm(-2.0))
    # a 2-character term jieba doesn't know is found as a substring too
    assert scorer.score("质量太拉胯了", "zh") < 0


def test_features_definition(scorer: LexiconScorer) -> None:
    x = scorer.features(["good but not good", "bad", "", "xyz"], ["en", "en", "en", "en"])
    assert x.dtype == np.float32 and x.shape == (4, LexiconScorer.N_FEATURES)
    p, q = 1.9, 1.9 * 0.74
    # "but" is a boundary, not a weight: the clause sums both parts
    assert x[0, 0] == pytest.approx(norm(p - q), abs=1e-6)
    assert x[0, 1] == pytest.approx(p / (p + MASS_SCALE))
    assert x[0, 2] == pytest.approx(q / (q + MASS_SCALE))
    assert x[0, 3] == 1.0
    assert x[1].tolist() == pytest.approx([norm(-2.5), 0.0, 2.5 / (2.5 + MASS_SCALE), 0.0])
    assert not x[2:].any()
    assert LexiconScorer.FEATURE_NAMES[0] == "lex_score"
    assert len(LexiconScorer.FEATURE_NAMES) == LexiconScorer.N_FEATURES


def test_features_match_score_and_batches(scorer: LexiconScorer) -> None:
    texts = ["not bad", "очень медленно", "nie jest źle", "服务很差", "gut", None, float("nan")]
    langs = ["en", "ru", "pl", "zh", "de", "en", "en"]
    x = scorer.features(texts, langs)  # type: ignore[arg-type]
    for row, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        assert x[row, 0] == pytest.approx(scorer.score(text, lang), abs=1e-6)  # type: ignore[arg-type]
        assert np.array_equal(x[row], scorer.features([text], [lang])[0])  # type: ignore[list-item]
    assert np.array_equal(
        scorer.features(["good", "bad"], "en"), scorer.features(["good", "bad"], ["en", "en"])
    )
    with pytest.raises(ValueError, match="one language per text"):
        scorer.features(["a", "b"], ["en"])
    assert scorer.features([], []).shape == (0, LexiconScorer.N_FEATURES)


@pytest.mark.parametrize("language", ["de", "unknown", "", "../en", "xx-YY", None])
def test_languages_without_lexicon_give_zeros(scorer: LexiconScorer, language: object) -> None:
    assert scorer.score("good bad", language) == 0.0  # type: ignore[arg-type]
    assert not scorer.features(["good bad"], [language]).any()  # type: ignore[list-item]


def test_language_codes_are_normalised(scorer: LexiconScorer) -> None:
    assert scorer.score("good", "EN") == scorer.score("good", "en-GB") == scorer.score("good", "en")
    assert scorer.score("好", "zh_Hans") == pytest.approx(norm(2.0))


def test_languages_argument_restricts_and_loads_eagerly(lexdir: Path, tmp_path: Path) -> None:
    only_ru = LexiconScorer(lexdir, languages=["ru"], builtins=False)
    assert only_ru.score("good", "en") == 0.0
    assert only_ru.score("плохо", "ru") < 0
    assert only_ru.available_languages() == ["ru"]
    (tmp_path / "ru.tsv").write_text("term\tvalence\nплохо\tminus two\n", encoding="utf-8")
    with pytest.raises(VocError):
        LexiconScorer(tmp_path, languages=["ru"])
    lazy = LexiconScorer(tmp_path)  # nothing is read until ru is used
    with pytest.raises(VocError):
        lazy.score("плохо", "ru")


def test_available_languages(lexdir: Path) -> None:
    assert LexiconScorer(lexdir, builtins=False).available_languages() == ["en", "pl", "ru", "zh"]


def test_english_builtins_come_from_vader(tmp_path: Path, lexdir: Path) -> None:
    pytest.importorskip("vaderSentiment")
    vader_only = LexiconScorer(tmp_path)  # no files at all
    assert vader_only.score("The support was helpful", "en") > 0
    assert vader_only.score("not good", "en") < 0
    assert vader_only.score("doesn't work, terrible", "en") < 0
    assert vader_only.score("extremely good", "en") > vader_only.score("good", "en")
    assert vader_only.score("hola", "es") == 0.0
    merged = LexiconScorer(lexdir)  # our en.tsv wins over VADER
    assert merged.score("like", "en") == 0.0
    assert merged.score("late", "en") == pytest.approx(norm(-2.0))
    assert merged.score("terrible", "en") < 0  # still there from VADER


# --------------------------------------------------------------------------------------------
# Lexicon file errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("ru.tsv", "term\tvalence\nхорошо\t2\nплохо\n", 3),
        ("ru.tsv", "term\tvalence\nплохо\t-9\n", 2),
        ("ru.tsv", "term\tvalence\nплохо\tnan\n", 2),
        ("ru.tsv", "word\tscore\nплохо\t-2\n", 1),
        ("ru.tsv", "term\tvalence\nпл*охо\t-2\n", 2),
        ("ru.tsv", "term\tvalence\nп*\t-2\n", 2),
        ("ru.modifiers.tsv", "term\ttype\tvalue\nне\tflipper\t-0.74\n", 2),
        ("ru.modifiers.tsv", "term\ttype\tvalue\nочень\tintensifier\t0.5\n", 2),
        ("ru.modifiers.tsv", "term\ttype\tvalue\nне\tnegator\n", 2),
    ],
)
def test_malformed_lines_raise_with_file_and_line(
    tmp_path: Path, name: str, content: str, line: int
) -> None:
    (tmp_path / "ru.tsv").write_text("term\tvalence\nхорошо\t2\n", encoding="utf-8")
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(VocError) as info:
        LexiconScorer(tmp_path, builtins=False).score("хорошо", "ru")
    message = str(info.value)
    assert f"{name}, line {line}" in message
    assert "Expected" in message and "How to fix" in message


def test_non_utf8_file_raises(tmp_path: Path) -> None:
    (tmp_path / "pl.tsv").write_bytes("term\tvalence\nźle\t-2\n".encode("cp1250"))
    with pytest.raises(VocError, match="UTF-8"):
        LexiconScorer(tmp_path).score("źle", "pl")


def test_tolerated_file_details(tmp_path: Path) -> None:
    """BOM, CRLF, blank lines, comments, trailing tabs, case and later duplicates."""
    (tmp_path / "pl.tsv").write_bytes(
        "\ufeffTerm\tValence\r\n\r\n# comment\r\nDobrze\t1.0\t\r\ndobrze\t2.0\r\n".encode()
    )
    assert LexiconScorer(tmp_path, builtins=False).score("dobrze", "pl") == pytest.approx(norm(2))


# --------------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------------


def test_thread_safe_lazy_loading(lexdir: Path) -> None:
    texts = ["not bad", "очень медленно", "nie jest źle", "服务很差"] * 50
    langs = ["en", "ru", "pl", "zh"] * 50
    expected = LexiconScorer(lexdir, builtins=False).features(texts, langs)
    shared = LexiconScorer(lexdir, builtins=False)
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(shared.features(texts, langs))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(np.array_equal(r, expected) for r in results)


def test_pickle_round_trip(scorer: LexiconScorer) -> None:
    clone = pickle.loads(pickle.dumps(scorer))
    assert clone.score("nie jest źle", "pl") == scorer.score("nie jest źle", "pl")
    assert "LexiconScorer(" in repr(clone)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(
        st.one_of(
            st.text(st.characters(codec="utf-8"), max_size=4),
            st.sampled_from([*"!,. *'’ABCZ", *"不没很好差值拉胯"]),
            st.sampled_from(["not ", "no ", "very ", "good ", "BAD ", "не ", "плохо ", "nie "]),
        ),
        max_size=15,
    ).map("".join),
    language=st.sampled_from(["en", "ru", "pl", "zh", "de", "unknown"]),
)
def test_score_is_bounded_and_finite(scorer: LexiconScorer, text: str, language: str) -> None:
    value = scorer.score(text, language)
    assert math.isfinite(value) and -1.0 <= value <= 1.0
    x = scorer.features([text, text], [language, language])
    assert x.shape == (2, LexiconScorer.N_FEATURES) and x.dtype == np.float32
    assert np.isfinite(x).all()
    assert (x[:, 1:3] >= 0).all() and (x[:, 1:3] < 1).all()
    assert set(x[:, 3].tolist()) <= {0.0, 1.0}
    assert x[0, 0] == pytest.approx(value, abs=1e-6)


# --------------------------------------------------------------------------------------------
# The shipped lexicons (skipped while the files are absent)
# --------------------------------------------------------------------------------------------

REAL_CASES = [
    ("en", "not bad at all", 1),
    ("en", "not good", -1),
    ("en", "delivery was late", -1),
    ("ru", "не плохо", 1),
    ("ru", "очень медленно", -1),
    ("pl", "nie jest źle", 1),
    ("pl", "bardzo wolna dostawa", -1),
    ("zh", "不差", 1),
    ("zh", "服务很差", -1),
    ("zh", "没毛病", 1),
    ("zh", "不推荐", -1),
]


@pytest.fixture(scope="module")
def shipped() -> LexiconScorer:
    return LexiconScorer()


@pytest.mark.parametrize(("lang", "text", "sign"), REAL_CASES)
def test_shipped_lexicons(shipped: LexiconScorer, lang: str, text: str, sign: int) -> None:
    if not (LEXICON_DIR / f"{lang}.tsv").is_file():
        pytest.skip(f"{LEXICON_DIR / f'{lang}.tsv'} is not there yet")
    assert np.sign(shipped.score(text, lang)) == sign


def test_shipped_lexicons_parse() -> None:
    if not LEXICON_DIR.is_dir():
        pytest.skip(f"{LEXICON_DIR} is not there yet")
    scorer = LexiconScorer()
    langs = scorer.available_languages()
    x = scorer.features(["ok"] * len(langs), langs)  # loads (and validates) every file
    assert x.shape == (len(langs), LexiconScorer.N_FEATURES)
