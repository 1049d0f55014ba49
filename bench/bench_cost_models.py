"""How well the pages' cost models predict the CPU time of a long race and a long training run.

The optimizers lesson decides whether a race runs at once or is offered ("Run it") from ``readings.race_work``, and
tells the student about how long it takes from ``RACE_SECONDS_PER_UNIT``; the counting lesson does the same for its
descent (``training_work``, ``TRAIN_SECONDS_PER_UNIT``). Their constants (``lessons/*/params.py``) are fitted on
these runs: the page's race and plain descent on data sets of every shape the pages allow, each timed alone, in
CPU time, the best of a few tries.

    python bench/bench_cost_models.py

Prints, per run, the measured and the predicted seconds and their ratio; a model is an upper bound where runners
diverge (they stop early), and otherwise should be within about a fifth.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench_race import fastest_cpu  # noqa: E402  (the best of a few tries, in CPU time)

from lessons.counting import params as counting_params  # noqa: E402
from lessons.counting import readings as counting_readings  # noqa: E402  (the pages' own cost models)
from lessons.optimizers import params as optimizer_params  # noqa: E402
from lessons.optimizers import readings as optimizer_readings  # noqa: E402
from rnn_core import race  # noqa: E402

# (name, sequences, steps, seed) as the pages name a data set: the book's, then generated sets of several shapes
DATA = (
    ("book", 50, 10, 0),
    *(("generated", n, length, 1) for n, length in ((10, 5), (50, 50), (500, 10), (200, 30), (500, 50))),
)
TRIES = 3


def race_rows() -> list[str]:
    p = optimizer_params
    values = {param.name: param.default for param in p.PARAMS}
    entries = p.runner_settings(values, race.RUNNERS)
    rows = []
    for data in DATA:
        _name, n, length, _seed = data
        iters = 5000 if n * length <= 500 else 2000
        X, targets = counting_readings.dataset(*data)  # the pages' own: the book's, or a generated one
        seconds, lanes = fastest_cpu(
            lambda X=X, targets=targets, iters=iters: race.race(X, targets, p.BOOK["start"], entries, iters), TRIES
        )
        predicted = optimizer_readings.work_of_race((n, length), iters, len(entries)) * p.RACE_SECONDS_PER_UNIT
        updates = sum(len(lane.run.updates) for lane in lanes.values())
        rows.append(
            f"| race | {n} x {length} | {iters} | {updates} / {iters * len(entries)} | {seconds:.3f} | "
            f"{predicted:.3f} | {seconds / predicted:.2f} |"
        )
    return rows


def training_rows() -> list[str]:
    p = counting_params
    rows = []
    for data in DATA:
        _name, n, length, _seed = data
        iters = 5000
        X, targets = counting_readings.dataset(*data)
        # From the optimum with a small rate: the run goes on for every update (the model's upper bound).
        seconds, lane = fastest_cpu(
            lambda X=X, targets=targets: race.run_lane(X, targets, (1.0, 1.0), "sgd", iters, lr=1e-6), TRIES
        )
        predicted = counting_readings.training_work((n, length), iters) * p.TRAIN_SECONDS_PER_UNIT
        rows.append(
            f"| descent | {n} x {length} | {iters} | {len(lane.run.updates)} / {iters} | {seconds:.3f} | "
            f"{predicted:.3f} | {seconds / predicted:.2f} |"
        )
    return rows


def main() -> None:
    print("| run | data | updates asked | updates done / at most | measured s | predicted s | measured / predicted |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in race_rows() + training_rows():
        print(row, flush=True)


if __name__ == "__main__":
    main()
