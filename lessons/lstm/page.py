"""Lesson: LSTM gates, and why they keep the gradient alive."""

import streamlit as st

from lessons.lstm import LESSON, figures, params
from lessons.lstm import readings as lesson
from rnn_core import lstm, lstm_weights, sweep, tasks, typed_inputs
from ui import charts, page, present, urlstate, work_queue
from ui.code_panel import under_the_hood
from ui.errors import show_input_error
from ui.i18n import current_language, t
from ui.numbers import integer, num, percent

PAGE = lesson.PAGE
P = params.P

# The sections in the order the lesson reads (their numbers are their positions).
SECTIONS = LESSON.sections

page.frame("lstm.title", "lstm.intro", PAGE, P.values(), SECTIONS)


def slider(name: str, label: str, **kwargs) -> None:
    """A URL slider whose value label writes as many decimals as its step (1.0, 0.55), not Streamlit's 1.00."""
    step = P[name].step
    if P[name].kind == "float" and step is not None:
        kwargs["format"] = f"%.{0 if float(step).is_integer() else len(f'{step:g}'.split('.')[1])}f"
    urlstate.slider(PAGE, P[name], label, **kwargs)


def cell_text() -> None:
    """Section 1's text and equations, which no control changes."""
    page.prose("lstm.cell_text")
    left, right = st.columns(2)  # side by side on a laptop, one under the other on a phone
    left.latex(
        r"\begin{aligned}"
        r"f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f)\\ i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i)\\"
        r"a_t &= \tanh(W_a x_t + U_a h_{t-1} + b_a)\\ o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o)"
        r"\end{aligned}"
    )
    right.latex(
        r"\begin{aligned}c_t &= f_t \odot c_{t-1} + i_t \odot a_t\\ h_t &= o_t \odot \tanh(c_t)"
        r"\end{aligned}"
    )
    page.prose("lstm.letters")


# Sections 1 and 2 are one fragment: section 2 sets the gates of the very cell whose inputs and weights are
# section 1's sliders, so both redraw when one of those moves (and only they: nothing later reads them).
# The fragments of this page draw into places the page made in their sections (:func:`ui.page.places`), after
# the text no control changes, which the page draws once; the exercise boxes after them are the page's too, so
# a move resends neither.
@page.fragment
def one_cell(cell, modes, story) -> None:
    v = page.values()
    with cell:
        s1, s2, s3 = st.columns(3)
        with s1:
            slider("x", t("lstm.x_label"))
        with s2:
            slider("h", t("lstm.h_label"))
        with s3:
            slider("c", t("lstm.c_label"))
        with st.expander(t("lstm.weights_expander"), expanded=True):
            for column, g in zip(st.columns(4), lstm.GATES, strict=True):
                with column:
                    st.markdown(f"**{t(lesson.GATE_TITLES[g])}**")
                    for kind, symbol in (("w", "W"), ("u", "U"), ("b", "b")):
                        slider(f"{kind}{g}", f"${symbol}_{g}$")
        weights = lesson.cell_params(v)
        values_now = lstm.cell_values(v["x"], v["h"], v["c"], weights)
        inputs = {"x": v["x"], "h_prev": v["h"], "c_prev": v["c"]}
        st.graphviz_chart(present.diagram(figures.cell_diagram({**values_now, **inputs}, figures.diagram_labels())))
        st.caption(t("lstm.diagram_caption"))
        for column, (name, key) in zip(
            st.columns(6),
            (
                ("f", "lstm.metric_f"),
                ("i", "lstm.metric_i"),
                ("a", "lstm.metric_a"),
                ("o", "lstm.metric_o"),
                ("c", "lstm.metric_c"),
                ("h", "lstm.metric_h"),
            ),
            strict=True,
        ):
            column.metric(t(key), num(values_now[name]))
        st.markdown(lesson.cell_reading(values_now, v["c"]))
        st.markdown(lesson.growth_reading(v))

    with modes:
        o1, o2 = st.columns(2)
        with o1:
            urlstate.choice(PAGE, P["mode"], t("lstm.mode_label"), lesson.mode_name)
        with o2:
            urlstate.choice(PAGE, P["out"], t("lstm.out_label"), lesson.mode_name)
        ideal = lstm.cell_values(v["x"], v["h"], v["c"], weights, lstm.mode_clamp(v["mode"], v["out"]))
        st.graphviz_chart(
            present.diagram(
                figures.cell_diagram({**ideal, **inputs}, figures.diagram_labels(), clamped=frozenset("fio"))
            )
        )
        d1, d2 = st.columns([2, 3])
        with d1:
            slider("sat", t("lstm.sat_label"), help=t("lstm.sat_help"))
            real = lstm.cell_values(v["x"], v["h"], v["c"], weights, lstm.mode_clamp(v["mode"], v["out"], v["sat"]))
            st.table(figures.ideal_and_real(ideal, real, v["sat"]))
        with d2:
            st.markdown(lesson.continuous_reading(v["sat"]))
    with story:
        st.table(figures.story_table(current_language(), v["sat"]), hide_index=True)
        st.info(lesson.story_reading(v["sat"]), icon=":material/edit_note:")


# Sections 3 to 5 are one fragment: the task and the lag chosen in section 3 decide the trained pair (or the
# offer to train it) that section 3 runs on an example and section 4 sends the gradient back through, and the
# sweep that section 5 draws with that lag marked. The example's and the clamp's controls rerun it all too:
# their parts are not fragments of their own because a nested fragment that moves (the offer to train takes
# the example's place) loses its slot in the sidebar's share link. Unchanged charts cost a reference only.
@page.fragment
def long_lags(trained, why, swept) -> None:
    v = page.values()
    task, lag = v["task"], v["lag"]
    with trained:
        pair = trained_pair(task, lag)
        if pair is not None:
            example(v, task, lag, pair)
    with why:
        gradient_highway(v, task, lag, pair)
    with swept:
        lag_sweep(task, lag)


def trained_pair(task: str, lag: int) -> dict | None:
    """Section 3: the task, the lag, and the LSTM and tanh RNN trained for them (or the offer to train them)."""
    t1, t2 = st.columns([1, 2])
    with t1:
        urlstate.choice(PAGE, P["task"], t("lstm.task_label"), lambda o: t(lesson.TASK_NAMES[o]))
    with t2:
        slider("lag", t(lesson.LAG_LABELS[task]), help=t(lesson.LAG_HELPS[task], lags=lesson.shipped_lags(task)))
    st.markdown(lesson.task_text(task, lag))
    pair = lesson.models_for(task, lag)
    if pair is not None:
        work_queue.settled("lstm")  # a lag this student asked to train is no longer wanted
    else:
        pair = lesson.train_queued(task, lag)  # None until asked for and trained: the offer or the box says where
        if pair is None:
            return None
    r1, r2, r3, r4 = st.columns(4)
    r1.metric(t("lstm.rate_lstm"), percent(pair["lstm"]["rate"]))
    r2.metric(t("lstm.rate_rnn"), percent(pair["rnn"]["rate"]))
    r3.metric(t("lstm.steps_lstm"), integer(pair["lstm"]["steps"]))
    r4.metric(t("lstm.steps_rnn"), integer(pair["rnn"]["steps"]))
    st.caption(lesson.origin_caption(task, lag, pair))
    with st.expander(t("lstm.curves_expander")):
        charts.show(
            figures.curves_chart(current_language(), lesson.fingerprint(task, lag, pair), pair),
            name="lstm-training-curves",
            width="stretch",
        )
        st.caption(t("lstm.curves_caption", batch=integer(lesson.training_settings(task)["batch_size"])))
    return pair


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
            urlstate.text(
                PAGE,
                P["seq"],
                t("lstm.seq_label"),
                help=t(
                    "lstm.seq_help",
                    limit=integer(typed_inputs.MAX_TYPED_STEPS),
                    least=integer(typed_inputs.MIN_TYPED_STEPS),
                ),
            )
        else:
            urlstate.number(PAGE, P["ex"], t("lstm.ex_label"), help=t("lstm.ex_help"))
    if typed:
        letters, error = lesson.typed_symbols(v["seq"], P["seq"].default)
        if error is not None:
            show_input_error(
                error, lesson.SEQ_ERRORS, "lstm.seq_error_fallback", limit=integer(typed_inputs.MAX_TYPED_STEPS)
            )
        source = ("typed", letters)
    else:
        source = ("random", v["ex"])
    length = lesson.example_inputs(task, lag, source)[0].shape[1] if typed else lag + 1  # a drawn one fits
    if length != lag + 1:
        st.info(
            t("lstm.length_notice", length=integer(length), trained=integer(lag + 1), lag=integer(lag)),
            icon=":material/straighten:",
        )
    fp, lang = lesson.fingerprint(task, lag, pair), current_language()
    line, answers, hold = lesson.example_words(lang, fp, source, pair)
    st.markdown(line)
    for column, (label, value, note) in zip(st.columns(3), answers, strict=True):
        column.metric(label, value, note, delta_color="off", delta_arrow="off")
    charts.show(figures.gates_chart(lang, fp, source, pair["lstm"]["run"]), name="lstm-gates", width="stretch")
    st.markdown(hold)


def highway_text() -> None:
    """Section 4's text and its two one-step-back rules, which no control changes."""
    page.prose("lstm.why_text")
    for column, (model, formula) in zip(st.columns(2), lesson.highway_equations(), strict=True):
        column.markdown(f"**{model}**")  # the model's name outside the maths, in the page's language
        column.latex(formula)


def gradient_highway(v: dict, task: str, lag: int, pair: dict | None) -> None:
    """Section 4: the gradient sent back from the end, through the RNN and through the LSTM's cell."""
    urlstate.choice(PAGE, P["clamp"], t("lstm.clamp_label"), lesson.clamp_name, horizontal=True)
    if pair is None:
        st.info(t("lstm.needs_models"), icon=":material/model_training:")
        return
    forget, fp = params.CLAMPS[v["clamp"]], lesson.fingerprint(task, lag, pair)
    lstm_flow, rnn_flow, T = lesson.gradient_flows(fp, forget, pair)
    page.prose("lstm.flow_measured")
    charts.show(figures.flow_chart(current_language(), fp, forget, pair), name="lstm-gradient-flow", width="stretch")
    st.caption(t("lstm.flow_caption", n=integer(params.FLOW_BATCH), T=integer(T)))
    for line in lesson.flow_reading(lstm_flow, rnn_flow, T):
        st.markdown(line)
    if forget is not None:
        rates = lesson.clamped_rates(fp, forget, pair)
        st.info(lesson.clamp_note(forget, lstm_flow, T, rates, task), icon=":material/build:")


def lag_sweep(task: str, lag: int) -> None:
    """Section 5: the stored sweep of both models over lags and seeds, with the lag of section 3 marked."""
    st.markdown(lesson.sweep_text(task))
    charts.show(figures.sweep_chart(current_language(), task, lag), name="lstm-lag-sweep", width="stretch")
    for column, (model, table) in zip(st.columns(2), figures.sweep_tables(current_language(), task), strict=True):
        column.markdown(f"**{model}**")
        column.table(table, hide_index=True)
    st.caption(lesson.sweep_caption(task))
    for reading in lesson.sweep_readings(task):
        st.markdown(reading)


# Section 6 is a fragment of its own: the upload and the typed sequence change nothing above.
@page.fragment
def own_model(own) -> None:
    with own:
        upload = st.file_uploader(
            t("lstm.own_upload_label"), type=["safetensors", "npz"], key="lstm_own_file", max_upload_size=lesson.MAX_MB
        )
        if upload is None:
            st.caption(t("lstm.own_none"))
            return
        weights, meta, message = lesson.read_upload(upload)
        if message is not None:
            st.error(message, icon=":material/block:")
            return
        D, H = meta["input_size"], meta["hidden_size"]
        st.success(
            t("lstm.own_loaded", format=meta["format"], dtype=meta["dtype"], D=integer(D), H=integer(H)),
            icon=":material/check_circle:",
        )
        if "lstm_own_seq" not in st.session_state or st.session_state.get("lstm_own_seq_for") != upload.file_id:
            st.session_state["lstm_own_seq"] = lesson.own_default(D)  # a sequence that fits this model
            st.session_state["lstm_own_seq_for"] = upload.file_id
        text = urlstate.bounded_text(
            t("lstm.own_seq_label", D=integer(D)),
            "lstm_own_seq",
            typed_inputs.MAX_OWN_TEXT,
            lesson.own_default(D),
            help=t(
                "lstm.own_seq_help",
                D=integer(D),
                last=typed_inputs.LETTERS[min(D, 26) - 1],
                max_steps=integer(typed_inputs.MAX_STEPS),
                limit=num(typed_inputs.MAX_VALUE),
            ),
        )
        steps, error = lesson.own_steps(text, D)
        if error is not None:
            show_input_error(
                error,
                lesson.OWN_SEQ_ERRORS,
                "lstm.own_error_fallback",
                limit=num(typed_inputs.MAX_VALUE),
                max_steps=integer(typed_inputs.MAX_STEPS),
            )
        fp = (upload.file_id, steps.tobytes())
        st.markdown(t("lstm.own_gates", T=integer(len(steps))))
        charts.show(
            figures.own_gates_chart(current_language(), fp, weights, steps), name="lstm-own-gates", width="stretch"
        )
        if H > params.OWN_UNITS_SHOWN:
            st.caption(t("lstm.own_units_cut", shown=integer(params.OWN_UNITS_SHOWN), H=integer(H)))
        charts.show(
            figures.own_flow_chart(current_language(), fp, weights, steps),
            name="lstm-own-gradient-flow",
            width="stretch",
        )
        st.markdown(lesson.own_reading(lesson.own_run(weights, steps)[2], len(steps)))


# The text in a place is the page's, drawn before the fragment writes there: Streamlit puts a fragment's part of a
# container made outside it where the container's next element would go, and redraws only that part.
cell, modes = page.places(
    PAGE,
    ("lstm.cell_header", "lstm_keep_setting"),
    # Three boxes on the modes, one tab each, so that the section stays readable.
    (
        "lstm.modes_header",
        {
            "lstm.ex_tab_cell_after": "lstm_cell_after",
            "lstm.ex_tab_readout": "lstm_readout",
            "lstm.ex_tab_memory_left": "lstm_memory_left",
        },
    ),
)
with cell:
    cell_text()
with modes:
    page.prose("lstm.modes_text")
    st.markdown(figures.modes_table())
    gates = st.container()  # the modes' controls, the clamped cell and the realistic gate
    st.subheader(t("lstm.story_header"))
    page.prose("lstm.story_text", value=lesson.story_value())
    story = st.container()  # the book's story at the realistic gate
one_cell(cell, gates, story)

trained, why, swept = page.places(
    PAGE, ("lstm.trained_header",), ("lstm.why_header", "lstm_highway"), ("lstm.sweep_header",)
)
with why:
    highway_text()
long_lags(trained, why, swept)

(own,) = page.places(PAGE, ("lstm.own_header",))
with own:
    page.prose("lstm.own_text", mb=integer(lesson.MAX_MB), hidden=integer(lstm_weights.MAX_HIDDEN))
own_model(own)
under_the_hood(
    (lstm.step_forward, "lstm.hood_step_forward"),
    (lstm.forward, "lstm.hood_forward"),
    (lstm.cell_values, "lstm.hood_cell_values"),
    (lstm.keep_writing, "lstm.hood_keep_writing"),
    (lstm.mode_clamp, "lstm.hood_mode_clamp"),
    (lstm.gate_value, "lstm.hood_gate_value"),
    (lstm.story, "lstm.hood_story"),
    (tasks.train, "lstm.hood_train"),
    (tasks.gradients, "lstm.hood_gradients"),
    (lstm.step_backward, "lstm.hood_step_backward"),
    (lstm.backward, "lstm.hood_backward"),
    (tasks.success_rate, "lstm.hood_success_rate"),
    (tasks.forget_hold, "lstm.hood_forget_hold"),
    (lstm.gradient_flow, "lstm.hood_gradient_flow"),
    (tasks.gradient_flow, "lstm.hood_tasks_gradient_flow"),
    (tasks.rnn_gradient_flow, "lstm.hood_rnn_gradient_flow"),
    (typed_inputs.parse_symbols, "lstm.hood_parse_symbols"),
    (sweep.lag_sweep, "lstm.hood_lag_sweep"),
    (sweep.sweep_facts, "lstm.hood_sweep_facts"),
    (typed_inputs.parse_steps, "lstm.hood_parse_steps"),
)
