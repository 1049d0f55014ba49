"""One measured fix to Streamlit's per-call overhead, applied once per process (``import ui`` applies it).

Streamlit 1.67 names each positional argument of a cached call (``st.cache_data``/``st.cache_resource``) by
``inspect.signature`` of the function, for every argument of every call, uncached
(``streamlit.runtime.caching.cache_utils._get_positional_arg_name`` calls ``type_util.get_func_parameters``): a
cache hit with six positional arguments cost 149 µs, 95 µs once the signature is remembered, and under a class's
load it was 7 % of a lesson's first view (py-spy). A function's parameters do not change, so they are remembered
per function, in a bounded cache. A callable that cannot be a cache key is passed through unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from streamlit import type_util

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


def apply() -> None:
    """Install :func:`remembered` once (importing ui twice, or a test that calls this again, changes nothing)."""
    if not hasattr(type_util.get_func_parameters, "original"):
        type_util.get_func_parameters = remembered(type_util.get_func_parameters)
