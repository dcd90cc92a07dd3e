"""The real `mission` command in a child process under resource limits, for the tests that
reproduce a memory or time blow-up: a regression fails the test (a `MemoryError`, the
kernel's refusal, the timeout) instead of exhausting the machine the suite shares."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

MEMORY = 512 * 1024 * 1024  # bytes of address space
SECONDS = 60  # of wall-clock time (and as much CPU)


def run_limited(*args: str, cwd: Path, memory: int = MEMORY, seconds: int = SECONDS,
                stdin: str | Path | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m mission ARGS` with at most `memory` bytes of address space and `seconds`
    of CPU, stopped after `seconds` of wall-clock time (`subprocess.TimeoutExpired`);
    `stdin` is text to send, or a file to read standard input from."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))

    from tests.conftest import ROOT

    command = [sys.executable, "-m", "mission", *args]
    environment = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    if isinstance(stdin, Path):
        with open(stdin, "rb") as source:
            return subprocess.run(command, cwd=cwd, env=environment, stdin=source,
                                  capture_output=True, text=True, timeout=seconds,
                                  preexec_fn=limit, check=False)
    return subprocess.run(command, cwd=cwd, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=seconds, preexec_fn=limit,
                          check=False)
