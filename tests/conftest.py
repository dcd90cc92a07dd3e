"""Shared helpers: run the real `mission` command in a subprocess.

Every test, and every `mission` subprocess a test starts, gets its own data, cache and config
homes in a temporary directory (set here, before any test runs): the suite never reads or
writes the user's run store (`~/.local/share/mission`), check cache or parser cache. At the
end of the session the real store is compared with what it was at the start, and the session
fails if a test touched it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOMES = ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")
ISOLATED = Path(tempfile.mkdtemp(prefix="mission-tests-"))
# The user's own run store, as `mission` would find it without the isolation below.
REAL_STORE = (Path(os.environ["XDG_DATA_HOME"]) if os.path.isabs(os.environ.get(
    "XDG_DATA_HOME", "")) else Path.home() / ".local" / "share") / "mission" / "runs.sqlite3"


def _fingerprint(path: Path) -> tuple[object, ...]:
    """What a write to the store (or its WAL files) would change."""
    stamps: list[object] = []
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        try:
            status = name.stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((status.st_size, status.st_mtime_ns, status.st_ino))
    return tuple(stamps)


REAL_STORE_BEFORE = _fingerprint(REAL_STORE)
for _name in HOMES:
    os.environ[_name] = str(ISOLATED / _name.lower())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(ISOLATED, ignore_errors=True)
    if _fingerprint(REAL_STORE) != REAL_STORE_BEFORE:
        print(f"\nthe test session wrote into the user's run store {REAL_STORE}",
              file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m mission ARGS` in a subprocess, as a user would run `mission ARGS`."""
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mission", *args], cwd=cwd or ROOT, env=environment,
        input=stdin, capture_output=True, text=True, timeout=timeout, check=False,
    )


@pytest.fixture
def cli() -> object:
    return run_cli
