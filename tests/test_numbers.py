"""ui.numbers: one style for every number on screen."""

import math

import pytest

from rnn_core import numfmt
from ui.numbers import MINUS, d3_locale, integer, latex, num, percent


@pytest.mark.parametrize(
    "x, shown",
    [
        (0, "0"),
        (1.75, "1.75"),
        (3.0, "3"),
        (-2, f"{MINUS}2"),
        (0.5, "0.5"),
        (0.0054, "0.0054"),
        (0.00231, "0.00231"),
        (69.39, "69.4"),
        (134.6, "135"),
        (1234.5, "1234"),
        (12345.6, "12346"),
        (123456, "1.23·10⁵"),
        (99999.9, "1·10⁵"),
        (0.000123, "1.23·10⁻⁴"),
        (-5.9e61, f"{MINUS}5.9·10⁶¹"),
        (1.7976931348623157e308, "1.8·10³⁰⁸"),
        (8.9e-16, "8.9·10⁻¹⁶"),
        (0.9996, "1"),
        (0.99949, "0.999"),
        (math.inf, "∞"),
        (-math.inf, f"{MINUS}∞"),
        (math.nan, "—"),
    ],
)
def test_num_has_one_style(x, shown):
    assert num(x) == shown


def test_the_same_value_looks_the_same_whatever_its_type():
    import numpy as np

    assert num(np.float64(123456)) == num(123456) == num(np.int64(123456)) == "1.23·10⁵"
    assert "e+" not in num(1e300) and "-" not in num(-1.0)


def test_digits_latex_integer_percent():
    assert num(69.3912, digits=4) == "69.39"
    assert latex(123456) == r"1.23 \cdot 10^{5}" and latex(-0.5) == "-0.5" and latex(2.6e60) == r"2.6 \cdot 10^{60}"
    assert integer(-12) == f"{MINUS}12" and integer(5000) == "5000"
    assert percent(0.153, lang="en") == "15.3 %"
    assert percent(0.99949, digits=4, lang="ko") == "99.95%" and percent(0.99949, digits=4, lang="en") == "99.95 %"


@pytest.mark.parametrize(
    "p, english, korean",
    [
        (0.153, "15.3 %", "15.3%"),
        (0.9, "90 %", "90%"),
        (1.0, "100 %", "100%"),
        (0.0, "0 %", "0%"),
        (0.00012, "0.012 %", "0.012%"),
        (-0.05, f"{MINUS}5 %", f"{MINUS}5%"),
    ],
)
def test_a_percentage_is_written_as_the_pages_language_writes_it(p, english, korean):
    """Korean writes 90% (docs/glossary-ko.md), the English pages 90 %; the number itself is num's in both."""
    assert percent(p, lang="en") == english and percent(p, lang="ko") == korean
    assert percent(p, lang="en") == numfmt.percent(p)  # the language-free base is the English style


def test_outside_a_korean_session_a_percentage_is_english():
    assert percent(0.153) == "15.3 %"  # no session: ui.i18n.current_language() is English


def test_the_charts_put_the_percent_sign_where_the_prose_does():
    for lang in ("en", "ko"):
        sign = d3_locale(lang)["number"]["percent"]
        assert percent(0.2, lang=lang) == "20" + sign
    assert d3_locale("ko")["number"]["percent"] == "%" and d3_locale("en")["number"]["percent"] == " %"
