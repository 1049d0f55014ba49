"""The class store's frozen migrations, on SQLite and on a real PostgreSQL started here: a database at every
earlier version, with rows in it, reaches the same schema as a fresh one through the store's start-up and keeps
its rows; the newest schema is the tables the store queries; upgrading twice, or from replicas at once, is safe."""

from __future__ import annotations

import hashlib
import itertools
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from classroom.migrations import REVISIONS
from classroom.schema import MIGRATIONS, SchemaTooNew, metadata
from classroom.store import ClassStore

pytest_plugins = ["postgres"]  # the new_pg_database fixture

ROOT = Path(__file__).resolve().parent.parent
HEAD = len(REVISIONS)
NOW = 1_000_000_000.0
DAY = 86400.0

# A shipped revision never changes (databases in the field ran it as it was), and the upgrade tests below build
# each version with its revision as it is now, so they cannot see an edit: these pins can. A new revision adds
# its own line (the failure message shows the digest).
PINS = {
    "v001_classes_and_answers": "c59ee6e4a744e94720f77221087c143fb6f699a532a753938b28ffdfcde9f070",
    "v002_short_links": "e836164921ad200bc3652b8188900e14b7033f37236922ed3160e0e6c2ee3e63",
    "v003_summary_indexes": "e80560cea489dca58ec339bae87a59986f9f55c1de1798c7180c6607034fb805",
    "v004_short_links_without_join": "49568777506c268e2684601e7468f9938e3a8a82c5e4f2434dec0f16e417d5d1",
    "v005_students_and_variants": "a44266a3efbb50d822d6cf545983b219e97d0498341768aa38b9ffc59aded481",
    "v006_mistakes_and_teacher_sessions": "9ae0ed5691abce864aa607f20869688a0030733849befeda34ae97bdc7c66043",
    "v007_pacing": "4ae44b5fe4f4b3f3f2e1bbe4a504bdb7a4654996afbe1f93ea93bb38095843e5",
}


class Clock:
    def __init__(self, now: float = NOW):
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- the rows each version holds, written in that version's own columns ----------------------------------------
KLASS = {
    "code": "K7M3QX",
    "teacher_hash": "ab" * 32,
    "variant_seed": 12345,
    "created_at": NOW - DAY,
    "expires_at": NOW + 6 * DAY,
}
ANSWERS = [
    {
        "session_id": "s1",
        "lesson": "counting",
        "exercise_id": "counting.output",
        "seed": 7,
        "attempt": 1,
        "response": "0.1234",
        "correct": False,
        "token": "t1",
        "created_at": NOW - 60,
    },
    {
        "session_id": "s1",
        "lesson": "counting",
        "exercise_id": "counting.output",
        "seed": 7,
        "attempt": 2,
        "response": "2",
        "correct": True,
        "token": "t2",
        "created_at": NOW - 50,
    },
    {
        "session_id": "s2",
        "lesson": "counting",
        "exercise_id": "counting.output",
        "seed": 9,
        "attempt": 1,
        "response": "2",
        "correct": True,
        "token": "t3",
        "created_at": NOW - 40,
    },
]
LINK = {
    "code": "ABC234",
    "target": "counting?lang=ko&w=0.5&seq=1%2C1%2C1",
    "created_at": NOW - DAY,
    "expires_at": NOW + 29 * DAY,
}


def _insert(conn, table: str, row: dict) -> None:
    columns = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)


def _write_v1(conn) -> None:
    _insert(conn, "classes", KLASS)
    class_id = conn.execute(text("SELECT id FROM classes WHERE code = :code"), KLASS).scalar_one()
    for row in ANSWERS:
        _insert(conn, "answers", {**row, "class_id": class_id})


def _write_v2(conn) -> None:
    _insert(conn, "short_links", LINK)


KLASS_3 = {**KLASS, "code": "P4Q8RS", "variant_seed": 54321}
LATE_ANSWER = {**ANSWERS[0], "session_id": "s3", "response": "0.5", "token": "t4", "created_at": NOW - 30}


def _write_v3(conn) -> None:  # version 3 adds indexes only: a second class and an answer, read through them
    _insert(conn, "classes", KLASS_3)
    class_id = conn.execute(text("SELECT id FROM classes WHERE code = :code"), KLASS_3).scalar_one()
    _insert(conn, "answers", {**LATE_ANSWER, "class_id": class_id})


LINK_4 = {**LINK, "code": "DEF567", "target": "gradients?lang=en&w=0.9"}


def _write_v4(conn) -> None:
    _insert(conn, "short_links", LINK_4)


STUDENT = {"token": "Zq3-x_Y7pL0aB9cD", "joined_at": NOW - 20}
VARIANT = {"exercise_id": "counting.output", "seed": 4242}


def _write_v5(conn) -> None:  # a student of the first class, with a variant they chose
    class_id = conn.execute(text("SELECT id FROM classes WHERE code = :code"), KLASS).scalar_one()
    _insert(conn, "students", {**STUDENT, "class_id": class_id})
    student_id = conn.execute(text("SELECT id FROM students WHERE token = :token"), STUDENT).scalar_one()
    _insert(conn, "variants", {**VARIANT, "student_id": student_id})


MISTAKEN = {**LATE_ANSWER, "session_id": "s4", "response": "-0.5", "token": "t5", "mistake": "exercises.hint_sign"}
TEACHER_TOKEN = "a-teacher-browser-token"
TEACHER_SESSION = {"token_hash": hashlib.sha256(TEACHER_TOKEN.encode()).hexdigest(), "expires_at": KLASS["expires_at"]}


def _write_v6(conn) -> None:  # a wrong answer with its mistake, in the second class; a teacher's browser of the first
    class_3 = conn.execute(text("SELECT id FROM classes WHERE code = :code"), KLASS_3).scalar_one()
    _insert(conn, "answers", {**MISTAKEN, "class_id": class_3})
    class_id = conn.execute(text("SELECT id FROM classes WHERE code = :code"), KLASS).scalar_one()
    _insert(conn, "teacher_sessions", {**TEACHER_SESSION, "class_id": class_id})


PACE = {"pace_lesson": "counting", "pace_section": 3, "paced_at": NOW - 10}
NO_PACE = {"pace_lesson": None, "pace_section": None, "paced_at": None}


def _write_v7(conn) -> None:  # the teacher of the first class has taken it to a section; the second has no pace
    conn.execute(
        text(
            "UPDATE classes SET pace_lesson = :pace_lesson, pace_section = :pace_section, paced_at = :paced_at "
            "WHERE code = :code"
        ),
        {**PACE, "code": KLASS["code"]},
    )


# A database at version r holds the rows of versions 1..r. A new revision adds its writer and the rows it keeps.
WRITERS = {1: _write_v1, 2: _write_v2, 3: _write_v3, 4: _write_v4, 5: _write_v5, 6: _write_v6, 7: _write_v7}
KEPT = {
    1: {"classes": [KLASS], "answers": ANSWERS},
    2: {"short_links": [LINK]},
    3: {"classes": [KLASS, KLASS_3], "answers": [*ANSWERS, LATE_ANSWER]},
    4: {"short_links": [LINK, LINK_4]},
    5: {"students": [STUDENT], "variants": [VARIANT]},
    # the answers stored before version 6 have no mistake (NULL: the teacher's table counts them as "other")
    6: {
        "answers": [*({**a, "mistake": None} for a in [*ANSWERS, LATE_ANSWER]), MISTAKEN],
        "teacher_sessions": [TEACHER_SESSION],
    },
    # the classes made before version 7 have no pace (NULL) until their teacher sets one
    7: {"classes": [{**KLASS, **PACE}, {**KLASS_3, **NO_PACE}]},
}


def database_at(url: str, version: int) -> None:
    """Bring an empty database to ``version`` as the release that knew that many revisions did, then write the
    rows of each version up to it with plain SQL. Version 0 is an empty database."""
    if version == 0:
        return
    old_release = ClassStore(url, clock=Clock(), migrations=REVISIONS[:version])
    old_release.ensure_schema()
    old_release.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        for v in range(1, version + 1):
            WRITERS[v](conn)
    engine.dispose()


def rows_kept(url: str, version: int) -> dict[str, list[tuple]]:
    """The rows of versions 1..``version``, read back from ``url`` in the columns they were written in."""
    engine = create_engine(url)
    found = {}
    with engine.connect() as conn:
        for v in range(1, version + 1):
            for table, rows in KEPT[v].items():
                columns = [metadata.tables[table].c[name] for name in rows[0]]
                found[table] = sorted(tuple(r) for r in conn.execute(select(*columns)))
    engine.dispose()
    return found


def rows_written(version: int) -> dict[str, list[tuple]]:
    return {
        table: sorted(tuple(row.values()) for row in rows)
        for v in range(1, version + 1)
        for table, rows in KEPT[v].items()
    }


# --- the schema as the database reports it ------------------------------------------------------------------
def schema_of(url: str) -> dict:
    """Every table's columns (type, nullability, default), keys, foreign keys with their actions, indexes, unique
    and check constraints, and the sequences, as SQLAlchemy's inspector reads them from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        insp = inspect(conn)
        tables = {}
        for table in insp.get_table_names():
            pk = insp.get_pk_constraint(table)
            tables[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement"))
                    for c in insp.get_columns(table)
                ],
                "primary_key": (pk.get("name"), tuple(pk["constrained_columns"])),
                "foreign_keys": sorted(
                    (
                        fk.get("name") or "",
                        tuple(fk["constrained_columns"]),
                        fk["referred_table"],
                        tuple(fk["referred_columns"]),
                        tuple(sorted(fk["options"].items())),
                    )
                    for fk in insp.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (ix["name"], tuple(ix["column_names"]), bool(ix["unique"])) for ix in insp.get_indexes(table)
                ),
                "unique": sorted(
                    (uc.get("name") or "", tuple(uc["column_names"])) for uc in insp.get_unique_constraints(table)
                ),
                "checks": sorted((ck.get("name") or "", ck["sqltext"]) for ck in insp.get_check_constraints(table)),
            }
        sequences = sorted(insp.get_sequence_names()) if conn.dialect.name == "postgresql" else []
    engine.dispose()
    return {"tables": tables, "sequences": sequences}


def versions_recorded(url: str) -> list[int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    engine.dispose()
    return versions


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """Makes empty databases of one kind: SQLite files, or databases in the test session's PostgreSQL."""
    numbers = itertools.count()

    def make() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'classroom{next(numbers)}.sqlite3'}"
        return request.getfixturevalue("new_pg_database")()

    return make


@pytest.fixture
def head_schema(new_database):
    """The schema of a fresh database started by the store (every revision, from nothing)."""
    url = new_database()
    store = ClassStore(url, clock=Clock())
    store.ensure_schema()
    store.dispose()
    return schema_of(url)


# --- the revisions themselves ---------------------------------------------------------------------------------
def test_every_revision_file_is_run_in_order_and_every_version_has_rows_to_carry():
    files = sorted(p.stem for p in (ROOT / "classroom" / "migrations").glob("v*.py"))
    assert [r.name for r in REVISIONS] == files
    assert [int(name[1:4]) for name in files] == list(range(1, HEAD + 1))
    assert MIGRATIONS == REVISIONS
    assert sorted(WRITERS) == sorted(KEPT) == list(range(1, HEAD + 1))


def test_shipped_revisions_are_frozen():
    digests = {r.name: hashlib.sha256(repr((r.sqlite, r.postgresql)).encode()).hexdigest() for r in REVISIONS}
    assert digests == PINS


def test_a_revision_refuses_a_database_it_was_not_written_for():
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        REVISIONS[0].statements("mysql")


# --- from every version to head --------------------------------------------------------------------------------
def test_the_newest_schema_is_the_tables_the_store_queries(new_database, head_schema):
    url = new_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        metadata.create_all(conn)
    engine.dispose()
    assert head_schema == schema_of(url)


@pytest.mark.parametrize("version", range(1, HEAD + 1))
def test_every_version_upgrades_to_the_newest_schema_keeping_its_rows(new_database, head_schema, version):
    url = new_database()
    database_at(url, version)
    store = ClassStore(url, clock=Clock())
    store.ensure_schema()  # the app's start
    assert schema_of(url) == head_schema
    assert versions_recorded(url) == [HEAD]
    assert rows_kept(url, version) == rows_written(version)
    # and the store reads them as it reads its own, and writes beside them
    info = store.find_class(KLASS["code"])
    assert info is not None and info.variant_seed == KLASS["variant_seed"]
    (output,) = store.summary(info.id)
    assert (output.tried, output.right_first, output.right_end, output.wrong) == (2, 1, 2, (("0.123", 1),))
    assert output.mistakes == (("other", 1),)  # a wrong answer stored before its mistake was
    assert store.expand(LINK["code"]) == (LINK["target"] if version >= 2 else None)
    if version >= 3:
        (late,) = store.summary(store.find_class(KLASS_3["code"]).id)
        if version < 6:
            assert (late.tried, late.right_first, late.right_end, late.wrong) == (1, 0, 0, (("0.5", 1),))
        else:  # and one whose mistake was recorded
            assert (late.tried, late.wrong) == (2, (("0.5", 1), ("\u22120.5", 1)))
            assert late.mistakes == (("exercises.hint_sign", 1), ("other", 1))
    if version >= 5:  # the student comes back with the variant they chose
        assert store.attend(info.id, STUDENT["token"]).chosen == {VARIANT["exercise_id"]: VARIANT["seed"]}
    # a teacher's browser comes back to its class from version 6 on
    assert store.teacher_session(TEACHER_TOKEN) == (info if version >= 6 else None)
    # the pace its teacher set comes back from version 7 on; before, the class has none, and one can be set
    assert store.pace(info.id) == (
        (PACE["pace_lesson"], PACE["pace_section"], PACE["paced_at"]) if version >= 7 else None
    )
    store.set_pace(info.id, "lstm", 2)
    assert store.pace(info.id)[:2] == ("lstm", 2)
    other = store.create_class().info
    assert other.id != info.id and store.find_class(other.code) == other
    assert store.expand(store.shorten("home?lang=en")) == "home?lang=en"
    store.dispose()


@pytest.mark.parametrize("version", [2, 3])
def test_version_4_deletes_the_short_links_that_carry_a_class(new_database, version):
    """A student's short link used to carry ``join=CODE`` and put whoever opened it into the class: such links go;
    others, even one whose setting's name merely ends in "join", stay."""
    url = new_database()
    database_at(url, version)
    joining = [
        {**LINK, "code": "JJJ111", "target": "gradients?lang=en&join=K7M3QX&w=0.5"},
        {**LINK, "code": "JJJ222", "target": "class?join=K7M3QX"},
    ]
    kept = {**LINK, "code": "JJJ333", "target": "counting?rejoin=1"}
    engine = create_engine(url)
    with engine.begin() as conn:
        for row in [*joining, kept]:
            _insert(conn, "short_links", row)
    engine.dispose()
    store = ClassStore(url, clock=Clock())
    store.ensure_schema()
    assert [store.expand(row["code"]) for row in joining] == [None, None]
    assert store.expand(kept["code"]) == kept["target"] and store.expand(LINK["code"]) == LINK["target"]
    store.dispose()


# --- twice, and from replicas at once ---------------------------------------------------------------------------
def test_upgrading_twice_changes_nothing(new_database, head_schema):
    url = new_database()
    database_at(url, 1)
    for _ in range(2):
        store = ClassStore(url, clock=Clock())
        store.ensure_schema()
        store.dispose()
    assert schema_of(url) == head_schema
    assert versions_recorded(url) == [HEAD]
    assert rows_kept(url, 1) == rows_written(1)


@pytest.mark.parametrize("version", [0, 1])
def test_replicas_starting_at_once_migrate_once(new_database, head_schema, version):
    # Each replica is its own store with its own connections, as separate processes would be; they start together.
    url = new_database()
    database_at(url, version)
    replicas = [ClassStore(url, clock=Clock(), busy_timeout_ms=30_000) for _ in range(4)]
    start = threading.Barrier(len(replicas))
    failures = []

    def start_replica(store: ClassStore) -> None:
        start.wait()
        try:
            store.ensure_schema()
        except Exception as err:  # noqa: BLE001 - collected and asserted below
            failures.append(repr(err))

    threads = [threading.Thread(target=start_replica, args=(store,)) for store in replicas]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    for store in replicas:
        store.dispose()
    assert failures == []
    assert schema_of(url) == head_schema
    assert versions_recorded(url) == [HEAD]
    assert rows_kept(url, version) == rows_written(version)


# --- the runner ---------------------------------------------------------------------------------------------------
def test_migrations_run_once_in_order_and_a_newer_schema_is_refused(new_database):
    url = new_database()
    ran = []
    extra = (lambda conn: ran.append("next"), lambda conn: ran.append("after"))
    for migrations in (MIGRATIONS, MIGRATIONS + extra[:1], MIGRATIONS + extra, MIGRATIONS + extra):
        store = ClassStore(url, migrations=migrations)
        store.ensure_schema()
        store.dispose()
    assert ran == ["next", "after"]
    assert versions_recorded(url) == [len(MIGRATIONS) + 2]
    older = ClassStore(url)
    with pytest.raises(SchemaTooNew):
        older.ensure_schema()
    older.dispose()
