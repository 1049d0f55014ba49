"""Lesson: the counting RNN, and training it with backpropagation through time."""

import numpy as np
import streamlit as st

from lessons.counting import LESSON, divergence, figures, params, tables
from lessons.counting import readings as lesson
from lessons.counting.controls import data_controls
from rnn_core import counting, gradcheck, optim
from ui import charts, page, present, urlstate
from ui.code_panel import opened_expander, under_the_hood
from ui.errors import show_input_error
from ui.i18n import current_language, t
from ui.numbers import integer, latex, num

PAGE = lesson.PAGE
P, BOOK = params.P, params.BOOK

# The sections in the order the lesson reads (their numbers are their positions).
SECTIONS = LESSON.sections

page.frame("counting.title", "counting.intro", PAGE, P.values(), SECTIONS)
st.html(lesson.LAYOUT_CSS)  # which of a figure's two layouts shows: wide, or narrow for a phone


# Sections 1-3 are one fragment: the sequence, U and W of section 1 feed the forward and backward tables. It draws
# into the sections' places (:func:`ui.page.places`); the exercise boxes after them are the page's, so a move
# does not redraw them.
@page.fragment
def by_hand(model, forward, backward) -> None:
    v = page.values()
    with model:
        # 1. The model -----------------------------------------------------------------------------------
        page.prose("counting.model_text")
        st.latex(r"S_t = S_{t-1}\,W + X_t\,U")
        st.latex(r"S_0 = 0,\qquad y = S_T")
        col_seq, col_u, col_w = st.columns([2, 1, 1])
        with col_seq:
            urlstate.text(
                PAGE, P["seq"], t("counting.seq_label"), help=t("counting.seq_help", limit=integer(params.MAX_STEPS))
            )
        with col_u:
            urlstate.slider(PAGE, P["u"], t("counting.u_label"))
        with col_w:
            urlstate.slider(PAGE, P["w"], t("counting.w_label"))
        if not present.sets_hidden("u", "w"):  # the presets set U and W: hidden with either slider
            for column, (key, u, w) in zip(st.columns(len(params.PRESETS)), params.PRESETS, strict=True):
                column.button(
                    t(key, u=num(u), w=num(w)),
                    on_click=lesson.preset,
                    args=(u, w),
                    key=f"counting_btn_{key.rsplit('_', 1)[1]}",
                )

        try:
            x = counting.parse_sequence(v["seq"], params.MAX_STEPS)
        except counting.SequenceError as err:
            show_input_error(
                err,
                {
                    "empty": "counting.seq_error_empty",
                    "symbol": "counting.seq_error_symbol",
                    "too_long": "counting.seq_error_too_long",
                },
                "counting.seq_error_fallback",
                limit=integer(params.MAX_STEPS),
            )
            x = counting.parse_sequence(P["seq"].default, params.MAX_STEPS)

        U, W = v["u"], v["w"]
        S = counting.forward(x[None, :], U, W)
        target = float(x.sum())
        y = float(S[0, -1])
        described = t("counting.diagram_alt", steps=integer(len(x)), U=num(U), W=num(W), y=num(y))
        with st.container(key="counting-wide-diagram"):  # rows of steps, time left to right
            for row in figures.unrolled_counting(x, S[0], U, W):
                st.graphviz_chart(present.diagram(row), alt=described)
        with st.container(key="counting-narrow-diagram"):  # a phone: one step a line, time downwards
            st.graphviz_chart(
                present.diagram(figures.unrolled_counting(x, S[0], U, W, shown=6, stacked=True)[0]), alt=described
            )
        st.caption(t("counting.diagram_caption", steps=integer(len(x))))
        st.markdown(lesson.memory_sentence(len(x), W))

    with forward:
        # 2. Forward by hand -----------------------------------------------------------------------------
        page.prose("counting.forward_text")
        st.markdown(tables.forward_table(x, S[0], W, U))
        cut = tables.rows_cut_caption(len(x))
        if cut:
            st.caption(cut)
        m1, m2, m3 = st.columns(3)
        m1.metric(t("counting.output_y"), num(y))
        m2.metric(t("counting.target"), num(target))
        m3.metric(t("counting.error"), num(counting.cost(S, np.array([target]))))
        st.info(t("counting.note_points"), icon=":material/edit_note:")

    with backward:
        # 3. Backward by hand ----------------------------------------------------------------------------
        page.prose("counting.backward_text")
        chain, sums = st.columns(2)  # side by side on a wide screen; a phone stacks them
        chain.latex(
            r"\begin{aligned} \frac{\partial \xi}{\partial S_T} &= 2(y - y^*) \\ "
            r"\frac{\partial \xi}{\partial S_{k-1}} &= \frac{\partial \xi}{\partial S_k}\, W \end{aligned}"
        )
        sums.latex(
            r"\begin{aligned} \frac{\partial \xi}{\partial U} &= \sum_k \frac{\partial \xi}{\partial S_k}\, X_k "
            r"\\ \frac{\partial \xi}{\partial W} &= \sum_k \frac{\partial \xi}{\partial S_k}\, S_{k-1} "
            r"\end{aligned}"
        )
        steps = counting.bptt(x[None, :], S, np.array([target]), W)
        with st.container(key="counting-wide-backward"):
            st.markdown(tables.backward_table(x, steps))
        with st.container(key="counting-narrow-backward"):  # a phone: without the running sums
            st.markdown(tables.backward_table(x, steps, sums=False))
            st.caption(t("counting.sums_left_out"))
        if cut:
            st.caption(cut)
        gU, gW = counting.backward(x[None, :], S, np.array([target]), W)
        numeric = gradcheck.numerical_gradient(
            lambda p: counting.cost(counting.forward(x[None, :], p["U"], p["W"]), np.array([target])),
            {"U": U, "W": W},
        )
        c1, c2, c3 = st.columns(3)
        c1.metric(
            t("counting.grad_u"),
            num(gU),
            t("counting.fd_value", value=num(numeric["U"])),
            delta_color="off",
            delta_arrow="off",
        )
        c2.metric(
            t("counting.grad_w"),
            num(gW),
            t("counting.fd_value", value=num(numeric["W"])),
            delta_color="off",
            delta_arrow="off",
        )
        if gU == 0 and gW == 0:
            c3.metric(t("counting.rel_error"), "—")
            st.info(t("counting.zero_gradient"), icon=":material/target:")
        else:
            c3.metric(t("counting.rel_error"), num(gradcheck.relative_error([gU, gW], [numeric["U"], numeric["W"]]), 2))

    # Section 6 can read the gradient at these U and W: then it must redraw too, so rerun the page once.
    if v["at"] == "hand" and st.session_state.get("_counting_hand_drawn") not in (None, (U, W)):
        st.session_state["_counting_hand_drawn"] = (U, W)  # so that the page's own run does not rerun again
        st.rerun(scope="app")


@st.fragment  # opening the panel reruns the panel alone
def the_notes_code() -> None:
    """The note's code as printed (it does not run), its defects, then a version that runs, each defect marked.

    One under the other, lines wrapped: side by side, each column would wrap the printed code's lines into
    false indentation, which is one of its defects (and code that scrolls sideways cannot be reached by keyboard).
    """
    panel = opened_expander(t("counting.note_code_title"), key=lesson.NOTE_CODE_KEY, icon=":material/difference:")
    if panel is None:
        return
    with panel:
        page.prose("counting.note_code_text")
        st.markdown(f"**{t('counting.note_code_printed')}**")
        st.code(lesson.NOTE_PRINTED, language="python", line_numbers=True, wrap_lines=True)
        st.markdown("\n".join(lesson.note_defects(BOOK["start"], BOOK["lr"], BOOK["iters"])))
        st.markdown(f"**{t('counting.note_code_fixed')}**")
        st.code(lesson.NOTE_FIXED, language="python", line_numbers=True, wrap_lines=True)


# Sections 4-6 are one fragment: the training settings decide the run that section 5 draws on the surface
# and whose gradient section 6 reads, and a click on the surface (section 5) moves section 4's start.
@page.fragment
def training(train, surface, along_time) -> None:
    lesson.clicked_start()  # before the start's widgets are drawn
    v = page.values()
    lang = current_language()
    with train:
        # 4. Training ------------------------------------------------------------------------------------
        X_book, _ = lesson.dataset("book", 0, 0, 0)
        page.prose(
            "counting.train_text",
            n=integer(X_book.shape[0]),
            T=integer(X_book.shape[1]),
            u0=num(BOOK["start"][0]),
            w0=num(BOOK["start"][1]),
            lr=num(BOOK["lr"]),
            iters=integer(BOOK["iters"]),
        )
        st.latex(
            r"\begin{aligned} U &\leftarrow U - \eta\,\frac{\partial \xi}{\partial U} \\ "
            r"W &\leftarrow W - \eta\,\frac{\partial \xi}{\partial W} \end{aligned}"
        )
        data_controls(PAGE, P)
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
        # None while a long run waits in the server's queue or trains (its box says where it is).
        run = lesson.training_run(data, start, v["lr"], v["iters"])
        if run is not None:
            shown = divergence.last_evaluated(run)  # one iterate for U, W and the cost alike
            at = integer(shown if shown is not None else 0)
            r1, r2, r3, r4 = st.columns(4)
            r1.metric(t("counting.final_u", it=at), num(run.params[shown or 0, 0]))
            r2.metric(t("counting.final_w", it=at), num(run.params[shown or 0, 1]))
            r3.metric(t("counting.final_cost", it=at), num(run.costs[shown]) if shown is not None else "—")
            r4.metric(t("counting.updates_done"), f"{integer(len(run.updates))} / {integer(v['iters'])}")
            if run.diverged_at is not None:
                st.error(divergence.story(run, v["lr"]), icon=":material/error:")
                st.markdown(lesson.last_iterations(run))

            cost_spec, weights_spec = figures.history_charts(lang, data, start, v["lr"], v["iters"])
            h1, h2 = st.columns(2)
            h1.markdown(f"**{t('counting.cost_chart')}**")
            charts.show(cost_spec, where=h1, name="counting-cost", width="stretch")
            if np.any(run.costs == 0):
                h1.caption(t("counting.cost_zero_caption", count=integer(np.sum(run.costs == 0))))
            h2.markdown(f"**{t('counting.weights_chart')}**")
            charts.show(weights_spec, where=h2, name="counting-weights", width="stretch")
            h2.caption(" ".join(filter(None, [t("counting.weights_caption"), lesson.cut_caption(run)])))

    with surface:
        # 5. The cost surface ----------------------------------------------------------------------------
        page.prose("counting.surface_text")
        if run is None:
            st.caption(t("counting.run_waits"))
        else:
            for layout, key in (("wide", lesson.SURFACE_KEY), ("narrow", lesson.SURFACE_KEY_NARROW)):
                with st.container(key=f"counting-{layout}-surface"):
                    charts.show(
                        figures.surface_chart(lang, data, start, v["lr"], v["iters"], layout == "narrow"),
                        name="counting-surface",
                        key=key,
                        # A click sets the start: not while the link hides the start's controls.
                        on_select="ignore" if present.sets_hidden("u0", "w0") else "rerun",
                        selection_mode="cell",
                        width="content",
                    )
            st.caption(" ".join(filter(None, [t("counting.surface_caption"), lesson.cut_caption(run)])))

    with along_time:
        # 6. The gradient along time ---------------------------------------------------------------------
        page.prose("counting.time_text")
        at_names = {"run": "counting.at_run", "hand": "counting.at_hand"}
        urlstate.choice(PAGE, P["at"], t("counting.at_label"), lambda o: t(at_names[o]), horizontal=True)
        if st.session_state[urlstate.key(PAGE, "at")] == "run":
            if run is None:
                st.caption(t("counting.run_waits"))
                return
            lesson.iteration_slider(run, P["it"].default, t("counting.it_label"))
            Ui, Wi = run.params[st.session_state[urlstate.key(PAGE, "it")]]
            st.session_state["_counting_hand_drawn"] = None
        else:
            Ui, Wi = v["u"], v["w"]  # section 1's weights, on the training data
            st.session_state["_counting_hand_drawn"] = (Ui, Wi)
        Ui, Wi = float(Ui), float(Wi)
        st.latex(
            rf"\begin{{aligned}} \frac{{\partial \xi}}{{\partial S_k}} &= \frac{{\partial \xi}}{{\partial S_T}}\,"
            rf" W^{{T-k}} \\ W &= {latex(Wi)} \end{{aligned}}"
        )
        charts.show(figures.gradient_chart(lang, data, Ui, Wi), name="counting-gradient-along-time", width="stretch")
        st.markdown(lesson.time_reading(lesson.gradient_norms(data, Ui, Wi), Ui, Wi))


by_hand(
    *page.places(
        PAGE,
        ("counting.model_header",),
        ("counting.forward_header", "counting_output"),
        (
            "counting.backward_header",
            {
                "counting.exercise_step1_tab": "counting_gradient_step1",
                "counting.exercise_u_tab": "counting_gradient_u",
            },
        ),
    )
)
the_notes_code()
training(
    *page.places(
        PAGE,
        (
            "counting.train_header",
            {
                "counting.exercise_diverged_tab": "counting_diverged_at",
                "counting.exercise_safe_rate_tab": "counting_safe_rate",
            },
        ),
        ("counting.surface_header",),
        ("counting.time_header",),
    )
)
under_the_hood(
    (counting.parse_sequence, "counting.hood_parse_sequence"),
    (counting.step, "counting.hood_step"),
    (counting.forward, "counting.hood_forward"),
    (counting.cost, "counting.hood_cost"),
    (counting.bptt, "counting.hood_bptt"),
    (counting.backward, "counting.hood_backward"),
    (gradcheck.numerical_gradient, "counting.hood_numerical_gradient"),
    (gradcheck.relative_error, "counting.hood_relative_error"),
    (counting.book_dataset, "counting.hood_book_dataset"),
    (counting.make_dataset, "counting.hood_make_dataset"),
    (counting.fit, "counting.hood_fit"),
    (counting.first_overflow, "counting.hood_first_overflow"),
    (counting.trajectory, "counting.hood_trajectory"),
    (optim.sgd, "counting.hood_sgd"),
    (optim.apply_updates, "counting.hood_apply_updates"),
    (counting.cost_surface, "counting.hood_cost_surface"),
)
