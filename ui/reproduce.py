"""'Reproduce in Python': each lesson's script, filled with the page's current settings, to download.

The scripts live in ``reproduce/<page>.py``. Each is a real script that runs as it is (at the page's defaults)
and holds one line ``PARAMS = {...}`` (possibly over several lines, ending with ``}``): the page's settings by
their URL names. :func:`script` replaces that dictionary with the current values and puts the link back to the
page at exactly this setting in the docstring, so what a student downloads recomputes what they see.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

REPRODUCE_DIR = Path(__file__).resolve().parent.parent / "reproduce"
_PARAMS = re.compile(r"^PARAMS = \{.*?\}$", re.MULTILINE | re.DOTALL)


@functools.cache
def template(page: str) -> str | None:
    path = REPRODUCE_DIR / f"{page}.py"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def script(page: str, values: dict, link: str) -> str | None:
    """The page's script with ``values`` as its settings and ``link`` in its docstring; None without a script.

    Values are written with ``repr`` (numbers, strings, lists): the script only reads them, nothing typed by a
    student is ever executed as code.
    """
    text = template(page)
    if text is None:
        return None
    settings = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}
    # One setting a line: readable, and no line is ever broken inside a typed string.
    body = "PARAMS = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in settings.items()) + "}"
    text = _PARAMS.sub(lambda _: body, text, count=1)
    return text.replace("{link}", link.replace('"""', "%22%22%22"), 1)
