"""Train the five sequence-mapping models and write their weights to data/mappings/<task>.npz.

Deterministic: the data split and the initial weights come from one seed (default 0), training is full-batch,
and BLAS runs on one thread, so a rerun on the same machine writes the same arrays. The lesson page only
loads these files; tests/test_mappings.py checks that they still reach their accuracy.

Run:  python scripts/train_mappings.py            (train all five, write, report)
      python scripts/train_mappings.py --check    (retrain, compare with the shipped files, write nothing)
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: one thread, same sums every run

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core import mappings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights, write nothing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("tasks", nargs="*", default=list(mappings.TASKS))
    args = parser.parse_args()
    differs = False
    for task in args.tasks:
        trained = mappings.train(task, args.seed)
        accuracy, n = mappings.held_out_accuracy(task, trained.params, args.seed)
        line = (
            f"{task:13s} {trained.seconds:5.2f} s, {len(trained.losses)} iterations, final loss "
            f"{trained.losses[-1]:.2e}, held-out accuracy {accuracy:.1%} of {n}"
        )
        if args.check:
            shipped = mappings.load(task)
            gap = max(float(np.max(np.abs(trained.params[k] - shipped.params[k]))) for k in shipped.params)
            differs |= gap > 1e-9
            line += f"; largest weight difference from the shipped file {gap:.1e}"
        else:
            line += f" -> {mappings.save(trained).relative_to(ROOT)}"
        print(line, flush=True)
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
