"""Lesson: the counting RNN, and training it with backpropagation through time."""

import numpy as np
import streamlit as st

from rnn_core import counting, gradcheck, optim
from ui import charts, diagrams, page, tables, urlstate
from ui import counting as lesson
from ui.code_panel import under_the_hood
from ui.errors import show_input_error
from ui.i18n import current_language, t
from ui.numbers import integer, latex, num
from ui.urlstate import Param

PAGE = lesson.PAGE

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


urlstate.bind_page(PAGE, P.values())
page.frame("counting.title", "counting.intro", PAGE, P.values())


def values() -> dict:
    """The page's current settings (fragments read them here, so each sees what the others last set)."""
    return {name: st.session_state[urlstate.key(PAGE, name)] for name in P}


# Sections 1-3 are one fragment: the sequence, U and W of section 1 feed the forward and backward tables.
@page.fragment
def by_hand() -> None:
    v = values()
    # 1. The model --------------------------------------------------------------------------------------
    page.section("counting.model_header")
    st.markdown(t("counting.model_text"))
    st.latex(r"S_0 = 0,\qquad S_t = S_{t-1}\,W + X_t\,U,\qquad y = S_T")
    col_seq, col_u, col_w = st.columns([2, 1, 1])
    with col_seq:
        urlstate.text(PAGE, P["seq"], t("counting.seq_label"),
                      help=t("counting.seq_help", limit=counting.MAX_TYPED_STEPS))
    with col_u:
        urlstate.slider(PAGE, P["u"], t("counting.u_label"))
    with col_w:
        urlstate.slider(PAGE, P["w"], t("counting.w_label"))
    presets = (("counting.preset_count", 1.0, 1.0), ("counting.preset_forget", 1.0, 0.5),
               ("counting.preset_explode", 1.0, 1.5), ("counting.preset_alternate", 1.0, -0.8))
    for column, (key, u, w) in zip(st.columns(len(presets)), presets, strict=True):
        column.button(t(key, u=num(u), w=num(w)), on_click=lesson.preset, args=(u, w),
                      key=f"counting_btn_{key.rsplit('_', 1)[1]}")

    try:
        x = counting.parse_sequence(v["seq"])
    except counting.SequenceError as err:
        show_input_error(err, {"empty": "counting.seq_error_empty", "symbol": "counting.seq_error_symbol",
                               "too_long": "counting.seq_error_too_long"},
                         "counting.seq_error_fallback", limit=counting.MAX_TYPED_STEPS)
        x = counting.parse_sequence(P["seq"].default)

    U, W = v["u"], v["w"]
    S = counting.forward(x[None, :], U, W)
    target = float(x.sum())
    y = float(S[0, -1])
    st.graphviz_chart(diagrams.unrolled_counting(x, S[0], U, W))
    st.caption(t("counting.diagram_caption", steps=len(x)))
    st.markdown(lesson.memory_sentence(len(x), W))

    # 2. Forward by hand ---------------------------------------------------------------------------------
    page.section("counting.forward_header")
    st.markdown(t("counting.forward_text"))
    fcols = {k: t(key) for k, key in (("t", "counting.col_t"), ("x", "counting.col_x"),
                                       ("carried", "counting.col_carried"), ("added", "counting.col_added"),
                                       ("state", "counting.col_state"))}
    table = tables.forward_table(x, S[0], W, U, fcols)
    st.dataframe(table, hide_index=True, height=min(38 + 35 * len(x), 390), column_config=tables.right_aligned(table))
    m1, m2, m3 = st.columns(3)
    m1.metric(t("counting.output_y"), num(y))
    m2.metric(t("counting.target"), num(target))
    m3.metric(t("counting.error"), num(counting.cost(S, np.array([target]))))
    st.info(t("counting.note_points"), icon=":material/edit_note:")

    # 3. Backward by hand --------------------------------------------------------------------------------
    page.section("counting.backward_header")
    st.markdown(t("counting.backward_text"))
    st.latex(r"\frac{\partial \xi}{\partial S_T} = 2(y - y^*),\quad "
             r"\frac{\partial \xi}{\partial S_{k-1}} = \frac{\partial \xi}{\partial S_k} W,\quad "
             r"\frac{\partial \xi}{\partial U} = \sum_k \frac{\partial \xi}{\partial S_k} X_k,\quad "
             r"\frac{\partial \xi}{\partial W} = \sum_k \frac{\partial \xi}{\partial S_k} S_{k-1}")
    steps = counting.bptt(x[None, :], S, np.array([target]), W)
    bcols = {k: t(key) for k, key in (("k", "counting.col_k"), ("x", "counting.col_xk"), ("gS", "counting.col_gS"),
                                       ("dU", "counting.col_dU"), ("dW", "counting.col_dW"),
                                       ("sumU", "counting.col_sumU"), ("sumW", "counting.col_sumW"))}
    table = tables.backward_table(x, steps, bcols)
    st.dataframe(table, hide_index=True, height=min(38 + 35 * len(x), 390), column_config=tables.right_aligned(table))
    gU, gW = counting.backward(x[None, :], S, np.array([target]), W)
    numeric = gradcheck.numerical_gradient(
        lambda p: counting.cost(counting.forward(x[None, :], p["U"], p["W"]), np.array([target])), {"U": U, "W": W}
    )
    c1, c2, c3 = st.columns(3)
    c1.metric(t("counting.grad_u"), num(gU), t("counting.fd_value", value=num(numeric["U"])),
              delta_color="off", delta_arrow="off")
    c2.metric(t("counting.grad_w"), num(gW), t("counting.fd_value", value=num(numeric["W"])),
              delta_color="off", delta_arrow="off")
    if gU == 0 and gW == 0:
        c3.metric(t("counting.rel_error"), "—")
        st.info(t("counting.zero_gradient"), icon=":material/target:")
    else:
        c3.metric(t("counting.rel_error"), num(gradcheck.relative_error([gU, gW], [numeric["U"], numeric["W"]]), 2))

    # Section 6 can read the gradient at these U and W: then it must redraw too, so rerun the page once.
    if v["at"] == "hand" and st.session_state.get("_counting_hand_drawn") not in (None, (U, W)):
        st.session_state["_counting_hand_drawn"] = (U, W)  # so that the page's own run does not rerun again
        st.rerun(scope="app")


def the_notes_code() -> None:
    """The note's code as printed (it does not run) beside a version that runs, each defect named."""
    with st.expander(t("counting.note_code_title"), icon=":material/difference:"):
        st.markdown(t("counting.note_code_text"))
        printed, fixed = st.columns(2)
        printed.markdown(f"**{t('counting.note_code_printed')}**")
        printed.code(lesson.NOTE_PRINTED, language="python", line_numbers=True)
        fixed.markdown(f"**{t('counting.note_code_fixed')}**")
        fixed.code(lesson.NOTE_FIXED, language="python", line_numbers=True)
        book = (P["u0"].default, P["w0"].default), P["lr"].default, P["iters"].default
        st.markdown("\n".join(lesson.note_defects(*book)))


# Sections 4-6 are one fragment: the training settings decide the run that section 5 draws on the surface
# and whose gradient section 6 reads, and a click on the surface (section 5) moves section 4's start.
@page.fragment
def training() -> None:
    lesson.clicked_start()  # before the start's widgets are drawn
    v = values()
    lang = current_language()
    # 4. Training ----------------------------------------------------------------------------------------
    page.section("counting.train_header")
    X_book, _ = lesson.dataset("book", 0, 0, 0)
    st.markdown(t("counting.train_text", n=X_book.shape[0], T=X_book.shape[1], u0=num(P["u0"].default),
                  w0=num(P["w0"].default), lr=num(P["lr"].default), iters=P["iters"].default))
    st.latex(r"U \leftarrow U - \eta\,\frac{\partial \xi}{\partial U},\qquad "
             r"W \leftarrow W - \eta\,\frac{\partial \xi}{\partial W}")
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

    data, start = lesson.data_args(v), (v["u0"], v["w0"])
    run = lesson.training(*data, start, v["lr"], v["iters"])
    shown = lesson.last_evaluated(run)  # one iterate for U, W and the cost alike
    at = integer(shown if shown is not None else 0)
    r1, r2, r3, r4 = st.columns(4)
    r1.metric(t("counting.final_u", it=at), num(run.params[shown or 0, 0]))
    r2.metric(t("counting.final_w", it=at), num(run.params[shown or 0, 1]))
    r3.metric(t("counting.final_cost", it=at), num(run.costs[shown]) if shown is not None else "—")
    r4.metric(t("counting.updates_done"), f"{integer(len(run.updates))} / {integer(v['iters'])}")
    if run.diverged_at is not None:
        st.error(lesson.divergence_story(run, v["lr"]), icon=":material/error:")
        last_rows = lesson.last_iterations(run)
        st.dataframe(last_rows, hide_index=True, column_config=tables.right_aligned(last_rows))

    cost_spec, weights_spec = lesson.history_charts(lang, data, start, v["lr"], v["iters"])
    h1, h2 = st.columns(2)
    h1.markdown(f"**{t('counting.cost_chart')}**")
    charts.show(cost_spec, where=h1, name="counting-cost")
    if np.any(run.costs == 0):
        h1.caption(t("counting.cost_zero_caption", count=int(np.sum(run.costs == 0))))
    h2.markdown(f"**{t('counting.weights_chart')}**")
    charts.show(weights_spec, where=h2, name="counting-weights")
    h2.caption(" ".join(filter(None, [t("counting.weights_caption"), lesson.cut_caption(run)])))

    # 5. The cost surface --------------------------------------------------------------------------------
    page.section("counting.surface_header")
    st.markdown(t("counting.surface_text"))
    charts.show(lesson.surface_chart(lang, data, start, v["lr"], v["iters"]), name="counting-surface",
                key=lesson.SURFACE_KEY, on_select="rerun", selection_mode="cell", width="content")
    st.caption(" ".join(filter(None, [t("counting.surface_caption"), lesson.cut_caption(run)])))

    # 6. The gradient along time -------------------------------------------------------------------------
    page.section("counting.time_header")
    st.markdown(t("counting.time_text"))
    at_names = {"run": "counting.at_run", "hand": "counting.at_hand"}
    urlstate.choice(PAGE, P["at"], t("counting.at_label"), lambda o: t(at_names[o]), horizontal=True)
    if st.session_state[urlstate.key(PAGE, "at")] == "run":
        evaluated = lesson.default_iteration(run, P["it"].default)
        if evaluated > 0:
            st.slider(t("counting.it_label"), 0, evaluated, key=urlstate.key(PAGE, "it"))
        Ui, Wi = run.params[st.session_state[urlstate.key(PAGE, "it")]]
        st.session_state["_counting_hand_drawn"] = None
    else:
        Ui, Wi = v["u"], v["w"]  # section 1's weights, on the training data
        st.session_state["_counting_hand_drawn"] = (Ui, Wi)
    Ui, Wi = float(Ui), float(Wi)
    st.latex(rf"\frac{{\partial \xi}}{{\partial S_k}} = \frac{{\partial \xi}}{{\partial S_T}}\, W^{{T-k}},"
             rf"\qquad W = {latex(Wi)}")
    charts.show(lesson.gradient_chart(lang, data, Ui, Wi), name="counting-gradient-along-time")
    st.markdown(lesson.time_reading(lesson.gradient_norms(data, Ui, Wi), Ui, Wi))


by_hand()
the_notes_code()
training()
under_the_hood(
    (counting.parse_sequence, "counting.hood_parse_sequence"), (counting.step, "counting.hood_step"),
    (counting.forward, "counting.hood_forward"), (counting.cost, "counting.hood_cost"),
    (counting.bptt, "counting.hood_bptt"), (counting.backward, "counting.hood_backward"),
    (gradcheck.numerical_gradient, "counting.hood_numerical_gradient"),
    (gradcheck.relative_error, "counting.hood_relative_error"),
    (counting.book_dataset, "counting.hood_book_dataset"), (counting.make_dataset, "counting.hood_make_dataset"),
    (counting.fit, "counting.hood_fit"), (counting.first_overflow, "counting.hood_first_overflow"),
    (counting.trajectory, "counting.hood_trajectory"), (optim.sgd, "counting.hood_sgd"),
    (optim.apply_updates, "counting.hood_apply_updates"), (counting.cost_surface, "counting.hood_cost_surface"),
)
