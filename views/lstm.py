"""Lesson: LSTM gates, and why they keep the gradient alive."""

import streamlit as st

from rnn_core import lstm, tasks
from ui import charts, lstm_diagrams, page, urlstate
from ui import lstm as lesson
from ui.code_panel import under_the_hood
from ui.divergence import fmt
from ui.i18n import current_language, t
from ui.urlstate import Param

PAGE = lesson.PAGE

P = {p.name: p for p in (
    Param("x", 1.0, "float", -3.0, 3.0, 0.1),
    Param("h", 0.5, "float", -1.0, 1.0, 0.05),
    Param("c", 1.0, "float", -5.0, 5.0, 0.1),
    *(Param(f"{kind}{g}", lesson.START_WEIGHTS[g][j], "float", -6.0, 6.0, 0.1)
      for g in lstm.GATES for j, kind in enumerate("wub")),
    Param("mode", "keep", "choice", options=tuple(lstm.CELL_MODES)),
    Param("out", "read", "choice", options=tuple(lstm.OUTPUT_MODES)),
    Param("sat", 4.0, "float", 1.0, 10.0, 0.5),
    Param("task", "first_symbol", "choice", options=tasks.TASKS),
    Param("lag", 50, "int", 4, 60),
    Param("src", "random", "choice", options=("random", "typed")),
    Param("ex", 0, "int", 0, 999),
    Param("seq", "BCADDBACCADBDCABBDACB", "text"),
    Param("clamp", "free", "choice", options=tuple(lesson.CLAMPS)),
)}


urlstate.bind_page(PAGE, P.values())
page.frame("lstm.title", "lstm.intro", PAGE, P.values())


def values() -> dict:
    """The page's current settings (fragments read them here, so each sees what the others last set).

    Through bind_page, which also puts back a value Streamlit dropped with a widget that the section's last
    run did not draw (the example's while no models are trained for the lag), so the URL keeps it.
    """
    return urlstate.bind_page(PAGE, P.values())


# Sections 1 and 2 are one fragment: section 2 sets the gates of the very cell whose inputs and weights are
# section 1's sliders, so both redraw when one of those moves (and only they: nothing later reads them).
@page.fragment
def one_cell() -> None:
    v = values()
    # 1. One cell, by hand -----------------------------------------------------------------------------------
    page.section("lstm.cell_header")
    st.markdown(t("lstm.cell_text"))
    st.latex(r"\begin{aligned}"
             r"f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f) & i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) & "
             r"a_t &= \tanh(W_a x_t + U_a h_{t-1} + b_a)\\"
             r"c_t &= f_t \odot c_{t-1} + i_t \odot a_t & o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o) & "
             r"h_t &= o_t \odot \tanh(c_t)"
             r"\end{aligned}")
    st.markdown(t("lstm.letters"))
    s1, s2, s3 = st.columns(3)
    with s1:
        urlstate.slider(PAGE, P["x"], t("lstm.x_label"))
    with s2:
        urlstate.slider(PAGE, P["h"], t("lstm.h_label"))
    with s3:
        urlstate.slider(PAGE, P["c"], t("lstm.c_label"))
    with st.expander(t("lstm.weights_expander"), expanded=True):
        for column, g in zip(st.columns(4), lstm.GATES, strict=True):
            with column:
                st.markdown(f"**{t(lesson.GATE_TITLES[g])}**")
                for kind, symbol in (("w", "W"), ("u", "U"), ("b", "b")):
                    urlstate.slider(PAGE, P[f"{kind}{g}"], f"{symbol}_{g}")
    params = lesson.cell_params(v)
    values_now = lstm.cell_values(v["x"], v["h"], v["c"], params)
    inputs = {"x": v["x"], "h_prev": v["h"], "c_prev": v["c"]}
    g1, g2 = st.columns([3, 2])
    with g1:
        st.graphviz_chart(lstm_diagrams.cell({**values_now, **inputs}, lesson.diagram_labels()))
        st.caption(t("lstm.diagram_caption"))
    with g2:
        for row in ((("f", "lstm.metric_f"), ("i", "lstm.metric_i"), ("a", "lstm.metric_a")),
                    (("o", "lstm.metric_o"), ("c", "lstm.metric_c"), ("h", "lstm.metric_h"))):
            for column, (name, key) in zip(st.columns(3), row, strict=True):
                column.metric(t(key), f"{values_now[name]:.4f}")
        st.markdown(lesson.cell_reading(values_now, v["c"]))

    # 2. Operating modes ---------------------------------------------------------------------------------------
    page.section("lstm.modes_header")
    st.markdown(t("lstm.modes_text"))
    st.markdown(lesson.modes_table())
    o1, o2 = st.columns(2)
    with o1:
        urlstate.choice(PAGE, P["mode"], t("lstm.mode_label"), lesson.mode_name)
    with o2:
        urlstate.choice(PAGE, P["out"], t("lstm.out_label"), lesson.mode_name)
    ideal = lstm.cell_values(v["x"], v["h"], v["c"], params, lstm.mode_clamp(v["mode"], v["out"]))
    d1, d2 = st.columns([3, 2])
    with d1:
        st.graphviz_chart(lstm_diagrams.cell({**ideal, **inputs}, lesson.diagram_labels(), clamped=frozenset("fio")))
    with d2:
        urlstate.slider(PAGE, P["sat"], t("lstm.sat_label"), help=t("lstm.sat_help"))
        real = lstm.cell_values(v["x"], v["h"], v["c"], params, lstm.mode_clamp(v["mode"], v["out"], v["sat"]))
        compared = lesson.ideal_and_real(ideal, real, v["sat"])
        st.dataframe(compared, column_config={name: st.column_config.NumberColumn(format="%.4f")
                                              for name in compared.columns})
        st.markdown(lesson.continuous_reading(v["sat"]))

    st.subheader(t("lstm.story_header"))
    st.markdown(t("lstm.story_text", value=lesson.story_value()))
    story = lesson.story_table(v["sat"])
    st.dataframe(story, hide_index=True, column_config={
        col: st.column_config.NumberColumn(format="%.4f") for col in story.columns[1:]})
    st.info(lesson.story_reading(v["sat"]), icon="📝")


# Sections 3 to 5 are one fragment: the task and the lag chosen in section 3 decide the trained pair (or the
# offer to train it) that section 3 runs on an example and section 4 sends the gradient back through, and the
# sweep that section 5 draws with that lag marked. The example's and the clamp's controls rerun it all too:
# their parts are not fragments of their own because a nested fragment that moves (the offer to train takes
# the example's place) loses its slot in the sidebar's share link. Unchanged charts cost a reference only.
@page.fragment
def long_lags() -> None:
    v = values()
    # 3. A trained LSTM on a long-lag task ---------------------------------------------------------------------
    page.section("lstm.trained_header")
    t1, t2 = st.columns([1, 2])
    with t1:
        urlstate.choice(PAGE, P["task"], t("lstm.task_label"), lambda o: t(lesson.TASK_NAMES[o]))
    with t2:
        urlstate.slider(PAGE, P["lag"], t("lstm.lag_label"),
                        help=t("lstm.lag_help", lags=lesson.shipped_lags(v["task"])))
    task, lag = v["task"], v["lag"]
    st.markdown(lesson.task_text(task, lag))
    pair = lesson.models_for(task, lag)
    if pair is None:
        offer = st.empty()
        with offer.container():
            st.info(t("lstm.not_shipped", lag=lag, lags=lesson.shipped_lags(task),
                      seconds=int(sum(lesson.TRAIN_BUDGET.values()))), icon="🏋️")
            clicked = st.button(t("lstm.train_button", lag=lag), key="lstm_btn_train", type="primary")
        if clicked:
            pair = lesson.train_now(task, lag)
            offer.empty()
    if pair is not None:
        r1, r2, r3, r4 = st.columns(4)
        r1.metric(t("lstm.rate_lstm"), f"{pair['lstm']['rate']:.1%}")
        r2.metric(t("lstm.rate_rnn"), f"{pair['rnn']['rate']:.1%}")
        r3.metric(t("lstm.steps_lstm"), pair["lstm"]["steps"])
        r4.metric(t("lstm.steps_rnn"), pair["rnn"]["steps"])
        st.caption(lesson.origin_caption(task, lag, pair))
        with st.expander(t("lstm.curves_expander")):
            charts.show(lesson.curves_chart(current_language(), lesson.fingerprint(task, lag, pair), pair),
                        name="lstm-training-curves")
            st.caption(t("lstm.curves_caption", batch=lesson.trained_with(task, lag)["batch"]))
        example(v, task, lag, pair)

    gradient_highway(v, task, lag, pair)
    lag_sweep(task, lag)


def example(v: dict, task: str, lag: int, pair: dict) -> None:
    """Section 3, continued: one sequence through the trained pair, and the LSTM's gates along it."""
    st.subheader(t("lstm.example_header"))
    e1, e2 = st.columns([1, 2])
    if task == "first_symbol":
        with e1:
            urlstate.choice(PAGE, P["src"], t("lstm.src_label"), lambda o: t(lesson.SOURCES[o]))
    typed = task == "first_symbol" and v["src"] == "typed"
    with e2 if task == "first_symbol" else e1:
        if typed:
            urlstate.text(PAGE, P["seq"], t("lstm.seq_label"), help=t("lstm.seq_help", limit=tasks.MAX_TYPED_STEPS,
                                                                       least=tasks.MIN_TYPED_STEPS))
        else:
            urlstate.number(PAGE, P["ex"], t("lstm.ex_label"), help=t("lstm.ex_help"))
    if typed:
        letters, error = lesson.typed_symbols(v["seq"], P["seq"].default)
        if error:
            st.error(error, icon="✋")
        source = ("typed", letters)
    else:
        source = ("random", v["ex"])
    X, targets = lesson.example_inputs(task, lag, source)
    if typed and X.shape[1] != lag + 1:
        st.info(t("lstm.length_notice", length=X.shape[1], trained=lag + 1, lag=lag), icon="📏")
    st.markdown(lesson.example_line(task, X, targets))
    for column, (label, value, note) in zip(st.columns(3), lesson.answers(task, X, targets, pair), strict=True):
        column.metric(label, value, note, delta_color="off", delta_arrow="off")
    fp = lesson.fingerprint(task, lag, pair)
    charts.show(lesson.gates_chart(current_language(), fp, source, pair["lstm"]["run"]), name="lstm-gates",
                width="content")
    st.markdown(lesson.hold_reading(pair["lstm"]["run"], X))


def gradient_highway(v: dict, task: str, lag: int, pair: dict | None) -> None:
    # 4. Why it works: the gradient highway --------------------------------------------------------------------
    page.section("lstm.why_header")
    st.markdown(t("lstm.why_text"))
    st.latex(r"\frac{\partial L}{\partial c_{t-1}} = \frac{\partial L}{\partial c_t}\odot f_t + \dots"
             r"\qquad\text{vs.}\qquad"
             r"\frac{\partial L}{\partial h_{t-1}} = \Big(\frac{\partial L}{\partial h_t}\odot \tanh'(\cdot)\Big)"
             r"\,W_{hh}^{\top}")
    urlstate.choice(PAGE, P["clamp"], t("lstm.clamp_label"), lesson.clamp_name, horizontal=True)
    if pair is None:
        st.info(t("lstm.needs_models"), icon="🏋️")
        return
    forget, fp = lesson.CLAMPS[v["clamp"]], lesson.fingerprint(task, lag, pair)
    lstm_flow, rnn_flow, T = lesson.gradient_flows(fp, forget, pair)
    charts.show(lesson.flow_chart(current_language(), fp, forget, pair), name="lstm-gradient-flow")
    st.caption(t("lstm.flow_caption", n=lesson.FLOW_BATCH, T=T))
    st.markdown(lesson.flow_reading(lstm_flow, rnn_flow, T))
    if forget is not None:
        st.info(lesson.clamp_note(forget, T), icon="🔧")


def lag_sweep(task: str, lag: int) -> None:
    # 5. RNN against LSTM as the lag grows ---------------------------------------------------------------------
    page.section("lstm.sweep_header")
    st.markdown(t("lstm.sweep_text", task=t(lesson.TASK_NAMES[task]), tolerance=fmt(tasks.ADDING_TOLERANCE)))
    charts.show(lesson.sweep_chart(current_language(), task, lag), name="lstm-lag-sweep")
    st.dataframe(lesson.sweep_table(task), hide_index=True)
    st.caption(lesson.sweep_caption(task))
    for reading in lesson.sweep_readings(task):
        st.markdown(reading)


one_cell()
long_lags()
under_the_hood(lstm.cell_values, lstm.mode_clamp, lstm.gate_value, lstm.story, lstm.forward, lstm.gradient_flow,
               lstm._bptt, tasks.train, tasks.success_rate, tasks.lstm_insides, tasks.forget_hold,
               tasks.gradient_flow, tasks.rnn_gradient_flow, tasks.parse_symbols, tasks.lag_sweep,
               tasks.summarise_sweep, tasks.sweep_facts)
