"""Shared test set-up: a clean Streamlit cache per test, and no silent skips in CI.

The repository root is on ``sys.path`` through ``pythonpath`` in pyproject.toml.
"""

from __future__ import annotations

import os
import sys

import pytest


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """st.cache_data outlives an AppTest instance; clear it so every test starts cold and independent.

    Only where Streamlit is already loaded: the pure-maths tests never import it.
    """
    if "streamlit" in sys.modules:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
    yield


@pytest.fixture
def no_class(monkeypatch, tmp_path):
    """A class store of this test's own (no class is joined: answers are checked, not recorded)."""
    monkeypatch.setenv("RNNLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'class.db'}")


_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    # .ci/run sets RNN_LAB_REQUIRE_BROWSER: there, a skipped test (e.g. "no Chromium") fails the run.
    if os.environ.get("RNN_LAB_REQUIRE_BROWSER") and _skipped:
        print(f"\nCI forbids skipped tests; skipped: {_skipped}")
        session.exitstatus = 1
