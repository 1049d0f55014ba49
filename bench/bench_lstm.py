"""Speed of the numpy LSTM's forward + backward (the readable rnn_core.lstm and the fused rnn_core.lstm_fast
that training uses), against torch.nn.LSTM when torch is importable.

Run: OPENBLAS_NUM_THREADS=1 python bench/bench_lstm.py
Sizes: batch 64, T 100, hidden 32, inputs 2, float64; prints the median over repeats, in ms. torch is not a
project dependency: without it the comparison is skipped. Threads: numpy's BLAS uses what the environment
gives (OPENBLAS_NUM_THREADS, else every core); torch is set to the same number (``--threads`` overrides).
The per-step matrices are tiny, so extra threads help little; on a busy machine they make timings noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core import lstm, lstm_fast  # noqa: E402

N, T, D, H = 64, 100, 2, 32


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def bench_numpy(X: np.ndarray, params: dict, dH: np.ndarray, repeats: int, module=lstm_fast) -> float:
    def run():
        _, _, cache = module.forward(X, params)
        module.backward(dH, cache)

    forward_ms = median_ms(lambda: module.forward(X, params), repeats)
    total_ms = median_ms(run, repeats)
    print(f"numpy {module.__name__:20s} forward {forward_ms:7.2f} ms   forward+backward {total_ms:7.2f} ms")
    return total_ms


def bench_torch(X: np.ndarray, params: dict, dH: np.ndarray, repeats: int, threads: int) -> float | None:
    try:
        import torch
    except ImportError:
        print("torch is not installed: no torch.nn.LSTM comparison (pip install torch to add it)")
        return None
    torch.set_num_threads(threads)
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in lstm.params_to_torch(params).items()})
    X_t, dH_t = torch.from_numpy(X).requires_grad_(True), torch.from_numpy(dH)

    def run():
        module.zero_grad()
        X_t.grad = None
        out, _ = module(X_t)
        out.backward(dH_t)

    def forward():
        with torch.no_grad():
            module(X_t)

    forward_ms = median_ms(forward, repeats)
    total_ms = median_ms(run, repeats)
    print(
        f"torch {torch.__version__} ({threads} threads) forward {forward_ms:7.2f} ms   "
        f"forward+backward {total_ms:7.2f} ms"
    )
    return total_ms


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    blas_threads = int(os.environ.get("OPENBLAS_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", 0)))
    parser.add_argument("--threads", type=int, default=blas_threads or os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    params = lstm.init_params(D, H, rng)
    X, dH = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    print(f"batch {N}, T {T}, inputs {D}, hidden {H}, float64, median of {args.repeats}")
    bench_numpy(X, params, dH, args.repeats, lstm)
    ours = bench_numpy(X, params, dH, args.repeats, lstm_fast)
    theirs = bench_torch(X, params, dH, args.repeats, args.threads)
    if theirs is not None:
        print(f"numpy / torch time ratio: {ours / theirs:.2f}")
