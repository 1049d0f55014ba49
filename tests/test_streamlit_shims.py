"""ui.streamlit_shims: Streamlit's cached calls read each function's parameters once, and read the same ones."""

from __future__ import annotations

import copy
import functools
import inspect
import threading

import pytest
import streamlit as st
from streamlit import type_util

import ui  # noqa: F401  (applies the shim, as every page's import of ui does)
from ui import streamlit_shims


def test_the_shim_is_installed_once():
    installed = type_util.get_func_parameters
    assert hasattr(installed, "original")
    streamlit_shims.apply()
    assert type_util.get_func_parameters is installed


class Unhashable:
    __hash__ = None

    def __call__(self, a, b=2):
        return a


def sample(a, b, /, c, *args, d=1, **kwargs):
    return a


def test_it_reads_the_same_parameters_as_streamlit():
    original = type_util.get_func_parameters.original
    for func in (sample, functools.partial(sample, 1), Unhashable(), str.split, lambda x, y=3: x, dict.get):
        assert type_util.get_func_parameters(func) == original(func)
        assert type_util.get_func_parameters(func) == list(inspect.signature(func).parameters.values())


def test_a_cached_call_reads_its_functions_parameters_once(monkeypatch):
    read = []
    true_original = type_util.get_func_parameters.original

    def counting(func):
        read.append(func)
        return true_original(func)

    monkeypatch.setattr(type_util, "get_func_parameters", streamlit_shims.remembered(counting))

    @st.cache_data(max_entries=4)
    def cached(lang, u, w, steps):
        return u * w + steps

    for k in range(40):
        assert cached("en", 0.5, k % 3, 10) == 0.5 * (k % 3) + 10
    # Streamlit names the positional arguments through type_util.get_func_parameters (if it stopped, the shim
    # would be dead code: this would read 0), and with the shim it reads them once in 40 calls.
    assert sum(1 for func in read if getattr(func, "__name__", "") == "cached") == 1


def test_the_widget_modules_read_one_key_not_a_copy_of_the_state():
    from streamlit.elements.widgets import number_input, radio, selectbox, text_widgets

    for module in (number_input, radio, selectbox, text_widgets):
        assert hasattr(module.get_session_state, "original"), module.__name__
    streamlit_shims.apply()  # again: not wrapped twice
    assert not hasattr(number_input.get_session_state.original, "original")


def _none_valued_widgets() -> None:
    """A page whose widgets' keys may hold None in the session state (a cleared input): Streamlit then shows them
    empty, which it decides by the one-key question the shim answers."""
    import streamlit as st

    st.session_state.setdefault("n_none", None)
    st.session_state.setdefault("r_none", None)
    st.session_state.setdefault("s_none", None)
    st.session_state.setdefault("t_none", None)
    st.session_state.setdefault("n_set", 3.5)
    st.number_input("n none", value=1.0, key="n_none")
    st.radio("r none", ["a", "b"], key="r_none")
    st.selectbox("s none", ["a", "b"], key="s_none")
    st.text_input("t none", value="x", key="t_none")
    st.number_input("n set", value=1.0, key="n_set")
    st.number_input("n unkeyed", value=2.0)


def test_a_none_valued_key_still_empties_its_widget():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_none_valued_widgets).run()
    assert not at.exception
    assert at.number_input(key="n_none").value is None
    assert at.radio(key="r_none").value is None
    assert at.selectbox(key="s_none").value is None
    assert at.text_input(key="t_none").value is None
    assert at.number_input(key="n_set").value == 3.5
    assert at.number_input[-1].value == 2.0
    at.number_input(key="n_none").set_value(4.0).run()
    assert at.number_input(key="n_none").value == 4.0


def test_user_keys_answer_as_filtered_state_does():
    from streamlit.runtime.state import SafeSessionState, SessionState

    state = SessionState()
    state["plain"] = 1
    state["none"] = None
    state["$$STREAMLIT_INTERNAL_KEY_x"] = 2
    safe = SafeSessionState(state, lambda: None)
    keys = streamlit_shims.UserKeys(safe)
    full = safe.filtered_state
    for key in ("plain", "none", "missing", "$$STREAMLIT_INTERNAL_KEY_x", 3):
        assert (key in keys) == (key in full), key
        if key in full:
            assert keys[key] == full[key]
            assert keys.get(key) == full.get(key)
        else:
            assert keys.get(key, "absent") == "absent"


class FakeSession:
    """What batched_events uses of an AppSession: a loop to call soon on, and the handler it hands events to."""

    def __init__(self):
        self.scheduled, self.handled = [], []

    def _call_soon_on_event_loop(self, callback):
        self.scheduled.append(callback)

    def _handle_scriptrunner_event_on_event_loop(self, sender, event, forward_msg=None, **kwargs):
        if event == "fails":
            raise ValueError("a handler that fails")
        self.handled.append((sender, event, forward_msg, kwargs))

    def run_loop(self):
        while self.scheduled:
            self.scheduled.pop(0)()


def test_a_sessions_events_reach_the_loop_in_order_with_one_wake_up_per_burst():
    from streamlit.runtime.app_session import AppSession

    assert hasattr(AppSession._on_scriptrunner_event, "original")  # installed on the Streamlit release in use
    on_event = streamlit_shims.batched_events(AppSession._on_scriptrunner_event.original)
    session = FakeSession()
    for k in range(50):  # a script draws 50 elements before the loop runs
        on_event(session, "runner", "ENQUEUE_FORWARD_MSG", forward_msg=k)
    assert len(session.scheduled) == 1  # one wake-up, not 50
    session.run_loop()
    assert [forward for _, _, forward, _ in session.handled] == list(range(50))
    on_event(session, "runner", "fails")  # a failing handler is logged; the events after it are still handled
    on_event(session, "runner", "SCRIPT_STOPPED", run_descriptor="done")
    session.run_loop()
    assert session.handled[-1] == ("runner", "SCRIPT_STOPPED", None, {"run_descriptor": "done"})


def test_events_sent_from_threads_while_the_loop_hands_them_over_are_none_lost_and_each_threads_in_order():
    on_event = streamlit_shims.batched_events(lambda *a, **k: None)
    session = FakeSession()
    lock = threading.Lock()

    def call_soon(callback):  # the loop's queue is shared with the threads
        with lock:
            session.scheduled.append(callback)

    session._call_soon_on_event_loop = call_soon
    stop = threading.Event()

    def loop():
        while not stop.is_set() or session.scheduled:
            with lock:
                callback = session.scheduled.pop(0) if session.scheduled else None
            if callback:
                callback()

    def script(name):
        for k in range(300):
            on_event(session, name, "ENQUEUE_FORWARD_MSG", forward_msg=k)

    looping = threading.Thread(target=loop)
    looping.start()
    scripts = [threading.Thread(target=script, args=(f"s{n}",)) for n in range(4)]
    for thread in scripts:
        thread.start()
    for thread in scripts:
        thread.join()
    stop.set()
    looping.join(timeout=10)
    for n in range(4):
        assert [k for sender, _, k, _ in session.handled if sender == f"s{n}"] == list(range(300))


def _generic_deepcopy(obj):
    """copy.deepcopy as it is without a __deepcopy__ (Python's own path: __reduce_ex__ and the instance dict)."""
    rv = obj.__reduce_ex__(4)
    return copy._reconstruct(obj, {}, *rv)


def _fields(obj) -> dict:
    out = {}
    for name, value in vars(obj).items():
        out[name] = (type(value), dict(vars(value)["_data"])) if name == "_transient_elements" else value
    return out


def test_a_cursor_is_copied_as_deepcopy_copies_it_and_the_copy_is_its_own():
    from streamlit import cursor
    from streamlit.proto.Element_pb2 import Element

    running = cursor.RunningCursor(0, (1, 4))
    running.lock_element()
    running.open_block()
    with_transient = cursor.RunningCursor(1, (2,))
    element = Element()
    element.empty.SetInParent()
    with_transient._transient_elements[0] = element
    with_transient._transient_index = 0
    locked = cursor.LockedCursor(1, (3, 5), index=7)
    for original in (running, with_transient, locked):
        assert type(original).__deepcopy__ is streamlit_shims.copied_cursor  # installed
        copied = copy.deepcopy(original)
        expected = _generic_deepcopy(original)
        assert type(copied) is type(original)
        assert _fields(copied).keys() == _fields(expected).keys()
        for name in vars(original):
            if name == "_transient_elements":
                assert vars(copied)[name]._data == vars(expected)[name]._data
                assert vars(copied)[name] is not vars(original)[name]
                for k, item in vars(copied)[name]._data.items():
                    assert item is not vars(original)[name]._data[k]  # the elements themselves copied
            else:
                assert vars(copied)[name] == vars(expected)[name], name
    moved = copy.deepcopy(running)
    running.lock_element()  # the page goes on; the snapshot stays where it was
    assert moved.index == running.index - 1


def test_the_per_element_option_reads_take_no_lock_and_read_what_get_option_reads(monkeypatch):
    from streamlit import config
    from streamlit.elements.lib import utils as element_utils
    from streamlit.runtime import forward_msg_cache

    for module in streamlit_shims.CONFIG_READERS:
        assert isinstance(module.config, streamlit_shims.UnlockedConfig)
    assert forward_msg_cache.config.get_option is not config.get_option
    assert element_utils.config.util is config.util  # everything else is the module's own
    for key in config.get_config_options():
        assert streamlit_shims.option(key) == config.get_option(key), key
    monkeypatch.setattr(config, "_config_lock", None)  # no lock is taken: `with None` would raise
    assert (
        forward_msg_cache.config.get_option("global.minCachedMessageSize")
        == config._config_options["global.minCachedMessageSize"].value
    )
    monkeypatch.undo()
    old = config.get_option("global.minCachedMessageSize")
    try:
        config.set_option("global.minCachedMessageSize", old + 1)  # a change is read at once
        assert forward_msg_cache.config.get_option("global.minCachedMessageSize") == old + 1
    finally:
        config.set_option("global.minCachedMessageSize", old)
    with pytest.raises(RuntimeError):
        streamlit_shims.option("no.suchOption")
    monkeypatch.setattr(config, "get_option", lambda key: ("patched", key))  # as AppTest patches it
    assert element_utils.config.get_option("global.appTest") == ("patched", "global.appTest")
