"""Home: what a recurrent network is, shown on a small RNN the student feeds, and a map of the lessons."""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import intro, vanilla
from ui import charts, diagrams, page, urlstate
from ui.code_panel import under_the_hood
from ui.divergence import FLOAT64_MAX
from ui.i18n import current_language, t, verbatim
from ui.nav import LESSONS
from ui.urlstate import Param

PAGE = "home"
ACTIVATION_NAMES = {"tanh": "home.act_tanh", "relu": "home.act_relu", "logistic": "home.act_logistic",
                    "linear": "home.act_linear"}
# One line per lesson for the map; only lessons listed in ui/nav.py are shown.
LESSON_LINES = {"mappings": "home.map_mappings", "counting": "home.map_counting", "gradients": "home.map_gradients",
                "optimizers": "home.map_optimizers", "lstm": "home.map_lstm"}

P = {p.name: p for p in (
    Param("x", "1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0", "text"),
    Param("act", "tanh", "choice", options=tuple(ACTIVATION_NAMES)),
    Param("hidden", 4, "int", 1, 16),
    Param("scale", 1.0, "float", 0.1, 2.0, 0.05),
    Param("seed", 0, "int", 0, 999_999),
    Param("delta", 0.1, "float", 0.001, 1.0, 0.001),
)}


@st.cache_data(max_entries=64)
def toy_rnn(hidden: int, seed: int, scale: float) -> dict:
    return intro.toy_rnn(hidden, seed, scale)


v = urlstate.bind_page(PAGE, P.values())
page.frame("home.title", "home.intro")

# 1. The recurrence ---------------------------------------------------------------------------------------
page.section("home.recurrence_header")
st.latex(r"S_t = f(S_{t-1},\, X_t) = f(S_{t-1} W + X_t U + b)")
st.markdown(t("home.recurrence_text"))
left, right = st.columns([1, 3])
with left:
    st.graphviz_chart(diagrams.folded_rnn({"input": t("home.node_input"), "state": t("home.node_state"),
                                           "output": t("home.node_output")}))
    st.caption(t("home.folded_caption"))

# 2. Feed it a sequence ----------------------------------------------------------------------------------
page.section("home.try_header")
st.markdown(t("home.try_text", limit=intro.MAX_STEPS))
c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
with c1:
    urlstate.text(PAGE, P["x"], t("home.x_label"),
                  help=t("home.x_help", limit=intro.MAX_STEPS, bound=f"{intro.INPUT_LIMIT:g}"))
with c2:
    urlstate.choice(PAGE, P["act"], t("home.act_label"), lambda o: t(ACTIVATION_NAMES[o]), widget=st.selectbox)
with c3:
    urlstate.number(PAGE, P["hidden"], t("home.hidden_label"))
with c4:
    urlstate.number(PAGE, P["seed"], t("home.seed_label"))
urlstate.slider(PAGE, P["scale"], t("home.scale_label"), help=t("home.scale_help"))

try:
    x = intro.parse_numbers(v["x"])
except intro.InputError as err:
    messages = {
        "empty": t("home.x_error_empty"),
        "number": t("home.x_error_number", position=err.position, token=verbatim(err.token)),
        "too_large": t("home.x_error_too_large", position=err.position, token=verbatim(err.token),
                       bound=f"{intro.INPUT_LIMIT:g}"),
        "too_long": t("home.x_error_too_long", length=err.position, limit=intro.MAX_STEPS),
    }
    st.error(messages[err.code] + " " + t("home.x_error_fallback"), icon="✋")
    x = intro.parse_numbers(P["x"].default)

with right:
    st.graphviz_chart(diagrams.unrolled_rnn(len(x)))
    st.caption(t("home.unrolled_caption", steps=len(x)))

params = toy_rnn(v["hidden"], v["seed"], v["scale"])
run = intro.nudge_first_input(params, x, v["act"], v["delta"])
finite = np.isfinite(run["states"]).all(axis=1)
st.altair_chart(charts.state_heatmap(run["states"], x_title=t("home.t_axis"), y_title=t("home.unit_axis"),
                                     value_title=t("home.state_value")))
if not finite.all():
    st.warning(t("home.overflow", step=int(np.argmin(finite)) + 1, fmax=FLOAT64_MAX), icon="💥")
st.caption(t("home.heatmap_caption", steps=len(x), hidden=v["hidden"]))

# 3. Every state depends on all earlier computation ------------------------------------------------------
page.section("home.memory_header")
st.markdown(t("home.memory_text"))
urlstate.slider(PAGE, P["delta"], t("home.delta_label"), format="%.3f")
diff = run["difference"]
shown = np.isfinite(diff) & (diff > 0)
memory = pd.DataFrame({"t": np.arange(1, len(x) + 1)[shown], "difference": diff[shown]})
st.altair_chart(charts.log_lines(memory, "t", "difference", x_title=t("home.t_axis"),
                                 y_title=t("home.difference_axis"), points=True, integer_x=True))
last = diff[-1]
if np.isfinite(last) and last > 0:
    st.markdown(t("home.memory_reading", delta=f"{v['delta']:.3g}", steps=len(x), last=f"{last:.3g}",
                  ratio=f"{last / v['delta']:.3g}"))
else:
    st.markdown(t("home.memory_gone", steps=len(x)))

# 4. Where RNNs are used, and the lessons -----------------------------------------------------------------
page.section("home.uses_header")
st.markdown(t("home.uses_text"))
page.section("home.map_header")
st.markdown(t("home.map_text"))
for script, title_key, icon, path in LESSONS:
    if path in LESSON_LINES:
        st.page_link(script, label=t(title_key), icon=icon, query_params={"lang": current_language()})
        st.caption(t(LESSON_LINES[path]))

under_the_hood(intro.parse_numbers, intro.toy_rnn, intro.nudge_first_input, vanilla.step, vanilla.forward)
