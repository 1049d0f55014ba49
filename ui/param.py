"""One setting of a lesson: its default, its range or choices, and how it reads from and writes to a URL.

Pure Python (no Streamlit), so a lesson's ``params.py`` can be read by its page, its exercises, its Reproduce
script and its tests alike; :mod:`ui.urlstate` makes the widgets from these specs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rnn_core.typed_inputs import MAX_TEXT  # longest text a setting takes, from a URL or its widget

# A number or a choice written out is far shorter than a text: a URL value longer than this is refused unread.
MAX_VALUE_CHARS = 100


@dataclass(frozen=True)
class Param:
    """One URL-mirrored widget value.

    kind: ``"float"`` and ``"int"`` (need ``lo``/``hi``), ``"choice"`` (needs ``options``), ``"text"``,
    ``"multi"`` (several of ``options``: a list, or a tuple as the default; in the URL joined by commas,
    e.g. ``sgd,rprop``).
    """

    name: str
    default: Any
    kind: str
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = ()

    def parse(self, raw: str) -> Any:
        """The value ``raw`` (a URL string) stands for. Raises ValueError when it is not acceptable; a value
        longer than this kind of setting can be is refused before it is read."""
        if len(raw) > self.max_chars:
            raise ValueError(raw[:40])
        if self.kind == "float":
            value = float(raw)
            if not math.isfinite(value) or not self.lo <= value <= self.hi:
                raise ValueError(raw[:40])
            return value
        if self.kind == "int":
            value = int(raw.strip())
            if not self.lo <= value <= self.hi:
                raise ValueError(raw[:40])
            return value
        if self.kind == "choice":
            if raw not in self.options:
                raise ValueError(raw[:40])
            return raw
        if self.kind == "multi":
            chosen = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
            if any(option not in self.options for option in chosen):
                raise ValueError(raw[:40])
            return chosen
        return raw

    @property
    def max_chars(self) -> int:
        """The longest URL value (or typed text, for ``"text"``) this setting takes."""
        if self.kind == "text":
            return MAX_TEXT
        if self.kind in ("choice", "multi"):  # every option once, with a comma and a space
            return MAX_VALUE_CHARS + sum(len(str(option)) + 2 for option in self.options)
        return MAX_VALUE_CHARS

    def format(self, value: Any) -> str:
        if self.kind == "multi":
            return ",".join(value)
        return repr(float(value)) if self.kind == "float" else str(value)
