"""Version 6: what went wrong in a wrong answer, and a teacher's browser that comes back to its class. Frozen once
shipped.

    answers.mistake    the category of a wrong answer: the hint key of the mistake the exercise recognised
                       (a sign error, one step off, ...) or "other"; NULL for a right answer, and for the wrong
                       answers stored before this version (the teacher's table counts those as "other")
    teacher_sessions(token_hash, class_id -> classes.id, expires_at)

A teacher's browser holds a random token in a cookie (never the teacher secret, never in a URL); only its hash is
stored, with the class it reopens and when it stops working (the class's end). Closing the teacher's view deletes
it; an expired class takes its tokens with it.
"""

SQLITE = (
    "ALTER TABLE answers ADD COLUMN mistake VARCHAR(64)",
    """CREATE TABLE teacher_sessions (
        token_hash VARCHAR(64) NOT NULL,
        class_id INTEGER NOT NULL,
        expires_at DOUBLE NOT NULL,
        PRIMARY KEY (token_hash),
        FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX teacher_sessions_by_class ON teacher_sessions (class_id)",
)

POSTGRESQL = (
    "ALTER TABLE answers ADD COLUMN mistake VARCHAR(64)",
    """CREATE TABLE teacher_sessions (
        token_hash VARCHAR(64) NOT NULL,
        class_id INTEGER NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (token_hash),
        FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX teacher_sessions_by_class ON teacher_sessions (class_id)",
)
