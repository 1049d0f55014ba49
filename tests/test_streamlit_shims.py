"""ui.streamlit_shims: Streamlit's cached calls read each function's parameters once, and read the same ones."""

from __future__ import annotations

import functools
import inspect

import streamlit as st
from streamlit import type_util

import ui  # noqa: F401  (applies the shim, as every page's import of ui does)
from ui import streamlit_shims


def test_the_shim_is_installed_once():
    installed = type_util.get_func_parameters
    assert hasattr(installed, "original")
    streamlit_shims.apply()
    assert type_util.get_func_parameters is installed


class Unhashable:
    __hash__ = None

    def __call__(self, a, b=2):
        return a


def sample(a, b, /, c, *args, d=1, **kwargs):
    return a


def test_it_reads_the_same_parameters_as_streamlit():
    original = type_util.get_func_parameters.original
    for func in (sample, functools.partial(sample, 1), Unhashable(), str.split, lambda x, y=3: x, dict.get):
        assert type_util.get_func_parameters(func) == original(func)
        assert type_util.get_func_parameters(func) == list(inspect.signature(func).parameters.values())


def test_a_cached_call_reads_its_functions_parameters_once(monkeypatch):
    read = []
    true_original = type_util.get_func_parameters.original

    def counting(func):
        read.append(func)
        return true_original(func)

    monkeypatch.setattr(type_util, "get_func_parameters", streamlit_shims.remembered(counting))

    @st.cache_data(max_entries=4)
    def cached(lang, u, w, steps):
        return u * w + steps

    for k in range(40):
        assert cached("en", 0.5, k % 3, 10) == 0.5 * (k % 3) + 10
    # Streamlit names the positional arguments through type_util.get_func_parameters (if it stopped, the shim
    # would be dead code: this would read 0), and with the shim it reads them once in 40 calls.
    assert sum(1 for func in read if getattr(func, "__name__", "") == "cached") == 1
