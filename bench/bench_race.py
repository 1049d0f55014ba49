"""Time the counting RNN's training engines in microseconds per iteration: the definition, the old engine, the new.

Run from the repository root: ``python bench/bench_race.py [--repeats 7] [--baseline 3f13ef8]``.

Engines, each on the same runs (every one checked bit for bit equal to ``counting.fit`` before it is timed):

* ``fit``: :func:`rnn_core.counting.fit`, one run after another (the loop the lessons show; the definition);
* ``fit_many (baseline)``: ``rnn_core/race.py``'s ``fit_many`` as it was at ``--baseline`` (read with
  ``git show``; 3f13ef8 is the commit before the fast engine), the lockstep engine the race used;
* ``fit_many (now)``: today's ``fit_many``, any optimizer in lockstep (the fused evaluation of ``rnn_core.lockstep``);
* ``race (lockstep.run)``: :func:`rnn_core.race.race`, what the pages call: the fused evaluation and each runner's
  update (on Python floats for a kind of one run, on arrays over a kind's runs when many go together).

Workloads: the optimizers page's default race (seven runners from the book's start, 500 updates; plain descent
stops where it diverges), one clipped descent alone (the clipping section's run), and the six-runner race of
this file's first version (every runner goes the full 500 updates from (-1.5, 2)). One iteration is one
evaluation of one run (forward, cost, BPTT and its update): the count is the runs' rows, ``len(run.params)``.
CPU time (``time.process_time``), the fastest of ``--repeats``: the machine is shared, and the fastest repeat is
the one least disturbed.

The last two workloads are a class's: forty one-runner runs, one after another and in one Lockstep (the trainer
of ``ui.batched_runs``), and forty whole races (the seven runners each, every student's own learning rates: 280
runs) in one Lockstep, as forty sessions that each start the page's race at once load the trainer.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from lessons.counting.params import BOOK  # noqa: E402
from lessons.optimizers.params import PARAMS, runner_settings  # noqa: E402
from rnn_core import counting, lockstep, optim, race  # noqa: E402

START = BOOK["rprop_start"]
N_ITER = BOOK["iters"]
# Six runners that all go the full 500 iterations from (-1.5, 2): the gradient there is about 10^9, so plain
# descent needs a learning rate near 10^-8 to survive (bench/bench_optimizers_page.py reuses these).
RUNNERS = {
    "sgd": optim.sgd(1e-8),
    "momentum": optim.momentum(1e-9, 0.9),
    "rmsprop": optim.rmsprop(0.01, 0.9, 1e-8),
    "adam": optim.adam(0.05),
    "rprop-": optim.rprop(0.001),  # the book's settings
    "newton": optim.newton(damping=1.0),
}
# The same six as race entries (rnn_core.race.make_optimizer's names and settings).
RUNNER_ENTRIES = {
    "sgd": ("sgd", {"lr": 1e-8}),
    "momentum": ("momentum", {"lr": 1e-9, "mu": 0.9}),
    "rmsprop": ("rmsprop", {"lr": 0.01, "decay": 0.9}),
    "adam": ("adam", {"lr": 0.05}),
    "rprop-": ("rprop", {"step0": 0.001, "variant": "rprop-"}),
    "newton": ("newton", {"damping": 1.0}),
}
PAGE_RACE = runner_settings({p.name: p.default for p in PARAMS}, race.RUNNERS)


def baseline_race_module(commit: str):
    """``rnn_core/race.py`` as it was at ``commit``, imported under another name (its imports are today's)."""
    source = subprocess.run(
        ["git", "show", f"{commit}:rnn_core/race.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    path = Path(f"/tmp/race_at_{commit}.py")
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"race_at_{commit}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def workloads() -> dict[str, tuple[tuple[float, float], dict[str, tuple[str, dict]]]]:
    """``{name: (start, {label: (runner, settings)})}``."""
    return {
        "page's default race (7 runners)": (BOOK["start"], {r: (r, s) for r, s in PAGE_RACE.items()}),
        "one clipped descent (clip alone)": (BOOK["start"], {"clip": ("clip", PAGE_RACE["clip"])}),
        "six runners, all 500 updates": (START, RUNNER_ENTRIES),
    }


def fastest_cpu(work, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.process_time()
        result = work()
        best = min(best, time.process_time() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--baseline", default="3f13ef8", help="the commit whose fit_many is the old engine")
    args = parser.parse_args()
    X, targets = counting.book_dataset()
    old = baseline_race_module(args.baseline)

    print(f"CPU microseconds per iteration (fastest of {args.repeats}), book data, {N_ITER} updates per run")
    for name, (start, entries) in workloads().items():
        optimizers = {label: race.make_optimizer(r, **s) for label, (r, s) in entries.items()}
        engines = {
            "fit": lambda: {k: counting.fit(X, targets, start, o, N_ITER) for k, o in optimizers.items()},
            f"fit_many ({args.baseline})": lambda: old.fit_many(X, targets, start, optimizers, N_ITER),
            "fit_many (now)": lambda: race.fit_many(X, targets, start, optimizers, N_ITER),
            # keyed by runner id: each workload races every runner at most once
            "race (lockstep.run)": lambda: {
                runner: lane.run
                for runner, lane in race.race(X, targets, start, dict(entries.values()), N_ITER).items()
            },
        }
        reference = engines["fit"]()
        iterations = sum(len(run.params) for run in reference.values())
        print(f"\n{name}: {len(entries)} runs, {iterations} iterations")
        base = None
        for engine, work in engines.items():
            seconds, runs = fastest_cpu(work, args.repeats)
            for label, run in reference.items():  # the same runs, bit for bit, or the timing means nothing
                got = runs[label if label in runs else entries[label][0]]
                assert np.array_equal(got.params, run.params) and got.diverged_at == run.diverged_at, (engine, label)
            per_iteration = seconds / iterations * 1e6
            base = per_iteration if engine.startswith("fit_many (") and base is None else base
            versus = f"  ({base / per_iteration:.1f}x fewer than the baseline fit_many)" if base else ""
            print(f"  {engine:22s} {per_iteration:7.1f} us/iteration  {seconds * 1e3:7.1f} ms{versus}")
    class_runs(X, targets, args.repeats)
    class_races(X, targets, args.repeats)


def student_settings(rng: np.random.Generator, runner: str) -> dict:
    """The page's setting of ``runner``, its learning rate (if it has one) scaled by a student's own factor."""
    settings = dict(PAGE_RACE[runner])
    if "lr" in settings:
        settings["lr"] *= float(rng.uniform(0.5, 1.5))
    return settings


def class_runs(X: np.ndarray, targets: np.ndarray, repeats: int) -> None:
    """Forty students who each move a runner's setting at once: forty one-runner runs of 500 updates (each
    student's own learning rate, a runner of the page chosen in turn), one after another as forty sessions would
    train them alone, and together in one ``lockstep.Lockstep`` as ``ui.batched_runs``' trainer does."""
    rng = np.random.default_rng(0)
    runners = ("clip", "momentum", "rmsprop", "adam", "rprop", "newton", "sgd")
    asks = []
    for k in range(40):
        runner = runners[k % len(runners)]
        asks.append((runner, student_settings(rng, runner)))

    def groups():
        return [lockstep.Group(BOOK["start"], {r: race.stepper(r, **s)}, N_ITER) for r, s in asks]

    alone_s, alone = fastest_cpu(lambda: [lockstep.run_groups(X, targets, [g])[0] for g in groups()], repeats)
    together_s, together = fastest_cpu(lambda: lockstep.run_groups(X, targets, groups()), repeats)
    for a, b in zip(alone, together, strict=True):  # the same runs, bit for bit
        for name in a:
            assert np.array_equal(a[name][0].params, b[name][0].params), name
    iterations = sum(len(run.params) for result in alone for run, _ in result.values())
    print(f"\nforty students' runs (one runner each, 500 updates): 40 runs, {iterations} iterations")
    print(f"  one after another      {alone_s / iterations * 1e6:7.1f} us/iteration  {alone_s * 1e3:7.1f} ms")
    print(
        f"  in one Lockstep        {together_s / iterations * 1e6:7.1f} us/iteration  {together_s * 1e3:7.1f} ms"
        f"  ({alone_s / together_s:.1f}x fewer)"
    )


def class_races(X: np.ndarray, targets: np.ndarray, repeats: int) -> None:
    """Forty students who each start the page's whole race at once (the seven runners, each student's own learning
    rates): 280 runs of 500 updates in one ``lockstep.Lockstep``, the load ``ui.batched_runs``' trainer meets when
    a class moves together. Checked against each race run alone (the same runs, bit for bit) once, untimed."""
    rng = np.random.default_rng(1)
    races = [{r: student_settings(rng, r) for r in race.RUNNERS} for _ in range(40)]

    def groups():
        return [lockstep.Group(BOOK["start"], {r: race.stepper(r, **s) for r, s in e.items()}, N_ITER) for e in races]

    together_s, together = fastest_cpu(lambda: lockstep.run_groups(X, targets, groups()), repeats)
    for group, result in zip(groups(), together, strict=True):
        alone = lockstep.run_groups(X, targets, [group])[0]
        for name, (run, series) in alone.items():
            got, got_series = result[name]
            assert np.array_equal(got.params, run.params) and got.diverged_at == run.diverged_at, name
            assert all(np.array_equal(got_series[k], v) for k, v in series.items()), name
    iterations = sum(len(run.params) for result in together for run, _ in result.values())
    print(f"\nforty students' races (the 7 runners each, 500 updates): 280 runs, {iterations} iterations")
    print(f"  in one Lockstep        {together_s / iterations * 1e6:7.1f} us/iteration  {together_s * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
