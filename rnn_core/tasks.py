"""Long-lag tasks, and the training loop that shows an LSTM bridging a lag that a tanh RNN cannot.

Two tasks after Hochreiter & Schmidhuber (1997) (docs/SOURCES.md):

- ``"first_symbol"``: remember the first symbol over a lag. Step 0 shows one of K = 4 symbols (one-hot) with
  a marker, the next ``lag`` steps show random symbols without it; at the end the network must name the
  first one. (H&S's long-lag task repeats the same distractors in every sequence; random ones also make the
  network learn to ignore them.) Inputs (N, lag+1, K+1). Solved = the right symbol (a guess: 25%).
- ``"adding"``: each step is a pair (value ~ U[-1, 1], marker); two values are marked, one among the first 10
  steps, the other among the first T/2; the target is ``0.5 + (X1 + X2)/4``. Here ``lag`` is the length T.
  Solved = absolute error below 0.04 (always answering 0.5 solves 15.36%, :data:`CHANCE`).

The model reads the whole sequence and answers from its last hidden state through a linear readout::

    y = h_T W_y + b_y          scores over K symbols (softmax cross-entropy), or one number (squared error)

Training (:func:`train`): fresh random batches every step (the data never repeats), Adam, gradient clipping by
global norm. Everything random comes from one ``np.random.Generator`` made from ``seed``, so a seed fixes the
whole run. The LSTM trains through :mod:`rnn_core.lstm_fast` (the maths of :mod:`rnn_core.lstm`, fused for
speed and tested equal to it). The stored lag sweep and what it shows are in :mod:`rnn_core.sweep`; typed
sequences are read by :mod:`rnn_core.typed_inputs`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnn_core import lstm, lstm_fast, vanilla
from rnn_core.optim import Params, adam, apply_updates, chain, clip_by_global_norm

TASKS = ("first_symbol", "adding")
N_SYMBOLS = 4  # first_symbol's alphabet: a guess is right 25% of the time
SYMBOLS = "ABCD"  # first_symbol's N_SYMBOLS symbols as the page writes them
ADDING_TOLERANCE = 0.04  # H&S 1997: a sequence counts as solved below this absolute error
ADDING_FIRST_WINDOW = 10  # H&S 1997: the adding problem's first marked value is among this many first steps
STOP_REASONS = ("done", "solved", "diverged")
SOLVED_WINDOW = 20  # stop_at_solved looks at the mean solved fraction of this many recent batches
MODELS = ("lstm", "rnn")
# The keyword settings of :func:`train` besides the seed: what a sweep stores, so that a run can be made again.
TRAIN_SETTINGS = ("hidden", "n_steps", "batch_size", "lr", "clip", "forget_bias", "stop_at_solved")


def first_symbol_batch(
    n: int, lag: int, rng: np.random.Generator, n_symbols: int = N_SYMBOLS
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences for the remember-the-first-symbol task.

    Returns:
        X: (n, lag+1, n_symbols+1) float64, one-hot symbols plus a marker channel set only at step 0;
        labels: (n,) int, the symbol shown at step 0.
    """
    labels = rng.integers(0, n_symbols, size=n)
    symbols = rng.integers(0, n_symbols, size=(n, lag + 1))  # distractors after step 0
    symbols[:, 0] = labels
    X = np.zeros((n, lag + 1, n_symbols + 1))
    X[np.arange(n)[:, None], np.arange(lag + 1)[None, :], symbols] = 1.0
    X[:, 0, n_symbols] = 1.0  # the marker: "remember this one"
    return X, labels


def adding_batch(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the adding problem of length ``T`` (T >= 4).

    Returns:
        X: (n, T, 2) float64, channel 0 the values ~ U[-1, 1], channel 1 the markers (two 1s per row);
        targets: (n,) ``0.5 + (X1 + X2)/4`` in [0, 1].
    """
    if T < 4:
        raise ValueError(f"the adding problem needs T >= 4, got {T}")
    values = rng.uniform(-1.0, 1.0, size=(n, T))
    first = rng.integers(0, min(ADDING_FIRST_WINDOW, T // 2), size=n)  # among the first ADDING_FIRST_WINDOW steps
    # the second among the first T/2 steps, not on the first: draw from T/2 - 1 slots and skip `first`
    second = rng.integers(0, T // 2 - 1, size=n)
    second = second + (second >= first)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = 0.5 + (values[rows, first] + values[rows, second]) / 4.0
    return np.stack([values, markers], axis=-1), targets


def make_batch(task: str, n: int, lag: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A batch of ``task`` (see :data:`TASKS`): X (n, T, D) and targets (n,) (labels or numbers)."""
    if task == "first_symbol":
        return first_symbol_batch(n, lag, rng)
    if task == "adding":
        return adding_batch(n, lag, rng)
    raise ValueError(f"task must be one of {TASKS}, not {task!r}")


def sizes(task: str) -> tuple[int, int]:
    """(input size D, readout size K) of a task."""
    return (N_SYMBOLS + 1, N_SYMBOLS) if task == "first_symbol" else (2, 1)


def readout_loss(task: str, h_last: np.ndarray, params: Params, targets: np.ndarray):
    """Loss of the linear readout on the last hidden state, its gradients, and which sequences are solved.

    Args:
        h_last: (N, H); params with ``W_y`` (H, K) and ``b_y`` (K,); targets (N,).
    Returns:
        ``(loss, dh_last (N, H), {"W_y", "b_y"} grads, solved (N,) bool)``; the loss is the batch mean of the
        cross-entropy (first_symbol) or of the squared error (adding).
    """
    N = h_last.shape[0]
    y = h_last @ params["W_y"] + params["b_y"]  # (N, K)
    if task == "first_symbol":
        shifted = y - y.max(axis=1, keepdims=True)  # log-softmax without overflow
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -float(np.mean(log_p[np.arange(N), targets]))
        dy = np.exp(log_p)
        dy[np.arange(N), targets] -= 1.0
        dy /= N  # d(mean cross-entropy)/dy = (softmax - onehot) / N
        solved = np.argmax(y, axis=1) == targets
    else:
        err = y[:, 0] - targets
        loss = float(np.mean(err**2))
        dy = (2.0 * err / N)[:, None]
        solved = np.abs(err) < ADDING_TOLERANCE
    grads = {"W_y": h_last.T @ dy, "b_y": dy.sum(axis=0)}
    return loss, dy @ params["W_y"].T, grads, solved


@dataclass(frozen=True)
class TrainResult:
    """A training run.

    Attributes:
        model: ``"lstm"`` or ``"rnn"`` (tanh). task, lag, hidden, seed: the settings. params: the model's
            params plus the readout ``W_y`` (H, K), ``b_y`` (K,), after the last update.
        losses: (steps,) the training loss of each step's fresh batch, before its update.
        solved: (steps,) the fraction of that batch solved (the task's criterion).
        elapsed_s: wall time. stopped: ``"done"`` (every update used), ``"solved"`` (stop_at_solved reached)
            or ``"diverged"``.
        diverged_at: the step whose loss or gradient was not finite (not updated on), or None.
        curve_every: 1 for a fresh run; a run read back by :func:`rnn_core.sweep.load_sweep` keeps ``losses`` and
            ``solved`` as means over blocks of this many steps (the weights are kept exactly).
    """

    model: str
    task: str
    lag: int
    hidden: int
    seed: int
    params: Params
    losses: np.ndarray
    solved: np.ndarray
    elapsed_s: float
    stopped: str
    diverged_at: int | None = None
    curve_every: int = 1


def start_params(model: str, task: str, hidden: int, rng: np.random.Generator, forget_bias: float) -> Params:
    """A fresh model for ``task``: the recurrent network's weights and a small random readout ``W_y``, ``b_y``."""
    D, K = sizes(task)
    if model == "lstm":
        params = lstm.init_params(D, hidden, rng, forget_bias)
    elif model == "rnn":
        params = vanilla.init_params(D, hidden, rng)  # W_hh's spectral radius near 1: the RNN's best start
    else:
        raise ValueError(f"model must be one of {MODELS}, not {model!r}")
    params["W_y"] = rng.uniform(-1.0, 1.0, size=(hidden, K)) / np.sqrt(hidden)
    params["b_y"] = np.full(K, 0.5 if task == "adding" else 0.0)  # adding: start at the targets' mean
    return params


def model_params(model: str, params: Params) -> Params:
    """The recurrent network's own params (the readout ``W_y``, ``b_y`` left out)."""
    keys = lstm.PARAM_NAMES if model == "lstm" else ("W_xh", "W_hh", "b")
    return {k: params[k] for k in keys}


def hidden_states(model: str, X: np.ndarray, params: Params) -> tuple[np.ndarray, dict]:
    """(N, T, H) hidden states of the model on inputs X (N, T, D), and the cache for :func:`gradients`."""
    if model == "lstm":
        H, _, cache = lstm_fast.forward(X, model_params(model, params))
        return H, cache
    return vanilla.forward(X, model_params(model, params), "tanh")


def gradients(model: str, task: str, params: Params, X: np.ndarray, targets: np.ndarray):
    """One batch: forward, the readout's loss on the last hidden state, and BPTT.

    Returns:
        ``(loss, grads, solved)``: the batch's mean loss, the gradient of every param (model and readout), and
        which sequences the model solved (N,) bool.
    """
    H, cache = hidden_states(model, X, params)
    with np.errstate(over="ignore", invalid="ignore"):
        loss, dh_last, grads, solved = readout_loss(task, H[:, -1], params, targets)
        dH = np.zeros_like(H)
        dH[:, -1] = dh_last  # the loss reads only the last hidden state
    backward = lstm_fast.backward if model == "lstm" else vanilla.backward
    grads.update(model_params(model, backward(dH, cache)))
    return loss, grads, solved


def all_finite(loss: float, grads: Params) -> bool:
    """False once the loss or any gradient overflowed: the run stops there rather than update on it."""
    return bool(np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values()))


def solved_lately(solved: list[float], share: float | None) -> bool:
    """True once the last :data:`SOLVED_WINDOW` batches solved ``share`` of their sequences on average."""
    recent = solved[-SOLVED_WINDOW:]
    return share is not None and len(recent) == SOLVED_WINDOW and float(np.mean(recent)) >= share


def train(
    model: str,
    task: str,
    lag: int,
    *,
    hidden: int,
    n_steps: int,
    seed: int,
    batch_size: int,
    lr: float,
    clip: float,
    forget_bias: float,
    stop_at_solved: float | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> TrainResult:
    """Train a model with a linear readout on fresh batches of ``task``.

    Each step: a new batch from the run's generator, :func:`gradients`, clipping of the global gradient norm at
    ``clip``, then Adam(``lr``). The same seed gives the same run, step for step.

    Args:
        model: ``"lstm"`` or ``"rnn"`` (tanh, :mod:`rnn_core.vanilla`). task: one of :data:`TASKS`.
        lag: distractor steps after the symbol (first_symbol) or the length T (adding). hidden: H.
        n_steps: updates at most. seed: the run's only source of randomness. batch_size: sequences a batch.
        lr: Adam's step size. clip: the largest global gradient norm. forget_bias: the LSTM's initial b_f (see
        :func:`rnn_core.lstm.init_params`). (The lesson's settings are in ``lessons/lstm/params.py``.)
        stop_at_solved: stop once the last 20 batches solved this fraction on average (e.g. 0.99).
        progress: called as ``progress(step, n_steps, loss)`` about 100 times over the run.
    """
    rng = np.random.default_rng(seed)
    params = start_params(model, task, hidden, rng, forget_bias)
    optimizer = chain(clip_by_global_norm(clip), adam(lr))
    state = optimizer.init(params)
    losses, solved, stopped, diverged_at = [], [], "done", None
    start = time.perf_counter()
    for step in range(n_steps):
        X, targets = make_batch(task, batch_size, lag, rng)
        loss, grads, batch_solved = gradients(model, task, params, X, targets)
        if not all_finite(loss, grads):
            stopped, diverged_at = "diverged", step
            break
        losses.append(loss)
        solved.append(float(np.mean(batch_solved)))
        updates, state = optimizer.update(grads, state, params)
        params = apply_updates(params, updates)
        if progress is not None and (step + 1) % max(1, n_steps // 100) == 0:
            progress(step + 1, n_steps, loss)
        if step + 1 < n_steps and solved_lately(solved, stop_at_solved):
            stopped = "solved"
            break
    elapsed_s = time.perf_counter() - start
    # In TrainResult's field order (model, task, lag, hidden, seed, params, losses, solved, elapsed_s, ...).
    return TrainResult(
        model, task, lag, hidden, seed, params, np.array(losses), np.array(solved), elapsed_s, stopped, diverged_at
    )


def predict(result: TrainResult, X: np.ndarray, forget: float | None = None) -> np.ndarray:
    """The trained model's readout ``y = h_T W_y + b_y`` for inputs X (N, T, D): (N, K) scores or (N, 1).

    ``forget``: LSTM only, every forget gate clamped to this value at every step (None: as trained)."""
    if forget is None:
        H, _ = hidden_states(result.model, X, result.params)
    else:
        H, _, _ = lstm_insides(result, X, forget)
    with np.errstate(over="ignore", invalid="ignore"):
        return H[:, -1] @ result.params["W_y"] + result.params["b_y"]


def success_rate(result: TrainResult, n_sequences: int, seed: int, forget: float | None = None) -> float:
    """Fraction of fresh test sequences solved by the task's criterion (Hochreiter & Schmidhuber 1997).

    first_symbol: the highest score is the first symbol's. adding: ``|y - target| < 0.04``. The test sequences
    come from their own generator (``seed``), never from the training stream. ``forget``: as :func:`predict`.
    """
    X, targets = make_batch(result.task, n_sequences, result.lag, np.random.default_rng(seed))
    y = predict(result, X, forget)
    if result.task == "first_symbol":
        return float(np.mean(np.argmax(y, axis=1) == targets))
    return float(np.mean(np.abs(y[:, 0] - targets) < ADDING_TOLERANCE))


# --- For the lesson page: the trained model's insides and its gradient flow ---


def first_symbol_inputs(symbols: np.ndarray) -> np.ndarray:
    """The network's input for one first-symbol sequence: (1, T, N_SYMBOLS+1), one-hot plus the marker at
    step 0 (the same encoding as :func:`first_symbol_batch`)."""
    T = len(symbols)
    X = np.zeros((1, T, N_SYMBOLS + 1))
    X[0, np.arange(T), symbols] = 1.0
    X[0, 0, N_SYMBOLS] = 1.0
    return X


def symbols_text(X: np.ndarray) -> str:
    """The letters of one first-symbol input X (T, N_SYMBOLS+1), e.g. ``"CABDA"``."""
    return "".join(SYMBOLS[k] for k in np.argmax(X[:, :N_SYMBOLS], axis=1))


def marked_steps(X: np.ndarray) -> np.ndarray:
    """0-based steps whose marker is set in one input X (T, D): [0] for first_symbol, the two marked values
    of the adding problem (both tasks keep the marker in the last channel)."""
    return np.flatnonzero(X[:, -1])


def probabilities(scores: np.ndarray) -> np.ndarray:
    """Softmax of first_symbol's readout scores (N, K), row by row."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def lstm_insides(result: TrainResult, X: np.ndarray, forget: float | None = None) -> tuple:
    """A trained LSTM's states and gates on inputs X (N, T, D): ``(H, C, cache)`` of :func:`lstm.forward`.

    ``forget``: clamp every forget gate to this value at every step (None: computed as trained).
    """
    clamp = None if forget is None else {"f": np.full(X.shape[1], float(forget))}
    return lstm.forward(X, model_params(result.model, result.params), clamp=clamp)


def forget_hold(f: np.ndarray, i: np.ndarray, after: int) -> dict[str, np.ndarray]:
    """How each unit's gates behave after the first marked step ``after`` (0-based), for one sequence.

    A unit that keeps the marked value must hold f near 1 at every later step: through the cell path alone,
    c_T carries the fraction f_{after+1} ⋯ f_T of c_after. The input gate says how much new is written meanwhile.

    Args:
        f, i: (T, H) the forget and input gates of one sequence.
    Returns:
        ``{"min": (H,), "product": (H,), "input": (H,)}``: the smallest forget gate, the product of the forget
        gates and the mean input gate from step ``after + 1`` to the end (ones, ones, zeros when no step follows).
    """
    rest_f, rest_i = f[after + 1 :], i[after + 1 :]
    if not len(rest_f):
        return {"min": np.ones(f.shape[1]), "product": np.ones(f.shape[1]), "input": np.zeros(f.shape[1])}
    return {"min": rest_f.min(axis=0), "product": np.prod(rest_f, axis=0), "input": rest_i.mean(axis=0)}


def rnn_gradient_flow(cache: dict, dH_last: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The tanh RNN's counterpart of :func:`rnn_core.lstm.gradient_flow`: the loss reads only h_T.

    One step back multiplies the row gradient by diag(f'(a_t)) W_hhᵀ (see :mod:`rnn_core.vanilla`).

    Args:
        cache: from :func:`rnn_core.vanilla.forward`. dH_last: (N, H) dL/dh_T (ones if None).
    Returns:
        ``{"dh": (T,)}``: entry t is the norm (over batch and units) of dL/dh of the state ``H_all[:, t]``.
    """
    A, W_hh = cache["A"], cache["params"]["W_hh"]
    slope = vanilla.ACTIVATIONS[cache["activation"]].df
    N, T, Hn = A.shape
    dh = np.ones((N, Hn)) if dH_last is None else np.array(dH_last, dtype=np.float64)
    norms = np.zeros(T)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for t in reversed(range(T)):
            norms[t] = np.linalg.norm(dh)
            dh = (dh * slope(A[:, t])) @ W_hh.T  # through f, into the previous state
    return {"dh": norms}


def gradient_flow(result: TrainResult, X: np.ndarray, forget: float | None = None) -> dict[str, np.ndarray]:
    """How much gradient a trained model passes back to each earlier step, on the inputs X (N, T, D).

    Each sequence sends back a gradient of norm 1 from its last state (dL/dh_T = 1/√H in every unit), so the
    numbers do not depend on how well the model is trained; an entry is the root mean square over the batch
    of ‖dL/dh_t‖ (and, for the LSTM, ‖dL/dc_t‖ and its cell-path part), t = 1..T.

    Args:
        forget: LSTM only: clamp every forget gate to this value (None: as trained).
    Returns:
        ``{"dh": (T,)}`` for the RNN; for the LSTM ``{"dh", "dc", "cell_path"}`` (T,) each (see
        :func:`rnn_core.lstm.gradient_flow`).
    """
    N, T, _ = X.shape
    dH_last = np.full((N, result.hidden), 1.0 / np.sqrt(result.hidden))
    if result.model == "lstm":
        _, _, cache = lstm_insides(result, X, forget)
        flow = lstm.gradient_flow(cache, dH_last)
    else:
        _, cache = vanilla.forward(X, model_params(result.model, result.params), "tanh")
        flow = rnn_gradient_flow(cache, dH_last)
    return {k: v / np.sqrt(N) for k, v in flow.items()}


def constant_answer_rate(tolerance: float = ADDING_TOLERANCE) -> float:
    """The share of adding problems that always answering 0.5 solves: ``P(|X1 + X2|/4 < tolerance)``.

    X1 + X2 of two independent U[-1, 1] values has the triangular density ``(2 - |s|)/4`` on [-2, 2], so
    ``P(|X1 + X2| < a) = 1 - (2 - a)^2/4`` for ``a = 4 tolerance <= 2`` (0.1536 at the tolerance 0.04).
    """
    a = min(4.0 * tolerance, 2.0)
    return 1.0 - (2.0 - a) ** 2 / 4.0


# The success rate of a network that learned nothing useful: guessing one of N_SYMBOLS symbols; for the adding
# problem, always answering 0.5 (the targets' mean).
CHANCE = {"first_symbol": 1.0 / N_SYMBOLS, "adding": constant_answer_rate()}
