"""Tables that lay a computation out step by step for reading, as Markdown (rnn_core stays free of them).

Numbers are written with :func:`ui.numbers.num`, as everywhere else on the page, and aligned to the right.
Markdown tables fit their column on any screen (a phone included) and take the page's maths in their headers;
a long sequence shows its first and last steps with a row of dots between, as the unrolled diagram does.
"""

from __future__ import annotations

import numpy as np

from ui.i18n import t
from ui.numbers import integer, num

# The columns' headers (locale keys), in order.
FORWARD = {
    "t": "counting.col_t",
    "x": "counting.col_x",
    "carried": "counting.col_carried",
    "added": "counting.col_added",
    "state": "counting.col_state",
}
BACKWARD = {
    "k": "counting.col_k",
    "x": "counting.col_xk",
    "gS": "counting.col_gS",
    "dU": "counting.col_dU",
    "dW": "counting.col_dW",
    "sumU": "counting.col_sumU",
    "sumW": "counting.col_sumW",
}
FIRST_ROWS, LAST_ROWS = 8, 3  # a sequence longer than both together shows these, and dots between


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, every column aligned to the right (the cells are numbers written as text)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---:|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def shown_rows(T: int) -> list[int | None]:
    """The row indices 0..T-1 a table shows: all of them, or the first and last few with None (dots) between."""
    if T <= FIRST_ROWS + LAST_ROWS + 1:
        return list(range(T))
    return [*range(FIRST_ROWS), None, *range(T - LAST_ROWS, T)]


def rows_cut_caption(T: int) -> str | None:
    """What a table of ``T`` steps leaves out, or None when it shows them all."""
    if None not in shown_rows(T):
        return None
    return t("counting.rows_cut", first=integer(FIRST_ROWS + 1), last=integer(T - LAST_ROWS), steps=integer(T))


def _table(columns: dict[str, list[str]], headers: dict[str, str], backwards: bool = False) -> str:
    """Columns of one cell per step (step 1 first) as a table: steps in order, or ``backwards`` from the last;
    a long sequence leaves out the same steps either way."""
    names = list(columns)
    order = shown_rows(len(columns[names[0]]))
    rows = [
        [columns[name][i] for name in names] if i is not None else ["⋮"] * len(names)
        for i in (reversed(order) if backwards else order)
    ]
    return markdown_table([t(headers[name]) for name in names], rows)


def forward_table(x: np.ndarray, S: np.ndarray, W: float, U: float) -> str:
    """One row per step t: X_t, the carried part S_{t-1}·W, the new part X_t·U, and S_t (Markdown).

    Args:
        x: (T,) one sequence; S: (T+1,) its states.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        carried, added = S[:-1] * W, x * U
    return _table(
        {
            "t": [integer(step) for step in range(1, len(x) + 1)],
            "x": [integer(b) for b in x],
            "carried": [num(v) for v in carried],
            "added": [num(v) for v in added],
            "state": [num(v) for v in S[1:]],
        },
        FORWARD,
    )


def backward_table(x: np.ndarray, steps: dict[str, np.ndarray], sums: bool = True) -> str:
    """One row per step k = T..1 of BPTT for one sequence: dxi/dS_k, the step's share of dU and dW, and (with
    ``sums``) the running sums from k = T down, from :func:`rnn_core.counting.bptt` on a batch of one (Markdown)."""
    T = len(x)
    gS, gU, gW = steps["gS"][0, 1:], steps["gU"], steps["gW"]  # (T,) each, for k = 1..T
    columns = {
        "k": [integer(k) for k in range(1, T + 1)],
        "x": [integer(b) for b in x],
        "gS": [num(v) for v in gS],
        "dU": [num(v) for v in gU],
        "dW": [num(v) for v in gW],
    }
    if sums:
        with np.errstate(over="ignore", invalid="ignore"):
            sumU, sumW = np.cumsum(gU[::-1])[::-1], np.cumsum(gW[::-1])[::-1]  # summed from k = T down to k
        columns["sumU"], columns["sumW"] = [num(v) for v in sumU], [num(v) for v in sumW]
    return _table(columns, BACKWARD, backwards=True)
