"""Exercises on the LSTM cell (:mod:`rnn_core.lstm`; W is the input weight and U the recurrent one there).

The page's URL parameters (:mod:`lessons.lstm.params`): ``x``, ``h``, ``c`` and the gate weights ``wf, uf, bf,
wi, ui, bi, wa, ua, ba, wo, uo, bo`` (section 1), ``mode``, ``out``, ``sat`` (section 2), ``lag``, ``clamp``
(sections 3-4).
"""

from __future__ import annotations

import numpy as np

from lessons.lstm.params import CLAMPS, WEIGHT_NAMES, P
from rnn_core import lstm, spectral
from rnn_core.exercise import HINT_SETTINGS_CHANGED, HINT_SIGN, Exercise, grid, num, percentage, shown_numbers

LESSON = "lstm"
HOLD_STEPS = 3  # the keep-setting exercise: the cell must keep its value this many steps ...
KEEP_TOLERANCE = 0.02  # ... within 2 % of c_0 at every one of them
FIXED_CLAMPS = tuple(option for option, f in CLAMPS.items() if f is not None)  # "free" is the trained gate
REGIMES = ("vanishing", "exploding", "neither")


def _run_clamped(c0: float, gates: dict[str, list[float]]) -> np.ndarray:
    """The cell states c_1..c_T of a one-unit cell whose gates f, i, a (and o) are all clamped, from c_0."""
    T = len(gates["f"])
    zero = lstm.one_unit_params({g: (0.0, 0.0, 0.0) for g in lstm.GATES})  # every gate clamped: weights unused
    clamp = {g: np.array(gates.get(g, [1.0] * T), dtype=np.float64) for g in lstm.GATES}
    _, C, _ = lstm.forward(np.zeros((1, T, 1)), zero, c0=np.array([[c0]]), clamp=clamp)
    return C[0, :, 0]


def cell_after(rng: np.random.Generator) -> Exercise:
    """The cell state after a sequence of gate settings (section 2)."""
    T = int(rng.integers(3, 5))
    while True:
        c0 = grid(rng, -3.0, 3.0, 0.5)
        gates = {
            "f": [float(v) for v in rng.choice((0.0, 0.5, 1.0), T)],
            "i": [float(v) for v in rng.choice((0.0, 0.5, 1.0), T)],
            "a": [grid(rng, -1.0, 1.0, 0.1) for _ in range(T)],
        }
        C = _run_clamped(c0, gates)
        # Forgetting must matter (some f < 1 while the cell holds something), and the answer must not be 0.
        no_forget = c0 + sum(i * a for i, a in zip(gates["i"], gates["a"], strict=True))
        if abs(C[-1]) > 0.05 and abs(no_forget - C[-1]) > 0.05 and abs(C[-1] - C[-2]) > 0.05:
            break
    steps = "; ".join(
        f"f = {num(f)}, i = {num(i)}, a = {num(a)}" for f, i, a in zip(gates["f"], gates["i"], gates["a"], strict=True)
    )
    return Exercise(
        id="lstm_cell_after",
        lesson=LESSON,
        kind="number",
        section=2,
        params={"c0": c0, **gates},
        answer=float(C[-1]),
        tolerance=1e-2,
        floor=1e-3,
        choices=(),
        prompt_key="exercises.lstm_cell_after_prompt",
        prompt_values={"c0": num(c0), "T": T, "steps": steps},
        explain_key="exercises.lstm_cell_after_explain",
        explain_values={"cells": shown_numbers(C), "c": num(C[-1])},
        page_params={"c": c0},
        hint_key="exercises.lstm_cell_after_hint",
        mistakes=(
            (HINT_SIGN, -C[-1]),
            ("exercises.lstm_cell_after_hint_forget", no_forget),
            ("exercises.lstm_cell_after_hint_last", C[-2]),
        ),
    )


def readout(rng: np.random.Generator) -> Exercise:
    """The output h after writing a value, keeping it and opening the output gate (the book's story, section 2)."""
    value = grid(rng, 0.5, P["c"].hi, P["c"].step) * float(rng.choice((-1.0, 1.0)))  # on the c slider
    kept = int(rng.integers(1, 4))
    o = float(rng.choice((1.0, 0.5)))
    T = kept + 2  # write, keep `kept` times, read
    gates = {
        "f": [0.0] + [1.0] * (T - 1),
        "i": [1.0] + [0.0] * (T - 1),
        "a": [value] + [0.0] * (T - 1),
        "o": [0.0] * (T - 1) + [o],
    }
    zero = lstm.one_unit_params({g: (0.0, 0.0, 0.0) for g in lstm.GATES})
    H, C, _ = lstm.forward(np.zeros((1, T, 1)), zero, clamp={g: np.array(v) for g, v in gates.items()})
    h, c = float(H[0, -1, 0]), float(C[0, -1, 0])
    return Exercise(
        id="lstm_readout",
        lesson=LESSON,
        kind="number",
        section=2,
        params={"value": value, "kept": kept, "o": o},
        answer=h,
        tolerance=1e-2,
        choices=(),
        prompt_key="exercises.lstm_readout_prompt",
        prompt_values={"value": num(value), "kept": kept, "o": num(o)},
        explain_key="exercises.lstm_readout_explain",
        explain_values={"c": num(c), "o": num(o), "tanh_c": num(np.tanh(c)), "h": num(h)},
        page_params={"c": value, "mode": "keep", "out": "read"},
        hint_key="exercises.lstm_readout_hint",
        mistakes=(
            ("exercises.lstm_readout_hint_cell", c),
            ("exercises.lstm_readout_hint_cell", o * c),
            (HINT_SIGN, -h),
            ("exercises.lstm_readout_hint_output", float(np.tanh(c))),
        ),
    )


def memory_left(rng: np.random.Generator) -> Exercise:
    """The share of the cell left after n steps of "keep" with a realistic forget gate σ(s) (section 2)."""
    sat = grid(rng, 2.0, 6.0, 0.5)
    steps = int(rng.choice((10, 20, 50, 100)))
    f = lstm.gate_value(1.0, sat)
    left = lstm.memory_after(f, steps)
    return Exercise(
        id="lstm_memory_left",
        lesson=LESSON,
        kind="number",
        section=2,
        params={"sat": sat, "steps": steps},
        answer=left,
        tolerance=1e-2,
        floor=1e-6,
        choices=(),
        prompt_key="exercises.lstm_memory_left_prompt",
        prompt_values={"sat": num(sat), "steps": steps},
        explain_key="exercises.lstm_memory_left_explain",
        explain_values={"sat": num(sat), "f": num(f, 4), "steps": steps, "left": num(left)},
        page_params={"mode": "keep", "sat": sat},
        hint_key="exercises.lstm_memory_left_hint",
        mistakes=(
            ("exercises.lstm_memory_left_hint_steps", lstm.memory_after(f, steps - 1)),
            ("exercises.lstm_memory_left_hint_steps", lstm.memory_after(f, steps + 1)),
            ("exercises.lstm_memory_left_hint_ideal", 1.0),
            ("exercises.lstm_memory_left_hint_percent", 100.0 * left),
        ),
    )


def keep_setting(rng: np.random.Generator) -> Exercise:
    """A setting: gate weights with which the cell keeps its value for three steps (section 1)."""

    def cells(weights: dict) -> tuple[np.ndarray, dict]:
        """c_1..c_3 with the input x at every step, from h_0 = h and c_0 = c; and the gates used."""
        params = lstm.one_unit_params({g: (weights[f"w{g}"], weights[f"u{g}"], weights[f"b{g}"]) for g in lstm.GATES})
        _, C, cache = lstm.forward(np.full((1, HOLD_STEPS, 1), x), params, np.array([[h]]), np.array([[c]]))
        return C[0, :, 0], {g: cache[g][0, :, 0] for g in ("f", "i", "a")}

    def keeps(weights: dict) -> bool:
        return bool(np.all(np.abs(cells(weights)[0] - c) <= KEEP_TOLERANCE * abs(c)))

    start = {name: P[name].default for name in WEIGHT_NAMES}  # the page's starting weights
    # x, h and c on their sliders' grids and within their ranges; x and c away from 0, so that there is
    # something to keep and the input matters.
    while True:
        x = grid(rng, 0.5, P["x"].hi, P["x"].step) * float(rng.choice((-1.0, 1.0)))
        h = grid(rng, P["h"].lo, P["h"].hi, P["h"].step)
        c = grid(rng, 1.0, P["c"].hi, P["c"].step) * float(rng.choice((-1.0, 1.0)))
        if not keeps(start):  # the link does not open on a solution
            break

    def judge(values: dict) -> str | None:
        if (values["x"], values["h"], values["c"]) != (x, h, c):
            return HINT_SETTINGS_CHANGED
        if any(not P[name].lo <= values[name] <= P[name].hi for name in WEIGHT_NAMES):  # the page's slider range
            return HINT_SETTINGS_CHANGED
        if keeps(values):
            return None
        _, gates = cells(values)
        # Which gate lost it: a forget gate below 1 lets the cell leak, an open input gate writes over it.
        leaked = abs(c) * (1.0 - float(np.prod(gates["f"])))
        written = float(np.sum(np.abs(gates["i"] * gates["a"])))
        if leaked >= written:
            return "exercises.lstm_keep_setting_hint_forget"
        return "exercises.lstm_keep_setting_hint_input"

    # A sample solution: forget gate saturated open (z_f = top + top·|x|, the sliders' top), input gate saturated
    # shut, the rest as the page starts.
    sign, top = (1.0 if x > 0 else -1.0), P["wf"].hi
    working = {**start, "wf": top * sign, "uf": 0.0, "bf": top, "wi": -top * sign, "ui": 0.0, "bi": -top}
    return Exercise(
        id="lstm_keep_setting",
        lesson=LESSON,
        kind="setting",
        section=1,
        params={"x": x, "h": h, "c": c},
        answer={"x": x, "h": h, "c": c, **working},
        tolerance=None,
        choices=(),
        prompt_key="exercises.lstm_keep_setting_prompt",
        prompt_values={"x": num(x), "h": num(h), "c": num(c), "steps": HOLD_STEPS, "share": percentage(KEEP_TOLERANCE)},
        explain_key="exercises.lstm_keep_setting_explain",
        explain_values={
            "wf": num(working["wf"]),
            "bf": num(working["bf"]),
            "wi": num(working["wi"]),
            "bi": num(working["bi"]),
            "cells": shown_numbers(cells(working)[0]),
        },
        page_params={"x": x, "h": h, "c": c, **start},
        hint_key="exercises.lstm_keep_setting_hint_forget",
        fields=(("x", "float"), ("h", "float"), ("c", "float"), *((name, "float") for name in WEIGHT_NAMES)),
        judge=judge,
    )


def highway(rng: np.random.Generator) -> Exercise:
    """With the forget gate clamped, does the cell's gradient vanish, explode or neither going back ``lag`` steps
    (section 4)?"""
    clamp = str(rng.choice(FIXED_CLAMPS))
    lag = int(rng.integers(10, 101))
    f = CLAMPS[clamp]
    regime = spectral.scalar_regime(f)["regime"]
    answer = {"vanishing": "vanishing", "exploding": "exploding", "steady": "neither"}[regime]
    return Exercise(
        id="lstm_highway",
        lesson=LESSON,
        kind="choice",
        section=4,
        params={"f": f, "lag": lag},
        answer=answer,
        tolerance=None,
        choices=REGIMES,
        prompt_key="exercises.lstm_highway_prompt",
        prompt_values={"f": num(f), "lag": lag},
        explain_key="exercises.lstm_highway_explain",
        explain_values={"f": num(f), "lag": lag, "power": num(lstm.memory_after(f, lag))},
        page_params={"clamp": clamp},
        hint_key="exercises.lstm_highway_hint",
        mistakes=(("exercises.lstm_highway_hint_exploding", "exploding"),),
    )


EXERCISES = {
    "lstm_keep_setting": keep_setting,
    "lstm_cell_after": cell_after,
    "lstm_readout": readout,
    "lstm_memory_left": memory_left,
    "lstm_highway": highway,
}
