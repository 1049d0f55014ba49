"""Shared test set-up: a class store per test, caches emptied on request, and no silent skips in CI.

The repository root is on ``sys.path`` through ``pythonpath`` in pyproject.toml.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def cold_caches():
    """Empty Streamlit's caches for a test that must see a computation happen, not its cached result.

    The other tests share the caches, as every session of one server process does: the cached functions are pure
    and keyed on their arguments, so a warm entry is the same value a cold run computes, and sharing them is what
    keeps the page tests fast.
    """
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
