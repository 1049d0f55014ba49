"""Where a kind's whole-array rule starts to pay in the Lockstep: CPU microseconds per step of n runs of one kind,
with the rule (every kind taken from one run) and with each run's closure (no kind taken), n from 1 to 32.

Run from the repository root: ``python bench/bench_lockstep_kinds.py [--repeats 3] [--steps 300]``.

A rule costs a fixed number of numpy calls whatever its runs (5 for momentum, about 25 for clipping, about 50
for Newton's eigen-solver), a closure a few microseconds per run: ``rnn_core.lockstep``'s ``few`` of each rule is
about where the two columns cross. Each step also evaluates the n runs (the same both ways). The runs sit at the
optimum from (1, 1), so none ends; CPU time, the fastest of ``--repeats`` (the machine is shared).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from rnn_core import counting, lockstep, race  # noqa: E402

KINDS = {
    "sgd": ("sgd", {"lr": 5e-4}),
    "clip (norm)": ("clip", {"lr": 5e-4, "threshold": 50.0}),
    "clip (value)": ("clip", {"lr": 1e-3, "threshold": 10.0, "by": "value"}),
    "momentum": ("momentum", {"lr": 2e-5, "mu": 0.9}),
    "rmsprop": ("rmsprop", {"lr": 0.05, "decay": 0.9}),
    "adam": ("adam", {"lr": 0.1}),
    "rprop": ("rprop", {"step0": 0.001, "variant": "rprop-"}),
    "newton": ("newton", {"damping": 10.0}),
}


@contextlib.contextmanager
def rules_from(few: int):
    """Every rule taken from ``few`` runs of its kind (1: always; a huge number: never)."""
    with contextlib.ExitStack() as stack:
        for rule in vars(lockstep).values():
            if isinstance(rule, type) and issubclass(rule, lockstep._Rule) and "few" in vars(rule):
                stack.enter_context(mock.patch.object(rule, "few", few))
        yield


def per_step(runner: str, settings: dict, n: int, few: int, steps: int, repeats: int) -> float:
    X, targets = counting.book_dataset()
    best = float("inf")
    with rules_from(few):
        for _ in range(repeats):
            together = lockstep.Lockstep(X, targets)
            together.add(lockstep.Group((1.0, 1.0), {k: race.stepper(runner, **settings) for k in range(n)}, steps + 1))
            together.step()  # the runs placed, the buffers made
            start = time.process_time()
            for _ in range(steps):
                together.step()
            best = min(best, (time.process_time() - start) / steps)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args()
    sizes = (1, 2, 4, 8, 16, 32)
    print("CPU us per step: rule / closures, by the number of runs of the kind")
    print(f"{'':14s}" + "".join(f"{f'n={n}':>16s}" for n in sizes))
    for name, (runner, settings) in KINDS.items():
        cells = []
        for n in sizes:
            rule = per_step(runner, settings, n, 1, args.steps, args.repeats)
            closures = per_step(runner, settings, n, 10**9, args.steps, args.repeats)
            cells.append(f"{rule:7.0f} /{closures:5.0f}")
        print(f"{name:14s}" + "".join(f"{cell:>16s}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
