"""Home: what a recurrent network is, shown on a small RNN the student feeds, and a map of the lessons."""

import numpy as np
import streamlit as st

from lessons.home import LESSON, figures
from lessons.home import readings as lesson
from lessons.home.params import ACTIVATION_NAMES, INPUT_LIMIT, MAX_STEPS, PARAMS, P
from rnn_core import intro, vanilla
from ui import charts, page, present, registry, urlstate
from ui.code_panel import under_the_hood
from ui.errors import show_input_error
from ui.i18n import current_language, t
from ui.numbers import integer, num

PAGE = lesson.PAGE

# The sections in the order the lesson reads (their numbers are their positions).
SECTIONS = LESSON.sections

page.frame("home.title", "home.intro", PAGE, PARAMS, SECTIONS)
st.html(figures.UNROLLED_CSS)


def network(v: dict) -> tuple:
    """The typed sequence (the default one when it cannot be read) and the network's settings, one cache key."""
    x, _ = lesson.read_sequence(v["x"])
    return x, v["act"], v["hidden"], v["seed"], v["scale"]


# Sections 1-3 are one fragment: the sequence typed in section 2 sets how many steps section 1's unrolled
# picture shows, and section 2's network and sequence are what section 3 nudges. Section 3 is a fragment of its
# own inside it, so that moving δ reruns section 3 alone. The fragments draw into the sections' places
# (:func:`ui.page.places`); the exercise boxes after them are drawn by the page, so a move does not redraw them.
@page.fragment
def feed_a_sequence(recurrence, feed, nudge) -> None:
    v = page.values()
    settings = network(v)
    steps = len(settings[0])
    with recurrence:
        # 1. The recurrence -------------------------------------------------------------------------------
        st.latex(r"S_t = f(S_{t-1},\, X_t) = f(S_{t-1} W + X_t U + b)")
        page.prose("home.recurrence_text")
        folded, unrolled = st.columns([1, 3])
        folded.graphviz_chart(
            present.diagram(
                figures.folded_rnn(
                    {"input": t("home.node_input"), "state": t("home.node_state"), "output": t("home.node_output")}
                )
            ),
            alt=t("home.folded_alt"),
        )
        folded.caption(t("home.folded_caption"))
        alt = t("home.unrolled_alt", steps=integer(steps))  # one of the two is shown, by the screen's width
        unrolled.container(key="home-unrolled-wide").graphviz_chart(
            present.diagram(figures.unrolled_rnn(steps)), alt=alt
        )
        unrolled.container(key="home-unrolled-stacked").graphviz_chart(
            present.diagram(figures.unrolled_rnn(steps, stacked=True)), alt=alt
        )
        unrolled.caption(t("home.unrolled_caption", steps=integer(steps)))

    with feed:
        # 2. Feed it a sequence --------------------------------------------------------------------------
        page.prose("home.try_text", limit=integer(MAX_STEPS))
        c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
        with c1:
            urlstate.text(
                PAGE, P["x"], t("home.x_label"), help=t("home.x_help", limit=integer(MAX_STEPS), bound=num(INPUT_LIMIT))
            )
        with c2:
            urlstate.choice(PAGE, P["act"], t("home.act_label"), lambda o: t(ACTIVATION_NAMES[o]), widget=st.selectbox)
        with c3:
            urlstate.number(PAGE, P["hidden"], t("home.hidden_label"))
        with c4:
            urlstate.number(PAGE, P["seed"], t("home.seed_label"))
        urlstate.slider(PAGE, P["scale"], t("home.scale_label"), help=t("home.scale_help"))

        _, problem = lesson.read_sequence(v["x"])
        if problem:
            show_input_error(
                problem,
                {
                    "empty": "home.x_error_empty",
                    "number": "home.x_error_number",
                    "too_large": "home.x_error_too_large",
                    "too_long": "home.x_error_too_long",
                },
                "home.x_error_fallback",
                limit=integer(MAX_STEPS),
                bound=num(INPUT_LIMIT),
            )

        charts.show(lesson.state_chart(current_language(), *settings), name="home-states", width="stretch")
        _, overflowed_at = lesson.states(*settings)
        if overflowed_at is not None:
            st.warning(
                t("home.overflow", step=integer(overflowed_at), fmax=num(np.finfo(np.float64).max)),
                icon=":material/warning:",
            )
        st.caption(t("home.heatmap_caption", steps=integer(steps), hidden=integer(v["hidden"])))

    # A container of this fragment's own in section 3's place: the nested fragment's slot then belongs to this
    # fragment, which redraws it at each of its runs (Streamlit reserves an outside place per writing fragment).
    with nudge.container():
        the_nudge()


@page.fragment
def the_nudge() -> None:
    v = page.values()
    settings = network(v)
    # 3. Every state depends on all earlier computation ----------------------------------------------
    page.prose("home.memory_text")
    urlstate.slider(PAGE, P["delta"], t("home.delta_label"), format="%.3f")
    charts.show(lesson.memory_chart(current_language(), *settings, v["delta"]), name="home-nudge", width="stretch")
    cut = lesson.memory_cut(*settings, v["delta"])
    st.caption(" ".join(filter(None, [t("home.memory_chart_caption"), cut])))
    st.markdown(lesson.memory_reading(*settings, v["delta"]))
    st.markdown(
        t("home.cmp_intro") + "\n\n" + "\n".join(f"- {line}" for line in lesson.comparisons(*settings, v["delta"]))
    )
    note = lesson.saturation_note(*settings, v["delta"])
    if note:
        st.info(note, icon=":material/lightbulb:")


feed_a_sequence(
    *page.places(
        PAGE,
        ("home.recurrence_header", "home_tanh_state"),
        ("home.try_header", "home_state_count", "home_bounded"),
        ("home.memory_header", "home_nudge", "home_fading_scale"),
    )
)

# 4. Where RNNs are used, and the lessons (links to other pages: outside the fragments) -------------------
with page.section("home.uses_header"):
    page.prose("home.uses_text")
with page.section("home.map_header"):
    st.markdown(t("home.map_text"))
    shown = [known for known in registry.lessons() if known.name in lesson.LESSON_LINES]
    for row in range(0, len(shown), 2):
        for column, known in zip(st.columns(2), shown[row : row + 2], strict=False):
            with column.container(border=True, height="stretch"):
                st.page_link(
                    known.script, label=t(known.title_key), icon=known.icon, query_params={"lang": current_language()}
                )
                st.markdown(t(lesson.LESSON_LINES[known.name]))

under_the_hood(
    (intro.parse_numbers, "home.hood_parse_numbers"),
    (intro.toy_rnn, "home.hood_toy_rnn"),
    (vanilla.init_params, "home.hood_init_params"),
    (vanilla.step, "home.hood_step"),
    (vanilla.forward, "home.hood_forward"),
    (intro.nudge_first_input, "home.hood_nudge"),
    (intro.mean_slope, "home.hood_mean_slope"),
)
