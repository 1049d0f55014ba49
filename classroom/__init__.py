"""The class's answers, stored: class codes and teacher secrets, anonymous answers, expiry, a live summary.

No Streamlit here: :class:`classroom.store.ClassStore` takes a database URL (SQLite or PostgreSQL through
SQLAlchemy 2 Core); the UI layer keeps one per process. See ``schema.py`` for the tables and ``migrations/``
for the frozen revisions that build them.
"""
