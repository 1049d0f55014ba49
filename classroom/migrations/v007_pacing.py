"""Version 7: where the teacher has taken the class (pacing). Frozen once shipped.

    classes.pace_lesson      the lesson the class is on (its page name); NULL while the teacher sets no pace
    classes.pace_section     the section of that lesson (its number, from 1)
    classes.paced_at         when the teacher last set or stopped the pace (the store's clock)

On the class's own row: every joined student's page asks for it every few seconds, and a read by the primary key
is the cheapest there is. Classes made before this version have no pace.
"""

SQLITE = (
    "ALTER TABLE classes ADD COLUMN pace_lesson VARCHAR(32)",
    "ALTER TABLE classes ADD COLUMN pace_section INTEGER",
    "ALTER TABLE classes ADD COLUMN paced_at DOUBLE",
)

POSTGRESQL = (
    "ALTER TABLE classes ADD COLUMN pace_lesson VARCHAR(32)",
    "ALTER TABLE classes ADD COLUMN pace_section INTEGER",
    "ALTER TABLE classes ADD COLUMN paced_at DOUBLE PRECISION",
)
