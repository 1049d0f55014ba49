"""Home: what a recurrent network is.

page.py       the lesson's sections in order (the script st.Page runs)
params.py     its settings: defaults, ranges, limits, and the settings its exercises draw
readings.py   its cached runs and chart specs, and the sentences read from them; figures.py its charts
exercises.py  its exercises; reproduce.py its "Reproduce in Python" template
"""

from pathlib import Path

from lessons.home import exercises, params
from ui.registry import Lesson

HERE = Path(__file__).parent

# The lesson's sections in the order it reads (their numbers are their positions): the page's headers, its
# contents line and anchors, and the sections a teacher can take a class to (ui/pacing.py).
SECTIONS = (
    "home.recurrence_header",
    "home.try_header",
    "home.memory_header",
    "home.uses_header",
    "home.map_header",
)

LESSON = Lesson(
    name="home",
    title_key="nav.home",
    icon=":material/home:",
    script="lessons/home/page.py",
    exercises=exercises.EXERCISES,
    params=params.PARAMS,
    reproduce=HERE / "reproduce.py",
    # What the Reproduce script reads beside the page's settings (it has no access to params.py).
    constants={
        "default_x": params.P["x"].default,
        "max_steps": params.MAX_STEPS,
        "input_limit": params.INPUT_LIMIT,
        "scale_range": (params.P["scale"].lo, params.P["scale"].hi),
        "scale_step": params.SCALE_STEP,
    },
    sections=SECTIONS,
)
