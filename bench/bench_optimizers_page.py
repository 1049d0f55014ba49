"""Speed of the optimizer lesson: the default race, and the page's server-side run times.

Run: python bench/bench_optimizers_page.py [--reruns 30]
Targets (issue 4): a race of six optimizers x 500 iterations on the book's data well under 100 ms; the page's warm
rerun at most 150 ms median. Prints
- bench/bench_race.py's worst case (six runners that all go the full 500 iterations), one ``fit`` after another
  and in lockstep with ``fit_many`` (the page's way), CPU time, which is steadier on a shared machine;
- the page's own default race (seven runners; plain descent stops where it diverges);
- the page's cold first run and warm rerun median under AppTest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_counting import bench_page  # noqa: E402
from bench_race import N_ITER, RUNNERS, START  # noqa: E402

from lessons.optimizers.params import BOOK, PARAMS, runner_settings  # noqa: E402
from rnn_core import counting, race  # noqa: E402

PAGE_RACE = runner_settings({p.name: p.default for p in PARAMS}, race.RUNNERS)  # the race a page opens on


def cpu_ms(work, repeats: int) -> tuple[float, float]:
    """Median and fastest CPU time of ``work()`` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3, min(times) * 1e3


def bench_worst_case_race(repeats: int = 9) -> None:
    X, targets = counting.book_dataset()
    one_by_one = cpu_ms(lambda: [counting.fit(X, targets, START, o, N_ITER) for o in RUNNERS.values()], repeats)
    lockstep = cpu_ms(lambda: race.fit_many(X, targets, START, RUNNERS, N_ITER), repeats)
    print(
        f"race of {len(RUNNERS)} optimizers x {N_ITER} iterations (bench_race.py's), CPU median (fastest) of "
        f"{repeats}: one fit after another {one_by_one[0]:.1f} ms ({one_by_one[1]:.1f}); "
        f"fit_many in lockstep {lockstep[0]:.1f} ms ({lockstep[1]:.1f})"
    )


def bench_default_race(repeats: int = 9) -> None:
    X, targets = counting.book_dataset()
    lanes = race.race(X, targets, BOOK["start"], PAGE_RACE, BOOK["iters"])
    updates = sum(len(lane.run.updates) for lane in lanes.values())
    median, fastest = cpu_ms(lambda: race.race(X, targets, BOOK["start"], PAGE_RACE, BOOK["iters"]), repeats)
    print(
        f"the page's default race ({len(PAGE_RACE)} optimizers, {updates} updates in all, from (-2, 0)), "
        f"with the state histories turned into arrays: CPU median {median:.1f} ms (fastest {fastest:.1f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=30)
    args = parser.parse_args()
    bench_worst_case_race()
    bench_default_race()
    bench_page("lessons/optimizers/page.py", reruns=args.reruns)
