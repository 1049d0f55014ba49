"""The "under the hood" panel: the real source of the rnn_core functions a page just ran, each with one line
saying what it does in this lesson."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import streamlit as st

from ui.i18n import t


@functools.cache
def _source(function: Callable) -> str:
    return inspect.getsource(function)


def shown_functions(*items) -> list[tuple[Callable, str | None]]:
    """``(function, description key or None)`` for each item (a function, or a ``(function, key)`` pair)."""
    return [item if isinstance(item, tuple) else (item, None) for item in items]


def under_the_hood(*items) -> None:
    """An expander listing each function's module path, what it does here, and its source, read from the
    running code. Items are ``(function, locale key of a one-line description)`` pairs (a bare function is shown
    without its line). Not shown in presenter mode: a projector shows the lesson, the code is for reading."""
    from ui import present

    if present.presenting():
        return
    with st.expander(t("common.under_the_hood"), icon=":material/code:"):
        st.caption(t("common.under_the_hood_caption"))
        for function, key in shown_functions(*items):
            st.markdown(f"**`{function.__module__}.{function.__qualname__}`**" + (f" · {t(key)}" if key else ""))
            st.code(_source(function), language="python", line_numbers=True, wrap_lines=True)  # no sideways scroll
