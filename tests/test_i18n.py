"""Both languages complete: the same keys, the same {fields}, every key used, every used key defined."""

import ast
import re
import string
from pathlib import Path

import pytest

from ui.i18n import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parent.parent
# A lesson's exercises name their prompts, hints and explanations by key (they return keys, the UI translates).
SOURCES = [
    ROOT / "app.py",
    *sorted((ROOT / "lessons").rglob("*.py")),
    *sorted((ROOT / "ui").glob("*.py")),
    ROOT / "rnn_core" / "exercise.py",
]


def string_constants() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    en, ko = set(catalog("en")), set(catalog("ko"))
    assert en - ko == set(), f"missing in Korean: {sorted(en - ko)}"
    assert ko - en == set(), f"missing in English: {sorted(ko - en)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_is_empty(lang):
    assert [k for k, v in catalog(lang).items() if not v.strip()] == []


def test_placeholders_match_between_languages():
    en, ko = catalog("en"), catalog("ko")
    mismatched = {k: (fields(en[k]), fields(ko[k])) for k in en if fields(en[k]) != fields(ko[k])}
    assert mismatched == {}


def test_every_key_is_used_in_the_code():
    used = string_constants()
    unused = sorted(k for k in catalog("en") if k not in used)
    assert unused == [], f"keys no code refers to: {unused}"


def test_every_key_the_code_names_exists():
    sections = {k.split(".")[0] for k in catalog("en")}
    pattern = re.compile(rf"^(?:{'|'.join(sorted(sections))})\.[A-Za-z0-9_.]+$")
    named = {s for s in string_constants() if pattern.match(s)}
    missing = sorted(s for s in named if s not in catalog("en"))
    assert missing == [], f"keys used but not defined: {missing}"


def test_korean_text_is_korean():
    """A guard against copy-paste: most Korean strings contain Hangul."""
    ko = catalog("ko")
    hangul = re.compile(r"[\uac00-\ud7a3]")
    without = [k for k, v in ko.items() if not hangul.search(v)]
    assert len(without) <= len(ko) // 4, without
