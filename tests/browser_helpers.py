"""Helpers for the tests that drive a real Chromium (Playwright) against a live server: how Chromium is started,
how a test waits for a page, and which console lines are Streamlit's own and no fault of a page.

The ``chromium`` and ``app_server`` fixtures that use them are in conftest.py."""

from __future__ import annotations

import re
import shutil

# As the machine's probe starts Chromium: without the background-networking flags it tries hosts that a closed
# network refuses, many at a time.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Console lines that are Streamlit's own and no fault of a page: on a deep link (/counting) the frontend first
# probes /counting/_stcore/health and /counting/_stcore/host-config (404) before finding the server's root.
HARMLESS = (
    re.compile(r"Failed to load resource: the server responded with a status of 404"),
    re.compile(r'No script tag of type "javascript/worker" was found'),
)


def chromium_path() -> str | None:
    """Debian's Chromium if present; None lets Playwright use its own browser (a developer laptop)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def load(page, url: str) -> None:
    """Open ``url`` and wait until the script has finished and every chart has drawn its marks."""
    page.goto(url)
    wait_until_drawn(page)


def wait_until_run(page) -> None:
    """Wait until the script run has finished and no element is still a placeholder."""
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached", timeout=90_000
    )
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)


def wait_until_drawn(page) -> None:
    """:func:`wait_until_run`, and every chart on show has drawn its marks. A hidden one is never drawn, nor, at
    times, one inside a closed expander: the browser may keep its box laid out (0 px high) and Streamlit draws it
    when the expander opens."""
    wait_until_run(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                  .every(c => !c.offsetParent || c.closest('details:not([open])')
                              || c.querySelector('canvas, svg.marks'))""",
        timeout=60_000,
    )


def watch_console(page) -> list[str]:
    """Collect the page's errors and warnings (console and uncaught exceptions) into a list."""
    problems: list[str] = []

    def on_console(msg):
        if msg.type in ("error", "warning") and not any(p.search(msg.text) for p in HARMLESS):
            problems.append(f"{msg.type}: {msg.text[:300]}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    return problems
