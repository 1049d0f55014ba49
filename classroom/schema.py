"""The tables the store's queries are written against, and the runner that brings a database to them.

The database itself is built by frozen revisions (:mod:`classroom.migrations`), each one's DDL written out for
SQLite and for PostgreSQL, never derived from the tables here; a test proves that a database the revisions build
equals one built from these tables, so a table changed without a new revision fails it.

``schema_version`` holds one row: how many revisions have run on this database. On start
(``ClassStore.ensure_schema``) :func:`migrate` runs the ones after it, in order, in one transaction that holds a
lock (PostgreSQL: an advisory lock; SQLite: the store's ``BEGIN IMMEDIATE``), so replicas starting at once migrate
once and a revision that fails leaves the database as it was. A database at a version this app does not know yet
is refused (:class:`SchemaTooNew`): every replica must run the same release.

Why hand-written revisions and not Alembic, the SQLAlchemy project's tool: the schema is three small tables, and a
revision here is read in one file exactly as the database will run it, whatever SQLAlchemy release is installed.
Alembic would add two packages (Alembic, Mako) to what Streamlit Community Cloud installs, a migration environment
configured in code, and an ``alembic_version`` table that databases in the field would have to be stamped with.
It would not do the parts that matter here: it takes no lock across replicas (the runner takes one either way),
and on SQLite it changes a table the way a hand-written revision does, by rebuilding it. What its autogenerate
offers, noticing that tables and revisions disagree, ``tests/test_migrations.py`` does.

Databases made before the revisions were frozen carry this same ``schema_version`` table, and revisions 1 and 2 are
the statements SQLAlchemy emitted for their tables, so they are adopted as they are: nothing to detect or stamp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)

from classroom.migrations import REVISIONS
from rnn_core.exercise import MAX_RESPONSE  # the longest answer a box takes is the longest the store keeps

MAX_MISTAKE = 64  # the longest mistake category (a hint key) an answer carries
_PG_LOCK = 0x524E4E4C  # "RNNL": the advisory lock that serialises migrations across replicas

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

classes = Table(
    "classes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("teacher_hash", String(64), nullable=False),
    Column("variant_seed", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False, index=True),
    # where the teacher has taken the class: a lesson's page name and a section number, and when (revision 7)
    Column("pace_lesson", String(32)),
    Column("pace_section", Integer),
    Column("paced_at", Double),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("session_id", String(32), nullable=False),
    Column("lesson", String(32), nullable=False),
    Column("exercise_id", String(64), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("response", String(MAX_RESPONSE), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("token", String(32), nullable=False, unique=True),  # one submission retried after a fault is one row
    Column("created_at", Double, nullable=False),
    # a wrong answer's category: the hint key of the mistake the exercise recognised, or "other" (revision 6)
    Column("mistake", String(MAX_MISTAKE)),
    # what the teacher's summary reads in place of the rows (revision 3)
    Index("answers_by_session", "class_id", "lesson", "exercise_id", "session_id", "correct", "id"),
    Index("answers_wrong", "class_id", "correct", "lesson", "exercise_id", "response"),
    Index("answers_by_student", "class_id", "session_id"),  # a returning student's answers (revision 5)
)

# A student of a class, by the random token their links carry (revision 5), and the variants they chose.
students = Table(
    "students",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("token", String(32), nullable=False, unique=True),
    Column("joined_at", Double, nullable=False),
    Index("students_by_class", "class_id"),
)

variants = Table(
    "variants",
    metadata,
    Column("student_id", Integer, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True),
    Column("exercise_id", String(64), primary_key=True),
    Column("seed", Integer, nullable=False),
)


# A teacher's browser that reopens its class without the teacher secret: the hash of a random token its cookie
# holds, until the class ends (revision 6).
teacher_sessions = Table(
    "teacher_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", Double, nullable=False),
    Index("teacher_sessions_by_class", "class_id"),
)


MAX_TARGET = 4000  # the longest view a short link stands for (a lesson's path and every setting)

short_links = Table(
    "short_links",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("target", String(MAX_TARGET), nullable=False, index=True),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False, index=True),
)


# The revisions, as the store runs them (a test may append steps of its own).
MIGRATIONS: tuple[Callable[[Connection], None], ...] = REVISIONS

# Written out like the revisions; SQLAlchemy emitted the same table for the databases made before them.
_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the app than this one."""


def migrate(conn: Connection, migrations: Sequence[Callable[[Connection], None]] = MIGRATIONS) -> int:
    """Run the migrations this database has not run yet, inside the caller's transaction.

    Returns:
        the schema version after migrating.
    """
    if conn.dialect.name == "postgresql":
        # a revision may index a large table: the store's statement timeout (a few seconds) is not for it
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    conn.exec_driver_sql(_VERSION_TABLE)
    current = conn.execute(select(func.max(schema_version.c.version))).scalar() or 0
    if current > len(migrations):
        raise SchemaTooNew(f"database schema version {current}, this app knows {len(migrations)}")
    for step in migrations[current:]:
        step(conn)
    if current < len(migrations):
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=len(migrations)))
    return len(migrations)
