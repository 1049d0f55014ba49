"""What the exploding/vanishing-gradients lesson's sections read: cached studies, and its sentences and numbers.

Studies are computed once per input and shared by every session (``st.cache_resource``, arrays read-only); the
charts drawn from them are in :mod:`lessons.gradients.figures`. The sentence builders choose each claim from
what was computed, and fill every number from code; powers of ten are written as every number is, also far past
float64's range.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from lessons.gradients import params
from rnn_core import cliff, counting, matrix_input, memory_probe, spectral
from ui import urlstate
from ui.claims import chosen
from ui.i18n import t
from ui.numbers import latex, num, percent

PAGE = "gradients"
W_CENTRES = np.linspace(*params.CLIFF_W_RANGE, 2 * params.CLIFF_GRID + 1)[1::2]  # the cliff surface's cells
B_CENTRES = np.linspace(*params.CLIFF_B_RANGE, 2 * params.CLIFF_GRID + 1)[1::2]
NON_NORMAL_W = spectral.non_normal_example(params.NON_NORMAL_RHO, params.NON_NORMAL_A)
NON_NORMAL_W.setflags(write=False)
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
LOG10_FLOAT64 = (-300.0, 300.0)  # well inside float64: 10**x is computed and written by numbers.num


def _read_only(result):
    """``result`` with every array in it (also inside dicts, lists, tuples) made read-only: it is shared."""
    if isinstance(result, np.ndarray):
        result.setflags(write=False)
    elif isinstance(result, dict):
        for value in result.values():
            _read_only(value)
    elif isinstance(result, (list, tuple)):
        for value in result:
            _read_only(value)
    return result


# --- studies (shared by every session) ------------------------------------------------------------------------


@st.cache_resource(max_entries=16, show_spinner=False)
def counting_flows(points: tuple) -> list[dict]:
    """The gradient flowing back through the book's counting RNN at each (U, W) of ``points``."""
    X, targets = counting.book_dataset()
    return _read_only([spectral.counting_gradient_flow(X, targets, U, W) for U, W in points])


@st.cache_resource(max_entries=32, show_spinner=False)
def recurrent_matrix(kind: str, size: int, seed: int, rho: float, matrix: str) -> np.ndarray:
    """The typed matrix (``kind`` "typed"), or a random one of spectral radius ``rho``."""
    if kind == "typed":
        return _read_only(matrix_input.parse_matrix(matrix, 2, params.MAX_ENTRY))
    return _read_only(spectral.random_recurrent(size, kind, rho, np.random.default_rng(seed)))


@st.cache_resource(max_entries=32, show_spinner=False)
def recurrence(kind: str, size: int, seed: int, rho: float, steps: int, xs: float, matrix: str) -> dict:
    """The recurrent matrix ``W``, its gradient norms (``linear``, and ``tanh`` driven by random inputs of scale
    ``xs``), the conditions on its spectral radius and largest singular value, and the norms' summaries."""
    W = recurrent_matrix(kind, size, seed, rho, matrix)
    linear = spectral.jacobian_norms(W, steps, "linear")
    driven = spectral.jacobian_norms(W, steps, "tanh", rng=np.random.default_rng([seed, 1]), input_scale=xs)
    return _read_only(
        {
            "W": W,
            "linear": linear,
            "tanh": driven,
            "linear_conditions": spectral.pascanu_conditions(W, "linear"),
            "tanh_conditions": spectral.pascanu_conditions(W, "tanh"),
            "linear_summary": spectral.norm_summary(linear["log10_norm"]),
            "tanh_summary": spectral.norm_summary(driven["log10_norm"]),
        }
    )


def typed_matrix(kind: str, matrix: str) -> tuple[str, matrix_input.MatrixError | None]:
    """The matrix text to draw: the typed one, or the default with the error when it cannot be read."""
    if kind != "typed":
        return matrix, None
    try:
        matrix_input.parse_matrix(matrix, 2, params.MAX_ENTRY)
    except matrix_input.MatrixError as err:
        return params.DEFAULT_MATRIX, err
    return matrix, None


@st.cache_resource(max_entries=1, show_spinner=False)
def non_normal_peak() -> dict:
    """The non-normal example's gradient norms: they rise for a while although ρ < 1."""
    W = NON_NORMAL_W
    norms = spectral.jacobian_norms(W, params.NON_NORMAL_STEPS, "linear")
    return _read_only(
        {
            **spectral.norm_summary(norms["log10_norm"]),
            "lambda1": spectral.largest_singular_value(W),
            "m": norms["m"],
            "norm": norms["norm"],
            "predicted": norms["predicted"],
            "rho": spectral.spectral_radius(W),
        }
    )


@st.cache_resource(max_entries=1, show_spinner=False)
def cliff_values() -> np.ndarray:
    """The cliff's error on the grid of (w, b) cell centres, (b, w)."""
    return _read_only(cliff.error_surface(W_CENTRES, B_CENTRES))


@st.cache_resource(max_entries=64, show_spinner=False)
def cliff_section(w: float) -> dict:
    """The error along b at ``w`` (``section``), and where its wall is (``wall_b``, None when it has none)."""
    b_low, b_high = params.CLIFF_B_RANGE
    return _read_only(
        {
            "wall_b": cliff.wall_point(w, b_low, b_high),
            "band": cliff.bistable_band(w),
            "section": cliff.cross_section((w, b_low), (w, b_high)),
        }
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def cliff_steps(w: float, lr: float) -> dict | None:
    """The plain gradient step from the wall at ``w`` and the next one from where it lands (``plain``, ``after``);
    None when there is no wall. Apart from :func:`cliff_study`: moving the clipping threshold reuses them."""
    wall_b = cliff_section(w)["wall_b"]
    if wall_b is None:
        return None
    plain = cliff.gradient_step(w, wall_b, lr)
    # what the next step sees where the plain step landed: the plain step computed the error and gradient there
    after = cliff.gradient_step(*plain["end"], lr, known=(plain["end_error"], *plain["end_gradient"]))
    return _read_only({"plain": plain, "after": after})


@st.cache_resource(max_entries=64, show_spinner=False)
def cliff_study(w: float, lr: float, clip: float) -> dict:
    """:func:`cliff_section`, with a plain and a clipped gradient step from the wall."""
    found = cliff_section(w)  # one look-up each: every cached call hashes its arguments again
    wall_b, section, band = found["wall_b"], found["section"], found["band"]
    if wall_b is None:
        return {"wall_b": None, "section": section, "band": band}
    steps = cliff_steps(w, lr)
    plain, after = steps["plain"], steps["after"]
    clipped = cliff.gradient_step(w, wall_b, lr, clip=clip, known=(plain["error"], *plain["gradient"]))  # same start
    return _read_only(
        {
            "wall_b": wall_b,
            "section": section,
            "band": band,
            "plain": plain,
            "clipped": clipped,
            "after": after,
            "sides": cliff.wall_sides(w, wall_b, params.WALL_SIDE),
        }
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def memory(rho: float, length: int, seed: int) -> dict:
    """The tanh RNN asked for the running mean of a noisy level: its output, and the gradient reaching each step."""
    return _read_only(
        memory_probe.running_mean_probe(
            rho, length, seed, hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE
        )
    )


def load_non_normal() -> None:
    """The button's callback: type the non-normal example into section 3."""
    st.session_state[urlstate.key(PAGE, "kind")] = "typed"
    st.session_state[urlstate.key(PAGE, "matrix")] = params.DEFAULT_MATRIX


# --- numbers as the sentences and metrics write them ------------------------------------------------------------


def power_of_ten(log10_value: float, digits: int = 3) -> str:
    """``10**log10_value`` as :func:`ui.numbers.num` writes it (``6.38·10⁸``), also far beyond float64's range
    (``3.16·10¹⁰⁰⁰``), where the value itself cannot be held."""
    if math.isnan(log10_value) or math.isinf(log10_value) or LOG10_FLOAT64[0] < log10_value < LOG10_FLOAT64[1]:
        with np.errstate(over="ignore", under="ignore"):
            return num(float(np.power(10.0, log10_value)), digits)
    exponent = math.floor(log10_value)
    mantissa = float(f"{10.0 ** (log10_value - exponent):.{digits - 1}f}")
    if mantissa >= 10.0:  # 9.999 rounds up to the next power
        mantissa, exponent = mantissa / 10.0, exponent + 1
    return f"{num(mantissa, digits)}·10{str(exponent).translate(_SUPERSCRIPT)}"


def superscript(n: int) -> str:
    """An integer exponent for a label: ``50`` as ``⁵⁰``."""
    return str(int(n)).translate(_SUPERSCRIPT)


def matrix_prose(W: np.ndarray) -> str:
    """A small matrix for prose, as inline LaTeX: rows of entries written by :func:`ui.numbers.latex`."""
    rows = r" \\ ".join(" & ".join(latex(float(x)) for x in row) for row in W)
    return rf"$\begin{{pmatrix}} {rows} \end{{pmatrix}}$"


FLOAT64_MAX = power_of_ten(float(np.log10(np.finfo(np.float64).max)), 2)  # where a curve leaves the chart


# --- sentences: each claim chosen by what was computed, every number filled from code ---------------------------


def factor_after(w: float, steps: int) -> str:
    """``|w|^steps``, the factor a gradient sent back ``steps`` steps through the weight w is multiplied by, written
    as every number is (also far past float64's range)."""
    return power_of_ten(spectral.scalar_series(w, steps)["log10_magnitude"][steps])


def regime_text(prefix: str, w: float, extra: str = "", **values) -> str:
    """The sentence for W's regime (keys ``<prefix>_exploding`` ...), then ``extra``, then the sign flip when
    W < 0."""
    regime = spectral.scalar_regime(w)
    keys = {
        "scalar": {
            "zero": "gradients.scalar_zero",
            "vanishing": "gradients.scalar_vanishing",
            "steady": "gradients.scalar_steady",
            "exploding": "gradients.scalar_exploding",
        },
        "flow": {
            "zero": "gradients.flow_zero",
            "vanishing": "gradients.flow_vanishing",
            "steady": "gradients.flow_steady",
            "exploding": "gradients.flow_exploding",
        },
    }[prefix]
    text = (
        t(keys[regime["regime"]], w=num(w), absw=num(abs(w)), decade=num(regime["steps_per_decade"]), **values) + extra
    )
    if regime["alternates"] and regime["regime"] != "zero":
        text += " " + t("gradients.scalar_alternates" if prefix == "scalar" else "gradients.flow_alternates")
    return text


def past_negligible(log10_factor: float) -> bool:
    """The factor after the steps, |w|^m, is below ``params.NEGLIGIBLE``: "practically no say"."""
    return bool(log10_factor < np.log10(params.NEGLIGIBLE))


def past_still_counts(log10_factor: float) -> bool:
    """The factor after the steps is at least ``params.NEGLIGIBLE``: "still has a say"."""
    return not past_negligible(log10_factor)


SAY_CLAIMS = {"gradients.scalar_negligible": past_negligible, "gradients.scalar_still_counts": past_still_counts}


def scalar_text(w: float, steps: int) -> str:
    """Section 1's reading of the student's W: its regime, and for a vanishing one whether the factor after
    ``steps`` steps leaves the past practically no say (:data:`SAY_CLAIMS`)."""
    log10_end = spectral.scalar_series(w, steps)["log10_magnitude"][steps]
    extra = ""
    if spectral.scalar_regime(w)["regime"] == "vanishing":
        extra = " " + t(chosen(SAY_CLAIMS, log10_end), steps=steps, absw=num(abs(w)))
    return regime_text("scalar", w, extra, steps=steps, end=power_of_ten(log10_end))


def note_advice_text() -> str:
    """The note's advice (make |W| < 1 when |W| > 1 explodes), with the book's weight and its inverse computed."""
    weight, steps = params.BOOK["explode"]
    inverse = 1.0 / weight
    return t(
        "gradients.note_advice",
        explode_w=num(weight),
        explode_m=steps,
        explode=factor_after(weight, steps),
        inverse_w=num(inverse),
        inverse_end=factor_after(inverse, steps),
    )


def point_list() -> str:
    """The blog figure's marked points as a Markdown list, each with what going back does to its curve."""
    return "\n".join(f"- {point_text(u, w)}" for u, w in params.BOOK["marked_points"])


def point_text(u: float, w: float) -> str:
    """One marked point of the blog figure and what going back does to its curve, from W's regime."""
    regime = spectral.scalar_regime(w)
    what = {
        "zero": t("gradients.point_zero"),
        "steady": t("gradients.point_steady"),
        "vanishing": t("gradients.point_scaled", factor=num(abs(w))),
        "exploding": t("gradients.point_scaled", factor=num(abs(w))),
    }[regime["regime"]]
    if regime["alternates"]:
        what = t("gradients.point_alternating", what=what)
    return f"({num(u)}, {num(w)}): {what}"


def flow_reading(U: float, W: float, T: int) -> str:
    """What the gradient does going back through the counting RNN at the student's (U, W)."""
    mine = counting_flows(((U, W),))[0]
    if mine["gradient"][-1] == 0:
        return t("gradients.flow_exact")
    return regime_text("flow", W, steps=T, end=num(mine["gradient"][-1]), start=num(mine["gradient"][0]))


def matrix_error_fields(err: matrix_input.MatrixError) -> dict:
    """The fields the typed matrix's error messages name (beyond the row, column and token the error carries)."""
    return {"limit": num(params.MAX_ENTRY), "found": ", ".join(str(n) for n in err.found)}


def conditions_text(study: dict, steps: int) -> tuple[str, str]:
    """What ρ says about the linear norms and what λ₁ says about the tanh ones, with the rates measured."""
    linear, tanh = study["linear_conditions"], study["tanh_conditions"]
    linear_keys = {
        "vanishing_guaranteed": "gradients.cond_linear_vanishing",
        "may_explode": "gradients.cond_linear_explode",
        "boundary": "gradients.cond_linear_boundary",
    }
    tanh_keys = {
        "vanishing_guaranteed": "gradients.cond_tanh_vanishing",
        "may_explode": "gradients.cond_tanh_may_explode",
        "boundary": "gradients.cond_tanh_boundary",
    }
    return (
        t(
            linear_keys[linear["regime"]],
            rho=num(linear["rho"], 4),
            rate=num(study["linear_summary"]["rate"], 4),
            steps=steps,
        ),
        t(
            tanh_keys[tanh["regime"]],
            lambda1=num(linear["lambda1"], 4),
            rate=num(study["tanh_summary"]["rate"], 4),
            steps=steps,
            threshold=num(tanh["threshold"]),
            bound=num(tanh["step_bound"], 4),
        ),
    )


def norm_notes(study: dict, steps: int) -> list[tuple[str, str]]:
    """Notes (text, icon) on the norms: a transient rise although ρ < 1, and where a curve left float64."""
    conditions, summary = study["linear_conditions"], study["linear_summary"]
    notes = []
    if conditions["transient_growth"] and summary["peak_m"] > 0:
        fields = dict(
            rho=num(conditions["rho"], 4),
            lambda1=num(conditions["lambda1"], 4),
            peak=power_of_ten(summary["log10_peak"]),
            peak_m=summary["peak_m"],
            steps=steps,
        )
        still_rising = summary["peak_m"] == steps  # the peak is the last point drawn: no decay seen yet
        notes.append(
            (t("gradients.transient_rising" if still_rising else "gradients.transient", **fields), ":material/search:")
        )
    for curve, result in ((t("gradients.series_linear"), study["linear"]), (t("gradients.series_tanh"), study["tanh"])):
        if result["overflow_at"] is not None:
            notes.append(
                (
                    t(
                        "gradients.norm_overflow",
                        curve=curve,
                        m=result["overflow_at"],
                        steps=steps,
                        end=power_of_ten(result["log10_norm"][steps]),
                        fmax=FLOAT64_MAX,
                    ),
                    ":material/trending_up:",
                )
            )
        if result["underflow_at"] is not None:
            notes.append(
                (t("gradients.norm_underflow", curve=curve, m=result["underflow_at"]), ":material/trending_down:")
            )
    return notes


def non_normal_text() -> str:
    """The non-normal example: ρ < 1, and yet the norms rise first."""
    example = non_normal_peak()
    rho, a = latex(example["rho"]), latex(params.NON_NORMAL_A)
    powers = rf"$W^m = \begin{{pmatrix}} {rho}^m & {a}\,m\,{rho}^{{m-1}} \\ 0 & {rho}^m \end{{pmatrix}}$"
    return t(
        "gradients.nonnormal_text",
        lambda1=num(example["lambda1"], 4),
        peak=power_of_ten(example["log10_peak"]),
        peak_m=example["peak_m"],
        matrix=matrix_prose(NON_NORMAL_W),
        rho=num(example["rho"]),
        powers=powers,
    )


# --- Section 4's claims: each sentence's key beside the predicate that chooses it, over the computed step --------


def lands_inside(study: dict) -> bool:
    """The plain step from the wall ends inside the plotted view (both ends of each range included)."""
    (w_low, w_high), (b_low, b_high) = params.CLIFF_W_RANGE, params.CLIFF_B_RANGE
    end_w, end_b = study["plain"]["end"]
    return bool(w_low <= end_w <= w_high and b_low <= end_b <= b_high)


def lands_outside(study: dict) -> bool:
    """The plain step from the wall ends outside the plotted view."""
    return not lands_inside(study)


def stuck_there(study: dict) -> bool:
    """Where the plain step lands, the gradient is below ``params.STUCK_SLOPE``: the next step at any rate the
    page offers (at most 1) moves the weights by less than that."""
    return bool(study["after"]["grad_norm"] < params.STUCK_SLOPE)


def clipped_step(study: dict) -> bool:
    """The gradient's norm reached the threshold, so clipping shortened the step (Algorithm 1: ``>=``)."""
    return bool(study["clipped"]["clipped"])


def unclipped_step(study: dict) -> bool:
    """The gradient's norm is below the threshold: clipping leaves the step as it is."""
    return not clipped_step(study)


WHERE_CLAIMS = {"gradients.cliff_inside": lands_inside, "gradients.cliff_outside": lands_outside}
CLIP_CLAIMS = {"gradients.cliff_clipped": clipped_step, "gradients.cliff_not_clipped": unclipped_step}


def cliff_step_text(study: dict, w: float, lr: float) -> str:
    """Where the plain step from the wall lands (:data:`WHERE_CLAIMS`), and whether the weights are stuck there
    (:func:`stuck_there`)."""
    plain, after = study["plain"], study["after"]
    below, above = study["sides"]
    band = (
        ""
        if study["band"] is None
        else t("gradients.cliff_band", w=num(w), b_low=num(study["band"][0]), b_high=num(study["band"][1])) + " "
    )
    text = band + t(
        "gradients.cliff_step",
        w=num(w),
        b=num(study["wall_b"], 6),
        side=num(params.WALL_SIDE),
        below=num(below),
        above=num(above),
        error=num(plain["error"]),
        grad=num(plain["grad_norm"]),
        lr=num(lr),
        step=num(plain["step_norm"]),
        end_w=num(plain["end"][0]),
        end_b=num(plain["end"][1]),
        end_error=num(plain["end_error"]),
        end_grad=num(after["grad_norm"]),
        where=t(chosen(WHERE_CLAIMS, study)),
    )
    return text + (" " + t("gradients.cliff_stuck") if stuck_there(study) else "")


def cliff_clip_text(study: dict, clip: float) -> str:
    """What clipping the gradient's norm at ``clip`` did to the step, if anything (:data:`CLIP_CLAIMS`)."""
    plain, clipped = study["plain"], study["clipped"]
    return t(
        chosen(CLIP_CLAIMS, study),
        clip=num(clip),
        step=num(clipped["step_norm"]),
        end_error=num(clipped["end_error"]),
        grad=num(plain["grad_norm"]),
    )


# --- Section 5's claims: each sentence's key beside the predicate that chooses it, over what the probe measured ---
# Every predicate says in code what its sentence says in words; tests/test_claims_gradients.py checks each one
# against sensitivities computed another way (finite differences of the last output).


def output_beats_baseline(probe: dict) -> bool:
    """The readout's RMS error at step T, over the training sequences, is below always answering their mean, and
    no output overflowed."""
    return bool(probe["finite"] and probe["rms_error"][-1] < probe["constant_error"][-1])


def step1_reaches(probe: dict) -> bool:
    """Step 1 gets at least ``params.FADED_SHARE`` of the weight 1/T the task gives it."""
    return not probe["share"] < params.FADED_SHARE


def step1_faded(probe: dict) -> bool:
    """Step 1 gets less than ``params.FADED_SHARE`` of its due 1/T, and less than step T gets (so "n times
    smaller than at step T" is a ratio above 1)."""
    return not step1_reaches(probe) and probe["sensitivity"][0] < probe["sensitivity"][-1]


def step1_faded_everywhere(probe: dict) -> bool:
    """Step 1 gets less than ``params.FADED_SHARE`` of its due, and step T gets no more than step 1."""
    return not step1_reaches(probe) and not step1_faded(probe)


def none_due(probe: dict) -> bool:
    """No input gets the weight 1/T."""
    return probe["due"] == 0


def last_ones_due(probe: dict) -> bool:
    """The inputs that get at least 1/T are exactly the last ``reach`` ones: every one of those, none before."""
    return 0 < probe["due"] == probe["reach"]


def due_not_all_last(probe: dict) -> bool:
    """Some inputs get at least 1/T, but not as one block of the latest: among the last ``reach`` inputs (from
    the earliest that gets 1/T) some get less."""
    return 0 < probe["due"] < probe["reach"]


def output_no_better(probe: dict) -> bool:
    """The readout's RMS error at step T is not below always answering the mean (or an output overflowed)."""
    return not output_beats_baseline(probe)


OUTPUT_CLAIMS = {
    "gradients.memory_output_fine": output_beats_baseline,
    "gradients.memory_output_poor": output_no_better,
}
STEP1_CLAIMS = {
    "gradients.memory_reaches": step1_reaches,
    "gradients.memory_faded": step1_faded,
    "gradients.memory_faded_everywhere": step1_faded_everywhere,
}
REACH_CLAIMS = {
    "gradients.memory_reach_none": none_due,
    "gradients.memory_reach_some": last_ones_due,
    "gradients.memory_reach_scattered": due_not_all_last,
}


def memory_claims(probe: dict) -> list[str]:
    """The keys of the sentences section 5 shows for ``probe``, in order."""
    keys = [chosen(OUTPUT_CLAIMS, probe), chosen(STEP1_CLAIMS, probe)]
    if keys[1] != "gradients.memory_reaches":
        keys.append(chosen(REACH_CLAIMS, probe))
    return keys


def memory_reading(probe: dict, length: int) -> str:
    """Whether the output beats the constant baseline, and whether the gradient at step 1 has faded (below
    ``params.FADED_SHARE`` of the weight 1/T the task gives it) or still arrives: each claim as measured, chosen
    by :func:`memory_claims`."""
    output_key, step1_key, *reach_key = memory_claims(probe)
    output = t(
        output_key,
        err=num(probe["rms_error"][-1]),
        const=num(probe["constant_error"][-1]),
        n=params.MEM_SEQUENCES,
    )
    fields = dict(
        first=num(probe["sensitivity"][0]), last=num(probe["sensitivity"][-1]), needed=num(probe["needed"][0])
    )
    if step1_key == "gradients.memory_reaches":
        return output + " " + t(step1_key, share=percent(probe["share"]), **fields)
    reach = t(
        reach_key[0],
        reach=probe["reach"],
        due=probe["due"],
        earliest=length - probe["reach"] + 1,
        below=probe["reach"] - probe["due"],
        steps=length,
    )
    with np.errstate(divide="ignore"):
        shortfall = num(np.float64(1.0) / probe["share"])  # how many times less than its due step 1 gets (∞ for 0)
    return (
        output
        + " "
        + t(
            step1_key,
            ratio=power_of_ten(probe["log10_fade"]),
            reach_text=reach,
            shortfall=shortfall,
            **fields,
        )
    )
