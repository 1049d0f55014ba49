"""What the home lesson's sections show: the typed sequence, the small RNN's cached runs, the cached chart specs
(built by :mod:`lessons.home.figures`), and the sentences that read the nudge, each chosen from the values
computed at the page's settings (:mod:`lessons.home.params`).

Runs and chart specs are keyed on the page's small settings (the sequence as a tuple of numbers), so a rerun
that changes nothing in a chart ships it from the one spec cache (:func:`ui.charts.spec_cache`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from lessons.home import figures
from lessons.home.params import ACTIVATION_NAMES, INPUT_LIMIT, MAX_STEPS, SCALE_STEP, P
from rnn_core import intro, vanilla
from rnn_core.errors import InputError
from ui import charts
from ui.claims import chosen
from ui.i18n import t
from ui.numbers import integer, num

PAGE = "home"
# One line per page for the map (the lessons, and the class page); only registered pages are shown.
LESSON_LINES = {
    "mappings": "home.map_mappings",
    "counting": "home.map_counting",
    "gradients": "home.map_gradients",
    "optimizers": "home.map_optimizers",
    "lstm": "home.map_lstm",
    "class": "home.map_class",
}


def read_sequence(text: str) -> tuple[tuple[float, ...], InputError | None]:
    """The typed sequence as a tuple of numbers and None, or the page's default sequence and what is wrong with
    the typed one (the page says so with :func:`ui.errors.show_input_error`)."""
    try:
        return tuple(intro.parse_numbers(text, MAX_STEPS, INPUT_LIMIT).tolist()), None
    except InputError as err:
        return tuple(intro.parse_numbers(P["x"].default, MAX_STEPS, INPUT_LIMIT).tolist()), err


@st.cache_resource(max_entries=64, show_spinner=False)
def toy_rnn(hidden: int, seed: int, scale: float) -> vanilla.Params:
    """The random network of section 2 (shared by every session that asks for it; read-only)."""
    params = intro.toy_rnn(hidden, seed, scale)
    for weights in params.values():
        weights.setflags(write=False)
    return params


@st.cache_resource(max_entries=256, show_spinner=False)
def nudged(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> dict[str, np.ndarray]:
    """The network on ``x`` and on ``x`` with ``delta`` added to x₁ (:func:`rnn_core.intro.nudge_first_input`):
    ``states`` (T, H), ``nudged`` (T, H), ``difference`` (T,). Shared and read-only."""
    run = intro.nudge_first_input(toy_rnn(hidden, seed, scale), np.array(x), activation, delta)
    for values in run.values():
        values.setflags(write=False)
    return run


@st.cache_resource(max_entries=64, show_spinner=False)
def states(x: tuple, activation: str, hidden: int, seed: int, scale: float) -> tuple[np.ndarray, int | None]:
    """The states h_t for ``x`` alone (T, H), read-only, and the first step (from 1) whose state overflowed, or
    None. Section 2 draws them without section 3's δ."""
    H, cache = vanilla.forward(np.array(x)[None, :, None], toy_rnn(hidden, seed, scale), activation=activation)
    H = H[0]
    H.setflags(write=False)
    overflowed = cache["nonfinite_at"]
    return H, None if overflowed is None else overflowed + 1


# The charts are templates (:func:`ui.charts.template`): the shape built and validated once per language, the rows
# (and the height or the steps, which a template cannot take as rows) put in on each draw, so a move to a value no
# one chose builds no Altair object.


@charts.spec_cache(max_entries=128)
def state_chart(lang: str, x: tuple, activation: str, hidden: int, seed: int, scale: float) -> dict:
    """Section 2: the states over time (:func:`lessons.home.figures.states`)."""
    H, _ = states(x, activation, hidden, seed, scale)
    spec = charts.filled(state_shape(lang), figures.states_rows(H))
    # The height follows the units: put in here, not a shape per number of units (a template has no rows for it).
    return {**spec, "height": figures.states_height(H.shape[1])}


@charts.template(max_entries=4)
def state_shape(lang: str):
    """Section 2's chart; its height (one unit's here) is the draw's own (:func:`state_chart`)."""
    return figures.states(
        charts.slot("states"),
        1,
        step_title=t("home.t_axis"),
        unit_title=t("home.unit_axis"),
        value_title=t("home.state_value"),
    )


@charts.spec_cache(max_entries=128)
def memory_chart(lang: str, x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> dict:
    """Section 3: how far each state moves when x₁ is nudged by ``delta`` (:func:`lessons.home.figures.nudge`;
    :func:`memory_cut` says what its log axis leaves out)."""
    diff = nudged(x, activation, hidden, seed, scale, delta)["difference"]
    rows = figures.nudge_rows(diff, delta, t("home.delta_rule", delta=num(delta)))
    return figures.nudge_steps(charts.filled(memory_shape(lang), rows), len(diff))


@charts.template(max_entries=4)
def memory_shape(lang: str):
    """Section 3's chart; its x axis's steps (two here) are the draw's own (:func:`memory_chart`)."""
    return figures.nudge(
        {"line": charts.slot("line"), "rule": charts.slot("rule")},
        2,
        step_title=t("home.t_axis"),
        moved_title=t("home.difference_axis"),
        delta_title=t("home.delta_rule_title"),
    )


def memory_cut(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> str:
    """The caption under section 3's chart: which steps the log axis cannot draw, if any."""
    diff = nudged(x, activation, hidden, seed, scale, delta)["difference"]
    finite = np.isfinite(diff)
    parts = []
    if np.any(finite & (diff == 0)):
        parts.append(t("home.cut_zero", count=integer(np.sum(finite & (diff == 0)))))
    if not np.all(finite):
        parts.append(t("home.cut_overflow", count=integer(np.sum(~finite)), step=integer(np.argmin(finite) + 1)))
    return " ".join(parts)


# --- Section 3's claims: each sentence's key beside the predicate that chooses it, over the computed change ------
# A change is "about as large" / "about the same" when it reads the same as the other to the 3 significant digits
# the page writes both with; tests/test_claims_home.py checks each against a forward pass of its own.


def reads_as_one(ratio: float) -> bool:
    """The ratio is written "1" (3 significant digits): the last state moved about as much as the nudge."""
    return num(ratio) == num(1.0)


def grew(ratio: float) -> bool:
    """The last state moved more than the nudge, by more than the page's digits show."""
    return not reads_as_one(ratio) and ratio > 1


def shrank(ratio: float) -> bool:
    """The last state moved less than the nudge, by more than the page's digits show."""
    return not reads_as_one(ratio) and ratio < 1


VERDICT_CLAIMS = {"home.verdict_same": reads_as_one, "home.verdict_grown": grew, "home.verdict_shrunk": shrank}


def overflowed(value: float, now: float) -> bool:
    """At the other setting the states overflow (the change is not a number)."""
    return not np.isfinite(value)


def no_trace(value: float, now: float) -> bool:
    """At the other setting the last state did not move at all."""
    return bool(np.isfinite(value) and value == 0)


def finite_where_now_overflows(value: float, now: float) -> bool:
    """The other setting's change is a finite nonzero number, and the current one overflowed."""
    return bool(np.isfinite(value) and value != 0 and not np.isfinite(now))


def same_as_now(value: float, now: float) -> bool:
    """Both finite and nonzero, written the same to the page's digits."""
    return bool(np.isfinite(value) and value != 0 and np.isfinite(now) and num(value) == num(now))


def more_than_now(value: float, now: float) -> bool:
    """Both finite, nonzero and written differently, the other larger."""
    return bool(np.isfinite(value) and value != 0 and np.isfinite(now) and num(value) != num(now) and value > now)


def less_than_now(value: float, now: float) -> bool:
    """Both finite, nonzero and written differently, the other smaller."""
    return bool(np.isfinite(value) and value != 0 and np.isfinite(now) and num(value) != num(now) and value < now)


COMPARISON_CLAIMS = {
    "home.cmp_overflow": overflowed,
    "home.cmp_zero": no_trace,
    "home.cmp_finite": finite_where_now_overflows,
    "home.cmp_same": same_as_now,
    "home.cmp_more": more_than_now,
    "home.cmp_less": less_than_now,
}


def memory_reading(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> str:
    """The sentence under section 3's chart: how much of the nudge the last state still carries, and whether
    that is more or less than the nudge itself (:data:`VERDICT_CLAIMS`)."""
    diff = nudged(x, activation, hidden, seed, scale, delta)["difference"]
    last = diff[-1]
    if not np.isfinite(last):
        return t("home.memory_overflow", steps=integer(len(x)), step=integer(np.argmin(np.isfinite(diff)) + 1))
    if last == 0:
        return t("home.memory_gone", steps=integer(len(x)))
    ratio = last / delta
    return t(
        "home.memory_reading",
        delta=num(delta),
        steps=integer(len(x)),
        last=num(last),
        ratio=num(ratio),
        verdict=t(chosen(VERDICT_CLAIMS, ratio)),
    )


def other_scales(scale: float) -> list[float]:
    """The weight scales section 3 compares with: one ``SCALE_STEP`` down and up, within the slider."""
    lo, hi = P["scale"].lo, P["scale"].hi
    return sorted(
        {s for s in (round(max(lo, scale - SCALE_STEP), 2), round(min(hi, scale + SCALE_STEP), 2)) if s != scale}
    )


def compared(value: float, now: float) -> str:
    """How the last state's change ``value`` at another setting compares with ``now``'s (both as computed)."""
    return t(chosen(COMPARISON_CLAIMS, value, now))


def comparisons(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> list[str]:
    """Section 3's list: the same nudge at the neighbouring weight scales and with the other activations, each
    line with the computed change of the last state and how it compares with the current one."""
    now = nudged(x, activation, hidden, seed, scale, delta)["difference"][-1]
    lines = []
    for other in other_scales(scale):
        value = nudged(x, activation, hidden, seed, other, delta)["difference"][-1]
        lines.append(
            t("home.cmp_scale", scale=num(other), now=num(scale), value=num(value), relation=compared(value, now))
        )
    for name in ACTIVATION_NAMES:
        if name != activation:
            value = nudged(x, name, hidden, seed, scale, delta)["difference"][-1]
            lines.append(
                t("home.cmp_activation", act=t(ACTIVATION_NAMES[name]), value=num(value), relation=compared(value, now))
            )
    return lines


@st.cache_resource(max_entries=128, show_spinner=False)
def mean_slope(x: tuple, activation: str, hidden: int, seed: int, scale: float) -> float:
    """:func:`rnn_core.intro.mean_slope` of the page's network (cached)."""
    return intro.mean_slope(toy_rnn(hidden, seed, scale), np.array(x), activation)


def saturation_note(x: tuple, activation: str, hidden: int, seed: int, scale: float, delta: float) -> str | None:
    """Why a larger weight scale can keep *less* of the nudge: said only when, at these settings, the larger
    scale keeps less and the activation's average slope over the run is smaller there."""
    larger = [s for s in other_scales(scale) if s > scale]
    if activation not in ("tanh", "logistic") or not larger:
        return None
    up = larger[0]
    now = nudged(x, activation, hidden, seed, scale, delta)["difference"][-1]
    there = nudged(x, activation, hidden, seed, up, delta)["difference"][-1]
    slope_now, slope_up = mean_slope(x, activation, hidden, seed, scale), mean_slope(x, activation, hidden, seed, up)
    if not (np.isfinite(now) and np.isfinite(there) and there < now and slope_up < slope_now):
        return None
    return t(
        "home.saturation",
        act=t(ACTIVATION_NAMES[activation]),
        up=num(up),
        now=num(scale),
        slope_up=num(slope_up),
        slope_now=num(slope_now),
    )
