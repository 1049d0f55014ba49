"""The schema's revisions, in order: each one's DDL written out for SQLite and for PostgreSQL, never derived.

A database at version *n* has run the first *n* of :data:`REVISIONS` (``classroom.schema.migrate`` runs the
rest). A revision that has shipped is never edited, since databases in the field have run it as it was;
``tests/test_migrations.py`` pins each one's statements.

To change the schema:

1. Add ``vNNN_<what>.py`` here with ``SQLITE`` and ``POSTGRESQL``, tuples of statements, and append it below.
2. Change the tables in ``classroom/schema.py`` to match: a test fails until a fresh database built by the
   revisions equals one built from those tables.
3. In ``tests/test_migrations.py``, add the rows the new version holds (``ROWS``) and the revision's pin.

SQLite's ``ALTER TABLE`` adds, renames and drops columns but changes no type or constraint: for those, rebuild
the table (create the new one, ``INSERT ... SELECT``, drop the old, rename, recreate its indexes). Foreign keys
are on, and that cannot change inside the migration's transaction, so dropping ``classes`` deletes its answers
through ``ON DELETE CASCADE``: copy ``answers`` aside first and rebuild both.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import Connection

from classroom.migrations import (
    v001_classes_and_answers,
    v002_short_links,
    v003_summary_indexes,
    v004_short_links_without_join,
    v005_students_and_variants,
    v006_mistakes_and_teacher_sessions,
    v007_pacing,
)


@dataclass(frozen=True)
class Revision:
    """One version of the schema; calling it runs its statements for the connection's database."""

    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        if dialect == "sqlite":
            return self.sqlite
        if dialect == "postgresql":
            return self.postgresql
        raise ValueError(f"the class store runs on SQLite or PostgreSQL, not {dialect}")

    def __call__(self, conn: Connection) -> None:
        for statement in self.statements(conn.dialect.name):
            conn.exec_driver_sql(statement)


def _revision(module: ModuleType) -> Revision:
    return Revision(module.__name__.rsplit(".", 1)[-1], module.SQLITE, module.POSTGRESQL)


REVISIONS: tuple[Revision, ...] = tuple(
    _revision(m)
    for m in (
        v001_classes_and_answers,
        v002_short_links,
        v003_summary_indexes,
        v004_short_links_without_join,
        v005_students_and_variants,
        v006_mistakes_and_teacher_sessions,
        v007_pacing,
    )
)
