"""Time the exploding/vanishing-gradients lesson: its heavy rnn_core calls, and the page itself.

Run from the repository root: ``python bench/bench_gradients.py``. The calls print the best of several runs, in
ms; the page prints its cold first run (fresh process, imports included) and its warm rerun median via AppTest
(issue 3's target: warm rerun at most 150 ms at the default settings).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from lessons.gradients import params  # noqa: E402
from rnn_core import cliff, memory_probe, spectral  # noqa: E402

REPEATS = 5


def best_ms(call) -> float:
    """The fastest of ``REPEATS`` runs of ``call()``, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def main() -> None:
    P = params.P
    size, M = P["size"].hi, P["steps"].hi  # the largest matrix and the longest chain the page draws
    W = spectral.random_recurrent(size, "gaussian", P["rho"].hi, np.random.default_rng(0))
    w_values = np.linspace(*params.CLIFF_W_RANGE, params.CLIFF_GRID)
    b_values = np.linspace(*params.CLIFF_B_RANGE, params.CLIFF_GRID)
    probe = dict(hidden=params.MEM_HIDDEN, n=params.MEM_SEQUENCES, levels=params.MEM_LEVEL_RANGE)
    default_len, longest = P["mem_len"].default, P["mem_len"].hi
    cases = {
        f"jacobian_norms size {size}, M {M}, linear": lambda: spectral.jacobian_norms(W, M, "linear"),
        f"jacobian_norms size {size}, M {M}, tanh": lambda: spectral.jacobian_norms(
            W, M, "tanh", rng=np.random.default_rng(1)
        ),
        f"pascanu_conditions size {size}": lambda: spectral.pascanu_conditions(W, "tanh"),
        f"error_surface {params.CLIFF_GRID} x {params.CLIFF_GRID}, T {cliff.HORIZON}": lambda: cliff.error_surface(
            w_values, b_values
        ),
        "cross_section 401 points": lambda: cliff.cross_section((0.0, -2.0), (10.0, -5.0)),
        "wall_point + gradient_step": lambda: cliff.gradient_step(
            6.0, cliff.wall_point(6.0, *params.CLIFF_B_RANGE), 0.01
        ),
        f"running_mean_probe rho 0.9, T {default_len} (default)": lambda: memory_probe.running_mean_probe(
            0.9, default_len, 0, **probe
        ),
        f"running_mean_probe rho 0.9, T {longest} (largest)": lambda: memory_probe.running_mean_probe(
            0.9, longest, 0, **probe
        ),
    }
    for name, call in cases.items():
        print(f"{name:45s} {best_ms(call):8.2f} ms")
    bench_page()


def bench_page(script: str = "lessons/gradients/page.py", reruns: int = 30) -> None:
    from pagebench import bench_page as timings

    timings(script, reruns=reruns)


if __name__ == "__main__":
    main()
