"""The class store: classes with a code and a teacher secret, anonymous answers, expiry, and the teacher's summary.

One :class:`ClassStore` per process and database URL (the UI keeps it in ``st.cache_resource``); it is safe to
use from many threads. Every method is one transaction: an answer is either committed whole or not at all.
Database faults (unreachable, locked, corrupt) come out as :class:`StoreUnavailable`, never as a driver error,
so a caller can carry on without the store.

SQLite (the default, a file in the user's data directory) runs in WAL mode with a busy timeout, and every
transaction starts with ``BEGIN IMMEDIATE``: writers queue for the lock instead of failing when a read
transaction would have to be upgraded. PostgreSQL is reached through ``postgresql+psycopg://``.
"""

from __future__ import annotations

import functools
import math
import os
import secrets
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    create_engine,
    delete,
    distinct,
    event,
    exc,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url

from classroom import codes
from classroom.ratelimit import AddressLimit
from classroom.schema import (
    MAX_MISTAKE,
    MAX_RESPONSE,
    MAX_TARGET,
    MIGRATIONS,
    SchemaTooNew,
    answers,
    classes,
    migrate,
    short_links,
    students,
    teacher_sessions,
    variants,
)
from rnn_core.exercise import num, read_number

DEFAULT_CLASS_DAYS = 7.0
SHORT_LINK_DAYS = 30.0  # a short link on a projector lives a month
WRONG_SHOWN = 3  # most common wrong answers a teacher's table lists per exercise
WRONG_KEPT = 50  # distinct wrong responses the summary reads per exercise (the most common: enough to fill the list
# after the page sets aside those it hides, and few enough that a class typing junk cannot slow the refresh down)
PURGE_EVERY_S = 60.0  # expired classes and links are deleted by the first store call a minute
OTHER = "other"  # the category of a wrong answer that no known mistake explains
POOL_SIZE, POOL_OVERFLOW = 5, 10  # connections kept, and opened beyond them at a peak
MAX_PACE_LESSON = 32  # the longest lesson name a pace holds (a page name, as answers.lesson)
MAX_PACE_SECTION = 99  # no lesson has more sections


def default_url() -> str:
    """``RNNLAB_DATABASE_URL``, else an SQLite file in the user's data directory (XDG)."""
    if os.environ.get("RNNLAB_DATABASE_URL"):
        return os.environ["RNNLAB_DATABASE_URL"]
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(data_home) / 'rnn-lab' / 'classroom.sqlite3'}"


def class_days_from_env() -> float:
    """``RNNLAB_CLASS_DAYS`` (a positive number of days), else 7."""
    try:
        days = float(os.environ.get("RNNLAB_CLASS_DAYS", DEFAULT_CLASS_DAYS))
    except ValueError:
        return DEFAULT_CLASS_DAYS
    return days if math.isfinite(days) and days > 0 else DEFAULT_CLASS_DAYS


class StoreUnavailable(Exception):
    """The database cannot be reached, is locked past the timeout, or is damaged."""


class ClassGone(Exception):
    """The class an answer was for has expired (and was deleted) or never existed."""


class TooManyGuesses(Exception):
    """This client address looked up too many codes that opened nothing; ``wait`` seconds until the next."""

    def __init__(self, wait: float):
        super().__init__(f"too many codes that open nothing; wait {wait:.0f} s")
        self.wait = wait


@dataclass(frozen=True)
class ClassInfo:
    id: int
    code: str  # canonical, without the dash
    variant_seed: int  # the variant the teacher's projector links open
    expires_at: float


@dataclass(frozen=True)
class NewClass:
    info: ClassInfo
    teacher_secret: str  # shown to the teacher once; only its hash is stored


@dataclass(frozen=True)
class Answer:
    """One checked answer of one anonymous session."""

    session_id: str
    lesson: str
    exercise_id: str
    seed: int
    attempt: int
    response: str
    correct: bool
    token: str  # random per submission: a retry after a fault does not count twice
    mistake: str | None = None  # a wrong answer's category: the recognised mistake's hint key, or OTHER


@dataclass(frozen=True)
class Progress:
    """One student of a class, as :meth:`ClassStore.attend` finds them: their token, the variants they chose
    (exercise id → seed), and per variant they answered ((exercise id, seed) → (tries, right by now))."""

    token: str
    chosen: dict[str, int]
    answered: dict[tuple[str, int], tuple[int, bool]]


@dataclass(frozen=True)
class ExerciseSummary:
    """One exercise's answers in a class, counted in students (a student is their token: see ``attend``).

    A student counts once in each count they belong to, however many tries they took: once in a mistake's count
    if any of their wrong answers was that mistake, once in a wrong answer's group if they typed it (or a way of
    writing it) in one try or in five.
    """

    lesson: str
    exercise_id: str
    tried: int  # students with at least one answer
    right_first: int  # students whose first answer was right
    right_end: int  # students with a right answer by now
    # Wrong answers as typed, grouped (see :func:`group_answer`): students per group, most first. Only when every
    # wrong answer is in one variant (``wrong_seed``): the same number means different things in two variants.
    wrong: tuple[tuple[str, int], ...]
    wrong_total: int = 0  # every wrong answer (tries, not students)
    wrong_students: int = 0  # students with at least one wrong answer
    mistakes: tuple[tuple[str, int], ...] = ()  # students per category (a hint key or OTHER), most first
    wrong_seed: int | None = None  # the variant every wrong answer is in; None for none, or for several
    wrong_variants: int = 0  # how many variants the wrong answers are in


def new_token() -> str:
    return secrets.token_hex(8)


def group_answer(response: str) -> str:
    """The group a wrong answer counts in, as the teacher's table shows it: a number is read as the exercise box
    reads it (a true minus, ``1.23·10⁵`` too) and written as the pages write numbers, 3 significant digits
    (``0.1234``, ``0.12341`` and ``1.23e-1`` are one mistake, shown ``0.123``; ``123456`` is shown ``1.23·10⁵``);
    other text is trimmed and case-folded."""
    value = read_number(response)
    if value is None:
        return " ".join(response.split()).casefold()
    return num(value + 0.0)  # + 0.0: -0.0 groups with 0


def _most_first(counts) -> tuple[tuple[str, int], ...]:
    """``{name: n}`` as pairs, the largest n first, ties by name (the table does not reshuffle on a refresh)."""
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _bounded(method):
    """Runs a store call within the store's deadline (PostgreSQL): past it the caller gets StoreUnavailable.

    A statement timeout is enforced by the server, so a server that hangs (stopped, swapped out, its disk gone)
    enforces nothing, and psycopg waits on its socket with no limit of its own: the kernel still acknowledges
    what is sent, so no TCP timeout fires either. Only the caller can stop waiting. So on PostgreSQL each call
    runs on one of the store's worker threads (as many as the pool has connections) and the caller waits for it
    at most ``call_timeout_s``. A call given up on is not undone: it finishes when the server wakes, and an
    answer it commits then is not counted twice when the recorder sends it again (its token is unique). While
    every worker is stuck, a new call waits in the executor's queue and is withdrawn at its deadline.
    """

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with self.waiting():  # the caller waits on the database: the app lets another session run meanwhile
            if self._workers is None:
                return method(self, *args, **kwargs)
            future = self._workers.submit(method, self, *args, **kwargs)
            try:
                return future.result(timeout=self.call_timeout_s)
            except FutureTimeout as err:
                future.cancel()  # not started yet: it never will be
                raise StoreUnavailable(f"no answer from the database within {self.call_timeout_s:g} s") from err

    return call


class ClassStore:
    """Classes and their answers in one database.

    Args:
        url: an SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://user@host:port/db``).
        class_days: how long a class lives after it is started.
        clock: Unix time in seconds (tests inject one).
        busy_timeout_ms: how long an SQLite writer waits for the lock before the store reports a fault.
        connect_timeout_s: how long a PostgreSQL connection attempt may take.
        statement_timeout_ms: PostgreSQL cancels a statement that runs longer (migrations excepted).
        pool_timeout_s: how long a call waits for a free connection before the store reports a fault.
        call_timeout_s: PostgreSQL: the longest a caller waits for any call, hung server included (see
            :func:`_bounded`); None waits as long as the timeouts above allow.
        guess_limit: failed look-ups per client address, shared by every session of the process (default:
            :meth:`AddressLimit.from_env`).
        waiting: a context manager each call runs in while its caller waits on the database (the app's
            ``ui.script_gate.aside``, so that the server runs another student's script meanwhile).
    """

    def __init__(
        self,
        url: str,
        *,
        class_days: float = DEFAULT_CLASS_DAYS,
        clock: Callable[[], float] = time.time,
        busy_timeout_ms: int = 3000,
        connect_timeout_s: int = 3,
        statement_timeout_ms: int = 3000,
        pool_timeout_s: float = 2.0,
        call_timeout_s: float | None = 4.0,
        migrations: Sequence[Callable[[Connection], None]] = MIGRATIONS,
        guess_limit: AddressLimit | None = None,
        waiting: Callable[[], AbstractContextManager] = nullcontext,
    ):
        self.url = make_url(url)
        self.class_days = class_days
        self.clock = clock
        self.migrations = tuple(migrations)
        self.engine = _engine(self.url, busy_timeout_ms, connect_timeout_s, statement_timeout_ms, pool_timeout_s)
        self.call_timeout_s = call_timeout_s
        self.waiting = waiting
        bounded = self.url.get_backend_name() != "sqlite" and call_timeout_s is not None
        self._workers = ThreadPoolExecutor(POOL_SIZE + POOL_OVERFLOW, "class-store") if bounded else None
        self._schema_ready = False  # set once per process, after the first successful migration
        self._schema_lock = threading.Lock()
        self.guess_limit = AddressLimit.from_env() if guess_limit is None else guess_limit
        self._purged_at = -math.inf  # when this process last deleted what expired (the store's clock)
        self._purge_lock = threading.Lock()

    # --- schema and expiry ------------------------------------------------------------------------------
    @_bounded
    def ensure_schema(self) -> None:
        """Create or migrate the schema, then delete expired classes (the app's start)."""
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        if self.url.get_backend_name() == "sqlite" and self.url.database not in (None, "", ":memory:"):
            try:  # the default file lives in the user's data directory: created on first use
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreUnavailable(str(err)) from err
        with self._transaction(migrated=False) as conn:
            migrate(conn, self.migrations)
            self._purge(conn)
        self._purged_at = self.clock()
        self._schema_ready = True

    @_bounded
    def purge_expired(self) -> int:
        """Delete the classes whose time is up, with their answers. Returns how many classes went."""
        with self._transaction() as conn:
            return self._purge(conn)

    def _purge_if_due(self) -> None:
        """Delete what expired, if this process has not in the last minute (any call may be the one that does)."""
        with self._purge_lock:
            now = self.clock()
            if now - self._purged_at < PURGE_EVERY_S:
                return
            self._purged_at = now
        with self.engine.begin() as conn:
            self._purge(conn)

    def _purge(self, conn: Connection) -> int:
        # A store built with fewer revisions (a migration test) has fewer tables.
        if len(self.migrations) >= 2:
            conn.execute(delete(short_links).where(short_links.c.expires_at <= self.clock()))
        expired = select(classes.c.id).where(classes.c.expires_at <= self.clock())
        if len(self.migrations) >= 6:
            conn.execute(delete(teacher_sessions).where(teacher_sessions.c.expires_at <= self.clock()))
            conn.execute(delete(teacher_sessions).where(teacher_sessions.c.class_id.in_(expired)))
        if len(self.migrations) >= 5:
            gone_students = select(students.c.id).where(students.c.class_id.in_(expired))
            conn.execute(delete(variants).where(variants.c.student_id.in_(gone_students)))
            conn.execute(delete(students).where(students.c.class_id.in_(expired)))
        conn.execute(delete(answers).where(answers.c.class_id.in_(expired)))
        return conn.execute(delete(classes).where(classes.c.expires_at <= self.clock())).rowcount

    # --- classes ----------------------------------------------------------------------------------------
    @_bounded
    def create_class(self) -> NewClass:
        """Start a class: a fresh code, a teacher secret (returned once), and a variant for the projector."""
        secret = codes.new_teacher_secret()
        now = self.clock()
        for _ in range(8):  # a code already in use is drawn again
            code = codes.new_class_code()
            try:
                with self._transaction() as conn:
                    self._purge(conn)
                    row = conn.execute(
                        insert(classes)
                        .values(
                            code=code,
                            teacher_hash=codes.hash_secret(secret),
                            variant_seed=secrets.randbelow(2**20),
                            created_at=now,
                            expires_at=now + self.class_days * 86400.0,
                        )
                        .returning(classes.c.id, classes.c.variant_seed, classes.c.expires_at)
                    ).one()
            except exc.IntegrityError:
                continue
            return NewClass(ClassInfo(row.id, code, row.variant_seed, row.expires_at), secret)
        raise StoreUnavailable("no free class code after 8 draws")

    @_bounded
    def find_class(self, typed_code: str, client: str | None = None) -> ClassInfo | None:
        """The live class a student's typed code names, or None (unknown, expired or malformed alike).

        With ``client`` (the request's address), a code that names no class costs that address a guess, and an
        address out of guesses gets :class:`TooManyGuesses` before anything is looked up.
        """
        code = codes.normalise(typed_code)
        if code is None:
            return None
        self._may_guess(client)
        with self._transaction() as conn:
            info = self._live(conn, code)
        if info is None:
            self._missed(client)
        return info

    def _may_guess(self, client: str | None) -> None:
        if client is not None and (wait := self.guess_limit.wait(client)) > 0:
            raise TooManyGuesses(wait)

    def _missed(self, client: str | None) -> None:
        if client is not None:
            self.guess_limit.miss(client)

    @_bounded
    def teacher_class(self, typed_code: str, secret: str, client: str | None = None) -> ClassInfo | None:
        """The live class, if ``secret`` is its teacher's; None otherwise, whatever the reason. A miss costs
        ``client`` a guess, as in :meth:`find_class`."""
        code = codes.normalise(typed_code)
        self._may_guess(client)
        with self._transaction() as conn:
            info = self._live(conn, code) if code else None
            stored = (
                conn.execute(select(classes.c.teacher_hash).where(classes.c.id == info.id)).scalar() if info else None
            )
        # Hash and compare even when there is no class, so the time taken does not tell whether it exists.
        matches = codes.secret_matches(secret, stored or codes.hash_secret(secrets.token_urlsafe(24)))
        if info is None or not matches:
            self._missed(client)
            return None
        return info

    def _live(self, conn: Connection, code: str) -> ClassInfo | None:
        row = conn.execute(
            select(classes.c.id, classes.c.variant_seed, classes.c.expires_at).where(
                classes.c.code == code, classes.c.expires_at > self.clock()
            )
        ).first()
        return ClassInfo(row.id, code, row.variant_seed, row.expires_at) if row else None

    # --- teachers' browsers -----------------------------------------------------------------------------
    @_bounded
    def open_teacher_session(self, class_id: int) -> str:
        """A new token that reopens the class's teacher view until the class ends (a browser keeps it in a cookie,
        so a reload finds the class without the teacher secret). Only its hash is stored. Raises
        :class:`ClassGone` when the class is over."""
        token = codes.new_teacher_secret()
        with self._transaction() as conn:
            expires_at = conn.execute(
                select(classes.c.expires_at).where(classes.c.id == class_id, classes.c.expires_at > self.clock())
            ).scalar()
            if expires_at is None:
                raise ClassGone(class_id)
            conn.execute(
                insert(teacher_sessions).values(
                    token_hash=codes.hash_secret(token), class_id=class_id, expires_at=expires_at
                )
            )
        return token

    @_bounded
    def teacher_session(self, token: str) -> ClassInfo | None:
        """The live class a teacher token reopens, or None (unknown, closed, expired or malformed alike). The token
        is 24 random bytes: it is looked up by its hash, and a miss costs no guess (a stale cookie is no attack)."""
        if not isinstance(token, str) or not 0 < len(token) <= 200:
            return None
        now = self.clock()
        query = (
            select(classes.c.id, classes.c.code, classes.c.variant_seed, classes.c.expires_at)
            .join_from(teacher_sessions, classes, teacher_sessions.c.class_id == classes.c.id)
            .where(
                teacher_sessions.c.token_hash == codes.hash_secret(token),
                teacher_sessions.c.expires_at > now,
                classes.c.expires_at > now,
            )
        )
        with self._transaction() as conn:
            row = conn.execute(query).first()
        return ClassInfo(row.id, row.code, row.variant_seed, row.expires_at) if row else None

    @_bounded
    def close_teacher_session(self, token: str) -> None:
        """The token reopens nothing any more (the teacher closed the view in that browser)."""
        if isinstance(token, str) and 0 < len(token) <= 200:
            with self._transaction() as conn:
                conn.execute(delete(teacher_sessions).where(teacher_sessions.c.token_hash == codes.hash_secret(token)))

    # --- students -----------------------------------------------------------------------------------------
    @_bounded
    def attend(self, class_id: int, token: str | None = None) -> Progress:
        """The class's student ``token`` and what they have done in it, for a student coming back (a reload, a new
        tab, a reconnect to another replica); or a new student.

        A ``token`` this class has not seen becomes its student's (the first join may have happened while the store
        was away: the session made the token itself); a malformed one, or another class's, is replaced by a new
        one. Raises :class:`ClassGone` when the class is over.
        """
        if not codes.is_student_token(token):
            token = codes.new_student_token()
        try:
            return self._attend(class_id, token)
        except exc.IntegrityError:  # the same token arrived twice at once (a reconnect and a new tab): now it is known
            return self._attend(class_id, token)

    def _attend(self, class_id: int, token: str) -> Progress:
        with self._transaction() as conn:
            self._require_live(conn, class_id)
            row = conn.execute(select(students.c.id, students.c.class_id).where(students.c.token == token)).first()
            if row is not None and row.class_id != class_id:
                token, row = codes.new_student_token(), None
            if row is None:
                conn.execute(insert(students).values(class_id=class_id, token=token, joined_at=self.clock()))
                return Progress(token, {}, {})
            chosen = {
                r.exercise_id: r.seed
                for r in conn.execute(
                    select(variants.c.exercise_id, variants.c.seed).where(variants.c.student_id == row.id)
                )
            }
            right = func.max(case((answers.c.correct, 1), else_=0))  # PostgreSQL has no max() of booleans
            answered = {
                (r.exercise_id, r.seed): (r.tries, bool(r.right))
                for r in conn.execute(
                    select(answers.c.exercise_id, answers.c.seed, func.count().label("tries"), right.label("right"))
                    .where(answers.c.class_id == class_id, answers.c.session_id == token)
                    .group_by(answers.c.exercise_id, answers.c.seed)
                )
            }
        return Progress(token, chosen, answered)

    @_bounded
    def choose_variant(self, class_id: int, token: str, exercise_id: str, seed: int) -> bool:
        """Keep the variant a student chose (a new one, or one opened by its code). False if ``token`` is not a
        student of the class."""
        if len(exercise_id) > 64 or not 0 <= seed < codes.VARIANT_SEEDS:
            raise ValueError("not an exercise variant")
        with self._transaction() as conn:
            student_id = conn.execute(
                select(students.c.id).where(students.c.token == token, students.c.class_id == class_id)
            ).scalar()
            if student_id is None:
                return False
            where = (variants.c.student_id == student_id, variants.c.exercise_id == exercise_id)
            conn.execute(delete(variants).where(*where))
            conn.execute(insert(variants).values(student_id=student_id, exercise_id=exercise_id, seed=seed))
        return True

    @_bounded
    def student_count(self, class_id: int) -> int:
        """How many students have joined the class (each once, however often they came back)."""
        with self._transaction() as conn:
            return conn.execute(select(func.count()).where(students.c.class_id == class_id)).scalar_one()

    def _require_live(self, conn: Connection, class_id: int) -> None:
        live = conn.execute(
            select(classes.c.id).where(classes.c.id == class_id, classes.c.expires_at > self.clock())
        ).first()
        if live is None:
            raise ClassGone(class_id)

    # --- pacing -----------------------------------------------------------------------------------------
    @_bounded
    def set_pace(self, class_id: int, lesson: str | None, section: int | None) -> None:
        """Take the class to ``lesson``'s section ``section`` (a page name and a number from 1), or stop pacing
        (both None). Setting the pace the class is already at changes nothing, not even its time: a student who
        followed it and then went elsewhere is not moved back by a second click. Raises :class:`ClassGone` when the
        class is over, ValueError for a pace that cannot be one."""
        if (lesson is None) != (section is None):
            raise ValueError("a pace is a lesson and a section, or neither")
        if lesson is not None and not (0 < len(lesson) <= MAX_PACE_LESSON and 0 < int(section) <= MAX_PACE_SECTION):
            raise ValueError("not a lesson and section a class can be on")
        with self._transaction() as conn:
            row = conn.execute(
                select(classes.c.pace_lesson, classes.c.pace_section).where(
                    classes.c.id == class_id, classes.c.expires_at > self.clock()
                )
            ).first()
            if row is None:
                raise ClassGone(class_id)
            if (row.pace_lesson, row.pace_section) == (lesson, section):
                return
            conn.execute(
                update(classes)
                .where(classes.c.id == class_id)
                .values(pace_lesson=lesson, pace_section=section, paced_at=self.clock())
            )

    @_bounded
    def pace(self, class_id: int) -> tuple[str, int, float] | None:
        """Where the teacher has taken the class: (lesson, section, when it was set), or None when no pace is set.

        One read of the class's row by its key: every joined student's page asks every few seconds. Raises
        :class:`ClassGone` when the class is over."""
        with self._transaction() as conn:
            row = conn.execute(
                select(classes.c.pace_lesson, classes.c.pace_section, classes.c.paced_at).where(
                    classes.c.id == class_id, classes.c.expires_at > self.clock()
                )
            ).first()
        if row is None:
            raise ClassGone(class_id)
        if row.pace_lesson is None:
            return None
        return row.pace_lesson, row.pace_section, row.paced_at

    # --- answers ----------------------------------------------------------------------------------------
    @_bounded
    def record(self, class_id: int, answer: Answer) -> None:
        """Store one answer, or raise :class:`ClassGone` when the class is over (or ValueError for a response
        longer than 200 characters)."""
        if len(answer.response) > MAX_RESPONSE:
            raise ValueError(f"a response is at most {MAX_RESPONSE} characters")
        if answer.mistake is not None and len(answer.mistake) > MAX_MISTAKE:
            raise ValueError(f"a mistake's category is at most {MAX_MISTAKE} characters")
        try:
            with self._transaction() as conn:
                live = conn.execute(
                    select(classes.c.id).where(classes.c.id == class_id, classes.c.expires_at > self.clock())
                ).first()
                if live is None:
                    raise ClassGone(class_id)
                conn.execute(
                    insert(answers).values(
                        class_id=class_id,
                        session_id=answer.session_id,
                        lesson=answer.lesson,
                        exercise_id=answer.exercise_id,
                        seed=answer.seed,
                        attempt=answer.attempt,
                        response=answer.response,
                        correct=answer.correct,
                        token=answer.token,
                        created_at=self.clock(),
                        mistake=None if answer.correct else (answer.mistake or OTHER),
                    )
                )
        except exc.IntegrityError as err:
            # Either this very submission was stored before a fault hid the commit (the token is taken: done),
            # or the class was deleted between the check and the insert.
            with self._transaction() as conn:
                if conn.execute(select(answers.c.id).where(answers.c.token == answer.token)).first() is None:
                    raise ClassGone(class_id) from err

    @_bounded
    def answer_count(self, class_id: int | None = None) -> int:
        query = select(func.count()).select_from(answers)
        if class_id is not None:
            query = query.where(answers.c.class_id == class_id)
        with self._transaction() as conn:
            return conn.execute(query).scalar_one()

    @_bounded
    def summary(self, class_id: int) -> list[ExerciseSummary]:
        """Per exercise answered in the class: who tried, who was right first and by now, what went wrong.

        Aggregate queries, whatever the number of answers: the counts per exercise (over a per-student
        ``GROUP BY``: a student's first answer is their smallest id, their first right one the smallest id among
        their right answers, so "right first" is the two being equal), the students per mistake, and the wrong
        answers as typed for the exercises whose wrong answers are all in one variant (see :meth:`wrong_answers`).

        Raises :class:`ClassGone` once the class has expired, deleted yet or not: its answers are not shown.
        """
        per_session = (
            select(
                answers.c.lesson,
                answers.c.exercise_id,
                func.min(answers.c.id).label("first_id"),
                func.min(case((answers.c.correct, answers.c.id))).label("first_right"),
            )
            .where(answers.c.class_id == class_id)
            .group_by(answers.c.lesson, answers.c.exercise_id, answers.c.session_id)
            .subquery()
        )
        counts = select(
            per_session.c.lesson,
            per_session.c.exercise_id,
            func.count().label("tried"),
            func.count(case((per_session.c.first_right == per_session.c.first_id, 1))).label("right_first"),
            func.count(per_session.c.first_right).label("right_end"),
        ).group_by(per_session.c.lesson, per_session.c.exercise_id)
        wrong = (answers.c.class_id == class_id, answers.c.correct == false())
        wrong_counts = (
            select(
                answers.c.lesson,
                answers.c.exercise_id,
                func.count().label("n"),
                func.count(distinct(answers.c.session_id)).label("students"),
                func.count(distinct(answers.c.seed)).label("variants"),
                func.min(answers.c.seed).label("seed"),
            )
            .where(*wrong)
            .group_by(answers.c.lesson, answers.c.exercise_id)
        )
        category = func.coalesce(answers.c.mistake, OTHER)  # wrong answers stored before categories: "other"
        per_mistake = (
            select(
                answers.c.lesson,
                answers.c.exercise_id,
                category.label("mistake"),
                func.count(distinct(answers.c.session_id)).label("students"),
            )
            .where(*wrong)
            .group_by(answers.c.lesson, answers.c.exercise_id, category)
        )
        one_variant = (
            select(answers.c.lesson, answers.c.exercise_id)
            .where(*wrong)
            .group_by(answers.c.lesson, answers.c.exercise_id)
            .having(func.count(distinct(answers.c.seed)) == 1)
            .subquery()
        )
        with self._transaction() as conn:
            self._require_live(conn, class_id)
            totals = conn.execute(counts).all()
            wrong_rows = {(row.lesson, row.exercise_id): row for row in conn.execute(wrong_counts)}
            mistakes: dict[tuple[str, str], Counter] = defaultdict(Counter)
            for row in conn.execute(per_mistake):
                mistakes[(row.lesson, row.exercise_id)][row.mistake] = row.students
            typed = self._typed_groups(
                conn,
                class_id,
                and_(answers.c.lesson == one_variant.c.lesson, answers.c.exercise_id == one_variant.c.exercise_id),
                one_variant,
            )
        summaries = []
        for row in totals:
            key = (row.lesson, row.exercise_id)
            w = wrong_rows.get(key)
            summaries.append(
                ExerciseSummary(
                    row.lesson,
                    row.exercise_id,
                    tried=row.tried,
                    right_first=row.right_first,
                    right_end=row.right_end,
                    wrong=_most_first(typed.get((*key, w.seed), {})) if w and w.variants == 1 else (),
                    wrong_total=w.n if w else 0,
                    wrong_students=w.students if w else 0,
                    mistakes=_most_first(mistakes.get(key, {})),
                    wrong_seed=w.seed if w and w.variants == 1 else None,
                    wrong_variants=w.variants if w else 0,
                )
            )
        return summaries

    @_bounded
    def wrong_answers(self, class_id: int, lesson: str, exercise_id: str, seed: int) -> tuple[tuple[str, int], ...]:
        """One variant's wrong answers as typed, grouped (:func:`group_answer`): students per group, most first.

        A student counts once in a group however many of their tries fell in it ("0.5" and later "0.50": once).
        Only the :data:`WRONG_KEPT` responses typed by the most students are read, so a class typing junk cannot
        slow the refresh down. Raises :class:`ClassGone` once the class is over.
        """
        mine = and_(answers.c.lesson == lesson, answers.c.exercise_id == exercise_id, answers.c.seed == seed)
        with self._transaction() as conn:
            self._require_live(conn, class_id)
            typed = self._typed_groups(conn, class_id, mine)
        return _most_first(typed.get((lesson, exercise_id, seed), {}))

    @_bounded
    def wrong_variants(self, class_id: int, lesson: str, exercise_id: str) -> tuple[tuple[int, int], ...]:
        """The variants of one exercise with wrong answers: (seed, students with a wrong answer in it), most first."""
        students_in = func.count(distinct(answers.c.session_id))
        query = (
            select(answers.c.seed, students_in.label("students"))
            .where(
                answers.c.class_id == class_id,
                answers.c.correct == false(),
                answers.c.lesson == lesson,
                answers.c.exercise_id == exercise_id,
            )
            .group_by(answers.c.seed)
            .order_by(students_in.desc(), answers.c.seed)
        )
        with self._transaction() as conn:
            self._require_live(conn, class_id)
            return tuple((row.seed, row.students) for row in conn.execute(query))

    def _typed_groups(self, conn: Connection, class_id: int, where, *joined) -> dict[tuple[str, str, int], Counter]:
        """Wrong answers matching ``where`` (over ``answers`` and the ``joined`` subqueries), grouped per variant:
        (lesson, exercise, seed) → group → students.

        SQL keeps the :data:`WRONG_KEPT` responses typed by the most students per variant and hands over their
        distinct (response, student) pairs; :func:`group_answer` then merges the responses that are one mistake
        written differently, counting the students in the union, so nobody counts twice in one group.
        """
        variant = (answers.c.lesson, answers.c.exercise_id, answers.c.seed)
        students_in = func.count(distinct(answers.c.session_id))
        wrong = (answers.c.class_id == class_id, answers.c.correct == false(), where)
        per_response = (
            select(
                *variant,
                answers.c.response,
                func.row_number()
                .over(partition_by=variant, order_by=(students_in.desc(), answers.c.response))
                .label("rank"),
            )
            .select_from(answers, *joined)
            .where(*wrong)
            .group_by(*variant, answers.c.response)
            .subquery()
        )
        kept = select(per_response).where(per_response.c.rank <= WRONG_KEPT).subquery()
        pairs = (
            select(*variant, answers.c.response, answers.c.session_id)
            .distinct()
            .select_from(answers, *joined)
            .join(
                kept,
                and_(
                    kept.c.lesson == answers.c.lesson,
                    kept.c.exercise_id == answers.c.exercise_id,
                    kept.c.seed == answers.c.seed,
                    kept.c.response == answers.c.response,
                ),
            )
            .where(*wrong)
        )
        who: dict[tuple[str, str, int], dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for row in conn.execute(pairs):
            who[(row.lesson, row.exercise_id, row.seed)][group_answer(row.response)].add(row.session_id)
        return {variant: Counter({g: len(s) for g, s in groups.items()}) for variant, groups in who.items()}

    # --- short links ------------------------------------------------------------------------------------
    @_bounded
    def shorten(self, target: str, days: float = SHORT_LINK_DAYS) -> str:
        """A short code for ``target`` (a lesson's path and query string), the same one while it lives.

        Raises ValueError for a target longer than MAX_TARGET characters.
        """
        if len(target) > MAX_TARGET:
            raise ValueError(f"a short link stands for at most {MAX_TARGET} characters")
        now = self.clock()
        with self._transaction() as conn:
            known = conn.execute(
                select(short_links.c.code).where(short_links.c.target == target, short_links.c.expires_at > now)
            ).scalar()
        if known:
            return known
        for _ in range(8):  # a code already in use is drawn again
            code = codes.new_class_code()
            try:
                with self._transaction() as conn:
                    conn.execute(
                        insert(short_links).values(
                            code=code, target=target, created_at=now, expires_at=now + days * 86400.0
                        )
                    )
            except exc.IntegrityError:
                continue
            return code
        raise StoreUnavailable("no free short-link code after 8 draws")

    @_bounded
    def expand(self, typed_code: str, client: str | None = None) -> str | None:
        """The target of a live short link, or None (unknown, expired or malformed alike). A miss costs
        ``client`` a guess, as in :meth:`find_class`."""
        code = codes.normalise(typed_code)
        if code is None:
            return None
        self._may_guess(client)
        with self._transaction() as conn:
            target = conn.execute(
                select(short_links.c.target).where(short_links.c.code == code, short_links.c.expires_at > self.clock())
            ).scalar()
        if target is None:
            self._missed(client)
        return target

    # --- plumbing ---------------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self, *, migrated: bool = True) -> Iterator[Connection]:
        """One transaction; driver and pool faults become :class:`StoreUnavailable`. Migrates first if this
        process has not managed to yet (the database may have been away when the app started)."""
        try:
            if migrated and not self._schema_ready:
                with self._schema_lock:
                    if not self._schema_ready:
                        self._ensure_schema()
            if migrated:
                self._purge_if_due()
            with self.engine.begin() as conn:
                yield conn
        except (exc.IntegrityError, ClassGone, SchemaTooNew, TooManyGuesses):
            raise
        except (exc.DBAPIError, exc.TimeoutError, self.engine.dialect.loaded_dbapi.Error, OSError) as err:
            raise StoreUnavailable(str(err).splitlines()[0] if str(err) else type(err).__name__) from err

    def dispose(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def _write_ahead_log(cursor, busy_timeout_ms: int) -> None:
    """Switch an SQLite file to write-ahead logging (readers never wait for a writer), once per file.

    Switching needs the file to itself, and SQLite answers "database is locked" at once, without its busy
    handler, when another connection has it open: replicas (or threads) opening a new file together. So the
    switch is retried, with short sleeps, for as long as a writer would wait for the lock.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL").fetchall()
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def _engine(
    url, busy_timeout_ms: int, connect_timeout_s: int, statement_timeout_ms: int, pool_timeout_s: float
) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_timeout=30,  # threads queue here behind SQLite's one writer, each bounded by its busy timeout
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # the driver's own BEGIN is off; "begin" below issues ours
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            _write_ahead_log(cursor, busy_timeout_ms)
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now: no failed lock upgrade later

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=pool_timeout_s,
        connect_args={
            "connect_timeout": connect_timeout_s,
            "options": f"-c statement_timeout={int(statement_timeout_ms)}",
        },
    )
