"""Speed of the optimizer lesson: the default race, and the page's server-side run times.

Run: python bench/bench_optimizers_page.py [--reruns 30] [--moves 3]
Targets (issue 4): a race of six optimizers x 500 iterations on the book's data well under 100 ms; the page's warm
rerun at most 150 ms median. Issue 23: a new visitor's first view at most ~100 ms of CPU once caches are warm,
and no control's move above ~0.5 s of CPU. Prints
- bench/bench_race.py's worst case (six runners that all go the full 500 iterations), one ``fit`` after another
  and in lockstep with ``fit_many`` (the page's way), CPU time, which is steadier on a shared machine;
- the page's own default race (seven runners; plain descent stops where it diverges);
- the page's cold first run and warm rerun median under AppTest;
- with ``--moves N``: a new visitor's first view with warm caches (CPU), and per control the CPU of a rerun after
  N moves to random values on its own grid (each from a fresh session at the defaults), median and max. AppTest
  reruns the whole page where a browser reruns the control's section alone: the figures are an upper bound, and
  the moves of "it", "focus" and "speed" (which compute nothing new) show the floor of a whole rerun.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_counting import bench_page  # noqa: E402
from bench_race import N_ITER, RUNNERS, START  # noqa: E402
from pagebench import _session  # noqa: E402

from lessons.optimizers.params import BOOK, PARAMS, runner_settings  # noqa: E402
from rnn_core import counting, race  # noqa: E402

PAGE_RACE = runner_settings({p.name: p.default for p in PARAMS}, race.RUNNERS)  # the race a page opens on


def cpu_ms(work, repeats: int) -> tuple[float, float]:
    """Median and fastest CPU time of ``work()`` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3, min(times) * 1e3


def bench_worst_case_race(repeats: int = 9) -> None:
    X, targets = counting.book_dataset()
    one_by_one = cpu_ms(lambda: [counting.fit(X, targets, START, o, N_ITER) for o in RUNNERS.values()], repeats)
    lockstep = cpu_ms(lambda: race.fit_many(X, targets, START, RUNNERS, N_ITER), repeats)
    print(
        f"race of {len(RUNNERS)} optimizers x {N_ITER} iterations (bench_race.py's), CPU median (fastest) of "
        f"{repeats}: one fit after another {one_by_one[0]:.1f} ms ({one_by_one[1]:.1f}); "
        f"fit_many in lockstep {lockstep[0]:.1f} ms ({lockstep[1]:.1f})"
    )


def bench_default_race(repeats: int = 9) -> None:
    X, targets = counting.book_dataset()
    lanes = race.race(X, targets, BOOK["start"], PAGE_RACE, BOOK["iters"])
    updates = sum(len(lane.run.updates) for lane in lanes.values())
    median, fastest = cpu_ms(lambda: race.race(X, targets, BOOK["start"], PAGE_RACE, BOOK["iters"]), repeats)
    print(
        f"the page's default race ({len(PAGE_RACE)} optimizers, {updates} updates in all, from (-2, 0)), "
        f"with the state histories turned into arrays: CPU median {median:.1f} ms (fastest {fastest:.1f})"
    )


SCRIPT = "lessons/optimizers/page.py"


class Visitors:
    """New sessions of the page. AppTest scans the installed packages for components once per AppTest (a server
    does it once at its start): every session after the first shares the first one's scan."""

    def __init__(self):
        self.manager = None

    def new(self):
        at = _session(SCRIPT, None)
        if self.manager is not None:
            at._bidi_component_manager = self.manager
        return at

    def opened(self):
        at = self.new()
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        self.manager = at._bidi_component_manager
        return at


def on_grid(param, rng: np.random.Generator):
    """A random value of ``param`` on its own grid (what a student can set)."""
    if param.kind == "float":
        steps = int(math.floor((param.hi - param.lo) / param.step + 1e-9))
        return min(param.hi, round(param.lo + int(rng.integers(0, steps + 1)) * param.step, 10))
    if param.kind == "int":
        return int(rng.integers(int(param.lo), int(param.hi) + 1))
    return param.options[int(rng.integers(len(param.options)))]


def bench_moves(moves: int, visits: int = 8, seed: int = 7) -> None:
    visitors = Visitors()
    visitors.opened()  # the first visitor: every cache filled
    visitors.opened()
    first = []
    for _ in range(visits):
        at = visitors.new()
        start = time.process_time()
        at.run()
        first.append(time.process_time() - start)
    print(
        f"first view of a new visitor, warm caches: CPU median {1e3 * statistics.median(first):.0f} ms, "
        f"max {1e3 * max(first):.0f} ({visits} visitors)"
    )
    rng = np.random.default_rng(seed)
    for param in PARAMS:
        if param.kind == "multi" or param.name == "data":
            continue
        times = []
        for _ in range(moves):
            at = visitors.opened()
            at.session_state[f"optimizers.{param.name}"] = on_grid(param, rng)
            start = time.process_time()
            at.run()
            times.append(time.process_time() - start)
            assert not at.exception, [e.message for e in at.exception]
        print(
            f"{param.name:8s} CPU per move: median {1e3 * statistics.median(times):5.0f} ms, "
            f"max {1e3 * max(times):5.0f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=30)
    parser.add_argument("--moves", type=int, default=0, help="random moves per control (0: none)")
    args = parser.parse_args()
    if args.moves:
        bench_moves(args.moves)
        sys.exit()
    bench_worst_case_race()
    bench_default_race()
    bench_page("lessons/optimizers/page.py", reruns=args.reruns)
