"""A real browser (Playwright driving Chromium) loads every listed page, in both languages, against a live
server: no exception element, no error or warning in the browser console, a frame on every deep link.

Screenshots of every page are saved (``RNN_LAB_SCREENSHOTS=DIR``, default ``screenshots/`` in the repository,
ignored by git) so that a person can look at what the run saw."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from servers import ROOT, streamlit_server

from ui.nav import LESSONS

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]
# Console lines that are Streamlit's own and no fault of a page: on a deep link (/counting) the frontend first
# probes /counting/_stcore/health and /counting/_stcore/host-config (404) before finding the server's root.
HARMLESS = (
    re.compile(r"Failed to load resource: the server responded with a status of 404"),
    re.compile(r'No script tag of type "javascript/worker" was found'),
)
pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    """Debian's Chromium if present; None lets Playwright use its own browser (a developer laptop)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        except Exception as err:  # no Chromium on this machine: a skip here, a failure in CI (conftest.py)
            pytest.skip(f"no Chromium available: {err}")
        yield b
        b.close()


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def shots_dir() -> Path:
    folder = Path(os.environ.get("RNN_LAB_SCREENSHOTS") or ROOT / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load(page, url: str) -> None:
    """Open ``url`` and wait until the script has finished and every chart has drawn its marks."""
    page.goto(url)
    wait_until_drawn(page)


def wait_until_drawn(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached",
                           timeout=90_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]')
             && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                  .every(c => c.querySelector('canvas, svg.marks'))""",
        timeout=60_000)


def watch_console(page) -> list[str]:
    """Collect the page's errors and warnings (console and uncaught exceptions) into a list."""
    problems: list[str] = []

    def on_console(msg):
        if msg.type in ("error", "warning") and not any(p.search(msg.text) for p in HARMLESS):
            problems.append(f"{msg.type}: {msg.text[:300]}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return problems


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", [lesson[3] for lesson in LESSONS])
def test_every_page_loads_cleanly(browser, server, path, lang):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ko-KR" if lang == "ko" else "en-US")
    problems = watch_console(page)
    load(page, f"{server}/{'' if path == LESSONS[0][3] else path}?lang={lang}")  # the first lesson is the root
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stSidebar").count() == 1  # the frame is there, even on a deep link
    if len(LESSONS) > 1:
        assert page.get_by_test_id("stSidebarNav").count() == 1
    assert page.locator("h1").first.inner_text().strip() != ""
    assert f"lang={lang}" in page.url
    page.screenshot(path=str(shots_dir() / f"{path}-{lang}-1280.png"))
    page.wait_for_timeout(300)  # a warning logged while the last chart settles still counts
    assert problems == []
    page.close()


def test_a_shared_link_restores_the_view(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    load(page, f"{server}/counting?lang=ko&w=0.5&seq=1,1,1")
    assert page.get_by_test_id("stException").count() == 0
    metrics = page.get_by_test_id("stMetricValue").all_inner_texts()
    assert metrics[0].strip() == "1.75"  # 1·0.25 + 1·0.5 + 1 with W = 0.5
    assert "w=0.5" in page.url and "lang=ko" in page.url
    page.close()


def test_a_slider_in_a_section_updates_the_url_and_the_share_link(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    load(page, f"{server}/counting?lang=en")
    slider = page.get_by_role("slider").nth(1)  # section 1's W
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"[?&]w=1\.05(&|$)"), timeout=30_000)
    page.get_by_test_id("stSidebar").get_by_text(re.compile("Share this view")).click()
    share = page.get_by_test_id("stSidebar").locator("code")
    page.wait_for_function("el => el.innerText.includes('w=1.05')", arg=share.element_handle(), timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    page.close()
