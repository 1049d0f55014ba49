"""Speed of the LSTM lesson: the page's server-side run times and the rnn_core calls it makes.

Run: python bench/bench_lstm_page.py
Targets (issue 5): first view of the page at most 1.5 s server-side with a warm cache (a new visitor once the
shipped models are loaded); warm rerun at most 150 ms median at the default settings.

Issue 23 (a class moving controls to values no one chose), CPU time of this process:
    python bench/bench_lstm_page.py --moves 6 [--page home]    each control moved to 6 random values on its grid
    python bench/bench_lstm_page.py --first-view [--page home] [--profile]    a new visitor's first view
The LSTM's clamp and example number move at a random shipped lag of a random task (there every section draws).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # streamlit_compat: AppTest set up as the page tests set it up

from bench_lstm import median_ms  # noqa: E402

from lessons.lstm import params as lesson  # noqa: E402
from rnn_core import lstm, sweep, tasks  # noqa: E402

DATA_DIR = ROOT / "data" / "lstm"


def bench_core() -> None:
    stored = sweep.load_sweep(DATA_DIR / "first_symbol.npz")
    pair = {m: stored.results[(m, 50)] for m in ("lstm", "rnn")}
    Xb, _ = tasks.make_batch("first_symbol", lesson.FLOW_BATCH, 50, np.random.default_rng(lesson.FLOW_SEED))
    X, _ = tasks.make_batch("first_symbol", 1, 50, np.random.default_rng(0))
    params = lstm.one_unit_params({g: (0.5, 0.5, 0.5) for g in lstm.GATES})
    test_seed = lesson.SWEEP["test_seed"]
    rows = [
        ("load_sweep (first_symbol.npz, 16 models)", lambda: sweep.load_sweep(DATA_DIR / "first_symbol.npz")),
        ("cell_values, one step of a one-unit cell", lambda: lstm.cell_values(1.0, 0.5, 1.0, params)),
        ("story, both versions", lambda: (lstm.story(lesson.BOOK_STORY), lstm.story(lesson.BOOK_STORY, 4.0))),
        ("lstm_insides, one sequence of 51 steps", lambda: tasks.lstm_insides(pair["lstm"], X)),
        ("gradient_flow LSTM, 32 x 51", lambda: tasks.gradient_flow(pair["lstm"], Xb)),
        ("gradient_flow RNN, 32 x 51", lambda: tasks.gradient_flow(pair["rnn"], Xb)),
        ("success_rate LSTM, 1000 sequences", lambda: tasks.success_rate(pair["lstm"], 1000, test_seed)),
    ]
    for name, fn in rows:
        print(f"{name:45s} {median_ms(fn, 20):8.2f} ms (median)")
    start = time.perf_counter()
    run = tasks.train(
        "lstm",
        "first_symbol",
        25,
        seed=0,
        **lesson.TRAINING,
        n_steps=lesson.SWEEP["n_steps"],
        stop_at_solved=lesson.SWEEP["stop_at_solved"],
    )
    print(
        f"{'train-now LSTM, lag 25 (not shipped)':45s} {(time.perf_counter() - start) * 1e3:8.0f} ms "
        f"({len(run.losses)} updates, stopped {run.stopped})"
    )


def bench_page(params: dict[str, str] | None = None, reruns: int = 30, visits: int = 5) -> None:
    from pagebench import bench_page as timings

    timings("lessons/lstm/page.py", params, reruns=reruns, visits=visits)


# --- Moves at random values (issue 23): what a class trying "a few values" costs the server ---------------------

WIDGET_KINDS = ("slider", "number_input", "radio", "selectbox", "segmented_control")


def _widget(at, key: str):
    for kind in WIDGET_KINDS:
        for widget in getattr(at, kind):
            if widget.key == key:
                return widget
    return None


def _random_value(param, rng: np.random.Generator, current):
    """A value of ``param`` on its own grid (a choice among its options), other than ``current``."""
    if param.kind == "choice":
        return str(rng.choice([o for o in param.options if o != current]))
    if param.kind == "int":
        pool = np.arange(int(param.lo), int(param.hi) + 1)
    else:
        pool = np.round(param.lo + param.step * np.arange(int(round((param.hi - param.lo) / param.step)) + 1), 10)
    pool = pool[~np.isclose(pool, current)]
    value = rng.choice(pool)
    return int(value) if param.kind == "int" else float(value)


def bench_moves(page: str, params, moves: int = 8, seed: int = 0, contexts: dict | None = None) -> dict:
    """CPU time (``time.process_time``, ms) of the reruns after moving each control of ``page`` to ``moves`` random
    values on its grid. Each control moves in its own session opened at the defaults, or, for a control named in
    ``contexts``, each move in a new session opened at the settings ``contexts[name](rng)`` gives (query
    parameters: e.g. a random shipped lag, so a clamp's move is not a cache hit). AppTest reruns the whole script:
    an upper bound of a fragment's rerun. Prints the median and max per control and returns the samples."""
    from pagebench import _session, _timed_run

    rng = np.random.default_rng(seed)
    contexts = contexts or {}
    script = f"lessons/{page}/page.py"
    _timed_run(_session(script, None))  # the first visitor: the defaults' caches filled
    samples: dict[str, list[float]] = {}
    for param in params:
        if param.kind not in ("float", "int", "choice"):
            continue
        key = f"{page}.{param.name}"
        at = None
        for _ in range(moves):
            if at is None or param.name in contexts:
                at = _session(script, contexts[param.name](rng) if param.name in contexts else None)
                _timed_run(at)
            widget = _widget(at, key)
            if widget is None:
                break  # not on the page at these settings
            widget.set_value(_random_value(param, rng, widget.value))
            start = time.process_time()
            _timed_run(at)
            samples.setdefault(param.name, []).append((time.process_time() - start) * 1e3)
    for name, times in samples.items():
        print(f"{page}.{name:8s} median {np.median(times):7.0f} ms  max {max(times):7.0f} ms  ({len(times)} moves)")
    every = [x for times in samples.values() for x in times]
    print(f"{page}: all moves median {np.median(every):.0f} ms, max {max(every):.0f} ms ({len(every)} moves)")
    return samples


def shipped_setting(rng: np.random.Generator) -> dict[str, str]:
    """A task and one of its shipped lags, at random: where sections 3 and 4 draw everything."""
    task = str(rng.choice(lesson.P["task"].options))
    return {"task": task, "lag": str(int(rng.choice(sweep.load_sweep(DATA_DIR / f"{task}.npz").lags)))}


LSTM_CONTEXTS = {"clamp": shipped_setting, "ex": shipped_setting}


def bench_first_view(page: str, visits: int = 5, profile: bool = False) -> list[float]:
    """CPU time (ms) of a new visitor's first view of ``page`` at its defaults once another visitor has opened it
    (warm caches). With ``profile``, ``visits`` views run under cProfile in the script's thread, and the heaviest
    functions print (cumulative)."""
    import cProfile
    import pstats
    import threading

    from pagebench import _session, _timed_run

    script = f"lessons/{page}/page.py"
    _timed_run(_session(script, None))  # the first visitor
    profiler = cProfile.Profile() if profile else None
    if profiler:  # AppTest runs the script on a thread of its own
        threading.setprofile(lambda *_: (threading.setprofile(None), profiler.enable()))
    times = []
    for _ in range(visits):
        at = _session(script, None)
        start = time.process_time()
        _timed_run(at)
        times.append((time.process_time() - start) * 1e3)
    print(f"{page}: first view (warm caches) CPU median {np.median(times):.0f} ms, max {max(times):.0f} ms ({visits})")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    return times


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=0, help="moves at random values per control (0: the old bench)")
    parser.add_argument("--page", default="lstm", help="the lesson whose controls move (lstm, home)")
    parser.add_argument("--first-view", action="store_true", help="CPU of a new visitor's first view")
    parser.add_argument("--profile", action="store_true", help="with --first-view: cProfile of the last visit")
    args = parser.parse_args()
    import pytest  # AppTest made to build once per process what a server builds once (tests/streamlit_compat.py)
    from streamlit_compat import build_once_per_process

    with pytest.MonkeyPatch.context() as patch:
        build_once_per_process(patch)
        run(args)


def run(args) -> None:
    import importlib

    if args.first_view:
        bench_first_view(args.page, profile=args.profile)
    elif args.moves:
        params = importlib.import_module(f"lessons.{args.page}.params").PARAMS
        bench_moves(args.page, params, args.moves, contexts=LSTM_CONTEXTS if args.page == "lstm" else None)
    else:
        bench_core()
        bench_page()
        bench_page({"task": "adding", "lag": "60", "clamp": "half"}, reruns=15, visits=3)


if __name__ == "__main__":
    main()
