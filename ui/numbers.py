"""The one number formatter: every number a student reads (metrics, tables, prose, captions, tooltips) looks the
same on every page.

Style: ``digits`` significant digits (3 by default), trailing zeros dropped; a true minus sign (−, U+2212);
numbers from 0.001 up to 100,000 in plain decimals (integers of four or five digits in full); beyond that a
mantissa times a power of ten with a superscript exponent, ``1.23·10⁵`` and ``4.5·10⁻⁶`` (never ``1.23e+05``);
``∞`` for an infinity and ``—`` for a value that is not a number. A percentage follows the page's language
(:func:`percent`): ``15.3 %`` on an English page, ``15.3%`` on a Korean one.
"""

from __future__ import annotations

import math

from rnn_core.exercise import PERCENT_KEY
from rnn_core.numfmt import MINUS, PLAIN_RANGE, num, parts  # noqa: F401 (the pages' formatter)
from ui.i18n import catalog, current_language


def percent(p: float, digits: int = 3, lang: str | None = None) -> str:
    """A fraction in [0, 1] as a percentage in ``lang`` (the page's language by default): ``0.153`` is ``15.3 %`` in
    English and ``15.3%`` in Korean (docs/glossary-ko.md). The sign's place is the locale's text ``common.percent``,
    the one the exercises' values use too (:func:`rnn_core.exercise.percentage`)."""
    return catalog(lang or current_language())[PERCENT_KEY].format(value=num(100 * float(p), digits))


def latex(x: float, digits: int = 3) -> str:
    """``x`` inside ``st.latex``: ``1.23 \\cdot 10^{5}``, ``-2`` (LaTeX draws its own minus)."""
    x = float(x)
    if math.isnan(x):
        return r"\text{—}"
    if math.isinf(x):
        return r"\infty" if x > 0 else r"-\infty"
    if x == 0:
        return "0"
    sign, text, exponent = parts(x, digits)
    sign = "-" if sign else ""
    return sign + text if exponent is None else rf"{sign}{text} \cdot 10^{{{exponent}}}"


def integer(n: int) -> str:
    """A count or an index: all its digits, with a true minus sign."""
    n = int(n)
    return f"{MINUS}{-n}" if n < 0 else str(n)


# Vega-Lite cannot call Python: charts format their axes and tooltips with these d3-format strings, chosen to
# read like num() (3 significant digits, trimmed; SI prefixes are not used).
D3_NUMBER = ".3~g"


def d3_locale(lang: str | None = None) -> dict:
    """The charts' d3 number locale (Vega-Lite ``config.locale``), so that a percent format (``%``, ``.3~p``) on an
    axis or in a tooltip puts its sign where :func:`percent` does in ``lang`` (the page's language by default):
    ``20 %`` in English, ``20%`` in Korean. d3's own minus (−) is kept."""
    sign = catalog(lang or current_language())[PERCENT_KEY].format(value="")
    return {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""], "percent": sign}}


_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"


def number_expr(value: str) -> str:
    """A Vega expression that writes the number ``value`` (e.g. ``"datum.cost"``) as :func:`ui.numbers.num` does:
    3 significant digits, a true minus, ``1.23·10⁵`` beyond the plain range. Charts format in the browser, so
    tooltips and axes say the same as the page's prose (tests/test_app_counting.py renders it through vl-convert
    and compares)."""
    parts = f"split(format({value}, '.2~e'), 'e')"  # mantissa, exponent
    exponent = f"replace({parts}[1], '+', '')"
    for digit, superscript in enumerate(_SUPERSCRIPT_DIGITS):
        exponent = f"replace({exponent}, /{digit}/g, '{superscript}')"
    exponent = f"replace({exponent}, /-/g, '⁻')"
    plain = f"abs({value}) >= 100 ? format({value}, '.0f') : format({value}, '.3~g')"
    return (
        f"!isFinite({value}) ? ({value} > 0 ? '∞' : {value} < 0 ? '−∞' : '—') : {value} == 0 ? '0' : "
        f"abs({value}) >= 99999.5 || abs({value}) < 0.00099995 ? {parts}[0] + '·10' + {exponent} : ({plain})"
    )
