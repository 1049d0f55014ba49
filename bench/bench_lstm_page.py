"""Speed of the LSTM lesson: the page's server-side run times and the rnn_core calls it makes.

Run: python bench/bench_lstm_page.py
Targets (issue 5): first view of the page at most 1.5 s server-side with a warm cache (a new visitor once the
shipped models are loaded); warm rerun at most 150 ms median at the default settings.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


if __name__ == "__main__":
    bench_core()
    bench_page()
    bench_page({"task": "adding", "lag": "60", "clamp": "half"}, reruns=15, visits=3)
