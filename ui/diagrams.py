"""What every lesson's Graphviz (DOT) pictures of a recurrent network share: the subscripts, which steps an
unrolled picture draws, the font size and the colours. The pictures themselves are each lesson's (its
figures.py). Only numbers and translated labels go in; no user text."""

from __future__ import annotations

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(n: int) -> str:
    """A step index as a subscript: 12 → ₁₂."""
    return str(n).translate(_SUBSCRIPT)


# Text in every lesson's pictures is drawn at FONT_PT points: Streamlit shows a graph at its natural size (1 pt =
# 4/3 px) unless the column is narrower, so a picture narrow enough for its column keeps 14 pt = 18.7 px text.
FONT_PT = 14
COLOURS = {"input": "#ffe9a8", "state": "#d6e8f7", "output": "#e3f1df", "U": "#E69F00", "W": "#0072B2", "V": "#009E73"}


def unrolled_steps(T: int, shown: int = 4) -> list[int | None]:
    """The steps an unrolled picture draws: all of them up to ``shown``, else the first ``shown - 1``, an
    ellipsis (None) and the last."""
    return list(range(1, T + 1)) if T <= shown else [*range(1, shown), None, T]
