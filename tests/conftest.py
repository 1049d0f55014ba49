"""Shared test set-up: a class store per test, and no silent skips in CI.

Streamlit's caches are shared by the page tests of one process, as by the sessions of one server: the cached
functions are pure and keyed on their arguments, so a warm entry is the value a cold run computes.

The repository root is on ``sys.path`` through ``pythonpath`` in pyproject.toml.
"""

from __future__ import annotations

import os

import pytest


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
