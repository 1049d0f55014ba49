"""Lesson: the five ways a recurrent network maps inputs to outputs, each a small trained model to feed."""

import numpy as np
import pandas as pd
import streamlit as st

from rnn_core import mappings, vanilla
from ui import charts, mappings_charts, mappings_diagrams, page, urlstate
from ui.code_panel import under_the_hood
from ui.i18n import current_language, t, verbatim
from ui.urlstate import Param

PAGE = "mappings"
TASKS = tuple(mappings.TASKS)
NAMES = {"one_to_one": "mappings.name_one_to_one", "one_to_many": "mappings.name_one_to_many",
         "many_to_one": "mappings.name_many_to_one", "seq2seq": "mappings.name_seq2seq",
         "many_to_many": "mappings.name_many_to_many"}
SHORT = {"one_to_one": "mappings.short_one_to_one", "one_to_many": "mappings.short_one_to_many",
         "many_to_one": "mappings.short_many_to_one", "seq2seq": "mappings.short_seq2seq",
         "many_to_many": "mappings.short_many_to_many"}
EXAMPLES = {"one_to_one": "mappings.example_one_to_one", "one_to_many": "mappings.example_one_to_many",
            "many_to_one": "mappings.example_many_to_one", "seq2seq": "mappings.example_seq2seq",
            "many_to_many": "mappings.example_many_to_many"}
TOYS = {"one_to_one": "mappings.toy_one_to_one", "one_to_many": "mappings.toy_one_to_many",
        "many_to_one": "mappings.toy_many_to_one", "seq2seq": "mappings.toy_seq2seq",
        "many_to_many": "mappings.toy_many_to_many"}
INPUT_PARAM = {"one_to_one": "picture", "one_to_many": "picture", "many_to_one": "review", "seq2seq": "word",
               "many_to_many": "presses"}
INPUT_LABELS = {"picture": "mappings.picture_label", "review": "mappings.review_label",
                "word": "mappings.word_label", "presses": "mappings.presses_label"}
INPUT_HELP = {"picture": "mappings.picture_help", "review": "mappings.review_help", "word": "mappings.word_help",
              "presses": "mappings.presses_help"}
READINGS = {"one_to_many": "mappings.reading_one_to_many", "many_to_one": "mappings.reading_many_to_one",
            "seq2seq": "mappings.reading_seq2seq", "many_to_many": "mappings.reading_many_to_many"}
WORDS = {"=": "mappings.out_tie", "neg": "mappings.out_neg", "even": "mappings.out_even",
         "pos": "mappings.out_pos", "off": "mappings.out_off", "on": "mappings.out_on", ".": "mappings.out_end"}

P = {p.name: p for p in (
    Param("m", "many_to_one", "choice", options=TASKS),
    Param("picture", "110 203 010", "text"),
    Param("review", "++-+-++", "text"),
    Param("word", "cabd", "text"),
    Param("presses", "0110100", "text"),
)}


@st.cache_data(max_entries=8, show_spinner=False)
def model(task: str) -> mappings.Trained:
    return mappings.load(task)


@st.cache_data(max_entries=8, show_spinner=False)
def evaluation(task: str) -> tuple[dict, float, int, int]:
    trained = model(task)
    train_set, _ = mappings.split(task, trained.seed)
    held, n_held = mappings.held_out_accuracy(task, trained.params, trained.seed)
    curve = mappings.accuracy_by_length(task, trained.params, trained.seed)
    return curve, held, n_held, sum(len(inputs) for inputs in train_set.values())


def output_names(task: str) -> list[str]:
    """How each output class is written: its symbol, or a translated word."""
    return [t(WORDS[o]) if o in WORDS else o for o in mappings.TASKS[task].outputs]


# Charts are cached as finished Vega-Lite specs: building and validating an Altair chart costs 10-30 ms a
# rerun, a cache hit almost nothing. The language is an argument because the titles are translated.
@st.cache_data(max_entries=64, show_spinner=False)
def states_chart(task: str, symbols: tuple[int, ...], lang: str) -> dict:
    result = mappings.run(task, model(task).params, np.array(symbols))
    steps = mappings_charts.step_names(len(result.states), result.encoder_steps if task == "seq2seq" else 0)
    return mappings_charts.states_and_outputs(
        result.states, result.probs, steps, output_names(task), step_title=t("mappings.step_axis"),
        unit_title=t("mappings.unit_axis"), state_title=t("mappings.state_value"),
        class_title=t("mappings.output_axis"), prob_title=t("mappings.prob_axis"),
        width=min(800, 60 + 26 * len(steps))).to_dict()


@st.cache_data(max_entries=16, show_spinner=False)
def accuracy_chart(task: str, lang: str) -> dict:
    return mappings_charts.accuracy_by_length(
        evaluation(task)[0], mappings.TASKS[task].lengths,
        length_title=t("mappings.shapes_axis" if task in mappings.PICTURES else "mappings.length_axis"),
        accuracy_title=t("mappings.accuracy_axis"), count_title=t("mappings.count_axis"),
        kind_title=t("mappings.kind_axis"), trained_name=t("mappings.kind_trained"),
        beyond_name=t("mappings.kind_beyond")).to_dict()


@st.cache_data(max_entries=16, show_spinner=False)
def loss_chart(task: str, lang: str) -> dict:
    losses = model(task).losses
    history = pd.DataFrame({"iteration": np.arange(1, len(losses) + 1), "loss": losses})
    return charts.log_lines(history, "iteration", "loss", x_title=t("common.iteration"),
                            y_title=t("mappings.loss_axis"), height=200, integer_x=True).to_dict()


def written(outputs: np.ndarray, right: np.ndarray, shown: list[str]) -> str:
    """The model's outputs as Markdown, each one that differs from the right answer highlighted."""
    words = [shown[k] if j < len(right) and k == right[j] else f":red-background[{shown[k]}]"
             for j, k in enumerate(outputs)]
    return " ".join(words)


v = urlstate.bind_page(PAGE, P.values())
page.frame("mappings.title", "mappings.intro")

# 1. One update rule -------------------------------------------------------------------------------------------
page.section("mappings.rule_header")
st.markdown(t("mappings.rule_text"))
st.latex(r"S_t = f(S_{t-1},\, X_t) = f\big(S_{t-1} W + X_t U + b\big),\qquad "
         r"f \in \{\tanh,\ \mathrm{ReLU},\ \sigma\}")
st.markdown(t("mappings.rule_names"))

# 2. The five mappings ------------------------------------------------------------------------------------------
page.section("mappings.five_header")
st.markdown(t("mappings.five_text"))
task = urlstate.choice(PAGE, P["m"], t("mappings.choose_label"), lambda o: t(NAMES[o]), horizontal=True)
spec = mappings.TASKS[task]
for column, mapping in zip(st.columns(len(TASKS)), TASKS, strict=True):
    column.graphviz_chart(mappings_diagrams.sketch(mapping, t(SHORT[mapping]), mapping == task))
st.caption(t("mappings.overview_caption"))

# 3. Feed it ------------------------------------------------------------------------------------------------------
page.section("mappings.feed_header")
st.markdown(f"**{t(NAMES[task])}** · {t(EXAMPLES[task])}\n\n{t(TOYS[task])}")
name = INPUT_PARAM[task]
hi = mappings.TASKS["one_to_many"].lengths[1] if name == "picture" else spec.lengths[1]
urlstate.text(PAGE, P[name], t(INPUT_LABELS[name]), help=t(INPUT_HELP[name], limit=spec.max_typed, hi=hi))
try:
    x = mappings.parse(task, v[name])
except mappings.InputError as err:
    messages = {
        "empty": t("mappings.error_empty"),
        "symbol": t("mappings.error_symbol", position=err.position, token=verbatim(err.token),
                    allowed=", ".join(spec.inputs)),
        "size": t("mappings.error_size", count=err.position, cells=mappings.CELLS,
                  rows=mappings.input_size(task), per_cell=len(mappings.SHAPES)),
        "too_long": t("mappings.error_too_long", length=err.position, limit=spec.max_typed),
    }
    st.error(messages[err.code] + " " + t("mappings.error_fallback"), icon="✋")
    x = mappings.parse(task, P[name].default)

trained = model(task)
result = mappings.run(task, trained.params, x)
shown = output_names(task)
shown_input = ["−" if s == "-" else s for s in spec.inputs]
st.graphviz_chart(mappings_diagrams.unrolled(task, x, result.outputs, result.right, shown_input, shown,
                                              {"encoded": t("mappings.encoded_edge")}))
st.caption(t("mappings.diagram_caption"))

correct = bool(np.array_equal(result.outputs, result.right))
length = mappings.length_of(task, x)
st.markdown(t("mappings.answer_line", output=written(result.outputs, result.right, shown),
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
st.vega_lite_chart(states_chart(task, tuple(int(i) for i in x), current_language()), width="content")
st.caption(t("mappings.states_caption", hidden=spec.hidden))

# 4. How well it learned ---------------------------------------------------------------------------------------
page.section("mappings.learned_header")
curve, held, n_held, n_train = evaluation(task)
m1, m2, m3 = st.columns(3)
m1.metric(t("mappings.held_out_accuracy"), f"{held:.1%}")
m2.metric(t("mappings.held_out_count"), n_held)
m3.metric(t("mappings.train_count"), n_train)
if task == "one_to_one":
    st.markdown(t("mappings.no_time_axis", cells=mappings.CELLS, lo=spec.lengths[0], hi=spec.lengths[1]))
else:
    st.markdown(t("mappings.beyond_text", n=mappings.N_BEYOND))
    st.vega_lite_chart(accuracy_chart(task, current_language()))
    st.markdown(t(READINGS[task], hidden=spec.hidden, hi=spec.lengths[1]))
st.vega_lite_chart(loss_chart(task, current_language()))
n_weights = sum(w.size for w in trained.params.values())
st.caption(t("mappings.training_caption", iterations=len(trained.losses), lr=spec.lr, clip=spec.clip,
             seed=trained.seed, hidden=spec.hidden, weights=n_weights, file=f"data/mappings/{task}.npz"))

model_code = ((mappings.seq2seq_forward, mappings.seq2seq_backward, mappings.decode) if task == "seq2seq"
              else (mappings.rnn_loss,))
under_the_hood(mappings.run, *model_code, vanilla.forward, vanilla.backward, mappings.cross_entropy,
               mappings.train, mappings.accuracy_by_length)
