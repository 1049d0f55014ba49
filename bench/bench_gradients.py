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
    W = spectral.random_recurrent(64, "gaussian", 1.5, np.random.default_rng(0))
    w_values = np.linspace(*cliff.W_RANGE, 100)
    b_values = np.linspace(*cliff.B_RANGE, 100)
    cases = {
        "jacobian_norms size 64, M 200, linear": lambda: spectral.jacobian_norms(W, 200, "linear"),
        "jacobian_norms size 64, M 200, tanh": lambda: spectral.jacobian_norms(
            W, 200, "tanh", rng=np.random.default_rng(1)
        ),
        "pascanu_conditions size 64": lambda: spectral.pascanu_conditions(W, "tanh"),
        "error_surface 100 x 100, T 50": lambda: cliff.error_surface(w_values, b_values),
        "cross_section 401 points": lambda: cliff.cross_section((0.0, -2.0), (10.0, -5.0)),
        "wall_point + gradient_step": lambda: cliff.gradient_step(
            6.0, cliff.wall_point(6.0, *cliff.B_RANGE), 0.01
        ),
        "running_mean_probe rho 0.9, T 60 (default)": lambda: memory_probe.running_mean_probe(0.9, 60, 0),
        "running_mean_probe rho 0.9, T 200 (largest)": lambda: memory_probe.running_mean_probe(0.9, 200, 0),
    }
    for name, call in cases.items():
        print(f"{name:45s} {best_ms(call):8.2f} ms")
    bench_page()


def bench_page(script: str = "lessons/gradients/page.py", reruns: int = 30) -> None:
    from pagebench import bench_page as timings

    timings(script, reruns=reruns)


if __name__ == "__main__":
    main()
