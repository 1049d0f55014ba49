"""deploy/local.sh end to end: two Streamlit replicas behind nginx with sticky sessions, run by supervisord.

Twenty clients load a page over HTTP and run it over Streamlit's websocket protocol through the proxy; each must
stay on the replica nginx chose for it (seen in nginx's X-Upstream header, the replica's loopback address), both
replicas must get clients, a deep link and ?lang=ko must arrive intact. Then one replica is killed with SIGKILL:
the other keeps answering, the dead one's clients are served by the live one, its open websocket closes and a
reconnect opens a lesson, and supervisord restarts it within 20 s. So with nginx. SIGTERM must stop every
process, and so must SIGKILL of the script or of supervisord (the kernel's parent-death signal).

The websocket client is bench/wsclient.py's StreamlitClient, which sends what a browser sends; here it also sends
the sticky cookie and an Origin header, as a browser does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path

import pytest
import websockets
from servers import run_async

from bench.wsclient import StreamlitClient
from lessons import PAGES

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "deploy" / "local.sh"
STARTUP_TIMEOUT = 120  # two cold Streamlit imports at once on a busy 2-core machine
RUN_TIMEOUT = 90  # one script run while 19 others are running


def _nginx() -> str | None:
    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    """Running (a zombie has exited: it only waits for its parent to read its status)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def _group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid`` (the script's own session: nginx workers included)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _parents() -> dict[int, int]:
    """{child pid: parent pid} for every live process, to walk a process tree."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] != "Z":
            parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(pid: int) -> set[int]:
    """Live processes below ``pid`` (supervisord puts each program in a process group of its own, so the script's
    group does not hold them: the tree does)."""
    parents = _parents()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _listener_pid(port: int) -> int | None:
    """The pid whose socket listens on 127.0.0.1:``port`` (read from /proc: the kernel's word, not the supervisor's)."""
    want = f"0100007F:{port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == want and fields[3] == "0A":  # 0A: LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return None


def _poll(condition, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _locale(lang: str) -> dict:
    with open(ROOT / "locales" / f"{lang}.toml", "rb") as f:
        return tomllib.load(f)


def http_get(base: str, path: str, cookie: str | None = None):
    """GET through the proxy; returns (status, headers, body). No cookie jar: the caller passes the cookie."""
    req = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.headers, r.read()


class ProxiedClient(StreamlitClient):
    """bench/wsclient.py's browser-less client, plus what a browser does behind this proxy: it sends the sticky
    cookie and its Origin on the websocket handshake (Streamlit accepts the Origin only if it matches the Host
    nginx forwards). Keeps nginx's X-Upstream header from the handshake's answer."""

    def __init__(self, base_url: str, cookie: str):
        super().__init__(base_url, timeout=RUN_TIMEOUT)
        self.cookie = cookie
        self.upstream = None

    async def connect(self) -> None:
        self.ws = await asyncio.wait_for(
            websockets.connect(
                self.ws_url,
                subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                additional_headers={"Cookie": self.cookie, "Origin": self.base_url},
                max_size=None,
                open_timeout=self.timeout,
                close_timeout=5,
                ping_interval=None,
            ),
            self.timeout,
        )
        self.upstream = self.ws.response.headers.get("X-Upstream")


async def run_page(base: str, page: str, query: str, cookie: str) -> dict:
    """One browser-like first view of ``/<page>?<query>`` over /_stcore/stream. Returns the replica the websocket
    reached and what the run produced."""
    async with ProxiedClient(base, cookie) as client:
        res = await client.open_page(page, query)
        headings = [m.msg.delta.new_element.heading.body for m in res.deltas if m.element_type == "heading"]
        widgets = {w.key: w.state for w in client.widgets.values() if w.key}
        return {
            "upstream": client.upstream,
            "finished": res.status,
            "exceptions": res.exceptions,
            "headings": headings,
            "widgets": widgets,
            "query": urllib.parse.parse_qs(client.query_string),
        }


async def session(base: str, page: str, query: str) -> dict:
    """A new client: page load (nginx sets the sticky cookie), two more HTTP requests and the websocket run,
    all with that cookie. Returns every replica address seen along the way."""
    get = partial(asyncio.to_thread, http_get, base)
    status, headers, body = await get(f"/{page}?{query}" if query else f"/{page}")
    assert status == 200 and b"<html" in body.lower()
    set_cookies = headers.get_all("Set-Cookie") or []
    ours = [m.group(1) for c in set_cookies if (m := re.match(r"(rnnlab_replica=[0-9a-f]{32});", c))]
    assert len(ours) == 1, f"no sticky cookie from nginx: {set_cookies!r}"
    cookie = ours[0]
    seen = [headers["X-Upstream"]]
    for path in ("/_stcore/health", "/_stcore/host-config"):
        _, h, _ = await get(path, cookie)
        assert not any("rnnlab_replica" in c for c in h.get_all("Set-Cookie") or []), "nginx re-set a known cookie"
        seen.append(h["X-Upstream"])
    run = await run_page(base, page, query, cookie)
    seen.append(run["upstream"])
    _, h, _ = await get("/_stcore/health", cookie)  # and still there after the run
    seen.append(h["X-Upstream"])
    run["seen"] = seen
    return run


@contextlib.contextmanager
def local_sh(replicas: int, folder: Path):
    """deploy/local.sh with ``replicas`` replicas on a free port, running until the block ends; yields what it
    printed: its process, the base URL, the pids and addresses, and its work dir."""
    nginx = _nginx()
    if nginx is None:
        if os.environ.get("RNN_LAB_REQUIRE_BROWSER"):
            pytest.fail("nginx is required here (RNN_LAB_REQUIRE_BROWSER is set): apt-get install nginx")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    port = _free_port()
    log_path = folder / "local.sh.log"
    log = open(log_path, "w+b")
    # The replicas run with this interpreter (a virtual environment in CI), not whatever python3 is on PATH.
    # The replicas share a class store of this run's own (never the user's data directory).
    database = f"sqlite:///{folder / 'classroom.sqlite3'}"
    env = dict(
        os.environ,
        NGINX=nginx,
        RNNLAB_HEALTH_TIMEOUT=str(STARTUP_TIMEOUT),
        PYTHON=sys.executable,
        RNNLAB_DATABASE_URL=database,
    )
    proc = subprocess.Popen(
        ["bash", str(SCRIPT), str(replicas), str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    output = lambda: log_path.read_text(errors="replace")  # noqa: E731
    info = {"proc": proc, "port": port, "base": f"http://127.0.0.1:{port}", "output": output, "tree": set()}
    info["database"] = database
    try:

        def ready():
            text = output()
            if proc.poll() is not None:
                raise AssertionError(f"deploy/local.sh exited with {proc.returncode}:\n{text}")
            return "RNN Lab: http://" in text

        _poll(ready, STARTUP_TIMEOUT + 30, "deploy/local.sh to print its URL")
        text = output()
        info["replica_pids"] = [int(p) for p in re.findall(r"replica \d+: pid (\d+)", text)]
        info["replica_addrs"] = re.findall(r"replica \d+: pid \d+ on (127\.0\.0\.1:\d+)", text)
        info["nginx_pid"] = int(re.search(r"nginx: pid (\d+)", text).group(1))
        info["supervisord_pid"] = int(re.search(r"supervisord: pid (\d+)", text).group(1))
        info["workdir"] = re.search(r"work dir: (\S+)", text).group(1)
        yield info
    finally:
        # Backstop for a failed test: nothing the script started may outlive it (a test that kills the script
        # first records its tree in info["tree"]).
        tree = _descendants(proc.pid) | info["tree"]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        for pid in tree | set(_group_members(proc.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        if "workdir" in info:
            shutil.rmtree(info["workdir"], ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with local_sh(2, tmp_path_factory.mktemp("replicas")) as info:
        yield info


def test_replicas_behind_nginx(cluster):
    base = cluster["base"]
    assert len(cluster["replica_addrs"]) == 2
    assert http_get(base, "/_stcore/health")[2] == b"ok"

    # Streamlit's frontend bundles come from nginx itself, cacheable for a year.
    _, _, index = http_get(base, "/")
    bundle = re.search(rb"/?static/js/[\w.-]+\.js", index).group(0).decode().lstrip("/")
    _, h, _ = http_get(base, "/" + bundle)
    assert h["X-Upstream"] == "nginx-static" and "immutable" in h["Cache-Control"]
    assert "javascript" in h["Content-Type"]

    # 20 clients at once, spread over the lesson pages (the proxy is under test here, not each page: pages that
    # need services of their own, like a database, are left to their own tests).
    listed = {known.name for known in PAGES}
    pages = [""] + [p for p in ("mappings", "counting", "gradients", "optimizers", "lstm") if p in listed]

    async def classroom():
        return await asyncio.gather(*(session(base, pages[i % len(pages)], "lang=en") for i in range(20)))

    runs = run_async(classroom())
    for i, run in enumerate(runs):
        where = f"session {i} (/{pages[i % len(pages)]})"
        assert run["finished"] == "FINISHED_SUCCESSFULLY", where
        assert not run["exceptions"], (where, run["exceptions"])
        assert run["headings"], where
        # Sticky: the page load, the other HTTP requests and the websocket all reached one replica.
        assert len(set(run["seen"])) == 1, (where, run["seen"])
        assert run["seen"][0] in cluster["replica_addrs"], (where, run["seen"])
    used = {run["seen"][0] for run in runs}
    assert used == set(cluster["replica_addrs"]), f"not every replica got sessions: {used}"

    # A deep link with page state, through the proxy.
    en, ko = _locale("en"), _locale("ko")
    run = run_async(session(base, "counting", "w=0.5&seq=1,1,1"))
    assert run["finished"] == "FINISHED_SUCCESSFULLY" and not run["exceptions"], run["exceptions"]
    assert run["headings"][0] == en["counting"]["title"]
    assert run["query"]["w"] == ["0.5"] and run["query"]["seq"] == ["1,1,1"], run["query"]
    assert list(run["widgets"]["counting.w"].double_array_value.data) == [0.5]
    assert run["widgets"]["counting.seq"].string_value == "1,1,1"
    assert len(set(run["seen"])) == 1, run["seen"]

    # ?lang=ko: the home page in Korean, and a deep link in Korean.
    run = run_async(session(base, "", "lang=ko"))
    assert run["finished"] == "FINISHED_SUCCESSFULLY" and not run["exceptions"], run["exceptions"]
    assert run["headings"][0] == ko["home"]["title"]
    run = run_async(session(base, "counting", "lang=ko&w=0.5&seq=1,1,1"))
    assert not run["exceptions"] and run["headings"][0] == ko["counting"]["title"]
    assert run["query"]["lang"] == ["ko"]

    # A stranger's cookie is just another hash key: it too stays put.
    seen = {http_get(base, "/_stcore/health", "rnnlab_replica=0123456789abcdef")[1]["X-Upstream"] for _ in range(5)}
    assert len(seen) == 1 and seen <= set(cluster["replica_addrs"])


# The health poll's period, and the longest run of failed polls a killed replica's clients may see. nginx retries
# a request whose connect is refused on the live replica within the same request, so they should see none; the
# bound leaves room for one request that a busy 2-core machine delays past its timeout at the moment of the kill,
# and is far below the outage without failover (the ~5-10 s a Streamlit restart takes).
POLL_INTERVAL = 0.2
POLL_REQUEST_TIMEOUT = 2.0
MAX_FAILURE_WINDOW = 1.0
RESTART_WITHIN = 20.0
# A browser whose websocket closed reconnects by itself, retrying a failed handshake with a short backoff; the
# dead replica's students must have their lesson again within this many seconds of the kill.
RECONNECT_WITHIN = 5.0


def _logs(cluster) -> str:
    """The tails of nginx's error log and supervisord's log, for a failure's message."""
    out = []
    for name in ("nginx/error.log", "supervisord.log"):
        path = Path(cluster["workdir"]) / name
        lines = path.read_text(errors="replace").splitlines()[-15:] if path.exists() else ["(none)"]
        out.append(f"--- {name}\n" + "\n".join(lines))
    return "\n".join(out)


def _answered(headers) -> str:
    """The replica that answered: nginx's X-Upstream lists every replica tried ("A, B" after a retry)."""
    return headers["X-Upstream"].split(", ")[-1]


def _pinned_cookies(base: str, addrs: list[str]) -> dict[str, str]:
    """A sticky cookie for each replica address: stranger's cookies are hash keys, so try a few until each replica
    has one (two replicas: each key has even odds, so 64 tries miss one with probability 2**-63)."""
    cookies: dict[str, str] = {}
    for i in range(64):
        cookie = f"rnnlab_replica={i:032x}"
        cookies.setdefault(_answered(http_get(base, "/_stcore/health", cookie)[1]), cookie)
        if set(cookies) >= set(addrs):
            return {addr: cookies[addr] for addr in addrs}
    raise AssertionError(f"no cookie reaches every replica: {cookies}")


class HealthPoller(threading.Thread):
    """GET /_stcore/health through nginx every POLL_INTERVAL s with each cookie; records (time, cookie's replica,
    answering replica or None on failure)."""

    def __init__(self, base: str, cookies: dict[str, str]):
        super().__init__(daemon=True)
        self.base, self.cookies = base, cookies
        self.records: list[tuple[float, str, str | None]] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for home, cookie in self.cookies.items():
                req = urllib.request.Request(self.base + "/_stcore/health", headers={"Cookie": cookie})
                try:
                    with urllib.request.urlopen(req, timeout=POLL_REQUEST_TIMEOUT) as r:
                        # After a retry nginx lists every replica it tried: the last one answered.
                        answered = _answered(r.headers) if r.status == 200 and r.read() == b"ok" else None
                except OSError:
                    answered = None
                self.records.append((time.monotonic(), home, answered))
            self.stop.wait(POLL_INTERVAL)

    def of(self, home: str) -> list[tuple[float, str | None]]:
        return [(t, answered) for t, h, answered in self.records if h == home]


def _longest_failure(records: list[tuple[float, str | None]]) -> float:
    """Longest time from the last success before a failure to the next success (0 if nothing failed)."""
    longest, last_ok, failing = 0.0, None, False
    for t, answered in records:
        if answered is None:
            failing = True
        else:
            if failing and last_ok is not None:
                longest = max(longest, t - last_ok)
            last_ok, failing = t, False
    if failing:
        longest = float("inf")
    return longest


def _restarted_replica(addr: str, old_pid: int) -> int | None:
    """The pid of a new process listening on the replica's address and answering its health check, if any."""
    pid = _listener_pid(int(addr.rsplit(":", 1)[1]))
    if pid is None or pid == old_pid or not _alive(pid):
        return None
    try:
        return pid if http_get(f"http://{addr}", "/_stcore/health")[2] == b"ok" else None
    except OSError:
        return None


async def _wait_closed(client: StreamlitClient, timeout: float) -> bool:
    """True once the server side of the client's websocket has gone (the browser would then reconnect)."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await client.ws.recv()
    except websockets.ConnectionClosed:
        return True
    except TimeoutError:
        return False


def test_killed_replica_is_restarted_while_the_other_serves(cluster):
    base = cluster["base"]
    victim_addr, survivor_addr = cluster["replica_addrs"]
    victim_port = int(victim_addr.rsplit(":", 1)[1])
    victim_pid = cluster["replica_pids"][0]
    supervisord = cluster["supervisord_pid"]
    # The pid local.sh printed is the one listening on the replica's port, and supervisord's child.
    assert _listener_pid(victim_port) == victim_pid
    assert _parents().get(victim_pid) == supervisord
    cookies = _pinned_cookies(base, [victim_addr, survivor_addr])
    poller = HealthPoller(base, cookies)

    async def scenario():
        # A student of the victim replica, with the lesson open (its websocket stays open).
        student = ProxiedClient(base, cookies[victim_addr])
        await student.connect()
        try:
            first = await student.open_page("counting", "lang=en")
            assert first.status == "FINISHED_SUCCESSFULLY" and not first.exceptions, first.exceptions
            assert student.upstream == victim_addr

            poller.start()
            await asyncio.sleep(1.0)  # a baseline of good polls before the kill
            os.kill(victim_pid, signal.SIGKILL)
            killed_at = time.monotonic()

            # Its websocket closes; the frontend would reconnect with the same cookie, as this client does.
            assert await _wait_closed(student, 10), "the dead replica's websocket stayed open"
        finally:
            await student.close()
        # It reconnects with the same cookie, retrying a failed handshake as the frontend does.
        failed = []
        while True:
            try:
                return killed_at, failed, await run_page(base, "counting", "lang=en", cookies[victim_addr])
            except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
                failed.append(f"{time.monotonic() - killed_at:.2f}s: {exc!r}")
                if time.monotonic() - killed_at > RECONNECT_WITHIN:
                    raise AssertionError(
                        f"no reconnect within {RECONNECT_WITHIN}s: {failed}\n{_logs(cluster)}"
                    ) from exc
                await asyncio.sleep(0.5)

    try:
        killed_at, failed_reconnects, rerun = run_async(scenario(), RUN_TIMEOUT + 30)
        # The reconnected session opened the lesson on the live replica.
        assert rerun["finished"] == "FINISHED_SUCCESSFULLY" and not rerun["exceptions"], rerun["exceptions"]
        assert rerun["headings"][0] == _locale("en")["counting"]["title"]
        # The reconnect follows the close at once, before the victim is back (supervisord's 1 s tick, then
        # Streamlit's start): nginx's connect to the victim is refused and the handshake goes to the survivor.
        reconnected_to = rerun["upstream"].split(", ")[-1]
        assert reconnected_to == survivor_addr, (rerun["upstream"], failed_reconnects, _logs(cluster))

        # supervisord starts a new process on the same port, which answers its health check.
        new_pid = _poll(
            partial(_restarted_replica, victim_addr, victim_pid),
            RESTART_WITHIN - (time.monotonic() - killed_at),
            "the killed replica's restart",
        )
        restart_took = time.monotonic() - killed_at
        assert _parents().get(new_pid) == supervisord, "the new replica is not supervisord's child"
        cluster["replica_pids"][0] = new_pid

        # nginx gives the victim's clients back to it once fail_timeout (5 s) has passed.
        def back_home():
            recent = poller.of(victim_addr)[-1:]
            return recent and recent[0][1] == victim_addr

        _poll(back_home, 15, "nginx to send the killed replica's clients back to it")
    finally:
        poller.stop.set()
        if poller.ident is not None:  # started
            poller.join(timeout=10)

    survivor_polls, victim_polls = poller.of(survivor_addr), poller.of(victim_addr)
    after_kill = [answered for t, answered in victim_polls if t > killed_at]
    print(
        f"restart after {restart_took:.1f}s; {len(survivor_polls)} + {len(victim_polls)} polls; "
        f"failure windows {_longest_failure(survivor_polls):.2f}s / {_longest_failure(victim_polls):.2f}s; "
        f"reconnect: {rerun['upstream']} (the survivor is {survivor_addr}), "
        f"failed handshakes before it: {failed_reconnects}"
    )
    # The survivor's clients never noticed: every poll answered, by their own replica.
    assert survivor_polls and all(answered == survivor_addr for _, answered in survivor_polls), survivor_polls
    # The victim's clients were served by the survivor while it was down, with no failure window beyond the bound.
    assert _longest_failure(victim_polls) <= MAX_FAILURE_WINDOW, (victim_polls, _logs(cluster))
    assert survivor_addr in after_kill, "nginx never sent the dead replica's clients elsewhere"
    assert restart_took <= RESTART_WITHIN
    assert "exited: replica-0 (terminated by SIGKILL" in cluster["output"]()


def test_killed_nginx_is_restarted(cluster):
    """nginx's workers outlive a master killed with SIGKILL and keep its port: supervisord's restart must clear
    them, or a new master could never bind and the orphans would outlive the script."""
    old_master = cluster["nginx_pid"]
    old_workers = {pid for pid, parent in _parents().items() if parent == old_master}
    assert old_workers, "nginx has no workers?"
    os.kill(old_master, signal.SIGKILL)
    pid_file = Path(cluster["workdir"]) / "nginx" / "nginx.pid"

    def restarted():
        try:
            master = int(pid_file.read_text())
            ok = http_get(cluster["base"], "/_stcore/health")[2] == b"ok"
        except (OSError, ValueError):
            return None
        fresh = master != old_master and _parents().get(master) == cluster["supervisord_pid"]
        return master if ok and fresh and not any(_alive(pid) for pid in old_workers) else None

    cluster["nginx_pid"] = _poll(restarted, RESTART_WITHIN, "a new nginx master serving, the old workers gone")
    assert "exited: nginx (terminated by SIGKILL" in cluster["output"]()


def test_sigterm_stops_everything(tmp_path):
    """A run of its own (the tests above share one that must stay up, in whatever order pytest-xdist runs them),
    with a replica restarted by supervisord first: the restarted one must stop too."""
    with local_sh(2, tmp_path) as run:
        proc = run["proc"]
        os.kill(run["replica_pids"][0], signal.SIGKILL)
        new_pid = _poll(partial(_restarted_replica, run["replica_addrs"][0], run["replica_pids"][0]), 60, "a restart")
        pids = [new_pid, run["replica_pids"][1], run["nginx_pid"], run["supervisord_pid"]]
        assert all(_alive(pid) for pid in pids)
        tree = _descendants(proc.pid)  # supervisord, the replicas, nginx and its workers
        assert set(pids) <= tree and len(tree) >= 5, tree
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM, run["output"]()
        _poll(lambda: not any(_alive(pid) for pid in pids), 10, "supervisord, nginx and the replicas to exit")
        # Nothing else the script started (nginx workers included) is left either, and its work dir is gone.
        leftover = [pid for pid in tree | set(_group_members(proc.pid)) if _alive(pid)]
        assert not leftover, f"processes outlived deploy/local.sh: {leftover}"
        assert not Path(run["workdir"]).exists()
        assert "stopped" in run["output"]()


@pytest.mark.parametrize("victim", ["local.sh", "supervisord"])
def test_sigkill_up_the_tree_leaves_no_orphans(tmp_path, victim):
    """SIGKILL skips every clean-up of the killed process: the kernel's parent-death signal must still stop what
    it started (supervisord when the script dies; the replicas and nginx when supervisord dies)."""
    with local_sh(1, tmp_path) as run:
        proc = run["proc"]
        tree = run["tree"] = _descendants(proc.pid)
        pids = run["replica_pids"] + [run["nginx_pid"], run["supervisord_pid"]]
        assert set(pids) <= tree, (pids, tree)
        os.kill(proc.pid if victim == "local.sh" else run["supervisord_pid"], signal.SIGKILL)
        _poll(lambda: not any(_alive(pid) for pid in tree), 30, f"every process to stop after {victim} was killed")
        if victim == "supervisord":  # the script sees it gone, says so and exits 1 after its clean-up
            assert proc.wait(timeout=30) == 1
            assert "supervisord exited" in run["output"]()
            assert not Path(run["workdir"]).exists()


# --- a class across a replica's death ------------------------------------------------------------------------
STUDENTS = 20
CLASS_PAGE = "counting"


class Student(ProxiedClient):
    """A student's tab: also clicks buttons (a form's submit included), which the bench client does not need."""

    @staticmethod
    def _keep(kind, el):
        if kind == "button":  # its form id says which exercise box's Check it is
            copy = type(el)()
            copy.CopyFrom(el)
            return copy
        return ProxiedClient._keep(kind, el)

    def markdown(self) -> list[str]:
        """The page's Markdown and captions, in page order."""
        found = []
        for path in sorted(self.elements):
            rec = self.elements[path]
            if rec.element_type == "markdown":
                found.append(rec.msg.delta.new_element.markdown.body)
        return found

    async def answer(self, exercise_id: str, typed: str):
        """Type ``typed`` into an exercise's number box and press its Check (one run, as the browser sends it)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        box = self.find_widget(f"exercise.{exercise_id}.typed", kind="text_input")
        box.state.string_value = typed
        check = next(
            w
            for w in self.widgets.values()
            if w.kind == "button" and w.element.form_id == f"exercise.{exercise_id}.form"
        )
        check.state = WidgetState(id=check.id, trigger_value=True)
        try:
            return await self.rerun(fragment_id=check.fragment_id)
        finally:
            check.state = None


def _first_number_exercise(client: Student) -> str:
    for w in client.widgets_of("text_input"):
        if w.key.startswith("exercise.") and w.key.endswith(".typed"):
            return w.key[len("exercise.") : -len(".typed")]
    raise AssertionError("no number exercise on the page")


def _variants(client: Student) -> list[str]:
    """The variant codes of every exercise box on the page, in order."""
    return [m.group(1) for body in client.markdown() if (m := re.search(r"variant `(\w{4})`", body))]


def test_a_class_keeps_its_students_variants_and_tries_when_a_replica_dies(cluster):
    """Twenty students of a class on two replicas answer; one replica is killed; its students reconnect (with the
    links their browsers hold) to the other or to the restarted one, and find their variants and tries as they
    were; they answer again; the teacher counts twenty students and every answer once."""
    from classroom import codes
    from classroom.store import ClassStore

    base = cluster["base"]
    addrs = cluster["replica_addrs"]
    victim = 1
    cookies = _pinned_cookies(base, addrs)
    store = ClassStore(cluster["database"])
    info = store.create_class().info
    en = _locale("en")
    restored = en["exercise_box"]["restored"].format(tries=1)

    async def scenario():
        students = [Student(base, cookies[addrs[i % 2]]) for i in range(STUDENTS)]
        await asyncio.gather(*(s.connect() for s in students))
        try:
            opened = await asyncio.gather(
                *(s.open_page(CLASS_PAGE, f"lang=en&join={codes.display(info.code)}") for s in students)
            )
            for i, (s, run) in enumerate(zip(students, opened, strict=True)):
                assert run.status == "FINISHED_SUCCESSFULLY" and not run.exceptions, (i, run.exceptions)
                assert s.upstream == addrs[i % 2], (i, s.upstream)
            exercise = _first_number_exercise(students[0])
            before = {}
            for i, s in enumerate(students):
                query = urllib.parse.parse_qs(s.query_string)
                assert query["join"] == [info.code] and len(query["me"]) == 1, query
                before[i] = (s.query_string, _variants(s))
            answered = await asyncio.gather(*(s.answer(exercise, "12345") for s in students))
            assert all(not run.exceptions for run in answered), [run.exceptions for run in answered]
            (summary,) = [x for x in store.summary(info.id) if x.exercise_id == exercise]
            assert (summary.tried, summary.wrong_total) == (STUDENTS, STUDENTS)

            os.kill(cluster["replica_pids"][victim], signal.SIGKILL)
            killed_at = time.monotonic()
            theirs = [i for i in range(STUDENTS) if i % 2 == victim]
            closed = await asyncio.gather(*(_wait_closed(students[i], 10) for i in theirs))
            assert all(closed), "a dead replica's websocket stayed open"

            async def reconnect(i: int):
                """What the browser does: reconnect with its cookie and rerun the URL it shows, until served."""
                while True:
                    fresh = Student(base, cookies[addrs[victim]])
                    try:
                        await fresh.connect()
                        run = await fresh.open_page(CLASS_PAGE, before[i][0])
                        return fresh, run, time.monotonic() - killed_at
                    except (OSError, TimeoutError, websockets.InvalidHandshake, websockets.ConnectionClosed):
                        await fresh.close()
                        if time.monotonic() - killed_at > RESTART_WITHIN:
                            raise
                        await asyncio.sleep(0.5)

            back = await asyncio.gather(*(reconnect(i) for i in theirs))
            for i, (fresh, run, took) in zip(theirs, back, strict=True):
                await students[i].close()
                students[i] = fresh
                assert run.status == "FINISHED_SUCCESSFULLY" and not run.exceptions, (i, run.exceptions)
                assert took <= RESTART_WITHIN, (i, took)
                assert _variants(fresh) == before[i][1], f"student {i}'s variants changed on reconnecting"
                assert fresh.markdown().count(restored) == 1, f"student {i}'s try was not restored"
            again = await asyncio.gather(*(s.answer(exercise, "54321") for s in students))
            assert all(not run.exceptions for run in again), [run.exceptions for run in again]
            return max(took for _, _, took in back)
        finally:
            await asyncio.gather(*(s.close() for s in students), return_exceptions=True)

    slowest = run_async(scenario(), RUN_TIMEOUT * 3)
    print(f"the dead replica's {STUDENTS // 2} students were served again within {slowest:.1f} s of the kill")
    (summary,) = [x for x in store.summary(info.id) if x.exercise_id == _first_exercise_id(store, info.id)]
    assert (summary.tried, summary.right_first, summary.wrong_total) == (STUDENTS, 0, 2 * STUDENTS)
    assert store.student_count(info.id) == STUDENTS
    assert store.answer_count(info.id) == 2 * STUDENTS
    cluster["replica_pids"][victim] = _poll(
        partial(_restarted_replica, addrs[victim], cluster["replica_pids"][victim]), RESTART_WITHIN, "the restart"
    )
    store.dispose()


def _first_exercise_id(store, class_id: int) -> str:
    (only,) = {x.exercise_id for x in store.summary(class_id)}
    return only
