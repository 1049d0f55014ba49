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
        print(f"  {task:13s} {trained.seconds:5.2f} s  ({len(trained.losses)} iterations, H = {spec.hidden}, "
              f"{sum(w.size for w in trained.params.values())} weights) -> held-out accuracy {accuracy:.1%} of {n}")


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
        print(f"  {task:13s} load {loaded * 1e3:5.1f} ms, held-out + accuracy by length {evaluated * 1e3:6.1f} ms, "
              f"one input {statistics.median(times) * 1e3:.2f} ms")


def bench_page(reruns: int = 30) -> None:
    """First view and warm reruns of each mapping, server-side, through AppTest."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def session(task: str):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["m"] = task
        at.run()
        start = time.perf_counter()
        at.switch_page("views/mappings.py").run()
        return at, time.perf_counter() - start

    start = time.perf_counter()
    session("many_to_one")
    print(f"Page: fresh process, home page then this page (imports included): {time.perf_counter() - start:.2f} s")
    for task in mappings.TASKS:
        st.cache_data.clear()
        _, cold = session(task)  # empty caches: loads the weights and evaluates the model
        at, warm_first = session(task)  # a new visitor once the cache is warm
        times = []
        for _ in range(reruns):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        print(f"  {task:13s} first view: cold cache {cold * 1e3:4.0f} ms, warm cache {warm_first * 1e3:4.0f} ms; "
              f"warm rerun median {statistics.median(times) * 1e3:3.0f} ms (p90 {np.percentile(times, 90) * 1e3:.0f} "
              f"ms, {reruns} reruns)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-train", action="store_true", help="skip timing the training runs")
    args = parser.parse_args()
    if not args.no_train:
        bench_training()
    bench_core()
    bench_page()
