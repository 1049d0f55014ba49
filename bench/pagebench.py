"""Server-side timings of one lesson page through AppTest, shared by the bench scripts.

What a student waits for, measured without a browser: the first run in a fresh process (imports included),
the first view of a new visitor with empty caches and with warm caches, and reruns after a widget change
(wall-clock median and p90, and this process's CPU time, which other jobs on the machine disturb less).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # streamlit_compat: opening a page by its URL path


def _session(script: str, params: dict[str, str] | None):
    from streamlit.testing.v1 import AppTest
    from streamlit_compat import open_page

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = str(v)
    open_page(at, Path(script).parent.name)  # open the page directly, as a deep link to /<lesson> does
    return at


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return time.perf_counter() - start


def bench_page(script: str, params: dict[str, str] | None = None, reruns: int = 30, visits: int = 5) -> dict:
    """Print and return the page's timings in milliseconds."""
    import streamlit as st

    first = _session(script, params)
    cold_process = _timed_run(first)  # only meaningful as the process's first page
    st.cache_data.clear()
    st.cache_resource.clear()
    cold_cache = _timed_run(_session(script, params))
    warm_first = [_timed_run(_session(script, params)) for _ in range(visits)]
    wall, cpu = [], []
    for _ in range(reruns):
        start_cpu = time.process_time()
        wall.append(_timed_run(first))
        cpu.append(time.process_time() - start_cpu)
    result = {
        "cold_process": cold_process * 1e3,
        "first_view_empty_cache": cold_cache * 1e3,
        "first_view_warm_cache": statistics.median(warm_first) * 1e3,
        "rerun_median": statistics.median(wall) * 1e3,
        "rerun_p90": float(np.percentile(wall, 90)) * 1e3,
        "rerun_cpu_median": statistics.median(cpu) * 1e3,
    }
    label = ", ".join(f"{k}={v}" for k, v in (params or {}).items()) or "defaults"
    print(
        f"{script} [{label}]: fresh process {result['cold_process']:.0f} ms; first view, empty cache "
        f"{result['first_view_empty_cache']:.0f} ms, warm cache {result['first_view_warm_cache']:.0f} ms "
        f"(median of {visits}); rerun median {result['rerun_median']:.0f} ms (p90 {result['rerun_p90']:.0f}, CPU "
        f"{result['rerun_cpu_median']:.0f}; {reruns} reruns); load average {os.getloadavg()[0]:.1f}"
    )
    return result


if __name__ == "__main__":
    # Every page at its defaults: python bench/pagebench.py
    from lessons import PAGES

    for known in PAGES:
        bench_page(known.script, reruns=20, visits=3)
