"""The sequence-mappings lesson's settings: the mapping shown, and the input typed for each toy task.

The one source read by the page (its widgets and URL), its exercises, its Reproduce template (through the
lesson's ``constants``) and its tests. Pure: no Streamlit, so each of them can import it.

The toy tasks themselves (their symbols, training lengths, model sizes and training recipe) are the models'
definition, with the maths in :mod:`rnn_core.mappings`: the shipped weights were trained from them.
"""

from rnn_core import mappings
from ui.param import Param

TASKS = tuple(mappings.TASKS)  # the five mappings, in the order the page lays them out

# Which typed input each mapping reads (the two picture tasks share one); each keeps its own value in the URL.
INPUT_PARAM = {
    "one_to_one": "picture",
    "one_to_many": "picture",
    "many_to_one": "review",
    "seq2seq": "word",
    "many_to_many": "presses",
}

PARAMS = (
    Param("m", "many_to_one", "choice", options=TASKS),
    Param("picture", "110 203 010", "text"),
    Param("review", "++-+-++", "text"),
    Param("word", "cabd", "text"),
    Param("presses", "0110100", "text"),
)
P = {p.name: p for p in PARAMS}

# What the Reproduce template reads beside the page's settings (ui.reproduce writes it as CONSTANTS = {...}).
CONSTANTS = {"input_param": INPUT_PARAM}

# --- How long the inputs the exercises type into the page are (rng.integers bounds: low inclusive, high
# exclusive), all well within what the page accepts (rnn_core.mappings.TASKS[...].max_typed).
LIGHT_PRESSES = (6, 13)  # the presses the light exercise asks about
REVIEW_WORDS = (5, 11)  # the review whose verdict the review exercise asks for
REVIEW_SETTING_WORDS = (5, 13)  # the review the review-setting exercise asks the student to type

# --- Section 4: how the accuracy beyond the training lengths is summed up. Beyond them each share is measured on
# rnn_core.mappings.N_BEYOND random inputs per length: a sample, so the sentences say so and give its interval.
REACH_SHARE = 0.9  # "at least 90 % right" (the locale texts write it out)
COLLAPSE_SHARE = 0.5  # "breaks down": a sampled share below this ...
COLLAPSE_WITHIN = 2  # ... within this many lengths past training
CONFIDENCE_Z = 1.96  # the 95 % interval of a sampled share (Wilson's score interval): the normal quantile
BALANCED_MARGIN = 2  # a review whose counts of + and - differ by at most this "nearly balances"
