"""A real, throwaway PostgreSQL server for the tests: `initdb` + `pg_ctl` in a temp dir.

The cluster belongs to an unprivileged user (the current one; as root, `nobody` through
`runuser`, since PostgreSQL refuses to run as root), listens on a free loopback port,
keeps its socket in its own directory, and asks for a password over TCP (scram-sha-256),
so the tests also see a URL that carries a secret. `fsync` is off for the tests (they
kill clients, never the server) and on for `bench/stores.py`. Where PostgreSQL is not
installed, `find_bin` says so and the tests that need it are skipped with that reason
(`.ci/run` installs it).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "mission"
BINARIES = ("initdb", "pg_ctl")


def find_bin() -> Path | str:
    """The directory of `initdb` and `pg_ctl`, or why there is none."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(path) for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                                 key=lambda path: int(path.split("/")[-2]),
                                                 reverse=True)]
    for directory in candidates:
        if all((directory / name).is_file() for name in BINARIES):
            return directory
    return ("PostgreSQL is not installed (no initdb/pg_ctl on PATH or in "
            "/usr/lib/postgresql/*/bin); `.ci/run` installs Debian's `postgresql` package")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One running PostgreSQL server; `url(database)` connects to it with a password."""

    def __init__(self, bin_dir: Path, fsync: bool = False) -> None:
        self.bin_dir = bin_dir
        self.password = "pw-" + secrets.token_hex(12)
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="mission-pg-"))
        self.data = self.root / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="nobody")
            self._as = ["runuser", "-u", "nobody", "--"]
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n", encoding="utf-8")
        if self._as:
            shutil.chown(password_file, user="nobody")
        self._run("initdb", "-D", str(self.data), "-U", USER, "--pwfile", str(password_file),
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                  "--no-sync")
        password_file.unlink()
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c fsync={'on' if fsync else 'off'} -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                  "-w", "-t", "60", "start")

    def _run(self, tool: str, *arguments: str) -> None:
        done = subprocess.run([*self._as, str(self.bin_dir / tool), *arguments],
                              capture_output=True, text=True, check=False, cwd=self.root,
                              stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            log = self.root / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr}{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"'.encode())
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
