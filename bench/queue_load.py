"""Do other students' moves stay quick while long computations wait in the work queue?

    python bench/queue_load.py                     # 20 sessions x 5 moves, then again with 6 long races queued
    python bench/queue_load.py --sessions 40 --moves 3 --jobs 10

Starts the app on a free loopback port (its own SQLite class store in a temporary directory). Phase A: the sessions
open the counting lesson and each moves its W slider to random values on the slider's grid, each move as soon as
the previous answer is complete. Phase B: other sessions open the optimizer race at its longest settings, each with
a different number of updates, so each is a job of its own in the queue (ui/work_queue.py: one runs at a time, the
rest wait); while they run, the same sessions move again. Prints the wait per move (p50, p95) in both phases, the
server's CPU seconds during phase B and how many jobs had finished by its end. Absolute times on a shared machine
are noise: compare the two phases of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from proctree import cpu_seconds  # noqa: E402  (the server and its trainer process)
from wsclient import StreamlitClient  # noqa: E402

LONG_RACE = "lang=en&data=generated&n=500&len=50&iters={iters}"  # about 2.6 s of CPU each (README)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def moves(base: str, sessions: int, n_moves: int, seed: int) -> list[float]:
    """Each session opens the counting lesson and moves W to ``n_moves`` random values; returns every wait."""
    rng = random.Random(seed)
    clients = [StreamlitClient(base, timeout=180, keep_messages=False) for _ in range(sessions)]
    await asyncio.gather(*(c.connect() for c in clients))
    await asyncio.gather(*(c.open_page("counting", "lang=en") for c in clients))
    waits: list[float] = []

    async def one(client: StreamlitClient) -> None:
        for _ in range(n_moves):
            value = round(rng.uniform(-3, 3) / 0.05) * 0.05
            start = time.perf_counter()
            result = await client.move("counting.w", value)
            waits.append(time.perf_counter() - start)
            if result.exceptions:
                raise RuntimeError(result.exceptions)

    await asyncio.gather(*(one(c) for c in clients))
    await asyncio.gather(*(c.close() for c in clients))
    return waits


async def run(args, base: str, pid: int) -> None:
    await moves(base, 2, 1, 0)  # the lesson's caches, as a first visitor builds them
    alone = await moves(base, args.sessions, args.moves, 1)
    askers = [StreamlitClient(base, timeout=180, keep_messages=False) for _ in range(args.jobs)]
    await asyncio.gather(*(c.connect() for c in askers))
    start = time.perf_counter()
    opened = await asyncio.gather(
        *(c.open_page("optimizers", LONG_RACE.format(iters=5000 - k)) for k, c in enumerate(askers))
    )
    assert all(not r.exceptions for r in opened), [r.exceptions for r in opened]
    print(
        f"{args.jobs} long races asked for; their pages answered (with the waiting box) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    cpu0, phase_b = cpu_seconds(pid), time.perf_counter()
    busy = await moves(base, args.sessions, args.moves, 2)
    cpu, phase_b = cpu_seconds(pid) - cpu0, time.perf_counter() - phase_b

    def box(client: StreamlitClient):
        """The waiting box's Cancel button (its fragment is what the browser's timer reruns), or None."""
        return next((w for w in client.widgets.values() if w.key == "work_cancel"), None)

    def waiting(client: StreamlitClient) -> bool:
        return box(client) is not None

    # The askers' browsers poll their waiting boxes (a fragment timer the bench client does not run): rerun them
    # every second until every race has come back.
    left = [c for c in askers if waiting(c)]
    at_end_of_b = args.jobs - len(left)
    while left and time.perf_counter() - start < 300:
        await asyncio.sleep(1.0)
        await asyncio.gather(*(c.rerun(fragment_id=box(c).fragment_id) for c in left))
        left = [c for c in left if waiting(c)]
    drained = time.perf_counter() - start
    await asyncio.gather(*(c.close() for c in askers))
    for name, waits in (("A: nothing else", alone), (f"B: {args.jobs} long races queued", busy)):
        print(f"{name:28s} {len(waits):4d} moves   p50 {statistics.median(waits):.2f} s   p95 {pct(waits, 0.95):.2f} s")
    print(
        f"phase B: {phase_b:.1f} s, server CPU {cpu:.1f} s, races back by its end {at_end_of_b} of {args.jobs}; "
        f"all {args.jobs - len(left)} back {drained:.1f} s after they were asked for"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--moves", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=6)
    args = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, RNNLAB_DATABASE_URL=f"sqlite:///{tmp}/class.sqlite3")
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ]
        with open(Path(tmp) / "server.log", "w") as log:
            proc = subprocess.Popen(cmd, cwd=HERE.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                            break
                    except OSError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError("the app did not start")
                    time.sleep(0.5)
                asyncio.run(run(args, base, proc.pid))
            finally:
                proc.terminate()
                proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
