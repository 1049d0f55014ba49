"""Tables that lay a computation out step by step for reading (pandas stays out of rnn_core).

Numbers are written with :func:`ui.numbers.num`, as everywhere else on the page, so the tables hold text;
:func:`right_aligned` keeps those columns aligned like numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ui.numbers import integer, num


def texts(values: np.ndarray) -> list[str]:
    return [num(v) for v in values]


def forward_table(x: np.ndarray, S: np.ndarray, W: float, U: float, columns: dict[str, str]) -> pd.DataFrame:
    """One row per step t: X_t, the carried part S_{t-1}·W, the new part X_t·U, and S_t.

    Args:
        x: (T,) one sequence; S: (T+1,) its states; columns: translated headers for keys
           ``t, x, carried, added, state``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        carried, added = S[:-1] * W, x * U
    return pd.DataFrame({
        columns["t"]: [integer(step) for step in range(1, len(x) + 1)], columns["x"]: [integer(b) for b in x],
        columns["carried"]: texts(carried), columns["added"]: texts(added), columns["state"]: texts(S[1:]),
    })


def backward_table(x: np.ndarray, steps: dict[str, np.ndarray], columns: dict[str, str]) -> pd.DataFrame:
    """One row per step k = T..1 of BPTT for one sequence: dxi/dS_k, the step's share of dU and dW, and the
    running sums, from :func:`rnn_core.counting.bptt` on a batch of one."""
    T = len(x)
    k = np.arange(T, 0, -1)
    gS = steps["gS"][0, k]
    gU, gW = steps["gU"][k - 1], steps["gW"][k - 1]
    with np.errstate(over="ignore", invalid="ignore"):
        sumU, sumW = np.cumsum(gU), np.cumsum(gW)
    return pd.DataFrame({
        columns["k"]: [integer(step) for step in k], columns["x"]: [integer(b) for b in x[k - 1]],
        columns["gS"]: texts(gS), columns["dU"]: texts(gU), columns["dW"]: texts(gW),
        columns["sumU"]: texts(sumU), columns["sumW"]: texts(sumW),
    })


def right_aligned(table: pd.DataFrame) -> dict:
    """``column_config`` that aligns every column of a table of numbers-as-text to the right."""
    return {name: st.column_config.TextColumn(alignment="right") for name in table.columns}
