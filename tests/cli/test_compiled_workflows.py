"""A compiled workflow from outside is checked once, and what the engine accepts is stored,
listed, resumed and verified (issue 15: item 1's engine side, and the lower list)."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compiler import compile_source
from compiler.limits import DEPTH_CEILING, PATH_CEILING
from mission.cli import main as mission_main
from runtime.bounds import MAX_DEPTH, MAX_EXPRESSION_DEPTH, MAX_PATH_PARTS
from runtime.orchestration.model import WorkflowDefinition, content_hash
from tests.conftest import ROOT, run_cli

MISSION = ('mission deep "Deep" {\n    version 1\n    runtime put "Put" {\n'
           '        set(at: state.a, value: 1)\n    }\n'
           '    human ask "Ask" {\n        confirm("Go on?") -> state.go\n    }\n}\n')


def mission_cli(*args: str) -> tuple[int, str, str]:
    """The real `mission` command, in this process (the hypothesis test runs it often)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = mission_main(list(args))
    return code, out.getvalue(), err.getvalue()


def compiled() -> dict[str, Any]:
    result = compile_source(MISSION, "deep.mission")
    assert result.workflow is not None
    return result.workflow.to_dict()


def sealed(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the content hash it would have if `mission compile` had written it (none
    when it is not even a workflow)."""
    with contextlib.suppress(ValueError):
        data["metadata"]["content_hash"] = content_hash(WorkflowDefinition.from_dict(data))
    return data


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def written(parts: int, depth: int) -> dict[str, Any]:
    """The mission, hand-edited to write a value `depth` levels deep at a `parts`-part path."""
    data = compiled()
    data["steps"][0]["payload"]["args"] = {"at": {"ref": "state" + ".a" * parts},
                                           "value": {"lit": nested(depth)}}
    return sealed(data)


def test_the_compiler_and_the_engine_share_their_bounds() -> None:
    assert (PATH_CEILING, DEPTH_CEILING) == (MAX_PATH_PARTS, MAX_EXPRESSION_DEPTH)
    # The deepest expression allowed compiles to two JSON levels a level, inside `args`.
    assert 2 + 2 * MAX_EXPRESSION_DEPTH + 1 <= MAX_DEPTH


@pytest.mark.parametrize("parts", [MAX_PATH_PARTS + 1, 150, 500])
def test_a_hand_written_path_over_the_bound_is_refused_before_running(
        parts: int, tmp_path: Path) -> None:
    # 150 parts used to be stored as a run that listed as damaged; 500 a RecursionError.
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(written(parts, 0)), encoding="utf-8")
    code, _, err = mission_cli("run", str(path), "--no-input", "--store",
                               str(tmp_path / "runs.db"))
    assert code == 2, err
    assert f"has {parts} parts after `state.`, over the limit of {MAX_PATH_PARTS}" in err
    assert not (tmp_path / "runs.db").exists()


def test_a_write_that_would_nest_the_state_too_deep_fails_the_step_by_name(
        tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(json.dumps(written(10, MAX_DEPTH - 9)), encoding="utf-8")
    code, out, err = mission_cli("run", str(path), "--no-input", "--json", "--store",
                                 str(tmp_path / "runs.db"))
    assert code == 1, err
    result = json.loads(out)
    assert result["failed_step_id"] == "put"
    assert ("cannot write `state.a.a.a.a.a.a.a.a.a.a`: the value would nest the state more "
            f"than {MAX_DEPTH} levels deep (its path takes 10, the value more than "
            f"{MAX_DEPTH - 10})") in result["error_message"]


def deep_state(depth: int) -> Any:
    state: Any = {"n": 1}
    for _ in range(depth - 1):
        state = {"n": state}
    return state


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.integers(1, MAX_PATH_PARTS + 2), depth=st.integers(0, MAX_DEPTH + 2),
       state_depth=st.integers(1, MAX_DEPTH + 1))
@example(parts=MAX_PATH_PARTS, depth=MAX_DEPTH - MAX_PATH_PARTS - 1, state_depth=MAX_DEPTH)
@example(parts=1, depth=MAX_DEPTH - 2, state_depth=1)
def test_what_the_engine_accepts_stores_lists_resumes_and_verifies(
        parts: int, depth: int, state_depth: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path, store = Path(scratch) / "deep.json", str(Path(scratch) / "runs.db")
        state = Path(scratch) / "state.json"
        path.write_text(json.dumps(written(parts, depth)), encoding="utf-8")
        state.write_text(json.dumps(deep_state(state_depth)), encoding="utf-8")
        code, _, err = mission_cli("run", str(path), "--no-input", "--store", store,
                                   "--state", str(state), "--receipt",
                                   str(Path(scratch) / "receipt.json"))
        if code == 2:  # refused before running, saying why
            assert "over the limit" in err or "levels deep" in err, err
            return
        if code == 1:  # the write failed, by name; nothing waits
            assert "the value would nest the state more than" in err, err
            return
        assert code == 3, err
        code, out, err = mission_cli("runs", "--store", store)
        assert code == 0 and "waiting" in out and "damaged" not in out, out + err
        code, _, err = mission_cli("resume", "1", "--answer", "ask=yes", "--store", store)
        assert code == 0, err
        code, out, err = mission_cli("verify", "1", "--store", store)
        assert code == 0, out + err
        code, out, err = mission_cli("verify", str(Path(scratch) / "receipt.json"),
                                     "--workflow", str(path))
        assert code == 0, out + err


def edited(change: Callable[[dict[str, Any]], object], reseal: bool) -> dict[str, Any]:
    data = compiled()
    change(data)
    return sealed(data) if reseal else data


@pytest.mark.parametrize(("change", "reseal", "message"), [
    (lambda d: d["metadata"].pop("content_hash"), False,
     "`metadata.content_hash` is missing; compile the .mission file again"),
    (lambda d: d["metadata"].update(content_hash="0" * 64), False,
     "`metadata.content_hash` is all zeros, a placeholder"),
    (lambda d: d["metadata"].update(content_hash="x"), False,
     "`metadata.content_hash` must be 64 lowercase hex digits"),
    (lambda d: d["steps"][0]["payload"]["args"].update(value={"lit": 2}), False,
     "`metadata.content_hash` is stale: the file says"),
    (lambda d: d["steps"][0].update(id=""), True, "Step #1 has an empty id"),
    (lambda d: d["metadata"].update(schema_version=3), True,
     "`metadata.schema_version` is 3, but this `mission` reads compiled-workflow schema "
     "version 1"),
    (lambda d: d["metadata"].update(language_version=99), True,
     "`metadata.language_version` is 99, but this `mission` reads language version 1"),
    (lambda d: d["metadata"].pop("language_version"), True,
     "`metadata.language_version` is missing"),
    (lambda d: d["metadata"].update(declarations="a"), True,
     "metadata.declarations must be a map"),
])
def test_a_compiled_workflow_is_checked_when_loaded(change: Callable[[dict[str, Any]], object],
                                                    reseal: bool, message: str,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(edited(change, reseal)), encoding="utf-8")
    for command in ("run", "graph"):
        code, _, err = mission_cli(command, str(path), "--store", str(tmp_path / "runs.db")) \
            if command == "run" else mission_cli(command, str(path))
        assert code == 2, err
        assert f"{path}: not a usable compiled workflow: {message}" in err, err


def test_a_compiled_workflow_as_written_by_compile_runs_and_draws(tmp_path: Path) -> None:
    path = tmp_path / "fresh.json"
    path.write_text(json.dumps(compiled()), encoding="utf-8")
    assert mission_cli("run", str(path), "--answer", "ask=yes", "--store",
                       str(tmp_path / "runs.db"))[0] == 0
    assert mission_cli("graph", str(path))[0] == 0


def test_a_key_with_an_escaped_surrogate_and_bytes_that_are_not_utf8_is_named(
        tmp_path: Path) -> None:
    # Found by `python -m fuzz workflow --seed 15`: a UnicodeEncodeError while naming it.
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"\\ud800\xff": 1}')
    code, _, err = mission_cli("run", str(path), "--store", str(tmp_path / "runs.db"))
    assert code == 2, err
    assert 'at `"\\ud800\\udcff"`: the string is not UTF-8 (byte 8)' in err


def test_time_rules_in_a_version_1_workflow_are_refused(tmp_path: Path) -> None:
    """A workflow whose human step says how long it waits is schema version 2: a version 1
    file with such rules was edited or made by hand, and is refused rather than guessed."""
    from compiler import compile_file

    workflow = compile_file(ROOT / "examples" / "expense_approval.mission").workflow
    assert workflow is not None and workflow.metadata["schema_version"] == 2
    data = workflow.to_dict()
    data["metadata"]["schema_version"] = 1
    path = tmp_path / "expense.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("run", str(path), "--param", "amount=1", "--param", "purpose=x",
                   "--no-input", "--store", str(tmp_path / "s.db"))
    assert done.returncode == 2
    assert "step 'approve' says how long it waits or who answers it, which " \
        "`metadata.schema_version` 1 cannot say (it takes 2)" in done.stderr
