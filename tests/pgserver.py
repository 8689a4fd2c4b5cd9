"""A throw-away PostgreSQL server on loopback, from Debian's ``postgresql`` package.

``initdb`` refuses to run as root, so when the tests run as root the server
runs as the ``postgres`` system user, in a temp dir that user owns. It
listens on a free 127.0.0.1 port and a socket in that dir, trusts local
connections (nothing else can reach it) and skips fsync: it is for tests.
Each test gets its own database, cloned from a migrated template.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Parametrize a module's database fixtures (conftest.py) with both:
# ``pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)``.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SERVICE_USER = "postgres"
START_SECONDS = 30


def unavailable(reason: str) -> None:
    """Skip without PostgreSQL, but never silently in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _bin_dir() -> Path:
    for candidate in PG_BIN_DIRS:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    raise AssertionError("unreachable")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    bin_dir: Path
    dir: Path
    port: int
    run_as: str | None  # the system user the server runs as; None: ourselves
    _names: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _command(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def start(self) -> PostgresServer:
        data = self.dir / "data"
        subprocess.run(
            self._command(str(self.bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        result = subprocess.run(
            self._command(str(self.bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "server.log"),
                          "-o", options, "-w", "-t", str(START_SECONDS), "start"),
            capture_output=True, text=True, timeout=START_SECONDS + 10,
        )  # fmt: skip
        if result.returncode != 0:
            log = (self.dir / "server.log").read_text(errors="replace") if (self.dir / "server.log").exists() else ""
            pytest.fail(f"PostgreSQL did not start: {result.stderr}\n{log}", pytrace=False)
        return self

    def stop(self) -> None:
        subprocess.run(
            self._command(str(self.bin_dir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop"),
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its SQLAlchemy URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres") as connection:
            connection.autocommit = True
            suffix = f" TEMPLATE {template}" if template else ""
            connection.execute(f"CREATE DATABASE {name}{suffix}")
        return self.url(name)


def _scratch() -> str:
    """Where the server keeps its files: in memory when there is room for them.

    Each test clones the template, some 300 files and 7.5 MB; on this shared
    machine's busy disk a clone took 0.15-0.3 s and deleting a session's
    hundred databases at the end up to 24 s, in /dev/shm 0.05 s and 1 s.
    """
    memory = Path("/dev/shm")
    try:
        if memory.is_dir() and os.access(memory, os.W_OK) and shutil.disk_usage(memory).free > 4 * 1024**3:
            return str(memory)
    except OSError:
        pass
    return "/tmp"


def start_postgres() -> PostgresServer:
    bin_dir = _bin_dir()
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            unavailable(f"running as root and there is no {SERVICE_USER!r} user for initdb")
        if shutil.which("runuser") is None:
            unavailable("running as root and runuser (util-linux) is missing")
        run_as = SERVICE_USER
    directory = Path(tempfile.mkdtemp(prefix="successbot-pg-", dir=_scratch()))
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    return PostgresServer(bin_dir, directory, _free_port(), run_as).start()
