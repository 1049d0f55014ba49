"""Version 2: short links for a projector. Frozen: databases in the field have run it.

    short_links(code primary key, target ≤ 4000 chars, created_at, expires_at)

``/?s=CODE`` opens ``target`` (a lesson's path and query string). The statements are the ones SQLAlchemy 2 emitted
for this table when it was created from it (commit 73caaf5).
"""

SQLITE = (
    """CREATE TABLE short_links (
        code VARCHAR(16) NOT NULL,
        target VARCHAR(4000) NOT NULL,
        created_at DOUBLE NOT NULL,
        expires_at DOUBLE NOT NULL,
        PRIMARY KEY (code)
    )""",
    "CREATE INDEX ix_short_links_expires_at ON short_links (expires_at)",
    "CREATE INDEX ix_short_links_target ON short_links (target)",
)

POSTGRESQL = (
    """CREATE TABLE short_links (
        code VARCHAR(16) NOT NULL,
        target VARCHAR(4000) NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        expires_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (code)
    )""",
    "CREATE INDEX ix_short_links_expires_at ON short_links (expires_at)",
    "CREATE INDEX ix_short_links_target ON short_links (target)",
)
