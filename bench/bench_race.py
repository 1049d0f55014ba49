"""Time the "taming the explosion" race: six optimizers x 500 iterations on the book's data, from its start.

Run from the repository root: ``python bench/bench_race.py [--repeats 9]``. Prints the median wall time of the
whole race and of each runner in milliseconds, and the race's CPU time (steadier on a shared machine). The
lesson reruns the race on every widget change, so it should stay well under 100 ms.

The settings keep every runner going for all 500 iterations (the worst case for timing): from (U, W) =
(-1.5, 2) the gradient is about 10^9, so plain descent needs a learning rate near 10^-8 to survive.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from lessons.counting.params import BOOK  # noqa: E402
from rnn_core import counting, optim  # noqa: E402

START = BOOK["rprop_start"]
N_ITER = BOOK["iters"]
RUNNERS = {
    "sgd": optim.sgd(1e-8),
    "momentum": optim.momentum(1e-9, 0.9),
    "rmsprop": optim.rmsprop(0.01, 0.9, 1e-8),
    "adam": optim.adam(0.05),
    "rprop-": optim.rprop(0.001),  # the book's settings
    "newton": optim.newton(damping=1.0),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    X, targets = counting.book_dataset()

    per_runner = {name: [] for name in RUNNERS}
    totals, cpu_totals, trajectories = [], [], {}
    for _ in range(args.repeats):
        race_start, race_cpu = time.perf_counter(), time.process_time()
        for name, optimizer in RUNNERS.items():
            t0 = time.perf_counter()
            trajectories[name] = counting.fit(X, targets, START, optimizer, N_ITER)
            per_runner[name].append(time.perf_counter() - t0)
        totals.append(time.perf_counter() - race_start)
        cpu_totals.append(time.process_time() - race_cpu)

    print(f"race of {len(RUNNERS)} optimizers x {N_ITER} iterations, median of {args.repeats} repeats")
    for name, times in per_runner.items():
        run = trajectories[name]
        U, W = run.params[-1]
        print(
            f"  {name:9s} {1e3 * statistics.median(times):7.2f} ms   {len(run.updates):3d} updates"
            f"   ends at U={U:+.6f} W={W:+.6f}   {run.reason or ''}"
        )
    median_ms, fastest_ms = 1e3 * statistics.median(totals), 1e3 * min(totals)
    print(f"  {'total':9s} {median_ms:7.2f} ms wall (fastest {fastest_ms:.2f} ms)")
    print(f"  {'cpu':9s} {1e3 * statistics.median(cpu_totals):7.2f} ms")


if __name__ == "__main__":
    main()
