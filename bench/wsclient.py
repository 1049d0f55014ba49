"""A browser-less Streamlit client: speaks the app's websocket protocol the way the browser does (Streamlit 1.67).

Used by ``bench/classroom.py`` to put a class's load on a server, and reusable by tests that need to see what a
rerun sends back (e.g. that a fragment rerun resends only its own section)::

    async with StreamlitClient("http://127.0.0.1:8501") as c:
        first = await c.open_page("counting", "lang=en")   # RunResult of the first view
        w = c.find_widget("counting.w")                     # by key, id or label substring
        res = await c.move(w, 0.5)                          # a rerun with the slider moved
        res.status          # "FINISHED_SUCCESSFULLY" or "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"
        res.deltas          # [Received, ...] every delta of that run, in arrival order
        res.exceptions      # ["ValueError: ...", ...] exception elements drawn by that run
        c.elements          # {delta_path: Received}: what the page shows now

Protocol, as read from the installed package (``streamlit/web/server/starlette/starlette_websocket.py``, the
protos in ``streamlit/proto`` and the frontend bundle in ``streamlit/static``):

* Connect to ``ws://HOST:PORT/_stcore/stream``. The browser offers the subprotocols
  ``["streamlit", <xsrf token or "PLACEHOLDER_AUTH_TOKEN">, <last session id, when reconnecting>]``: the server
  selects the first entry and reads the 2nd/3rd as tokens (the XSRF token only matters for auth cookies).
  Frames are binary protobufs: ``BackMsg`` up, ``ForwardMsg`` down. The server sends nothing until the client
  asks for a run.
* A run is requested with ``BackMsg.rerun_script`` (a ``ClientState``). On a deep link the browser's first request
  has ``page_script_hash=""`` and ``page_name`` = the URL path below the base URL (``"counting"``, ``""`` for the
  default page), ``query_string`` without ``?``, and ``context_info`` (locale, timezone, url...). Later requests
  carry ``page_script_hash`` = the current page's hash (from the ``navigation`` message; ``new_session``'s
  ``page_script_hash`` is the main script's), the current query string (the server rewrites it with
  ``page_info_changed`` when the app sets ``st.query_params``), the widget states and the cached hashes.
* Widget states: one ``WidgetState`` per widget the page shows, keyed by the element's ``id``
  (``$$ID-<hash>-<user key>``), value in the oneof its Python side registered (slider: ``double_array_value``;
  selectbox/radio/text: ``string_value`` holding the *formatted* option; multiselect/pills/segmented control:
  ``string_array_value``; number input: ``double_value``/``int_value``; checkbox: ``bool_value``). An element
  carries the server's value only when ``set_value`` is true; otherwise the client keeps its own (the default on
  first sight). Widgets no longer drawn are dropped after a run, as the browser does.
* Runs end with ``script_finished``: ``FINISHED_SUCCESSFULLY``, ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY`` (when
  ``rerun_script.fragment_id`` was set), ``FINISHED_WITH_COMPILE_ERROR``, or ``FINISHED_EARLY_FOR_RERUN`` (a new
  run follows by itself, e.g. after ``st.rerun()``: keep reading).
* Fragments: a widget drawn inside ``@st.fragment`` arrives with ``ForwardMsg.delta.fragment_id`` set; moving it is
  a rerun with ``rerun_script.fragment_id`` = that id.
* Message cache: every ForwardMsg has a ``hash``; those with ``metadata.cacheable`` (``new_element`` deltas of at
  least ``global.minCachedMessageSize``, 10 KB by default) are kept by the client, whose hashes go in every
  ``rerun_script.cached_message_hashes``. The server then sends ``ref_hash`` (a few dozen bytes, with the original
  metadata) instead of an identical element. The browser forgets entries not used for
  ``new_session.config.max_cached_message_age`` runs (2 by default); this client does the same, so the hashes it
  sends and the bytes it receives are the browser's.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.ScriptFinishedStatus
# Files the browser fetches over HTTP after a run (st.image, or an image URL inside a chart spec): content-hashed
# names under /media/, so a browser fetches each URL once.
# Only what a browser fetches by itself (images, and CSV that charts read); a download (.py, ...) waits for a click.
MEDIA_URL = re.compile(rb"/media/[0-9a-f]{16,64}\.(?:png|jpe?g|svg|webp|csv)")
# Widget kinds this client knows how to hold a state for; others (buttons, chart selections, dataframes with
# selections...) are left out of widget_states, which makes the server keep its previous value for them.
KNOWN_WIDGETS = {
    "slider",
    "checkbox",
    "number_input",
    "text_input",
    "text_area",
    "selectbox",
    "radio",
    "multiselect",
    "button_group",
}


BLOCK_WIDGETS = ("expandable", "popover")  # blocks that are widgets when they track their state (open or not)


class ProtocolError(RuntimeError):
    """The server sent something this client cannot follow (a cache miss, a run that never ends...)."""


@dataclass
class Received:
    """One ForwardMsg as received. ``nbytes`` is the frame's size on the wire (a ``ref_hash`` costs only its own);
    for a ``ref_hash`` the element fields describe the cached message it stands for."""

    msg_type: str  # ForwardMsg oneof: "delta", "new_session", "script_finished", "ref_hash" resolved below...
    nbytes: int
    delta_path: tuple[int, ...] = ()
    delta_type: str = ""  # "new_element", "add_block", "new_transient"
    element_type: str = ""  # e.g. "slider", "vega_lite_chart", "exception"
    fragment_id: str = ""
    widget_id: str = ""
    was_ref: bool = False  # came as a ref_hash to a cached message
    cacheable: bool = False
    msg: ForwardMsg | None = None  # the (resolved) message itself


@dataclass
class RunResult:
    """One requested run, from the BackMsg sent to its final ``script_finished``."""

    status: str = ""
    seconds: float = 0.0
    bytes: int = 0
    messages: list[Received] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    fragment_id: str = ""  # the fragment id this run was requested for ("" = whole page)
    media_urls: list[str] = field(default_factory=list)  # /media/... paths this client had not seen before
    runs: int = 0  # script runs seen (more than 1 when a run ended FINISHED_EARLY_FOR_RERUN)

    @property
    def deltas(self) -> list[Received]:
        return [m for m in self.messages if m.msg_type == "delta"]

    @property
    def ref_hits(self) -> int:
        return sum(m.was_ref for m in self.messages)


@dataclass
class Widget:
    """A widget as the client knows it: its id, kind (element type), label, user key, the fragment it was drawn
    in, its element proto (for min/max/options), and the state the client would send."""

    id: str
    kind: str
    label: str
    key: str
    fragment_id: str
    element: Any
    state: Any  # streamlit.proto.WidgetStates_pb2.WidgetState, or None if the kind is not in KNOWN_WIDGETS
    seen_in_run: int = 0


def _initial_state(kind: str, el: Any, wid: str):
    """The WidgetState a browser would hold for a widget it has just drawn (the server's value when the element
    has ``set_value``, else its default), or None when the widget holds no value yet or the kind is unknown."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    ws = WidgetState(id=wid)
    set_value = getattr(el, "set_value", False)
    if kind == "slider":
        ws.double_array_value.data[:] = list(el.value) if set_value else list(el.default)
    elif kind == "checkbox":
        ws.bool_value = el.value if set_value else el.default
    elif kind == "number_input":
        if not set_value and el.DESCRIPTOR.fields_by_name["default"].has_presence and not el.HasField("default"):
            return None  # value=None: the widget holds nothing yet
        value = el.value if set_value else el.default
        if type(el).DataType.Name(el.data_type) == "INT":
            ws.int_value = int(value)
        else:
            ws.double_value = float(value)
    elif kind in ("text_input", "text_area"):
        if set_value:
            ws.string_value = el.value
        elif el.HasField("default"):
            ws.string_value = el.default
        else:
            return None
    elif kind in ("selectbox", "radio"):
        if set_value:
            ws.string_value = el.raw_value
        elif el.HasField("default") and 0 <= el.default < len(el.options):
            ws.string_value = el.options[el.default]
        else:
            return None
    elif kind == "multiselect":
        ws.string_array_value.data[:] = list(el.raw_values) if set_value else [el.options[i] for i in el.default]
    elif kind == "button_group":
        ws.string_array_value.data[:] = (
            list(el.raw_values) if set_value else [el.options[i].content for i in el.default]
        )
    else:
        return None
    return ws


def widget_key(wid: str) -> str:
    """The user key at the end of an element id ``$$ID-<32 hex>-<key>`` ("" for an unkeyed widget)."""
    if wid.startswith("$$ID-"):
        rest = wid[len("$$ID-") :]
        _, sep, key = rest.partition("-")
        return key if sep and key != "None" else ""
    return ""


class StreamlitClient:
    """One browser tab, without the browser: connect, open_page(path, query), move(widget, value), close.

    ``timeout`` bounds each run (seconds from request to its final ``script_finished``); ``max_messages`` bounds
    the messages read for one run. Nothing here retries: a timeout or a cache miss raises.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8501",
        timeout: float = 120.0,
        max_messages: int = 100_000,
        locale: str = "en-US",
        keep_messages: bool = True,
    ):
        parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
        self.base_url = base_url
        self.ws_url = f"ws://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.timeout = timeout
        self.max_messages = max_messages
        self.locale = locale
        self.keep_messages = keep_messages  # False keeps no ForwardMsg objects (memory of a 40-session bench)
        self.ws = None
        self.page_script_hash = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}
        self.elements: dict[tuple[int, ...], Received] = {}
        self.skipped_widget_kinds: set[str] = set()
        self.max_cached_message_age = 2
        self.run_count = 0  # script runs finished (the browser's cache clock)
        # hash -> [serialized ForwardMsg, run_count when last used, fragment id]
        self._cache: dict[str, list] = {}
        self._seen_in: dict[tuple[int, ...], int] = {}
        self._requests = 0
        self._media_seen: set[str] = set()
        self._new_media: list[str] = []

    async def __aenter__(self):
        await self.connect()
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def connect(self) -> None:
        # The second entry stands where the browser puts its XSRF token; the server reads it only when XSRF
        # protection is on *and* an auth cookie is present.
        self.ws = await asyncio.wait_for(
            websockets.connect(
                self.ws_url,
                subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                max_size=None,
                open_timeout=self.timeout,
                close_timeout=5,
                ping_interval=None,
            ),  # long runs must not be cut by a missed ping
            self.timeout,
        )

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 10)
            except Exception:
                pass
            self.ws = None

    # --- requests ---------------------------------------------------------------------------------------------
    async def open_page(self, path: str = "", query: str = "") -> RunResult:
        """The first run of a deep link ``/<path>?<query>``: no page hash yet, the page named by its URL path."""
        self.query_string = query.lstrip("?")
        return await self._run(page_name=path.strip("/"), page_script_hash="")

    async def rerun(self, fragment_id: str = "") -> RunResult:
        """A rerun with the widget states as they stand (what the browser sends after any widget change)."""
        return await self._run(page_script_hash=self.page_script_hash, fragment_id=fragment_id)

    async def move(self, widget: Widget | str, value: Any) -> RunResult:
        """Set ``widget`` (a Widget, or anything ``find_widget`` takes) to ``value`` and rerun, in its fragment
        when it was drawn in one. Values: slider a number (or a list for a range slider), selectbox/radio the
        formatted option, multiselect/pills a list of formatted options, number_input a number, checkbox (or a
        stateful expander or popover: open or not) a bool,
        text a str."""
        w = widget if isinstance(widget, Widget) else self.find_widget(widget)
        if w.state is None:
            raise ValueError(f"cannot set a {w.kind} widget")
        st = w.state
        if w.kind == "slider":
            st.double_array_value.data[:] = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        elif w.kind in ("checkbox", *BLOCK_WIDGETS):
            st.bool_value = bool(value)
        elif w.kind == "number_input":
            if st.WhichOneof("value") == "int_value":
                st.int_value = int(value)
            else:
                st.double_value = float(value)
        elif w.kind in ("multiselect", "button_group"):
            st.string_array_value.data[:] = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        else:
            st.string_value = str(value)
        return await self.rerun(fragment_id=w.fragment_id)

    def find_widget(self, what: str, kind: str | None = None) -> Widget:
        """The first widget (in page order) whose user key equals ``what``, whose id equals it, or whose label
        contains it; optionally only of one ``kind`` ("slider"...)."""
        ordered = sorted(self.widgets.values(), key=lambda w: self._order(w))
        for test in (lambda w: w.key == what or w.id == what, lambda w: what.lower() in w.label.lower()):
            for w in ordered:
                if (kind is None or w.kind == kind) and test(w):
                    return w
        raise KeyError(f"no widget {what!r} (kind {kind}); have {[w.key or w.label for w in ordered]}")

    def widgets_of(self, kind: str) -> list[Widget]:
        """The widgets of one kind, in page order (main area before sidebar)."""
        return sorted((w for w in self.widgets.values() if w.kind == kind), key=self._order)

    def _order(self, w: Widget) -> tuple:
        for path, rec in self.elements.items():
            if rec.widget_id == w.id:
                return path
        return (99,)

    # --- one run ----------------------------------------------------------------------------------------------
    def _cached_hashes(self) -> list[str]:
        return list(self._cache)

    async def _run(self, page_name: str = "", page_script_hash: str = "", fragment_id: str = "") -> RunResult:
        if self.ws is None:
            raise ProtocolError("not connected")
        back = BackMsg()
        rs = back.rerun_script
        rs.query_string = self.query_string
        rs.page_script_hash = page_script_hash
        rs.page_name = page_name
        rs.fragment_id = fragment_id
        rs.cached_message_hashes[:] = self._cached_hashes()
        # Only known widgets with a value, as the browser sends the states of the widgets it shows.
        rs.widget_states.widgets.extend(w.state for w in self.widgets.values() if w.state is not None)
        ci = rs.context_info
        ci.locale, ci.timezone, ci.timezone_offset = self.locale, "UTC", 0
        ci.url = f"{self.base_url.rstrip('/')}/{page_name}"
        self._requests += 1
        result = RunResult(fragment_id=fragment_id)
        start = time.perf_counter()
        deadline = start + self.timeout
        await self.ws.send(back.SerializeToString())
        got_new_session = False
        this_run = self._requests
        for _ in range(self.max_messages):
            left = deadline - time.perf_counter()
            if left <= 0:
                raise ProtocolError(f"run not finished within {self.timeout} s")
            try:
                data = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                raise ProtocolError(f"run not finished within {self.timeout} s") from None
            result.bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            rec = self._receive(msg, data, this_run)
            if self.keep_messages:
                result.messages.append(rec)
            if rec.element_type == "exception":
                ex = rec.msg.delta.new_element.exception
                result.exceptions.append(f"{ex.type}: {ex.message}"[:300])
            if rec.msg_type == "new_session":
                got_new_session = True
            if rec.msg_type == "script_finished":
                result.runs += 1
                status = FINISHED.Name(msg.script_finished)
                if msg.script_finished == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue  # the server starts the next run by itself
                result.status = status
                self._after_run(
                    fragment_id if status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY" else "", this_run, got_new_session
                )
                break
        else:
            raise ProtocolError(f"more than {self.max_messages} messages in one run")
        result.seconds = time.perf_counter() - start
        result.media_urls, self._new_media = self._new_media, []
        return result

    def _receive(self, msg: ForwardMsg, data: bytes, this_run: int) -> Received:
        nbytes = len(data)
        kind = msg.WhichOneof("type")
        was_ref = False
        if kind == "ref_hash":
            entry = self._cache.get(msg.ref_hash)
            if entry is None:  # the browser raises "Cached ForwardMsg MISS" here too
                raise ProtocolError(f"cache miss for ref_hash {msg.ref_hash}")
            entry[1] = self.run_count  # a hit keeps the entry young, as in the browser
            full = ForwardMsg()
            full.ParseFromString(entry[0])
            full.metadata.CopyFrom(msg.metadata)  # the reference carries the current delta path
            msg, kind, was_ref = full, full.WhichOneof("type"), True
        elif msg.metadata.cacheable and msg.hash and msg.hash not in self._cache:
            self._cache[msg.hash] = [
                data,
                self.run_count,  # the frame as received: no re-encoding
                msg.delta.fragment_id if kind == "delta" else "",
            ]
        if kind == "delta" and b"/media/" in (entry[0] if was_ref else data):
            for url in MEDIA_URL.findall(entry[0] if was_ref else data):
                url = url.decode()
                if url not in self._media_seen:
                    self._media_seen.add(url)
                    self._new_media.append(url)
        rec = Received(
            msg_type=kind,
            nbytes=nbytes,
            was_ref=was_ref,
            cacheable=msg.metadata.cacheable,
            msg=msg if self.keep_messages or kind == "delta" else None,
        )
        if kind == "delta":
            d = msg.delta
            rec.delta_path = tuple(msg.metadata.delta_path)
            rec.delta_type = d.WhichOneof("type") or ""
            rec.fragment_id = d.fragment_id
            if rec.delta_type == "new_element":
                et = d.new_element.WhichOneof("type") or ""
                rec.element_type = et
                el = getattr(d.new_element, et) if et else None
                wid = getattr(el, "id", "") if el is not None else ""
                if wid and isinstance(wid, str):
                    rec.widget_id = wid
                    self._widget_seen(et, el, wid, d.fragment_id, this_run)
            elif rec.delta_type == "add_block":
                self._block_seen(d.add_block, d.fragment_id, this_run)
            if rec.delta_type != "new_transient":  # transients (spinners) sit beside elements, not in place
                self.elements[rec.delta_path] = rec
                self._seen_in[rec.delta_path] = this_run
            if not self.keep_messages:
                rec.msg = msg if rec.element_type == "exception" else None
        elif kind == "new_session":
            self.max_cached_message_age = msg.new_session.config.max_cached_message_age or 2
        elif kind == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        return rec

    def _widget_seen(self, kind: str, el: Any, wid: str, fragment_id: str, this_run: int) -> None:
        w = self.widgets.get(wid)
        if w is None:
            state = _initial_state(kind, el, wid) if kind in KNOWN_WIDGETS else None
            if kind not in KNOWN_WIDGETS:
                self.skipped_widget_kinds.add(kind)
            w = Widget(
                id=wid,
                kind=kind,
                label=getattr(el, "label", ""),
                key=widget_key(wid),
                fragment_id=fragment_id,
                element=self._keep(kind, el),
                state=state,
            )
            self.widgets[wid] = w
        else:
            w.element, w.label, w.fragment_id = self._keep(kind, el), getattr(el, "label", w.label), fragment_id
            if getattr(el, "set_value", False) and kind in KNOWN_WIDGETS:
                w.state = _initial_state(kind, el, wid)  # the server set the value (session_state, URL)
        w.seen_in_run = this_run

    def _block_seen(self, block: Any, fragment_id: str, this_run: int) -> None:
        """An expander or popover that tracks its state (``on_change="rerun"``) is a widget: its id is on the
        block, and the browser sends whether it is open (``bool_value``), which :meth:`move` sets."""
        kind = block.WhichOneof("type")
        if kind not in BLOCK_WIDGETS or not getattr(block, kind).id:
            return
        inner = getattr(block, kind)
        wid = inner.id
        w = self.widgets.get(wid)
        if w is None:
            from streamlit.proto.WidgetStates_pb2 import WidgetState

            state = WidgetState(id=wid)
            state.bool_value = bool(inner.expanded if kind == "expandable" else inner.open)
            w = Widget(
                id=wid,
                kind=kind,
                label=inner.label,
                key=widget_key(wid),
                fragment_id=fragment_id,
                element=None,
                state=state,
            )
            self.widgets[wid] = w
        else:  # drawn again: the server's state (session state may have opened or closed it), as a browser takes it
            w.fragment_id, w.label = fragment_id, inner.label
            w.state.bool_value = bool(inner.expanded if kind == "expandable" else inner.open)
        w.seen_in_run = this_run

    @staticmethod
    def _keep(kind: str, el: Any) -> Any:
        """A copy of a known widget's element (small); None for others, since a sub-message keeps its whole
        ForwardMsg alive (a chart with a selection is 700 KB on the counting page)."""
        if kind not in KNOWN_WIDGETS:
            return None
        copy = type(el)()
        copy.CopyFrom(el)
        return copy

    def _after_run(self, fragment_id: str, this_run: int, got_new_session: bool) -> None:
        """What the browser does at script_finished: drop stale elements and widgets (all of the page after a
        full run; only the fragment's after a fragment run) and age the message cache."""

        def stale(run: int, frag: str) -> bool:
            return run != this_run and (not fragment_id or frag == fragment_id)

        for wid in [w.id for w in self.widgets.values() if stale(w.seen_in_run, w.fragment_id)]:
            del self.widgets[wid]
        for path in [p for p, r in self.elements.items() if stale(self._seen_in.get(p, 0), r.fragment_id)]:
            del self.elements[path]
            self._seen_in.pop(path, None)
        if not got_new_session:
            return  # the browser ages its cache only for runs that began with new_session
        self.run_count += 1
        for h in list(self._cache):
            _, used, frag = self._cache[h]
            if fragment_id and frag != fragment_id:
                continue  # a fragment run ages only the fragment's entries
            if self.run_count - used > self.max_cached_message_age:
                del self._cache[h]
