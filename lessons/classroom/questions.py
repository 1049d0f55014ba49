"""An exercise's question as the teacher's table shows it: plain text, one line of a wide column."""

from __future__ import annotations

import re
from collections.abc import Callable

from rnn_core.exercise import fill
from ui.i18n import t

QUESTION_CHARS = 80  # a question is cut to about this: the table's question column shows one line

# Markdown and LaTeX markers a prompt may hold, taken out so that the teacher's table reads as text: **bold**,
# *emphasis* (not the star of y*), `code`, and $...$ with its commands and braces.
_EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
_LATEX = re.compile(r"\$([^$]*)\$")


def _plain_latex(match: re.Match) -> str:
    return re.sub(r"\\([A-Za-z]+)|[{}_^\\]", lambda m: m.group(1) or "", match.group(1))


def question_text(ex, translate: Callable[..., str] = t) -> str:
    """An exercise's question as plain text, cut to about :data:`QUESTION_CHARS` characters at a word's end (the
    table's cells are text: nothing in them is read as Markdown or HTML)."""
    text = translate(ex.prompt_key, **fill(ex.prompt_values, translate))
    text = _LATEX.sub(_plain_latex, text)
    text = _EMPHASIS.sub(r"\1", text.replace("**", "")).replace("`", "")
    text = " ".join(text.split())
    if len(text) <= QUESTION_CHARS:
        return text
    return text[: QUESTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
