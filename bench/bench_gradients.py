"""Time the exploding/vanishing-gradients lesson: its heavy rnn_core calls, and the page itself.

Run from the repository root: ``python bench/bench_gradients.py``. The calls print the best of several runs, in
ms; the page prints its cold first run (fresh process, imports included) and its warm rerun median via AppTest
(issue 3's target: warm rerun at most 150 ms at the default settings).
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


def bench_first_view(visits: int = 8, profile: bool = False) -> list[float]:
    """CPU (``time.process_time``) of a new visitor's first view at the defaults, after a first visitor warmed the
    process's caches, in ms (issue 23's target: at most ~100 ms). With ``profile``, cProfile's top functions of
    those views."""
    import cProfile
    import pstats

    from pagebench import _session

    _session("lessons/gradients/page.py", {"lang": "en"}).run()  # the first visitor
    profiler = cProfile.Profile() if profile else None
    times = []
    for _ in range(visits):
        at = _session("lessons/gradients/page.py", {"lang": "en"})
        start = time.process_time()
        if profiler:
            profiler.enable()
        at.run()
        if profiler:
            profiler.disable()
        times.append(1e3 * (time.process_time() - start))
        assert not at.exception, [e.message for e in at.exception]
    print(f"first view after the first visitor: CPU median {statistics.median(times):.1f} ms, max {max(times):.1f} ms")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return times


def _widget(at, key: str):
    """The page's widget of that key (a slider, a number box or a radio)."""
    return next(w for kind in ("slider", "number_input", "radio") for w in getattr(at, kind) if w.key == key)


def bench_moves(moves: int = 8, seed: int = 1, names: list[str] | None = None) -> dict:
    """CPU (``time.process_time``) of an AppTest rerun after a move of each control to a random value on its grid,
    after a warm-up move: median and max per control, in ms. An AppTest rerun runs the whole page (the server
    reruns only the moved control's fragment), so this is an upper bound of a move's cost."""
    from pagebench import _session

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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=0, help="time this many random moves of each control instead")
    parser.add_argument("--control", action="append", help="only this control (repeatable)")
    parser.add_argument("--first-view", action="store_true", help="time a new visitor's first view instead")
    parser.add_argument("--profile", action="store_true", help="with --first-view: cProfile those views")
    args = parser.parse_args()
    if args.first_view:
        bench_first_view(profile=args.profile)
    elif args.moves:
        bench_moves(args.moves, names=args.control)
    else:
        main()
