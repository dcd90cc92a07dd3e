"""What `mission check` accepts must run, be stored, resume and verify (issue 15, item 1)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compiler.limits import DEFAULT_LIMITS, PATH_CEILING
from tests.conftest import run_cli


def _mission(parts: int, depth: int) -> str:
    path = "state" + ".a" * parts
    value = "[" * depth + "1" + "]" * depth
    return ("mission deep \"Deep\" {\n    version 1\n"
            f"    runtime put \"Put\" {{\n        set(at: {path}, value: {value})\n    }}\n"
            "    human ask \"Ask\" {\n        confirm(\"Go on?\") -> state.go\n    }\n}\n")


def test_a_state_path_over_the_limit_is_e023_not_a_broken_run(tmp_path: Path) -> None:
    # The repro: 150 parts used to pass `check`, then break the run or the store.
    source = tmp_path / "deep.mission"
    source.write_text(_mission(150, 0), encoding="utf-8")
    checked = run_cli("check", str(source))
    assert checked.returncode == 1
    assert "E023" in checked.stdout and "this path has 150 parts after `state.`, over the " \
        f"limit of {PATH_CEILING}" in checked.stdout


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.integers(1, PATH_CEILING), depth=st.integers(0, DEFAULT_LIMITS.max_depth))
@example(parts=PATH_CEILING, depth=DEFAULT_LIMITS.max_depth)
def test_what_check_accepts_runs_stores_resumes_and_verifies(parts: int, depth: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "deep.mission"
        store = str(Path(scratch) / "runs.db")
        source.write_text(_mission(parts, depth), encoding="utf-8")
        assert run_cli("check", str(source)).returncode == 0
        ran = run_cli("run", str(source), "--no-input", "--store", store)
        assert ran.returncode == 3, ran.stderr
        listed = run_cli("runs", "--store", store)
        assert listed.returncode == 0 and "damaged" not in listed.stdout, listed.stdout
        resumed = run_cli("resume", "1", "--answer", "ask=yes", "--store", store)
        assert resumed.returncode == 0, resumed.stderr
        verified = run_cli("verify", "1", "--store", store)
        assert verified.returncode == 0, verified.stdout + verified.stderr
