"""Version 1: classes and their anonymous answers. Frozen: databases in the field have run it.

    classes(id, code unique, teacher_hash, variant_seed, created_at, expires_at)   times: Unix seconds
    answers(id, class_id -> classes.id, session_id, lesson, exercise_id, seed, attempt, response ≤ 200 chars,
            correct, token unique, created_at)

No names and no addresses: a session id is random and lives only in the student's browser session. A submission
retried after a fault is one row: its token is unique. The statements are the ones SQLAlchemy 2 emitted for this
version's tables when they were created from them (commit 216175f), so a database made then is a version 1
database now.
"""

SQLITE = (
    """CREATE TABLE classes (
        id INTEGER NOT NULL,
        code VARCHAR(16) NOT NULL,
        teacher_hash VARCHAR(64) NOT NULL,
        variant_seed INTEGER NOT NULL,
        created_at DOUBLE NOT NULL,
        expires_at DOUBLE NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (code)
    )""",
    "CREATE INDEX ix_classes_expires_at ON classes (expires_at)",
    """CREATE TABLE answers (
        id INTEGER NOT NULL,
        class_id INTEGER NOT NULL,
        session_id VARCHAR(32) NOT NULL,
        lesson VARCHAR(32) NOT NULL,
        exercise_id VARCHAR(64) NOT NULL,
        seed INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        response VARCHAR(200) NOT NULL,
        correct BOOLEAN NOT NULL,
        token VARCHAR(32) NOT NULL,
        created_at DOUBLE NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE,
        UNIQUE (token)
    )""",
    "CREATE INDEX answers_by_class ON answers (class_id, exercise_id)",
)

POSTGRESQL = (
    """CREATE TABLE classes (
        id SERIAL NOT NULL,
        code VARCHAR(16) NOT NULL,
        teacher_hash VARCHAR(64) NOT NULL,
        variant_seed INTEGER NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (code)
    )""",
    "CREATE INDEX ix_classes_expires_at ON classes (expires_at)",
    """CREATE TABLE answers (
        id SERIAL NOT NULL,
        class_id INTEGER NOT NULL,
        session_id VARCHAR(32) NOT NULL,
        lesson VARCHAR(32) NOT NULL,
        exercise_id VARCHAR(64) NOT NULL,
        seed INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        response VARCHAR(200) NOT NULL,
        correct BOOLEAN NOT NULL,
        token VARCHAR(32) NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE,
        UNIQUE (token)
    )""",
    "CREATE INDEX answers_by_class ON answers (class_id, exercise_id)",
)
