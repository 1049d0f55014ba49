"""Speed of the counting lesson: the closed-form cost surface, fit against the race engine, and the page's
server-side run times.

Run: python bench/bench_counting.py
Targets (issue 2): a 1000x1000 surface at least 1000x faster than a forward pass per point; the page's warm
rerun at most 150 ms median and its cold first run at most 1.5 s.
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


def bench_page(script: str = "lessons/counting/page.py", reruns: int = 30) -> None:
    from pagebench import bench_page as timings

    timings(script, reruns=reruns)


if __name__ == "__main__":
    bench_surface()
    bench_fit()
    bench_page("lessons/counting/page.py")
    bench_page("lessons/home/page.py")
