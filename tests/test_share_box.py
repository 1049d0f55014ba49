"""The share box (the sidebar's link to this view and its Reproduce script) is made once per full run, at its end
(ui.page.finish), however many fragments the page has; each fragment's own rerun makes it again
(tests/test_fragments.py checks that over the websocket protocol)."""

from __future__ import annotations

import pytest
from apptest_helpers import open_app

from ui import reproduce


@pytest.mark.parametrize("lesson", ["gradients", "optimizers"])  # five and four fragments
def test_a_full_run_makes_the_share_box_once_with_the_values_it_ended_with(lesson, monkeypatch, no_class):
    made = []
    original = reproduce.script
    monkeypatch.setattr(
        reproduce, "script", lambda page, values, link: made.append(values) or original(page, values, link)
    )
    at = open_app(page=lesson, lang="ko")
    assert not at.exception
    assert len(made) == 1
    shared = [m.value for m in at.sidebar.markdown if "lang=ko" in m.value]
    assert len(shared) == 1 and ":material/terminal:" in shared[0]  # the link, and the Reproduce script's
    at.run()  # and again at the next full run
    assert len(made) == 2
