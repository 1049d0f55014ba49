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
gradient from vanishing. Laid out as CS231n lays out its ``lstm_step_forward``/``lstm_step_backward``: one step
forward and one step back with their cache (:func:`step_forward`, :func:`step_backward`), then the loops over
time (:func:`forward`, :func:`backward`). The lesson's training runs the same maths fused for speed
(:mod:`rnn_core.lstm_fast`, tested equal to these to 1e-12).
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]

GATES = ("f", "i", "a", "o")  # the note's order
TORCH_GATES = ("i", "f", "a", "o")  # PyTorch's row blocks i, f, g, o (its g is the note's a)
PARAM_NAMES = tuple(f"{kind}_{g}" for g in GATES for kind in ("W", "U", "b"))


def init_params(input_size: int, hidden_size: int, rng: np.random.Generator, forget_bias: float = 1.0) -> Params:
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


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function σ(z) = 1 / (1 + e^(−z)), between 0 and 1 (e^(−z) may overflow to ∞: σ is then 0)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: Params, clamp: dict | None = None
) -> tuple[np.ndarray, np.ndarray, dict]:
    """One LSTM step for a batch: the equations of the module docstring, one line each.

    Args:
        x: (N, D) inputs x_t. h_prev, c_prev: (N, H) the previous output h_{t-1} and cell state c_{t-1}.
        params: W_g (D, H), U_g (H, H), b_g (H,) for g in f, i, a, o.
        clamp: optional ``{gate: (H,) values}`` for this step: the gate takes the value given instead of its
            σ or tanh (nan: computed as usual). See :func:`forward`.
    Returns:
        h, c: (N, H) the new output h_t and cell state c_t; cache: what :func:`step_backward` needs.
    """
    z = {g: x @ params[f"W_{g}"] + h_prev @ params[f"U_{g}"] + params[f"b_{g}"] for g in GATES}
    gates = {"f": sigmoid(z["f"]), "i": sigmoid(z["i"]), "a": np.tanh(z["a"]), "o": sigmoid(z["o"])}
    free = {g: np.ones(h_prev.shape[1]) for g in GATES}  # 1 where the gate is computed, 0 where it is set
    for g, value in (clamp or {}).items():
        free[g] = np.isnan(value).astype(np.float64)
        gates[g] = np.where(np.isnan(value), gates[g], value)
    f, i, a, o = (gates[g] for g in GATES)
    c = f * c_prev + i * a  # forget some of the old cell, add some of the candidate
    tanh_c = np.tanh(c)
    h = o * tanh_c  # show some of the squashed cell
    cache = {
        "x": x,
        "h_prev": h_prev,
        "c_prev": c_prev,
        "z": z,
        **gates,
        "tanh_c": tanh_c,
        "free": free,
        "params": params,
    }
    return h, c, cache


def step_backward(dh: np.ndarray, dc_next: np.ndarray, cache: dict) -> dict[str, np.ndarray]:
    """One step back through :func:`step_forward`, one chain-rule step a line.

    Args:
        dh: (N, H) the total gradient dL/dh_t (from above and from step t+1).
        dc_next: (N, H) the gradient that reaches c_t from c_{t+1} (the highway).
        cache: from :func:`step_forward`.
    Returns:
        ``c``: (N, H) the total dL/dc_t; ``x`` (N, D), ``h_prev`` and ``c_prev`` (N, H): the gradients sent to
        the step's inputs; and this step's share of every weight's gradient under the params' keys.
    """
    f, i, a, o, tanh_c, c_prev = (cache[k] for k in ("f", "i", "a", "o", "tanh_c", "c_prev"))
    params, free = cache["params"], cache["free"]
    dc = dc_next + dh * o * (1.0 - tanh_c**2)  # h_t = o ⊙ tanh(c_t): through tanh, + from c_{t+1}
    do = dh * tanh_c  # h_t = o ⊙ tanh(c_t)
    df, di, da = dc * c_prev, dc * a, dc * i  # c_t = f ⊙ c_{t-1} + i ⊙ a
    dz = {
        "f": df * f * (1.0 - f),
        "i": di * i * (1.0 - i),  # through σ: σ' = σ(1 - σ)
        "a": da * (1.0 - a**2),
        "o": do * o * (1.0 - o),
    }  # through tanh: tanh' = 1 - tanh²
    dz = {g: dz[g] * free[g] for g in GATES}  # a clamped gate does not depend on its pre-activation
    grads = {"c": dc, "c_prev": dc * f}  # into the previous cell: the gradient highway, only f on the way
    for g in GATES:  # z_g = x W_g + h_{t-1} U_g + b_g
        grads[f"W_{g}"] = cache["x"].T @ dz[g]
        grads[f"U_{g}"] = cache["h_prev"].T @ dz[g]
        grads[f"b_{g}"] = dz[g].sum(axis=0)
    grads["x"] = sum(dz[g] @ params[f"W_{g}"].T for g in GATES)
    grads["h_prev"] = sum(dz[g] @ params[f"U_{g}"].T for g in GATES)  # into h_{t-1}, through every gate's U
    return grads


def clamp_schedules(clamp: dict | None, T: int, H: int) -> dict[str, np.ndarray]:
    """A ``clamp`` argument of :func:`forward` as ``{gate: (T, H) values}``, nan where the gate is computed."""
    schedules = {}
    for gate, values in (clamp or {}).items():
        if gate not in GATES:
            raise ValueError(f"clamp: unknown gate {gate!r}, expected one of {GATES}")
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]  # (T,) -> (T, 1): the same value for every unit
        if values.shape[0] != T or values.ndim != 2 or values.shape[1] not in (1, H):
            raise ValueError(f"clamp[{gate!r}]: shape {values.shape}, expected ({T},) or ({T}, {H})")
        schedules[gate] = np.broadcast_to(values, (T, H))
    return schedules


def clamp_steps(T: int, steps, value: float) -> np.ndarray:
    """A (T,) clamp schedule: ``value`` at the given 0-based ``steps``, nan (free) elsewhere."""
    schedule = np.full(T, np.nan)
    schedule[list(steps)] = value
    return schedule


def forward(
    X: np.ndarray, params: Params, h0: np.ndarray | None = None, c0: np.ndarray | None = None, clamp: dict | None = None
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run the LSTM over every sequence of the batch: :func:`step_forward` at t = 1..T.

    Args:
        X: (N, T, D) inputs. params: as from :func:`init_params`. h0, c0: (N, H) initial states (zeros if None).
        clamp: optional ``{gate: schedule}`` forcing gates to chosen values, for the lesson's "what if the gate
            were exactly 0 or 1" experiments: a (T,) schedule (every unit) or a (T, H) one, nan where the gate
            is computed as usual (:func:`clamp_steps` builds one). Values are used as given: ``a`` may be set
            outside tanh's range (the book's "write 4.2 into the cell").
    Returns:
        H, C: (N, T, H) outputs h_1..h_T and cell states c_1..c_T; cache: ``steps`` (each step's cache, for
        :func:`backward`), the gates ``f, i, a, o`` and pre-activations ``z_f, z_i, z_a, z_o`` (N, T, H),
        ``tanh_c``, ``X``, ``H``, ``C``, and ``nonfinite_at``: the first step (0-based) whose state is not
        finite, or None.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"X must be (N, T, D), got shape {X.shape}")
    N, T, _ = X.shape
    Hn = params["U_f"].shape[0]
    h = np.zeros((N, Hn)) if h0 is None else np.array(h0, dtype=np.float64)
    c = np.zeros((N, Hn)) if c0 is None else np.array(c0, dtype=np.float64)
    schedules = clamp_schedules(clamp, T, Hn)
    steps, Hs, Cs = [], [], []
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported in nonfinite_at
        for t in range(T):
            h, c, step = step_forward(X[:, t], h, c, params, {g: s[t] for g, s in schedules.items()})
            steps.append(step)
            Hs.append(h)
            Cs.append(c)
    H, C = np.stack(Hs, axis=1), np.stack(Cs, axis=1)
    cache = {
        "steps": steps,
        "X": X,
        "H": H,
        "C": C,
        **{k: np.stack([s[k] for s in steps], axis=1) for k in (*GATES, "tanh_c")},
        **{f"z_{g}": np.stack([s["z"][g] for s in steps], axis=1) for g in GATES},
    }
    bad = ~(np.isfinite(H).all(axis=(0, 2)) & np.isfinite(C).all(axis=(0, 2)))
    cache["nonfinite_at"] = int(np.argmax(bad)) if bad.any() else None
    return H, C, cache


def last_state(X: np.ndarray, params: Params, clamp: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The last output and cell state of :func:`forward` (from zero states), without its cache.

    The same :func:`step_forward` at t = 1..T, keeping only the running state: a model's answers on a thousand test
    sequences need no history, and stacking every step's cache is most of :func:`forward`'s time at that size.

    Args:
        X: (N, T, D) inputs. params: as from :func:`init_params`. clamp: as in :func:`forward`.
    Returns:
        h_T, c_T: (N, H), equal to ``H[:, -1]`` and ``C[:, -1]`` of :func:`forward`.
    """
    X = np.asarray(X, dtype=np.float64)
    N, T, _ = X.shape
    Hn = params["U_f"].shape[0]
    h, c = np.zeros((N, Hn)), np.zeros((N, Hn))
    schedules = clamp_schedules(clamp, T, Hn)
    with np.errstate(over="ignore", invalid="ignore"):  # as in forward: a non-finite state is the caller's to see
        for t in range(T):
            h, c, _ = step_forward(X[:, t], h, c, params, {g: s[t] for g, s in schedules.items()})
    return h, c


def backward(dH: np.ndarray, cache: dict, dC_last: np.ndarray | None = None) -> Params:
    """Backpropagation through time: :func:`step_backward` at t = T..1, the weights' gradients summed.

    Args:
        dH: (N, T, H) dL/dh_t from above for t = 1..T (zeros where the loss does not read h_t).
        cache: from :func:`forward`. dC_last: (N, H) dL/dc_T from outside the LSTM, or None.
    Returns:
        Gradients under the params' keys (same shapes), plus ``X`` (N, T, D), ``h0`` and ``c0`` (N, H).
    """
    steps, dH = cache["steps"], np.asarray(dH, dtype=np.float64)
    dh_next = np.zeros_like(steps[0]["h_prev"])  # dL/dh_t arriving from step t+1
    dc_next = np.zeros_like(dh_next) if dC_last is None else np.array(dC_last, dtype=np.float64)
    grads = {name: 0.0 for name in PARAM_NAMES}
    dX = np.zeros_like(cache["X"])
    with np.errstate(over="ignore", invalid="ignore"):
        for t in reversed(range(len(steps))):
            d = step_backward(dH[:, t] + dh_next, dc_next, steps[t])
            dh_next, dc_next, dX[:, t] = d["h_prev"], d["c_prev"], d["x"]
            for name in PARAM_NAMES:
                grads[name] = grads[name] + d[name]
    return {**grads, "X": dX, "h0": dh_next, "c0": dc_next}


def gradient_flow(cache: dict, dH_last: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """How much gradient reaches each earlier state when the loss reads only the last output h_T.

    Args:
        cache: from :func:`forward`. dH_last: (N, H) dL/dh_T (ones if None).
    Returns:
        (T,) arrays, entry t for the states after step t+1 (norms over the batch and the units):
        ``dh`` and ``dc``, the total dL/dh_t and dL/dc_t (through every path back from the end); and
        ``cell_path``, the part of dL/dc_t that came along the cell path alone: the cell's gradient at the
        end times the forget gates on the way, f_T ⊙ ⋯ ⊙ f_{t+1}, without what joins from h at each step.
    """
    steps = cache["steps"]
    T = len(steps)
    dh_next = np.ones_like(steps[-1]["h_prev"]) if dH_last is None else np.array(dH_last, dtype=np.float64)
    dc_next = np.zeros_like(dh_next)
    flow = {"dh": np.zeros(T), "dc": np.zeros(T), "cell_path": np.zeros(T)}
    along_cell = None
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for t in reversed(range(T)):
            d = step_backward(dh_next, dc_next, steps[t])
            # the end's cell gradient, times f_{t+1} for each step back (f of the step that reads c_t)
            along_cell = d["c"] if along_cell is None else along_cell * steps[t + 1]["f"]
            flow["dh"][t], flow["dc"][t] = np.linalg.norm(dh_next), np.linalg.norm(d["c"])
            flow["cell_path"][t] = np.linalg.norm(along_cell)
            dh_next, dc_next = d["h_prev"], d["c_prev"]
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
    values.update(
        kept=values["f"] * c_prev, written=values["i"] * values["a"], c=float(C[0, 0, 0]), h=float(H[0, 0, 0])
    )
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


def story(steps: dict[str, tuple], saturation: float | None = None) -> dict[str, np.ndarray]:
    """A story of operating modes (the book's: write 4.2, keep it two steps, read it) run through a one-unit
    cell that starts empty (c_0 = h_0 = 0).

    Args:
        steps: ``a``, the value offered for writing at each step (clamped, so it may lie outside tanh's range),
            and ``f``, ``i``, ``o``, the ideal gates (0 or 1) at each step; T values each.
        saturation: None for ideal gates (exactly 0 or 1), else gates σ(±saturation) (see :func:`gate_value`).
    Returns:
        (T,) arrays ``a, f, i, o`` (the values used), ``c`` (c_1..c_T) and ``h`` (h_1..h_T). With ideal gates the
        book's c stays exactly 4.2 and its readout is h_4 = tanh(4.2) ≈ 0.9996: the stored value is c, not h.
    """
    clamp = {g: np.array([gate_value(v, saturation) for v in steps[g]]) for g in ("f", "i", "o")}
    clamp["a"] = np.array(steps["a"], dtype=np.float64)
    zero = one_unit_params({g: (0.0, 0.0, 0.0) for g in GATES})  # every gate is clamped: weights unused
    H, C, cache = forward(np.zeros((1, len(steps["a"]), 1)), zero, clamp=clamp)
    return {**{g: cache[g][0, :, 0].copy() for g in GATES}, "c": C[0, :, 0].copy(), "h": H[0, :, 0].copy()}


def keep_writing(x: float, h_prev: float, c_prev: float, params: Params, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """A one-unit cell run for ``steps`` steps with its input held at x and f = i = 1: it keeps all it has and
    adds the candidate a = tanh(...) at every step, so c_t = c_{t-1} + a_t with |a_t| < 1.

    Args:
        x, h_prev, c_prev: the input (the same at every step) and the starting states. params: one unit's.
    Returns:
        (steps,) the cell states c_1.., and (steps,) the values a_t written.
    """
    clamp = {"f": np.ones(steps), "i": np.ones(steps)}
    X = np.full((1, steps, 1), float(x))
    _, C, cache = forward(X, params, np.array([[h_prev]]), np.array([[c_prev]]), clamp=clamp)
    return C[0, :, 0].copy(), cache["a"][0, :, 0].copy()


def memory_after(f: float, steps: int) -> float:
    """The fraction of a cell's value left after ``steps`` steps of "keep" with forget gate ``f`` and input
    gate 0: c_{t+n} = f^n c_t."""
    return float(f**steps)
