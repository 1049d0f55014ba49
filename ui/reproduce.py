"""'Reproduce in Python': each lesson's script, filled with the page's current settings, to download.

A lesson's template is ``lessons/<name>/reproduce.py`` (:attr:`ui.registry.Lesson.reproduce`). It is a real
script with one assignment ``PARAMS = {...}`` (the page's settings by their URL names) and, where it needs the
book's values, one ``CONSTANTS = {...}``, each possibly over several lines and ending with ``}`` alone or at the
end of a line. :func:`script` writes the current values into ``PARAMS``, the lesson's constants (from its
``params.py``, :attr:`ui.registry.Lesson.constants`) into ``CONSTANTS``, the link back to the page at exactly
this setting into the docstring (``{link}``), and the name the script is downloaded under (``{file}``, so the
``python ...`` line it prints is the file the student has), so what a student downloads recomputes what they see
with ``rnn_core`` alone.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ui import registry

_ASSIGNMENT = r"^{name} = \{{.*?\}}$"


@functools.cache
def _template(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def file_name(page: str) -> str:
    """The name a lesson's script is downloaded under."""
    return f"rnn-lab-{page}.py"


def script(page: str, values: dict, link: str) -> str | None:
    """The page's script with ``values`` as its settings and ``link`` in its docstring; None without a script.

    Values are written with ``repr`` (numbers, strings, lists): the script only reads them, nothing typed by a
    student is ever executed as code.
    """
    lesson = registry.page(page)
    if lesson is None or lesson.reproduce is None or not lesson.reproduce.is_file():
        return None
    text = fill(_template(lesson.reproduce), "PARAMS", values)
    if lesson.constants:
        text = fill(text, "CONSTANTS", lesson.constants)
    text = text.replace("{file}", file_name(page), 1)
    return text.replace("{link}", link.replace('"""', "%22%22%22"), 1)


def fill(text: str, name: str, values: dict) -> str:
    """``text`` with its assignment ``name = {...}`` replaced by ``values``, one entry a line (readable, and no
    line is ever broken inside a typed string). Raises ValueError when the template has no such assignment."""
    settings = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}
    body = f"{name} = {{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in settings.items()) + "}"
    filled, count = re.subn(
        _ASSIGNMENT.format(name=name), lambda _: body, text, count=1, flags=re.MULTILINE | re.DOTALL
    )
    if count != 1:
        raise ValueError(f"the template has no {name} = {{...}}")
    return filled
