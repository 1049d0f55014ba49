"""The class store against SQLite and against a real PostgreSQL started here: codes and secrets, 1,000 answers
from 40 threads, a writer killed mid-write, expiry with an injected clock, faults and recovery."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from classroom import codes
from classroom.ratelimit import RateLimit, client_address
from classroom.recorder import BACKOFF, Recorder
from classroom.schema import answers, classes
from classroom.store import (
    Answer,
    ClassGone,
    ClassStore,
    StoreUnavailable,
    TooManyGuesses,
    group_answer,
    new_token,
)

pytest_plugins = ["postgres"]  # the pg_cluster and new_pg_database fixtures

ROOT = Path(__file__).resolve().parent.parent
DAY = 86400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'classroom.sqlite3'}"
    return request.getfixturevalue("new_pg_database")()


class Clock:
    def __init__(self, now: float = 1_000_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def answer(
    session: str = "s1",
    exercise: str = "counting.output",
    response: str = "1",
    correct: bool = False,
    attempt: int = 1,
    seed: int = 7,
    mistake: str | None = None,
) -> Answer:
    return Answer(session, "counting", exercise, seed, attempt, response, correct, new_token(), mistake)


@pytest.fixture
def store(db_url):
    # A generous lock wait: 40 writers at once on a busy 2-core CI machine queue for SQLite's single writer lock;
    # what the tests check is that nothing is lost or doubled, not how long the queue is.
    s = ClassStore(db_url, busy_timeout_ms=30_000)
    yield s
    s.dispose()


# --- codes ----------------------------------------------------------------------------------------------------
def test_class_code_is_six_crockford_symbols_of_30_bits():
    drawn = {codes.new_class_code() for _ in range(2000)}
    assert codes.CODE_BITS >= 30 and len(codes.ALPHABET) == 32 and not set("ILOU") & set(codes.ALPHABET)
    assert all(len(c) == 6 and set(c) <= set(codes.ALPHABET) for c in drawn)
    assert len(drawn) >= 1995  # 2,000 draws from 2**30 codes: a handful of repeats at most


def test_typed_codes_are_read_forgivingly_and_malformed_ones_refused():
    assert codes.display("K7M3QX") == "K7M-3QX"
    assert codes.normalise(" k7m-3qx ") == "K7M3QX"
    assert codes.normalise("ABC-DEO") == "ABCDE0" and codes.normalise("1IL-000") == "111000"
    assert [codes.normalise(bad) for bad in ("", "K7M-3Q", "K7M-3QXX", "K7M-3Q!", "U7M-3QX", "x" * 500)] == [None] * 6


def test_variant_codes_round_trip_every_seed_edge():
    for seed in (0, 1, 31, 32, 12345, codes.VARIANT_SEEDS - 1):
        assert codes.variant_seed(codes.variant_code(seed)) == seed
    assert codes.variant_seed(codes.variant_code(777).lower()) == 777
    assert codes.variant_seed("ABC") is None and codes.variant_seed("AB!D") is None


def test_teacher_secret_has_128_bits_or_more_and_only_its_hash_is_stored(store):
    new = store.create_class()
    assert len(new.teacher_secret) >= 22  # 16 bytes of URL-safe base64; we draw 24 bytes (32 symbols)
    with store.engine.connect() as conn:
        row = conn.execute(select(classes)).one()
    assert new.teacher_secret not in [str(v) for v in row]
    assert row.teacher_hash == codes.hash_secret(new.teacher_secret)


def test_a_wrong_code_or_secret_opens_nothing(store):
    new = store.create_class()
    code = new.info.code
    assert store.find_class(codes.display(code).lower()) == new.info
    assert store.teacher_class(code, new.teacher_secret) == new.info
    other = next(c for c in iter(codes.new_class_code, None) if c != code)
    assert store.find_class(other) is None
    assert store.find_class("not a code") is None
    assert store.teacher_class(code, new.teacher_secret + "x") is None
    assert store.teacher_class(other, new.teacher_secret) is None
    assert store.teacher_class("", "") is None


# --- answers --------------------------------------------------------------------------------------------------
def test_forty_threads_of_25_answers_record_exactly_1000(store):
    class_id = store.create_class().info.id
    start = threading.Barrier(40)
    failures = []

    def student(k: int) -> None:
        start.wait()
        for i in range(25):
            try:
                store.record(class_id, answer(session=f"s{k}", exercise=f"ex{i % 5}", response=str(i), attempt=i))
            except Exception as err:  # noqa: BLE001 - collected and asserted below
                failures.append(repr(err))

    threads = [threading.Thread(target=student, args=(k,)) for k in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert failures == []
    assert store.answer_count(class_id) == 1000
    assert {s.tried for s in store.summary(class_id)} == {40}


WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from classroom.store import Answer, ClassStore, new_token
store = ClassStore(sys.argv[1])
class_id = int(sys.argv[3])
for i in range(100000):
    store.record(class_id, Answer("killed", "counting", "ex", 1, i, str(i), False, new_token()))
    print(i + 1, flush=True)
"""


def test_a_writer_killed_mid_write_leaves_every_committed_answer(db_url):
    store = ClassStore(db_url)
    class_id = store.create_class().info.id
    store.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url, str(ROOT), str(class_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    last = 0
    for line in proc.stdout:
        last = int(line)
        if last >= 150:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert last >= 150, proc.stderr.read()
    reopened = ClassStore(db_url)
    try:
        reopened.ensure_schema()
        count = reopened.answer_count(class_id)
        assert count >= last
        with reopened.engine.connect() as conn:  # and they are the first `count` answers, none half-written
            responses = conn.execute(select(answers.c.response)).scalars().all()
        assert sorted(int(r) for r in responses) == list(range(count))
    finally:
        reopened.dispose()


def test_expiry_deletes_exactly_the_expired_classes_and_their_answers(db_url):
    clock = Clock()
    store = ClassStore(db_url, class_days=7, clock=clock)
    old = store.create_class().info  # expires at day 7
    clock.now += 3 * DAY
    young = store.create_class().info  # expires at day 10
    for info in (old, young):
        for k in range(4):
            store.record(info.id, answer(session=f"s{k}"))
    clock.now += 4 * DAY - 1  # one second before the first expiry
    assert store.purge_expired() == 0 and store.answer_count() == 8
    clock.now += 1
    assert store.find_class(old.code) is None  # expired: not found even before it is deleted
    assert store.purge_expired() == 1
    assert store.answer_count() == 4 and store.answer_count(young.id) == 4
    assert store.find_class(young.code) == young
    with pytest.raises(ClassGone):
        store.record(old.id, answer())
    clock.now += 3 * DAY
    store.create_class()  # creating a class also clears the expired ones
    assert store.answer_count() == 0 and store.find_class(young.code) is None
    store.dispose()


def test_an_expired_class_has_no_summary_and_any_call_purges_it_within_a_minute(db_url):
    clock = Clock()
    store = ClassStore(db_url, class_days=1, clock=clock)
    store.ensure_schema()  # the app's start: purged now
    gone = store.create_class().info
    store.record(gone.id, answer())
    assert store.summary(gone.id)[0].tried == 1
    clock.now += DAY - 10
    assert store.find_class("ZZZ-ZZZ") is None  # a call: purges, nothing has expired yet
    clock.now += 10
    with pytest.raises(ClassGone):  # expired: its answers are not read, though not deleted yet
        store.summary(gone.id)
    assert store.answer_count() == 1  # the last purge was 10 s ago: at most one a minute
    clock.now += 51
    assert store.expand("ABC-234") is None  # any call, even one about something else, deletes them now
    assert store.answer_count() == 0
    with pytest.raises(ClassGone):
        store.record(gone.id, answer())
    store.dispose()


def test_codes_that_open_nothing_are_limited_per_address_across_calls(tmp_path):
    """The store's guess limit counts misses per client address, whichever session (call) they come from: 20,
    then one every 2 s; a hit costs nothing; another address is not affected; the table stays bounded."""
    from classroom.ratelimit import AddressLimit

    clock = Clock(0.0)
    limit = AddressLimit(burst=20, per_second=0.5, max_addresses=50, clock=clock)
    store = ClassStore(f"sqlite:///{tmp_path / 'c.sqlite3'}", guess_limit=limit)
    real = store.create_class().info
    link = store.shorten("counting?lang=en")
    guesses = [f"ZZZ-{n:03d}" for n in range(100, 130)]
    for typed in guesses[:10]:
        assert store.find_class(typed, client="10.0.0.7") is None
    for _ in range(5):  # hits: free
        assert store.find_class(codes.display(real.code), client="10.0.0.7") == real
    for typed in guesses[10:20]:
        assert store.expand(typed, client="10.0.0.7") is None
    with pytest.raises(TooManyGuesses) as refused:
        store.find_class(guesses[20], client="10.0.0.7")
    assert 0 < refused.value.wait <= 2
    with pytest.raises(TooManyGuesses):  # refused before the look-up, whatever the kind, hit or miss
        store.expand(link, client="10.0.0.7")
    with pytest.raises(TooManyGuesses):
        store.teacher_class(real.code, "wrong", client="10.0.0.7")
    assert store.find_class(guesses[21], client="10.0.0.8") is None  # another address has its own
    assert store.find_class(guesses[22]) is None  # no address (a test, a script of our own): not limited
    clock.now += 2.0  # one guess earned back
    assert store.find_class(guesses[23], client="10.0.0.7") is None
    with pytest.raises(TooManyGuesses):
        store.find_class(guesses[24], client="10.0.0.7")
    for n in range(200):  # many addresses: the table keeps the 50 most recent
        store.find_class(guesses[25], client=f"10.1.{n // 256}.{n % 256}")
    assert len(limit) == 50
    store.dispose()


def test_the_client_address_is_the_last_forwarded_one_only_behind_our_proxy():
    assert client_address({"X-Forwarded-For": "1.2.3.4, 203.0.113.9"}, None) == "203.0.113.9"
    assert client_address({"X-Forwarded-For": "203.0.113.9"}, None) == "203.0.113.9"
    assert client_address({}, None) == "local"  # a local run: one address for every session
    assert client_address({"X-Forwarded-For": "1.2.3.4"}, "198.51.100.2") == "198.51.100.2"  # not via our proxy
    assert len(client_address({"X-Forwarded-For": "9" * 10_000}, None)) == 64


def test_summary_counts_first_tries_final_rights_and_groups_numbers(store):
    class_id = store.create_class().info.id
    store.record(class_id, answer("a", response="0.1234", attempt=1))
    store.record(class_id, answer("a", response="2", correct=True, attempt=2))
    store.record(class_id, answer("b", response="2", correct=True))
    store.record(class_id, answer("c", response="0.12341"))
    store.record(class_id, answer("c", response=" 1.23e-1 "))
    store.record(class_id, answer("d", exercise="counting.other", response="Vanishing"))
    store.record(class_id, answer("e", exercise="counting.other", response="vanishing "))
    by_id = {s.exercise_id: s for s in store.summary(class_id)}
    output = by_id["counting.output"]
    assert (output.tried, output.right_first, output.right_end) == (3, 1, 2)
    assert output.wrong == (("0.123", 2),)  # students: c's two tries are one mistake written two ways
    assert (output.wrong_total, output.wrong_students) == (3, 2)
    assert by_id["counting.other"].wrong == (("vanishing", 2),)
    assert group_answer("-0") == "0" and group_answer("nan") == "nan"


def test_the_aggregate_summary_equals_a_count_over_every_row(store):
    """The summary's GROUP BY queries give what reading every row in order gives (the definition: students, not
    tries), on answers from 12 students in 3 exercises with retries, repeats, numbers written several ways,
    mistakes, and (in one exercise) two variants."""
    import random

    rng = random.Random(20)
    class_id = store.create_class().info.id
    other = store.create_class().info.id  # another class's answers count nowhere here
    store.record(other, answer("s0", response="9", mistake="exercises.hint_sign"))
    written = []
    for _ in range(150):
        exercise = f"counting.e{rng.randrange(3)}"
        row = answer(
            f"s{rng.randrange(12)}",
            exercise,
            rng.choice(["0.5", "0.50", "5e-1", "2", " Two ", "two", "-0", "0"]),
            correct=rng.random() < 0.3,
            seed=rng.choice([7, 8]) if exercise == "counting.e2" else 7,
            mistake=rng.choice([None, "other", "exercises.hint_sign", "exercises.counting_output_hint_last"]),
        )
        store.record(class_id, row)
        written.append(row)

    def students_per(pairs) -> dict:
        groups: dict = {}
        for key, session in pairs:
            groups.setdefault(key, set()).add(session)
        return {key: len(sessions) for key, sessions in groups.items()}

    got = {s.exercise_id: s for s in store.summary(class_id)}
    assert set(got) == {w.exercise_id for w in written}
    for ex, s in got.items():
        mine = [w for w in written if w.exercise_id == ex]
        wrong = [w for w in mine if not w.correct]
        first = {}
        for w in mine:
            first.setdefault(w.session_id, w.correct)
        assert (s.tried, s.right_first, s.right_end) == (
            len(first),
            sum(first.values()),
            len({w.session_id for w in mine if w.correct}),
        )
        assert (s.wrong_total, s.wrong_students) == (len(wrong), len({w.session_id for w in wrong}))
        assert dict(s.mistakes) == students_per((w.mistake or "other", w.session_id) for w in wrong)
        assert [n for _, n in s.mistakes] == sorted((n for _, n in s.mistakes), reverse=True)
        seeds = {w.seed for w in wrong}
        assert s.wrong_variants == len(seeds)
        for seed in seeds:
            typed = students_per((group_answer(w.response), w.session_id) for w in wrong if w.seed == seed)
            listed = store.wrong_answers(class_id, "counting", ex, seed)
            assert dict(listed) == typed and [n for _, n in listed] == sorted(typed.values(), reverse=True)
        if len(seeds) == 1:
            assert (s.wrong_seed, s.wrong) == (7, store.wrong_answers(class_id, "counting", ex, 7))
        else:  # a number means something only within its variant: none is listed across two
            assert (s.wrong_seed, s.wrong) == (None, ())
            assert store.wrong_variants(class_id, "counting", ex) == tuple(
                sorted(students_per((w.seed, w.session_id) for w in wrong).items(), key=lambda i: (-i[1], i[0]))
            )


def test_a_student_with_two_tries_counts_once_in_every_column(store):
    """One student, two wrong tries (the same mistake, written two ways) then right; another wrong once: the
    teacher's counts are of students ("0.5 ×2" would be one student's two tries counted twice)."""
    class_id = store.create_class().info.id
    store.record(class_id, answer("a", response="0.5", attempt=1, mistake="exercises.hint_sign"))
    store.record(class_id, answer("a", response="0.50", attempt=2, mistake="exercises.hint_sign"))
    store.record(class_id, answer("a", response="2", attempt=3, correct=True))
    store.record(class_id, answer("b", response="0.5", mistake="other"))
    (s,) = store.summary(class_id)
    assert (s.tried, s.right_first, s.right_end) == (2, 0, 1)
    assert s.wrong == (("0.5", 2),)  # a once, b once
    assert s.mistakes == (("exercises.hint_sign", 1), ("other", 1))
    assert (s.wrong_total, s.wrong_students, s.wrong_seed, s.wrong_variants) == (3, 2, 7, 1)


def test_wrong_answers_as_typed_are_listed_only_within_a_variant(store):
    """The same wrong number in two variants is two different mistakes: the summary lists none across variants;
    the teacher picks a variant and gets its answers alone."""
    class_id = store.create_class().info.id
    store.record(class_id, answer("a", response="0.4", seed=7))
    store.record(class_id, answer("b", response="0.4", seed=9))
    store.record(class_id, answer("c", response="0.8", seed=9))
    store.record(class_id, answer("c", response="1", seed=9, correct=True))
    (s,) = store.summary(class_id)
    assert (s.wrong, s.wrong_seed, s.wrong_variants, s.wrong_students) == ((), None, 2, 3)
    assert store.wrong_variants(class_id, "counting", "counting.output") == ((9, 2), (7, 1))
    assert store.wrong_answers(class_id, "counting", "counting.output", 9) == (("0.4", 1), ("0.8", 1))
    assert store.wrong_answers(class_id, "counting", "counting.output", 7) == (("0.4", 1),)
    assert store.wrong_answers(class_id, "counting", "counting.output", 3) == ()
    with pytest.raises(ValueError):
        store.record(class_id, answer("d", mistake="x" * 65))


def test_a_teacher_token_reopens_its_class_until_closed_or_over(db_url):
    clock = Clock()
    store = ClassStore(db_url, class_days=7, clock=clock)
    mine, theirs = store.create_class().info, store.create_class().info
    token = store.open_teacher_session(mine.id)
    other_browser = store.open_teacher_session(mine.id)
    assert token != other_browser and len(token) >= 32
    assert store.teacher_session(token) == mine and store.teacher_session(other_browser) == mine
    with store.engine.connect() as conn:  # only its hash is kept
        kept = conn.execute(text("SELECT token_hash FROM teacher_sessions")).scalars().all()
    assert token not in kept and codes.hash_secret(token) in kept
    for forged in ("", "x" * 5000, token[:-1], 42, None):
        assert store.teacher_session(forged) is None
    store.close_teacher_session(token)
    assert store.teacher_session(token) is None and store.teacher_session(other_browser) == mine
    their_token = store.open_teacher_session(theirs.id)
    clock.now += 7 * DAY
    assert store.teacher_session(other_browser) is None and store.teacher_session(their_token) is None
    with pytest.raises(ClassGone):
        store.open_teacher_session(mine.id)
    store.purge_expired()
    assert _count(store, "teacher_sessions") == 0
    store.dispose()


@pytest.mark.parametrize(
    ("typed", "group"),
    [
        ("-0.7258", "−0.726"),
        ("−0.726", "−0.726"),
        ("123456", "1.23·10⁵"),
        ("1.23·10⁵", "1.23·10⁵"),
        ("1.234E5", "1.23·10⁵"),
        ("0.00004", "4·10⁻⁵"),
        (" Vanishing ", "vanishing"),
        ("1,5", "1,5"),
    ],
)
def test_wrong_answers_are_grouped_and_written_as_the_pages_write_numbers(typed, group):
    from ui import numbers  # the teacher's table writes groups as every page writes numbers

    assert group_answer(typed) == group
    if any(ch.isdigit() for ch in group) and "," not in group:
        assert group == numbers.num(float(typed.replace("·10⁵", "e5").replace("−", "-")))


def test_an_answer_longer_than_200_characters_is_refused(store):
    class_id = store.create_class().info.id
    store.record(class_id, answer(response="x" * 200))
    with pytest.raises(ValueError):
        store.record(class_id, answer(response="x" * 201))
    assert store.answer_count() == 1


def test_a_submission_retried_after_a_fault_counts_once(store):
    class_id = store.create_class().info.id
    once = answer()
    store.record(class_id, once)
    store.record(class_id, once)  # the same token: the commit had happened, the retry is a no-op
    assert store.answer_count() == 1


# --- the SQLite file (migrations: tests/test_migrations.py) ----------------------------------------------
def test_sqlite_file_is_created_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "er" / "classroom.sqlite3"
    store = ClassStore(f"sqlite:///{path}")
    store.create_class()
    assert path.exists()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.dispose()


# --- faults ---------------------------------------------------------------------------------------------------
def test_a_locked_sqlite_database_is_reported_then_recording_resumes(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    store = ClassStore(url, busy_timeout_ms=200)
    class_id = store.create_class().info.id
    store.record(class_id, answer("before"))
    clock = Clock(0.0)
    rec = Recorder(clock=clock)
    holder = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        assert rec.submit(store, class_id, answer("during-1")) == "waiting"
        assert rec.submit(store, class_id, answer("during-2")) == "waiting"  # within the back-off: not even tried
        assert len(rec.pending) == 2
    finally:
        holder.rollback()
        holder.close()
    clock.now += BACKOFF
    assert rec.submit(store, class_id, answer("after")) == "recorded"
    assert store.answer_count(class_id) == 4 and not rec.pending
    store.dispose()


def test_a_corrupt_sqlite_file_is_unavailable_not_a_crash(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 200)
    store = ClassStore(f"sqlite:///{path}")
    with pytest.raises(StoreUnavailable):
        store.ensure_schema()
    with pytest.raises(StoreUnavailable):
        store.find_class("K7M-3QX")
    rec = Recorder()
    assert rec.submit(store, 1, answer()) == "waiting"
    store.dispose()


def test_a_missing_directory_that_cannot_be_created_is_unavailable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ClassStore(f"sqlite:///{blocker / 'sub' / 'c.sqlite3'}")
    with pytest.raises(StoreUnavailable):
        store.create_class()


def cluster_processes(cluster) -> list[int]:
    """The test cluster's postmaster (the first line of its postmaster.pid) and every process it started."""
    postmaster = int((cluster.dir / "data" / "postmaster.pid").read_text().split()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


CALL_BOUND_S = 4.0 + 1.0  # the store's call timeout, and a second for a busy machine


def test_a_hung_postgresql_fails_calls_fast_and_queued_answers_land_when_it_wakes(pg_cluster, new_pg_database):
    """SIGSTOP the whole cluster (the server hangs: its kernel still takes our packets, so no TCP timeout fires):
    every call, old connections and new alike, 20 at once too, gives up within the bound as StoreUnavailable;
    the student's recorder says "waiting" and keeps the answers; after SIGCONT they land, each exactly once."""
    store = ClassStore(new_pg_database())
    class_id = store.create_class().info.id
    clock = Clock(0.0)
    rec = Recorder(clock=clock)
    assert rec.submit(store, class_id, answer("before")) == "recorded"
    processes = cluster_processes(pg_cluster)
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        for n in range(3):
            start = time.monotonic()
            assert rec.submit(store, class_id, answer(f"during{n}")) == "waiting"
            assert time.monotonic() - start < CALL_BOUND_S
        outcomes = []

        def call(method, *args):
            start = time.monotonic()
            try:
                method(*args)
                outcomes.append(("answered", time.monotonic() - start))
            except StoreUnavailable:
                outcomes.append(("unavailable", time.monotonic() - start))

        calls = [(store.find_class, "K7M-3QX"), (store.summary, class_id), (store.expand, "ABC-234")] * 7
        threads = [threading.Thread(target=call, args=c) for c in calls[:20]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3 * CALL_BOUND_S)
        assert len(outcomes) == 20
        assert {kind for kind, _ in outcomes} == {"unavailable"}
        assert max(took for _, took in outcomes) < CALL_BOUND_S
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)
    clock.now += BACKOFF
    deadline = time.monotonic() + 30
    while rec.flush(store) != "recorded" and time.monotonic() < deadline:
        clock.now += BACKOFF
        time.sleep(0.2)
    assert rec.status == "recorded" and not rec.pending
    assert store.answer_count(class_id) == 4  # "before" and the three queued, none twice
    store.dispose()


def test_postgresql_going_away_and_coming_back(pg_cluster, new_pg_database):
    store = ClassStore(new_pg_database(), connect_timeout_s=2)
    class_id = store.create_class().info.id
    store.record(class_id, answer("before"))
    clock = Clock(0.0)
    rec = Recorder(clock=clock)
    pg_cluster.stop()
    try:
        assert rec.submit(store, class_id, answer("during")) == "waiting"
    finally:
        pg_cluster.start()
    clock.now += BACKOFF
    assert rec.submit(store, class_id, answer("after")) == "recorded"
    assert store.answer_count(class_id) == 3
    store.dispose()


def test_the_recorder_drops_the_answers_of_a_class_that_ended(tmp_path):
    clock = Clock()
    store = ClassStore(f"sqlite:///{tmp_path / 'c.sqlite3'}", class_days=1, clock=clock)
    class_id = store.create_class().info.id
    rec = Recorder()
    assert rec.submit(store, class_id, answer()) == "recorded"
    clock.now += 2 * DAY
    assert rec.submit(store, class_id, answer()) == "class_gone" and not rec.pending
    store.dispose()


def test_rate_limit_allows_two_checks_in_any_second():
    clock = Clock(0.0)
    limit = RateLimit(per_second=2, clock=clock)
    assert [limit.allow(), limit.allow(), limit.allow()] == [True, True, False]
    clock.now = 0.99
    assert not limit.allow()
    clock.now = 1.0  # both checks at 0 have left the window
    assert [limit.allow(), limit.allow(), limit.allow()] == [True, True, False]
    clock.now = 1.5
    assert not limit.allow()
    clock.now = 2.0
    assert limit.allow()


def test_every_store_call_takes_milliseconds(store):
    class_id = store.create_class().info.id
    started = time.perf_counter()
    for k in range(50):
        store.record(class_id, answer(f"s{k}"))
    store.summary(class_id)
    assert time.perf_counter() - started < 10


def test_short_links_expand_to_their_target_until_they_expire(tmp_path):
    clock = {"now": 1_000_000.0}
    store = ClassStore(f"sqlite:///{tmp_path / 'links.sqlite3'}", clock=lambda: clock["now"])
    store.ensure_schema()
    target = "counting?lang=ko&w=0.5&seq=1%2C1%2C1"
    code = store.shorten(target)
    assert len(code) == 6 and store.expand(code) == target
    assert store.shorten(target) == code  # the same view, the same short link
    assert store.expand(code.lower()) == target and store.expand("ZZZ-ZZZ") in (None, target)
    assert store.expand("not a code!") is None
    with pytest.raises(ValueError):
        store.shorten("x" * 4001)
    clock["now"] += 31 * 86400.0
    assert store.expand(code) is None
    store.purge_expired()
    assert store.shorten(target) != code or store.expand(code) == target


# --- students ---------------------------------------------------------------------------------------------------
def _count(store: ClassStore, table: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_student_comes_back_with_their_variants_and_tries_and_is_counted_once(store):
    info = store.create_class().info
    first = store.attend(info.id)
    assert codes.is_student_token(first.token) and (first.chosen, first.answered) == ({}, {})
    me = first.token
    store.choose_variant(info.id, me, "counting.output", 7)
    store.choose_variant(info.id, me, "counting.output", 9)  # chosen again: the newest stands
    store.record(info.id, Answer(me, "counting", "counting.output", 7, 1, "1", False, new_token()))
    store.record(info.id, Answer(me, "counting", "counting.output", 9, 1, "1", False, new_token()))
    store.record(info.id, Answer(me, "counting", "counting.output", 9, 2, "2", True, new_token()))
    store.record(info.id, Answer("someone", "counting", "counting.output", 9, 1, "3", False, new_token()))
    back = store.attend(info.id, me)
    assert back.token == me
    assert back.chosen == {"counting.output": 9}
    assert back.answered == {("counting.output", 7): (1, False), ("counting.output", 9): (2, True)}
    assert store.student_count(info.id) == 1
    (summary,) = store.summary(info.id)
    assert summary.tried == 2  # this student once, whatever the variants, and the other session


def test_a_token_is_one_class_s_and_a_new_one_is_taken_as_given(store):
    mine, theirs = store.create_class().info, store.create_class().info
    their_token = store.attend(theirs.id).token
    assert store.attend(mine.id, their_token).token != their_token  # another class's token is not reused
    own = codes.new_student_token()  # made by a session while the store was away: the store takes it
    assert store.attend(mine.id, own).token == own and store.attend(mine.id, own).token == own
    for forged in ("", "x" * 5000, "'; DROP TABLE students; --", "é" * 16):
        assert codes.is_student_token(store.attend(mine.id, forged).token)
    assert store.student_count(mine.id) == 6 and store.student_count(theirs.id) == 1
    assert not store.choose_variant(mine.id, their_token, "counting.output", 3)
    with pytest.raises(ValueError):
        store.choose_variant(mine.id, own, "x" * 65, 3)
    with pytest.raises(ValueError):
        store.choose_variant(mine.id, own, "counting.output", codes.VARIANT_SEEDS)


def test_expiry_deletes_the_students_and_their_variants(db_url):
    clock = Clock()
    store = ClassStore(db_url, class_days=7, clock=clock)
    old = store.create_class().info
    clock.now += DAY
    young = store.create_class().info
    for info in (old, young):
        token = store.attend(info.id).token
        store.choose_variant(info.id, token, "counting.output", 5)
    assert (_count(store, "students"), _count(store, "variants")) == (2, 2)
    clock.now += 6 * DAY
    with pytest.raises(ClassGone):
        store.attend(old.id)  # a store call: what expired is purged with it (at most once a minute)
    assert (_count(store, "students"), _count(store, "variants")) == (1, 1)
    assert store.student_count(young.id) == 1
    store.dispose()
