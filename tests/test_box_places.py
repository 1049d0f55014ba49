"""Each exercise box is drawn at the end of its own section, on every lesson (the boxes are the page's, drawn after
each section's place, while the sections' fragments draw the content: ui.page.places)."""

from __future__ import annotations

import re

import pytest
from apptest_helpers import open_app
from streamlit.testing.v1.element_tree import Block

from ui import registry

HEADER = re.compile(r"^(\d+) · ")


def in_order(node):
    """The page's elements and blocks, depth first, in the order a reader meets them; an exercise box is one item
    (its own elements are not walked)."""
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else children) or ():
        yield child
        if not str(getattr(child, "key", None) or "").startswith("exbox_"):
            yield from in_order(child)


@pytest.mark.parametrize("lesson", sorted(name for name, ids in registry.catalogue().items() if ids))
def test_every_box_is_at_the_end_of_its_own_section(lesson, no_class):
    at = open_app(page=lesson, lang="en")
    assert not at.exception
    section, boxes, after_a_box = None, {}, []
    box_seen = False
    for node in in_order(at.main):
        kind = type(node).__name__
        if kind == "Header" and HEADER.match(node.value):
            section, box_seen = int(HEADER.match(node.value).group(1)), False
            continue
        key = str(getattr(node, "key", None) or "")
        if key.startswith("exbox_"):
            boxes[key.removeprefix("exbox_")] = section
            box_seen = True
        elif box_seen and not isinstance(node, Block) and section is not None:
            after_a_box.append((section, kind))  # the section's content went on below its boxes
    expected = {exercise_id: registry.make(exercise_id, 0).section for exercise_id in registry.catalogue()[lesson]}
    assert boxes == expected  # every box once, under its own section's header
    assert after_a_box == []
