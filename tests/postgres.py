"""A throw-away PostgreSQL cluster for the class-store tests, started from Debian's packages (STREAMLIT_NOTES
"Services for tests"): one per test session, one fresh database per test.

A test module loads this as a plugin, ``pytest_plugins = ["postgres"]``, and takes its fixtures by name:
``pg_cluster`` and ``new_pg_database``. Then every module shares one cluster (a fixture imported into two modules
is two fixtures, so two clusters; and a module imported before it is loaded as a plugin is not assert-rewritten).
Without ``initdb`` the tests that need it are skipped, except in CI (``RNN_LAB_REQUIRE_BROWSER``), where that is a
failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, bin_dir: Path):
        self.bin, self.port = bin_dir, _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rnnlab-pg-"))
        self.as_root = os.geteuid() == 0  # PostgreSQL refuses to run as root: run it as "postgres"

    def _run(self, *args: str) -> None:
        cmd = " ".join(args)
        full = ["su", "postgres", "-c", cmd] if self.as_root else ["sh", "-c", cmd]
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def init(self) -> None:
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        self._run(str(self.bin / "initdb"), "-D", f"{self.dir}/data", "-A", "trust", "-U", "rnnlab")

    def start(self) -> None:
        # fsync off: a test stops the server or kills a client, never the machine, and each new database (tens per
        # run) is otherwise flushed to disk, at creation and again at shutdown, on a machine the whole suite shares.
        opts = f"'-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off'"
        self._run(
            str(self.bin / "pg_ctl"), "-D", f"{self.dir}/data", "-o", opts, "-l", f"{self.dir}/log", "-w", "start"
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://rnnlab@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="session")
def pg_cluster():
    bin_dir = _pg_bin()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        bin_dir = None
    if bin_dir is None:
        if os.environ.get("RNN_LAB_REQUIRE_BROWSER"):
            pytest.fail("PostgreSQL (Debian's postgresql) or psycopg is missing, and CI requires it")
        pytest.skip("PostgreSQL is not installed here")
    cluster = PgCluster(bin_dir)
    cluster.init()
    cluster.start()
    yield cluster
    try:
        cluster.stop()
    finally:
        shutil.rmtree(cluster.dir, ignore_errors=True)


@pytest.fixture
def new_pg_database(pg_cluster):
    """Makes new, empty databases in the session's cluster: each call returns one's URL."""
    return lambda: fresh_pg_database(pg_cluster)


def fresh_pg_database(cluster: PgCluster) -> str:
    """The URL of a new, empty database in ``cluster``."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return cluster.url(name)
