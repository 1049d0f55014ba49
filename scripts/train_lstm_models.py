"""Train the LSTM lesson's models and its lag sweep; write data/lstm/<task>.npz.

For each task (remember the first symbol; the adding problem), an LSTM and a tanh RNN are trained at every lag
of SWEEP_LAGS with every seed of SWEEP_SEEDS, with the lesson's settings (lessons/lstm/params.py: TRAINING, the
model's size, batch, Adam's step and the gradient clipping; SWEEP, at most n_steps updates or until the recent
batches were stop_at_solved solved), on fresh random batches. Each run is then tested on n_test fresh sequences
(from test_seed, the same for every run at a lag) with the task's criterion (docs/SOURCES.md, LSTM: Hochreiter &
Schmidhuber's tasks). The file keeps every run's success rate, the settings, and the weights of the keep_seed
runs, which the page shows.

Deterministic: every run's randomness comes from its seed, and BLAS runs on one thread, so a rerun on the same
machine writes the same weights (``--check`` compares them to 1e-9; other BLAS builds may round differently over
hundreds of updates). tests/test_tasks.py checks that the shipped weights still reach their stated rates and that
a rerun starts exactly as the shipped run did and solves the task again.

Run:  python scripts/train_lstm_models.py                 (both tasks, about 15-25 minutes on one core)
      python scripts/train_lstm_models.py --check 10      (retrain the keep_seed runs at lag 10, compare, write nothing)
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: one thread, same sums every run

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lessons.lstm import params  # noqa: E402
from rnn_core import sweep as sweeps  # noqa: E402
from rnn_core import tasks  # noqa: E402

DATA_DIR = ROOT / "data" / "lstm"
SETTINGS = {**params.TRAINING, **params.SWEEP}


def path_of(task: str) -> Path:
    return DATA_DIR / f"{task}.npz"


def report(model: str, lag: int, seed: int, result: tasks.TrainResult, rate: float) -> None:
    print(
        f"  {model:4s} lag {lag:3d} seed {seed}: {len(result.losses):5d} steps, {result.elapsed_s:6.1f} s, "
        f"stopped {result.stopped:6s}, success {rate:.3f}",
        flush=True,
    )


def sweep(task: str, lags, seeds) -> sweeps.Sweep:
    return sweeps.lag_sweep(task, lags, seeds, SETTINGS, report=report)


def check(task: str, lags) -> bool:
    """Retrain the shipped keep_seed runs at ``lags``; True when they match the file."""
    shipped = sweeps.load_sweep(path_of(task))
    same = True
    for lag in lags:
        fresh = sweep(task, [lag], [shipped.settings["keep_seed"]])
        for model in fresh.models:
            old, new = shipped.results[(model, lag)], fresh.results[(model, lag)]
            gap = max(float(np.max(np.abs(old.params[k] - new.params[k]))) for k in old.params)
            j, m = list(shipped.lags).index(lag), shipped.models.index(model)
            rate_gap = abs(fresh.rates[fresh.models.index(model), 0, 0] - shipped.rates[m, j, 0])
            print(
                f"{task} {model} lag {lag}: largest weight difference {gap:.1e}, success-rate difference {rate_gap:.3f}"
            )
            same &= gap <= 1e-9 and rate_gap == 0
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        type=int,
        nargs="*",
        metavar="LAG",
        help="retrain the keep_seed runs at these lags and compare with the shipped file",
    )
    parser.add_argument("--tasks", nargs="*", default=list(tasks.TASKS))
    args = parser.parse_args()
    if args.check is not None:
        return 0 if all(check(task, args.check or [params.SWEEP_LAGS[1]]) for task in args.tasks) else 1
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for task in args.tasks:
        start = time.perf_counter()
        print(f"{task}: lags {params.SWEEP_LAGS}, seeds {params.SWEEP_SEEDS}", flush=True)
        result = sweep(task, params.SWEEP_LAGS, params.SWEEP_SEEDS)
        sweeps.save_sweep(result, path_of(task))
        summary = sweeps.summarise_sweep(result)
        for m, model in enumerate(result.models):
            rates = " ".join(f"{lag}:{r:.2f}" for lag, r in zip(params.SWEEP_LAGS, summary["mean"][m], strict=True))
            print(f"  {model} mean success by lag  {rates}")
        size = path_of(task).stat().st_size / 1e3
        print(
            f"{task}: {time.perf_counter() - start:.0f} s -> {path_of(task).relative_to(ROOT)} ({size:.0f} kB)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
