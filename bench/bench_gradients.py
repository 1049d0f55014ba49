"""Time the exploding/vanishing-gradients lesson: its heavy rnn_core calls, and the page itself.

Run from the repository root: ``python bench/bench_gradients.py``. The calls print the best of several runs, in
ms; the page prints its cold first run (fresh process, imports included) and its warm rerun median via AppTest
(issue 3's target: warm rerun at most 150 ms at the default settings).

Issue 23 (a class sends values no one sent before), CPU time (``time.process_time``), per control median and max:
- ``--sections N``: what each control's fragment computes (studies, sentences, chart specs), N random moves on
  the control's grid from the defaults: the lesson's own part of a move, which a server reruns alone;
- ``--moves N``: an AppTest rerun of the whole page after N random moves of each control (an upper bound);
- ``--first-view``: a new visitor's first view after the first visitor, beside AppTest's own cost of one;
- ``--extremes``: the two heavy calls a move can miss the cache on, at the sliders' ends and defaults
  (``wall_point`` at w 4.5, 6, 9; ``running_mean_probe`` at T 10, 60, 200 x rho 0.5, 0.9, 1.5), best of 5 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
sys.path.insert(0, str(ROOT / "bench"))

from lessons.gradients import params  # noqa: E402
from rnn_core import cliff, memory_probe, spectral  # noqa: E402

REPEATS = 5


def best_ms(call) -> float:
    """The fastest of ``REPEATS`` runs of ``call()``, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def main() -> None:
    P = params.P
    size, M = P["size"].hi, P["steps"].hi  # the largest matrix and the longest chain the page draws
    W = spectral.random_recurrent(size, "gaussian", P["rho"].hi, np.random.default_rng(0))
    w_values = np.linspace(*params.CLIFF_W_RANGE, params.CLIFF_GRID)
    b_values = np.linspace(*params.CLIFF_B_RANGE, params.CLIFF_GRID)
    probe = dict(hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE)
    default_len, longest = P["mem_len"].default, P["mem_len"].hi
    cases = {
        f"jacobian_norms size {size}, M {M}, linear": lambda: spectral.jacobian_norms(W, M, "linear"),
        f"jacobian_norms size {size}, M {M}, tanh": lambda: spectral.jacobian_norms(
            W, M, "tanh", rng=np.random.default_rng(1)
        ),
        f"pascanu_conditions size {size}": lambda: spectral.pascanu_conditions(W, "tanh"),
        f"error_surface {params.CLIFF_GRID} x {params.CLIFF_GRID}, T {cliff.HORIZON}": lambda: cliff.error_surface(
            w_values, b_values
        ),
        "cross_section 401 points": lambda: cliff.cross_section((0.0, -2.0), (10.0, -5.0)),
        "wall_point + gradient_step": lambda: cliff.gradient_step(
            6.0, cliff.wall_point(6.0, *params.CLIFF_B_RANGE), 0.01
        ),
        f"running_mean_probe rho 0.9, T {default_len} (default)": lambda: memory_probe.running_mean_probe(
            0.9, default_len, 0, **probe
        ),
        f"running_mean_probe rho 0.9, T {longest} (largest)": lambda: memory_probe.running_mean_probe(
            0.9, longest, 0, **probe
        ),
    }
    for name, call in cases.items():
        print(f"{name:45s} {best_ms(call):8.2f} ms")
    bench_page()


def bench_extremes() -> dict:
    """``wall_point`` and ``running_mean_probe`` at the page's extreme and default settings, best of 5, in ms."""
    b_low, b_high = params.CLIFF_B_RANGE
    probe = dict(hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE)
    result = {}
    for w in (4.5, 6.0, 9.0):
        result[f"wall_point w {w}"] = best_ms(lambda w=w: cliff.wall_point(w, b_low, b_high))
    for T in (10, 60, 200):
        for rho in (0.5, 0.9, 1.5):
            call = lambda rho=rho, T=T: memory_probe.running_mean_probe(rho, T, 0, **probe)  # noqa: E731
            result[f"running_mean_probe T {T}, rho {rho}"] = best_ms(call)
    for name, ms in result.items():
        print(f"{name:45s} {ms:8.2f} ms")
    return result


def bench_page(script: str = "lessons/gradients/page.py", reruns: int = 30) -> None:
    from pagebench import bench_page as timings

    timings(script, reruns=reruns)


def random_on_grid(param, rng: random.Random, current):
    """A value of ``param`` on its own grid (its step from ``lo``; a choice among its options), not ``current``:
    what a class of students sends, most of it never seen before by the server's caches."""
    while True:
        if param.kind == "choice":
            value = rng.choice([o for o in param.options if o != "typed"])  # typing needs its own text box
        elif param.kind == "int":
            value = rng.randint(int(param.lo), int(param.hi))
        else:
            steps = round((param.hi - param.lo) / param.step)
            value = min(param.hi, round(param.lo + rng.randint(0, steps) * param.step, 10))
        if value != current:
            return value


def _share_script_cache() -> None:
    """AppTest compiles every page script again on each run (a ScriptCache of its own per run); a server keeps one
    for all sessions and runs. Shared here, as the server shares it, so that compiling is not counted as the
    page's."""
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_runner
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    shared = ScriptCache()
    app_test.ScriptCache = local_runner.ScriptCache = lambda: shared


def bench_first_view(visits: int = 8) -> list[float]:
    """CPU (``time.process_time``) of a new visitor's first view at the defaults, after a first visitor warmed the
    process's caches, in ms (issue 23's target: at most ~100 ms), and AppTest's own cost of a session's first run
    (a one-line script), which a server does not pay per session. The page runs in AppTest's script thread: to see
    where its time goes, sample it with ``py-spy record -f raw`` (cProfile sees only the calling thread)."""
    from pagebench import _session

    _share_script_cache()
    _session("lessons/gradients/page.py", {"lang": "en"}).run()  # the first visitor
    times = []
    for _ in range(visits):
        at = _session("lessons/gradients/page.py", {"lang": "en"})
        start = time.process_time()
        at.run()
        times.append(1e3 * (time.process_time() - start))
        assert not at.exception, [e.message for e in at.exception]
    print(f"first view after the first visitor: CPU median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
    from streamlit.testing.v1 import AppTest

    floor = []
    for _ in range(visits):  # what AppTest itself spends on a new session's run (a server does it once, at start)
        at = AppTest.from_string("import streamlit as st\nst.write('x')")
        start = time.process_time()
        at.run()
        floor.append(1e3 * (time.process_time() - start))
    print(f"AppTest's own cost, a one-line script's first view: CPU median {statistics.median(floor):.1f} ms")
    return times


def _widget(at, key: str):
    """The page's widget of that key (a slider, a number box or a radio)."""
    return next(w for kind in ("slider", "number_input", "radio") for w in getattr(at, kind) if w.key == key)


def bench_moves(moves: int = 8, seed: int = 1, names: list[str] | None = None) -> dict:
    """CPU (``time.process_time``) of an AppTest rerun after a move of each control to a random value on its grid,
    after a warm-up move: median and max per control, in ms. An AppTest rerun runs the whole page (the server
    reruns only the moved control's fragment), so this is an upper bound of a move's cost."""
    from pagebench import _session

    _share_script_cache()
    rng = random.Random(seed)
    at = _session("lessons/gradients/page.py", {"lang": "en"})
    at.run()
    still = []
    for _ in range(5):  # a rerun that moves nothing: what every move costs on top of its own work, under AppTest
        start = time.process_time()
        at.run()
        still.append(1e3 * (time.process_time() - start))
    print(f"rerun without a move: CPU median {statistics.median(still):.1f} ms")
    result = {}
    for param in params.PARAMS:
        if param.kind not in ("float", "int", "choice") or (names and param.name not in names):
            continue
        key = f"gradients.{param.name}"
        times = []
        for k in range(moves + 1):
            widget = _widget(at, key)
            widget.set_value(random_on_grid(param, rng, widget.value))
            start = time.process_time()
            at.run()
            assert not at.exception, [e.message for e in at.exception]
            if k:  # the first move warms what any move needs
                times.append(1e3 * (time.process_time() - start))
        result[param.name] = (statistics.median(times), max(times))
        print(f"move {param.name:10s} CPU median {result[param.name][0]:7.1f} ms, max {result[param.name][1]:7.1f} ms")
    return result


def _section_work(v: dict, lang: str = "en") -> dict:
    """What each section's fragment computes from the page's values ``v`` (studies, sentences, chart specs),
    without Streamlit's elements: by the controls it reads."""
    from lessons.gradients import figures
    from lessons.gradients import readings as lesson

    def series():
        lesson.scalar_text(v["w"], params.SERIES_STEPS), figures.series_chart(lang, v["w"])
        if v["w"] < 0:
            figures.sign_chart(lang, v["w"])

    def flow():
        figures.flow_chart(lang, v["count_u"], v["count_w"]), lesson.flow_reading(v["count_u"], v["count_w"], 50)

    def matrices():
        args = (v["kind"], v["size"], v["seed"], v["rho"])
        study = lesson.recurrence(*args, v["steps"], v["xs"], v["matrix"])
        lesson.conditions_text(study, v["steps"]), lesson.norm_notes(study, v["steps"])
        figures.eigen_chart(lang, *args, v["matrix"]), figures.norm_chart(lang, *args, v["steps"], v["xs"], v["matrix"])

    def cliff_section():
        study = lesson.cliff_study(v["cliff_w"], v["lr"], v["clip"])
        figures.cliff_chart(lang, v["cliff_w"], v["lr"], v["clip"]), figures.profile_chart(lang, v["cliff_w"])
        if study["wall_b"] is not None and study["plain"]["finite"]:
            lesson.cliff_step_text(study, v["cliff_w"], v["lr"]), lesson.cliff_clip_text(study, v["clip"])

    def memory():
        probe = lesson.memory(v["mem_rho"], v["mem_len"], v["mem_seed"])
        (
            figures.memory_charts(lang, v["mem_rho"], v["mem_len"], v["mem_seed"]),
            lesson.memory_reading(probe, v["mem_len"]),
        )

    return {
        **dict.fromkeys(("w",), series),
        **dict.fromkeys(("count_u", "count_w"), flow),
        **dict.fromkeys(("kind", "size", "seed", "rho", "steps", "xs"), matrices),
        **dict.fromkeys(("cliff_w", "lr", "clip"), cliff_section),
        **dict.fromkeys(("mem_rho", "mem_len", "mem_seed"), memory),
    }


def bench_section_moves(moves: int = 15, seed: int = 1) -> dict:
    """CPU of what a move's fragment computes (its studies, sentences and chart specs; not Streamlit's elements),
    each control moved to random values on its grid from the defaults, the process's caches warm with the
    defaults: median and max per control in ms. A server reruns only that fragment on a move."""
    rng = random.Random(seed)
    defaults = {p.name: p.default for p in params.PARAMS}
    for work in set(_section_work(defaults).values()):
        work()  # the first visitor: imports, templates, the defaults' studies
    result = {}
    for param in params.PARAMS:
        if param.kind not in ("float", "int", "choice"):
            continue
        times, v = [], dict(defaults)
        for _ in range(moves):
            v[param.name] = random_on_grid(param, rng, v[param.name])
            start = time.process_time()
            _section_work(v)[param.name]()
            times.append(1e3 * (time.process_time() - start))
        result[param.name] = (statistics.median(times), max(times))
        median, most = result[param.name]
        print(f"section work {param.name:10s} CPU median {median:7.1f} ms, max {most:7.1f} ms")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=0, help="time this many random moves of each control instead")
    parser.add_argument("--control", action="append", help="only this control (repeatable)")
    parser.add_argument("--first-view", action="store_true", help="time a new visitor's first view instead")
    parser.add_argument("--sections", type=int, default=0, help="time this many moves of each control's section work")
    parser.add_argument("--extremes", action="store_true", help="time the heavy calls at the sliders' ends instead")
    args = parser.parse_args()
    if args.extremes:
        bench_extremes()
    elif args.sections:
        bench_section_moves(args.sections)
    elif args.first_view:
        bench_first_view()
    elif args.moves:
        bench_moves(args.moves, names=args.control)
    else:
        main()
