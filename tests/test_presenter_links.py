"""Presenter links that fail say so, and a hidden control cannot be changed another way (ui/present.py).

A ``?sections=`` number or a ``?hide=`` name the page does not have gets the usual URL notice and is ignored (the
rest of the link still applies); a button or a chart click that sets a hidden control is hidden with it."""

from __future__ import annotations

import pytest
from apptest_helpers import assert_clean, open_app, url_of

from lessons.optimizers.params import NEWTON_PRESETS
from ui.i18n import catalog

PRESETS = {"counting_btn_count", "counting_btn_forget", "counting_btn_explode", "counting_btn_alternate"}


def headers(at) -> list[str]:
    return [h.value for h in at.header]


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def notices(at, page: str, lang: str = "en") -> list[str]:
    """The warnings on ``at`` that the page at its defaults does not show (some lessons warn in their prose)."""
    usual = warnings(open_app(page=page, lang=lang))
    return [w for w in warnings(at) if w not in usual]


def button_keys(at) -> set[str]:
    return {b.key for b in at.button}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_unknown_section_is_named_in_a_notice_and_the_lesson_is_not_blank(lang):
    at = open_app(page="gradients", lang=lang, params={"sections": "9"})
    assert_clean(at)
    c = catalog(lang)
    count = len(headers(open_app(page="gradients", lang=lang)))
    assert count >= 4
    assert notices(at, "gradients", lang) == [c["common.url_unknown_sections"].format(value="9", count=count)]
    assert len(headers(at)) == count  # every section, as without ?sections=
    assert "sections" not in url_of(at)  # the link to share drops what it could not use


def test_a_known_section_is_kept_beside_an_unknown_one():
    at = open_app(page="gradients", params={"sections": "2,9"})
    assert_clean(at)
    assert [h.split(" · ")[0] for h in headers(at)] == ["2"]
    assert notices(at, "gradients") == [catalog("en")["common.url_unknown_sections"].format(value="9", count=5)]
    assert url_of(at)["sections"] == "2"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_unknown_control_in_hide_gets_a_notice_and_the_known_one_stays_hidden(lang):
    c = catalog(lang)
    at = open_app(page="counting", lang=lang, params={"hide": "nosuch,w"})
    assert_clean(at)
    assert notices(at, "counting", lang) == [c["common.url_unknown_hide"].format(value="nosuch")]
    assert c["counting.w_label"] not in [s.label for s in at.slider]  # w is still hidden
    assert c["counting.u_label"] in [s.label for s in at.slider]
    assert url_of(at)["hide"] == "w"


def test_bad_view_options_and_a_bad_value_share_one_notice():
    at = open_app(page="counting", params={"hide": "zz", "sections": "0,x", "w": "abc"})
    assert_clean(at)
    [notice] = notices(at, "counting")
    assert notice.startswith(catalog("en")["common.url_rejected_many"].format(count=4))
    for line in ("`hide` = `zz`", "`sections` = `0`", "`sections` = `x`", "`w` = `abc`"):
        assert line in notice


@pytest.mark.parametrize(
    ("page", "hide", "buttons"),
    [
        ("counting", "w", PRESETS),
        ("counting", "u", PRESETS),
        ("gradients", "matrix", {"gradients_btn_nonnormal"}),
        ("gradients", "kind", {"gradients_btn_nonnormal"}),
        ("optimizers", "cth", {"optimizers_btn_average"}),
        ("optimizers", "w0", {"optimizers_btn_gd_start", "optimizers_btn_rprop_start"}),
        ("optimizers", "it", {"optimizers_btn_play", "optimizers_btn_gd_start", "optimizers_btn_rprop_start"}),
        ("optimizers", "nu", set(NEWTON_PRESETS)),
    ],
)
def test_a_button_that_sets_a_hidden_control_is_hidden_with_it(page, hide, buttons):
    shown = button_keys(open_app(page=page))
    assert buttons <= shown, buttons - shown  # drawn while the control is
    at = open_app(page=page, params={"hide": hide})
    assert_clean(at)
    assert notices(at, page) == []
    assert not buttons & button_keys(at)
    assert shown - buttons == button_keys(at)  # and nothing else goes


@pytest.mark.parametrize(("page", "hide"), [("counting", "u0"), ("optimizers", "w0"), ("optimizers", "it")])
def test_a_click_on_the_surface_sets_no_hidden_start(page, hide):
    def selectable(at) -> int:
        return sum(
            bool(list(c.proto.selection_mode)) for c in at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart")
        )

    assert selectable(open_app(page=page)) >= 1
    assert selectable(open_app(page=page, params={"hide": hide})) == 0


def contents_lines(at, lang: str = "en") -> list[str]:
    label = catalog(lang)["common.contents"]
    return [m.value for m in at.markdown if f"**{label}:**" in m.value]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_long_lesson_opens_with_links_to_each_of_its_sections(lang):
    at = open_app(page="optimizers", lang=lang)
    assert_clean(at)
    [line] = contents_lines(at, lang)
    numbered = [h.split(" · ", 1) for h in headers(at)]
    assert len(numbered) >= 4
    for number, title in numbered:  # each header, by its number and title, linked to its anchor
        assert f"[{number} {title}](#section-{number})" in line


def test_no_contents_line_in_presenter_mode_or_for_a_few_chosen_sections():
    assert contents_lines(open_app(page="optimizers", params={"present": "1"})) == []
    assert contents_lines(open_app(page="optimizers", params={"sections": "2,4"})) == []
