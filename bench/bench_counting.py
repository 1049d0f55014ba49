"""Speed of the counting lesson: the closed-form cost surface, fit against the race engine, and the page's
server-side run times.

Run: python bench/bench_counting.py
Targets (issue 2): a 1000x1000 surface at least 1000x faster than a forward pass per point; the page's warm
rerun at most 150 ms median and its cold first run at most 1.5 s.

Run: OPENBLAS_NUM_THREADS=1 python bench/bench_counting.py --moves
Targets (issue 23): a new visitor's first view at most ~100 ms of CPU after the first visitor; a move of any
control to a random value on its grid well under 0.5 s of CPU (a longer training run goes to the work queue).
Timed as the script thread's CPU (:class:`ScriptCPU`): what the server spends on the run, AppTest's own work left
out. bench/bench_mappings.py --moves does the same for the mappings lesson, with these helpers.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core import counting  # noqa: E402


def bench_surface(n: int = 1000, repeats: int = 7) -> None:
    X, targets = counting.book_dataset()
    grid = np.linspace(-3, 3, n)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        counting.cost_surface(X, targets, grid, grid)
        times.append(time.perf_counter() - start)
    closed = statistics.median(times)
    # Per-point forward passes: time a random sample of grid points and scale to the whole grid.
    rng = np.random.default_rng(0)
    sample = rng.choice(grid, size=(3000, 2))
    start = time.perf_counter()
    for u, w in sample:
        counting.cost(counting.forward(X, u, w), targets)
    per_point = (time.perf_counter() - start) / len(sample)
    naive = per_point * n * n
    print(f"cost_surface {n}x{n} on the book data: {closed * 1e3:.1f} ms (median of {repeats})")
    print(f"forward per grid point: {per_point * 1e6:.1f} us/point -> {naive:.1f} s for the grid (extrapolated)")
    print(f"speed-up: {naive / closed:,.0f}x")


def bench_fit(iters: int = 2000, repeats: int = 5) -> None:
    """The readable loop the page shows (fit) against the race engine (fit_many) for one run that stays finite."""
    from rnn_core import optim, race

    for label, (X, targets) in (
        ("book 50x10", counting.book_dataset()),
        ("generated 500x50", counting.make_dataset(500, 50, 4)),
    ):
        for name, train in (
            ("fit", lambda: counting.fit(X, targets, (0.5, 0.5), optim.sgd(1e-7), iters)),
            ("fit_many", lambda: race.fit_many(X, targets, (0.5, 0.5), {"run": optim.sgd(1e-7)}, iters)),
        ):
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                train()
                times.append(time.perf_counter() - start)
            print(f"{name} on {label}, {iters} iterations: {statistics.median(times) * 1e3:.0f} ms (median)")


def grid_value(param, rng: np.random.Generator):
    """A value of ``param`` drawn at random on its own step grid (as a class moves a control: not a cached one)."""
    if param.kind == "float":
        steps = int(np.floor((param.hi - param.lo) / param.step + 1e-9))
        return float(min(param.hi, round(param.lo + int(rng.integers(0, steps + 1)) * param.step, 10)))
    if param.kind == "int":
        return int(rng.integers(int(param.lo), int(param.hi) + 1))
    return str(rng.choice(param.options))


class ScriptCPU:
    """CPU time of the script runs themselves (the script thread's ``time.thread_time``), in ms, as a server
    spends it on a rerun: without AppTest's own work around each run (it scans installed packages for components
    on every run, which a server does once)."""

    def __init__(self):
        from streamlit.runtime.scriptrunner import script_runner

        self.runs: list[float] = []
        original = script_runner.ScriptRunner._run_script

        def timed(runner, rerun_data):
            start = time.thread_time()
            try:
                return original(runner, rerun_data)
            finally:
                self.runs.append((time.thread_time() - start) * 1e3)

        script_runner.ScriptRunner._run_script = timed

    def take(self) -> float:
        """The CPU of the runs since the last call (a rerun may be several runs: st.rerun)."""
        total, self.runs = sum(self.runs), []
        return total


CPU = None


def script_cpu() -> ScriptCPU:
    global CPU  # noqa: PLW0603 -- one patch per bench process
    CPU = CPU or ScriptCPU()
    return CPU


def widget(at, key: str):
    """The page's widget with ``key`` (a slider, a number box or a choice), or None when it is not drawn."""
    for kind in ("slider", "number_input", "radio", "selectbox", "segmented_control", "pills"):
        for found in getattr(at, kind, ()):
            if found.key == key:
                return found
    return None


def bench_moves(page: str, params, moves: int = 8, seed: int = 0, fixed: dict | None = None) -> dict:
    """CPU time (ms, the script thread's: :class:`ScriptCPU`) of the rerun after moving each control of ``page``
    to ``moves`` random values on its grid, one session moving from the page's defaults (``fixed``: query
    parameters it opens with, e.g. the generated data set, so that its controls are drawn); after one warm-up
    visit, so that what the first visitor computes once per process is not counted.
    Prints and returns {control: (median, max)}."""
    sys.path.insert(0, str(ROOT / "tests"))
    from apptest_helpers import open_app

    rng = np.random.default_rng(seed)
    cpu = script_cpu()
    open_app(page, params=fixed)  # the first visitor: the process's once-only work
    at = open_app(page, params=fixed)
    result = {}
    for param in params:
        if param.kind not in ("float", "int", "choice"):
            continue
        times = []
        for _ in range(moves):
            found = widget(at, f"{page}.{param.name}")
            if found is None:
                break
            value = grid_value(param, rng)
            if param.name == "it":  # its range follows the run
                value = int(rng.integers(found.min, found.max + 1)) if found.max > found.min else found.min
            cpu.take()
            found.set_value(value).run()
            times.append(cpu.take())
            assert not at.exception, [e.message for e in at.exception]
        if times:
            result[param.name] = (statistics.median(times), max(times))
            print(f"  {param.name:6s} median {result[param.name][0]:6.0f} ms CPU, max {result[param.name][1]:6.0f} ms")
    return result


def new_visitor(page: str, params: dict | None = None, first_seed: int = 10**6):
    """A new visitor's session on ``page`` (lang en), run once; its exercise variants are drawn from seeds no
    session drew before (``first_seed`` onwards), as each student of a class gets variants of their own."""
    import itertools

    from apptest_helpers import APP, give_seeds
    from streamlit.testing.v1 import AppTest
    from streamlit_compat import open_page

    at = give_seeds(AppTest.from_file(APP, default_timeout=120), itertools.count(first_seed).__next__)
    at.query_params["lang"] = "en"
    for k, v in (params or {}).items():
        at.query_params[k] = str(v)
    open_page(at, page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def bench_first_view(page: str, visits: int = 5, params: dict | None = None) -> float:
    """CPU time (ms) of a new visitor's first view with warm caches (after one visitor), median of ``visits``;
    every visitor draws new exercise variants (a server makes each once)."""
    sys.path.insert(0, str(ROOT / "tests"))
    cpu = script_cpu()
    new_visitor(page, params, first_seed=10**6)
    times = []
    for visit in range(visits):
        cpu.take()
        new_visitor(page, params, first_seed=10**6 + 1000 * (visit + 1))
        times.append(cpu.take())
    print(
        f"  first view of a new visitor, warm caches: median {statistics.median(times):.0f} ms CPU, "
        f"max {max(times):.0f} ms ({visits} visits, new exercise variants each)"
    )
    return statistics.median(times)


def bench_page(script: str = "lessons/counting/page.py", reruns: int = 30) -> None:
    from pagebench import bench_page as timings

    timings(script, reruns=reruns)


if __name__ == "__main__":
    if sys.argv[1:] == ["--moves"]:  # the page only: its first view and a move of each control at random values
        from lessons.counting.params import PARAMS

        bench_first_view("counting", visits=8)
        bench_moves("counting", PARAMS)
        print("generated data set:")
        bench_moves("counting", [p for p in PARAMS if p.name in ("n", "len", "seed")], fixed={"data": "generated"})
        sys.exit()
    bench_surface()
    bench_fit()
    bench_page("lessons/counting/page.py")
    bench_page("lessons/home/page.py")
