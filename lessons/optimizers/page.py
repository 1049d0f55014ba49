"""Lesson: taming the explosion. Gradient clipping, Rprop, momentum, RMSProp, Adam and Newton's method race on
the counting RNN's cost surface."""

import dataclasses

import numpy as np
import streamlit as st

from lessons.counting.controls import data_controls
from lessons.optimizers import LESSON, params
from lessons.optimizers import figures as oc
from lessons.optimizers import readings as lesson
from rnn_core import counting, optim, race
from ui import charts, page, present, urlstate
from ui.code_panel import under_the_hood
from ui.i18n import current_language, t
from ui.numbers import integer, latex, num

PAGE = lesson.PAGE
P, BOOK = params.P, params.BOOK

# The sections in the order the lesson reads (their numbers are their positions).
SECTIONS = LESSON.sections
# px in the settings panel: a runner's name, a number or short choice, Rprop's variant (its names are long)
SETTING_NAME_WIDTH, SETTING_WIDTH, SETTING_CHOICE_WIDTH = 150, 170, 290
SETTING_CHOICES = {"clip_by": (lesson.CLIP_KINDS, SETTING_WIDTH), "rp_var": (lesson.VARIANTS, SETTING_CHOICE_WIDTH)}

page.frame("optimizers.title", "optimizers.intro", PAGE, P.values(), SECTIONS)
st.html(lesson.SURFACE_CSS)
if present.presenting():  # the projector: the race across the whole width (SURFACE_CSS caps it for reading)
    st.html("<style>.st-key-optimizers-race-surface { max-width: none; }</style>")
st.session_state[lesson.SHARED] = lesson.shared(page.values())  # what sections 3-5 are drawn with in this run


# Sections 1-2 are one fragment: section 1's settings decide the race that section 2 steps through, and a click
# on the race's surface moves the start of both. Every section's fragment draws into its section's place
# (:func:`ui.page.places`, at the end of the page); the exercise boxes after the places are the page's.
@page.fragment
def the_race(race_place, step_place) -> None:
    lesson.clicked_start()  # before the start's widgets are drawn
    v = page.values()
    if lesson.shared(v) != st.session_state[lesson.SHARED]:
        st.rerun(scope="app")  # the data set, ξ* or plain descent's η changed: sections 3-5 read them too
    lang, names = current_language(), lesson.runner_names(race.RUNNERS)
    with race_place:
        # 1. The race --------------------------------------------------------------------------------------
        page.prose("optimizers.race_text", lr=num(P["lr_sgd"].default), lr_mom=num(P["lr_mom"].default))
        data_controls(PAGE, P)
        s1, s2, s3, s4 = st.columns(4)
        with s1:
            urlstate.number(PAGE, P["u0"], t("optimizers.u0_label"), format="%.2f")
        with s2:
            urlstate.number(PAGE, P["w0"], t("optimizers.w0_label"), format="%.2f")
        with s3:
            urlstate.number(PAGE, P["iters"], t("optimizers.iters_label"))
        with s4:
            urlstate.number(PAGE, P["goal"], t("optimizers.goal_label"), format="%g", help=t("optimizers.goal_help"))
        if not present.sets_hidden("u0", "w0", "it"):  # the start buttons set these: hidden with any of them
            b1, b2 = st.columns(2)
            b1.button(
                t("optimizers.preset_gd_start", **lesson.point(BOOK["start"])),
                key="optimizers_btn_gd_start",
                on_click=lesson.put,
                kwargs={"u0": BOOK["start"][0], "w0": BOOK["start"][1], "it": 0},
            )
            b2.button(
                t("optimizers.preset_rprop_start", **lesson.point(BOOK["rprop_start"])),
                key="optimizers_btn_rprop_start",
                on_click=lesson.put,
                kwargs={"u0": BOOK["rprop_start"][0], "w0": BOOK["rprop_start"][1], "it": 0},
            )
        urlstate.multichoice(
            PAGE, P["race"], t("optimizers.race_label"), names.get, widget=st.pills, selection_mode="multi"
        )
        with st.expander(t("optimizers.settings_title"), icon=":material/tune:"):
            st.caption(t("optimizers.settings_caption"))
            # One flex row per runner (a phone wraps it): five blocks a runner as columns, sent at every move.
            for runner in lesson.racing_now(v):
                with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
                    st.markdown(f"**{names[runner]}**", width=SETTING_NAME_WIDTH)
                    for name, label, fmt in lesson.HYPER[runner]:
                        if name in SETTING_CHOICES:  # a choice: its options' names, and its width
                            names_of, width = SETTING_CHOICES[name]
                            urlstate.choice(
                                PAGE, P[name], t(label), lambda o, n=names_of: t(n[o]), widget=st.selectbox, width=width
                            )
                        else:
                            urlstate.number(PAGE, P[name], t(label), format=fmt, width=SETTING_WIDTH)

        args = lesson.race_args(v)
        lanes = lesson.race_lanes(args)  # None while a long race waits in the server's queue (its box is drawn)
        if lanes is not None:
            csv = oc.race_csv(*args)  # read once: each cache look-up hashes the race's settings
            oc.show_race(
                oc.race_chart(lang, args),
                args,
                csv=csv,
                where=st.container(key="optimizers-race-surface"),
                key=lesson.SURFACE_KEY,
                # A click sets the start and rewinds: not while the link hides one of those controls.
                on_select="ignore" if present.sets_hidden("u0", "w0", "it") else "rerun",
                selection_mode="cell",
                width="stretch",
                name="optimizers-race-surface",
            )
            st.caption(t("optimizers.surface_caption"))
            if not lanes:
                st.info(t("optimizers.none_racing"), icon=":material/touch_app:")
            else:
                st.container(key="optimizers-table-race").markdown(
                    lesson.standings_table(
                        lanes, lesson.runner_names(lanes), t("optimizers.optimizer"), v["goal"], stopped=True
                    )
                )
                diverged = lesson.diverged_report(lanes, names)
                if diverged:
                    st.error(diverged, icon=":material/error:")
                st.markdown(f"**{t('optimizers.cost_chart')}**")
                cost_panels(lang, args, v["goal"], csv)
                st.caption(t("optimizers.cost_caption", low=num(oc.COST_DOMAIN[0]), high=num(oc.COST_DOMAIN[1])))
                st.markdown(lesson.race_reading(lanes, lesson.runner_names(lanes), v["goal"], v["iters"]))

    # A container of this fragment's own in section 2's place: the nested fragment's slot then belongs to this
    # fragment, which redraws it at each of its runs (Streamlit reserves an outside place per writing fragment).
    with step_place.container():
        stepping()


def cost_panels(lang: str, args: tuple, goal: float, csv: bytes) -> None:
    """The cost chart as small multiples, four to a row (a phone stacks them), and one "Save" menu for all."""
    specs = oc.cost_charts(lang, args, goal)
    runners = list(specs)
    for first in range(0, len(runners), 4):
        for column, runner in zip(st.columns(4), runners[first : first + 4], strict=False):
            column.markdown(f"**{t(lesson.NAMES[runner])}**")
            oc.show_race(specs[runner], args, where=column, save=False, width="stretch", csv=csv)
    url = oc.csv_url(csv, "race")
    charts.save_menu(lambda: oc.cost_figure(lang, args, goal, url), st, "optimizers-race-costs", {url: csv})


# 2. Step through it: its own fragment inside the race's, so that play, pause, the speed, the panel's optimizer
# and the iteration rerun this section alone. While playing, the iteration, the chart and the panel are a
# fragment within it that reruns itself every tick: Streamlit starts a fragment's timer (`run_every`) when the
# fragment is called, which is in this section's run, and stops it when a run of this section no longer calls it.
@page.fragment
def stepping() -> None:
    v = page.values()
    lanes = lesson.race_lanes(lesson.race_args(v), wait=False)
    if lanes is None:  # a long race, still in the server's queue: section 1 says where
        st.info(t("optimizers.step_waits"), icon=":material/hourglass_top:")
        return
    last = max((len(lane.run.params) - 1 for lane in lanes.values()), default=0)
    playing = bool(st.session_state.get(lesson.PLAYING)) and last > 0
    st.session_state[lesson.PLAYING] = playing
    page.prose("optimizers.step_text")
    p1, p2, p3 = st.columns([1, 2, 2], vertical_alignment="bottom")
    if not present.sets_hidden("it"):  # playing moves the iteration: not with its slider hidden
        p1.button(
            t("optimizers.pause") if playing else t("optimizers.play"),
            key="optimizers_btn_play",
            on_click=lesson.toggle_play,
            args=(last,),
            disabled=last == 0,
            type="primary",
            icon=":material/pause:" if playing else ":material/play_arrow:",
        )
    with p2:
        urlstate.choice(
            PAGE, P["speed"], t("optimizers.speed_label"), lambda o: lesson.speed_label(o, last), horizontal=True
        )
    racing_now = lesson.racing_now(v)
    if racing_now:
        focus_key = urlstate.key(PAGE, "focus")
        if st.session_state[focus_key] not in racing_now:
            st.session_state[focus_key] = racing_now[0]
        with p3:
            urlstate.choice(
                PAGE,
                dataclasses.replace(P["focus"], options=tuple(racing_now)),
                t("optimizers.focus_label"),
                lesson.runner_names(racing_now).get,
                widget=st.selectbox,
            )
    if playing:
        playing_steps()
    else:
        steps(playing=False)


@lesson.every_tick(tuple(P.values()))
def playing_steps() -> None:
    steps(playing=True)


def steps(playing: bool) -> None:
    """The iteration slider, the paths so far and one update taken apart; while playing, every run moves on."""
    v = page.values()
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
    oc.show_steps(current_language(), args, i, where=chart_column, save=not playing)
    focus = st.session_state[urlstate.key(PAGE, "focus")]
    name = lesson.runner_names([focus])[focus]
    detail = race.update_at(lanes[focus], i)
    if detail is None:
        panel.info(t("optimizers.no_update", name=name), icon=":material/error:")
        return
    j = detail["iteration"]
    (u, w), (u1, w1) = detail["position"], detail["new_position"]
    panel.markdown(
        t(
            "optimizers.panel_title",
            name=name,
            iteration=integer(j),
            U=num(u, 4),
            W=num(w, 4),
            U1=num(u1, 4),
            W1=num(w1, 4),
        )
    )
    if j < i:
        panel.caption(t("optimizers.panel_ended", name=name, iteration=integer(j)))
    for rule in lesson.RULES[focus]:
        panel.latex(rule)
    if focus in lesson.RULE_NOTES:
        panel.caption(t(lesson.RULE_NOTES[focus], k=integer(j + 1)))
    panel.markdown(oc.vector_table(lesson.panel_rows(focus, detail), (t("optimizers.quantity"), "U", "W")))
    panel.markdown(
        t(
            "optimizers.panel_numbers",
            cost=lesson.number(detail["cost"]),
            grad_norm=lesson.number(float(np.hypot(*detail["gradient"]))),
            step_length=lesson.number(float(np.hypot(*detail["step"]))),
        )
    )
    if focus == "clip":
        panel.caption(
            t(
                "optimizers.panel_clip" if v["clip_by"] == "norm" else "optimizers.panel_clip_value",
                raw=lesson.number(detail["raw_norm"]),
                threshold=num(v["clip"]),
            )
        )
    if focus == "newton":
        l1, l2 = detail["eigenvalues"]
        shape = {
            "saddle": "optimizers.panel_newton_saddle",
            "bowl": "optimizers.panel_newton_bowl",
            "cap": "optimizers.panel_newton_cap",
            "flat": "optimizers.panel_newton_flat",
        }[lesson.curvature_shape(detail["eigenvalues"])]
        panel.caption(
            t("optimizers.panel_newton", l1=lesson.number(l1), l2=lesson.number(l2), damping=num(v["damp"]))
            + " "
            + t(shape)
        )


# 3. Clipping: its own fragment (threshold, iteration, the button). It reads ξ* from section 1, which reruns the
# page when ξ* changes.
@page.fragment
def clipping(place) -> None:
    v = page.values()
    lang, data = current_language(), lesson.data_args(v)
    with place:
        page.prose(
            "optimizers.clip_text",
            u0=num(BOOK["start"][0]),
            w0=num(BOOK["start"][1]),
            lr=num(BOOK["lr"]),
            iterations=integer(BOOK["iters"]),
        )
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
            k1.metric(t("optimizers.plain_diverges"), integer(runs["plain"].run.diverged_at))
        else:
            k1.metric(t("optimizers.plain_cost"), lesson.number(runs["plain"].run.costs[-1]))
        k2.metric(t("optimizers.final_cost_norm"), lesson.number(runs["norm"].run.costs[-1]))
        k3.metric(t("optimizers.final_cost_value"), lesson.number(runs["value"].run.costs[-1]))
        low_factor, high_factor = race.PASCANU_RANGE
        page.prose(
            "optimizers.pascanu",
            average=lesson.number(average),
            low=lesson.number(low_factor * average),
            high=lesson.number(high_factor * average),
            low_factor=num(low_factor),
            high_factor=num(high_factor),
            ratio=num(threshold / average) if average > 0 else "—",
        )
        if not present.sets_hidden("cth"):  # it sets c: hidden with c's slider
            st.button(
                t("optimizers.use_average"),
                key="optimizers_btn_average",
                on_click=lesson.put,
                kwargs={"cth": float(min(round(average / 5) * 5, P["cth"].hi))},
            )
        st.markdown(f"**{t('optimizers.norm_chart')}**")
        oc.show_reading(
            oc.norm_chart(lang, data, threshold, iteration),
            oc.clipping_csv(data, threshold),
            "clipping",
            name="optimizers-clipping-norms",
        )
        st.caption(t("optimizers.norm_caption"))
        for column, by in zip(st.columns(2), race.CLIP_KINDS, strict=True):
            detail = race.update_at(runs[by], iteration)
            column.markdown(f"**{t(lesson.CLIP_KINDS[by])}**")
            if detail is None:
                column.info(t("optimizers.no_update", name=t(lesson.CLIP_KINDS[by])), icon=":material/error:")
                continue
            charts.show(
                oc.plane_chart(lang, data, threshold, iteration, by),
                where=column,
                width="content",
                name=f"optimizers-clipped-by-{by}",
            )
            raw, cut = detail["gradient"], detail["clipped_grad"]
            column.caption(
                t(
                    "optimizers.arrow_caption",
                    iteration=integer(detail["iteration"]),
                    raw_u=num(raw[0]),
                    raw_w=num(raw[1]),
                    cut_u=num(cut[0]),
                    cut_w=num(cut[1]),
                    raw_norm=lesson.number(float(np.hypot(*raw))),
                    cut_norm=lesson.number(float(np.hypot(*cut))),
                    turn=num(race.turn_angle(raw, cut), 2),
                )
            )
        st.markdown(lesson.clip_reading(data, threshold))
        st.markdown(lesson.clip_outcome(runs["norm"], v["goal"]) + " " + t("optimizers.clip_try"))


# 4. Rprop: its own fragment (Δ₀ of the three variants). It reads the data set and ξ* from section 1.
@page.fragment
def rprop(place) -> None:
    v = page.values()
    lang, data = current_language(), lesson.data_args(v)
    with place:
        book = lesson.book_rprop()
        book_norms = np.hypot(book.run.grads[:, 0], book.run.grads[:, 1])
        page.prose(
            "optimizers.rprop_text",
            eta_plus=num(race.ETA_PLUS),
            eta_minus=num(race.ETA_MINUS),
            gmin=lesson.number(book_norms.min()),
            gmax=lesson.number(book_norms.max()),
        )
        # Conditions in symbols, not words: the same formula reads in both languages.
        st.latex(
            r"\Delta_t = \begin{cases} \eta^{+}\,\Delta_{t-1}, & \operatorname{sign} g_t = "
            r"\operatorname{sign} g_{t-1} \\ \eta^{-}\,\Delta_{t-1}, & \operatorname{sign} g_t \ne "
            r"\operatorname{sign} g_{t-1} \end{cases}"
        )
        st.latex(r"w_{t+1} = w_t - \operatorname{sign}(g_t)\, \Delta_t\;")  # \; : room for the subscript
        st.latex(rf"\eta^{{+}} = {latex(race.ETA_PLUS)},\quad \eta^{{-}} = {latex(race.ETA_MINUS)}")
        r1, r2, r3 = st.columns(3)
        r1.metric(t("optimizers.book_final_u"), num(book.run.params[-1, 0], 5))
        r2.metric(t("optimizers.book_final_w"), num(book.run.params[-1, 1], 5))
        r3.metric(t("optimizers.book_final_cost"), lesson.number(book.run.costs[-1]))
        st.markdown(lesson.book_rprop_text(book))
        with st.columns(3)[0]:
            urlstate.number(PAGE, P["rd0"], t("optimizers.rd0_label"), format="%g")
        step0 = v["rd0"]
        st.markdown(f"**{t('optimizers.delta_chart')}**")
        for column, weight in zip(st.columns(2), race.KEYS, strict=True):
            charts.show(
                oc.delta_chart(lang, data, step0, weight), where=column, name=f"optimizers-rprop-delta-{weight}"
            )
        variants = lesson.rprop_variants(data, step0)
        st.container(key="optimizers-table-variants").markdown(
            lesson.standings_table(
                variants,
                {k: t(lesson.VARIANTS[k]) for k in variants},
                t("optimizers.variant_label"),
                v["goal"],
                stopped=False,
            )
        )
        page.prose(
            "optimizers.variants_text", low=num(optim.PYTORCH_STEP_BOUNDS[0]), high=num(optim.PYTORCH_STEP_BOUNDS[1])
        )


# 5. Second order: its own fragment (the point, the damping, the preset points). It reads the data set and plain
# descent's η from section 1.
@page.fragment
def newton(place) -> None:
    v = page.values()
    with place:
        page.prose("optimizers.newton_text")
        f1, f2 = st.columns(2)
        f1.markdown(f"**{t('optimizers.formula_gradient')}**")
        f1.latex(r"\Delta w = -\eta\, g")
        f2.markdown(f"**{t('optimizers.formula_newton')}**")
        f2.latex(r"\Delta w = -(|H| + \delta I)^{-1} g")
        st.markdown(f"**{t('optimizers.formula_hessian')}**")
        st.latex(
            r"H = \begin{pmatrix} \dfrac{\partial^2\xi}{\partial U^2} & \dfrac{\partial^2\xi}{\partial U\,"
            r"\partial W} \\[1.2em] \dfrac{\partial^2\xi}{\partial W\,\partial U} & "
            r"\dfrac{\partial^2\xi}{\partial W^2} \end{pmatrix}\;"
        )
        n1, n2, n3 = st.columns(3)
        with n1:
            urlstate.slider(PAGE, P["nu"], t("optimizers.nu_label"))
        with n2:
            urlstate.slider(PAGE, P["nw"], t("optimizers.nw_label"))
        with n3:
            urlstate.number(PAGE, P["ndamp"], t("optimizers.ndamp_label"), format="%g")
        if not present.sets_hidden("nu", "nw"):  # the places set both: hidden with either control
            places = list(params.NEWTON_PRESETS.items())
            for pair in (places[:2], places[2:]):  # two rows of two (a phone stacks them in this order)
                for column, (button_key, (label, pu, pw)) in zip(st.columns(2), pair, strict=True):
                    column.button(
                        t(label, **lesson.point((pu, pw))),
                        key=button_key,
                        on_click=lesson.put,
                        kwargs={"nu": pu, "nw": pw},
                        width="stretch",
                    )
        data = lesson.data_args(v)
        here = lesson.steps(data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"])
        e1, e2, e3 = st.columns([2, 1, 1])
        hu, huw, _, hw = (latex(h) for h in here["hessian"].ravel())
        e1.latex(rf"H = \begin{{pmatrix}} {hu} & {huw} \\ {huw} & {hw} \end{{pmatrix}}")
        e2.metric(t("optimizers.lambda1"), lesson.number(here["eigenvalues"][0]))
        e3.metric(t("optimizers.lambda2"), lesson.number(here["eigenvalues"][1]))
        g1, g2 = st.columns([1, 1])
        charts.show(
            oc.newton_chart(current_language(), data, v["nu"], v["nw"], v["lr_sgd"], v["ndamp"]),
            where=g1,
            width="content",
            name="optimizers-newton-step",
        )
        names = lesson.step_names(v["lr_sgd"], v["ndamp"])
        g2.container(key="optimizers-table-steps").markdown(lesson.steps_table(here, names))
        g2.caption(t("optimizers.cost_here_caption", cost=lesson.number(here["cost"])))
        for sentence in lesson.newton_readings(here, names, v["ndamp"]):
            g2.markdown(sentence)
        page.prose("optimizers.newton_reading")


# The sections' fragments draw into the sections' places; the exercise boxes after them are the page's, so a move
# does not redraw them (each is about fifteen elements and a nested fragment).
race_place, step_place, clip_place, rprop_place, newton_place = page.places(
    PAGE,
    ("optimizers.race_header", "optimizers_race_winner"),
    ("optimizers.step_header", "optimizers_rprop_first_step"),
    ("optimizers.clip_header", "optimizers_clipped_step"),
    ("optimizers.rprop_header", "optimizers_rprop_start"),
    ("optimizers.newton_header", "optimizers_curvature"),
)
the_race(race_place, step_place)
clipping(clip_place)
rprop(rprop_place)
newton(newton_place)
under_the_hood(
    (race.make_optimizer, "optimizers.hood_make_optimizer"),
    (race.clipper, "optimizers.hood_clipper"),
    (race.race, "optimizers.hood_race"),
    (race.run_lane, "optimizers.hood_run_lane"),
    (counting.fit, "optimizers.hood_fit"),
    (counting.first_overflow, "optimizers.hood_first_overflow"),
    (optim.apply_updates, "optimizers.hood_apply_updates"),
    (race.lane_of, "optimizers.hood_lane_of"),
    (race.state_series, "optimizers.hood_state_series"),
    (race.standing, "optimizers.hood_standing"),
    (race.first_below, "optimizers.hood_first_below"),
    (race.summary, "optimizers.hood_summary"),
    (race.reversals, "optimizers.hood_reversals"),
    (race.bouncing, "optimizers.hood_bouncing"),
    (race.update_at, "optimizers.hood_update_at"),
    (optim.sgd, "optimizers.hood_sgd"),
    (optim.chain, "optimizers.hood_chain"),
    (optim.global_norm, "optimizers.hood_global_norm"),
    (optim.clip_by_global_norm, "optimizers.hood_clip_by_global_norm"),
    (optim.clip_by_value, "optimizers.hood_clip_by_value"),
    (optim.momentum, "optimizers.hood_momentum"),
    (optim.rmsprop, "optimizers.hood_rmsprop"),
    (optim.adam, "optimizers.hood_adam"),
    (race.average_gradient_norm, "optimizers.hood_average_gradient_norm"),
    (race.turn_angle, "optimizers.hood_turn_angle"),
    (race.descent_limit, "optimizers.hood_descent_limit"),
    (optim.rprop, "optimizers.hood_rprop"),
    (optim.adapt_step_size, "optimizers.hood_adapt_step_size"),
    (optim.rprop_minus_step, "optimizers.hood_rprop_minus_step"),
    (optim.rprop_plus_step, "optimizers.hood_rprop_plus_step"),
    (optim.irprop_minus_step, "optimizers.hood_irprop_minus_step"),
    (race.distance_to_optimum, "optimizers.hood_distance_to_optimum"),
    (counting.hessian, "optimizers.hood_hessian"),
    (counting.hessian_polynomials, "optimizers.hood_hessian_polynomials"),
    (counting.hessian_entries, "optimizers.hood_hessian_entries"),
    (race.steps_at, "optimizers.hood_steps_at"),
    (optim.newton_step, "optimizers.hood_newton_step"),
    (optim.saddle_free_step, "optimizers.hood_saddle_free_step"),
    (optim.symmetric_eigen, "optimizers.hood_symmetric_eigen"),
    (optim.newton, "optimizers.hood_newton"),
    (race.step_verdict, "optimizers.hood_step_verdict"),
    (counting.cost_surface, "optimizers.hood_cost_surface"),
)
