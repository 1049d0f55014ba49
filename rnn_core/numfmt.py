"""Numbers as a student reads them, written once for the whole project (pure Python, no UI library).

``digits`` significant digits (3 by default), trailing zeros dropped; a true minus sign (−, U+2212); numbers
from 0.001 up to 100,000 in plain decimals (integers of four or five digits in full); beyond that a mantissa
times a power of ten with a superscript exponent, ``1.23·10⁵`` and ``4.5·10⁻⁶`` (never ``1.23e+05``); ``∞`` for an
infinity and ``—`` for a value that is not a number. ``ui.numbers`` (the pages) and the exercises
(prompts and explanations) both write numbers with these functions.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
PLAIN_RANGE = (1e-3, 1e5)  # |x| in this range is written without a power of ten


def parts(x: float, digits: int) -> tuple[str, str, int | None]:
    """(sign, digits as text, power of ten or None) of a finite, non-zero x."""
    sign = MINUS if x < 0 else ""
    a = abs(x)
    mantissa, exponent = f"{a:.{digits - 1}e}".split("e")
    exponent = int(exponent)  # after rounding: 99950 becomes 1.00e+05
    if PLAIN_RANGE[0] <= float(f"{mantissa}e{exponent}") < PLAIN_RANGE[1]:
        if exponent >= digits - 1:
            return sign, f"{a:.0f}", None
        text = f"{a:.{digits - 1 - exponent}f}"
        return sign, text.rstrip("0").rstrip(".") if "." in text else text, None
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return sign, mantissa, exponent


def num(x: float, digits: int = 3) -> str:
    """``x`` for reading: ``1.75``, ``−2``, ``0.0054``, ``12346``, ``1.23·10⁵``, ``2.6·10⁶⁰``, ``∞``, ``—``."""
    x = float(x)
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    if x == 0:
        return "0"
    sign, text, exponent = parts(x, digits)
    if exponent is None:
        return sign + text
    return f"{sign}{text}·10{str(exponent).translate(_SUPERSCRIPT)}"


def percent(p: float, digits: int = 3) -> str:
    """A fraction in [0, 1] as a percentage: ``0.153`` → ``15.3 %``. This is the English pages' style and knows no
    language: a page writes :func:`ui.numbers.percent` (``15.3%`` in Korean), an exercise's value
    :func:`rnn_core.exercise.percentage`."""
    return f"{num(100 * float(p), digits)} %"
