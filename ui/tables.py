"""Tables that lay a computation out step by step for reading (pandas stays out of rnn_core)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def forward_table(x: np.ndarray, S: np.ndarray, W: float, U: float, columns: dict[str, str]) -> pd.DataFrame:
    """One row per step t: X_t, the carried part S_{t-1}·W, the new part X_t·U, and S_t.

    Args:
        x: (T,) one sequence; S: (T+1,) its states; columns: translated headers for keys
           ``t, x, carried, added, state``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        carried, added = S[:-1] * W, x * U
    return pd.DataFrame({
        columns["t"]: np.arange(1, len(x) + 1), columns["x"]: x.astype(int),
        columns["carried"]: carried, columns["added"]: added, columns["state"]: S[1:],
    })


def backward_table(x: np.ndarray, steps: dict[str, np.ndarray], columns: dict[str, str]) -> pd.DataFrame:
    """One row per step k = T..1 of BPTT for one sequence: dxi/dS_k, the step's share of dU and dW, and the
    running sums, from :func:`rnn_core.counting.bptt` on a batch of one."""
    T = len(x)
    k = np.arange(T, 0, -1)
    gS = steps["gS"][0, k]
    gU, gW = steps["gU"][k - 1], steps["gW"][k - 1]
    with np.errstate(over="ignore", invalid="ignore"):
        return pd.DataFrame({
            columns["k"]: k, columns["x"]: x[k - 1].astype(int), columns["gS"]: gS,
            columns["dU"]: gU, columns["dW"]: gW,
            columns["sumU"]: np.cumsum(gU), columns["sumW"]: np.cumsum(gW),
        })
