"""A class on the app at once, without browsers: N websocket sessions open a page, then all move a slider.

    python bench/classroom.py                                  # 40 sessions x 3 moves, all six pages
    python bench/classroom.py --sessions 10 --moves 2 --pages counting,home --json out.json
    python bench/classroom.py --churn 200                      # 200 visits one after another: memory
    python bench/classroom.py --url http://127.0.0.1:8080 --compare-url http://127.0.0.1:8502 \\
        --server-pids 111,222 --compare-server-pids 333        # 2 replicas behind nginx vs 1 process

By default it starts two servers on loopback ports: the app (``app.py``) and ``bench/bare_app.py`` (one slider,
the framework's floor), and stops both at the end, Ctrl-C included. For each page it loads the bare app, then the
page, with the same load, so the ratio page/bare shares the machine's noise (2 shared cores: absolute numbers
move from run to run, ratios much less).

One load: every session connects and opens the page as a deep link (``/<page>?lang=en``) at the same moment
(first-view bytes); when all have their page, each moves one widget ``--moves`` times, sending each move as soon
as the previous answer is complete (``wsclient.StreamlitClient.move``: widget states, cached hashes and fragment
id as the browser sends them) and fetches the new /media/ files the run refers to. Measured: moves/s over the
move phase, wait per move (p50/p95), bytes per move, exception elements, and the server's RSS before and after
(``/proc/PID/status``). The client runs on the same machine as the server and takes some of its CPU (the bare
app pays that too).

Which widget: ``--slider`` (user key, or part of the label), else ``PAGE_WIDGET`` below, else the page's first
slider. Values alternate between one step away from the starting value and the starting value. The mappings
page has no slider: it switches its mapping (a radio).

``--url`` targets a running server (nothing is started; ``--bare-url`` gives a bare app to compare with, else no
ratio); ``--compare-url`` measures a second target in the same run, alternating with the first, and prints
moves/s of the first over the second. RSS there needs ``--server-pids`` (summed over replicas).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from wsclient import ProtocolError, StreamlitClient  # noqa: E402

PAGES = ("home", "mappings", "counting", "gradients", "optimizers", "lstm")
# URL path of each page ("" is the default page, as the browser asks for "/").
PAGE_PATH = {
    "home": "",
    "mappings": "mappings",
    "counting": "counting",
    "gradients": "gradients",
    "optimizers": "optimizers",
    "lstm": "lstm",
}
# The widget a class moves on each page, by its key: the first lesson slider (counting: W of section 1).
# Mappings has no slider; its choice of mapping is what students change first.
PAGE_WIDGET = {
    "home": "home.scale",
    "mappings": "mappings.m",
    "counting": "counting.w",
    "gradients": "gradients.w",
    "optimizers": "optimizers.cth",
    "lstm": "lstm.x",
}
HEALTH_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0


# --- servers ------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run SCRIPT`` on a loopback port, in its own process group so stopping it stops its children."""

    def __init__(self, script: str, port: int, log: Path, extra: tuple[str, ...] = ()):
        self.script, self.port, self.url = script, port, f"http://127.0.0.1:{port}"
        self.log = log
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            self.script,
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *self.extra,
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.script} exited ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.script} not healthy within {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # the group of the process we started, nothing else
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(STOP_TIMEOUT)


def rss_mb(pids: list[int]) -> float | None:
    """Resident memory of the server processes (VmRSS, summed), in MB; None when unknown."""
    if not pids:
        return None
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            return None
    return total / 1024


# --- one load -----------------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def two_values(w) -> list:
    """Two legal values for a widget: one step from its current value (inside min/max), then its current value."""
    el = w.element
    if w.kind == "slider":
        v0 = list(w.state.double_array_value.data)[0]
        step = el.step or 1
        v1 = v0 + step if v0 + step <= el.max else v0 - step
        return [round(v1, 10), v0]
    if w.kind in ("radio", "selectbox"):
        cur = w.state.string_value
        opts = list(el.options)
        other = next(o for o in opts if o != cur)
        return [other, cur]
    if w.kind == "number_input":
        v0 = w.state.double_value if w.state.WhichOneof("value") == "double_value" else w.state.int_value
        step = el.step or 1
        return [v0 + step if not el.has_max or v0 + step <= el.max else v0 - step, v0]
    raise ValueError(f"no pair of values for a {w.kind}")


def _get(url: str, timeout: float) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return len(r.read())


async def fetch_media(base: str, paths: list[str], timeout: float = 30.0, limit: int = 50) -> int:
    """What the browser downloads after a run besides the websocket: the new /media/ files (bytes)."""
    total = 0
    for p in paths[:limit]:
        total += await asyncio.to_thread(_get, base + p, timeout)
    return total


async def load(
    url: str, path: str, query: str, widget: str | None, sessions: int, moves: int, timeout: float, pids: list[int]
) -> dict:
    """``sessions`` clients open ``/<path>?<query>`` at once, then each moves ``widget`` ``moves`` times."""
    clients = [StreamlitClient(url, timeout=timeout, keep_messages=False) for _ in range(sessions)]
    errors: list[str] = []
    failures: list[str] = []
    rss_before = rss_mb(pids)

    first_media: list[int] = []

    async def open_one(c: StreamlitClient):
        await c.connect()
        r = await c.open_page(path, query)
        first_media.append(await fetch_media(url, r.media_urls))
        return r

    t0 = time.perf_counter()
    opened = await asyncio.gather(*(open_one(c) for c in clients), return_exceptions=True)
    open_seconds = time.perf_counter() - t0
    first_bytes, first_wait, ready = [], [], []
    for c, r in zip(clients, opened, strict=False):
        if isinstance(r, BaseException):
            failures.append(f"open: {type(r).__name__}: {r}"[:300])
            continue
        first_bytes.append(r.bytes)
        first_wait.append(r.seconds)
        errors += r.exceptions
        ready.append(c)

    chosen = {}
    for c in ready:
        try:
            if widget:
                w = c.find_widget(widget)
            else:
                sliders = c.widgets_of("slider")
                if not sliders:
                    raise KeyError("no slider on the page")
                w = sliders[0]
            chosen[id(c)] = (w, two_values(w))
        except (KeyError, ValueError, StopIteration) as err:
            failures.append(f"widget: {err}"[:300])
    label = next(iter(chosen.values()))[0] if chosen else None

    waits, move_bytes, move_media, frag_ids, statuses = [], [], [], set(), {}

    async def move_all(c: StreamlitClient):
        w, values = chosen[id(c)]
        for i in range(moves):
            r = await c.move(w.id, values[i % 2])  # by id: the Widget object is replaced when redrawn
            waits.append(r.seconds)
            move_bytes.append(r.bytes)
            errors.extend(r.exceptions)
            statuses[r.status] = statuses.get(r.status, 0) + 1
            move_media.append(await fetch_media(url, r.media_urls))  # as the browser does before the next move
            frag_ids.add(w.fragment_id)

    movers = [c for c in ready if id(c) in chosen]
    t1 = time.perf_counter()
    done = await asyncio.gather(*(move_all(c) for c in movers), return_exceptions=True)
    move_seconds = time.perf_counter() - t1
    for r in done:
        if isinstance(r, BaseException):
            failures.append(f"move: {type(r).__name__}: {r}"[:300])
    rss_after = rss_mb(pids)
    skipped = set().union(*(c.skipped_widget_kinds for c in clients)) if clients else set()
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    n = len(waits)
    return {
        "url": url,
        "path": path,
        "query": query,
        "sessions": sessions,
        "moves_each": moves,
        "widget": (label.key or label.label) if label else None,
        "widget_kind": label.kind if label else None,
        "fragment_ids": sorted(frag_ids),
        "statuses": statuses,
        "moves": n,
        "move_seconds": move_seconds,
        "moves_per_s": n / move_seconds if move_seconds > 0 and n else 0.0,
        "wait_p50_s": pct(waits, 50),
        "wait_p95_s": pct(waits, 95),
        "median_kb_per_move": statistics.median(move_bytes) / 1e3 if move_bytes else None,
        "first_view_kb": statistics.median(first_bytes) / 1e3 if first_bytes else None,
        # /media/ files fetched over HTTP, not in the websocket figures above
        "median_media_kb_per_move": statistics.median(move_media) / 1e3 if move_media else None,
        "first_view_media_kb": statistics.median(first_media) / 1e3 if first_media else None,
        "first_view_p50_s": pct(first_wait, 50),
        "first_view_p95_s": pct(first_wait, 95),
        "open_all_seconds": open_seconds,
        "errors": len(errors),
        "error_messages": sorted(set(errors))[:20],
        "failures": len(failures),
        "failure_messages": sorted(set(failures))[:20],
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "widget_kinds_not_sent": sorted(skipped),
    }


async def churn(
    url: str, path: str, query: str, visits: int, timeout: float, pids: list[int], checkpoint: int = 20
) -> dict:
    """``visits`` sessions one after another, each opening the page and leaving. RSS after the first
    ``checkpoint`` and at the end."""
    out = {"visits": visits, "path": path, "rss_start_mb": rss_mb(pids), "failures": 0, "failure_messages": []}
    t0 = time.perf_counter()
    for i in range(visits):
        c = StreamlitClient(url, timeout=timeout, keep_messages=False)
        try:
            await c.connect()
            r = await c.open_page(path, query)
            if r.exceptions:
                out["failure_messages"].append(r.exceptions[0])
        except (TimeoutError, ProtocolError, OSError) as err:
            out["failures"] += 1
            out["failure_messages"].append(f"{type(err).__name__}: {err}"[:300])
        finally:
            await c.close()
        if i + 1 == checkpoint:
            out[f"rss_after_{checkpoint}_mb"] = rss_mb(pids)
    out["rss_end_mb"] = rss_mb(pids)
    out["seconds"] = time.perf_counter() - t0
    out["failure_messages"] = sorted(set(out["failure_messages"]))[:10]
    a, b = out.get(f"rss_after_{checkpoint}_mb"), out["rss_end_mb"]
    out["growth_mb"] = (b - a) if a is not None and b is not None else None
    return out


# --- report -------------------------------------------------------------------------------------------------
def fmt(v, spec="{:.1f}") -> str:
    return "n/a" if v is None else spec.format(v)


def table(rows: list[dict]) -> str:
    head = (
        "| page | moves/s | bare | ratio | p50 s | p95 s | median KB/move | first view KB | errors | RSS MB "
        "| media KB move / first |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
    )
    lines = [head]
    for r in rows:
        p, b = r["page"], r.get("bare")
        rss = f"{fmt(p['rss_before_mb'], '{:.0f}')} → {fmt(p['rss_after_mb'], '{:.0f}')}"
        errs = p["errors"] + p["failures"]
        lines.append(
            f"| {r['name']} | {p['moves_per_s']:.1f} | {fmt(b['moves_per_s'] if b else None)} | "
            f"{fmt(r.get('ratio'), '{:.2f}')} | {fmt(p['wait_p50_s'], '{:.2f}')} | {fmt(p['wait_p95_s'], '{:.2f}')} | "
            f"{fmt(p['median_kb_per_move'])} | {fmt(p['first_view_kb'])} | {errs} | {rss} | "
            f"{fmt(p['median_media_kb_per_move'])} / {fmt(p['first_view_media_kb'])} |"
        )
    return "\n".join(lines)


def parse_pids(text: str | None) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()] if text else []


async def run_pages(args, target: dict, bare: dict | None, pages: list[str], log) -> list[dict]:
    rows = []
    for name in pages:
        row = {"name": name, "target": target["url"]}
        if bare:  # the bare app right before the page, so both see the same machine
            row["bare"] = await asyncio.wait_for(
                load(bare["url"], "", args.query, "x", args.sessions, args.moves, args.timeout, bare["pids"]),
                args.phase_timeout,
            )
        widget = args.slider or PAGE_WIDGET.get(name)
        row["page"] = await asyncio.wait_for(
            load(
                target["url"],
                PAGE_PATH.get(name, name),
                args.query,
                widget,
                args.sessions,
                args.moves,
                args.timeout,
                target["pids"],
            ),
            args.phase_timeout,
        )
        if row.get("bare") and row["bare"]["moves_per_s"]:
            row["ratio"] = row["page"]["moves_per_s"] / row["bare"]["moves_per_s"]
        p = row["page"]
        log(
            f"{name}: {p['moves_per_s']:.1f} moves/s"
            + (f", bare {row['bare']['moves_per_s']:.1f}, ratio {row['ratio']:.2f}" if row.get("ratio") else "")
            + f", widget {p['widget']} ({p['widget_kind']}), statuses {p['statuses']}"
            + (f", fragment {p['fragment_ids']}" if any(p["fragment_ids"]) else "")
        )
        for m in p["error_messages"] + p["failure_messages"]:
            log(f"  ! {m}")
        rows.append(row)
    return rows


async def warm(url: str, pages: list[str], query: str, timeout: float) -> None:
    """One visit per page before measuring, so imports and first-time caches are not charged to the class."""
    for name in pages:
        c = StreamlitClient(url, timeout=timeout, keep_messages=False)
        try:
            await c.connect()
            await c.open_page(PAGE_PATH.get(name, name), query)
        finally:
            await c.close()


async def main_async(args, servers: list[Server], log) -> dict:
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    if args.url:
        target = {"url": args.url.rstrip("/"), "pids": parse_pids(args.server_pids)}
        bare = {"url": args.bare_url.rstrip("/"), "pids": parse_pids(args.bare_pids)} if args.bare_url else None
    else:
        app = Server("app.py", args.port or free_port(), Path(args.log_dir) / "classroom_app.log")
        # The bare app runs as Streamlit runs by default (a full gc.collect() after every run), as the baseline
        # did; --bare-like-app gives it the app's own .streamlit/config.toml settings instead.
        bare_extra = () if args.bare_like_app else ("--runner.postScriptGC", "true")
        bare_srv = Server("bench/bare_app.py", free_port(), Path(args.log_dir) / "classroom_bare.log", bare_extra)
        servers += [app] if args.churn else [app, bare_srv]  # the churn needs no bare app
        for s in servers:
            s.start()
        for s in servers:
            s.wait_healthy()
        target = {"url": app.url, "pids": [app.proc.pid]}
        bare = None if args.churn else {"url": bare_srv.url, "pids": [bare_srv.proc.pid]}
        log(
            f"servers: app {app.url} (pid {app.proc.pid})"
            + ("" if args.churn else f", bare {bare_srv.url} (pid {bare_srv.proc.pid})")
        )
    compare = (
        {"url": args.compare_url.rstrip("/"), "pids": parse_pids(args.compare_server_pids)}
        if args.compare_url
        else None
    )

    result: dict = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    warm_pages = pages if not args.churn else [args.churn_page]
    await asyncio.wait_for(warm(target["url"], warm_pages, args.query, args.timeout), args.phase_timeout)
    if bare:
        await asyncio.wait_for(warm(bare["url"], ["home"], args.query, args.timeout), args.phase_timeout)
    if compare:
        await asyncio.wait_for(warm(compare["url"], warm_pages, args.query, args.timeout), args.phase_timeout)

    if args.churn:
        log(f"churn: {args.churn} visits to /{PAGE_PATH.get(args.churn_page, args.churn_page)}, one after another")
        result["churn"] = await asyncio.wait_for(
            churn(
                target["url"],
                PAGE_PATH.get(args.churn_page, args.churn_page),
                args.query,
                args.churn,
                args.timeout,
                target["pids"],
            ),
            args.phase_timeout * 4,
        )
        # Streamlit keeps a closed session's state for server.disconnectedSessionTTL (120 s by default) in case
        # the browser reconnects, so RSS at the end still holds the recent visitors; --churn-settle waits that out.
        if args.churn_settle > 0:
            await asyncio.sleep(args.churn_settle)
            result["churn"]["rss_after_settle_mb"] = rss_mb(target["pids"])
        return result

    if compare:
        # Alternate the two targets page by page (A, B, A, B...) so both see the same machine.
        rows_a, rows_b = [], []
        for name in pages:
            rows_a += await run_pages(args, target, bare, [name], lambda m: log("A " + m))
            rows_b += await run_pages(args, compare, None, [name], lambda m: log("B " + m))
        result["rows"], result["compare_rows"] = rows_a, rows_b
        result["compare_ratio"] = {
            a["name"]: (a["page"]["moves_per_s"] / b["page"]["moves_per_s"] if b["page"]["moves_per_s"] else None)
            for a, b in zip(rows_a, rows_b, strict=False)
        }
    else:
        result["rows"] = await run_pages(args, target, bare, pages, log)
    return result


def report(result: dict) -> str:
    out = []
    if "churn" in result:
        c = result["churn"]
        out.append(f"churn: {c['visits']} visits to /{c['path']} in {c['seconds']:.0f} s, failures {c['failures']}")
        out.append(
            f"RSS MB: start {fmt(c['rss_start_mb'])}, after 20 {fmt(c.get('rss_after_20_mb'))}, "
            f"end {fmt(c['rss_end_mb'])}, growth {fmt(c['growth_mb'])} (target ≤ 50)"
            + (f", after settling {fmt(c.get('rss_after_settle_mb'))}" if "rss_after_settle_mb" in c else "")
        )
        for m in c["failure_messages"]:
            out.append(f"  ! {m}")
        return "\n".join(out)
    out.append(table(result["rows"]))
    if "compare_rows" in result:
        out.append("\nsecond target (--compare-url):\n" + table(result["compare_rows"]))
        out.append("\n| page | moves/s target ÷ compare |\n| --- | ---: |")
        out += [f"| {k} | {fmt(v, '{:.2f}')} |" for k, v in result["compare_ratio"].items()]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--moves", type=int, default=3)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--slider", help="widget to move: user key or label substring (default: per-page table)")
    ap.add_argument("--query", default="lang=en", help="query string of the deep link (default lang=en)")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--churn", type=int, default=0, help="instead of the load: N visits one after another")
    ap.add_argument("--churn-page", default="counting")
    ap.add_argument(
        "--churn-settle", type=float, default=0.0, help="seconds to wait after the churn before a last RSS reading"
    )
    ap.add_argument("--url", help="an already running app server instead of starting one")
    ap.add_argument(
        "--bare-like-app",
        action="store_true",
        help="run the bare app with the app's config (no per-run gc) instead of Streamlit's defaults",
    )
    ap.add_argument("--bare-url", help="with --url: a running bare app (bench/bare_app.py) for the ratio")
    ap.add_argument("--compare-url", help="a second running target measured in the same run")
    ap.add_argument("--server-pids", help="with --url: server pids whose RSS to sum (e.g. the replicas)")
    ap.add_argument("--bare-pids", help="with --bare-url: its pid")
    ap.add_argument("--compare-server-pids", help="with --compare-url: pids whose RSS to sum")
    ap.add_argument("--port", type=int, default=0, help="port of the app server started here (default: free)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for one run of one session")
    ap.add_argument("--phase-timeout", type=float, default=1200.0, help="seconds allowed for one load")
    ap.add_argument("--log-dir", default="/tmp", help="where the started servers' logs go")
    args = ap.parse_args(argv)
    for u in (args.url, args.bare_url, args.compare_url):
        host = (u or "http://127.0.0.1").split("://", 1)[-1].split("/")[0].split(":")[0]
        if host not in ("127.0.0.1", "localhost"):
            ap.error("only loopback targets (127.0.0.1) are allowed")
    if args.sessions < 1 or args.moves < 1 or args.sessions > 1000 or args.moves > 1000:
        ap.error("--sessions and --moves: 1..1000")

    def log(m: str) -> None:
        print(m, file=sys.stderr, flush=True)

    servers: list[Server] = []
    # SIGTERM behaves like Ctrl-C, so the finally below stops the servers either way.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        result = asyncio.run(main_async(args, servers, log))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        for s in servers:
            s.stop()
    text = report(result)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
