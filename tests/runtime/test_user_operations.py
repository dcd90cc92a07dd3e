"""A project's own operations in the engine: bound per run before the first step, pure
ones recomputed on replay (a divergence is caught), effects in a time-limited child
process with their attempts journaled, and whatever user code raises is a failed step."""

from __future__ import annotations

import copy
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler import compile_source
from compiler.config import parse_config
from runtime.orchestration.engine import Orchestrator
from runtime.orchestration.model import (
    ExecutionContext,
    ImplementationError,
    ReplayError,
    WorkflowDefinition,
)
from runtime.records import RunRecord
from runtime.user_code import Effects, UserEffects, declared_operations
from runtime.verify import verify

OPERATIONS = {
    "shout": {"kind": "pure", "params": {"text": "str"}, "result": "str",
              "doc": "Upper case.", "implementation": "shouting:shout"},
    "stamp": {"kind": "effect", "params": {"text": "str"}, "result": "str",
              "doc": "Writes a file.", "implementation": "shouting:stamp", "timeout": 5},
}
PURE = """mission loud "Shout a word" {
    version 1
    param word: str
    runtime a "Shout" {
        shout(text: param.word) -> state.loud
    }
}
"""


def compiled(text: str, root: Path, operations: dict[str, Any] | None = None
             ) -> WorkflowDefinition:
    config = parse_config({"operations": operations or OPERATIONS}, "mission.toml", str(root),
                          str(root / "mission.toml"))
    result = compile_source(text, str(root / "m.mission"), config=config)
    assert result.workflow is not None, [d.message for d in result.diagnostics]
    return result.workflow


def run(workflow: WorkflowDefinition, implementations: dict[str, Callable[..., Any]] | None,
        **context: Any) -> Any:
    return Orchestrator().run_workflow(workflow, ExecutionContext(
        params=context.pop("params", {"word": "hi"}), implementations=implementations,
        **context))


def test_one_plan_binds_each_run_s_own_implementation(tmp_path: Path) -> None:
    plan = Orchestrator().prepare(compiled(PURE, tmp_path))
    first = plan.run(ExecutionContext(params={"word": "hi"},
                                      implementations={"shout": lambda text: text.upper()}))
    second = plan.run(ExecutionContext(params={"word": "hi"},
                                       implementations={"shout": lambda text: text + "!"}))
    assert (first.final_state, second.final_state) == ({"loud": "HI"}, {"loud": "hi!"})
    assert first.journal == {"a": {"operation": "shout", "request": {"text": "hi"},
                                   "result": "HI"}}


@pytest.mark.parametrize(("given", "words"), [
    (None, "uses the project operation 'shout' (implemented by `shouting:shout`), and no "
           "implementation was given"),
    ({"shout": lambda words: words}, "does not match its declaration (text): it has a "
                                     "parameter `words` that is not declared; it has no "
                                     "parameter `text`"),
    ({"shout": lambda text, /: text}, "its parameter `text` is positional-only"),
    ({"shout": "not code"}, "is the str 'not code', not a function"),
])
def test_a_missing_or_mismatched_implementation_is_refused_before_the_first_step(
        tmp_path: Path, given: Any, words: str) -> None:
    called: list[str] = []
    flow = compiled(PURE.replace("runtime a", 'runtime first "Log" {\n        append(to: '
                                 'state.log, value: 1)\n    }\n    runtime a'), tmp_path)
    with pytest.raises(ImplementationError) as refused:
        run(flow, given, ask=lambda question: called.append("asked"))
    assert words in str(refused.value)
    assert called == []


def test_an_implementation_that_raises_fails_its_step_with_the_message(tmp_path: Path) -> None:
    def shout(text: str) -> str:
        raise ValueError(f"cannot shout {text!r}")

    result = run(compiled(PURE, tmp_path), {"shout": shout})
    assert (result.status, result.failed_step_id) == ("failed", "a")
    assert result.error_message == "Step 'a' failed: `shout` raised ValueError: cannot shout 'hi'"
    assert "Traceback" not in result.error_message


def test_an_implementation_that_exits_fails_its_step(tmp_path: Path) -> None:
    def shout(text: str) -> str:
        sys.exit(3)

    result = run(compiled(PURE, tmp_path), {"shout": shout})
    assert result.error_message == "Step 'a' failed: `shout` raised SystemExit: 3"


def test_a_result_of_the_wrong_type_fails_the_step(tmp_path: Path) -> None:
    result = run(compiled(PURE, tmp_path), {"shout": lambda text: len(text)})
    assert result.error_message == ("Step 'a' failed: `shout` returned the int 2, but it is "
                                    "declared to return a string (str)")


def test_a_pure_operation_that_changes_its_answer_is_caught_on_replay(tmp_path: Path) -> None:
    workflow = compiled(PURE, tmp_path)
    calls = iter(["HI", "HI?"])
    implementations = {"shout": lambda text: next(calls)}
    context = ExecutionContext(params={"word": "hi"}, implementations=implementations)
    result = Orchestrator().run_workflow(workflow, context)
    record = RunRecord.of("loud", workflow, context, result)
    [mismatch] = verify(record, workflow, implementations)
    assert mismatch.what == "replay"
    assert ("the pure operation 'shout' is not deterministic: the recorded run gave 'HI', "
            "the replay computes 'HI?'") in mismatch.detail
    assert verify(record, workflow, {"shout": lambda text: text.upper()}) == []


def test_a_journal_entry_for_a_pure_step_must_have_its_shape(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=re.escape("must be a map {operation: 'shout'")):
        run(compiled(PURE, tmp_path), {"shout": lambda text: text}, journal={"a": {"result": "X"}})


# -- effects: a real child process per attempt ------------------------------------------

EFFECT = """mission stamped "Stamp a file" {
    version 1
    param word: str
    runtime a "Stamp" {
        stamp(text: param.word, timeout: TIMEOUT, retry: RETRY) -> state.stamped
    }
}
"""
CODE = """
import os, pathlib, time

def shout(text):
    return text.upper()

def stamp(text):
    tries = pathlib.Path("tries")
    tries.write_text(tries.read_text() + "x" if tries.exists() else "x")
    if text == "slow":
        time.sleep(30)
    if text == "flaky" and len(tries.read_text()) < 2:
        raise OSError("the disk is busy")
    if text == "broken":
        raise RuntimeError("always broken")
    if text == "peek":
        print('{"result": "forged"}')
        return f"secret={os.environ.get('MISSION_TEST_SECRET')}"
    pathlib.Path("stamp.txt").write_text(text)
    return f"stamped {text} in {os.getpid()}"
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "shouting.py").write_text(textwrap.dedent(CODE), encoding="utf-8")
    yield tmp_path
    sys.modules.pop("shouting", None)


def effect_run(project: Path, word: str, timeout: int = 5, retry: int = 0,
               **context: Any) -> tuple[WorkflowDefinition, Any]:
    text = EFFECT.replace("TIMEOUT", str(timeout)).replace("RETRY", str(retry))
    workflow = compiled(text, project)
    runner = Effects(UserEffects(declared_operations(workflow), project))
    result = run(workflow, {"stamp": lambda text: None}, effects=runner,
                 params={"word": word}, **context)
    return workflow, result


def test_an_effect_runs_in_a_child_process_in_the_project(project: Path) -> None:
    _, result = effect_run(project, "ok")
    assert result.status == "succeeded"
    assert (project / "stamp.txt").read_text() == "ok"
    assert result.final_state["stamped"].startswith("stamped ok in ")
    assert result.final_state["stamped"] != f"stamped ok in {__import__('os').getpid()}"
    assert result.journal["a"]["attempts"] == [{"ok": True}]


def test_an_effect_sees_no_secret_and_its_prints_are_not_its_result(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISSION_TEST_SECRET", "hunter2")
    _, result = effect_run(project, "peek")
    assert result.final_state["stamped"] == "secret=None"


def test_retries_are_journaled_and_a_replay_runs_nothing(project: Path) -> None:
    workflow, result = effect_run(project, "flaky", retry=2)
    assert result.status == "succeeded"
    entry = result.journal["a"]
    assert entry["attempts"] == [{"error": "`stamp` raised OSError: the disk is busy"},
                                 {"ok": True}]
    assert entry["request"] == {"retry": 2, "text": "flaky", "timeout": 5}
    (project / "tries").unlink()
    replayed = run(workflow, None, params={"word": "flaky"}, journal=copy.deepcopy(
        result.journal))
    assert replayed.final_state == result.final_state
    assert not (project / "tries").exists()


def test_an_effect_that_always_fails_fails_its_step_after_every_attempt(project: Path) -> None:
    _, result = effect_run(project, "broken", retry=1)
    assert result.error_message == ("Step 'a' failed: `stamp` raised RuntimeError: always "
                                    "broken (after 2 attempts)")
    assert (project / "tries").read_text() == "xx"


def test_an_effect_past_its_timeout_is_stopped(project: Path) -> None:
    _, result = effect_run(project, "slow", timeout=1)
    assert result.error_message == "Step 'a' failed: `stamp` did not finish within 1 s and " \
                                   "was stopped"


def test_timeout_and_retry_out_of_bounds_fail_the_step(project: Path) -> None:
    _, result = effect_run(project, "ok", retry=9)
    assert result.error_message == "Step 'a' failed: `retry` must be from 0 to 5, found 9"
    assert not (project / "tries").exists()


@pytest.mark.parametrize("declared", [
    [], {"shout": []}, {"shout": {"kind": "pure"}}, {"set": OPERATIONS["shout"]},
    {"shout": {**OPERATIONS["shout"], "params": {"text": "str"}, "order": ["text", "text"]}},
    {"shout": {**OPERATIONS["shout"], "params": {"text": {"type": "str", "extra": 1}}}},
    {"shout": {**OPERATIONS["shout"], "implementation": "os.system"}},
    {"shout": {**OPERATIONS["shout"], "timeout": 0}},
    {"shout": {**OPERATIONS["shout"], "order": "text"}},
])
def test_malformed_declarations_in_a_workflow_are_refused_not_crashed_on(
        tmp_path: Path, declared: Any) -> None:
    from runtime.orchestration.model import EnvelopeViolation

    data = compiled(PURE, tmp_path).to_dict()
    data["metadata"]["operations"] = declared
    with pytest.raises(EnvelopeViolation, match="Workflow 'wf-loud': "):
        run(WorkflowDefinition.from_dict(data), {"shout": str.upper})


NULLABLE = {
    "lookup": {"kind": "pure", "params": {"key": "str?", "hint": {"type": "str",
                                                                   "optional": True}},
               "result": "map?", "doc": "Find a record.", "implementation": "records:lookup"},
}


def test_a_declared_type_with_a_question_mark_may_be_null_and_is_checked_so(
        tmp_path: Path) -> None:
    text = """mission find "Find" {
    version 1
    param key: str? = null
    runtime a "Find it" {
        lookup(key: param.key) -> state.found
    }
    runtime b "Name it" when state.found != null {
        set(at: state.name, value: state.found.name ?? "unnamed")
    }
}
"""
    workflow = compiled(text, tmp_path, NULLABLE)
    declared = workflow.metadata["operations"]["lookup"]
    assert declared["params"]["key"] == {"type": "str?"} and declared["result"] == "map?"
    found = run(workflow, {"lookup": lambda key, hint=None: None if key is None else
                           {"name": key}}, params={})
    assert found.success and found.final_state == {"found": None}
    named = run(workflow, {"lookup": lambda key, hint=None: {"name": key}},
                params={"key": "ana"})
    assert named.final_state == {"found": {"name": "ana"}, "name": "ana"}
    wrong = run(workflow, {"lookup": lambda key, hint=None: "ana"}, params={"key": "ana"})
    assert not wrong.success and "declared to return a map or null (map?)" in str(
        wrong.error_message)


def test_a_nullable_parameter_must_still_be_given_and_e012_says_how_to_make_it_omittable(
        tmp_path: Path) -> None:
    config = parse_config({"operations": NULLABLE}, "mission.toml", str(tmp_path),
                          str(tmp_path / "mission.toml"))
    text = PURE.replace("shout(text: param.word)", "lookup(hint: param.word)")
    (error,) = compile_source(text, str(tmp_path / "m.mission"), config=config).errors
    assert error.code == "E012" and error.message == "`lookup` needs the argument `key`"
    assert error.help[-1] == ('`key` is declared "str?": a str or null, which must still be '
                              'given; to let calls leave it out, declare it { type = "str?", '
                              "optional = true }")
    null_given = PURE.replace("shout(text: param.word)", "lookup(key: null)")
    assert compile_source(null_given, str(tmp_path / "m.mission"), config=config).errors == ()
