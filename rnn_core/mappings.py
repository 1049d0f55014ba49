"""The five ways a recurrent network maps inputs to outputs (Karpathy 2015's diagram), each a small trained model.

    one_to_one    one input, one output, one step: no recurrence at all (a feed-forward network)  image classes
    one_to_many   one input at step 1, then an output at every step                              image captions
    many_to_one   an input at every step, one output after the last                              sentiment
    seq2seq       an encoder reads the input, its last state starts a decoder that writes      translation
    many_to_many  an input and an output at every step                                           frame labels

Every model is the vanilla RNN of :mod:`rnn_core.vanilla` (row vectors, batch first) with a softmax readout::

    h_t = tanh(h_{t-1} W_hh + x_t W_xh + b)         t = 1..T, h_0 = 0
    p_t = softmax(h_t V + c)                        at the steps that have a target
    L   = -(1/M) sum over the M targets of log p_t[y_t]

The encoder-decoder joins two of them by one state::

    h_t = tanh(h_{t-1} W_hh + x_t W_xh + b)         t = 1..T       encoder, h_0 = 0
    s_0 = h_T                                                      the whole input, encoded in one state
    s_j = tanh(s_{j-1} W_ss + z_j W_zs + b_s)       j = 1..T'      decoder; z_1 = 0, z_j = one-hot(y_{j-1})
    p_j = softmax(s_j V + c)

Training feeds the decoder the right previous symbol (teacher forcing); in use it is fed its own previous guess.
Backward: the decoder's BPTT ends with dL/ds_0, which is the encoder's dL/dh_T.

The toy tasks (:data:`TASKS`; inputs and outputs are symbol indices):

- one_to_one: a 3x3 picture (each cell empty, circle, triangle or square) given at once; which shape is most
  common ("=" on a tie)?
- one_to_many: the same kind of picture, given at step 1 only; the caption names its shapes sorted (circles,
  then triangles, then squares), one a step, then "." (end). Length = number of shapes.
- many_to_one: a review read one word a step, "+" a good word, "-" a bad one; is it positive, negative or even?
- seq2seq: a word over a, b, c, d; the output is the word backwards, then ".".
- many_to_many: a light switch read one step at a time (1 = pressed); at every step, is the light on?
  (running parity)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnn_core import typed_inputs, vanilla
from rnn_core.errors import InputError
from rnn_core.optim import Params, adam, apply_updates, chain, clip_by_global_norm

END = "."
CELLS = 9  # a picture is 3x3
N_BEYOND = 200  # fresh random inputs per length beyond the training lengths
SHAPES = ("●", "▲", "■")


@dataclass(frozen=True)
class Task:
    """A mapping's toy task, its model's size and its training settings.

    ``inputs``/``outputs``: the symbols (index = class; in pictures, input 0 is an empty cell). ``lengths``:
    the training lengths, inclusive; ``beyond``: the longest length the page evaluates. ``per_length``: at
    most this many inputs of each length for training, as many again held out.
    """

    name: str
    kind: str  # "rnn" or "seq2seq"
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    lengths: tuple[int, int]
    beyond: int
    max_typed: int
    hidden: int
    per_length: int
    iterations: int
    lr: float
    clip: float = 1.0


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("one_to_one", "rnn", ("0", "1", "2", "3"), (*SHAPES, "="), (0, 9), 9, CELLS, 24, 150, 300, 0.02),
        Task("one_to_many", "rnn", ("0", "1", "2", "3"), (*SHAPES, END), (0, 6), 9, CELLS, 24, 150, 400, 0.02),
        Task("many_to_one", "rnn", ("-", "+"), ("neg", "even", "pos"), (1, 10), 40, 60, 16, 200, 400, 0.03),
        Task("seq2seq", "seq2seq", ("a", "b", "c", "d"), ("a", "b", "c", "d", END), (1, 6), 12, 20, 32, 400, 300, 0.02),
        Task("many_to_many", "rnn", ("0", "1"), ("off", "on"), (1, 10), 40, 60, 8, 200, 600, 0.03),
    )
}
PICTURES = ("one_to_one", "one_to_many")  # tasks whose one input is a whole picture
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "data" / "mappings"  # written by scripts/train_mappings.py


# --- Tasks: inputs, right answers, data sets -------------------------------------------------------------------


def target(task: str, x: np.ndarray) -> np.ndarray:
    """The right output for one input ``x`` (T,) of symbol indices: (T_out,) class indices."""
    if task == "one_to_one":
        counts = np.bincount(x, minlength=4)[1:]
        top = np.flatnonzero(counts == counts.max())
        return np.array([top[0] if len(top) == 1 else 3])  # 3 is "=": a tie
    if task == "one_to_many":
        caption = np.sort(x[x > 0]) - 1  # shapes in order: circles, triangles, squares
        return np.append(caption, len(SHAPES))
    if task == "many_to_one":
        return np.array([int(np.sign(2 * x.sum() - len(x))) + 1])  # neg, even, pos
    if task == "many_to_many":
        return np.cumsum(x) % 2  # the light is on after an odd number of presses
    return np.append(x[::-1], 4)  # seq2seq: the word backwards, then END


# A typed input the task cannot read raises rnn_core.errors.InputError (codes at parse).


def parse(task: str, text: str) -> np.ndarray:
    """Read a typed input: one character a symbol; spaces, commas, semicolons, ``|`` and ``/`` are ignored.

    Returns:
        (T,) symbol indices.
    Raises:
        InputError: ``"empty"``; ``"symbol"`` (1-based position among the symbols, and the character);
        ``"size"`` (a picture needs exactly 9 cells; position = how many were typed); ``"too_long"``.
    """
    typed_inputs.check_length(text, typed_inputs.MAX_TEXT)  # the length first: nothing longer is read
    spec = TASKS[task]
    symbols = [ch for ch in text.lower().replace("\u2212", "-") if not ch.isspace() and ch not in ",;|/"]
    if not symbols:
        raise InputError("empty")
    for i, ch in enumerate(symbols):
        if ch not in spec.inputs:
            raise InputError("symbol", i + 1, ch)
    if task in PICTURES and len(symbols) != CELLS:
        raise InputError("size", len(symbols))
    if len(symbols) > spec.max_typed:
        raise InputError("too_long", len(symbols))
    return np.array([spec.inputs.index(ch) for ch in symbols])


def length_of(task: str, x: np.ndarray) -> int:
    """What the task's length counts: shapes in a picture, else steps."""
    return int(np.count_nonzero(x)) if task in PICTURES else len(x)


def random_inputs(task: str, length: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random inputs of one length, (n, T) symbol indices (a picture with ``length`` shapes: (n, 9))."""
    if task in PICTURES:
        pictures = np.zeros((n, CELLS), dtype=np.int64)
        cells = np.argsort(rng.random((n, CELLS)), axis=1)[:, :length]  # which cells hold a shape
        np.put_along_axis(pictures, cells, rng.integers(1, len(SHAPES) + 1, size=(n, length)), axis=1)
        return pictures
    return rng.integers(0, len(TASKS[task].inputs), size=(n, length))


def split(task: str, seed: int) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Distinct inputs at every training length, split into a training set and a held-out set.

    Each length gets up to ``per_length`` inputs for each set, never the same input in both (a length with a
    single possible input, like the empty picture, only trains).

    Returns:
        ``(train, held_out)``, each ``{length: (n, T) symbol indices}``.
    """
    spec = TASKS[task]
    rng = np.random.default_rng(seed)
    train, held = {}, {}
    for length in range(spec.lengths[0], spec.lengths[1] + 1):
        drawn = np.unique(random_inputs(task, length, 6 * spec.per_length, rng), axis=0)
        drawn = drawn[rng.permutation(len(drawn))]  # np.unique sorted them
        n = min(spec.per_length, max(1, len(drawn) // 2))
        train[length] = drawn[:n]
        if len(drawn) > n:
            held[length] = drawn[n : 2 * n]
    return train, held


def encode(task: str, inputs: np.ndarray, steps: int = 1) -> np.ndarray:
    """Network inputs for same-length inputs (N, T).

    Returns:
        one_to_one (N, 1, 27): the picture as one vector (3 shape channels a cell, an empty cell all 0);
        one_to_many (N, steps, 27): the picture at step 1, zeros after; otherwise (N, T, symbols), one-hot.
    """
    inputs = np.asarray(inputs)
    if task in PICTURES:
        X = np.zeros((len(inputs), steps, CELLS * len(SHAPES)))
        X[:, 0] = np.eye(len(SHAPES) + 1)[inputs][:, :, 1:].reshape(len(inputs), -1)  # drop the "empty" channel
        return X
    return np.eye(len(TASKS[task].inputs))[inputs]


def input_size(task: str) -> int:
    return CELLS * len(SHAPES) if task in PICTURES else len(TASKS[task].inputs)


def batches(task: str, inputs_by_length: dict[int, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Network inputs and targets, one ``(X, Y)`` batch per length: same-length sequences need no padding."""
    out = []
    for inputs in inputs_by_length.values():
        Y = np.stack([target(task, x) for x in inputs])
        out.append((encode(task, inputs, steps=Y.shape[1]), Y))
    return out


# --- Models: loss and gradients ----------------------------------------------------------------------------------


def init_params(task: str, rng: np.random.Generator, hidden: int | None = None) -> Params:
    """Small random weights for the task's model (keys as in the module docstring); H = the task's size
    unless ``hidden`` is given."""
    spec = TASKS[task]
    K, H = len(spec.outputs), hidden or spec.hidden
    params = vanilla.init_params(input_size(task), H, rng, scale=0.9)
    if spec.kind == "seq2seq":
        decoder = vanilla.init_params(K, H, rng, scale=0.9)
        params.update(W_zs=decoder["W_xh"], W_ss=decoder["W_hh"], b_s=decoder["b"])
    params["V"] = rng.standard_normal((H, K)) / np.sqrt(H)
    params["c"] = np.zeros(K)
    return params


def encoder_weights(params: Params) -> Params:
    """The encoder RNN's weights (for a one-RNN model: its only RNN), under rnn_core.vanilla's names."""
    return {"W_xh": params["W_xh"], "W_hh": params["W_hh"], "b": params["b"]}


def decoder_weights(params: Params) -> Params:
    """The decoder RNN's weights (U′ = W_zs, W′ = W_ss, b_s), under rnn_core.vanilla's names."""
    return {"W_xh": params["W_zs"], "W_hh": params["W_ss"], "b": params["b_s"]}


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # shifted: exp never overflows
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(logits: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Summed ``-log p[y]`` over every target, and its gradient ``p - onehot(y)`` on the logits.

    Args:
        logits: (N, T, K); Y: (N, T) class indices.
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))  # log-softmax: no log(0)
    picked = np.take_along_axis(log_p, Y[..., None], axis=-1)
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, Y[..., None], np.exp(picked) - 1.0, axis=-1)
    return float(-np.sum(picked)), dlogits


def rnn_loss(params: Params, X: np.ndarray, Y: np.ndarray) -> tuple[float, Params]:
    """Summed cross-entropy of a one-RNN model, and its gradients by BPTT.

    Args:
        X: (N, T, D) network inputs; Y: (N, T_out) targets for the last T_out states (1 for a verdict).
    """
    H_all, cache = vanilla.forward(X, encoder_weights(params), "tanh")
    read = H_all[:, X.shape[1] - Y.shape[1] :]  # the states that have a target
    loss, dlogits = cross_entropy(vanilla.readout(read, params["V"], params["c"]), Y)
    out = vanilla.readout_backward(dlogits, read, params["V"])
    dH = np.zeros_like(H_all)
    dH[:, X.shape[1] - Y.shape[1] :] = out["H"]  # into the states that were read
    grads = vanilla.backward(dH, cache)
    return loss, {"W_xh": grads["W_xh"], "W_hh": grads["W_hh"], "b": grads["b"], "V": out["V"], "c": out["c"]}


def teacher_inputs(Y: np.ndarray, classes: int) -> np.ndarray:
    """The decoder's inputs when it is fed the right answer: z_1 = 0, z_j = one-hot(y_{j-1}); (N, T', K)."""
    Z = np.zeros((*Y.shape, classes))
    Z[:, 1:] = np.eye(classes)[Y[:, :-1]]
    return Z


def seq2seq_forward(params: Params, X: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, dict]:
    """Encoder over X (N, T, D), then the decoder from s_0 = h_T over Z (N, T', K); logits (N, T', K)."""
    H_enc, enc_cache = vanilla.forward(X, encoder_weights(params), "tanh")
    S, dec_cache = vanilla.forward(Z, decoder_weights(params), "tanh", h0=H_enc[:, -1])
    return vanilla.readout(S, params["V"], params["c"]), {"enc": enc_cache, "dec": dec_cache, "S": S}


def seq2seq_backward(dlogits: np.ndarray, params: Params, cache: dict) -> Params:
    """BPTT through the decoder, across the joining state s_0 = h_T, then through the encoder."""
    out = vanilla.readout_backward(dlogits, cache["S"], params["V"])
    dec = vanilla.backward(out["H"], cache["dec"])  # through the decoder, back to s_0
    dH_enc = np.zeros_like(cache["enc"]["H_all"])
    dH_enc[:, -1] = dec["h0"]  # s_0 = h_T: the encoder's last state receives all of it
    enc = vanilla.backward(dH_enc, cache["enc"])
    return {
        "W_xh": enc["W_xh"],
        "W_hh": enc["W_hh"],
        "b": enc["b"],
        "W_zs": dec["W_xh"],
        "W_ss": dec["W_hh"],
        "b_s": dec["b"],
        "V": out["V"],
        "c": out["c"],
    }


def seq2seq_loss(params: Params, X: np.ndarray, Y: np.ndarray) -> tuple[float, Params]:
    """Summed cross-entropy of the encoder-decoder under teacher forcing, and its gradients."""
    logits, cache = seq2seq_forward(params, X, teacher_inputs(Y, params["V"].shape[1]))
    loss, dlogits = cross_entropy(logits, Y)
    return loss, seq2seq_backward(dlogits, params, cache)


def loss_and_grads(task: str, params: Params, data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, Params]:
    """Mean cross-entropy over every target of every batch of :func:`batches`, and its gradients."""
    model_loss = seq2seq_loss if TASKS[task].kind == "seq2seq" else rnn_loss
    total, count = 0.0, 0
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    for X, Y in data:
        loss, g = model_loss(params, X, Y)
        total, count = total + loss, count + Y.size
        for k in grads:
            grads[k] += g[k]
    return total / count, {k: g / count for k, g in grads.items()}


# --- Training ------------------------------------------------------------------------------------------------


@dataclass
class Trained:
    """A trained model: weights, the loss before each update, the split/initialisation seed, wall time."""

    task: str
    params: Params
    losses: np.ndarray
    seed: int
    seconds: float


def train(task: str, seed: int = 0, iterations: int | None = None) -> Trained:
    """Full-batch training on the task's training split: the global gradient norm clipped, then Adam.

    Deterministic: the split and the initial weights come from ``np.random.default_rng(seed)``.
    """
    spec = TASKS[task]
    train_set, _ = split(task, seed)
    data = batches(task, train_set)
    params = init_params(task, np.random.default_rng([seed, 1]))
    optimizer = chain(clip_by_global_norm(spec.clip), adam(spec.lr))
    state = optimizer.init(params)
    losses = []
    start = time.perf_counter()
    for _ in range(spec.iterations if iterations is None else iterations):
        loss, grads = loss_and_grads(task, params, data)
        losses.append(loss)
        updates, state = optimizer.update(grads, state, params)
        params = apply_updates(params, updates)
    return Trained(task, params, np.array(losses), seed, time.perf_counter() - start)


def save(trained: Trained, directory: Path = WEIGHTS_DIR) -> Path:
    """Write the weights and the loss curve to ``directory/<task>.npz`` (plain arrays, no pickles)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{trained.task}.npz"
    np.savez_compressed(path, losses=trained.losses, seed=np.array(trained.seed), **trained.params)
    return path


def load(task: str, directory: Path = WEIGHTS_DIR) -> Trained:
    """Read weights written by :func:`save` (``seconds`` is not stored: 0)."""
    with np.load(directory / f"{task}.npz", allow_pickle=False) as f:
        params = {k: f[k] for k in f.files if k not in ("losses", "seed")}
        return Trained(task, params, f["losses"], int(f["seed"]), 0.0)


# --- Using a trained model ---------------------------------------------------------------------------------------


@dataclass
class Run:
    """One input through a trained model, for display.

    ``states`` (T, H): hidden states in time order (encoder then decoder for seq2seq; ``encoder_steps`` says
    where the decoder starts). ``probs`` (T_out, K): output probabilities, aligned with the last T_out states.
    ``outputs`` (T_out,): the guesses; ``right``: the right output.
    """

    states: np.ndarray
    encoder_steps: int
    probs: np.ndarray
    outputs: np.ndarray
    right: np.ndarray


def decode(params: Params, X: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Greedy decoding: the encoder reads X (N, T, D); the decoder is fed its own previous guess.

    Returns:
        ``(guesses (N, steps), probabilities (N, steps, K), encoder states (N, T, H), decoder states
        (N, steps, H))``.
    """
    H_enc, _ = vanilla.forward(X, encoder_weights(params), "tanh")
    K = params["V"].shape[1]
    s, z = H_enc[:, -1], np.zeros((len(X), K))
    guesses, probs, states = [], [], []
    for _ in range(steps):
        s, _ = vanilla.step(s, z, decoder_weights(params), "tanh")
        p = softmax(vanilla.readout(s, params["V"], params["c"]))
        z = np.eye(K)[np.argmax(p, axis=-1)]  # its own guess is the next input
        guesses.append(np.argmax(p, axis=-1))
        probs.append(p)
        states.append(s)
    return np.stack(guesses, 1), np.stack(probs, 1), H_enc, np.stack(states, 1)


def generate(task: str, params: Params, inputs: np.ndarray, steps: int):
    """A generating model (one-to-many, encoder-decoder) writes ``steps`` outputs for same-length inputs (N, T).

    Returns:
        ``(states (N, T_states, H), probabilities (N, steps, K), guesses (N, steps))``; the encoder-decoder's
        states are the encoder's then the decoder's.
    """
    if TASKS[task].kind == "seq2seq":
        guesses, probs, H_enc, S = decode(params, encode(task, inputs), steps)
        return np.concatenate([H_enc, S], axis=1), probs, guesses
    H_all, _ = vanilla.forward(encode(task, inputs, steps=steps), encoder_weights(params), "tanh")
    probs = softmax(vanilla.readout(H_all, params["V"], params["c"]))
    return H_all, probs, np.argmax(probs, axis=-1)


def kept_outputs(task: str, row: np.ndarray) -> int:
    """How many outputs to keep: up to and including the first END (all of them when there is none)."""
    ends = np.flatnonzero(row == TASKS[task].outputs.index(END))
    return int(ends[0]) + 1 if len(ends) else len(row)


def output_limit(task: str, length: int) -> int:
    """How many steps a generating model may write for an input of this length before it is stopped."""
    return 2 * length + 3


def predict(task: str, params: Params, inputs: np.ndarray) -> list[np.ndarray]:
    """The model's outputs for same-length inputs (N, T): N arrays of class indices.

    Captions and reversed words stop after the first END, or after :func:`output_limit` steps.
    """
    inputs = np.asarray(inputs)
    if task in ("one_to_many", "seq2seq"):
        _, _, guesses = generate(task, params, inputs, output_limit(task, length_of(task, inputs[0])))
        return [row[: kept_outputs(task, row)] for row in guesses]
    right = len(target(task, inputs[0]))
    H_all, _ = vanilla.forward(encode(task, inputs), encoder_weights(params), "tanh")
    return list(np.argmax(vanilla.readout(H_all[:, -right:], params["V"], params["c"]), axis=-1))


def run(task: str, params: Params, x: np.ndarray) -> Run:
    """One input (T,) through the model, with everything the page shows."""
    x = np.asarray(x)
    right = target(task, x)
    if task in ("one_to_many", "seq2seq"):
        states, probs, guesses = generate(task, params, x[None], output_limit(task, length_of(task, x)))
        kept = kept_outputs(task, guesses[0])
        encoder_steps = len(x) if task == "seq2seq" else 0
        return Run(states[0, : encoder_steps + kept], encoder_steps, probs[0, :kept], guesses[0, :kept], right)
    H_all, _ = vanilla.forward(encode(task, x[None]), encoder_weights(params), "tanh")
    probs = softmax(vanilla.readout(H_all[0, -len(right) :], params["V"], params["c"]))
    return Run(H_all[0], len(x), probs, np.argmax(probs, axis=-1), right)


def accuracy(task: str, params: Params, inputs: np.ndarray) -> float:
    """Share of inputs (N, T) whose whole output is right (every label; the caption or word and its END)."""
    guesses = predict(task, params, inputs)
    return float(np.mean([np.array_equal(g, target(task, x)) for g, x in zip(guesses, inputs, strict=True)]))


def accuracy_by_length(task: str, params: Params, seed: int, n_beyond: int = N_BEYOND) -> dict[str, np.ndarray]:
    """Whole-output accuracy at each length: on the held-out set at training lengths, on ``n_beyond`` fresh
    random inputs above them (up to the task's ``beyond``).

    Returns:
        ``{"length", "accuracy", "n", "trained"}`` arrays, one entry per length (``trained`` is a bool).
    """
    spec = TASKS[task]
    _, held = split(task, seed)
    rng = np.random.default_rng([seed, 2])
    rows = []
    for length in range(spec.lengths[0], spec.beyond + 1):
        trained = length <= spec.lengths[1]
        inputs = held.get(length) if trained else random_inputs(task, length, n_beyond, rng)
        if inputs is not None and len(inputs):
            rows.append((length, accuracy(task, params, inputs), len(inputs), trained))
    length, acc, n, trained = (np.array(column) for column in zip(*rows, strict=True))
    return {"length": length, "accuracy": acc, "n": n, "trained": trained.astype(bool)}


def verdict_mistakes(params: Params, seed: int, n_beyond: int = N_BEYOND) -> np.ndarray:
    """The reviews (many_to_one) the model gets wrong among :func:`accuracy_by_length`'s random ones past the
    training lengths (the same draws, in the same order): for each wrong verdict, how far apart its counts of
    + and − words are, ``|#+ - #-|`` (0: an even review).

    Returns:
        (mistakes,) integer margins.
    """
    spec = TASKS["many_to_one"]
    rng = np.random.default_rng([seed, 2])
    margins = []
    for length in range(spec.lengths[1] + 1, spec.beyond + 1):
        inputs = random_inputs("many_to_one", length, n_beyond, rng)
        wrong = np.array([g[0] for g in predict("many_to_one", params, inputs)]) != np.array(
            [target("many_to_one", x)[0] for x in inputs]
        )
        margins.append(np.abs(2 * inputs[wrong].sum(axis=1) - length))
    return np.concatenate(margins).astype(np.int64)


def wilson_interval(right: int, n: int, z: float) -> tuple[float, float]:
    """Wilson's score interval for a share ``right / n`` measured on a random sample of ``n``: where the share on
    all inputs lies, at the confidence whose normal quantile is ``z`` (1.96: 95 %). Unlike the plain
    ``p ± z sqrt(p(1-p)/n)`` it stays inside [0, 1] and is not empty when every input, or none, was right.

    Returns:
        ``(low, high)``.
    """
    p = right / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At p = 0 or 1 one end is exactly 0 or 1 (centre -+ half cancels); rounding would move it off the share.
    low = 0.0 if right == 0 else float(max(0.0, centre - half))
    high = 1.0 if right == n else float(min(1.0, centre + half))
    return low, high


def held_out_accuracy(task: str, params: Params, seed: int) -> tuple[float, int]:
    """Whole-output accuracy over every held-out input at the training lengths, and how many there are."""
    _, held = split(task, seed)
    right = sum(accuracy(task, params, inputs) * len(inputs) for inputs in held.values())
    total = sum(len(inputs) for inputs in held.values())
    return right / total, total
