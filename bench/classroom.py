"""A class on the app at once, without browsers: N websocket sessions open a page, then all move its controls.

    python bench/classroom.py                                  # 40 sessions x 3 random moves, all six pages
    python bench/classroom.py --pages home,optimizers --sessions 40 --moves 3
    python bench/classroom.py --pages optimizers --control cth # one named control, still random values
    python bench/classroom.py --mode two-values                # cache behaviour: every session, the same 2 values
    python bench/classroom.py --sessions 10 --moves 2 --pages counting,home --json out.json
    python bench/classroom.py --churn 200                      # 200 visits one after another: memory
    python bench/classroom.py --url http://127.0.0.1:8080 --compare-url http://127.0.0.1:8502 \\
        --server-pids 111,222 --compare-server-pids 333        # 2 replicas behind nginx vs 1 process
    python bench/classroom.py --env RNNLAB_SCRIPT_GATE=0 --compare-env --rounds 2
                                                               # A/B: two servers of this app, their own settings

By default it starts three servers on loopback ports: the app (``app.py``) and ``bench/bare_app.py`` (one slider,
the framework's floor) twice, once with Streamlit's defaults (started outside the repository, so no
``.streamlit/config.toml``: a full gc.collect() after every run) and once with this app's own config, and stops
them at the end, Ctrl-C included. For each page it loads both bare apps, then the page, with the same load, so
the ratios page/bare share the machine's noise (2 shared cores: absolute numbers move from run to run, ratios
much less).

One load: every session connects and opens the page as a deep link (``/<page>?lang=en``) at the same moment
(each first view is timed: open p95), then moves controls ``--moves`` times, sending each move as soon as the
previous answer is complete (``wsclient.StreamlitClient.move``: widget states, cached hashes and fragment id as
the browser sends them) and fetching the new /media/ files the run refers to. Measured: moves/s over the move
phase, wait per move (p50/p95, and per control), bytes per move, exception elements, and the server's RSS before
and after (``/proc/PID/status``). The client runs on the same machine as the server and takes some of its CPU
(the bare apps pay that too).

Modes (``--mode``):

* ``random`` (the default; what a class does): each session, with a seed of its own (``--seed`` and its index),
  picks one of the page's controls at random, every slider, number input and choice (radio, select box,
  single-choice segmented control) that a ``ui.param.Param`` of the page's ``ui.registry`` entry draws (the
  widget key ``<page>.<param>``), or the one named by ``--control``; then moves it to values drawn at random on
  the control's own grid (the widget's min/max/step as the client receives them, the Param's range where the
  widget has none; another option for a choice), never its current value. Nearly every move misses the
  lesson's caches, as forty students trying values of their own do.
* ``two-values`` (cache behaviour): every session moves the same control, ``--control`` or ``PAGE_WIDGET``
  below, alternating between one step away from its start and the start. After the first session, every move
  is a cache hit: this measures the caches and the framework, not the lesson.

``--url`` targets a running server (nothing is started; ``--bare-url`` and ``--bare-app-url`` give running bare
apps, with Streamlit's defaults and with this app's config, to compare with, else no ratio); ``--compare-url``
measures a second running target in the same run, and ``--compare-env NAME=value ...`` starts a second server of
this app with those settings (``--env`` gives the first its own). The two alternate page by page, in ``--rounds``
rounds per page (A then B, B then A, the same seed for both in a round): the report gives each target's median
over the rounds, which on a shared machine is what can be compared. RSS there needs ``--server-pids`` (summed
over replicas).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Run as a script, bench/ is the first entry of sys.path; imported from the repository (tests), bench is a package.
# Nothing is added to sys.path at import: bench/classroom.py would then stand for the classroom/ package.
try:
    from bench import proctree
    from bench.wsclient import ProtocolError, StreamlitClient, widget_key
except ImportError:
    import proctree
    from wsclient import ProtocolError, StreamlitClient, widget_key

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
# The widget every session moves in the two-values mode, by its key: the first lesson slider (counting: W of
# section 1). Mappings has no slider; its choice of mapping is what students change first.
PAGE_WIDGET = {
    "home": "home.scale",
    "mappings": "mappings.m",
    "counting": "counting.w",
    "gradients": "gradients.w",
    "optimizers": "optimizers.cth",
    "lstm": "lstm.x",
}
MODES = ("random", "two-values")
# The widget kinds a student moves to a value: sliders, number inputs and single choices (button_group is
# st.segmented_control / st.pills; only its single-choice form, as a multi-choice holds a set).
CONTROL_KINDS = ("slider", "number_input", "selectbox", "radio", "button_group")
HEALTH_TIMEOUT = 90.0
STOP_TIMEOUT = 15.0


# --- servers ------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``streamlit run SCRIPT`` on a loopback port, in its own process group so stopping it stops its children."""

    def __init__(
        self,
        script: str,
        port: int,
        log: Path,
        extra: tuple[str, ...] = (),
        cwd: Path = ROOT,
        env: dict[str, str] | None = None,
    ):
        self.script, self.port, self.url = script, port, f"http://127.0.0.1:{port}"
        self.log = log
        self.extra = extra
        self.cwd = cwd  # Streamlit reads .streamlit/config.toml from here
        self.env = env  # set over this process's environment (--env, --compare-env)
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
            cmd,
            cwd=self.cwd,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **self.env} if self.env else None,
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
    """Resident memory of the server processes and their children (VmRSS, summed), in MB; None when unknown."""
    if not pids:
        return None
    total = 0
    for pid in [p for server in pids for p in proctree.tree(server)]:
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


def page_controls(page: str | None) -> dict | None:
    """``{widget key: Param}`` for the page's settings a student moves to a value (``float``, ``int`` and
    ``choice`` Params of its ``ui.registry`` entry); None for a page the registry does not know (the bare app:
    then every control counts)."""
    if not page:
        return None
    if str(ROOT) not in sys.path:  # run as a script: the repository's packages, ahead of bench/
        sys.path.insert(0, str(ROOT))
    import lessons  # noqa: F401  (registers the pages)
    from ui import registry, urlstate

    lesson = registry.page(page)
    if lesson is None:
        return None
    return {urlstate.key(page, p.name): p for p in lesson.params if p.kind in ("float", "int", "choice")}


def controls(client: StreamlitClient, params: dict | None) -> list:
    """The controls a session may move: widgets of :data:`CONTROL_KINDS` that hold a value, drawn for one of the
    page's Params (all of them when ``params`` is None), sorted by key so a seed always picks the same one."""
    found = []
    for w in client.widgets.values():
        if w.kind not in CONTROL_KINDS or w.state is None or (params is not None and w.key not in params):
            continue
        if w.kind == "button_group" and w.element.click_mode != type(w.element).ClickMode.SINGLE_SELECT:
            continue
        found.append(w)
    return sorted(found, key=lambda w: (w.key, w.id))


def _on_grid(rng: random.Random, lo: float, hi: float, step: float, integer: bool, current) -> float | int:
    """A value ``lo + k step`` (k drawn uniformly) inside [lo, hi], other than ``current`` when there is another."""
    count = int(math.floor((hi - lo) / step + 1e-9)) if step > 0 else 0
    value = lo
    for _ in range(50):
        k = rng.randint(0, count)
        value = int(lo + k * step) if integer else min(hi, round(lo + k * step, 10))
        if value != current:
            break
    return value


def random_value(w, param, rng: random.Random):
    """A value for a control, drawn on its own grid: the widget's min/max/step (the Param's range where the
    widget has no bound), another option for a choice. ``param`` may be None (no Param known)."""
    el = w.element
    if w.kind == "slider":
        current = list(w.state.double_array_value.data)[0]
        if len(el.options):  # a select slider: its value is the option's index
            return float(_on_grid(rng, 0, len(el.options) - 1, 1, True, int(current)))
        integer = type(el).DataType.Name(el.data_type) == "INT"
        return _on_grid(rng, el.min, el.max, el.step or 1, integer, current)
    if w.kind == "number_input":
        integer = w.state.WhichOneof("value") == "int_value"
        current = w.state.int_value if integer else w.state.double_value
        lo = el.min if el.has_min else param.lo
        hi = el.max if el.has_max else param.hi
        step = el.step or (param.step if param is not None and param.step else 1)
        return _on_grid(rng, lo, hi, step, integer, current)
    if w.kind in ("radio", "selectbox"):
        options = list(el.options)
        others = [o for o in options if o != w.state.string_value] or options
        return rng.choice(others)
    if w.kind == "button_group":
        options = [o.content for o in el.options]
        current = list(w.state.string_array_value.data)
        others = [o for o in options if [o] != current] or options
        return [rng.choice(others)]
    raise ValueError(f"no random value for a {w.kind}")


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
    url: str,
    path: str,
    query: str,
    widget: str | None,
    sessions: int,
    moves: int,
    timeout: float,
    pids: list[int],
    mode: str = "random",
    params: dict | None = None,
    seed: int = 0,
) -> dict:
    """``sessions`` clients open ``/<path>?<query>`` at once, then each moves a control ``moves`` times.

    ``mode="random"``: each session picks one of :func:`controls` (or ``widget``, when named) with its own
    ``random.Random(f"{seed}-{index}")`` and moves it to :func:`random_value` each time. ``mode="two-values"``:
    every session moves ``widget`` (else the page's first slider) between :func:`two_values`.
    """
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

    chosen = {}  # id(client) -> (widget id, how to draw its next value)
    for index, c in enumerate(ready):
        try:
            if mode == "two-values":
                if widget:
                    w = c.find_widget(widget)
                else:
                    sliders = c.widgets_of("slider")
                    if not sliders:
                        raise KeyError("no slider on the page")
                    w = sliders[0]
                values = two_values(w)
                chosen[id(c)] = (w.id, lambda w, i, values=values: values[i % 2])
            else:
                rng = random.Random(f"{seed}-{index}")  # each session its own seed
                candidates = controls(c, params)
                if widget:  # a key (optimizers.cth), a setting's name (cth) or a label substring
                    by_name = [w for w in candidates if w.key.rsplit(".", 1)[-1] == widget]
                    named = by_name[0] if by_name else c.find_widget(widget)
                    candidates = [named] if named.kind in CONTROL_KINDS and named.state is not None else []
                if not candidates:
                    raise KeyError(f"no control to move (named: {widget!r})")
                w = rng.choice(candidates)
                param = params.get(w.key) if params else None
                chosen[id(c)] = (w.id, lambda w, i, rng=rng, param=param: random_value(w, param, rng))
        except (KeyError, ValueError, StopIteration) as err:
            failures.append(f"widget: {err}"[:300])

    waits, move_bytes, move_media, frag_ids, statuses = [], [], [], set(), {}
    trace: list[dict] = []  # every move: when it was sent (s after the first), its wait, control and status
    per_control: dict[str, list[float]] = {}

    async def move_all(c: StreamlitClient):
        wid, draw = chosen[id(c)]
        for i in range(moves):
            w = c.widgets.get(wid)  # by id: the Widget object is replaced when redrawn
            if w is None:
                failures.append(f"move: the control {widget_key(wid) or wid} is no longer on the page")
                return
            sent = time.perf_counter() - t1
            r = await c.move(w, draw(w, i))
            waits.append(r.seconds)
            trace.append(
                {
                    "sent_s": round(sent, 3),
                    "wait_s": round(r.seconds, 3),
                    "control": w.key or w.label,
                    "status": r.status,
                }
            )
            per_control.setdefault(w.key or w.label, []).append(r.seconds)
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
    kinds = sorted(
        {c.widgets[wid].kind for c in ready if id(c) in chosen for wid in [chosen[id(c)][0]] if wid in c.widgets}
    )
    return {
        "url": url,
        "path": path,
        "query": query,
        "mode": mode,
        "sessions": sessions,
        "moves_each": moves,
        "widget": widget if mode == "random" else next(iter(per_control), None),
        "widget_kind": ",".join(kinds) or None,
        "fragment_ids": sorted(frag_ids),
        "statuses": statuses,
        "moves": n,
        "move_seconds": move_seconds,
        "moves_per_s": n / move_seconds if move_seconds > 0 and n else 0.0,
        "wait_p50_s": pct(waits, 50),
        "wait_p95_s": pct(waits, 95),
        "per_control": {
            key: {"moves": len(w), "median_s": statistics.median(w), "p95_s": pct(w, 95)}
            for key, w in sorted(per_control.items())
        },
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
        "trace": sorted(trace, key=lambda move: move["sent_s"]),
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
    """Per page: throughput against both bare apps, waits, bytes, memory; then each control's waits."""
    head = (
        "| page | moves/s | bare (defaults) | ratio | bare (app config) | ratio | move p50 s | move p95 s "
        "| open p95 s | median KB/move | first view KB | RSS MB | errors | media KB move / first |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
    )
    lines = [head]
    for r in rows:
        p, b, ba = r["page"], r.get("bare"), r.get("bare_app")
        rss = f"{fmt(p['rss_before_mb'], '{:.0f}')} → {fmt(p['rss_after_mb'], '{:.0f}')}"
        errs = p["errors"] + p["failures"]
        lines.append(
            f"| {r['name']} | {p['moves_per_s']:.1f} | {fmt(b['moves_per_s'] if b else None)} | "
            f"{fmt(r.get('ratio'), '{:.2f}')} | {fmt(ba['moves_per_s'] if ba else None)} | "
            f"{fmt(r.get('ratio_app'), '{:.3f}')} | {fmt(p['wait_p50_s'], '{:.2f}')} | "
            f"{fmt(p['wait_p95_s'], '{:.2f}')} | {fmt(p['first_view_p95_s'], '{:.2f}')} | "
            f"{fmt(p['median_kb_per_move'])} | {fmt(p['first_view_kb'])} | {rss} | {errs} | "
            f"{fmt(p['median_media_kb_per_move'])} / {fmt(p['first_view_media_kb'])} |"
        )
    lines.append("\n| page | control | moves | median wait s | p95 wait s |\n| --- | --- | ---: | ---: | ---: |")
    for r in rows:
        for key, c in r["page"].get("per_control", {}).items():
            lines.append(f"| {r['name']} | {key} | {c['moves']} | {c['median_s']:.2f} | {c['p95_s']:.2f} |")
    return "\n".join(lines)


# A page's figures compared between two targets, and how each is written.
COMPARED = {"moves_per_s": "{:.1f}", "wait_p50_s": "{:.2f}", "wait_p95_s": "{:.2f}", "first_view_p95_s": "{:.2f}"}


def compare_medians(rows_a: list[dict], rows_b: list[dict]) -> dict[str, tuple[dict, dict]]:
    """Per page, the median over its rounds of each figure of :data:`COMPARED`, for each target."""

    def medians(rows: list[dict], name: str) -> dict:
        pages = [r["page"] for r in rows if r["name"] == name]
        return {k: statistics.median(p[k] for p in pages) if pages else None for k in COMPARED}

    names = list(dict.fromkeys(r["name"] for r in rows_a))
    return {name: (medians(rows_a, name), medians(rows_b, name)) for name in names}


def setting(pair: str) -> tuple[str, str]:
    """``"NAME=value"`` as ``(NAME, value)``: the command line's type, so a pair without ``=`` gets a usage error."""
    name, sep, value = pair.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"not NAME=value: {pair!r}")
    return name.strip(), value


def parse_pids(text: str | None) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()] if text else []


async def run_pages(args, target: dict, bares: dict, pages: list[str], log) -> list[dict]:
    """Each page under the load, right after the same load on each bare app (``bares``: ``{"bare": ...,
    "bare_app": ...}``, either may be missing), so all see the same machine."""
    rows = []
    for name in pages:
        row = {"name": name, "target": target["url"], "mode": args.mode}
        for label, bare in bares.items():
            row[label] = await asyncio.wait_for(
                load(
                    bare["url"],
                    "",
                    args.query,
                    "x" if args.mode == "two-values" else None,
                    args.sessions,
                    args.moves,
                    args.timeout,
                    bare["pids"],
                    args.mode,
                    None,
                    args.seed,
                ),
                args.phase_timeout,
            )
        widget = args.control or (PAGE_WIDGET.get(name) if args.mode == "two-values" else None)
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
                args.mode,
                page_controls(name),
                args.seed,
            ),
            args.phase_timeout,
        )
        for label, ratio in (("bare", "ratio"), ("bare_app", "ratio_app")):
            if row.get(label) and row[label]["moves_per_s"]:
                row[ratio] = row["page"]["moves_per_s"] / row[label]["moves_per_s"]
        p = row["page"]
        log(
            f"{name} ({args.mode}): {p['moves_per_s']:.1f} moves/s"
            + (f", bare {row['bare']['moves_per_s']:.1f} (ratio {row['ratio']:.2f})" if row.get("ratio") else "")
            + (
                f", bare with the app's config {row['bare_app']['moves_per_s']:.1f} (ratio {row['ratio_app']:.3f})"
                if row.get("ratio_app")
                else ""
            )
            + f", p95 {fmt(p['wait_p95_s'], '{:.2f}')} s, open p95 {fmt(p['first_view_p95_s'], '{:.2f}')} s"
            + f", statuses {p['statuses']}"
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
        bares = {}
        if args.bare_url:
            bares["bare"] = {"url": args.bare_url.rstrip("/"), "pids": parse_pids(args.bare_pids)}
        if args.bare_app_url:
            bares["bare_app"] = {"url": args.bare_app_url.rstrip("/"), "pids": parse_pids(args.bare_app_pids)}
    else:
        logs = Path(args.log_dir)
        logs.mkdir(parents=True, exist_ok=True)
        app = Server("app.py", args.port or free_port(), logs / "classroom_app.log", env=dict(args.env))
        servers.append(app)
        bare_servers = {}
        if not args.churn:  # the churn needs no bare app
            # Streamlit's defaults: started from an empty directory, so no .streamlit/config.toml is read (a full
            # gc.collect() after every run among them), as the baseline was. Then this app's own config.
            empty = Path(args.empty_dir)
            bare_script = str(ROOT / "bench" / "bare_app.py")
            if not args.bare_like_app:
                bare_servers["bare"] = Server(bare_script, free_port(), logs / "classroom_bare.log", cwd=empty)
            bare_servers["bare_app"] = Server(bare_script, free_port(), logs / "classroom_bare_app.log")
        servers += bare_servers.values()
        for s in servers:
            s.start()
        for s in servers:
            s.wait_healthy()
        target = {"url": app.url, "pids": [app.proc.pid]}
        bares = {label: {"url": srv.url, "pids": [srv.proc.pid]} for label, srv in bare_servers.items()}
        log(
            f"servers: app {app.url} (pid {app.proc.pid})"
            + "".join(f", {label} {srv.url} (pid {srv.proc.pid})" for label, srv in bare_servers.items())
        )
    compare = (
        {"url": args.compare_url.rstrip("/"), "pids": parse_pids(args.compare_server_pids)}
        if args.compare_url
        else None
    )
    if args.compare_env is not None and compare is None:  # a second server of this app, with its own settings
        other = Server("app.py", free_port(), Path(args.log_dir) / "classroom_compare.log", env=dict(args.compare_env))
        servers.append(other)
        other.start()
        other.wait_healthy()
        compare = {"url": other.url, "pids": [other.proc.pid]}
        log(f"compared with: app {other.url} (pid {other.proc.pid}), settings {dict(args.compare_env)}")

    result: dict = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    warm_pages = pages if not args.churn else [args.churn_page]
    await asyncio.wait_for(warm(target["url"], warm_pages, args.query, args.timeout), args.phase_timeout)
    for bare in bares.values():
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
        # Alternate the two targets page by page, and in rounds A then B, B then A (the same seed for both in a
        # round), so both see the same machine; the bare apps run with the first round.
        rows_a, rows_b = [], []
        for name in pages:
            for r in range(args.rounds):
                round_args = argparse.Namespace(**{**vars(args), "seed": args.seed + r})
                sides = [("A", target, bares if r == 0 else {}, rows_a), ("B", compare, {}, rows_b)]
                for side, where, bare, rows in sides if r % 2 == 0 else sides[::-1]:
                    rows += await run_pages(round_args, where, bare, [name], lambda m, s=side: log(f"{s} {m}"))
        result["rows"], result["compare_rows"] = rows_a, rows_b
        result["compare_medians"] = compare_medians(rows_a, rows_b)
    else:
        result["rows"] = await run_pages(args, target, bares, pages, log)
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
        out.append("\nsecond target (--compare-url or --compare-env):\n" + table(result["compare_rows"]))
        out.append(
            "\nmedians over the rounds, target (A) → second target (B):\n"
            "| page | moves/s | move p50 s | move p95 s | open p95 s |\n| --- | ---: | ---: | ---: | ---: |"
        )
        for name, (a, b) in result["compare_medians"].items():
            out.append(
                f"| {name} | "
                + " | ".join(f"{fmt(a[k], spec)} → {fmt(b[k], spec)}" for k, spec in COMPARED.items())
                + " |"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--moves", type=int, default=3)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument(
        "--mode",
        choices=MODES,
        default="random",
        help="random: each session a random control of the page to random values (a class); two-values: every "
        "session the same control between two values (cache behaviour)",
    )
    ap.add_argument(
        "--control",
        "--slider",
        dest="control",
        help="the control to move: user key (optimizers.cth), in random mode also a setting's name (cth), or a label "
        "substring (default: random mode, any of the page's; two-values mode, PAGE_WIDGET's)",
    )
    ap.add_argument("--seed", type=int, default=0, help="random mode: session i draws with the seed f'{seed}-{i}'")
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
        help="start only the bare app with the app's config (no per-run gc), not the one with Streamlit's defaults",
    )
    ap.add_argument("--bare-url", help="with --url: a running bare app (bench/bare_app.py, Streamlit's defaults)")
    ap.add_argument("--bare-app-url", help="with --url: a running bare app with this app's config")
    ap.add_argument("--bare-app-pids", help="with --bare-app-url: its pid")
    ap.add_argument("--compare-url", help="a second running target measured in the same run")
    ap.add_argument(
        "--env",
        nargs="*",
        type=setting,
        default=[],
        help="settings of the app server started here: NAME=value ... (e.g. RNNLAB_SCRIPT_GATE=0)",
    )
    ap.add_argument(
        "--compare-env",
        nargs="*",
        type=setting,
        help="start a second app server with these settings (NAME=value ..., or none) and compare the two",
    )
    ap.add_argument("--rounds", type=int, default=1, help="with a second target: rounds per page, order alternating")
    ap.add_argument("--server-pids", help="with --url: server pids whose RSS to sum (e.g. the replicas)")
    ap.add_argument("--bare-pids", help="with --bare-url: its pid")
    ap.add_argument("--compare-server-pids", help="with --compare-url: pids whose RSS to sum")
    ap.add_argument("--port", type=int, default=0, help="port of the app server started here (default: free)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for one run of one session")
    ap.add_argument("--phase-timeout", type=float, default=1200.0, help="seconds allowed for one load")
    ap.add_argument("--log-dir", default="/tmp", help="where the started servers' logs go")
    args = ap.parse_args(argv)
    for u in (args.url, args.bare_url, args.bare_app_url, args.compare_url):
        host = (u or "http://127.0.0.1").split("://", 1)[-1].split("/")[0].split(":")[0]
        if host not in ("127.0.0.1", "localhost"):
            ap.error("only loopback targets (127.0.0.1) are allowed")
    if args.sessions < 1 or args.moves < 1 or args.sessions > 1000 or args.moves > 1000:
        ap.error("--sessions and --moves: 1..1000")
    if not 1 <= args.rounds <= 20:
        ap.error("--rounds: 1..20")
    if args.compare_url and args.compare_env is not None:
        ap.error("--compare-url or --compare-env, not both")

    def log(m: str) -> None:
        print(m, file=sys.stderr, flush=True)

    servers: list[Server] = []
    # SIGTERM behaves like Ctrl-C, so the finally below stops the servers either way.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        # Where the bare app with Streamlit's defaults runs (no config there), removed once the servers are stopped.
        with tempfile.TemporaryDirectory(prefix="classroom-bare-") as empty:
            args.empty_dir = empty
            try:
                result = asyncio.run(main_async(args, servers, log))
            finally:
                for s in servers:
                    s.stop()
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    text = report(result)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
