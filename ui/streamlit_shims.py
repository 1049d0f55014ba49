"""Two measured fixes to Streamlit's per-call overhead, applied once per process (``import ui`` applies them).

1. Remembered signatures.

Streamlit 1.67 names each positional argument of a cached call (``st.cache_data``/``st.cache_resource``) by
``inspect.signature`` of the function, for every argument of every call, uncached
(``streamlit.runtime.caching.cache_utils._get_positional_arg_name`` calls ``type_util.get_func_parameters``): a
cache hit with six positional arguments cost 149 µs, 95 µs once the signature is remembered, and under a class's
load it was 7 % of a lesson's first view (py-spy). A function's parameters do not change, so they are remembered
per function, in a bounded cache. A callable that cannot be a cache key is passed through unchanged.

2. One key looked up, not the whole state copied. Each number input, radio, selectbox, text input and text area
asks whether its key holds ``None`` (``key in state and state[key] is None``) on
``get_session_state().filtered_state``, a fresh dict of every entry of the session state, each read through its
presenter: on the optimizers lesson, whose settings are some twenty number inputs, that copy was a tenth of a
move's server CPU (py-spy under a class's load). :class:`UserKeys` answers the same two questions for the one
key asked. (Sliders are spared the copy by ``ui.urlstate`` passing them ``value=``.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from streamlit import type_util
from streamlit.elements.widgets import number_input, radio, selectbox, text_widgets
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

REMEMBERED = 1024  # functions: every cached function and element of the app is well under this


def remembered(original: Callable[[Callable[..., Any]], Any]) -> Callable[[Callable[..., Any]], Any]:
    """``original`` (``type_util.get_func_parameters``) with its result remembered per function."""
    cached = functools.lru_cache(maxsize=REMEMBERED)(original)

    @functools.wraps(original)
    def get_func_parameters(func):
        try:
            return cached(func)
        except TypeError:  # an unhashable callable
            return original(func)

    get_func_parameters.original = original
    return get_func_parameters


class UserKeys:
    """What ``SessionState.filtered_state`` answers about a user's key (``in``, ``[]``, ``get``), read from the
    session state itself instead of from a copy of all of it. A key filtered_state leaves out (Streamlit's
    internal keys) is left out here too."""

    __slots__ = ("_state",)

    def __init__(self, state):
        self._state = state

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and not key.startswith(STREAMLIT_INTERNAL_KEY_PREFIX) and key in self._state

    def __getitem__(self, key):
        if not self.__contains__(key):
            raise KeyError(key)
        return self._state[key]

    def get(self, key, default=None):
        return self[key] if key in self else default


class LeanSessionState:
    """The session state a widget module reads, with :class:`UserKeys` as its ``filtered_state``; everything else
    is the session state's own."""

    __slots__ = ("_state",)

    def __init__(self, state):
        object.__setattr__(self, "_state", state)

    @property
    def filtered_state(self) -> UserKeys:
        return UserKeys(self._state)

    def __getattr__(self, name):
        return getattr(self._state, name)


def lean(original: Callable[[], Any]) -> Callable[[], Any]:
    """``original`` (a widget module's ``get_session_state``) returning the state as :class:`LeanSessionState`."""

    @functools.wraps(original)
    def get_session_state():
        return LeanSessionState(original())

    get_session_state.original = original
    return get_session_state


# The widget modules whose only use of filtered_state is the one-key question above (Streamlit 1.67).
LEAN_MODULES = (number_input, radio, selectbox, text_widgets)


def apply() -> None:
    """Install both fixes once (importing ui twice, or a test that calls this again, changes nothing)."""
    if not hasattr(type_util.get_func_parameters, "original"):
        type_util.get_func_parameters = remembered(type_util.get_func_parameters)
    for module in LEAN_MODULES:
        if not hasattr(module.get_session_state, "original"):
            module.get_session_state = lean(module.get_session_state)
