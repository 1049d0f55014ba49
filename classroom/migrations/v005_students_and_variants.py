"""Version 5: a student is one student for the whole class. Frozen once shipped.

    students(id, class_id -> classes.id, token unique, joined_at)
    variants(student_id -> students.id, exercise_id, seed)   one row per exercise whose variant the student chose
    answers_by_student ON answers (class_id, session_id)

A student who joins gets a random token (``classroom.codes.new_student_token``), carried in their lesson links
with the class code. A reload, a new tab or a reconnect to another replica comes back with it: the answers are
filed under it (``answers.session_id``), so the teacher counts each student once, and the student's variants and
tries come back from here and from their answers. Still no names or addresses. Classes made before this version
have no students yet: their answers keep the session ids they were given.
"""

SQLITE = (
    """CREATE TABLE students (
        id INTEGER NOT NULL,
        class_id INTEGER NOT NULL,
        token VARCHAR(32) NOT NULL,
        joined_at DOUBLE NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE,
        UNIQUE (token)
    )""",
    "CREATE INDEX students_by_class ON students (class_id)",
    """CREATE TABLE variants (
        student_id INTEGER NOT NULL,
        exercise_id VARCHAR(64) NOT NULL,
        seed INTEGER NOT NULL,
        PRIMARY KEY (student_id, exercise_id),
        FOREIGN KEY(student_id) REFERENCES students (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX answers_by_student ON answers (class_id, session_id)",
)

POSTGRESQL = (
    """CREATE TABLE students (
        id SERIAL NOT NULL,
        class_id INTEGER NOT NULL,
        token VARCHAR(32) NOT NULL,
        joined_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(class_id) REFERENCES classes (id) ON DELETE CASCADE,
        UNIQUE (token)
    )""",
    "CREATE INDEX students_by_class ON students (class_id)",
    """CREATE TABLE variants (
        student_id INTEGER NOT NULL,
        exercise_id VARCHAR(64) NOT NULL,
        seed INTEGER NOT NULL,
        PRIMARY KEY (student_id, exercise_id),
        FOREIGN KEY(student_id) REFERENCES students (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX answers_by_student ON answers (class_id, session_id)",
)
