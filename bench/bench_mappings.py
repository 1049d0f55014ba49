"""Speed of the sequence-mappings lesson: training each model, the page's cached evaluations, and the page's
server-side run times.

Run: OPENBLAS_NUM_THREADS=1 python bench/bench_mappings.py [--no-train] [--moves]
Targets (issue 6): first view of the page at most 1.5 s server-side, warm rerun at most 150 ms median (AppTest).
With --moves (issue 23): a new visitor's first view of each mapping, and moves at random values (a mapping, a typed
input of a random length), in the script thread's CPU (bench/bench_counting.py's helpers).
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


def typed_text(task: str, rng: np.random.Generator) -> str:
    """A random input the page reads for ``task``: a picture of 9 cells, or 1 to ``max_typed`` symbols."""
    spec = mappings.TASKS[task]
    length = mappings.CELLS if task in mappings.PICTURES else int(rng.integers(1, spec.max_typed + 1))
    return "".join(rng.choice(spec.inputs, size=length))


def bench_moves(moves: int = 8, seed: int = 0) -> dict:
    """CPU time (ms, the script thread's) of the rerun after each move a student makes on the page, at random
    values: a mapping chosen at random, and for each mapping an input of a random length typed ``moves`` times.
    After one warm-up visit. Prints and returns {control: (median, max)}."""
    sys.path.insert(0, str(ROOT / "tests"))
    from apptest_helpers import open_app
    from bench_counting import script_cpu

    from lessons.mappings.params import INPUT_PARAM

    rng = np.random.default_rng(seed)
    cpu = script_cpu()
    open_app("mappings")
    at = open_app("mappings")
    result = {}

    def timed(label: str, move) -> None:
        times = []
        for _ in range(moves):
            cpu.take()
            move()
            times.append(cpu.take())
            assert not at.exception, [e.message for e in at.exception]
        result[label] = (statistics.median(times), max(times))
        print(f"  {label:22s} median {result[label][0]:6.0f} ms CPU, max {result[label][1]:6.0f} ms")

    def choose() -> None:
        next(w for w in at.radio if w.key == "mappings.m").set_value(str(rng.choice(list(mappings.TASKS)))).run()

    timed("m (mapping)", choose)
    for task in mappings.TASKS:
        next(w for w in at.radio if w.key == "mappings.m").set_value(task).run()
        key = f"mappings.{INPUT_PARAM[task]}"
        timed(
            f"{INPUT_PARAM[task]} ({task})",
            lambda key=key, task=task: at.text_input(key=key).input(typed_text(task, rng)).run(),
        )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-train", action="store_true", help="skip timing the training runs")
    parser.add_argument("--moves", action="store_true", help="only the page's first view and its moves, CPU")
    args = parser.parse_args()
    if args.moves:
        sys.path.insert(0, str(ROOT / "tests"))
        from bench_counting import bench_first_view

        for task in mappings.TASKS:
            print(task)
            bench_first_view("mappings", visits=6, params={"m": task})
        bench_moves()
        sys.exit()
    if not args.no_train:
        bench_training()
    bench_core()
    bench_page()
