"""Lesson: exploding and vanishing gradients (the geometric series, the spectral radius, the cliff)."""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import cliff, counting, spectral, vanilla
from ui import charts, page, urlstate
from ui import gradients_charts as gc
from ui.code_panel import under_the_hood
from ui.i18n import current_language, t
from ui.urlstate import Param

PAGE = "gradients"
SERIES_STEPS = 100  # section 1: m = 0..100
SIGN_STEPS = 20  # section 1: the signed series, first steps only
MAX_ENTRY = 100.0  # largest |entry| of a typed matrix
NON_NORMAL_RHO, NON_NORMAL_STEPS = 0.9, 60  # section 3: the non-normal example, drawn on a linear axis
MEM_HIDDEN, MEM_SEQUENCES = 32, 100  # section 5: units of the tanh RNN, sequences its readout is fitted on
STUCK_SLOPE = 1e-4  # a slope this small moves the weights by less than 1e-4 per step at η = 1: "stuck"
CLIFF_GRID = 100  # cells per axis of the cliff's error surface
W_CENTRES = np.linspace(*cliff.W_RANGE, 2 * CLIFF_GRID + 1)[1::2]
B_CENTRES = np.linspace(*cliff.B_RANGE, 2 * CLIFF_GRID + 1)[1::2]
NON_NORMAL_W = spectral.non_normal_example(NON_NORMAL_RHO)  # also the typed matrix's default
FLOAT64_MAX = gc.power_of_ten(float(np.log10(np.finfo(np.float64).max)), 2)  # where a curve leaves the chart

P = {p.name: p for p in (
    Param("w", 1.5, "float", -2.0, 2.0, 0.05),
    Param("count_u", 1.0, "float", -3.0, 3.0, 0.05),
    Param("count_w", 1.5, "float", -3.0, 3.0, 0.05),
    Param("kind", "gaussian", "choice", options=("gaussian", "orthogonal", "typed")),
    Param("size", 32, "int", 2, 64),
    Param("seed", 0, "int", 0, 999_999),
    Param("rho", 0.9, "float", 0.5, 1.5, 0.01),
    Param("steps", 100, "int", 10, 200),
    Param("xs", 1.0, "float", 0.0, 3.0, 0.1),
    Param("matrix", gc.matrix_input(NON_NORMAL_W), "text"),
    Param("cliff_w", 6.0, "float", 4.5, 9.0, 0.1),
    Param("lr", 0.1, "float", 0.001, 1.0, 0.001),
    Param("clip", 1.0, "float", 0.1, 10.0, 0.1),
    Param("mem_rho", 0.9, "float", 0.5, 1.5, 0.01),
    Param("mem_len", 60, "int", 10, 200),
    Param("mem_seed", 0, "int", 0, 999_999),
)}


@st.cache_data(max_entries=8)
def counting_flows(points: tuple) -> list[dict]:
    X, targets = counting.book_dataset()
    return [spectral.counting_gradient_flow(X, targets, U, W) for U, W in points]


@st.cache_data(max_entries=32)
def recurrence(kind: str, size: int, seed: int, rho: float, steps: int, xs: float, matrix: str):
    """The recurrent matrix and its gradient norms: linear, and tanh driven by random inputs of scale xs."""
    if kind == "typed":
        W = spectral.parse_matrix(matrix, 2, MAX_ENTRY)
    else:
        W = spectral.random_recurrent(size, kind, rho, np.random.default_rng(seed))
    linear = spectral.jacobian_norms(W, steps, "linear")
    driven = spectral.jacobian_norms(W, steps, "tanh", rng=np.random.default_rng([seed, 1]), input_scale=xs)
    return W, linear, driven


@st.cache_data(max_entries=1)
def cliff_cells() -> pd.DataFrame:
    cells = charts.surface_cells(W_CENTRES, B_CENTRES, cliff.error_surface(W_CENTRES, B_CENTRES))
    return cells.drop(columns=["i", "j"])  # nothing to click here: the cell indices need not travel


@st.cache_data(max_entries=32)
def cliff_study(w: float, lr: float, clip: float) -> dict:
    wall_b = cliff.wall_point(w, *cliff.B_RANGE)
    section = cliff.cross_section((w, cliff.B_RANGE[0]), (w, cliff.B_RANGE[1]))
    if wall_b is None:
        return {"wall_b": None, "section": section}
    plain = cliff.gradient_step(w, wall_b, lr)
    clipped = cliff.gradient_step(w, wall_b, lr, clip=clip)
    after = cliff.gradient_step(*plain["end"], lr)  # what the next step sees where the plain step landed
    return {"wall_b": wall_b, "section": section, "plain": plain, "clipped": clipped, "after": after,
            "sides": cliff.wall_sides(w, wall_b)}


@st.cache_data(max_entries=1)
def non_normal_peak() -> dict:
    W = NON_NORMAL_W
    norms = spectral.jacobian_norms(W, NON_NORMAL_STEPS, "linear")
    return {**spectral.norm_summary(norms["log10_norm"]), "lambda1": spectral.largest_singular_value(W),
            "m": norms["m"], "norm": norms["norm"], "predicted": norms["predicted"],
            "rho": spectral.spectral_radius(W)}


@st.cache_data(max_entries=16)
def memory(rho: float, length: int, seed: int) -> dict:
    return spectral.running_mean_probe(rho, length, seed, hidden=MEM_HIDDEN, n=MEM_SEQUENCES)


# Charts: each built and schema-validated once per set of inputs and kept as a Vega-Lite dict (gc.vega_lite),
# so a rerun only ships it. `lang` is part of every key because the titles are translated inside.


@st.cache_data(max_entries=64)
def series_chart(lang: str, w: float) -> dict:
    (explode, _), (vanish, _) = spectral.BOOK_EXPLODE, spectral.BOOK_VANISH
    curves = {t("gradients.series_yours", w=gc.number(w)): (w, "solid"),
              t("gradients.series_book_explode", w=gc.number(explode)): (explode, "dashed"),
              t("gradients.series_book_vanish", w=gc.number(vanish)): (vanish, "dotted")}
    df = pd.concat([pd.DataFrame({"m": np.arange(SERIES_STEPS + 1), "series": name, "dash": dash,
                                  "value": spectral.scalar_series(weight, SERIES_STEPS)["magnitude"]})
                    for name, (weight, dash) in curves.items()])
    return charts.vega_lite(gc.series_lines(df, "m", "value", x_title=t("gradients.m_axis"),
                                        y_title=t("gradients.magnitude_axis"),
                                        series_title=t("gradients.series_legend"), height=400,
                                        widths={next(iter(curves)): 4.0}))


@st.cache_data(max_entries=64)
def sign_chart(lang: str, w: float) -> dict:
    series = spectral.scalar_series(w, SIGN_STEPS)
    names = {1.0: t("gradients.sign_positive"), -1.0: t("gradients.sign_negative"), 0.0: t("gradients.sign_zero")}
    df = pd.DataFrame({"m": series["m"], "value": series["value"], "sign": [names[s] for s in series["sign"]]})
    return charts.vega_lite(gc.signed_bars(df, x_title=t("gradients.m_axis"), y_title=t("gradients.signed_axis"),
                                       sign_title=t("gradients.sign_legend"), height=400))


@st.cache_data(max_entries=64)
def flow_chart(lang: str, U: float, W: float) -> dict:
    flows = counting_flows((*spectral.MARKED_POINTS, (U, W)))
    names = [t("gradients.point_label", u=gc.number(u), w=gc.number(w)) for u, w in spectral.MARKED_POINTS]
    names.append(t("gradients.yours_label", u=gc.number(U), w=gc.number(W)))
    df = pd.concat([pd.DataFrame({"k": flow["k"], "gradient": flow["gradient"], "series": name,
                                  "dash": "dashed" if name == names[-1] else "solid"})
                    for name, flow in zip(names, flows, strict=True)])
    T = len(flows[-1]["k"]) - 1
    return charts.vega_lite(gc.series_lines(df, "k", "gradient", x_title=t("gradients.k_axis", T=T),
                                        y_title=t("gradients.flow_axis"), series_title=t("gradients.flow_legend"),
                                        scale="symlog", points=True, height=460, legend_columns=4,
                                        colors=[*charts.PALETTE[:6], charts.PALETTE[7]], widths={names[-1]: 4.0}))


@st.cache_data(max_entries=32)
def matrix_charts(lang: str, kind: str, size: int, seed: int, rho: float, steps: int, xs: float,
                  matrix: str) -> tuple[dict, dict]:
    """The eigenvalues in the complex plane, and the gradient norms against m."""
    W, linear, driven = recurrence(kind, size, seed, rho, steps, xs, matrix)
    radius = linear["rho"]
    eig = spectral.eigenvalues(W)
    eig_df = pd.DataFrame({"re": eig.real, "im": eig.imag, "modulus": np.abs(eig)})
    circles = pd.concat([gc.circle_points(1.0, t("gradients.unit_circle")),
                         gc.circle_points(radius, t("gradients.rho_circle", rho=gc.number(radius)))])
    plane = gc.eigen_plane(eig_df, circles, extent=max(1.25, 1.15 * radius), re_title=t("gradients.re_axis"),
                           im_title=t("gradients.im_axis"), circle_title=t("gradients.circle_legend"))
    curves = {t("gradients.series_linear"): (linear["norm"], "solid"),
              t("gradients.series_tanh"): (driven["norm"], "solid"),
              t("gradients.series_predicted", rho=gc.number(radius)): (linear["predicted"], "dashed")}
    norms = pd.concat([pd.DataFrame({"m": linear["m"], "norm": values, "series": name, "dash": dash})
                       for name, (values, dash) in curves.items()])
    lines = gc.series_lines(norms, "m", "norm", x_title=t("gradients.m_axis"), y_title=t("gradients.norm_axis"),
                            series_title=t("gradients.norm_legend"), height=440)
    return charts.vega_lite(plane), charts.vega_lite(lines)


@st.cache_data(max_entries=4)
def non_normal_chart(lang: str) -> dict:
    example = non_normal_peak()
    df = pd.concat([pd.DataFrame({"m": example["m"], "norm": values, "series": name, "dash": dash})
                    for name, values, dash in (
                        (t("gradients.series_linear"), example["norm"], "solid"),
                        (t("gradients.series_predicted", rho=gc.number(NON_NORMAL_RHO)), example["predicted"],
                         "dashed"))])
    return charts.vega_lite(gc.series_lines(df, "m", "norm", x_title=t("gradients.m_axis"),
                                        y_title=t("gradients.norm_axis"), series_title=t("gradients.norm_legend"),
                                        scale="linear", height=280))


@st.cache_data(max_entries=32)
def cliff_charts(lang: str, w: float, lr: float, clip: float) -> tuple[dict, dict]:
    """The error surface with the cross-section and one clipped step from the wall, and the cross-section."""
    study = cliff_study(w, lr, clip)
    overlay = pd.DataFrame({"w": [], "b": [], "step": [], "label": []})
    if study["wall_b"] is not None and study["plain"]["finite"]:
        step = study["clipped"]
        overlay = pd.DataFrame({"w": [step["start"][0], step["end"][0]], "b": [step["start"][1], step["end"][1]],
                                "step": [0, 1], "label": [t("gradients.on_wall"), t("gradients.after_step")]})
    surface = gc.cliff_surface(cliff_cells(), overlay, w, w_title="w", b_title="b",
                               value_title=t("gradients.error_axis"), w_domain=cliff.W_RANGE, b_domain=cliff.B_RANGE)
    section = pd.DataFrame({"b": study["section"]["b"], "error": study["section"]["error"]})
    profile = gc.cross_section(section, study["wall_b"], b_title="b", e_title=t("gradients.error_axis"),
                               wall_title=t("gradients.wall_label"))
    return charts.vega_lite(surface), charts.vega_lite(profile)


@st.cache_data(max_entries=32)
def memory_charts(lang: str, rho: float, length: int, seed: int) -> tuple[dict, dict]:
    """One sequence with the network's output, and the gradient that reaches each step."""
    probe = memory(rho, length, seed)
    lines = {t("gradients.input_dots"): (probe["inputs"], "solid"),
             t("gradients.series_level"): (np.full(length, probe["level"]), "dotted"),
             t("gradients.series_target"): (probe["target"], "solid"),
             t("gradients.series_output"): (probe["output"], "solid")}
    trace = pd.concat([pd.DataFrame({"t": probe["t"], "value": values, "series": name, "dash": dash})
                       for name, (values, dash) in lines.items()])
    reach = pd.concat([pd.DataFrame({"t": probe["t"], "value": values, "series": name, "dash": dash})
                       for name, values, dash in ((t("gradients.series_sensitivity"), probe["sensitivity"], "solid"),
                                                  (t("gradients.series_needed"), probe["needed"], "dashed"))])
    output = gc.memory_trace(trace, t_title=t("gradients.t_axis"), value_title=t("gradients.value_axis"),
                             series_title=t("gradients.trace_legend"), height=420)
    gradient = gc.series_lines(reach, "t", "value", x_title=t("gradients.t_axis"), y_title=t("gradients.reach_axis"),
                               series_title=t("gradients.trace_legend"), height=420)
    return charts.vega_lite(output), charts.vega_lite(gradient)


def load_non_normal() -> None:
    st.session_state[urlstate.key(PAGE, "kind")] = "typed"
    st.session_state[urlstate.key(PAGE, "matrix")] = P["matrix"].default


def regime_text(prefix: str, w: float, **values) -> str:
    """The sentence for W's regime (keys ``<prefix>_exploding`` ...), plus the sign flip when W < 0."""
    regime = spectral.scalar_regime(w)
    keys = {
        "scalar": {"zero": "gradients.scalar_zero", "vanishing": "gradients.scalar_vanishing",
                   "steady": "gradients.scalar_steady", "exploding": "gradients.scalar_exploding"},
        "flow": {"zero": "gradients.flow_zero", "vanishing": "gradients.flow_vanishing",
                 "steady": "gradients.flow_steady", "exploding": "gradients.flow_exploding"},
    }[prefix]
    text = t(keys[regime["regime"]], w=gc.number(w), absw=gc.number(abs(w)),
             decade=f"{regime['steps_per_decade']:.3g}", **values)
    if regime["alternates"] and regime["regime"] != "zero":
        text += " " + t("gradients.scalar_alternates" if prefix == "scalar" else "gradients.flow_alternates")
    return text


def point_text(u: float, w: float) -> str:
    """One marked point of the blog figure and what going back does to its curve, from W's regime."""
    regime = spectral.scalar_regime(w)
    what = {"zero": t("gradients.point_zero"), "steady": t("gradients.point_steady"),
            "vanishing": t("gradients.point_scaled", factor=gc.number(abs(w))),
            "exploding": t("gradients.point_scaled", factor=gc.number(abs(w)))}[regime["regime"]]
    if regime["alternates"]:
        what = t("gradients.point_alternating", what=what)
    return f"({gc.number(u)}, {gc.number(w)}): {what}"


v = urlstate.bind_page(PAGE, P.values())
lang = current_language()
page.frame("gradients.title", "gradients.intro")

# 1. The scalar series ------------------------------------------------------------------------------------
page.section("gradients.series_header")
st.markdown(t("gradients.series_text"))
st.latex(r"\frac{\partial \xi}{\partial S_{T-m}} = \frac{\partial \xi}{\partial S_T}\,W^{m},"
         r"\qquad |W^{m}| = |W|^{m}")
urlstate.slider(PAGE, P["w"], t("gradients.w_label"))
w = v["w"]
yours = spectral.scalar_series(w, SERIES_STEPS)
(explode_w, explode_m), (vanish_w, vanish_m) = spectral.BOOK_EXPLODE, spectral.BOOK_VANISH
book_explode, book_vanish = spectral.scalar_series(explode_w, explode_m), spectral.scalar_series(vanish_w, vanish_m)
explode_end = gc.power_of_ten(book_explode["log10_magnitude"][explode_m])
vanish_end = gc.power_of_ten(book_vanish["log10_magnitude"][vanish_m])
m1, m2, m3 = st.columns(3)
m1.metric(t("gradients.book_explode", power=f"{gc.number(explode_w)}{gc.superscript(explode_m)}"), explode_end)
m2.metric(t("gradients.book_vanish", power=f"{gc.number(vanish_w)}{gc.superscript(vanish_m)}"), vanish_end)
m3.metric(t("gradients.yours_end", w=gc.number(w), exponent=gc.superscript(SERIES_STEPS)),
          gc.power_of_ten(yours["log10_magnitude"][SERIES_STEPS]))
c1, c2 = st.columns([3, 2])
with c1:
    st.markdown(f"**{t('gradients.series_chart')}**")
    st.vega_lite_chart(series_chart(lang, w))
with c2:
    st.markdown(f"**{t('gradients.sign_chart', steps=SIGN_STEPS)}**")
    if w < 0:
        st.vega_lite_chart(sign_chart(lang, w))
    else:  # the signs are all + (or 0): the left chart already says everything
        st.info(t("gradients.sign_positive_only"), icon="➕")
st.markdown(regime_text("scalar", w, steps=SERIES_STEPS,
                        end=gc.power_of_ten(yours["log10_magnitude"][SERIES_STEPS])))
st.info(t("gradients.regimes_summary", explode=explode_end, vanish=vanish_end, explode_w=gc.number(explode_w),
          explode_m=explode_m, vanish_w=gc.number(vanish_w), vanish_m=vanish_m), icon="📝")

# 2. Back in the counting RNN -----------------------------------------------------------------------------
page.section("gradients.flow_header")
X_book, _ = counting.book_dataset()
T = X_book.shape[1]
st.markdown(t("gradients.flow_text", n=X_book.shape[0], T=T, count=len(spectral.MARKED_POINTS),
              points="; ".join(point_text(u, w) for u, w in spectral.MARKED_POINTS)))
f1, f2, f3 = st.columns([1, 1, 2])
with f1:
    urlstate.slider(PAGE, P["count_u"], t("gradients.count_u_label"))
with f2:
    urlstate.slider(PAGE, P["count_w"], t("gradients.count_w_label"))
U, W = v["count_u"], v["count_w"]
with f3:
    st.write("")
    st.page_link("views/counting.py", label=t("gradients.counting_link", u=gc.number(U), w=gc.number(W)),
                 icon="🔢", query_params={"lang": lang, "u": repr(U), "w": repr(W)})
st.vega_lite_chart(flow_chart(lang, U, W))
st.caption(t("gradients.flow_caption", T=T))
mine = counting_flows(((U, W),))[0]
if mine["gradient"][-1] == 0:
    st.markdown(t("gradients.flow_exact"))
else:
    st.markdown(regime_text("flow", W, steps=T, end=gc.number(mine["gradient"][-1]),
                            start=gc.number(mine["gradient"][0])))

# 3. Matrices: the spectral radius decides ------------------------------------------------------------------
page.section("gradients.matrix_header")
st.markdown(t("gradients.matrix_text", gamma_tanh=gc.number(vanilla.ACTIVATIONS["tanh"].gamma),
              gamma_logistic=gc.number(vanilla.ACTIVATIONS["logistic"].gamma)))
st.latex(r"h_t = \tanh(h_{t-1} W + x_t),\qquad J_t = \frac{\partial h_t}{\partial h_{t-1}}"
         r" = \mathrm{diag}\big(\tanh'(a_t)\big)\, W^{\top},\qquad"
         r"\frac{\partial h_M}{\partial h_{M-m}} = J_M J_{M-1}\cdots J_{M-m+1}")
kind_names = {"gaussian": "gradients.kind_gaussian", "orthogonal": "gradients.kind_orthogonal",
              "typed": "gradients.kind_typed"}
k1, k2 = st.columns([2, 3])
with k1:
    urlstate.choice(PAGE, P["kind"], t("gradients.kind_label"), lambda o: t(kind_names[o]))
    typed = v["kind"] == "typed"
    if typed:
        urlstate.text(PAGE, P["matrix"], t("gradients.matrix_label"),
                      help=t("gradients.matrix_help", example=P["matrix"].default, limit=gc.number(MAX_ENTRY)))
    st.button(t("gradients.nonnormal_button"), on_click=load_non_normal, key="gradients_btn_nonnormal")
with k2:
    s1, s2 = st.columns(2)
    with s1:
        urlstate.slider(PAGE, P["size"], t("gradients.size_label"), disabled=typed)
        urlstate.slider(PAGE, P["rho"], t("gradients.rho_label"), disabled=typed)
        urlstate.number(PAGE, P["seed"], t("gradients.seed_label"))
    with s2:
        urlstate.slider(PAGE, P["steps"], t("gradients.steps_label"))
        urlstate.slider(PAGE, P["xs"], t("gradients.xs_label"))

matrix_text = v["matrix"]
if typed:
    try:
        spectral.parse_matrix(matrix_text, 2, MAX_ENTRY)
    except spectral.MatrixError as err:
        token = err.token.replace("`", "'")
        messages = {
            "empty": t("gradients.matrix_error_empty"),
            "number": t("gradients.matrix_error_number", row=err.row, column=err.column, token=token),
            "non_finite": t("gradients.matrix_error_non_finite", row=err.row, column=err.column, token=token),
            "too_large": t("gradients.matrix_error_too_large", row=err.row, column=err.column, token=token,
                           limit=gc.number(MAX_ENTRY)),
            "shape": t("gradients.matrix_error_shape", found=", ".join(str(n) for n in err.found)),
        }
        st.error(messages[err.code] + " " + t("gradients.matrix_error_fallback", matrix=gc.matrix_prose(NON_NORMAL_W)),
                 icon="✋")
        matrix_text = P["matrix"].default
M = v["steps"]
Wm, linear, driven = recurrence(v["kind"], v["size"], v["seed"], v["rho"], M, v["xs"], matrix_text)
linear_conditions = spectral.pascanu_conditions(Wm, "linear")
tanh_conditions = spectral.pascanu_conditions(Wm, "tanh")
rho, lambda1 = linear_conditions["rho"], linear_conditions["lambda1"]

plane, lines = matrix_charts(lang, v["kind"], v["size"], v["seed"], v["rho"], M, v["xs"], matrix_text)
e1, e2 = st.columns([2, 3])
with e1:
    st.markdown(f"**{t('gradients.eigen_chart')}**")
    st.vega_lite_chart(plane, width="content")
with e2:
    st.markdown(f"**{t('gradients.norm_chart')}**")
    st.vega_lite_chart(lines)
n1, n2, n3 = st.columns(3)
n1.metric(t("gradients.rho_metric"), gc.number(rho, 4))
n2.metric(t("gradients.lambda1_metric"), gc.number(lambda1, 4))
n3.metric(t("gradients.gamma_metric"), gc.number(tanh_conditions["gamma"]))
linear_summary = spectral.norm_summary(linear["log10_norm"])
tanh_summary = spectral.norm_summary(driven["log10_norm"])
linear_keys = {"vanishing_guaranteed": "gradients.cond_linear_vanishing",
               "may_explode": "gradients.cond_linear_explode", "boundary": "gradients.cond_linear_boundary"}
tanh_keys = {"vanishing_guaranteed": "gradients.cond_tanh_vanishing", "may_explode": "gradients.cond_tanh_may_explode",
             "boundary": "gradients.cond_tanh_boundary"}
st.markdown(t(linear_keys[linear_conditions["regime"]], rho=gc.number(rho, 4),
              rate=gc.number(linear_summary["rate"], 4), steps=M))
st.markdown(t(tanh_keys[tanh_conditions["regime"]], lambda1=gc.number(lambda1, 4),
              rate=gc.number(tanh_summary["rate"], 4), steps=M, threshold=gc.number(tanh_conditions["threshold"]),
              bound=gc.number(tanh_conditions["step_bound"], 4)))
if linear_conditions["transient_growth"] and linear_summary["peak_m"] > 0:
    st.info(t("gradients.transient", rho=gc.number(rho, 4), lambda1=gc.number(lambda1, 4),
                 peak=gc.power_of_ten(linear_summary["log10_peak"]), peak_m=linear_summary["peak_m"]), icon="🔍")
for curve, result in ((t("gradients.series_linear"), linear), (t("gradients.series_tanh"), driven)):
    if result["overflow_at"] is not None:
        st.info(t("gradients.norm_overflow", curve=curve, m=result["overflow_at"], steps=M,
                  end=gc.power_of_ten(result["log10_norm"][M]), fmax=FLOAT64_MAX), icon="📈")
    if result["underflow_at"] is not None:
        st.info(t("gradients.norm_underflow", curve=curve, m=result["underflow_at"]), icon="📉")
example = non_normal_peak()
x1, x2 = st.columns([3, 2])
with x1:
    st.markdown(t("gradients.nonnormal_text", lambda1=gc.number(example["lambda1"], 4),
                  peak=gc.power_of_ten(example["log10_peak"]), peak_m=example["peak_m"],
                  matrix=gc.matrix_prose(NON_NORMAL_W), rho=gc.number(example["rho"]),
                  a=gc.number(spectral.NON_NORMAL_A)))
with x2:
    st.markdown(f"**{t('gradients.nonnormal_chart')}**")
    st.vega_lite_chart(non_normal_chart(lang))

# 4. The cliff -------------------------------------------------------------------------------------------
page.section("gradients.cliff_header")
cliff_fields = {"x0": gc.number(cliff.X0), "steps": cliff.T_DEFAULT, "target": gc.number(cliff.TARGET)}
st.markdown(t("gradients.cliff_text", **cliff_fields, cusp=gc.number(cliff.W_CUSP)))
st.latex(rf"x_0 = {cliff.X0:g},\qquad x_t = w\,\sigma(x_{{t-1}}) + b,\qquad "
         rf"E(w, b) = \big(\sigma(x_{{{cliff.T_DEFAULT}}}) - {cliff.TARGET:g}\big)^2")
q1, q2, q3 = st.columns(3)
with q1:
    urlstate.slider(PAGE, P["cliff_w"], t("gradients.cliff_w_label"))
with q2:
    urlstate.number(PAGE, P["lr"], t("gradients.lr_label"), format="%.3f")
with q3:
    urlstate.number(PAGE, P["clip"], t("gradients.clip_label"), format="%.1f")
study = cliff_study(v["cliff_w"], v["lr"], v["clip"])
wall_b = study["wall_b"]
surface, profile = cliff_charts(lang, v["cliff_w"], v["lr"], v["clip"])
g1, g2 = st.columns(2)
with g1:
    st.markdown(f"**{t('gradients.cliff_chart', steps=cliff.T_DEFAULT)}**")
    st.vega_lite_chart(surface, width="content")
with g2:
    st.markdown(f"**{t('gradients.section_chart', w=gc.number(v['cliff_w']))}**")
    st.vega_lite_chart(profile)
if wall_b is None:
    st.markdown(t("gradients.cliff_no_wall", w=gc.number(v["cliff_w"]), b_low=gc.number(cliff.B_RANGE[0]),
                  b_high=gc.number(cliff.B_RANGE[1])))
elif not study["plain"]["finite"]:
    st.error(t("gradients.cliff_overflow", w=gc.number(v["cliff_w"]), b=gc.number(wall_b, 6)), icon="💥")
else:
    plain, clipped, after = study["plain"], study["clipped"], study["after"]
    inside = (cliff.W_RANGE[0] <= plain["end"][0] <= cliff.W_RANGE[1]
              and cliff.B_RANGE[0] <= plain["end"][1] <= cliff.B_RANGE[1])
    r1, r2, r3, r4 = st.columns(4)
    r1.metric(t("gradients.wall_b_metric"), gc.number(wall_b, 6))
    r2.metric(t("gradients.grad_metric"), gc.number(plain["grad_norm"]))
    r3.metric(t("gradients.plain_step_metric"), gc.number(plain["step_norm"]))
    r4.metric(t("gradients.clipped_step_metric"), gc.number(clipped["step_norm"]))
    below, above = study["sides"]
    st.markdown(t("gradients.cliff_step", w=gc.number(v["cliff_w"]), b=gc.number(wall_b, 6),
                  side=gc.number(cliff.WALL_SIDE), below=gc.number(below), above=gc.number(above),
                  error=gc.number(plain["error"]), grad=gc.number(plain["grad_norm"]), lr=gc.number(v["lr"]),
                  step=gc.number(plain["step_norm"]), end_w=gc.number(plain["end"][0]),
                  end_b=gc.number(plain["end"][1]), end_error=gc.number(plain["end_error"]),
                  end_grad=gc.number(after["grad_norm"]),
                  where=t("gradients.cliff_inside" if inside else "gradients.cliff_outside"))
                + (" " + t("gradients.cliff_stuck") if after["grad_norm"] < STUCK_SLOPE else ""))
    if clipped["clipped"]:
        st.markdown(t("gradients.cliff_clipped", clip=gc.number(v["clip"]), step=gc.number(clipped["step_norm"]),
                      end_error=gc.number(clipped["end_error"])))
    else:
        st.markdown(t("gradients.cliff_not_clipped", clip=gc.number(v["clip"]), grad=gc.number(plain["grad_norm"])))

# 5. Why vanishing is harder to see -----------------------------------------------------------------------
page.section("gradients.memory_header")
st.markdown(t("gradients.memory_text", hidden=MEM_HIDDEN, n=MEM_SEQUENCES, low=gc.number(spectral.LEVEL_RANGE[0]),
              high=gc.number(spectral.LEVEL_RANGE[1])))
h1, h2, h3 = st.columns(3)
with h1:
    urlstate.slider(PAGE, P["mem_rho"], t("gradients.mem_rho_label"))
with h2:
    urlstate.slider(PAGE, P["mem_len"], t("gradients.mem_len_label"))
with h3:
    urlstate.number(PAGE, P["mem_seed"], t("gradients.seed_label"))
probe = memory(v["mem_rho"], v["mem_len"], v["mem_seed"])
length = v["mem_len"]
output, gradient = memory_charts(lang, v["mem_rho"], length, v["mem_seed"])
o1, o2 = st.columns(2)
with o1:
    st.markdown(f"**{t('gradients.output_chart')}**")
    st.vega_lite_chart(output)
    st.caption(t("gradients.output_caption"))
with o2:
    st.markdown(f"**{t('gradients.reach_chart')}**")
    st.vega_lite_chart(gradient)
    st.caption(t("gradients.reach_caption", n=MEM_SEQUENCES))
p1, p2, p3 = st.columns(3)
p1.metric(t("gradients.error_metric"), gc.number(probe["rms_error"][-1]))
p2.metric(t("gradients.constant_metric"), gc.number(probe["constant_error"][-1]))
p3.metric(t("gradients.first_metric"), gc.number(probe["sensitivity"][0]))
# Each claim is chosen by what the probe measured: the output beats the baseline or not, the gradient at step 1 has
# faded (below spectral.FADED_SHARE of the weight 1/T the task gives it) or still arrives.
output_key = ("gradients.memory_output_fine" if probe["rms_error"][-1] < probe["constant_error"][-1]
              else "gradients.memory_output_poor")
gradient_key = "gradients.memory_faded" if probe["faded"] else "gradients.memory_reaches"
st.markdown(t(output_key, err=gc.number(probe["rms_error"][-1]), const=gc.number(probe["constant_error"][-1])) + " "
            + t(gradient_key, first=gc.number(probe["sensitivity"][0]), last=gc.number(probe["sensitivity"][-1]),
                needed=gc.number(probe["needed"][0]), steps=length, ratio=gc.power_of_ten(probe["log10_fade"]),
                reach=probe["reach"], share=f"{probe['share']:.0%}"))

under_the_hood(spectral.scalar_series, spectral.scalar_regime, spectral.counting_gradient_flow,
               spectral.random_recurrent, spectral.parse_matrix, spectral.eigenvalues, spectral.jacobian_norms,
               spectral.pascanu_conditions, spectral.norm_summary, spectral.non_normal_example, cliff.error_surface,
               cliff.cross_section, cliff.wall_point, cliff.wall_sides, cliff.gradient_step,
               spectral.running_mean_probe)
