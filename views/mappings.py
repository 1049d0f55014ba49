"""Lesson: the five ways a recurrent network maps inputs to outputs, each a small trained model to feed."""

import numpy as np
import streamlit as st

from rnn_core import mappings, vanilla
from ui import charts, mappings_diagrams, page, urlstate
from ui import mappings as lesson
from ui.code_panel import under_the_hood
from ui.i18n import current_language, t
from ui.urlstate import Param

PAGE = lesson.PAGE

P = {p.name: p for p in (
    Param("m", "many_to_one", "choice", options=lesson.TASKS),
    Param("picture", "110 203 010", "text"),
    Param("review", "++-+-++", "text"),
    Param("word", "cabd", "text"),
    Param("presses", "0110100", "text"),
)}


urlstate.bind_page(PAGE, P.values())
page.frame("mappings.title", "mappings.intro", PAGE, P.values())


def values() -> dict:
    """The page's current settings (fragments read them here, so each sees what the others last set)."""
    return {name: st.session_state[urlstate.key(PAGE, name)] for name in P}


# 1. One update rule -------------------------------------------------------------------------------------------
page.section("mappings.rule_header")
st.markdown(t("mappings.rule_text"))
st.latex(r"S_t = f(S_{t-1},\, X_t) = f\big(S_{t-1} W + X_t U + b\big),\qquad "
         r"f \in \{\tanh,\ \mathrm{ReLU},\ \sigma\}")
st.markdown(t("mappings.rule_names"))

# 2. The five mappings ------------------------------------------------------------------------------------------
# The choice of mapping is not in a fragment: it changes every later section and the code under the hood, so
# choosing one reruns the page.
page.section("mappings.five_header")
st.markdown(t("mappings.five_text"))
task = urlstate.choice(PAGE, P["m"], t("mappings.choose_label"), lambda o: t(lesson.NAMES[o]), horizontal=True)
spec = mappings.TASKS[task]
for column, mapping in zip(st.columns(len(lesson.TASKS)), lesson.TASKS, strict=True):
    column.graphviz_chart(mappings_diagrams.sketch(mapping, t(lesson.SHORT[mapping]), mapping == task))
st.caption(t("mappings.overview_caption"))


# Section 3 is a fragment: typing an input reruns the model's answer and nothing else.
@page.fragment
def feed_it() -> None:
    v = values()
    task = v["m"]
    spec = mappings.TASKS[task]
    # 3. Feed it --------------------------------------------------------------------------------------------------
    page.section("mappings.feed_header")
    st.markdown(f"**{t(lesson.NAMES[task])}** · {t(lesson.EXAMPLES[task])}\n\n{t(lesson.TOYS[task])}")
    name = lesson.INPUT_PARAM[task]
    hi = mappings.TASKS["one_to_many"].lengths[1] if name == "picture" else spec.lengths[1]
    # Each mapping has its own input; a hidden one keeps its value (and its place in the URL) for this page.
    urlstate.text(PAGE, P[name], t(lesson.INPUT_LABELS[name]),
                  help=t(lesson.INPUT_HELP[name], limit=spec.max_typed, hi=hi), persist_state="page")
    symbols, problem = lesson.read_input(task, v[name], P[name].default)
    if problem:
        st.error(problem, icon="✋")

    x = np.array(symbols)
    result = lesson.answer(task, symbols)
    shown = lesson.output_names(task)
    st.graphviz_chart(mappings_diagrams.unrolled(task, x, result.outputs, result.right, lesson.input_names(task),
                                                  shown, {"encoded": t("mappings.encoded_edge")}))
    st.caption(t("mappings.diagram_caption"))

    correct = bool(np.array_equal(result.outputs, result.right))
    length = mappings.length_of(task, x)
    st.markdown(t("mappings.answer_line", output=lesson.written(result.outputs, result.right, shown),
                  right=" ".join(shown[k] for k in result.right)))
    picture = task in mappings.PICTURES
    a1, a2, a3 = st.columns(3)
    a1.metric(t("mappings.verdict"), t("mappings.verdict_right") if correct else t("mappings.verdict_wrong"))
    a2.metric(t("mappings.shapes_metric") if picture else t("mappings.length_metric"), length)
    a3.metric(t("mappings.trained_shapes") if picture else t("mappings.trained_lengths"),
              f"{spec.lengths[0]}–{spec.lengths[1]}")
    if length > spec.lengths[1]:
        st.info(t("mappings.beyond_notice_shapes" if picture else "mappings.beyond_notice", hi=spec.lengths[1]),
                icon="🔭")

    st.markdown(f"**{t('mappings.states_chart')}**")
    charts.show(lesson.states_chart(current_language(), task, symbols), width="content")
    st.caption(t("mappings.states_caption", hidden=spec.hidden))


feed_it()

# 4. How well it learned ---------------------------------------------------------------------------------------
page.section("mappings.learned_header")
curve, held, n_held, n_train = lesson.evaluation(task)
m1, m2, m3 = st.columns(3)
m1.metric(t("mappings.held_out_accuracy"), f"{held:.1%}")
m2.metric(t("mappings.held_out_count"), n_held)
m3.metric(t("mappings.train_count"), n_train)
if task == "one_to_one":
    st.markdown(t("mappings.no_time_axis", cells=mappings.CELLS, lo=spec.lengths[0], hi=spec.lengths[1]))
else:
    st.markdown(t("mappings.beyond_text", n=mappings.N_BEYOND))
    charts.show(lesson.accuracy_chart(current_language(), task))
    st.markdown(t(lesson.READINGS[task], hidden=spec.hidden, hi=spec.lengths[1]))
charts.show(lesson.loss_chart(current_language(), task))
trained = lesson.model(task)
n_weights = sum(w.size for w in trained.params.values())
st.caption(t("mappings.training_caption", iterations=len(trained.losses), lr=spec.lr, clip=spec.clip,
             seed=trained.seed, hidden=spec.hidden, weights=n_weights, file=f"data/mappings/{task}.npz"))

model_code = ((mappings.seq2seq_forward, mappings.seq2seq_backward, mappings.decode) if task == "seq2seq"
              else (mappings.rnn_loss,))
under_the_hood(mappings.run, *model_code, vanilla.forward, vanilla.backward, mappings.cross_entropy,
               mappings.train, mappings.accuracy_by_length)
