"""Shared helpers: run the real `mission` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
