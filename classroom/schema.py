"""The tables, and the ordered migrations that build them.

``schema_version`` holds one row: how many entries of :data:`MIGRATIONS` have run on this database. On start
the app runs the ones after it, in order, in one transaction that holds a lock (PostgreSQL: an advisory lock;
SQLite: ``BEGIN IMMEDIATE``), so replicas starting at once migrate once. A migration is only ever appended;
an old one is never edited, because databases in the field have run it.

Version 1:
    classes(id, code unique, teacher_hash, variant_seed, created_at, expires_at)   times: Unix seconds
    answers(id, class_id -> classes.id, session_id, lesson, exercise_id, seed, attempt, response ≤ 200 chars,
            correct, token unique, created_at)
No names and no addresses: a session id is random and lives only in the student's browser session.

Version 2:
    short_links(code primary key, target ≤ 4000 chars, created_at, expires_at)   a short link for a projector:
    /?s=CODE opens ``target`` (a lesson's path and query string)
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

MAX_RESPONSE = 200
_PG_LOCK = 0x524E4E4C  # "RNNL": the advisory lock that serialises migrations across replicas

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

classes = Table(
    "classes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("teacher_hash", String(64), nullable=False),
    Column("variant_seed", Integer, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False, index=True),
)

answers = Table(
    "answers", metadata,
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
    Index("answers_by_class", "class_id", "exercise_id"),
)


MAX_TARGET = 4000  # the longest view a short link stands for (a lesson's path and every setting)

short_links = Table(
    "short_links", metadata,
    Column("code", String(16), primary_key=True),
    Column("target", String(MAX_TARGET), nullable=False, index=True),
    Column("created_at", Double, nullable=False),
    Column("expires_at", Double, nullable=False, index=True),
)


def _v1_classes_and_answers(conn: Connection) -> None:
    classes.create(conn)
    answers.create(conn)


def _v2_short_links(conn: Connection) -> None:
    short_links.create(conn)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1_classes_and_answers, _v2_short_links)


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the app than this one."""


def migrate(conn: Connection, migrations: Sequence[Callable[[Connection], None]] = MIGRATIONS) -> int:
    """Run the migrations this database has not run yet, inside the caller's transaction.

    Returns:
        the schema version after migrating.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    schema_version.create(conn, checkfirst=True)
    current = conn.execute(select(func.max(schema_version.c.version))).scalar() or 0
    if current > len(migrations):
        raise SchemaTooNew(f"database schema version {current}, this app knows {len(migrations)}")
    for step in migrations[current:]:
        step(conn)
    if current < len(migrations):
        conn.execute(delete(schema_version))
        conn.execute(insert(schema_version).values(version=len(migrations)))
    return len(migrations)
