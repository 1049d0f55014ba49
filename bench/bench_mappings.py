"""Speed of the sequence-mappings lesson: training each model, the page's cached evaluations, and the page's
server-side run times.

Run: OPENBLAS_NUM_THREADS=1 python bench/bench_mappings.py [--no-train]
Targets (issue 6): first view of the page at most 1.5 s server-side, warm rerun at most 150 ms median (AppTest).
The page does not train: it loads the weights that scripts/train_mappings.py wrote, so training time only
matters for that script and for tests/test_mappings.py (which retrains every model once).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core import mappings  # noqa: E402


def bench_training() -> None:
    print("Training (scripts/train_mappings.py's work), full batch, one run each:")
    for task in mappings.TASKS:
        trained = mappings.train(task)
        accuracy, n = mappings.held_out_accuracy(task, trained.params, trained.seed)
        spec = mappings.TASKS[task]
        print(
            f"  {task:13s} {trained.seconds:5.2f} s  ({len(trained.losses)} iterations, H = {spec.hidden}, "
            f"{sum(w.size for w in trained.params.values())} weights) -> held-out accuracy {accuracy:.1%} of {n}"
        )


def bench_core() -> None:
    print("What the page computes (cached per mapping, except the run on the typed input):")
    for task in mappings.TASKS:
        start = time.perf_counter()
        trained = mappings.load(task)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        mappings.held_out_accuracy(task, trained.params, trained.seed)
        mappings.accuracy_by_length(task, trained.params, trained.seed)
        evaluated = time.perf_counter() - start
        x = mappings.random_inputs(task, mappings.TASKS[task].lengths[1], 1, np.random.default_rng(0))[0]
        times = []
        for _ in range(20):
            start = time.perf_counter()
            mappings.run(task, trained.params, x)
            times.append(time.perf_counter() - start)
        print(
            f"  {task:13s} load {loaded * 1e3:5.1f} ms, held-out + accuracy by length {evaluated * 1e3:6.1f} ms, "
            f"one input {statistics.median(times) * 1e3:.2f} ms"
        )


def bench_page(reruns: int = 30) -> None:
    """First view and warm reruns of each mapping, server-side, through AppTest."""
    from pagebench import bench_page as timings

    for task in mappings.TASKS:
        timings("lessons/mappings/page.py", {"m": task}, reruns=reruns, visits=3)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-train", action="store_true", help="skip timing the training runs")
    args = parser.parse_args()
    if not args.no_train:
        bench_training()
    bench_core()
    bench_page()
