"""A/B of two configurations of the app under a class's load: which is faster, in the same run.

    python bench/ab.py --a RNNLAB_SCRIPT_GATE=0 --b RNNLAB_SCRIPT_GATE=1 --pages optimizers lstm --rounds 2

Starts two servers of this app, each with its own environment settings (``NAME=value``) and its own class database,
warms each page on both, then loads them in turn with :func:`classroom.load` (40 sessions open the page at once
and each moves a random control 3 times to random values), A then B in even rounds and B then A in odd ones, with
the same seed for both servers in a round. Absolute times on a shared machine are noise; what one server gives
against the other in alternating rounds is not. Prints each round and, per page, the median of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

try:
    from bench import classroom  # imported from the repository's root (the tests)
except ImportError:  # run as a script: bench/ is on the path, the repository's root is not
    import classroom

KEYS = ("moves_per_s", "wait_p50_s", "wait_p95_s", "first_view_p95_s")


def setting(pair: str) -> tuple[str, str]:
    """``"NAME=value"`` as ``(NAME, value)``: the command line's type, so a pair without ``=`` gets a usage error."""
    name, sep, value = pair.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"not NAME=value: {pair!r}")
    return name.strip(), value


def summary(rounds: list[dict]) -> dict[str, float]:
    """The median over rounds of each figure of :data:`KEYS`."""
    return {key: statistics.median(r[key] for r in rounds) for key in KEYS}


def line(label: str, figures: dict) -> str:
    return (
        f"{label}: {figures['moves_per_s']:.1f} moves/s, wait p50 {figures['wait_p50_s']:.2f} s, "
        f"p95 {figures['wait_p95_s']:.2f} s, open p95 {figures['first_view_p95_s']:.2f} s"
    )


async def compare(urls: dict[str, str], pages: list[str], rounds: int, sessions: int, moves: int) -> dict:
    await asyncio.gather(*(classroom.warm(url, pages, "lang=en", 120) for url in urls.values()))
    results: dict[str, dict[str, list[dict]]] = {page: {name: [] for name in urls} for page in pages}
    for page in pages:
        path, params = classroom.PAGE_PATH.get(page, page), classroom.page_controls(page)
        for r in range(rounds):
            order = list(urls) if r % 2 == 0 else list(reversed(urls))
            for name in order:
                out = await classroom.load(
                    urls[name], path, "lang=en", None, sessions, moves, 120, [], "random", params, 1000 + r
                )
                if out["failures"]:
                    raise RuntimeError(f"{page} on {name}: {out['failure_messages'][:3]}")
                results[page][name].append(out)
                print(line(f"{page} round {r} {name}", out), flush=True)
        for name in urls:
            print(line(f"{page} MEDIAN {name}", summary(results[page][name])), flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", nargs="*", type=setting, default=[], help="environment of server A: NAME=value ...")
    parser.add_argument("--b", nargs="*", type=setting, default=[], help="environment of server B: NAME=value ...")
    parser.add_argument("--pages", nargs="+", default=list(classroom.PAGES), choices=classroom.PAGES)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--moves", type=int, default=3)
    args = parser.parse_args(argv)
    envs = {"A": dict(args.a), "B": dict(args.b)}
    with tempfile.TemporaryDirectory(prefix="rnnlab-ab-") as tmp:
        servers = {}
        for name, env in envs.items():
            db = Path(tmp) / f"class-{name}.db"
            env = {"RNNLAB_DATABASE_URL": f"sqlite:///{db}", **env}
            servers[name] = classroom.Server("app.py", classroom.free_port(), Path(tmp) / f"server-{name}.log", env=env)
        try:
            for server in servers.values():
                server.start()
            for server in servers.values():
                server.wait_healthy()
            print("A:", envs["A"] or "as configured", "| B:", envs["B"] or "as configured", flush=True)
            urls = {name: server.url for name, server in servers.items()}
            asyncio.run(compare(urls, args.pages, args.rounds, args.sessions, args.moves))
        finally:
            for server in servers.values():
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
