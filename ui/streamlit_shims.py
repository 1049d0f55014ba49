"""Six measured fixes to Streamlit's per-call overhead, applied once per process (``import ui`` applies them).

1. Remembered signatures.

Streamlit 1.67 names each positional argument of a cached call (``st.cache_data``/``st.cache_resource``) by
``inspect.signature`` of the function, for every argument of every call, uncached
(``streamlit.runtime.caching.cache_utils._get_positional_arg_name`` calls ``type_util.get_func_parameters``): a
cache hit with six positional arguments cost 149 µs, 95 µs once the signature is remembered, and under a class's
load it was 7 % of a lesson's first view (py-spy). A function's parameters do not change, so they are remembered
per function, in a bounded cache. A callable that cannot be a cache key is passed through unchanged.

2. One key looked up, not the whole state copied. Each number input, radio, selectbox, text input and text area
asks whether its key holds ``None`` (``key in state and state[key] is None``) on
``get_session_state().filtered_state``, a fresh dict of every entry of the session state, each read through its
presenter: on the optimizers lesson, whose settings are some twenty number inputs, that copy was a tenth of a
move's server CPU (py-spy under a class's load). :class:`UserKeys` answers the same two questions for the one
key asked. (Sliders are spared the copy by ``ui.urlstate`` passing them ``value=``.)

3. One wake-up of the event loop per burst of a session's messages, not one per message. Every element a script
draws is a ForwardMsg that the script's thread hands to the server's event loop with its own
``call_soon_threadsafe`` (``AppSession._on_scriptrunner_event``): a write to the loop's wake-up socket and a
callback each, some 400 for a first view of the optimizers lesson, and a fifth of its server CPU under a class's
load (py-spy). :func:`batched_events` queues a session's events in order and schedules one callback that hands
all those queued by then to Streamlit's own handler, in the same order: what each message does is unchanged.

4. Cursors copied by their fields. Each call of a fragment snapshots where the page is (``deepcopy`` of the run's
cursors and of the stack of containers, whose copies copy their cursors again), and Python's generic deepcopy of
each cursor object went through ``__reduce_ex__`` and a dict copy: with a lesson's dozen fragments and its
exercise boxes, a tenth of a first view (py-spy, forty students opening the gradients lesson). A cursor holds
numbers, a tuple of numbers and a small list of transient elements: :func:`copied_cursor` shares what cannot
change and deep-copies the rest, which is what deepcopy gives.

5. Options read without the configuration's lock where Streamlit reads one per element. Every message a script
sends is hashed with ``global.minCachedMessageSize`` (``forward_msg_cache.populate_hash_if_needed``) and every
element asks ``global.appTest`` (``elements.lib.utils.save_for_app_testing``), each through ``config.get_option``,
which takes the process's one configuration lock: forty script threads queue on it, and it was 6 % of the server's
CPU for forty students opening the optimizers lesson at once (py-spy ``--gil``). :class:`UnlockedConfig` reads the
same option objects without the lock (a dict look-up, atomic under the GIL; parsing the configuration replaces
the whole dict, which it then reads).

6. Script runs take turns. Streamlit starts every session's run at once, in its own thread: forty students moving
a slider together ran forty threads under one interpreter lock, each answered only at the end of the wave, and
the switching cost a quarter more CPU per move. :func:`gated` runs each script (a page's run or a fragment's)
inside :mod:`ui.script_gate`'s turnstile, one at a time in arrival order (``RNNLAB_SCRIPT_GATE``); a run waiting for
a value another session's cached function is computing waits outside it (:func:`held_aside`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from streamlit import config, cursor, type_util
from streamlit.elements.lib import utils as element_utils
from streamlit.elements.widgets import number_input, radio, selectbox, text_widgets
from streamlit.runtime import forward_msg_cache
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.caching import cache_utils
from streamlit.runtime.scriptrunner import script_runner
from streamlit.runtime.state.session_state import STREAMLIT_INTERNAL_KEY_PREFIX

from ui import script_gate

REMEMBERED = 1024  # functions: every cached function and element of the app is well under this


def remembered(original: Callable[[Callable[..., Any]], Any]) -> Callable[[Callable[..., Any]], Any]:
    """``original`` (``type_util.get_func_parameters``) with its result remembered per function."""
    cached = functools.lru_cache(maxsize=REMEMBERED)(original)

    @functools.wraps(original)
    def get_func_parameters(func):
        try:
            return cached(func)
        except TypeError:  # an unhashable callable
            return original(func)

    get_func_parameters.original = original
    return get_func_parameters


class UserKeys:
    """What ``SessionState.filtered_state`` answers about a user's key (``in``, ``[]``, ``get``), read from the
    session state itself instead of from a copy of all of it. A key filtered_state leaves out (Streamlit's
    internal keys) is left out here too. As ``SafeSessionState.filtered_state`` does, it reads the inner state
    under the safe state's lock, without the script runner's stop check that the safe state's ``in`` and ``[]``
    make."""

    __slots__ = ("_inner", "_lock")

    def __init__(self, state):
        # SafeSessionState wraps the SessionState (_state) behind a lock (_lock); anything else is read as it is.
        self._inner, self._lock = getattr(state, "_state", state), getattr(state, "_lock", None) or _NO_LOCK

    def _user_key(self, key) -> bool:
        return isinstance(key, str) and not key.startswith(STREAMLIT_INTERNAL_KEY_PREFIX)

    def __contains__(self, key) -> bool:
        with self._lock:
            return self._user_key(key) and key in self._inner

    def __getitem__(self, key):
        if not self._user_key(key):
            raise KeyError(key)
        with self._lock:
            return self._inner[key]  # one lookup: a missing key raises KeyError, as the dict does

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_LOCK = _NoLock()


class LeanSessionState:
    """The session state a widget module reads, with :class:`UserKeys` as its ``filtered_state``; everything else
    is the session state's own."""

    __slots__ = ("_state",)

    def __init__(self, state):
        object.__setattr__(self, "_state", state)

    @property
    def filtered_state(self) -> UserKeys:
        return UserKeys(self._state)

    def __getattr__(self, name):
        return getattr(self._state, name)


def lean(original: Callable[[], Any]) -> Callable[[], Any]:
    """``original`` (a widget module's ``get_session_state``) returning the state as :class:`LeanSessionState`."""

    @functools.wraps(original)
    def get_session_state():
        return LeanSessionState(original())

    get_session_state.original = original
    return get_session_state


# The widget modules whose only use of filtered_state is the one-key question above (Streamlit 1.67).
LEAN_MODULES = (number_input, radio, selectbox, text_widgets)


class _Events:
    """A session's ScriptRunner events not yet handed to the event loop, and whether a hand-over is scheduled."""

    __slots__ = ("lock", "queued", "scheduled")

    def __init__(self):
        self.lock, self.queued, self.scheduled = threading.Lock(), [], False


EVENT_PARAMETERS = (
    "self",
    "sender",
    "event",
    "forward_msg",
    "exception",
    "client_state",
    "page_script_hash",
    "fragment_ids_this_run",
    "pages",
    "run_descriptor",
)
_LOGGER = logging.getLogger(__name__)


def batched_events(original: Callable[..., None]) -> Callable[..., None]:
    """``AppSession._on_scriptrunner_event`` (``original``) with a session's events handed to its event loop in
    bursts: each event joins the session's queue, and the first of a burst schedules the one callback
    (:func:`_hand_over`) that passes every event queued by the time it runs to
    ``_handle_scriptrunner_event_on_event_loop``, oldest first, as the one-callback-per-event original does."""

    @functools.wraps(original)
    def _on_scriptrunner_event(self, *args, **kwargs) -> None:
        events = self.__dict__.get("_rnnlab_events")
        if events is None:
            events = self.__dict__.setdefault("_rnnlab_events", _Events())
        with events.lock:
            events.queued.append((args, kwargs))
            if events.scheduled:
                return
            events.scheduled = True
        self._call_soon_on_event_loop(lambda: _hand_over(self, events))

    _on_scriptrunner_event.original = original
    return _on_scriptrunner_event


def _hand_over(session: AppSession, events: _Events) -> None:
    with events.lock:
        queued, events.queued, events.scheduled = events.queued, [], False
    for args, kwargs in queued:
        try:
            session._handle_scriptrunner_event_on_event_loop(*args, **kwargs)
        except Exception:  # as the loop does for a failing callback: logged, and the next events still handled
            _LOGGER.exception("Handling a ScriptRunner event failed")


def _batchable() -> bool:
    """Whether AppSession still has the three methods :func:`batched_events` relies on, as read in 1.67."""
    handler = getattr(AppSession, "_handle_scriptrunner_event_on_event_loop", None)
    on_event = getattr(AppSession, "_on_scriptrunner_event", None)
    if handler is None or on_event is None or not hasattr(AppSession, "_call_soon_on_event_loop"):
        return False
    original = getattr(on_event, "original", on_event)
    return (
        tuple(inspect.signature(original).parameters)
        == EVENT_PARAMETERS
        == tuple(inspect.signature(handler).parameters)
    )


_SHARED = (int, float, str, bool, type(None))


def copied_cursor(self, memo: dict):
    """``copy.deepcopy`` of a Streamlit cursor: its numbers and its path (a tuple of numbers) shared, as deepcopy
    shares them, anything else (its transient elements) deep-copied."""
    new = object.__new__(type(self))
    memo[id(self)] = new
    for name, value in self.__dict__.items():
        if type(value) is cursor.SparseList:  # the transient elements: usually none
            elements = object.__new__(cursor.SparseList)
            elements._data = copy.deepcopy(value._data, memo) if value._data else {}
            value = elements
        elif not (type(value) in _SHARED or type(value) is tuple and all(type(item) is int for item in value)):
            value = copy.deepcopy(value, memo)
        new.__dict__[name] = value
    return new


CURSOR_CLASSES = (cursor.RunningCursor, cursor.LockedCursor)


class UnlockedConfig:
    """``streamlit.config`` as the modules that read an option per element see it: :meth:`get_option` reads the
    option without the configuration's lock (see 5. above); everything else is the module's own."""

    original = config

    def get_option(self, key: str) -> Any:
        return option(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(config, name)


_GET_OPTION = config.get_option  # Streamlit's own; AppTest patches it to set its options for a run


def option(key: str) -> Any:
    """``config.get_option(key)`` without its lock, once the configuration is parsed (before that, for a key it
    does not have, or while something patched ``get_option``, as AppTest does: the call itself)."""
    if config.get_option is not _GET_OPTION:
        return config.get_option(key)
    options = getattr(config, "_config_options", None)
    found = options.get(key) if options is not None else None
    return config.get_option(key) if found is None else found.value


CONFIG_READERS = (forward_msg_cache, element_utils)


def gated(original: Callable[..., Any], gate) -> Callable[..., Any]:
    """``exec_func_with_error_handling`` (which runs a script's code, with its callbacks) inside ``gate``."""

    @functools.wraps(original)
    def exec_func_with_error_handling(*args, **kwargs):
        with gate.admitted():
            outcome = original(*args, **kwargs)
        # (result, ran without errors, rerun data, ...): stopped for a rerun, by the student's newer move or the
        # script's own st.rerun; either way the same student's run follows and keeps its ticket.
        if outcome[2] is not None:
            gate.stopped_for_rerun()
        return outcome

    exec_func_with_error_handling.original = original
    return exec_func_with_error_handling


def held_aside(original: Callable[[threading.Lock], Any]) -> Callable[[threading.Lock], Any]:
    """Streamlit's ``_hold_compute_lock`` (a cached function's per-value lock), waiting outside the script gate
    while another session computes the value: that session may have stepped aside itself (for the trainer) and
    needs a place back to finish, which the sessions waiting on its value would otherwise hold."""

    @contextlib.contextmanager
    def _hold_compute_lock(lock: threading.Lock):
        with contextlib.ExitStack() as held:
            if lock.locked():  # computed by another session now: wait for it aside
                with script_gate.aside():
                    held.enter_context(original(lock))
            else:
                held.enter_context(original(lock))
            yield

    _hold_compute_lock.original = original
    return _hold_compute_lock


def apply() -> None:
    """Install the fixes once (importing ui twice, or a test that calls this again, changes nothing)."""
    if not hasattr(type_util.get_func_parameters, "original"):
        type_util.get_func_parameters = remembered(type_util.get_func_parameters)
    for module in LEAN_MODULES:
        if not hasattr(module.get_session_state, "original"):
            module.get_session_state = lean(module.get_session_state)
    for cls in CURSOR_CLASSES:
        if "__deepcopy__" not in vars(cls) and not hasattr(cls, "__slots__"):
            cls.__deepcopy__ = copied_cursor
    for module in CONFIG_READERS:
        if module.config is config:
            module.config = UnlockedConfig()
    if _batchable() and not hasattr(AppSession._on_scriptrunner_event, "original"):
        # Sessions connect this method to their ScriptRunner when a run starts, so runs from now on use it.
        AppSession._on_scriptrunner_event = batched_events(AppSession._on_scriptrunner_event)
    if script_gate.GATE is not None and not hasattr(script_runner.exec_func_with_error_handling, "original"):
        # ScriptRunner._run_script reads this name from its module at each run.
        script_runner.exec_func_with_error_handling = gated(
            script_runner.exec_func_with_error_handling, script_gate.GATE
        )
    if script_gate.GATE is not None and not hasattr(cache_utils._hold_compute_lock, "original"):
        cache_utils._hold_compute_lock = held_aside(cache_utils._hold_compute_lock)
