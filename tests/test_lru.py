"""ui.lru.SharedLRU: at most ``size`` entries, the least recently used dropped first, safe across threads."""

from __future__ import annotations

import threading
import time

import pytest

from ui.lru import SharedLRU


def test_the_least_recently_used_entry_goes_first():
    kept = SharedLRU(3)
    for key in "abc":
        kept.put(key, key.upper())
    assert kept.get("a") == "A"  # a is now the most recently used
    kept.put("d", "D")
    assert kept.get("b") is None and kept.get("b", "gone") == "gone"  # b was the oldest
    assert [kept.get(k) for k in "acd"] == ["A", "C", "D"] and len(kept) == 3
    kept.put("c", "C2")  # a new value refreshes its key
    kept.put("e", "E")
    assert kept.get("a") is None and kept.get("c") == "C2"


def test_threads_that_put_and_get_at_once_never_exceed_the_size():
    kept = SharedLRU(50)

    def work(n):
        for k in range(2000):
            kept.put((n, k), k)
            kept.get((n, k - 1))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(kept) == 50
    assert all(kept.get((n, 1999)) in (1999, None) for n in range(4))


def test_sessions_that_miss_one_key_at_once_make_it_once_and_share_it():
    store = SharedLRU(8)
    made, started = [], threading.Event()
    release = threading.Event()

    def make(key):
        def run():
            made.append(key)
            started.set()
            release.wait(5)  # a chart that takes a while to build
            return {"key": key}

        return run

    got = [None] * 12

    def ask(k):
        got[k] = store.get_or_make("a" if k < 10 else f"other{k}", make("a" if k < 10 else f"other{k}"))

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(12)]
    for thread in threads:
        thread.start()
    started.wait(5)
    deadline = time.monotonic() + 5
    while len(made) < 3 and time.monotonic() < deadline:  # the two other keys are made while "a" is being made
        time.sleep(0.01)
    assert sorted(made) == ["a", "other10", "other11"]  # all three being made at once, "a" once
    release.set()
    for thread in threads:
        thread.join(5)
    assert sorted(made) == ["a", "other10", "other11"]
    assert all(got[k] is got[0] for k in range(10)) and got[10] == {"key": "other10"}


def test_a_make_that_fails_fails_its_caller_and_the_next_one_makes_it_again():
    store = SharedLRU(8)

    def broken():
        raise MemoryError("no room")

    with pytest.raises(MemoryError):
        store.get_or_make("k", broken)
    assert store.get_or_make("k", lambda: 42) == 42 and store.get_or_make("k", broken) == 42
    assert store.get_or_make("none", lambda: None) is None and len(store) == 1  # None is not kept
