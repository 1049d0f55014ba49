"""ui.lru.SharedLRU: at most ``size`` entries, the least recently used dropped first, safe across threads."""

from __future__ import annotations

import threading

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
