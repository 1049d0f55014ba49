"""The "under the hood" panel: the real source of the rnn_core functions a page just ran, each with one line
saying what it does in this lesson.

The code is sent only once a student opens the panel (:func:`opened_expander`): highlighted source is an eighth
of what a lesson sends and a third to a half of its page's elements (one per token), which the browser lays out
and axe-core walks, and most visits, on a phone or in a class of forty, never open it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import streamlit as st

from ui.i18n import t

PANEL_KEY = "under-the-hood"  # one panel per page, at its end


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
    _panel(shown_functions(*items))


@st.fragment  # opening the panel reruns the panel alone
def _panel(items: list[tuple[Callable, str | None]]) -> None:
    panel = opened_expander(t("common.under_the_hood"), key=PANEL_KEY, icon=":material/code:")
    if panel is None:
        return
    with panel:
        st.caption(t("common.under_the_hood_caption"))
        for function, key in items:
            st.markdown(f"**`{function.__module__}.{function.__qualname__}`**" + (f" · {t(key)}" if key else ""))
            st.code(_source(function), language="python", line_numbers=True, wrap_lines=True)  # no sideways scroll


def opened_expander(label: str, key: str, icon: str):
    """An expander that reruns its fragment (or the page) when it is opened or closed: the container if it is
    open, else None, so that its content is computed and sent only while someone reads it.

    Streamlit tells an expander by its label as well as its key, so after a language switch it is a new one,
    closed: the state the student last chose is kept (:func:`choice_key`) and given as the new one's start."""
    chosen = choice_key(key)
    panel = st.expander(
        label, expanded=st.session_state.get(chosen, False), icon=icon, key=key, on_change=_remember, args=(key, chosen)
    )
    return panel if panel.open else None


def choice_key(key: str) -> str:
    """The session-state key of the open or closed state a student last chose for the expander ``key``."""
    return f"{key}.open"


def _remember(key: str, chosen: str) -> None:
    st.session_state[chosen] = bool(st.session_state[key])
