"""The Korean text keeps the terms decided in docs/glossary-ko.md, and the house rules written above its table."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from ui.i18n import catalog

GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "glossary-ko.md"

# The one place a forbidden variant may stand: the source note calls W 반복 가중치, and the counting page, where the
# note's model is introduced, quotes that name once so a student reading the note recognises it. Each entry is cut
# from its value before the check, and must still be there: an allowance cannot outlive the sentence it was made for.
ALLOWED = {"counting.model_text": "(노트의 ‘반복 가중치’)"}

# Captions of the code panels and the application cards are read as sentences beside 합니다체 prose.
SENTENCE_KEYS = re.compile(r"\.hood_|^exercises\.application_")
# A word in 한다체 (말한다, 쓴다, 된다) closing a sentence: ends in 다, not 니다, before a full stop or the end.
PLAIN_FORM_END = re.compile(r"[가-힣]*(?<!니)다(?=[)\]]*(?:\.|$))")
# A number (or a field that holds one) and then a space before %: Korean writes 90%.
SPACED_PERCENT = re.compile(r"(?:\d|\})\s+%")
# A {field} (or a code span or bold that ends one) followed by a particle whose form depends on how the field is
# read aloud; 에, 의, (으)로 and the copula 이다 (이고, 입니다) read right after anything, these do not.
PARTICLE_AFTER_FIELD = re.compile(r"\{[a-z_0-9]+\}(?:\*\*|`)?\s?(?:은|는|이|가|을|를|과|와)(?![가-힣])")


@dataclass(frozen=True)
class Row:
    english: str
    chosen: tuple[str, ...]
    forbidden: tuple[str, ...]
    scope: tuple[str, ...]  # key prefixes; () means every key

    def covers(self, key: str) -> bool:
        return not self.scope or key.startswith(self.scope)


def glossary_rows(text: str) -> list[Row]:
    """The glossary table's rows: English | chosen Korean | forbidden variants in backticks | scope | why."""
    rows, in_table = [], False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if "forbidden" in line:
            in_table = True
            continue
        if not in_table or set(cells[0]) <= {"-", ":"}:
            continue
        english, chosen, forbidden, scope, _why = cells
        rows.append(
            Row(
                english=english,
                chosen=tuple(term.strip() for term in chosen.split(",")),
                forbidden=tuple(re.findall(r"`([^`]+)`", forbidden)),
                scope=() if scope == "all" else tuple(re.findall(r"`([^`]+)`", scope)),
            )
        )
    return rows


ROWS = glossary_rows(GLOSSARY.read_text(encoding="utf-8"))


def plain(text: str) -> str:
    """The text as read: Markdown emphasis does not split a term (반복 **행렬** is 반복 행렬)."""
    return text.replace("*", "")


def forbidden_uses(ko: Mapping[str, str], rows: list[Row] = ROWS) -> list[tuple[str, str]]:
    """(key, variant) for every forbidden variant a value contains, outside the allowed quotations."""
    found = []
    for key, value in ko.items():
        text = plain(value.replace(ALLOWED[key], "", 1) if key in ALLOWED else value)
        found += [(key, variant) for row in rows if row.covers(key) for variant in row.forbidden if variant in text]
    return found


def spaced_percents(ko: Mapping[str, str]) -> list[str]:
    return [key for key, value in ko.items() if SPACED_PERCENT.search(value)]


def plain_form_endings(ko: Mapping[str, str]) -> list[tuple[str, str]]:
    return [
        (key, word) for key, value in ko.items() if SENTENCE_KEYS.search(key) for word in PLAIN_FORM_END.findall(value)
    ]


def particles_after_fields(ko: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(key, match) for key, value in ko.items() for match in PARTICLE_AFTER_FIELD.findall(value)]


def test_the_glossary_table_is_read():
    assert len(ROWS) >= 12
    for row in ROWS:
        assert row.chosen and all(row.chosen), row
        assert row.forbidden, f"{row.english}: no forbidden variant"
        assert not any(variant in term for variant in row.forbidden for term in row.chosen), row


def test_no_forbidden_variant_appears_in_korean():
    assert forbidden_uses(catalog("ko")) == []


def test_every_chosen_term_is_used_where_it_applies():
    ko = catalog("ko")
    unused = [
        (row.english, term)
        for row in ROWS
        for term in row.chosen
        if not any(term in plain(value) for key, value in ko.items() if row.covers(key))
    ]
    assert unused == []


def test_the_allowed_quotations_are_still_there():
    ko = catalog("ko")
    assert [key for key, quote in ALLOWED.items() if quote not in ko[key]] == []


def test_no_space_before_a_percent_sign():
    assert spaced_percents(catalog("ko")) == []


def test_captions_and_application_cards_end_in_hapnida_style():
    assert plain_form_endings(catalog("ko")) == []


def test_no_sound_dependent_particle_follows_a_field():
    assert particles_after_fields(catalog("ko")) == []


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.english)
def test_each_forbidden_variant_is_caught_in_its_scope(row):
    """The check itself can fail: each variant, planted (bold, as a page might write it) under a key the row
    covers, is found; the chosen term in the same place is not."""
    key = (row.scope[0] if row.scope else "gradients.") + "planted"
    for variant in row.forbidden:
        assert forbidden_uses({key: f"이것은 **{variant}**입니다."}, [row]) == [(key, variant)]
    assert forbidden_uses({key: f"이것은 **{row.chosen[0]}**입니다."}, [row]) == []


def test_the_house_rules_catch_what_they_forbid():
    assert spaced_percents({"a.x": "출력의 90 % 이상", "a.y": "{share} %", "a.z": "90%"}) == ["a.x", "a.y"]
    assert plain_form_endings(
        {
            "exercises.application_x": "요약: 긴 글을 읽은 뒤 더 짧은 글을 쓴다",
            "lstm.hood_x": "2절: 값을 정한다. 그다음 읽습니다",
            "lstm.hood_y": "셀 상태를 읽습니다(단계마다 한 번)",
            "lstm.intro": "제목은 한다체여도 된다",
        }
    ) == [("exercises.application_x", "쓴다"), ("lstm.hood_x", "정한다")]
    assert particles_after_fields(
        {"a.x": "코드 {code} 를 붙이세요", "a.y": "{response}은(는) 답이 아닙니다", "a.z": "{f}로, {x}이고, {n}에"}
    ) == [("a.x", "{code} 를"), ("a.y", "{response}은")]
