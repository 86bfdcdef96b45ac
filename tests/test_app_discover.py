"""App test of the Discover page (theme discovery on the analyzed sample)."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_app_common as common
from test_app_common import assert_clean, close_workspace, start

from voc.store import Workspace

app_env = common.app_env  # the fixture (a fresh workspace and a small sample)

pytestmark = pytest.mark.slow


def test_find_themes_read_one_and_add_it(app_env: Path) -> None:
    at = start("discover")
    assert at.title[0].value == "Discover"
    assert any("click **Find themes**" in i.value for i in at.info)  # says what to do
    at.radio(key="disc_scope").set_value("all").run()
    at.toggle(key="disc_auto").set_value(False).run()
    at.number_input(key="disc_n").set_value(4).run()
    at.button(key="disc_run").click().run()
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "label" in d.value.columns)
    assert len(table) == 4 and table["size"].sum() > 40
    quotes = next(d.value for d in at.dataframe if "sentence" in d.value.columns)
    assert 0 < len(quotes) <= 15
    at.text_input(key=f"disc_name_{at.selectbox(key='disc_pick').value}").input("Parcel lockers")
    next(b for b in at.button if b.label == "Add as a theme").click().run()
    assert_clean(at)
    assert at.success and "parcel\\_lockers" in at.success[0].value
    close_workspace(app_env)
    with Workspace(app_env, read_only=True) as ws:
        assert ws.themes()["theme_id"].tolist() == ["parcel_lockers"]
