"""The code panels send their code only once opened: a lesson's first view carries no source, opening a panel
shows the source in the chosen language's frame, the panel stays open while the student moves a control, and
closing it takes the code away again."""

from __future__ import annotations

import pytest
from apptest_helpers import CODE_PANELS, assert_clean, open_app

from ui import registry
from ui.code_panel import PANEL_KEY, choice_key
from ui.i18n import catalog

LESSON_PAGES = [known.name for known in registry.lessons()]


def python_code(at) -> list[str]:
    return [c.value for c in at.code if c.language == "python"]


def panel_labels(at) -> list[str]:
    return [e.label for e in at.expander]


@pytest.mark.parametrize("page", LESSON_PAGES)
def test_a_lessons_first_view_sends_no_code_and_opening_the_panel_sends_it(page):
    at = open_app(page, lang="ko")
    assert_clean(at)
    assert catalog("ko")["common.under_the_hood"] in panel_labels(at)  # the panel is there, closed
    assert python_code(at) == []
    assert not any(m.value.startswith("**`rnn_core.") for m in at.markdown)

    at.session_state[choice_key(PANEL_KEY)] = True  # the student opens it (what the expander's callback does)
    at.run()
    assert_clean(at)
    heads = [m.value for m in at.markdown if m.value.startswith("**`rnn_core.")]
    assert heads and len(heads) == len(python_code(at))  # each listed function with its source
    assert catalog("ko")["common.under_the_hood_caption"] in [c.value for c in at.caption]

    at.run()  # another run (a control moved): still open
    assert len(python_code(at)) == len(heads)
    at.session_state[choice_key(PANEL_KEY)] = False  # closed again: the code goes
    at.run()
    assert python_code(at) == []


def test_the_notes_code_is_sent_once_its_panel_is_opened_and_stays_open_across_a_language_switch():
    at = open_app("counting")
    assert catalog("en")["counting.note_code_title"] in panel_labels(at)
    assert python_code(at) == []
    for key in CODE_PANELS:
        at.session_state[choice_key(key)] = True
    at.run()
    assert len(python_code(at)) > 2  # the note's two versions and the functions under the hood
    shown = len(python_code(at))
    at.segmented_control(key="lang").set_value("ko").run()
    assert_clean(at)
    assert catalog("ko")["counting.note_code_title"] in panel_labels(at)
    assert len(python_code(at)) == shown  # still open: a student reading the code keeps reading it
