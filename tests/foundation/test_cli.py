"""The user's path through the CLI, in real subprocesses (issue 2, points 2-5)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

MISSIONS = Path(__file__).parent / "missions"


def test_check_examples_is_clean() -> None:
    done = run_cli("check", "examples")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert re.match(r"Checked \d+ files?", summary), summary
    assert "0 errors" in summary


@pytest.mark.parametrize(
    ("name", "code", "line", "column", "words"),
    [
        ("too_many_steps", "E003", 9, 5, "at most 5 steps"),
        ("too_many_human", "E004", 5, 5, "at most 2 human steps"),
        ("unknown_kind", "E005", 3, 5, "unknown step kind `automated`"),
        ("unknown_operation", "E006", 4, 27, "unknown operation `prioritise`"),
        ("duplicate_step", "E007", 4, 13, "step id `same` is used twice"),
        ("undeclared_param", "E008", 4, 60, "`param.mesage` is not a declared param"),
        ("undeclared_input", "E009", 3, 58, "`state.tasks` is read"),
        ("wrong_argument", "E010", 3, 33, "`append` has no argument `into`"),
        ("wrong_argument", "E011", 4, 53, "`limit` of `prioritize` must be int, not str"),
        ("unclosed_step", "E001", 5, 5,
         "expected `}` to close the step `first` that starts at 3:5"),
    ],
)
def test_check_reports_each_mistake(name: str, code: str, line: int, column: int,
                                    words: str) -> None:
    path = f"tests/foundation/missions/{name}.mission"
    done = run_cli("check", path)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert f"[{code}]" in done.stdout
    assert words in done.stdout
    assert f"{path}:{line}:{column}" in done.stdout


def test_compile_writes_canonical_json_with_metadata(tmp_path: Path) -> None:
    out = tmp_path / "daily_loop.json"
    done = run_cli("compile", "examples/daily_loop.mission", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
    assert data["id"] == "wf-daily-loop"
    assert [set(step) for step in data["steps"]] == [{"id", "kind", "payload"}] * 4
    metadata = data["metadata"]
    assert metadata["schema_version"] == 1
    assert metadata["declarations"]["params"]["top_n"] == {"type": "int", "default": 3,
                                                           "min": 1, "max": 10}
    assert metadata["declarations"]["inputs"]["tasks"] == {"type": "list", "default": []}
    source = (ROOT / "examples" / "daily_loop.mission").read_bytes()
    assert metadata["source"] == {"path": "examples/daily_loop.mission",
                                  "sha256": hashlib.sha256(source).hexdigest()}
    assert re.fullmatch(r"[0-9a-f]{64}", metadata["content_hash"])


def test_compile_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run_cli("compile", "examples/daily_loop.mission", "-o", str(first))
    run_cli("compile", "examples/daily_loop.mission", "-o", str(second),
            env={"PYTHONHASHSEED": "123"})
    assert first.read_bytes() == second.read_bytes()


def test_run_a_file_a_compiled_json_and_a_registered_name(tmp_path: Path) -> None:
    compiled = tmp_path / "echo.json"
    assert run_cli("compile", "examples/echo.mission", "-o", str(compiled)).returncode == 0
    outputs = []
    for target in ("examples/echo.mission", str(compiled), "echo"):
        done = run_cli("run", target, "--param", "message=hi", "--json")
        assert done.returncode == 0, done.stderr
        assert done.stdout == json.dumps(json.loads(done.stdout), indent=2, sort_keys=True) + "\n"
        result = json.loads(done.stdout)
        assert result["success"] is True and result["final_state"] == {"echo": "hi"}
        outputs.append(result)
    assert outputs[0]["receipt"]["workflow_hash"] == outputs[1]["receipt"]["workflow_hash"]


def test_run_with_state_file_and_failed_run_exit_code(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"tasks": [{"id": "t1"}]}), encoding="utf-8")
    done = run_cli("run", "daily_loop", "--param", "today=2026-11-24", "--state", str(state),
                   "--answer", "confirm_priorities=yes", "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["failed_step_id"] == "summarise_yesterday"
    assert "task `t1`" in result["error_message"]


def test_list_shows_the_registered_missions() -> None:
    done = run_cli("list")
    assert done.returncode == 0, done.stderr
    for name, workflow_id in (("daily_loop", "wf-daily-loop"), ("echo", "wf-echo"),
                              ("run_tests", "wf-run-tests")):
        assert re.search(rf"^{name}\s+{workflow_id}\s", done.stdout, re.MULTILINE)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "daily_loop", "--param", "today=2026-11-24", "--param", "top_n=many"],
         "param `top_n` must be a whole number"),
        (["run", "missing.mission"], "missing.mission: no such file"),
        (["run", "ech"], "did you mean `echo`?"),
        (["check", "no/such/dir"], "no such file or directory"),
        (["compile", "examples"], "is a directory"),
        (["run", "echo", "--param", "message"], "--param expects NAME=VALUE"),
        (["frobnicate"], "unknown command `frobnicate`"),
    ],
)
def test_usage_and_io_problems_exit_2_with_one_line(args: list[str], words: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["run", "echo", "--param", "nope=1"],
         "error: unknown param `nope`; declared: `message`"),
        (["run", "daily_loop"], "error: missing required param `today` (date)"),
        (["run", "daily_loop", "--param", "today=yesterday"],
         'error: param `today` must be a date like "2026-11-24", found the str \'yesterday\''),
        (["run", "daily_loop", "--param", "today=2026-11-24", "--param", "top_n=11"],
         "error: param `top_n` must be between 1 and 10, found 11"),
    ],
)
def test_engine_refusals_exit_2_in_the_compiler_s_layout(args: list[str], error: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.splitlines() == [
        error, "  = note: the engine refused the run (ParameterError); nothing was stored"]


def test_bad_state_files_exit_2(tmp_path: Path) -> None:
    cases = {
        "broken.json": ("{\"tasks\": [", "invalid JSON"),
        "list.json": ("[1, 2]", "must be a JSON object"),
        "dupe.json": ('{"a": 1, "a": 2}', "appears twice"),
        "nan.json": ('{"a": NaN}', "not a JSON number"),
    }
    for name, (text, words) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        done = run_cli("run", "echo", "--state", str(path))
        assert done.returncode == 2, name
        assert words in done.stderr and "Traceback" not in done.stderr
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"a": "\xff"}')
    done = run_cli("run", "echo", "--state", str(binary))
    assert done.returncode == 2 and "not UTF-8" in done.stderr


def test_directory_without_missions_exits_2(tmp_path: Path) -> None:
    done = run_cli("check", str(tmp_path))
    assert done.returncode == 2
    assert "no .mission files" in done.stderr


def test_waiting_run_exits_3() -> None:
    done = run_cli("run", "daily_loop", "--param", "today=2026-11-24")
    assert done.returncode == 3
    assert "confirm_priorities" in done.stderr
