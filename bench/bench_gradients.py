"""Time the exploding/vanishing-gradients lesson: its heavy rnn_core calls, and the page itself.

Run from the repository root: ``python bench/bench_gradients.py``. The calls print the best of several runs, in
ms; the page prints its cold first run (fresh process, imports included) and its warm rerun median via AppTest
(issue 3's target: warm rerun at most 150 ms at the default settings).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from rnn_core import cliff, spectral  # noqa: E402

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
        "running_mean_probe rho 0.9, T 60 (default)": lambda: spectral.running_mean_probe(0.9, 60, 0),
        "running_mean_probe rho 0.9, T 200 (largest)": lambda: spectral.running_mean_probe(0.9, 200, 0),
    }
    for name, call in cases.items():
        print(f"{name:45s} {best_ms(call):8.2f} ms")
    bench_page()


def bench_page(script: str = "views/gradients.py", reruns: int = 30) -> None:
    """Cold first run and warm reruns of the page via AppTest: wall-clock median and p90, and the median CPU
    time of this process per rerun (less sensitive to other jobs sharing the machine than wall time)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(script)  # open the page directly, as a deep link does
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    wall, cpu = [], []
    for _ in range(reruns):
        start, start_cpu = time.perf_counter(), time.process_time()
        at.run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert not at.exception, at.exception
    print(f"{script}: cold first run (fresh process, imports included) {cold * 1e3:.0f} ms; warm rerun median "
          f"{statistics.median(wall) * 1e3:.0f} ms (p90 {np.percentile(wall, 90) * 1e3:.0f} ms; CPU time median "
          f"{statistics.median(cpu) * 1e3:.0f} ms; {reruns} reruns, AppTest; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
