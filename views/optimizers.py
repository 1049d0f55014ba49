"""Lesson: taming the explosion. Gradient clipping, Rprop, momentum, RMSProp, Adam and Newton's method race on
the counting RNN's cost surface."""

import dataclasses

import numpy as np
import streamlit as st

from rnn_core import counting, optim, race
from ui import charts, divergence, page, urlstate
from ui import optimizers as lesson
from ui import optimizers_charts as oc
from ui.code_panel import under_the_hood
from ui.i18n import current_language, t
from ui.urlstate import Param

PAGE, BOOK = lesson.PAGE, lesson.BOOK

P = {p.name: p for p in (
    Param("data", "book", "choice", options=("book", "generated")),
    Param("n", 50, "int", 1, 500),
    Param("len", 10, "int", 1, 50),
    Param("seed", 1, "int", 0, 999_999),
    Param("u0", BOOK["gd_start"][0], "float", -3.0, 3.0, 0.1),
    Param("w0", BOOK["gd_start"][1], "float", -3.0, 3.0, 0.1),
    Param("iters", BOOK["iters"], "int", 1, 5000),
    Param("goal", 1.0, "float", 0.0, 1e6, 0.1),
    Param("race", race.RUNNERS, "multi", options=race.RUNNERS),
    Param("lr_sgd", BOOK["lr"], "float", 1e-7, 1.0, 0.0001),
    Param("lr_clip", BOOK["lr"], "float", 1e-7, 1.0, 0.0001),
    Param("clip", 50.0, "float", 0.0, 2000.0, 5.0),
    Param("clip_by", "norm", "choice", options=race.CLIP_KINDS),
    Param("lr_mom", 2e-5, "float", 1e-7, 1.0, 1e-5),
    Param("mu", 0.9, "float", 0.0, 0.99, 0.01),
    Param("lr_rms", 0.05, "float", 1e-5, 1.0, 0.01),
    Param("decay", 0.9, "float", 0.0, 0.999, 0.01),
    Param("lr_adam", 0.1, "float", 1e-5, 1.0, 0.01),
    Param("rp_var", "rprop-", "choice", options=optim.RPROP_VARIANTS),
    Param("rp_d0", BOOK["step0"], "float", 1e-6, 1.0, 0.001),
    Param("damp", 10.0, "float", 0.0, 1e6, 10.0),
    Param("it", 0, "int", 0, 5000),
    Param("focus", "rprop", "choice", options=race.RUNNERS),
    Param("speed", "auto", "choice", options=("auto", "1", "5", "25")),
    Param("cth", 50.0, "float", 0.0, 2000.0, 5.0),
    Param("cit", 37, "int", 0, BOOK["iters"] - 1),
    Param("rd0", BOOK["step0"], "float", 1e-6, 1.0, 0.001),
    Param("nu", BOOK["gd_start"][0], "float", -3.0, 3.0, 0.05),
    Param("nw", BOOK["gd_start"][1], "float", -3.0, 3.0, 0.05),
    Param("ndamp", 100.0, "float", 0.0, 1e6, 10.0),
)}


def values() -> dict:
    """The page's current settings (fragments read them here, so each sees what the others last set)."""
    return {name: st.session_state[urlstate.key(PAGE, name)] for name in P}


urlstate.bind_page(PAGE, P.values())
page.frame("optimizers.title", "optimizers.intro", PAGE, P.values())
st.session_state[lesson.SHARED] = lesson.shared(values())  # what sections 3-5 are drawn with in this run


# Sections 1-2 are one fragment: section 1's settings decide the race that section 2 steps through, and a click
# on the race's surface moves the start of both.
@page.fragment
def the_race() -> None:
    lesson.clicked_start()  # before the start's widgets are drawn
    v = values()
    if lesson.shared(v) != st.session_state[lesson.SHARED]:
        st.rerun(scope="app")  # the data set, ξ* or plain descent's η changed: sections 3-5 read them too
    lang, names = current_language(), lesson.runner_names(race.RUNNERS)
    # 1. The race ------------------------------------------------------------------------------------------
    page.section("optimizers.race_header")
    st.markdown(t("optimizers.race_text", lr=divergence.fmt(P["lr_sgd"].default),
                  lr_mom=divergence.fmt(P["lr_mom"].default)))
    page.counting_data_controls(PAGE, P)
    s1, s2, s3, s4 = st.columns(4)
    with s1:
        urlstate.number(PAGE, P["u0"], t("optimizers.u0_label"), format="%.2f")
    with s2:
        urlstate.number(PAGE, P["w0"], t("optimizers.w0_label"), format="%.2f")
    with s3:
        urlstate.number(PAGE, P["iters"], t("optimizers.iters_label"))
    with s4:
        urlstate.number(PAGE, P["goal"], t("optimizers.goal_label"), format="%g", help=t("optimizers.goal_help"))
    b1, b2, _ = st.columns([3, 2, 2])
    b1.button(t("optimizers.preset_gd_start", **lesson.point(BOOK["gd_start"])), key="optimizers_btn_gd_start",
              on_click=lesson.put, kwargs={"u0": BOOK["gd_start"][0], "w0": BOOK["gd_start"][1], "it": 0})
    b2.button(t("optimizers.preset_rprop_start", **lesson.point(BOOK["rprop_start"])),
              key="optimizers_btn_rprop_start", on_click=lesson.put,
              kwargs={"u0": BOOK["rprop_start"][0], "w0": BOOK["rprop_start"][1], "it": 0})
    urlstate.multichoice(PAGE, P["race"], t("optimizers.race_label"), names.get, widget=st.pills,
                         selection_mode="multi")
    with st.expander(t("optimizers.settings_title"), icon="⚙️"):
        st.caption(t("optimizers.settings_caption"))
        for runner in lesson.racing_now(v):
            row = st.columns([1.3, 1, 1, 1], vertical_alignment="bottom")
            row[0].markdown(f"**{names[runner]}**")
            for column, (name, label, fmt) in zip(row[1:], lesson.HYPER[runner], strict=False):
                with column:
                    if name == "clip_by":
                        urlstate.choice(PAGE, P[name], t(label), lambda o: t(lesson.CLIP_KINDS[o]),
                                        widget=st.selectbox)
                    elif name == "rp_var":
                        urlstate.choice(PAGE, P[name], t(label), lambda o: t(lesson.VARIANTS[o]),
                                        widget=st.selectbox)
                    else:
                        urlstate.number(PAGE, P[name], t(label), format=fmt)

    args = lesson.race_args(v)
    lanes = lesson.racing(*args)
    lesson.show_race(lesson.race_chart(lang, args), args, key=lesson.SURFACE_KEY, on_select="rerun",
                     selection_mode="cell", width="content")
    st.caption(t("optimizers.surface_caption"))
    if not lanes:
        st.info(t("optimizers.none_racing"), icon="👆")
    else:
        st.table(lesson.standings_table(lanes, lesson.runner_names(lanes), t("optimizers.optimizer"), v["goal"],
                                        stopped=True))
        diverged = lesson.diverged_report(lanes, names)
        if diverged:
            st.error(diverged, icon="💥")
        st.markdown(f"**{t('optimizers.cost_chart')}**")
        lesson.show_race(lesson.cost_chart(lang, args, v["goal"]), args)
        st.caption(t("optimizers.cost_caption", low=lesson.power_of_ten(lesson.COST_DOMAIN[0]),
                     high=lesson.power_of_ten(lesson.COST_DOMAIN[1])))
        st.markdown(lesson.race_reading(lanes, lesson.runner_names(lanes), v["goal"], v["iters"]))

    stepping()


# 2. Step through it: its own fragment inside the race's, so that play, pause, the speed, the panel's optimizer
# and the iteration rerun this section alone. While playing, the iteration, the chart and the panel are a
# fragment within it that reruns itself every tick: Streamlit starts a fragment's timer (`run_every`) when the
# fragment is called, which is in this section's run, and stops it when a run of this section no longer calls it.
@page.fragment
def stepping() -> None:
    v = values()
    lanes = lesson.racing(*lesson.race_args(v))
    last = max((len(lane.run.params) - 1 for lane in lanes.values()), default=0)
    playing = bool(st.session_state.get(lesson.PLAYING)) and last > 0
    st.session_state[lesson.PLAYING] = playing
    page.section("optimizers.step_header")
    st.markdown(t("optimizers.step_text"))
    p1, p2, p3 = st.columns([1, 2, 2], vertical_alignment="bottom")
    p1.button(t("optimizers.pause") if playing else t("optimizers.play"), key="optimizers_btn_play",
              on_click=lesson.toggle_play, args=(last,), disabled=last == 0, type="primary")
    with p2:
        urlstate.choice(PAGE, P["speed"], t("optimizers.speed_label"), lambda o: lesson.speed_label(o, last),
                        horizontal=True)
    racing_now = lesson.racing_now(v)
    if racing_now:
        focus_key = urlstate.key(PAGE, "focus")
        if st.session_state[focus_key] not in racing_now:
            st.session_state[focus_key] = racing_now[0]
        with p3:
            urlstate.choice(PAGE, dataclasses.replace(P["focus"], options=tuple(racing_now)),
                            t("optimizers.focus_label"), lesson.runner_names(racing_now).get, widget=st.selectbox)
    if playing:
        playing_steps()
    else:
        steps(playing=False)


@lesson.every_tick(tuple(P.values()))
def playing_steps() -> None:
    steps(playing=True)


def steps(playing: bool) -> None:
    """The iteration slider, the paths so far and one update taken apart; while playing, every run moves on."""
    v = values()
    args = lesson.race_args(v)
    lanes = lesson.racing(*args)
    last = max((len(lane.run.params) - 1 for lane in lanes.values()), default=0)
    lesson.advance(last, v["speed"])
    if playing and not st.session_state[lesson.PLAYING]:
        # The last iteration. A tick reruns this fragment alone, and nothing a fragment does in its own run
        # reaches its timer (`st.rerun(scope="fragment")` reruns the same body), so the page reruns once.
        st.rerun(scope="app")
    if last > 0:
        urlstate.slider(PAGE, dataclasses.replace(P["it"], hi=last), t("optimizers.it_label"))
    i = st.session_state[urlstate.key(PAGE, "it")]
    if not lanes:
        return
    chart_column, panel = st.columns([5, 4])
    lesson.show_steps(current_language(), args, i, where=chart_column)
    focus = st.session_state[urlstate.key(PAGE, "focus")]
    name = lesson.runner_names([focus])[focus]
    detail = race.update_at(lanes[focus], i)
    if detail is None:
        panel.info(t("optimizers.no_update", name=name), icon="💥")
        return
    j = detail["iteration"]
    panel.markdown(t("optimizers.panel_title", name=name, iteration=j,
                     U=f"{detail['position'][0]:.4g}", W=f"{detail['position'][1]:.4g}",
                     U1=f"{detail['new_position'][0]:.4g}", W1=f"{detail['new_position'][1]:.4g}"))
    if j < i:
        panel.caption(t("optimizers.panel_ended", name=name, iteration=j))
    panel.latex(lesson.RULES[focus])
    panel.markdown(oc.vector_table(lesson.panel_rows(focus, detail), (t("optimizers.quantity"), "U", "W")))
    panel.markdown(t("optimizers.panel_numbers", cost=lesson.number(detail["cost"]),
                     grad_norm=lesson.number(float(np.hypot(*detail["gradient"]))),
                     step_length=lesson.number(float(np.hypot(*detail["step"])))))
    if focus == "clip":
        panel.caption(t("optimizers.panel_clip" if v["clip_by"] == "norm" else "optimizers.panel_clip_value",
                        raw=lesson.number(detail["raw_norm"]), threshold=lesson.number(v["clip"])))
    if focus == "newton":
        panel.caption(t("optimizers.panel_newton", l1=lesson.number(detail["eigenvalues"][0]),
                        l2=lesson.number(detail["eigenvalues"][1]), damping=lesson.number(v["damp"])))


# 3. Clipping: its own fragment (threshold, iteration, the button). It reads ξ* from section 1, which reruns the
# page when ξ* changes.
@page.fragment
def clipping() -> None:
    v = values()
    lang, data = current_language(), lesson.data_args(v)
    page.section("optimizers.clip_header")
    st.markdown(t("optimizers.clip_text", u0=lesson.coordinate(BOOK["gd_start"][0]),
                  w0=lesson.coordinate(BOOK["gd_start"][1]), lr=divergence.fmt(BOOK["lr"]), iterations=BOOK["iters"]))
    f1, f2 = st.columns(2)
    f1.markdown(f"**{t(lesson.CLIP_KINDS['norm'])}**")
    f1.latex(r"\|g\| \ge c \;\Rightarrow\; g \leftarrow \frac{c}{\|g\|}\, g")
    f2.markdown(f"**{t(lesson.CLIP_KINDS['value'])}**")
    f2.latex(r"g_i \leftarrow \min(\max(g_i, -c), c)")
    c1, c2 = st.columns(2)
    with c1:
        urlstate.slider(PAGE, P["cth"], t("optimizers.cth_label"))
    with c2:
        urlstate.slider(PAGE, P["cit"], t("optimizers.cit_label"))
    threshold, iteration = v["cth"], v["cit"]
    runs = lesson.clipping_runs(data, threshold)
    average = race.average_gradient_norm(runs["norm"].run.grads)
    k1, k2, k3 = st.columns(3)
    if runs["plain"].run.diverged_at is not None:
        k1.metric(t("optimizers.plain_diverges"), str(runs["plain"].run.diverged_at))
    else:
        k1.metric(t("optimizers.plain_cost"), lesson.number(runs["plain"].run.costs[-1]))
    k2.metric(t("optimizers.final_cost_norm"), lesson.number(runs["norm"].run.costs[-1]))
    k3.metric(t("optimizers.final_cost_value"), lesson.number(runs["value"].run.costs[-1]))
    low_factor, high_factor = race.PASCANU_RANGE
    st.markdown(t("optimizers.pascanu", average=lesson.number(average), low=lesson.number(low_factor * average),
                  high=lesson.number(high_factor * average), low_factor=f"{low_factor:g}",
                  high_factor=f"{high_factor:g}", ratio=lesson.number(threshold / average) if average > 0 else "—"))
    st.button(t("optimizers.use_average"), key="optimizers_btn_average", on_click=lesson.put,
              kwargs={"cth": float(min(round(average / 5) * 5, P["cth"].hi))})
    st.markdown(f"**{t('optimizers.norm_chart')}**")
    lesson.show_reading(lesson.norm_chart(lang, data, threshold, iteration), lesson.clipping_csv(data, threshold),
                        "clipping")
    st.caption(t("optimizers.norm_caption"))
    for column, by in zip(st.columns(2), race.CLIP_KINDS, strict=True):
        detail = race.update_at(runs[by], iteration)
        column.markdown(f"**{t(lesson.CLIP_KINDS[by])}**")
        if detail is None:
            column.info(t("optimizers.no_update", name=t(lesson.CLIP_KINDS[by])), icon="💥")
            continue
        charts.show(lesson.plane_chart(lang, data, threshold, iteration, by), where=column, width="content",
                    name=f"optimizers-clipped-by-{by}")
        raw, cut = detail["gradient"], detail["clipped_grad"]
        column.caption(t("optimizers.arrow_caption", iteration=detail["iteration"], raw_u=f"{raw[0]:.4g}",
                         raw_w=f"{raw[1]:.4g}", cut_u=f"{cut[0]:.4g}", cut_w=f"{cut[1]:.4g}",
                         raw_norm=lesson.number(float(np.hypot(*raw))), cut_norm=lesson.number(float(np.hypot(*cut))),
                         turn=f"{race.turn_angle(raw, cut):.1f}"))
    st.markdown(lesson.clip_reading(data, threshold))
    st.markdown(lesson.clip_outcome(runs["norm"], v["goal"]) + " " + t("optimizers.clip_try"))


# 4. Rprop: its own fragment (Δ₀ of the three variants). It reads the data set and ξ* from section 1.
@page.fragment
def rprop() -> None:
    v = values()
    lang, data = current_language(), lesson.data_args(v)
    page.section("optimizers.rprop_header")
    book = lesson.book_rprop()
    book_norms = np.hypot(book.run.grads[:, 0], book.run.grads[:, 1])
    st.markdown(t("optimizers.rprop_text", eta_plus=f"{race.ETA_PLUS:g}", eta_minus=f"{race.ETA_MINUS:g}",
                  gmin=lesson.number(book_norms.min()), gmax=lesson.number(book_norms.max())))
    st.latex(r"\Delta_t = \begin{cases} \eta^{+}\Delta_{t-1} & \text{if } g_t\, g_{t-1} > 0 \\ "
             r"\eta^{-}\Delta_{t-1} & \text{otherwise} \end{cases}\qquad "
             r"w_{t+1} = w_t - \mathrm{sign}(g_t)\, \Delta_t"
             rf"\qquad \eta^{{+}} = {race.ETA_PLUS:g},\ \eta^{{-}} = {race.ETA_MINUS:g}")
    r1, r2, r3 = st.columns(3)
    r1.metric(t("optimizers.book_final_u"), f"{book.run.params[-1, 0]:.4f}")
    r2.metric(t("optimizers.book_final_w"), f"{book.run.params[-1, 1]:.4f}")
    r3.metric(t("optimizers.book_final_cost"), lesson.number(book.run.costs[-1]))
    st.markdown(lesson.book_rprop_text(book))
    with st.columns(3)[0]:
        urlstate.number(PAGE, P["rd0"], t("optimizers.rd0_label"), format="%g")
    step0 = v["rd0"]
    st.markdown(f"**{t('optimizers.delta_chart')}**")
    for column, weight in zip(st.columns(2), race.KEYS, strict=True):
        charts.show(lesson.delta_chart(lang, data, step0, weight), where=column,
                    name=f"optimizers-rprop-delta-{weight}")
    variants = lesson.rprop_variants(data, step0)
    st.table(lesson.standings_table(variants, {k: t(lesson.VARIANTS[k]) for k in variants},
                                    t("optimizers.variant_label"), v["goal"], stopped=False))
    st.markdown(t("optimizers.variants_text"))


# 5. Second order: its own fragment (the point, the damping, the preset points). It reads the data set and plain
# descent's η from section 1.
@page.fragment
def newton() -> None:
    v = values()
    page.section("optimizers.newton_header")
    st.markdown(t("optimizers.newton_text"))
    f1, f2, f3 = st.columns(3)
    f1.markdown(f"**{t('optimizers.formula_gradient')}**")
    f1.latex(r"\Delta w = -\eta\, g")
    f2.markdown(f"**{t('optimizers.formula_newton')}**")
    f2.latex(r"\Delta w = -(|H| + \delta I)^{-1} g")
    f3.markdown(f"**{t('optimizers.formula_hessian')}**")
    f3.latex(r"H = \begin{pmatrix} \partial^2\xi/\partial U^2 & \partial^2\xi/\partial U\partial W \\ "
             r"\partial^2\xi/\partial W\partial U & \partial^2\xi/\partial W^2 \end{pmatrix}")
    n1, n2, n3 = st.columns(3)
    with n1:
        urlstate.slider(PAGE, P["nu"], t("optimizers.nu_label"))
    with n2:
        urlstate.slider(PAGE, P["nw"], t("optimizers.nw_label"))
    with n3:
        urlstate.number(PAGE, P["ndamp"], t("optimizers.ndamp_label"), format="%g")
    for column, (button_key, (label, pu, pw)) in zip(st.columns(len(lesson.PLACES)), lesson.PLACES.items(),
                                                     strict=True):
        column.button(t(label, **lesson.point((pu, pw))), key=button_key, on_click=lesson.put,
                      kwargs={"nu": pu, "nw": pw}, width="stretch")
    data = lesson.data_args(v)
    here = lesson.steps(data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"])
    e1, e2, e3 = st.columns([2, 1, 1])
    hu, huw, _, hw = (lesson.latex_number(h) for h in here["hessian"].ravel())
    e1.latex(rf"H = \begin{{pmatrix}} {hu} & {huw} \\ {huw} & {hw} \end{{pmatrix}}")
    e2.metric(t("optimizers.lambda1"), lesson.number(here["eigenvalues"][0]))
    e3.metric(t("optimizers.lambda2"), lesson.number(here["eigenvalues"][1]))
    g1, g2 = st.columns([4, 3])
    charts.show(lesson.newton_chart(current_language(), data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"]), where=g1,
                width="content", name="optimizers-newton-step")
    names = lesson.step_names(v["lr_sgd"], v["ndamp"])
    g2.dataframe(lesson.steps_table(here, names), hide_index=True)
    g2.caption(t("optimizers.cost_here_caption", cost=lesson.number(here["cost"])))
    for sentence in lesson.newton_readings(here, names, v["ndamp"]):
        g2.markdown(sentence)
    st.markdown(t("optimizers.newton_reading"))


the_race()
clipping()
rprop()
newton()
under_the_hood(race.make_optimizer, race.race, race.run_lane, race.state_series, race.standing, race.summary,
               race.reversals, race.bouncing, race.update_at, race.steps_at, race.step_verdict, race.descent_limit,
               counting.fit, counting.fit_many, counting._Run, counting._evaluate_batch, counting.hessian, optim.chain,
               optim.clip_by_global_norm, optim.clip_by_value, optim.momentum, optim.rmsprop, optim.adam, optim.rprop,
               optim.newton_step)
