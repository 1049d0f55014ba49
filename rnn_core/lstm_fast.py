"""The LSTM of :mod:`rnn_core.lstm` again, laid out for speed: the training loop of the lesson's models uses it.

The maths is the same (the equations are in :mod:`rnn_core.lstm`); tests/test_lstm.py proves ``forward`` and
``backward`` here equal to the readable step-by-step ones there to 1e-12. What is different:

- the four gates are fused into one (D, 4H) and one (H, 4H) matrix, so a step is one matmul instead of four;
- σ(z) = ½ tanh(z/2) + ½: with the σ columns of the weights halved, one tanh call per step makes all four gates;
- the loops run over time-major (T, N, .) arrays, so each step reads contiguous memory;
- the input part of every pre-activation, and the weight gradients, are one matmul over all steps at once.

No clamps: training never forces a gate (the lesson's clamped experiments run the readable version).
"""

from __future__ import annotations

import numpy as np

from rnn_core.lstm import GATES, Params

FUSED = ("f", "i", "o", "a")  # gate blocks of the fused (., 4H) arrays: the three σ gates, then a


def fuse(params: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The per-gate weights side by side: W (D, 4H), U (H, 4H), b (4H,), gate blocks in ``FUSED`` order."""
    W = np.concatenate([params[f"W_{g}"] for g in FUSED], axis=1)
    U = np.concatenate([params[f"U_{g}"] for g in FUSED], axis=1)
    b = np.concatenate([params[f"b_{g}"] for g in FUSED])
    return np.asarray(W, np.float64), np.asarray(U, np.float64), np.asarray(b, np.float64)


def blocks(H: int) -> dict[str, slice]:
    """Column slices of each gate in a fused (., 4H) array."""
    return {g: slice(k * H, (k + 1) * H) for k, g in enumerate(FUSED)}


def forward(
    X: np.ndarray, params: Params, h0: np.ndarray | None = None, c0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, dict]:
    """:func:`rnn_core.lstm.forward` without clamps: H, C (N, T, H) and a cache for :func:`backward`."""
    X = np.asarray(X, dtype=np.float64)
    N, T, _ = X.shape
    W, U, b = fuse(params)
    Hn = U.shape[0]
    h = np.zeros((N, Hn)) if h0 is None else np.array(h0, dtype=np.float64)
    c = np.zeros((N, Hn)) if c0 is None else np.array(c0, dtype=np.float64)
    h0_, c0_ = h, c
    blk = blocks(Hn)
    bf, bi, bo, ba = blk["f"], blk["i"], blk["o"], blk["a"]
    sigm = slice(0, 3 * Hn)  # the σ gates f, i, o are adjacent
    half = np.where(np.arange(4 * Hn) < 3 * Hn, 0.5, 1.0)  # σ(z) = ½ tanh(z/2) + ½ (halving is exact)
    Hs, Cs, TCs = (np.empty((T, N, Hn)) for _ in range(3))
    G = np.empty((T, N, 4 * Hn))
    with np.errstate(over="ignore", invalid="ignore"):
        X_tm = np.ascontiguousarray(X.transpose(1, 0, 2)).reshape(T * N, -1)  # (T·N, D), time-major rows
        Z = (X_tm @ (W * half)).reshape(T, N, 4 * Hn)  # the input part of every pre-activation at once
        Z += b * half
        U_half = U * half
        for t in range(T):
            z, g = Z[t], G[t]
            z += h @ U_half  # + the recurrent part
            np.tanh(z, out=g)  # a = tanh(z_a)
            g[:, sigm] *= 0.5
            g[:, sigm] += 0.5  # f, i, o = σ(z)
            c = np.multiply(g[:, bf], c, out=Cs[t])
            c += g[:, bi] * g[:, ba]  # c_t = f ⊙ c_{t-1} + i ⊙ a
            np.tanh(c, out=TCs[t])
            h = np.multiply(g[:, bo], TCs[t], out=Hs[t])  # h_t = o ⊙ tanh(c_t)
    cache = {"X": X, "h0": h0_, "c0": c0_, "W": W, "U": U, "H": Hs, "C": Cs, "tanh_c": TCs, "G": G}
    return Hs.transpose(1, 0, 2), Cs.transpose(1, 0, 2), cache


def backward(dH: np.ndarray, cache: dict) -> Params:
    """:func:`rnn_core.lstm.backward` (without ``dC_last``): gradients under the params' keys, X, h0, c0."""
    Hs, Cs, TCs, G, U = cache["H"], cache["C"], cache["tanh_c"], cache["G"], cache["U"]
    T, N, Hn = Hs.shape
    blk = blocks(Hn)
    bf, bi, bo, ba = blk["f"], blk["i"], blk["o"], blk["a"]
    dH = np.asarray(dH, dtype=np.float64).transpose(1, 0, 2)  # (N, T, H) -> (T, N, H) view
    with np.errstate(over="ignore", invalid="ignore"):
        slope = G * (1.0 - G)  # dσ/dz = σ(1 - σ) for f, i, o ...
        slope[:, :, ba] = 1.0 - G[:, :, ba] ** 2  # ... and d tanh/dz = 1 - a² for a
        out_slope = G[:, :, bo] * (1.0 - TCs**2)  # dh_t/dc_t = o ⊙ (1 - tanh²(c_t))
        C_prev = np.concatenate([cache["c0"][None], Cs[:-1]])
        dZ = np.empty((T, N, 4 * Hn))
        dh_next, dc_next = np.zeros((N, Hn)), np.zeros((N, Hn))
        for t in reversed(range(T)):
            g, dz = G[t], dZ[t]
            dh = dH[t] + dh_next
            dc = dh * out_slope[t]
            dc += dc_next
            np.multiply(dc, C_prev[t], out=dz[:, bf])
            np.multiply(dc, g[:, ba], out=dz[:, bi])
            np.multiply(dc, g[:, bi], out=dz[:, ba])
            np.multiply(dh, TCs[t], out=dz[:, bo])
            dz *= slope[t]
            dc_next = dc * g[:, bf]  # the gradient highway
            dh_next = dz @ U.T
        H_prev = np.concatenate([cache["h0"][None], Hs[:-1]])
        dZ2 = dZ.reshape(T * N, 4 * Hn)  # sum over time and batch in one matmul
        dW = cache["X"].transpose(1, 0, 2).reshape(T * N, -1).T @ dZ2
        dU = H_prev.reshape(T * N, Hn).T @ dZ2
        db = dZ2.sum(axis=0)
        dX = (dZ2 @ cache["W"].T).reshape(T, N, -1).transpose(1, 0, 2)
    grads = {}
    for g in GATES:
        grads[f"W_{g}"], grads[f"U_{g}"], grads[f"b_{g}"] = dW[:, blk[g]], dU[:, blk[g]], db[blk[g]]
    grads.update(X=dX, h0=dh_next, c0=dc_next)
    return grads
