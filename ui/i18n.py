"""English and Korean text: one TOML file per language in ``locales/``, read once, looked up with ``t(key)``.

Keys are dotted paths of the TOML tables (``counting.title``). The chosen language lives in
``st.session_state["lang"]`` (set by app.py); ``t`` falls back to English only for a key Korean lacks, which
``tests/test_i18n.py`` forbids.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from types import MappingProxyType

import streamlit as st

LANGUAGES = ("en", "ko")
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = str(value)
    return flat


@functools.cache
def catalog(lang: str) -> MappingProxyType:
    """All strings of one language as a read-only ``{dotted.key: text}`` (shared by every session)."""
    with open(LOCALES_DIR / f"{lang}.toml", "rb") as f:
        return MappingProxyType(_flatten(tomllib.load(f)))


def current_language() -> str:
    lang = st.session_state.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def t(key: str, **values) -> str:
    """The text for ``key`` in the current language, with ``{name}`` fields filled from ``values``."""
    text = catalog(current_language()).get(key)
    if text is None:
        text = catalog("en")[key]  # a KeyError here is a bug the i18n test catches
    return text.format(**values) if values else text


def language_from_locale(locale: str | None) -> str:
    """``"ko"`` for a Korean browser locale (``ko``, ``ko-KR``), else ``"en"``."""
    return "ko" if (locale or "").lower().startswith("ko") else "en"


def verbatim(text: str) -> str:
    """User-typed text quoted for Markdown as a code span: shown as typed, never read as links, emphasis or HTML
    (a backtick, which would end the span, becomes a straight quote)."""
    return "`" + str(text).replace("`", "'") + "`"
