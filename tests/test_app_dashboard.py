"""App tests of the Dashboard and Verbatims pages: filters, click-through, highlighting."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
import test_app_common as common
from test_app_common import (
    SMALL_ROWS,
    assert_clean,
    button,
    charts,
    metrics,
    small_sample,
    start,
)

app_env = common.app_env  # the fixture (a fresh workspace and a small sample)

pytestmark = pytest.mark.slow


def _sample() -> pd.DataFrame:
    return small_sample()


def _cards(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The verbatim cards' HTML (theme chips + highlighted text)."""
    return [m.value for m in at.markdown if 'class="voc-text"' in m.value]


def test_filters_apply_to_every_chart_and_persist(app_env: Path) -> None:
    at = start()
    sample = _sample()
    language = at.sidebar.multiselect(key="f_language")
    assert set(language.options) >= {"English (en)", "Russian (ru)"}
    segment = at.sidebar.multiselect(key="f_segment")
    wanted = sample["segment"].value_counts().index[0]
    segment.set_value([wanted]).run()
    assert_clean(at)
    n = int((sample["segment"] == wanted).sum())
    assert metrics(at)["Comments"] == str(n)
    shown = charts(at)
    scored = sample.loc[(sample["segment"] == wanted) & (sample["nps"] != ""), "nps"]
    assert sum(sum(t["y"]) for t in shown["Score distribution"]["data"]) == len(scored)
    assert "of 40 comments" in at.caption[0].value
    # the period filter (months of the dates)
    first = at.sidebar.selectbox(key="f_period_from").options[0]
    at.sidebar.selectbox(key="f_period_to").set_value(first).run()
    assert_clean(at)
    dates = pd.to_datetime(sample["submitted_at"])
    in_month = (dates.dt.strftime("%Y-%m") == first) & (sample["segment"] == wanted)
    assert metrics(at)["Comments"] == str(int(in_month.sum()))
    # filters carry over to another page and back
    at.switch_page("app_pages/verbatims.py").run()
    assert at.sidebar.multiselect(key="f_segment").value == [wanted]
    at.switch_page("app_pages/dashboard.py").run()
    assert at.sidebar.multiselect(key="f_segment").value == [wanted]
    assert metrics(at)["Comments"] == str(int(in_month.sum()))
    at.button(key="f_clear").click().run()
    assert metrics(at)["Comments"] == str(SMALL_ROWS)


def test_no_match_says_what_to_do(app_env: Path) -> None:
    at = start()
    sample = _sample()
    pairs = set(zip(sample["segment"], sample["channel"], strict=True))
    segment, channel = next((s, c) for s in sorted(set(sample["segment"]))
                            for c in sorted(set(sample["channel"])) if (s, c) not in pairs)
    at.sidebar.multiselect(key="f_segment").set_value([segment]).run()
    at.sidebar.multiselect(key="f_channel").set_value([channel]).run()
    assert_clean(at)
    assert any("No comment matches these filters" in i.value for i in at.info)
    assert not at.metric


def test_click_a_driver_to_read_its_comments(app_env: Path) -> None:
    at = start()
    read = button(at, "Read: ")
    theme_name = read.label.removeprefix("Read: ").rsplit(" (", 1)[0]
    count = int(read.label.rsplit("(", 1)[1].rstrip(")").replace(",", ""))
    read.click().run()
    assert_clean(at)
    assert at.title[0].value == "Verbatims"
    theme = at.multiselect(key="v_theme")
    assert len(theme.value) == 1
    assert any(f"**{count:,} comments** match" in m.value for m in at.markdown)
    cards = _cards(at)
    assert len(cards) == count and all(f"{html.escape(theme_name)} · " in c for c in cards)
    assert all('<mark class="voc-evidence"' in c for c in cards)
    assert any("3px solid" in c for c in cards)  # the clicked theme's clause is emphasised


def test_verbatim_filters_search_and_pages(app_env: Path) -> None:
    at = start()
    sample = _sample()
    with_text = int(metrics(at)["With text"])
    at.switch_page("app_pages/verbatims.py").run()
    assert any(f"**{with_text:,} comments** match" in m.value for m in at.markdown)
    assert len(_cards(at)) == 20
    at.number_input(key="v_page").set_value(2).run()
    assert len(_cards(at)) == with_text - 20
    word = "delivery"
    at.text_input(key="v_search").input(word).run()
    assert_clean(at)
    cards = _cards(at)
    expected = int(sample["comment"].str.lower().str.contains(word).sum())
    assert len(cards) == expected > 0
    assert all(word in c.lower() for c in cards)
    at.text_input(key="v_search").input("").run()
    at.multiselect(key="v_sentiment").set_value(["negative"]).run()
    at.multiselect(key="v_band").set_value(["promoter"]).run()
    assert_clean(at)
    metas = [m.value for m in at.markdown if 'class="voc-meta"' in m.value]
    assert all("overall negative" in m for m in metas)
    assert all(float(m.split("score ")[1].split(" ")[0]) >= 9 for m in metas)
    at.text_input(key="v_search").input("zzzz-not-there").run()
    assert any("No comment matches" in i.value for i in at.info)
