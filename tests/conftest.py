"""Shared test set-up: AppTest built once per process, a class store per test, and no silent skips in CI.

Streamlit's caches are shared by the page tests of one process, as by the sessions of one server: the cached
functions are pure and keyed on their arguments, so a warm entry is the value a cold run computes.

The repository root is on ``sys.path`` through ``pythonpath`` in pyproject.toml.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

import lessons  # noqa: F401  (registers every lesson and its exercises, as app.py does)

# Property tests draw settings at random, but CI must give the same verdict on every run: derandomized, a bounded
# number of examples, no per-example deadline (a shared 2-core machine times nothing reliably).
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def apptest_built_once_per_process():
    """The one patch of the test session, applied here and undone at its end: AppTest scans the installed
    packages and compiles the scripts once per process, as a server does (tests/streamlit_compat.py says why and
    what it relies on)."""
    from streamlit_compat import build_once_per_process

    with pytest.MonkeyPatch.context() as patch:
        build_once_per_process(patch)
        yield


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (per xdist worker); each test opens its own page or context."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from browser_helpers import CHROMIUM_ARGS, chromium_path

    with sync_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        except Exception as err:  # no Chromium on this machine: a skip here, a failure in CI (below)
            pytest.skip(f"no Chromium available: {err}")
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_server():
    """The base URL of one live ``streamlit run app.py`` for the whole run (per xdist worker)."""
    from servers import streamlit_server

    with streamlit_server() as url:
        yield url


@pytest.fixture
def no_class(monkeypatch, tmp_path):
    """A class store of this test's own (no class is joined: answers are checked, not recorded)."""
    monkeypatch.setenv("RNNLAB_DATABASE_URL", f"sqlite:///{tmp_path / 'class.db'}")


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    """The URL of an SQLite class store of this test's own, which the pages use (``RNNLAB_DATABASE_URL``); no
    public address is configured (``RNNLAB_PUBLIC_URL``), so links are built from the request as on a laptop."""
    from ui.shortlinks import PUBLIC_URL_ENV

    url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    monkeypatch.setenv("RNNLAB_DATABASE_URL", url)
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    return url


@pytest.fixture
def store(database):
    """The class store the pages use in this test (a module with a store of other settings defines its own)."""
    from classroom.store import ClassStore

    s = ClassStore(database)
    yield s
    s.dispose()


def pytest_collection_modifyitems(items):
    """The browser tests first: each takes 5-20 s, and xdist's workers then share the many short tests at the
    end, so that no core waits for one long test to finish (a stable sort keeps each file's order)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


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
