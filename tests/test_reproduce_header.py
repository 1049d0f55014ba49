"""The "Reproduce in Python" script tells a student how to run it: the name it was downloaded under, and where
rnn_core comes from (ui/reproduce.py, lessons/*/reproduce.py)."""

from __future__ import annotations

import re

import pytest

from ui import registry, reproduce

LESSONS = [lesson.name for lesson in registry.pages() if lesson.reproduce is not None]


def test_every_lesson_but_the_class_page_has_a_script():
    assert {"home", "mappings", "counting", "gradients", "optimizers", "lstm"} <= set(LESSONS)


@pytest.mark.parametrize("page", LESSONS)
def test_the_script_runs_under_the_name_it_is_downloaded_as_and_says_how_to_get_rnn_core(page):
    lesson = registry.page(page)
    defaults = {p.name: p.default for p in lesson.params}
    text = reproduce.script(page, defaults, f"http://host/{page}?lang=en")
    header = text.split('"""')[1]
    assert reproduce.file_name(page) == f"rnn-lab-{page}.py"
    # Every "python X.py" the header prints runs this very file, under its downloaded name.
    assert re.findall(r"python (\S+\.py)", header) == [f"rnn-lab-{page}.py"]
    assert "{file}" not in text and "{link}" not in text
    assert "clone the repository" in header and "pip install ." in header  # where rnn_core comes from
