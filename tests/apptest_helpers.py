"""Helpers for AppTest-driven page tests."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit_compat import open_page

from classroom.ratelimit import RateLimit
from lessons.counting import readings as counting_lesson
from ui import code_panel, exercise_box

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


class _SeedPool:
    """Variant seeds drawn in turn from a fixed pool of ``size``, shared by every session of the process.

    A new session draws each exercise's variant at random (ui.exercise_box), and making some variants trains a
    model (the optimizer race: 0.1 s). The page tests open some 700 sessions: each is given this pool as its
    seed source instead (``ui.exercise_box.SEED_SOURCE``), so a run is reproducible, two draws in a row still
    differ, and each variant is made once per process (ui.exercise_box shares made variants, as a server does).
    tests/test_exercises.py checks every exercise over 50 seeds.
    """

    def __init__(self, size: int = 12):
        self.seeds = tuple(range(1_000, 1_000 + 7_919 * size, 7_919))
        self._next = itertools.cycle(self.seeds)
        self._lock = threading.Lock()  # AppTest runs scripts on their own thread

    def __call__(self) -> int:
        with self._lock:
            return next(self._next)


SEED_POOL = _SeedPool()


def give_seeds(at, source=SEED_POOL):
    """The session draws its exercise variants from ``source`` (a function returning a seed; by default the
    process's fixed pool, :data:`SEED_POOL`) instead of at random. Call before the box is first drawn."""
    at.session_state[exercise_box.SEED_SOURCE] = source
    return at


# The expanders whose code is sent only once opened (ui.code_panel.opened_expander).
CODE_PANELS = (code_panel.PANEL_KEY, counting_lesson.NOTE_CODE_KEY)


def open_app(
    page: str | None = None,
    lang: str = "en",
    params: dict | None = None,
    locale: str | None = None,
    open_code: bool = False,
):
    """A fresh session on ``page`` (a lesson name) with query parameters, run once; with ``open_code``,
    its code panels are open, as if the student had opened them. Its exercise variants come from
    :data:`SEED_POOL`."""
    at = give_seeds(AppTest.from_file(APP, default_timeout=60))
    for key in CODE_PANELS if open_code else ():
        at.session_state[code_panel.choice_key(key)] = True  # what opening one does (ui.code_panel)
    if locale:
        at.context["locale"] = locale
    if lang:
        at.query_params["lang"] = lang
    for k, v in (params or {}).items():
        at.query_params[k] = str(v)
    if page:
        open_page(at, page)  # before the first run: like opening a deep link /<page>?...
    at.run()
    return at


def read_num(text: str) -> float:
    """A number as ui.numbers.num writes it (true minus, ·10 to a superscript power), read back."""
    text = text.replace("\u2212", "-")
    if "·10" not in text:
        return float(text)
    mantissa, power = text.split("·10")
    return float(mantissa) * 10.0 ** int(power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))


def texts(at) -> str:
    """All Markdown, captions, alerts and titles of the page, joined, for 'does it say X' asserts. The sidebar's
    share box is left out: its link carries URL values (``lr=1e-05``), not prose."""
    parts = []
    for kind in ("title", "header", "markdown", "caption", "error", "warning", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind) if not str(e.value).startswith(("`?", "`http"))]
    return "\n".join(parts)


def by_key(at, kind: str, key: str):
    return next(w for w in getattr(at, kind) if w.key == key)


def assert_clean(at) -> None:
    assert len(at.exception) == 0, [e.message for e in at.exception]


def url_of(at) -> dict:
    """The page's query string as ``{name: value}`` (AppTest may hold a value as a one-item list)."""
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def run_script(text: str, tmp_path: Path) -> dict[str, str]:
    """Run a script in a fresh interpreter that cannot import Streamlit; its printed ``name: value`` lines."""
    path = tmp_path / "script.py"
    path.write_text(text, encoding="utf-8")
    blocker = tmp_path / "blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "streamlit.py").write_text("raise ImportError('the script must not need Streamlit')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}
    out = subprocess.run(
        [sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line]
    return {name: value for name, value in lines}


def page_values(at, page: str) -> dict:
    prefix = f"{page}."
    return {k[len(prefix) :]: at.session_state[k] for k in at.session_state if k.startswith(prefix)}


class Clock:
    """A clock a test sets by hand: calling it returns ``now`` (seconds)."""

    def __init__(self, now: float = 0.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def set_clock(at, seconds: float) -> None:
    """The session's check rate limit reads ``seconds`` from now on (a test moves it two seconds on so that its
    next check is allowed). The first call gives the session a rate limit on a :class:`Clock` of its own
    (``ui.exercise_box.RATE_LIMIT``); later calls move that clock, keeping the checks it counted."""
    limit = at.session_state[exercise_box.RATE_LIMIT] if exercise_box.RATE_LIMIT in at.session_state else None
    if limit is None or not isinstance(limit.clock, Clock):
        limit = RateLimit(per_second=exercise_box.CHECKS_PER_SECOND, clock=Clock())
        at.session_state[exercise_box.RATE_LIMIT] = limit
    limit.clock.now = seconds


def check_button(at, lang: str, exercise_id: str):
    """The Check button of one box's form (a form submit button has no key of its own: found by its form)."""
    from ui.i18n import catalog

    label = catalog(lang)["exercise_box.check"]
    return next(b for b in at.button if b.label == label and b.proto.form_id == f"exercise.{exercise_id}.form")


def type_and_check(at, lang: str, exercise_id: str, typed: str):
    """Type ``typed`` into a number exercise's box and press Check, as a student does (one run)."""
    at.text_input(key=f"exercise.{exercise_id}.typed").input(typed)
    return check_button(at, lang, exercise_id).click().run()


def shown_under_the_hood(page: str) -> list[tuple[str, str]]:
    """``(module.function, description key)`` of every pair ``lessons/<page>/page.py`` passes to under_the_hood, read
    from its source (so the test sees the list itself, not a copy of it)."""
    import ast

    tree = ast.parse((ROOT / "lessons" / page / "page.py").read_text(encoding="utf-8"))
    call = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "under_the_hood"
    )
    pairs = []
    for arg in call.args:
        assert isinstance(arg, ast.Tuple), "each item is a (function, description key) pair"
        function, key = arg.elts
        pairs.append((ast.unparse(function), key.value))
    return pairs
