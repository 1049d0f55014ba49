"""Helpers for AppTest-driven page tests."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_app(page: str | None = None, lang: str = "en", params: dict | None = None, locale: str | None = None):
    """A fresh session on ``page`` (a views/ script name) with query parameters, run once."""
    at = AppTest.from_file(APP, default_timeout=60)
    if locale:
        at.context["locale"] = locale
    if lang:
        at.query_params["lang"] = lang
    for k, v in (params or {}).items():
        at.query_params[k] = str(v)
    if page:
        at.switch_page(f"views/{page}.py")  # before the first run: like opening a deep link /<page>?...
    at.run()
    return at


def texts(at) -> str:
    """All Markdown, captions, alerts and titles of the page, joined, for 'does it say X' asserts."""
    parts = []
    for kind in ("title", "header", "markdown", "caption", "error", "warning", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def by_key(at, kind: str, key: str):
    return next(w for w in getattr(at, kind) if w.key == key)


def assert_clean(at) -> None:
    assert len(at.exception) == 0, [e.message for e in at.exception]


def url_of(at) -> dict:
    """The page's query string as ``{name: value}`` (AppTest may hold a value as a one-item list)."""
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
