"""The test suite never touches the user's own run store, caches or config (issue 13, point 4):
`tests/conftest.py` gives every test and every `mission` process temporary homes."""

from __future__ import annotations

import os
from pathlib import Path

from runtime.store import default_path
from tests import conftest
from tests.conftest import run_cli


def test_every_home_points_into_the_temporary_directory() -> None:
    for name in conftest.HOMES:
        assert Path(os.environ[name]).is_relative_to(conftest.ISOLATED), name
    assert default_path().is_relative_to(conftest.ISOLATED)
    assert default_path() != conftest.REAL_STORE


def test_a_stored_run_lands_in_the_temporary_store_and_the_real_one_is_untouched() -> None:
    done = run_cli("run", "examples/survey.mission", "--no-input")
    assert done.returncode == 3, done.stderr
    stored = default_path()
    assert "stored as run " in done.stdout and f" in {stored}" in done.stdout
    listed = run_cli("runs")
    assert listed.stdout.splitlines()[0] == f"Runs in {stored}, newest first:"
    assert conftest._fingerprint(conftest.REAL_STORE) == conftest.REAL_STORE_BEFORE
