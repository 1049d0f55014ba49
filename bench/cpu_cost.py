"""What one student costs the server, in CPU: a lesson's first view and a move to a random value, one at a time.

The class bench (``bench/classroom.py``) measures waits under a class's load, which the machine's other work
disturbs. This measures the server's own CPU time (its process's user + system time from ``/proc``) for each step
of a student who arrives after the first visitor, with nothing else running on the server:

* first view: a new session opens the lesson (the lesson was opened once before, so per-process caches are warm
  and only what each visitor costs is counted: the issue's "at most ~100 ms of CPU after the first visitor"; one
  other session stays connected, as a class's do, so the compiled page scripts stay in Streamlit's cache);
* a move: that session moves one of the lesson's controls, chosen at random, to a random value on its own grid
  (what a class does: caches keyed on values do not hide the work), and the server's CPU until the run ends.

    python bench/cpu_cost.py                       # starts its own server (the app's own config)
    python bench/cpu_cost.py --pages optimizers --visits 20
    python bench/cpu_cost.py --url http://127.0.0.1:8501 --server-pid 1234

Prints per lesson the first view's median and p90 CPU ms, the moves' median, p90 and max CPU ms, and per control
the median and max CPU ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import proctree  # noqa: E402
from wsclient import StreamlitClient  # noqa: E402

from classroom import (  # noqa: E402  (bench/classroom.py: the server, the controls and their random values)
    PAGE_PATH,
    ROOT,
    Server,
    controls,
    free_port,
    page_controls,
    random_value,
    warm,
)

PAGES = ("home", "mappings", "counting", "gradients", "optimizers", "lstm")


def cpu_seconds(pid: int) -> float:
    """The server's user + system CPU time, its live child processes (the trainer) included (bench/proctree.py)."""
    return proctree.cpu_seconds(pid)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure(url: str, pid: int, page: str, visits: int, moves: int, seed: int, query: str) -> dict:
    params = page_controls(page)
    opens, moved = [], {}
    for visit in range(visits):
        rng = random.Random(f"{seed}-{page}-{visit}")
        client = StreamlitClient(url, timeout=300, keep_messages=False)
        try:
            await client.connect()
            await asyncio.sleep(0.05)  # the connection's own work settles before the clock starts
            before = cpu_seconds(pid)
            await client.open_page(PAGE_PATH.get(page, page), query)
            opens.append(1000 * (cpu_seconds(pid) - before))
            for _ in range(moves):
                found = controls(client, params)
                if not found:
                    break
                widget = rng.choice(found)
                value = random_value(widget, (params or {}).get(widget.key), rng)
                await asyncio.sleep(0.05)
                before = cpu_seconds(pid)
                result = await client.move(widget, value)
                spent = 1000 * (cpu_seconds(pid) - before)
                if result.exceptions:
                    raise RuntimeError(f"{page}: {widget.key}={value!r}: {result.exceptions}")
                moved.setdefault(widget.key, []).append(spent)
        finally:
            await client.close()
    every = [ms for values in moved.values() for ms in values]
    return {
        "page": page,
        "open_p50": statistics.median(opens),
        "open_p90": pct(opens, 0.9),
        "move_p50": statistics.median(every) if every else None,
        "move_p90": pct(every, 0.9) if every else None,
        "move_max": max(every) if every else None,
        "controls": {key: (statistics.median(v), max(v), len(v)) for key, v in sorted(moved.items())},
    }


def report(rows: list[dict]) -> str:
    def f(v):
        return "—" if v is None else f"{v:.0f}"

    lines = [
        "| page | first view CPU ms, p50 / p90 | move CPU ms, p50 / p90 / max |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {r['page']} | {f(r['open_p50'])} / {f(r['open_p90'])} | "
        f"{f(r['move_p50'])} / {f(r['move_p90'])} / {f(r['move_max'])} |"
        for r in rows
    ]
    lines += ["", "| page | control | moves | median CPU ms | max CPU ms |", "| --- | --- | ---: | ---: | ---: |"]
    for r in rows:
        lines += [f"| {r['page']} | {k} | {n} | {med:.0f} | {top:.0f} |" for k, (med, top, n) in r["controls"].items()]
    return "\n".join(lines)


async def main_async(args, url: str, pid: int) -> list[dict]:
    pages = args.pages.split(",")
    await warm(url, pages, args.query, 300)
    # One session stays connected throughout, as the rest of a class does: when the last session of a server
    # disconnects, Streamlit empties its cache of compiled page scripts, so one-at-a-time visitors would each pay
    # for compiling the page, which no student of a class does.
    async with StreamlitClient(url, timeout=300, keep_messages=False) as classmate:
        await classmate.open_page(PAGE_PATH.get(pages[0], pages[0]), args.query)
        return [await measure(url, pid, page, args.visits, args.moves, args.seed, args.query) for page in pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--visits", type=int, default=12, help="new sessions per lesson, one after another")
    parser.add_argument("--moves", type=int, default=4, help="random moves per session")
    parser.add_argument("--seed", default="cpu")
    parser.add_argument("--query", default="lang=en")
    parser.add_argument("--url", help="an already running app server (give --server-pid too)")
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args(argv)
    server = None
    if args.url:
        if not args.server_pid:
            parser.error("--url needs --server-pid (the CPU measured is that process's)")
        url, pid = args.url, args.server_pid
    else:
        log = Path(tempfile.mkdtemp(prefix="rnnlab-cpu-")) / "server.log"
        env_db = f"sqlite:///{log.parent / 'class.db'}"
        os.environ.setdefault("RNNLAB_DATABASE_URL", env_db)
        server = Server(str(ROOT / "app.py"), free_port(), log)
        server.start()
        server.wait_healthy()
        url, pid = server.url, server.proc.pid
    try:
        rows = asyncio.run(main_async(args, url, pid))
    finally:
        if server is not None:
            server.stop()
    print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
