"""Percentages on the rendered pages, as each language writes them: Korean 90%, with no space before % (the house
rule of docs/glossary-ko.md, which tests/test_glossary_ko.py checks in ko.toml's own text), the English pages 90 %.
Checked where the page computes the number (a metric, a sentence, a chart's axis and tooltips, an exercise's prompt
made before the page's language is known) and over every lesson at its defaults."""

from __future__ import annotations

import json
import re

import pytest
from apptest_helpers import assert_clean, open_app

from lessons.lstm.exercises import KEEP_TOLERANCE
from lessons.mappings.params import P as MAPPINGS
from rnn_core import mappings
from ui import registry
from ui.i18n import catalog
from ui.numbers import num

# Written out here rather than read from ui.numbers or the locales: this file states the style it checks.
SIGN = {"en": " %", "ko": "%"}
LESSON_PAGES = [known.name for known in registry.lessons()]
SPACED_PERCENT = re.compile(r"\d\s+%")  # a number, any space (also a no-break one), then %
PERCENT_FORMAT = re.compile(r'"format": "([^"]*(?:%|p))"')  # d3 formats that write a percentage (~%, .3~p)


def shown_texts(at) -> list[str]:
    """Everything a student reads on the page as text: titles, Markdown, captions, alerts, metrics and the cells
    of its tables. The share box's link is left out: it carries URL-encoded values (``0%2C1``), not prose."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    for m in at.metric:
        parts += [str(m.label), str(m.value), str(m.delta or "")]
    for table in (*at.dataframe, *at.table):
        parts += [str(cell) for cell in table.value.to_numpy().ravel()] + [str(c) for c in table.value.columns]
    return [part for part in parts if not part.startswith(("`?", "`http"))]


def percentages(parts: list[str], lang: str) -> list[str]:
    """The numbers written before a percent sign in ``lang``'s style, sorted."""
    return sorted(number for part in parts for number in re.findall(r"([\d.\u2212]+)" + SIGN[lang], part))


def test_the_scan_finds_what_it_forbids():
    assert [t for t in ["출력의 90 % 이상", "12.5\u00a0%", "90%", "`?x=0%2C1`"] if SPACED_PERCENT.search(t)] == [
        "출력의 90 % 이상",
        "12.5\u00a0%",
    ]
    assert percentages(["15.3 % and 2 %", "7%"], "en") == ["15.3", "2"]
    assert percentages(["15.3% 그리고 \u22122%", "7 %"], "ko") == ["15.3", "\u22122"]


@pytest.mark.parametrize("page", LESSON_PAGES)
def test_a_korean_page_writes_every_percentage_of_the_english_one_without_the_space(page):
    """Each lesson at its defaults: no Korean text has a space before %, and the Korean page shows the very
    percentages the English one does (with its space), so the scan has something to find wherever the English
    page has a percentage. Charts with a percent format place the sign by their number locale, the same way."""
    shown = {}
    for lang in ("en", "ko"):
        at = open_app(page, lang=lang)
        assert_clean(at)
        shown[lang] = shown_texts(at)
        for chart in at.get("vega_lite_chart"):
            spec = json.loads(chart.proto.spec)
            if PERCENT_FORMAT.search(json.dumps(spec)):
                locale = spec.get("config", {}).get("locale", {})  # none: d3's default, 90% in every language
                assert locale.get("number", {}).get("percent") == SIGN[lang], (page, lang)
    assert [part for part in shown["ko"] if SPACED_PERCENT.search(part)] == []
    assert percentages(shown["ko"], "ko") == percentages(shown["en"], "en")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_computed_accuracy_and_an_exercises_share_read_in_the_pages_style(lang):
    """The mappings page's held-out accuracy (a metric computed from the shipped weights) and the LSTM keeping
    exercise's tolerance (its prompt is made before the page's language is known): 98.5% in Korean, 98.5 % in
    English."""
    at = open_app("mappings", lang=lang)
    assert_clean(at)
    task = MAPPINGS["m"].default
    trained = mappings.load(task)
    held, _ = mappings.held_out_accuracy(task, trained.params, trained.seed)
    label = catalog(lang)["mappings.held_out_accuracy"]
    assert [m.value for m in at.metric if m.label == label] == [num(100 * held) + SIGN[lang]]

    at = open_app("lstm", lang=lang)
    assert_clean(at)
    template = catalog(lang)["exercises.lstm_keep_setting_prompt"]
    before, after = template.split("{share}")
    before = before.rsplit("}", 1)[-1]  # the words right before the share, after the last other field
    said = before + num(100 * KEEP_TOLERANCE) + SIGN[lang] + after
    assert any(said in m.value for m in at.markdown), said
