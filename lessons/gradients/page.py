"""Lesson: exploding and vanishing gradients (the geometric series, the spectral radius, the cliff)."""

import streamlit as st

from lessons.gradients import LESSON, figures, params
from lessons.gradients import readings as lesson
from rnn_core import cliff, counting, matrix_input, memory_probe, spectral, vanilla
from ui import charts, page, present, urlstate
from ui.code_panel import under_the_hood
from ui.errors import show_input_error
from ui.i18n import current_language, t
from ui.numbers import latex, num

PAGE = lesson.PAGE

# The sections in the order the lesson reads (their numbers are their positions).
SECTIONS = LESSON.sections

P = params.P

page.frame("gradients.title", "gradients.intro", PAGE, params.PARAMS, SECTIONS)
figures.warm_shapes(current_language())  # once per language and process: no move then builds a chart


# Each section owns its controls and reads no other section's: five fragments, each reruns alone. Each draws
# into its section's place (:func:`ui.page.places`); the exercise boxes after it are the page's, so a move does
# not redraw them.
@page.fragment
def scalar_series(place) -> None:
    v, lang = page.values(), current_language()
    with place:
        # 1. The scalar series ------------------------------------------------------------------------------
        page.prose("gradients.series_text")
        st.latex(
            r"\frac{\partial \xi}{\partial S_{T-m}} = \frac{\partial \xi}{\partial S_T}\,W^{m},"
            r"\qquad |W^{m}| = |W|^{m}"
        )
        urlstate.slider(PAGE, P["w"], t("gradients.w_label"))
        w, steps = v["w"], params.SERIES_STEPS
        (explode_w, explode_m), (vanish_w, vanish_m) = params.BOOK["explode"], params.BOOK["vanish"]
        yours_end, explode_end = lesson.factor_after(w, steps), lesson.factor_after(explode_w, explode_m)
        vanish_end = lesson.factor_after(vanish_w, vanish_m)
        m1, m2, m3 = st.columns(3)
        m1.metric(t("gradients.book_explode", power=f"{num(explode_w)}{lesson.superscript(explode_m)}"), explode_end)
        m2.metric(t("gradients.book_vanish", power=f"{num(vanish_w)}{lesson.superscript(vanish_m)}"), vanish_end)
        m3.metric(t("gradients.yours_end", w=num(w), exponent=lesson.superscript(steps)), yours_end)
        c1, c2 = st.columns([3, 2])
        c1.markdown(f"**{t('gradients.series_chart')}**")
        charts.show(figures.series_chart(lang, w), where=c1, name="gradients-series", width="stretch")
        c2.markdown(f"**{t('gradients.sign_chart', steps=params.SIGN_STEPS)}**")
        if w < 0:
            charts.show(figures.sign_chart(lang, w), where=c2, name="gradients-signs", width="stretch")
        else:  # the signs are all + (or 0): the left chart already says everything
            c2.info(t("gradients.sign_positive_only"), icon=":material/add:")
        st.markdown(lesson.scalar_text(w, steps))
        st.info(
            t(
                "gradients.regimes_summary",
                explode=explode_end,
                vanish=vanish_end,
                explode_w=num(explode_w),
                explode_m=explode_m,
                vanish_w=num(vanish_w),
                vanish_m=vanish_m,
            ),
            icon=":material/summarize:",
        )
        st.warning(lesson.note_advice_text(), icon=":material/balance:")


@page.fragment
def counting_flow(place) -> None:
    v, lang = page.values(), current_language()
    with place:
        # 2. Back in the counting RNN -----------------------------------------------------------------------
        X_book, _ = counting.book_dataset()
        T = X_book.shape[1]
        page.prose("gradients.flow_text", n=X_book.shape[0], T=T, count=len(params.BOOK["marked_points"]))
        st.markdown(lesson.point_list())
        st.markdown(t("gradients.flow_text_after"))
        f1, f2, f3 = st.columns([1, 1, 2])
        with f1:
            urlstate.slider(PAGE, P["count_u"], t("gradients.count_u_label"))
        with f2:
            urlstate.slider(PAGE, P["count_w"], t("gradients.count_w_label"))
        U, W = v["count_u"], v["count_w"]
        with f3:
            st.write("")
            st.page_link(
                "lessons/counting/page.py",
                label=t("gradients.counting_link", u=num(U), w=num(W)),
                icon=":material/calculate:",
                query_params={"lang": lang, "u": repr(U), "w": repr(W)},
            )
        charts.show(figures.flow_chart(lang, U, W), name="gradients-counting-flow", width="stretch")
        st.caption(t("gradients.flow_caption", T=T))
        st.markdown(lesson.flow_reading(U, W, T))


@page.fragment
def matrices(place) -> None:
    v, lang = page.values(), current_language()
    with place:
        # 3. Matrices: the spectral radius decides --------------------------------------------------------------
        page.prose(
            "gradients.matrix_text",
            gamma_tanh=num(vanilla.ACTIVATIONS["tanh"].gamma),
            gamma_logistic=num(vanilla.ACTIVATIONS["logistic"].gamma),
        )
        # One line each (a phone is narrow). KaTeX draws a multi-line block 2 px past its own box on the right;
        # a space either side keeps that inside, or the formula becomes a box that scrolls by 2 px.
        st.latex(
            r"\;\begin{aligned} h_t &= \tanh(h_{t-1} W + x_t) \\"
            r" J_t &= \frac{\partial h_t}{\partial h_{t-1}} = \mathrm{diag}\big(\tanh'(a_t)\big)\, W^{\top} \\"
            r" \frac{\partial h_M}{\partial h_{M-m}} &= J_M\, J_{M-1} \cdots J_{M-m+1} \end{aligned}\;"
        )
        kind_names = {
            "gaussian": "gradients.kind_gaussian",
            "orthogonal": "gradients.kind_orthogonal",
            "typed": "gradients.kind_typed",
        }
        typed = v["kind"] == "typed"
        k1, k2 = st.columns([2, 3])
        with k1:
            urlstate.choice(PAGE, P["kind"], t("gradients.kind_label"), lambda o: t(kind_names[o]))
            if typed:
                urlstate.text(
                    PAGE,
                    P["matrix"],
                    t("gradients.matrix_label"),
                    help=t("gradients.matrix_help", example=P["matrix"].default, limit=num(params.MAX_ENTRY)),
                )
            if not present.sets_hidden("kind", "matrix"):
                st.button(
                    t("gradients.nonnormal_button"), on_click=lesson.load_non_normal, key="gradients_btn_nonnormal"
                )
        with k2:
            s1, s2 = st.columns(2)
            with s1:
                urlstate.slider(PAGE, P["size"], t("gradients.size_label"), disabled=typed)
                urlstate.slider(PAGE, P["rho"], t("gradients.rho_label"), disabled=typed)
                urlstate.number(PAGE, P["seed"], t("gradients.seed_label"))
            with s2:
                urlstate.slider(PAGE, P["steps"], t("gradients.steps_label"))
                urlstate.slider(PAGE, P["xs"], t("gradients.xs_label"))

        matrix, error = lesson.typed_matrix(v["kind"], v["matrix"])
        if error is not None:
            show_input_error(
                error,
                {
                    "empty": "gradients.matrix_error_empty",
                    "number": "gradients.matrix_error_number",
                    "non_finite": "gradients.matrix_error_non_finite",
                    "too_large": "gradients.matrix_error_too_large",
                    "shape": "gradients.matrix_error_shape",
                },
                "gradients.matrix_error_fallback",
                **lesson.matrix_error_fields(error),
            )
        kind, size, seed, rho, M, xs = v["kind"], v["size"], v["seed"], v["rho"], v["steps"], v["xs"]
        study = lesson.recurrence(kind, size, seed, rho, M, xs, matrix)
        # Half the width each: the complex plane is a square that keeps its size (circles stay round), with its
        # axes and legend it needs about 330 px, which a half column holds at 1280 px and a phone's width holds.
        e1, e2 = st.columns(2)
        e1.markdown(f"**{t('gradients.eigen_chart')}**")
        charts.show(
            figures.eigen_chart(lang, kind, size, seed, rho, matrix),
            where=e1,
            width="content",
            name="gradients-eigenvalues",
        )
        e2.markdown(f"**{t('gradients.norm_chart')}**")
        charts.show(
            figures.norm_chart(lang, kind, size, seed, rho, M, xs, matrix),
            where=e2,
            name="gradients-norms",
            width="stretch",
        )
        n1, n2, n3 = st.columns(3)
        n1.metric(t("gradients.rho_metric"), num(study["linear_conditions"]["rho"], 4))
        n2.metric(t("gradients.lambda1_metric"), num(study["linear_conditions"]["lambda1"], 4))
        n3.metric(t("gradients.gamma_metric"), num(study["tanh_conditions"]["gamma"]))
        for sentence in lesson.conditions_text(study, M):
            st.markdown(sentence)
        for note, icon in lesson.norm_notes(study, M):
            st.info(note, icon=icon)
        x1, x2 = st.columns([3, 2])
        x1.markdown(lesson.non_normal_text())
        x2.markdown(f"**{t('gradients.nonnormal_chart')}**")
        charts.show(figures.non_normal_chart(lang), where=x2, name="gradients-non-normal", width="stretch")


@page.fragment
def the_cliff(place) -> None:
    v, lang = page.values(), current_language()
    with place:
        # 4. The cliff -------------------------------------------------------------------------------------
        cliff_fields = {"x0": num(cliff.X0), "steps": cliff.HORIZON, "target": num(cliff.TARGET)}
        page.prose("gradients.cliff_text", **cliff_fields, cusp=num(cliff.W_CUSP))
        # Two lines: on one, the model and its error are wider than a phone (a space either side: see section 3).
        st.latex(
            rf"\;\begin{{gathered}} x_0 = {latex(cliff.X0)},\qquad x_t = w\,\sigma(x_{{t-1}}) + b, \\ "
            rf"E(w, b) = \big(\sigma(x_{{{cliff.HORIZON}}}) - {latex(cliff.TARGET)}\big)^2 \end{{gathered}}\;"
        )
        q1, q2, q3 = st.columns(3)
        with q1:
            urlstate.slider(PAGE, P["cliff_w"], t("gradients.cliff_w_label"))
        with q2:
            urlstate.number(PAGE, P["lr"], t("gradients.lr_label"), format="%.3f")
        with q3:
            urlstate.number(PAGE, P["clip"], t("gradients.clip_label"), format="%.1f")
        w, lr, clip = v["cliff_w"], v["lr"], v["clip"]
        study = lesson.cliff_study(w, lr, clip)
        g1, g2 = st.columns(2)
        g1.markdown(f"**{t('gradients.cliff_chart', steps=cliff.HORIZON)}**")
        charts.show(figures.cliff_chart(lang, w, lr, clip), where=g1, width="stretch", name="gradients-cliff")
        g2.markdown(f"**{t('gradients.section_chart', w=num(w))}**")
        charts.show(figures.profile_chart(lang, w), where=g2, name="gradients-cross-section", width="stretch")
        if study["wall_b"] is None:
            b_low, b_high = params.CLIFF_B_RANGE
            st.markdown(t("gradients.cliff_no_wall", w=num(w), b_low=num(b_low), b_high=num(b_high)))
        elif not study["plain"]["finite"]:
            st.error(t("gradients.cliff_overflow", w=num(w), b=num(study["wall_b"], 6)), icon=":material/error:")
        else:
            r1, r2, r3, r4 = st.columns(4)
            r1.metric(t("gradients.wall_b_metric"), num(study["wall_b"], 6))
            r2.metric(t("gradients.grad_metric"), num(study["plain"]["grad_norm"]))
            r3.metric(t("gradients.plain_step_metric"), num(study["plain"]["step_norm"]))
            r4.metric(t("gradients.clipped_step_metric"), num(study["clipped"]["step_norm"]))
            st.markdown(lesson.cliff_step_text(study, w, lr))
            st.markdown(lesson.cliff_clip_text(study, clip))


@page.fragment
def hidden_vanishing(place) -> None:
    v, lang = page.values(), current_language()
    with place:
        # 5. Why vanishing is harder to see --------------------------------------------------------------------
        low, high = params.MEM_LEVEL_RANGE
        page.prose(
            "gradients.memory_text", hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, low=num(low), high=num(high)
        )
        h1, h2, h3 = st.columns(3)
        with h1:
            urlstate.slider(PAGE, P["mem_rho"], t("gradients.mem_rho_label"))
        with h2:
            urlstate.slider(PAGE, P["mem_len"], t("gradients.mem_len_label"))
        with h3:
            urlstate.number(PAGE, P["mem_seed"], t("gradients.seed_label"))
        rho, length, seed = v["mem_rho"], v["mem_len"], v["mem_seed"]
        probe = lesson.memory(rho, length, seed)
        output, gradient = figures.memory_charts(lang, rho, length, seed)
        o1, o2 = st.columns(2)
        o1.markdown(f"**{t('gradients.output_chart')}**")
        charts.show(output, where=o1, name="gradients-output", width="stretch")
        o1.caption(t("gradients.output_caption", n=params.MEM_SEQUENCES))
        o2.markdown(f"**{t('gradients.reach_chart')}**")
        charts.show(gradient, where=o2, name="gradients-reach", width="stretch")
        o2.caption(t("gradients.reach_caption", n=params.MEM_SEQUENCES))
        p1, p2, p3 = st.columns(3)
        p1.metric(t("gradients.error_metric"), num(probe["rms_error"][-1]))
        p2.metric(t("gradients.constant_metric"), num(probe["constant_error"][-1]))
        p3.metric(t("gradients.first_metric"), num(probe["sensitivity"][0]))
        st.markdown(lesson.memory_reading(probe, length))


series, flow, matrix, cliff_place, memory = page.places(
    PAGE,
    ("gradients.series_header", "gradients_steps_below"),
    ("gradients.flow_header", "gradients_counting_regime"),
    ("gradients.matrix_header", ("gradients_spectral_radius", "gradients_matrix_regime")),  # side by side
    ("gradients.cliff_header",),
    ("gradients.memory_header",),
)
scalar_series(series)
counting_flow(flow)
matrices(matrix)
the_cliff(cliff_place)
hidden_vanishing(memory)
under_the_hood(
    (spectral.scalar_series, "gradients.hood_scalar_series"),
    (spectral.scalar_regime, "gradients.hood_scalar_regime"),
    (spectral.counting_gradient_flow, "gradients.hood_counting_gradient_flow"),
    (spectral.random_recurrent, "gradients.hood_random_recurrent"),
    (matrix_input.parse_matrix, "gradients.hood_parse_matrix"),
    (matrix_input.read_entry, "gradients.hood_read_entry"),
    (spectral.eigenvalues, "gradients.hood_eigenvalues"),
    (spectral.jacobian_norms, "gradients.hood_jacobian_norms"),
    (spectral.driven_trajectory, "gradients.hood_driven_trajectory"),
    (spectral.chain_log10_norms, "gradients.hood_chain_log10_norms"),
    (spectral.reference_rates, "gradients.hood_reference_rates"),
    (spectral.pascanu_conditions, "gradients.hood_pascanu_conditions"),
    (spectral.norm_summary, "gradients.hood_norm_summary"),
    (spectral.non_normal_example, "gradients.hood_non_normal_example"),
    (cliff.run_unit, "gradients.hood_run_unit"),
    (cliff.error_surface, "gradients.hood_error_surface"),
    (cliff.cross_section, "gradients.hood_cross_section"),
    (cliff.wall_point, "gradients.hood_wall_point"),
    (cliff.float_guess, "gradients.hood_float_guess"),
    (cliff.exact_bracket, "gradients.hood_exact_bracket"),
    (cliff.exact_bisection, "gradients.hood_exact_bisection"),
    (cliff.exact_state, "gradients.hood_exact_state"),
    (cliff.wall_sides, "gradients.hood_wall_sides"),
    (cliff.bistable_band, "gradients.hood_bistable_band"),
    (cliff.gradient_step, "gradients.hood_gradient_step"),
    (memory_probe.running_mean_probe, "gradients.hood_running_mean_probe"),
    (memory_probe.probe_rnn, "gradients.hood_probe_rnn"),
    (memory_probe.states, "gradients.hood_states"),
    (memory_probe.running_mean_batch, "gradients.hood_running_mean_batch"),
    (memory_probe.fit_readout, "gradients.hood_fit_readout"),
    (memory_probe.input_sensitivity, "gradients.hood_input_sensitivity"),
    (memory_probe.memory_reach, "gradients.hood_memory_reach"),
)
