"""Long short-term memory: forward pass and backpropagation through time (BPTT), gate by gate.

Hochreiter & Schmidhuber (1997), with the forget gate of Gers et al. (2000); the note's naming
(Python Deep Learning, ch. 6). Row-vector convention: ``x_t`` and ``h_t`` are rows, weights multiply on the
right::

    f_t = σ(x_t W_f + h_{t-1} U_f + b_f)        forget gate
    i_t = σ(x_t W_i + h_{t-1} U_i + b_i)        input gate
    a_t = tanh(x_t W_a + h_{t-1} U_a + b_a)     candidate values, added to the cell through i_t
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ a_t             cell state
    o_t = σ(x_t W_o + h_{t-1} U_o + b_o)        output gate
    h_t = o_t ⊙ tanh(c_t)                       hidden state, the LSTM's output

In this lesson **W is the input weight and U the recurrent one**, as in the note's LSTM section; the counting
lesson (:mod:`rnn_core.counting`) uses the opposite letters (U input, W recurrent).

Shapes (batch-first): inputs ``X`` (N, T, D); hidden and cell states ``H``, ``C`` (N, T, H) with
``H[:, t] = h_{t+1}`` (the state after reading ``X[:, t]``); ``W_g`` (D, H), ``U_g`` (H, H), ``b_g`` (H,) for
each gate g in f, i, a, o. The pre-activations (the arguments of σ and tanh) are ``z_f, z_i, z_a, z_o``.

Backward, one step (``dh_t``, ``dc_t`` are the total gradients of the loss with respect to h_t and c_t)::

    dh_t     = dL/dh_t from above (e.g. a readout) + dh_{t+1 → t}
    dc_t     = dc_{t+1 → t} + dh_t ⊙ o_t ⊙ (1 - tanh²(c_t))
    dz_f     = dc_t ⊙ c_{t-1} ⊙ f_t(1 - f_t),   dz_i = dc_t ⊙ a_t ⊙ i_t(1 - i_t)
    dz_a     = dc_t ⊙ i_t ⊙ (1 - a_t²),          dz_o = dh_t ⊙ tanh(c_t) ⊙ o_t(1 - o_t)
    dc_{t → t-1} = dc_t ⊙ f_t                      the "gradient highway": no weight matrix, no squashing
    dh_{t → t-1} = Σ_g dz_g U_gᵀ

With f_t = 1 the cell's gradient passes back unchanged, however many steps: that is how the LSTM keeps the
gradient from vanishing. Internally the four gates are fused into one (D, 4H) and one (H, 4H) matrix (one
matmul per step instead of four); the params dict keeps one entry per equation symbol.
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]

GATES = ("f", "i", "a", "o")  # the note's order
TORCH_GATES = ("i", "f", "a", "o")  # PyTorch's row blocks i, f, g, o (its g is the note's a)
PARAM_NAMES = tuple(f"{kind}_{g}" for g in GATES for kind in ("W", "U", "b"))


def init_params(
    input_size: int, hidden_size: int, rng: np.random.Generator, forget_bias: float = 1.0
) -> Params:
    """Random LSTM weights: every entry ~ U[-1/√H, 1/√H] (PyTorch's default), biases 0, ``b_f = forget_bias``.

    A positive forget bias starts the forget gates near 1 (σ(1) ≈ 0.73, σ(3) ≈ 0.95), so the cell remembers,
    and passes gradient back, from the first update (Gers et al. 2000; Jozefowicz et al. 2015).

    Args:
        input_size: D; hidden_size: H; rng: the only source of randomness.
    Returns:
        ``{W_f, U_f, b_f, W_i, U_i, b_i, W_a, U_a, b_a, W_o, U_o, b_o}``: W (D, H), U (H, H), b (H,).
    """
    bound = 1.0 / np.sqrt(hidden_size)
    params = {}
    for g in GATES:
        params[f"W_{g}"] = rng.uniform(-bound, bound, size=(input_size, hidden_size))
        params[f"U_{g}"] = rng.uniform(-bound, bound, size=(hidden_size, hidden_size))
        params[f"b_{g}"] = np.full(hidden_size, forget_bias if g == "f" else 0.0)
    return params


FUSED = ("f", "i", "o", "a")  # gate blocks of the fused (., 4H) arrays: the three σ gates, then a


def _fuse(params: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The per-gate weights side by side: W (D, 4H), U (H, 4H), b (4H,), gate blocks in ``FUSED`` order."""
    W = np.concatenate([params[f"W_{g}"] for g in FUSED], axis=1)
    U = np.concatenate([params[f"U_{g}"] for g in FUSED], axis=1)
    b = np.concatenate([params[f"b_{g}"] for g in FUSED])
    return np.asarray(W, np.float64), np.asarray(U, np.float64), np.asarray(b, np.float64)


def _blocks(H: int) -> dict[str, slice]:
    """Column slices of each gate in a fused (., 4H) array."""
    return {g: slice(k * H, (k + 1) * H) for k, g in enumerate(FUSED)}


def _clamp_table(clamp: dict | None, T: int, H: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Turn a ``clamp`` argument (see :func:`forward`) into ``(forced, free)``, (T, 4H) in ``FUSED`` order.

    ``forced`` holds the imposed gate values (0 where free), ``free`` is True where the gate is computed.
    """
    if not clamp:
        return None
    forced = np.zeros((T, 4 * H))
    free = np.ones((T, 4 * H), dtype=bool)
    blocks = _blocks(H)
    for gate, values in clamp.items():
        if gate not in GATES:
            raise ValueError(f"clamp: unknown gate {gate!r}, expected one of {GATES}")
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]  # (T,) -> (T, 1): the same value for every unit
        if values.shape[0] != T or values.ndim != 2 or values.shape[1] not in (1, H):
            raise ValueError(f"clamp[{gate!r}]: shape {values.shape}, expected ({T},) or ({T}, {H})")
        is_free = np.isnan(np.broadcast_to(values, (T, H)))
        free[:, blocks[gate]] = is_free
        forced[:, blocks[gate]] = np.where(is_free, 0.0, values)
    return forced, free


def clamp_steps(T: int, steps, value: float) -> np.ndarray:
    """A (T,) clamp schedule: ``value`` at the given 0-based ``steps``, nan (free) elsewhere."""
    schedule = np.full(T, np.nan)
    schedule[list(steps)] = value
    return schedule


def forward(
    X: np.ndarray,
    params: Params,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    clamp: dict | None = None,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run the LSTM over every sequence of the batch.

    Args:
        X: (N, T, D) inputs. params: as from :func:`init_params`. h0, c0: (N, H) initial states (zeros
            if None).
        clamp: optional ``{gate: schedule}`` forcing gates to chosen values, for the lesson's "what if the
            gate were exactly 0 or 1" experiments. ``gate`` is one of ``"f", "i", "a", "o"``; ``schedule`` is
            a (T,) array (one value for all units) or a (T, H) array (per unit) whose entry at step t is the
            value the gate takes there, or nan where the gate is computed as usual (``clamp_steps`` builds
            one). Values are used as given: ``a`` may be clamped outside tanh's range, which replays the
            book's "write 4.2 into the cell" story. A clamped gate does not depend on its pre-activation, so
            its gradient into ``z`` and the weights is zero there; the pre-activation is still computed and
            cached for display.
    Returns:
        H: (N, T, H) hidden states h_1..h_T; C: (N, T, H) cell states c_1..c_T; cache: a dict with
        ``f, i, a, o`` (N, T, H) the gate values actually used, ``z_f, z_i, z_a, z_o`` (N, T, H) their
        pre-activations, ``tanh_c`` (N, T, H), ``X``, ``h0``, ``c0``, ``H``, ``C``, and ``nonfinite_at``: the
        first step (0-based, into H) whose state is not finite, or None. The gate arrays are views of the
        fused ``G`` and ``Z`` (N, T, 4H, blocks in ``FUSED`` order); ``W``, ``U``, ``b`` (fused), ``clamp``
        and ``time_major`` (the same arrays laid out (T, N, .)) serve :func:`backward`.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"X must be (N, T, D), got shape {X.shape}")
    N, T, _ = X.shape
    W, U, b = _fuse(params)
    Hn = U.shape[0]
    h = np.zeros((N, Hn)) if h0 is None else np.array(h0, dtype=np.float64)
    c = np.zeros((N, Hn)) if c0 is None else np.array(c0, dtype=np.float64)
    h0_, c0_ = h, c
    table = _clamp_table(clamp, T, Hn)
    clamped = None if table is None else ~table[1]
    blk = _blocks(Hn)
    bf, bi, bo, ba = blk["f"], blk["i"], blk["o"], blk["a"]  # column blocks
    sigm = slice(0, 3 * Hn)  # the σ gates f, i, o are adjacent
    # σ(z) = ½ tanh(z/2) + ½: with the σ columns of W, U, b halved, one tanh call per step makes all four
    # gates. Halving is exact in floating point, so z is recovered bit for bit by doubling after the loop.
    half = np.where(np.arange(4 * Hn) < 3 * Hn, 0.5, 1.0)
    W_half, U_half = W * half, U * half
    # Internally time-major (T, N, .), so each step works on contiguous memory; returned as batch-first views.
    Hs, Cs, TCs = (np.empty((T, N, Hn)) for _ in range(3))
    G = np.empty((T, N, 4 * Hn))
    with np.errstate(over="ignore", invalid="ignore"):
        X_tm = np.ascontiguousarray(X.transpose(1, 0, 2)).reshape(T * N, -1)  # (T·N, D), time-major rows
        Z = (X_tm @ W_half).reshape(T, N, 4 * Hn)  # the input part of every pre-activation, in one matmul
        Z += b * half
        for t in range(T):
            z, g = Z[t], G[t]
            z += h @ U_half  # + the recurrent part: z_f, z_i, z_o (halved) and z_a side by side
            np.tanh(z, out=g)  # a = tanh(z_a)
            g[:, sigm] *= 0.5
            g[:, sigm] += 0.5  # f, i, o = σ(z)
            if clamped is not None:
                np.copyto(g, table[0][t], where=clamped[t])  # clamped gates take their forced value
            c = np.multiply(g[:, bf], c, out=Cs[t])
            c += g[:, bi] * g[:, ba]  # c_t = f ⊙ c_{t-1} + i ⊙ a
            np.tanh(c, out=TCs[t])
            h = np.multiply(g[:, bo], TCs[t], out=Hs[t])  # h_t = o ⊙ tanh(c_t)
        Z[:, :, sigm] *= 2.0  # undo the halving: the true pre-activations, for display
    bad = ~(np.isfinite(Hs).all(axis=(1, 2)) & np.isfinite(Cs).all(axis=(1, 2)))
    G_bf, Z_bf = G.transpose(1, 0, 2), Z.transpose(1, 0, 2)  # (T, N, 4H) -> (N, T, 4H) views
    cache = {
        "X": X,
        "h0": h0_,
        "c0": c0_,
        "H": Hs.transpose(1, 0, 2),
        "C": Cs.transpose(1, 0, 2),
        "tanh_c": TCs.transpose(1, 0, 2),
        "G": G_bf,
        "Z": Z_bf,
        "W": W,
        "U": U,
        "b": b,
        "clamp": table,
        "nonfinite_at": int(np.argmax(bad)) if bad.any() else None,
        "time_major": {"H": Hs, "C": Cs, "tanh_c": TCs, "G": G},
    }
    for gate in GATES:
        cache[gate], cache[f"z_{gate}"] = G_bf[:, :, blk[gate]], Z_bf[:, :, blk[gate]]
    return cache["H"], cache["C"], cache


def _bptt(dH: np.ndarray, cache: dict, dC_last: np.ndarray | None, flow: dict | None) -> Params:
    """Backpropagation through time; fills ``flow["dh"]``, ``flow["dc"]`` (T,) with per-step norms if given.

    Time-major like the forward pass; the equations are in the module docstring.
    """
    tm = cache["time_major"]  # (T, N, .) arrays: contiguous steps
    Hs, Cs, TCs, G, U = tm["H"], tm["C"], tm["tanh_c"], tm["G"], cache["U"]
    T, N, Hn = Hs.shape
    blk = _blocks(Hn)
    bf, bi, bo, ba = blk["f"], blk["i"], blk["o"], blk["a"]  # column blocks
    dH = dH.transpose(1, 0, 2)  # (N, T, H) -> (T, N, H) view
    with np.errstate(over="ignore", invalid="ignore"):
        # The factors that need no recursion, for every step at once:
        slope = G * (1.0 - G)  # dσ/dz = σ(1 - σ) for f, i, o ...
        slope[:, :, ba] = 1.0 - G[:, :, ba] ** 2  # ... and d tanh/dz = 1 - a² for a
        if cache["clamp"] is not None:
            slope *= cache["clamp"][1][:, None]  # a clamped gate does not depend on its pre-activation
        out_slope = G[:, :, bo] * (1.0 - TCs**2)  # dh_t/dc_t = o ⊙ (1 - tanh²(c_t))
        C_prev = np.concatenate([cache["c0"][None], Cs[:-1]])  # c_{t-1} for every step
        dZ = np.empty((T, N, 4 * Hn))
        dh_next = np.zeros((N, Hn))  # dL/dh_t arriving from step t+1
        dc_next = np.zeros((N, Hn)) if dC_last is None else np.array(dC_last, dtype=np.float64)
        for t in reversed(range(T)):
            g, dz = G[t], dZ[t]
            dh = dH[t] + dh_next  # upstream on h_t + from step t+1
            dc = dh * out_slope[t]
            dc += dc_next  # through h_t = o ⊙ tanh(c_t), + from c_{t+1}
            np.multiply(dc, C_prev[t], out=dz[:, bf])  # c_t = f ⊙ c_{t-1} + ...: df
            np.multiply(dc, g[:, ba], out=dz[:, bi])  # ... + i ⊙ a: di
            np.multiply(dc, g[:, bi], out=dz[:, ba])  # ... + i ⊙ a: da
            np.multiply(dh, TCs[t], out=dz[:, bo])  # h_t = o ⊙ tanh(c_t): do
            dz *= slope[t]  # through σ and tanh: dz_f, dz_i, dz_o, dz_a
            if flow is not None:
                flow["dh"][t], flow["dc"][t] = np.linalg.norm(dh), np.linalg.norm(dc)
            dc_next = dc * g[:, bf]  # into the previous cell: the gradient highway
            dh_next = dz @ U.T  # into the previous hidden state, through every gate's U
        H_prev = np.concatenate([cache["h0"][None], Hs[:-1]])  # h_{t-1} for every step
        dZ2 = dZ.reshape(T * N, 4 * Hn)  # (T, N, 4H) -> (T·N, 4H): sum over time and batch in one matmul
        dW = cache["X"].transpose(1, 0, 2).reshape(T * N, -1).T @ dZ2  # z = x W + ...
        dU = H_prev.reshape(T * N, Hn).T @ dZ2  # z = ... + h_{t-1} U
        db = dZ2.sum(axis=0)
        dX = (dZ2 @ cache["W"].T).reshape(T, N, -1).transpose(1, 0, 2)  # z = x W: back to (N, T, D)
    grads = {}
    for g in GATES:
        grads[f"W_{g}"], grads[f"U_{g}"], grads[f"b_{g}"] = dW[:, blk[g]], dU[:, blk[g]], db[blk[g]]
    grads.update(X=dX, h0=dh_next, c0=dc_next)
    return grads


def backward(dH: np.ndarray, cache: dict, dC_last: np.ndarray | None = None) -> Params:
    """Gradients of a loss L given its gradient on every hidden state (and optionally on the last cell).

    Args:
        dH: (N, T, H) dL/dh_t for t = 1..T (zeros where the loss does not read h_t). cache: from
            :func:`forward`. dC_last: (N, H) dL/dc_T from outside the LSTM (e.g. a carried-over state) or
            None.
    Returns:
        Gradients under the params' keys (same shapes), plus ``X`` (N, T, D), ``h0`` and ``c0`` (N, H).
    """
    return _bptt(np.asarray(dH, dtype=np.float64), cache, dC_last, None)


def gradient_flow(cache: dict, dH_last: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """How much gradient reaches each earlier state when the loss reads only the last hidden state.

    For the "gradient highway" chart: with forget gates near 1, ``dc`` stays level over many steps, while a
    plain tanh RNN's gradient shrinks geometrically.

    Args:
        cache: from :func:`forward`. dH_last: (N, H) dL/dh_T (ones if None).
    Returns:
        ``{"dh": (T,), "dc": (T,)}``: entry t is the norm (over batch and units) of dL/dh and dL/dc of the
        state ``H[:, t]``, ``C[:, t]``; both totals, i.e. through every later step.
    """
    N, T, Hn = cache["H"].shape
    dH = np.zeros((N, T, Hn))
    dH[:, -1] = 1.0 if dH_last is None else dH_last
    flow = {"dh": np.zeros(T), "dc": np.zeros(T)}
    _bptt(dH, cache, None, flow)
    return flow


def params_from_torch(state_dict: dict) -> Params:
    """Convert a one-layer ``torch.nn.LSTM`` state dict to this module's params (numpy in, numpy out).

    PyTorch stacks the gates as row blocks in the order i, f, g, o (its g is the note's a) and uses column
    vectors (``W x``), so each block is transposed: ``W_i = weight_ih_l0[0:H].T`` (D, H),
    ``U_i = weight_hh_l0[0:H].T`` (H, H). Its two biases are added:
    ``b_i = bias_ih_l0[0:H] + bias_hh_l0[0:H]``.

    Args:
        state_dict: ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H), ``bias_ih_l0``, ``bias_hh_l0`` (4H,);
            arrays or CPU tensors (anything ``np.asarray`` reads). Other keys are ignored.
    """
    w_ih = np.asarray(state_dict["weight_ih_l0"], dtype=np.float64)
    w_hh = np.asarray(state_dict["weight_hh_l0"], dtype=np.float64)
    bias = np.asarray(state_dict["bias_ih_l0"], np.float64) + np.asarray(state_dict["bias_hh_l0"], np.float64)
    Hn = w_hh.shape[1]
    blocks = {}
    for k, g in enumerate(TORCH_GATES):
        rows = slice(k * Hn, (k + 1) * Hn)
        blocks[g] = (w_ih[rows].T.copy(), w_hh[rows].T.copy(), bias[rows].copy())
    return {f"{kind}_{g}": blocks[g][j] for g in GATES for j, kind in enumerate(("W", "U", "b"))}


def params_to_torch(params: Params) -> dict[str, np.ndarray]:
    """Convert params to a one-layer ``torch.nn.LSTM`` state dict of numpy arrays (the inverse of the above).

    The bias ``b_g`` goes whole into ``bias_ih_l0`` and ``bias_hh_l0`` is zero (PyTorch only uses their sum).
    Load with ``lstm.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})``.
    """
    return {
        "weight_ih_l0": np.concatenate([params[f"W_{g}"].T for g in TORCH_GATES], axis=0),
        "weight_hh_l0": np.concatenate([params[f"U_{g}"].T for g in TORCH_GATES], axis=0),
        "bias_ih_l0": np.concatenate([params[f"b_{g}"] for g in TORCH_GATES]),
        "bias_hh_l0": np.zeros(4 * params["U_f"].shape[0]),
    }


# --- One cell by hand, and the gates' operating modes (the lesson's first two sections) ---

CELL_MODES = {"keep": {"f": 1.0, "i": 0.0}, "erase": {"f": 0.0, "i": 0.0}, "write": {"f": 0.0, "i": 1.0}}
OUTPUT_MODES = {"read": 1.0, "hide": 0.0}
# The book's four-step story: the value offered for writing (a_t) and the ideal gates at each step. 4.2 is
# written at step 1 (i = 1, f = 0), kept through steps 2 and 3 (f = 1, i = 0) and read out at step 4 (o = 1).
# The values offered at steps 2-4 are not written; a_t is clamped, so it may lie outside tanh's range.
STORY = {
    "a": (4.2, 0.7, -0.5, 0.1),
    "f": (0.0, 1.0, 1.0, 1.0),
    "i": (1.0, 0.0, 0.0, 0.0),
    "o": (0.0, 0.0, 0.0, 1.0),
}


def one_unit_params(weights: dict[str, tuple[float, float, float]]) -> Params:
    """The params of a cell with one input and one unit (D = H = 1) from ``{gate: (W_g, U_g, b_g)}``."""
    params = {}
    for g in GATES:
        w, u, b = weights[g]
        params[f"W_{g}"], params[f"U_{g}"], params[f"b_{g}"] = np.array([[w]]), np.array([[u]]), np.array([b])
    return params


def cell_values(x: float, h_prev: float, c_prev: float, params: Params, clamp: dict | None = None) -> dict:
    """One step of a one-unit cell, every intermediate value by name.

    Args:
        x, h_prev, c_prev: x_t, h_{t-1}, c_{t-1}. params: from :func:`one_unit_params`. clamp: as in
            :func:`forward` (schedules of length 1).
    Returns:
        floats ``z_f, z_i, z_a, z_o`` (pre-activations), ``f, i, a, o`` (the gates used), ``kept`` = f·c_{t-1},
        ``written`` = i·a, ``c`` = c_t, ``tanh_c`` and ``h`` = h_t.
    """
    H, C, cache = forward(np.array([[[x]]]), params, np.array([[h_prev]]), np.array([[c_prev]]), clamp=clamp)
    values = {name: float(cache[name][0, 0, 0]) for name in (*GATES, *(f"z_{g}" for g in GATES), "tanh_c")}
    values.update(kept=values["f"] * c_prev, written=values["i"] * values["a"], c=float(C[0, 0, 0]),
                  h=float(H[0, 0, 0]))
    return values


def gate_value(ideal: float, saturation: float | None) -> float:
    """A gate that should be ``ideal`` (0 or 1): exactly that, or σ(±saturation), what a logistic gate with a
    pre-activation of size ``saturation`` gives (σ(4) ≈ 0.982, σ(-4) ≈ 0.018). Never exactly 0 or 1."""
    if saturation is None:
        return float(ideal)
    z = saturation if ideal >= 0.5 else -saturation
    return float(0.5 * np.tanh(0.5 * z) + 0.5)  # σ(z) without exp overflow


def mode_clamp(cell_mode: str, output_mode: str, saturation: float | None = None) -> dict[str, np.ndarray]:
    """A one-step clamp (see :func:`forward`) setting f, i and o to an operating mode of the note's table.

    Args:
        cell_mode: a key of :data:`CELL_MODES` (keep: f = 1, i = 0; erase: f = 0, i = 0; write: f = 0, i = 1).
        output_mode: ``"read"`` (o = 1) or ``"hide"`` (o = 0). saturation: None for the ideal 0/1 gates, else
            the size of the pre-activations (see :func:`gate_value`). The candidate a is left free.
    """
    ideal = {**CELL_MODES[cell_mode], "o": OUTPUT_MODES[output_mode]}
    return {g: np.array([gate_value(v, saturation)]) for g, v in ideal.items()}


def story(saturation: float | None = None) -> dict[str, np.ndarray]:
    """The book's four steps (:data:`STORY`) run through a one-unit cell that starts empty (c_0 = h_0 = 0).

    Args:
        saturation: None for ideal gates (exactly 0 or 1), else gates σ(±saturation) (see :func:`gate_value`).
    Returns:
        (4,) arrays ``a, f, i, o`` (the values used), ``c`` (c_1..c_4) and ``h`` (h_1..h_4). With ideal gates
        c stays exactly 4.2 and the readout is h_4 = tanh(4.2) ≈ 0.9996: the stored value is c, not h.
    """
    clamp = {g: np.array([gate_value(v, saturation) for v in STORY[g]]) for g in ("f", "i", "o")}
    clamp["a"] = np.array(STORY["a"])
    zero = one_unit_params({g: (0.0, 0.0, 0.0) for g in GATES})  # every gate is clamped: weights unused
    H, C, cache = forward(np.zeros((1, len(STORY["a"]), 1)), zero, clamp=clamp)
    return {**{g: cache[g][0, :, 0].copy() for g in GATES}, "c": C[0, :, 0].copy(), "h": H[0, :, 0].copy()}


def memory_after(f: float, steps: int) -> float:
    """The fraction of a cell's value left after ``steps`` steps of "keep" with forget gate ``f`` and input
    gate 0: c_{t+n} = f^n c_t."""
    return float(f**steps)


# A student's own torch.nn.LSTM weights, read without PyTorch (its own module: file formats are not the maths).
from rnn_core.lstm_weights import WeightsError, load_weights  # noqa: E402, F401
