"""A widget's accessible name is plain text: a label with LaTeX is drawn above the widget, and the widget is
named with the label's plain text (ui/urlstate.py), so a screen reader never reads "$W_{xh}$" aloud."""

from __future__ import annotations

import pytest
from apptest_helpers import assert_clean, open_app

from lessons import PAGES
from ui.i18n import catalog
from ui.urlstate import plain_label

WIDGETS = ("slider", "number_input", "radio", "selectbox", "text_input", "multiselect", "toggle", "checkbox")


@pytest.mark.parametrize(
    ("label", "plain"),
    [
        ("Weight scale (of $W_{xh}$ and $W_{hh}$)", "Weight scale (of Wₓₕ and Wₕₕ)"),
        ("$W_f$", "W_f"),
        (r"Spectral radius $\rho$", "Spectral radius ρ"),
        (r"Nudge $\delta$ added to $x_1$", "Nudge δ added to x₁"),
        ("No maths here", "No maths here"),
    ],
)
def test_plain_label_writes_latex_as_text(label, plain):
    assert plain_label(label) == plain


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("page", [known.name for known in PAGES if known.name != "classroom"])
def test_no_widget_is_named_with_latex(page, lang):
    at = open_app(page=page, lang=lang)
    assert_clean(at)
    labels = [w.label for kind in WIDGETS for w in at.get(kind)]
    assert labels and not [label for label in labels if "$" in label or "\\" in label]


def test_the_latex_label_is_still_drawn_above_its_slider():
    at = open_app(page="home")
    drawn = catalog("en")["home.scale_label"]
    assert any(m.value == drawn for m in at.markdown)
    assert [s.label for s in at.slider if s.key == "home.scale"] == [plain_label(drawn)]
