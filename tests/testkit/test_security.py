"""Test files from an untrusted repository (docs/security.md, "Test files"): what they name
is read only when it is a mission or a JSON file, within bounds, and checking or testing
runs none of the project's code unless a case says `real`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

SECRET = "hunter2-TOKEN-0xDEADBEEF"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "custom_ops", project)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"mission {SECRET} {{\n", encoding="utf-8")
    secret.chmod(0o600)
    return project


def test_a_file_that_is_not_a_mission_or_json_is_never_read(project: Path) -> None:
    (project / "leak_test.mission").write_text(
        'tests "../secret.txt" {\n    test "t" {\n        expect succeeded\n    }\n}\n',
        encoding="utf-8")
    (project / "state_test.mission").write_text(
        'tests "publish_note.mission" {\n    test "t" {\n        param title = "x"\n'
        '        state from "../secret.txt"\n        expect succeeded\n    }\n\n'
        '    replay "../secret.txt"\n}\n', encoding="utf-8")
    for command in (("check", "."), ("test", "."), ("test", ".", "--format", "json")):
        done = run_cli(*command, cwd=project)
        assert done.returncode == 1, done.stdout + done.stderr
        assert SECRET not in done.stdout + done.stderr
        if command[0] == "check":
            assert "error[E060]: cannot read the mission `../secret.txt`: not a `.mission` " \
                   "file, so it is not read" in done.stdout
            assert "a state file is a `.json` file; `../secret.txt` is not read" in done.stdout
            assert "a receipt is a `.json` file; `../secret.txt` is not read" in done.stdout


def test_a_state_file_is_read_within_bounds(project: Path) -> None:
    os.symlink("/dev/zero", project / "zero.json")
    (project / "zero_test.mission").write_text(
        'tests "publish_note.mission" {\n    test "t" {\n        param title = "x"\n'
        '        state from "zero.json"\n        expect succeeded\n    }\n}\n', encoding="utf-8")
    done = run_cli("check", "zero_test.mission", cwd=project, timeout=60)
    assert done.returncode == 1
    assert "cannot use the state file `zero.json`: larger than the limit" in done.stdout


def test_checking_and_testing_run_no_project_code_unless_a_case_says_real(
        project: Path) -> None:
    marker = project / "imported.txt"
    code = project / "release_ops.py"
    code.write_text(code.read_text(encoding="utf-8") + "\n\nimport pathlib\n"
                    f"pathlib.Path({str(marker)!r}).write_text('imported')\n", encoding="utf-8")
    assert run_cli("check", ".", cwd=project).returncode == 0
    done = run_cli("test", ".", cwd=project)
    assert done.returncode == 0, done.stdout
    assert not marker.exists()
    (project / "real_test.mission").write_text(
        'tests "publish_note.mission" {\n    test "the real name" {\n        param title = '
        '"Release 2.0!"\n        real make_name\n        expect waiting approve\n'
        '        expect state.name == "release-2-0"\n    }\n}\n', encoding="utf-8")
    done = run_cli("test", "real_test.mission", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert marker.exists()  # imported in the confined child that ran `slugify`
