"""Lesson: the five ways a recurrent network maps inputs to outputs, each a small trained model to feed."""

import numpy as np
import streamlit as st

from lessons.mappings import LESSON, figures
from lessons.mappings import readings as lesson
from lessons.mappings.params import INPUT_PARAM, PARAMS, TASKS, P
from rnn_core import mappings, vanilla
from ui import charts, page, present, urlstate
from ui.code_panel import under_the_hood
from ui.errors import show_input_error
from ui.i18n import current_language, t
from ui.numbers import integer, num

PAGE = lesson.PAGE

# The sections in the order the lesson reads (their numbers are their positions).
SECTIONS = LESSON.sections

page.frame("mappings.title", "mappings.intro", PAGE, PARAMS, SECTIONS)


# 1. One update rule -------------------------------------------------------------------------------------------
with page.section("mappings.rule_header"):
    page.prose("mappings.rule_text")
    st.latex(r"S_t = f(S_{t-1},\, X_t) = f\big(S_{t-1} W + X_t U + b\big)")
    st.latex(r"f \in \{\tanh,\ \mathrm{ReLU},\ \sigma\}")
    page.prose("mappings.rule_names")


# Sections 2 to 4 and the code under the hood are one fragment: the mapping chosen in section 2 changes each of
# them, so choosing one reruns them, not the page. Each draws into a place the page made (:func:`ui.page.places`),
# after the text no choice changes, which the page draws once; the exercise boxes are the page's too, so a choice
# resends neither. Section 3 is a fragment inside it: typing an input reruns the model's answer alone.
@page.fragment
def mapping(five, feed, learned, hood) -> None:
    # 2. The five mappings ----------------------------------------------------------------------------------------
    with five:
        task = urlstate.choice(PAGE, P["m"], t("mappings.choose_label"), lambda o: t(lesson.NAMES[o]), horizontal=True)
        for column, shape in zip(st.columns(len(TASKS)), TASKS, strict=True):
            column.graphviz_chart(present.diagram(figures.sketch(shape, shape == task)), alt=t(lesson.NAMES[shape]))
            column.markdown(f"**{t(lesson.SHORT[shape])}**" if shape == task else t(lesson.SHORT[shape]))
        st.caption(t("mappings.overview_caption"))
    # A container of this fragment's own in section 3's place: the nested fragment's slot then belongs to this
    # fragment, which redraws it at each of its runs (Streamlit reserves an outside place per writing fragment).
    with feed.container():
        feed_it()
    spec = mappings.TASKS[task]
    # 4. How well it learned ----------------------------------------------------------------------------------------
    with learned:
        curve, held, n_held, n_train = lesson.evaluation(task)
        m1, m2, m3 = st.columns(3)
        m1.metric(t("mappings.held_out_accuracy"), lesson.share(held))
        m2.metric(t("mappings.train_count"), integer(n_train))
        m3.metric(t("mappings.held_out_count"), integer(n_held))
        st.markdown(lesson.split_sentence(task))
        if task == "one_to_one":
            st.markdown(
                t(
                    "mappings.no_time_axis",
                    cells=integer(mappings.CELLS),
                    lo=integer(spec.lengths[0]),
                    hi=integer(spec.lengths[1]),
                )
            )
        else:
            page.prose("mappings.beyond_text", n=integer(mappings.N_BEYOND))
            charts.show(
                figures.accuracy_chart(current_language(), task), name="mappings-accuracy-by-length", width="stretch"
            )
            st.markdown(lesson.reading(task))
        trained = lesson.model(task)
        page.prose(
            "mappings.training_text",
            file=f"data/mappings/{task}.npz",
            iterations=integer(len(trained.losses)),
            lr=num(spec.lr),
            clip=num(spec.clip),
            seed=integer(trained.seed),
            hidden=integer(spec.hidden),
            weights=integer(sum(w.size for w in trained.params.values())),
            gradients_lesson=t("nav.gradients"),
            optimizers_lesson=t("nav.optimizers"),
        )
        charts.show(figures.loss_chart(current_language(), task), name="mappings-training-loss", width="stretch")
        st.caption(t("mappings.loss_caption"))
    # Under the hood: what the page ran for this mapping (the weights were trained by the same code, offline).
    with hood.container():  # the panel is a fragment of its own (opening it reruns it alone)
        generating = task in ("one_to_many", "seq2seq")
        model_code = (
            [
                (mappings.seq2seq_loss, "mappings.hood_seq2seq_loss"),
                (mappings.seq2seq_forward, "mappings.hood_seq2seq_forward"),
                (mappings.seq2seq_backward, "mappings.hood_seq2seq_backward"),
                (mappings.decode, "mappings.hood_decode"),
            ]
            if task == "seq2seq"
            else [(mappings.rnn_loss, "mappings.hood_rnn_loss")]
        )
        under_the_hood(
            (mappings.parse, "mappings.hood_parse"),
            (mappings.target, "mappings.hood_target"),
            (mappings.run, "mappings.hood_run"),
            *([(mappings.generate, "mappings.hood_generate")] if generating else []),
            (vanilla.forward, "mappings.hood_forward"),
            *model_code,
            (vanilla.backward, "mappings.hood_backward"),
            (mappings.cross_entropy, "mappings.hood_cross_entropy"),
            (mappings.split, "mappings.hood_split"),
            (mappings.train, "mappings.hood_train"),
            (mappings.held_out_accuracy, "mappings.hood_held_out"),
            (mappings.accuracy_by_length, "mappings.hood_accuracy_by_length"),
        )


@page.fragment
def feed_it() -> None:
    v = page.values()
    task = v["m"]
    spec = mappings.TASKS[task]
    # 3. Feed it --------------------------------------------------------------------------------------------------
    st.markdown(f"**{t(lesson.NAMES[task])}** · {t(lesson.EXAMPLES[task])}")
    page.prose(lesson.TOYS[task])
    name = INPUT_PARAM[task]
    hi = mappings.TASKS["one_to_many"].lengths[1] if name == "picture" else spec.lengths[1]
    # Each mapping has its own input; a hidden one keeps its value (and its place in the URL) for this page.
    urlstate.text(
        PAGE,
        P[name],
        t(lesson.INPUT_LABELS[name]),
        help=t(lesson.INPUT_HELP[name], limit=integer(spec.max_typed), hi=integer(hi)),
        persist_state="page",
    )
    symbols, error = lesson.read_input(task, v[name], P[name].default)
    if error is not None:
        show_input_error(error, lesson.INPUT_ERRORS, "mappings.error_fallback", **lesson.error_fields(task))

    x = np.array(symbols)
    result = lesson.answer(task, symbols)
    shown = lesson.output_names(task)
    edges = {"encoded": t("mappings.encoded_edge", last=figures.subscript("h", len(x)))}
    st.graphviz_chart(
        present.diagram(
            figures.unrolled(task, x, result.outputs, result.right, lesson.input_names(task), shown, edges)
        ),
        alt=t("mappings.diagram_alt"),
    )
    st.caption(t("mappings.diagram_caption"))

    correct = bool(np.array_equal(result.outputs, result.right))
    length = mappings.length_of(task, x)
    st.markdown(
        t(
            "mappings.answer_line",
            output=lesson.written(result.outputs, result.right, shown),
            right=" ".join(shown[k] for k in result.right),
        )
    )
    picture = task in mappings.PICTURES
    a1, a2, a3 = st.columns(3)
    a1.metric(t("mappings.verdict"), t("mappings.verdict_right") if correct else t("mappings.verdict_wrong"))
    a2.metric(t("mappings.shapes_metric") if picture else t("mappings.length_metric"), integer(length))
    a3.metric(
        t("mappings.trained_shapes") if picture else t("mappings.trained_lengths"),
        f"{integer(spec.lengths[0])}–{integer(spec.lengths[1])}",
    )
    if length > spec.lengths[1]:
        st.info(
            t(
                "mappings.beyond_notice_shapes" if picture else "mappings.beyond_notice",
                hi=integer(spec.lengths[1]),
            ),
            icon=":material/explore:",
        )

    st.markdown(f"**{t('mappings.states_chart')}**")
    lang = current_language()
    charts.show(figures.states_chart(lang, task, symbols), name="mappings-hidden-states", width="stretch")
    charts.show(figures.probabilities_chart(lang, task, symbols), name="mappings-output-probabilities", width="stretch")
    st.caption(t("mappings.states_caption", hidden=integer(spec.hidden)))


five, feed, learned = page.places(
    PAGE,
    ("mappings.five_header", "mappings_application"),
    # section 3's boxes two by two in columns (stacked on a phone)
    (
        "mappings.feed_header",
        ("mappings_output_count", "mappings_light"),
        ("mappings_review", "mappings_review_setting"),
    ),
    ("mappings.learned_header",),
)
with five:
    st.markdown(t("mappings.five_text"))
mapping(five, feed, learned, st.container())
