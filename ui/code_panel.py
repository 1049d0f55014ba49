"""The "under the hood" panel: the real source of the rnn_core functions a page just ran."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import streamlit as st

from ui.i18n import t


@functools.cache
def _source(function: Callable) -> str:
    return inspect.getsource(function)


def under_the_hood(*functions: Callable) -> None:
    """An expander listing each function's module path and its source, read from the running code."""
    with st.expander(t("common.under_the_hood"), icon="🔧"):
        st.caption(t("common.under_the_hood_caption"))
        for function in functions:
            st.markdown(f"**`{function.__module__}.{function.__qualname__}`**")
            st.code(_source(function), language="python", line_numbers=True)
