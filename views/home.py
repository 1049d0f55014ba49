"""Home: what a recurrent network is, shown on a small RNN the student feeds, and a map of the lessons."""

import streamlit as st

from rnn_core import intro, vanilla
from ui import charts, diagrams, page, urlstate
from ui import home as lesson
from ui.code_panel import under_the_hood
from ui.divergence import FLOAT64_MAX
from ui.i18n import current_language, t
from ui.nav import LESSONS
from ui.urlstate import Param

PAGE = lesson.PAGE

P = {p.name: p for p in (
    Param("x", "1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0", "text"),
    Param("act", "tanh", "choice", options=tuple(lesson.ACTIVATION_NAMES)),
    Param("hidden", 4, "int", 1, 16),
    Param("scale", 1.0, "float", 0.1, 2.0, 0.05),
    Param("seed", 0, "int", 0, 999_999),
    Param("delta", 0.1, "float", 0.001, 1.0, 0.001),
)}


urlstate.bind_page(PAGE, P.values())
page.frame("home.title", "home.intro", PAGE, P.values())


def values() -> dict:
    """The page's current settings (fragments read them here, so each sees what the others last set)."""
    return {name: st.session_state[urlstate.key(PAGE, name)] for name in P}


def network(v: dict) -> tuple:
    """The typed sequence (a fallback when it cannot be read) and the network's settings, as one cache key."""
    x, _ = lesson.read_sequence(v["x"], P["x"].default)
    return x, v["act"], v["hidden"], v["seed"], v["scale"]


# Sections 1-3 are one fragment: the sequence typed in section 2 sets how many steps section 1's unrolled
# picture shows, and section 2's network and sequence are what section 3 nudges. Section 3 is a fragment of its
# own inside it, so that moving δ reruns section 3 alone.
@page.fragment
def feed_a_sequence() -> None:
    v = values()
    # One container per section, made first: section 3's fragment is known by its position, which must not move
    # when section 2 shows an error or a warning (or its own reruns would lose their place).
    recurrence, feed, nudge = st.container(), st.container(), st.container()
    with recurrence:
        # 1. The recurrence -------------------------------------------------------------------------------
        page.section("home.recurrence_header")
        st.latex(r"S_t = f(S_{t-1},\, X_t) = f(S_{t-1} W + X_t U + b)")
        st.markdown(t("home.recurrence_text"))
        left, right = st.columns([1, 3])
        with left:
            st.graphviz_chart(diagrams.folded_rnn({"input": t("home.node_input"), "state": t("home.node_state"),
                                                   "output": t("home.node_output")}))
            st.caption(t("home.folded_caption"))

    with feed:
        # 2. Feed it a sequence --------------------------------------------------------------------------
        page.section("home.try_header")
        st.markdown(t("home.try_text", limit=intro.MAX_STEPS))
        c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
        with c1:
            urlstate.text(PAGE, P["x"], t("home.x_label"),
                          help=t("home.x_help", limit=intro.MAX_STEPS, bound=f"{intro.INPUT_LIMIT:g}"))
        with c2:
            urlstate.choice(PAGE, P["act"], t("home.act_label"), lambda o: t(lesson.ACTIVATION_NAMES[o]),
                            widget=st.selectbox)
        with c3:
            urlstate.number(PAGE, P["hidden"], t("home.hidden_label"))
        with c4:
            urlstate.number(PAGE, P["seed"], t("home.seed_label"))
        urlstate.slider(PAGE, P["scale"], t("home.scale_label"), help=t("home.scale_help"))

        _, problem = lesson.read_sequence(v["x"], P["x"].default)
        if problem:
            st.error(problem, icon="✋")
        settings = network(v)
        steps = len(settings[0])
        with right:
            st.graphviz_chart(diagrams.unrolled_rnn(steps))
            st.caption(t("home.unrolled_caption", steps=steps))

        charts.show(lesson.state_chart(current_language(), *settings))
        _, overflowed_at = lesson.states(*settings)
        if overflowed_at is not None:
            st.warning(t("home.overflow", step=overflowed_at, fmax=FLOAT64_MAX), icon="💥")
        st.caption(t("home.heatmap_caption", steps=steps, hidden=v["hidden"]))

    with nudge:
        the_nudge()


@page.fragment
def the_nudge() -> None:
    v = values()
    settings = network(v)
    # 3. Every state depends on all earlier computation --------------------------------------------------
    page.section("home.memory_header")
    st.markdown(t("home.memory_text"))
    urlstate.slider(PAGE, P["delta"], t("home.delta_label"), format="%.3f")
    charts.show(lesson.memory_chart(current_language(), *settings, v["delta"]))
    st.markdown(lesson.memory_reading(*settings, v["delta"]))


feed_a_sequence()

# 4. Where RNNs are used, and the lessons (links to other pages: outside the fragments) -------------------
page.section("home.uses_header")
st.markdown(t("home.uses_text"))
page.section("home.map_header")
st.markdown(t("home.map_text"))
for script, title_key, icon, path in LESSONS:
    if path in lesson.LESSON_LINES:
        st.page_link(script, label=t(title_key), icon=icon, query_params={"lang": current_language()})
        st.caption(t(lesson.LESSON_LINES[path]))

under_the_hood(intro.parse_numbers, intro.toy_rnn, intro.nudge_first_input, vanilla.step, vanilla.forward)
