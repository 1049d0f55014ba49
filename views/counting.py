"""Lesson: the counting RNN, and training it with backpropagation through time."""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import counting, gradcheck, optim
from ui import charts, diagrams, divergence, page, tables, urlstate
from ui.code_panel import under_the_hood
from ui.i18n import t, verbatim
from ui.urlstate import Param

PAGE = "counting"
GRID = 100  # cells per axis of the cost surface, as in the book's figure
LIMIT = 3.0  # the surface covers U, W in [-3, 3]
CENTRES = np.linspace(-LIMIT + LIMIT / GRID, LIMIT - LIMIT / GRID, GRID)
SURFACE_KEY = "counting_surface"

P = {p.name: p for p in (
    Param("seq", "0,0,0,0,1,0,1,0,1,0", "text"),
    Param("u", 1.0, "float", -3.0, 3.0, 0.05),
    Param("w", 1.0, "float", -3.0, 3.0, 0.05),
    Param("data", "book", "choice", options=("book", "generated")),
    Param("n", 50, "int", 1, 500),
    Param("len", 10, "int", 1, 50),
    Param("seed", 1, "int", 0, 999_999),
    Param("u0", -2.0, "float", -3.0, 3.0, 0.1),
    Param("w0", 0.0, "float", -3.0, 3.0, 0.1),
    Param("lr", 0.0005, "float", 1e-6, 1.0, 0.0001),
    Param("iters", 500, "int", 1, 5000),
    Param("at", "run", "choice", options=("run", "hand")),
    Param("it", 5000, "int", 0, 5000),
)}


@st.cache_data(max_entries=32)
def dataset(data: str, n: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return counting.book_dataset() if data == "book" else counting.make_dataset(n, length, seed)


@st.cache_data(max_entries=64)
def training(data: str, n: int, length: int, seed: int, start: tuple, lr: float, iters: int):
    X, targets = dataset(data, n, length, seed)
    return counting.fit(X, targets, start, optim.sgd(lr), iters)


@st.cache_data(max_entries=16)
def surface_cells(data: str, n: int, length: int, seed: int) -> pd.DataFrame:
    X, targets = dataset(data, n, length, seed)
    costs = counting.cost_surface(X, targets, CENTRES, CENTRES)
    with np.errstate(over="ignore"):
        shown = np.log10(costs + 1.0)  # the book's colouring: log of cost + 1
    return charts.surface_cells(CENTRES, CENTRES, np.minimum(shown, 30.0))


def clicked_start() -> dict:
    """A click on the surface moves the training start; applied once per click."""
    event = st.session_state.get(SURFACE_KEY) or {}
    cells = (event.get("selection") or {}).get("cell") or []
    if not cells or cells == st.session_state.get("_counting_click"):
        return {}
    st.session_state["_counting_click"] = cells
    i, j = int(cells[0]["i"]), int(cells[0]["j"])
    if not (0 <= i < GRID and 0 <= j < GRID):
        return {}
    return {"u0": round(float(CENTRES[i]), 2), "w0": round(float(CENTRES[j]), 2)}


def preset(u: float, w: float) -> None:
    st.session_state[urlstate.key(PAGE, "u")] = u
    st.session_state[urlstate.key(PAGE, "w")] = w


v = urlstate.bind_page(PAGE, P.values(), overrides=clicked_start())
page.frame("counting.title", "counting.intro")

# 1. The model ------------------------------------------------------------------------------------------
page.section("counting.model_header")
st.markdown(t("counting.model_text"))
st.latex(r"S_0 = 0,\qquad S_t = S_{t-1}\,W + X_t\,U,\qquad y = S_T")
col_seq, col_u, col_w = st.columns([2, 1, 1])
with col_seq:
    urlstate.text(PAGE, P["seq"], t("counting.seq_label"), help=t("counting.seq_help", limit=counting.MAX_TYPED_STEPS))
with col_u:
    urlstate.slider(PAGE, P["u"], t("counting.u_label"))
with col_w:
    urlstate.slider(PAGE, P["w"], t("counting.w_label"))
b1, b2, b3, _ = st.columns([1, 1, 1, 2])
b1.button(t("counting.preset_count"), on_click=preset, args=(1.0, 1.0), key="counting_btn_count")
b2.button(t("counting.preset_forget"), on_click=preset, args=(1.0, 0.5), key="counting_btn_forget")
b3.button(t("counting.preset_explode"), on_click=preset, args=(1.0, 1.5), key="counting_btn_explode")

try:
    x = counting.parse_sequence(v["seq"])
except counting.SequenceError as err:
    messages = {
        "empty": t("counting.seq_error_empty"),
        "symbol": t("counting.seq_error_symbol", position=err.position, token=verbatim(err.token)),
        "too_long": t("counting.seq_error_too_long", length=err.position, limit=counting.MAX_TYPED_STEPS),
    }
    st.error(messages[err.code] + " " + t("counting.seq_error_fallback"), icon="✋")
    x = counting.parse_sequence(P["seq"].default)

U, W = v["u"], v["w"]
S = counting.forward(x[None, :], U, W)
target = float(x.sum())
y = float(S[0, -1])
st.graphviz_chart(diagrams.unrolled_counting(x, S[0], U, W))
st.caption(t("counting.diagram_caption", steps=len(x)))

# 2. Forward by hand -------------------------------------------------------------------------------------
page.section("counting.forward_header")
st.markdown(t("counting.forward_text"))
fcols = {k: t(key) for k, key in (("t", "counting.col_t"), ("x", "counting.col_x"),
                                   ("carried", "counting.col_carried"), ("added", "counting.col_added"),
                                   ("state", "counting.col_state"))}
st.dataframe(tables.forward_table(x, S[0], W, U, fcols), hide_index=True, height=min(38 + 35 * len(x), 390))
m1, m2, m3 = st.columns(3)
m1.metric(t("counting.output_y"), divergence.fmt(y))
m2.metric(t("counting.target"), divergence.fmt(target))
m3.metric(t("counting.error"), divergence.fmt(counting.cost(S, np.array([target]))))
st.info(t("counting.note_points"), icon="📝")

# 3. Backward by hand ------------------------------------------------------------------------------------
page.section("counting.backward_header")
st.markdown(t("counting.backward_text"))
st.latex(r"\frac{\partial \xi}{\partial S_T} = 2(y - t),\quad "
         r"\frac{\partial \xi}{\partial S_{k-1}} = \frac{\partial \xi}{\partial S_k} W,\quad "
         r"\frac{\partial \xi}{\partial U} = \sum_k \frac{\partial \xi}{\partial S_k} X_k,\quad "
         r"\frac{\partial \xi}{\partial W} = \sum_k \frac{\partial \xi}{\partial S_k} S_{k-1}")
steps = counting.bptt(x[None, :], S, np.array([target]), W)
bcols = {k: t(key) for k, key in (("k", "counting.col_k"), ("x", "counting.col_x"), ("gS", "counting.col_gS"),
                                   ("dU", "counting.col_dU"), ("dW", "counting.col_dW"),
                                   ("sumU", "counting.col_sumU"), ("sumW", "counting.col_sumW"))}
st.dataframe(tables.backward_table(x, steps, bcols), hide_index=True, height=min(38 + 35 * len(x), 390))
gU, gW = counting.backward(x[None, :], S, np.array([target]), W)
numeric = gradcheck.numerical_gradient(
    lambda p: counting.cost(counting.forward(x[None, :], p["U"], p["W"]), np.array([target])), {"U": U, "W": W}
)
c1, c2, c3 = st.columns(3)
c1.metric(t("counting.grad_u"), divergence.fmt(gU), t("counting.fd_value", value=divergence.fmt(numeric["U"])),
          delta_color="off", delta_arrow="off")
c2.metric(t("counting.grad_w"), divergence.fmt(gW), t("counting.fd_value", value=divergence.fmt(numeric["W"])),
          delta_color="off", delta_arrow="off")
if gU == 0 and gW == 0:
    c3.metric(t("counting.rel_error"), "—")
    st.info(t("counting.zero_gradient"), icon="🎯")
else:
    c3.metric(t("counting.rel_error"), f"{gradcheck.relative_error([gU, gW], [numeric['U'], numeric['W']]):.1e}")

# 4. Training --------------------------------------------------------------------------------------------
page.section("counting.train_header")
X_book, _ = dataset("book", 0, 0, 0)
st.markdown(t("counting.train_text", n=X_book.shape[0], T=X_book.shape[1], u0=divergence.fmt(P["u0"].default),
              w0=divergence.fmt(P["w0"].default), lr=divergence.fmt(P["lr"].default), iters=P["iters"].default))
page.counting_data_controls(PAGE, P)
o1, o2, o3, o4 = st.columns(4)
with o1:
    urlstate.number(PAGE, P["u0"], t("counting.u0_label"), format="%.2f")
with o2:
    urlstate.number(PAGE, P["w0"], t("counting.w0_label"), format="%.2f")
with o3:
    urlstate.number(PAGE, P["lr"], t("counting.lr_label"), format="%.6f")
with o4:
    urlstate.number(PAGE, P["iters"], t("counting.iters_label"))

run = training(v["data"], v["n"], v["len"], v["seed"], (v["u0"], v["w0"]), v["lr"], v["iters"])
last = len(run.params) - 1
r1, r2, r3, r4 = st.columns(4)
r1.metric(t("counting.final_u"), divergence.fmt(run.params[-1, 0]))
r2.metric(t("counting.final_w"), divergence.fmt(run.params[-1, 1]))
r3.metric(t("counting.final_cost"), divergence.fmt(run.costs[-1]) if len(run.costs) else "—")
r4.metric(t("counting.updates_done"), f"{last} / {v['iters']}")
divergence.explain(run)

history = pd.DataFrame({"step": np.arange(len(run.costs)), "cost": run.costs})
weights = pd.DataFrame({
    "step": np.tile(np.arange(len(run.params)), 2),
    "value": np.concatenate([run.params[:, 0], run.params[:, 1]]),
    "weight": ["U"] * len(run.params) + ["W"] * len(run.params),
})
h1, h2 = st.columns(2)
with h1:
    st.markdown(f"**{t('counting.cost_chart')}**")
    st.altair_chart(charts.log_lines(history, "step", "cost", x_title=t("common.iteration"),
                                     y_title=t("counting.cost_axis")))
with h2:
    st.markdown(f"**{t('counting.weights_chart')}**")
    st.altair_chart(charts.log_lines(weights, "step", "value", x_title=t("common.iteration"),
                                     y_title=t("counting.weight_axis"), color="weight",
                                     color_title=t("counting.weight_axis"), log_y=False, y_domain=(-4, 4)))
    st.caption(t("counting.weights_caption"))

# 5. The cost surface ------------------------------------------------------------------------------------
page.section("counting.surface_header")
st.markdown(t("counting.surface_text"))
path = pd.DataFrame({"U": run.params[:, 0], "W": run.params[:, 1], "step": np.arange(len(run.params)),
                     "series": t("counting.path_name")})
points = pd.DataFrame({"U": [1.0, v["u0"]], "W": [1.0, v["w0"]],
                       "label": [t("counting.optimum_label"), t("counting.start_label")]})
surface = charts.surface(surface_cells(v["data"], v["n"], v["len"], v["seed"]),
                         value_title=t("counting.log_cost"), domain=(-LIMIT, LIMIT), selection="cell")
st.altair_chart(surface + charts.path_overlay(path, step_title=t("common.iteration")) + charts.markers(points),
                key=SURFACE_KEY, on_select="rerun", selection_mode="cell")
st.caption(t("counting.surface_caption"))

# 6. The gradient along time -----------------------------------------------------------------------------
page.section("counting.time_header")
st.markdown(t("counting.time_text"))
at_names = {"run": "counting.at_run", "hand": "counting.at_hand"}
urlstate.choice(PAGE, P["at"], t("counting.at_label"), lambda o: t(at_names[o]), horizontal=True)
if v["at"] == "run":
    it_key = urlstate.key(PAGE, "it")
    evaluated = len(run.costs) - 1  # the last iteration whose gradient is finite
    if st.session_state[it_key] == P["it"].default:  # by default: the last point still on the surface's plot
        on_plot = np.flatnonzero(np.all(np.abs(run.params[: evaluated + 1]) <= LIMIT, axis=1))
        st.session_state[it_key] = int(on_plot[-1]) if len(on_plot) else evaluated
    st.session_state[it_key] = min(st.session_state[it_key], evaluated)
    if evaluated > 0:
        st.slider(t("counting.it_label"), 0, evaluated, key=it_key)
    Ui, Wi = run.params[st.session_state[it_key]]
else:
    Ui, Wi = v["u"], v["w"]  # section 1's weights, on the training data
X, targets = dataset(v["data"], v["n"], v["len"], v["seed"])
flow = counting.bptt(X, counting.forward(X, Ui, Wi), targets, Wi)["gS"]
with np.errstate(over="ignore", invalid="ignore"):
    norms = np.linalg.norm(flow, axis=0)  # over the batch, for each state index k
k = np.arange(flow.shape[1])
finite = np.isfinite(norms)
time_df = pd.DataFrame({"k": k[finite], "norm": norms[finite]})
st.altair_chart(charts.log_lines(time_df, "k", "norm", x_title=t("counting.k_axis"), y_title=t("counting.gs_axis"),
                                 points=True, integer_x=True))
zeros = int(np.sum(norms[finite] == 0))
st.markdown(t("counting.time_reading", U=divergence.fmt(Ui), W=divergence.fmt(Wi), absw=divergence.fmt(abs(Wi)),
              zeros=zeros, overflowed=int(np.sum(~finite))))

under_the_hood(counting.forward, counting.bptt, counting.backward, counting.cost, counting.cost_surface,
               counting.fit, counting.fit_many, counting._Run, counting._evaluate_batch, optim.sgd)
