"""The engine: malformed workflows refused up front, guards, waiting, asking, effects, receipts."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from runtime.orchestration import (
    AnswerError,
    EnvelopeViolation,
    ExecutionContext,
    MissingEffectRunner,
    Orchestrator,
    ParameterError,
    StepSpec,
    WorkflowDefinition,
)
from runtime.orchestration.model import EffectError, ReplayError
from runtime.orchestration.registry import run_mission
from tests.runtime.builders import ref, step, workflow

RUN = Orchestrator().run_workflow


# -- malformed workflows are refused before any step ---------------------------------------


@pytest.mark.parametrize(("bad", "words"), [
    (step("s", "set", {"at": ref("state.x"), "value": {"op": "==", "args": [1]}}),
     "argument 'value' of 'set' is malformed: `==` takes 2 operands, found 1"),
    (step("s", "set", {"at": ref("state.x"), "value": {"op": "xor", "args": [1, 2]}}),
     "unknown operator the str 'xor'"),
    (step("s", "set", {"at": ref("state.x"), "value": {"ref": "env.HOME"}}),
     "`env.HOME` is not a reference of the form `param.NAME` or `state.NAME`"),
    (step("s", "set", {"at": ref("state.x"), "value": {"ref": "state..y"}}),
     "`state..y` is not a reference"),
    (step("s", "set", {"at": ref("state.x"), "value": [1, 2]}),
     'a list must be written {"list": [...]} or {"lit": [...]}'),
    (step("s", "set", {"at": ref("state.x"), "value": {"lit": 1, "ref": "state.y"}}),
     "an expression node has one of the keys lit, ref, list, map, op"),
    (step("s", "set", {"at": ref("state"), "value": 1}),
     "argument 'at' of 'set' is malformed: `state` is not a reference"),
    (step("s", "set", {"at": ref("param.x"), "value": 1}),
     "argument 'at' of 'set' must be a state path"),
    (step("s", "set", {"at": "state.x", "value": 1}),
     "argument 'at' of 'set' must be a state path"),
    (step("s", "summarize", {"tasks": {"lit": []}, "today": "2026-11-24"}, output="state."),
     "`output` must be a state path"),
    (step("s", "noop", when={"op": "not", "args": []}),
     "its `when` condition is malformed: `not` takes 1 operands, found 0"),
    (StepSpec("s", "runtime", {"operation": "set", "args": {"at": ref("state.x"),
                                                            "value": {"lit": {1, 2}}}}),
     "payload.args.value.lit: a set is not JSON data"),
    (step("s", "set", {"at": ref("state.x")}), "operation 'set' is missing argument 'value'"),
    (step("s", "set", {"at": ref("state.x"), "value": 1, "too": 2}),
     "operation 'set' has no argument 'too'"),
    (step("s", "confirm", {"prompt": "?"}), "is a runtime step and cannot use the human"),
])
def test_malformed_steps_are_refused(bad: StepSpec, words: str) -> None:
    flow = workflow(step("first", "set", {"at": ref("state.ran"), "value": True}), bad)
    with pytest.raises(EnvelopeViolation) as raised:
        RUN(flow, ExecutionContext())
    assert words in str(raised.value)


def test_deeply_nested_expressions_are_refused_without_recursion() -> None:
    expression: Any = True
    for _ in range(100_000):
        expression = {"op": "not", "args": [expression]}
    with pytest.raises(EnvelopeViolation, match="nested more than"):
        RUN(workflow(step("s", "noop", when=expression)), ExecutionContext())


@pytest.mark.parametrize(("declarations", "words"), [
    ({"n": {"type": "integer"}}, "metadata.declarations.params.n must be a map with a `type`"),
    ({"n": {"type": "str", "min": 1, "max": 2}}, "`min` and `max` are numbers, for a number type"),
    ({"n": {"type": "int", "default": "x"}}, "the default is not int"),
    ([], "metadata.declarations.params must be a map"),
])
def test_malformed_declarations_are_refused(declarations: Any, words: str) -> None:
    flow = WorkflowDefinition(id="w", metadata={"declarations": {"params": declarations}})
    with pytest.raises(EnvelopeViolation) as raised:
        RUN(flow, ExecutionContext(params={}))
    assert words in str(raised.value)


@pytest.mark.parametrize(("context", "error", "words"), [
    (ExecutionContext(initial_state={"s": {1, 2}}), ParameterError,
     "state.s: a set is not JSON data"),
    (ExecutionContext(params={"n": float("nan")}), ParameterError, "param.n: nan is not"),
    (ExecutionContext(answers={"nobody": "yes"}), AnswerError,
     "there is no human step 'nobody' to answer (human steps: 'h')"),
    (ExecutionContext(answers={"h": b"yes"}), AnswerError, "answers.h: a bytes is not JSON"),
    (ExecutionContext(journal={"h": {}}), ReplayError,
     "the journal has an entry for 'h', which is not a step with an effect"),
])
def test_contexts_that_do_not_fit_are_refused(context: ExecutionContext, error: type,
                                              words: str) -> None:
    flow = workflow(step("h", "confirm", {"prompt": "?"}, output="state.ok", kind="human"))
    with pytest.raises(error) as raised:
        RUN(flow, context)
    assert words in str(raised.value)


# -- guards ------------------------------------------------------------------------------------


def test_skipped_steps_are_recorded_in_lineage_and_receipt() -> None:
    flow = workflow(
        step("a", "set", {"at": ref("state.n"), "value": 1}),
        step("b", "set", {"at": ref("state.skipped"), "value": True},
             when={"op": ">", "args": [ref("state.n"), 5]}),
        step("c", "increment", {"at": ref("state.n")},
             when={"op": "<", "args": [ref("state.n"), 5]}),
    )
    result = RUN(flow, ExecutionContext())
    assert result.success and result.final_state == {"n": 2}
    assert result.lineage["executed_step_ids"] == ["a", "c"]
    assert result.lineage["skipped_step_ids"] == ["b"]
    assert [s["status"] for s in result.lineage["steps"]] == ["succeeded", "skipped", "succeeded"]
    assert result.receipt["skipped"] == ["b"]
    assert [link["status"] for link in result.receipt["chain"]] == ["succeeded", "skipped",
                                                                     "succeeded"]


def test_a_guard_that_is_not_a_boolean_fails_the_step() -> None:
    result = RUN(workflow(step("g", "noop", when=ref("state.n"))),
                 ExecutionContext(initial_state={"n": 1}))
    assert result.status == "failed"
    assert result.error_message == ("Step 'g' failed: its `when` condition must be true or "
                                    "false, found the int 1")


# -- human steps: waiting, answers, asking -------------------------------------------------------

SURVEY = workflow(
    step("prep", "set", {"at": ref("state.started"), "value": True}),
    step("score", "number", {"prompt": "Score?", "min": 0, "max": 10}, output="state.score",
         kind="human"),
    step("plan", "choose", {"prompt": "Plan?", "options": {"lit": ["a", "b"]},
                            "show": ref("state.score")}, output="state.plan", kind="human"),
)


def test_a_human_step_without_an_answer_waits() -> None:
    result = RUN(SURVEY, ExecutionContext())
    assert (result.status, result.success, result.waiting_step_id, result.failed_step_id) == \
        ("waiting", False, "score", None)
    assert result.final_state == {"started": True}
    assert result.question == {"step_id": "score", "type": "number", "prompt": "Score?",
                               "min": 0, "max": 10}
    assert result.lineage["steps"][-1] == {"id": "score", "status": "waiting"}
    second = RUN(SURVEY, ExecutionContext(answers={"score": "7"}))
    assert second.waiting_step_id == "plan" and second.answers == {"score": 7}
    assert second.question is not None and second.question["show"] == 7
    done = RUN(SURVEY, ExecutionContext(answers={"score": 7, "plan": "b"}))
    assert done.status == "succeeded" and done.success
    assert done.final_state == {"started": True, "score": 7, "plan": "b"}


@pytest.mark.parametrize(("answers", "words"), [
    ({"score": "eleven"}, "Step 'score': answer with a number, not the str 'eleven'"),
    ({"score": 11}, "Step 'score': the answer must be at most 10, not 11"),
    ({"score": True}, "answer with a number, not the bool true"),
    ({"score": "1e999"}, "answer with a number"),
    ({"score": 1, "plan": "c"}, "Step 'plan': choose one of a, b; the str 'c' is not an option"),
])
def test_wrong_answers_are_refused_and_change_nothing(answers: dict[str, Any],
                                                      words: str) -> None:
    before = copy.deepcopy(answers)
    with pytest.raises(AnswerError) as raised:
        RUN(SURVEY, ExecutionContext(answers=answers))
    assert words in str(raised.value)
    assert answers == before


def test_ask_is_called_with_the_question_and_asked_again_after_a_wrong_answer() -> None:
    seen: list[dict[str, Any]] = []
    replies = iter(["lots", "4", "b"])

    def ask(question: dict[str, Any]) -> Any:
        seen.append(question)
        return next(replies)

    result = RUN(SURVEY, ExecutionContext(ask=ask))
    assert result.success and result.answers == {"score": 4, "plan": "b"}
    assert [q["step_id"] for q in seen] == ["score", "score", "plan"]
    assert "error" not in seen[0]
    assert seen[1]["error"] == "answer with a number, not the str 'lots'"
    assert seen[2]["options"] == ["a", "b"] and seen[2]["show"] == 4


def test_ask_returning_none_leaves_the_step_waiting() -> None:
    result = RUN(SURVEY, ExecutionContext(ask=lambda question: None))
    assert result.status == "waiting" and result.waiting_step_id == "score"


def test_ask_gives_up_after_three_wrong_answers() -> None:
    with pytest.raises(AnswerError, match="no valid answer after 3 tries"):
        RUN(SURVEY, ExecutionContext(ask=lambda question: "no"))


def test_answers_are_covered_by_the_receipt_chain() -> None:
    low = RUN(SURVEY, ExecutionContext(answers={"score": 1, "plan": "a"})).receipt
    high = RUN(SURVEY, ExecutionContext(answers={"score": 2, "plan": "a"})).receipt
    assert low["chain"][0] == high["chain"][0]
    assert low["chain"][1]["input"] != high["chain"][1]["input"]
    assert low["answers_hash"] != high["answers_hash"] and low["digest"] != high["digest"]


# -- effects -------------------------------------------------------------------------------------


class ScriptedEffects:
    """An effect runner that answers from a script and records what it was asked."""

    def __init__(self, results: Mapping[str, Any]) -> None:
        self.results = dict(results)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def supports(self, effect: str) -> bool:
        return effect in self.results

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        self.calls.append((effect, dict(request)))
        result = self.results[effect]
        if isinstance(result, Exception):
            raise result
        return copy.deepcopy(result)


DISCOVERY = {"target": "tests", "count": 2, "files": ["tests/test_a.py", "tests/test_b.py"]}
PASSED = {"target": "tests", "exit_code": 0, "timed_out": False, "timeout": 300, "output": "ok",
          "output_truncated": False, "passed": 3, "failed": 0, "errors": 0, "skipped": 1}


def test_run_tests_is_refused_without_an_effect_runner() -> None:
    with pytest.raises(MissingEffectRunner) as raised:
        run_mission("run_tests", ExecutionContext())
    assert str(raised.value) == (
        "Step 'discover_tests' needs the effect 'discover_tests', and no effect runner that "
        "provides it was given: pass one as ExecutionContext(effects=...): an object with "
        "supports(effect) and run(effect, request), such as "
        "runtime.local_effects.LocalEffects(root) for the tests under root")
    assert MissingEffectRunner.__bases__ == (Exception,)
    with pytest.raises(MissingEffectRunner, match="needs the effect 'run_pytest'"):
        run_mission("run_tests", ExecutionContext(effects=ScriptedEffects(
            {"discover_tests": DISCOVERY})))


def test_the_runner_the_message_names_is_enough(tmp_path: Path) -> None:
    from runtime.local_effects import LocalEffects

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_one.py").write_text("def test_one():\n    pass\n",
                                                    encoding="utf-8")
    result = run_mission("run_tests", ExecutionContext(effects=LocalEffects(tmp_path)))
    assert result.success, result.error_message
    assert result.final_state["report"]["summary"] == "1 passed under `tests`"


def test_a_replay_reaching_an_unjournaled_effect_names_the_missing_runner() -> None:
    effects = ScriptedEffects({"discover_tests": DISCOVERY, "run_pytest": PASSED})
    first = run_mission("run_tests", ExecutionContext(effects=effects))
    partial = {"discover_tests": first.journal["discover_tests"]}
    with pytest.raises(MissingEffectRunner, match="pass one as ExecutionContext"):
        run_mission("run_tests", ExecutionContext(journal=partial))


def test_effects_are_journaled_and_replayed_without_running_again() -> None:
    effects = ScriptedEffects({"discover_tests": DISCOVERY, "run_pytest": PASSED})
    first = run_mission("run_tests", ExecutionContext(effects=effects), {"timeout": 60})
    assert first.success, first.error_message
    assert effects.calls == [("discover_tests", {"target": "tests"}),
                             ("run_pytest", {"target": "tests", "timeout": 60})]
    assert first.journal["execute_tests"] == {"effect": "run_pytest",
                                              "request": {"target": "tests", "timeout": 60},
                                              "result": PASSED}
    assert first.final_state["report"]["summary"] == "3 passed, 1 skipped under `tests`"
    replay = run_mission("run_tests", ExecutionContext(journal=first.journal), {"timeout": 60})
    assert replay.to_dict() == first.to_dict()
    assert len(effects.calls) == 2


def test_a_journal_for_another_request_is_refused() -> None:
    effects = ScriptedEffects({"discover_tests": DISCOVERY, "run_pytest": PASSED})
    first = run_mission("run_tests", ExecutionContext(effects=effects))
    with pytest.raises(ReplayError) as raised:
        run_mission("run_tests", ExecutionContext(journal=first.journal), {"target": "other"})
    assert "Step 'discover_tests': the journal recorded the effect 'discover_tests' for the " \
           "request {'target': 'tests'}, but this run asks {'target': 'other'}" in str(raised.value)


@pytest.mark.parametrize(("results", "words"), [
    ({**PASSED, "failed": 2, "passed": 1},
     "2 tests failed (1 passed, 2 failed, 1 skipped) under `tests`"),
    ({**PASSED, "errors": 1}, "1 error (3 passed, 1 errors, 1 skipped)"),
    ({**PASSED, "timed_out": True, "exit_code": None}, "pytest did not finish within 300 s"),
    ({**PASSED, "passed": 0, "skipped": 0, "exit_code": 5},
     "no tests were collected (exit code 5) for `tests`"),
    ({**PASSED, "exit_code": 4, "output": "ERROR: file or directory not found: tests\n"},
     "pytest was called wrongly (exit code 4) for `tests`: ERROR: file or directory not found"),
    ({**PASSED, "passed": 0, "skipped": 0, "exit_code": 1,
      "output": "/usr/bin/python3: No module named pytest\n"},
     "pytest did not run (exit code 1) for `tests`: /usr/bin/python3: No module named pytest"),
])
def test_report_writes_its_summary_and_fails_the_mission(results: dict[str, Any],
                                                          words: str) -> None:
    effects = ScriptedEffects({"discover_tests": DISCOVERY, "run_pytest": results})
    result = run_mission("run_tests", ExecutionContext(effects=effects))
    assert result.status == "failed" and result.failed_step_id == "report"
    assert words in str(result.error_message)
    assert result.final_state["report"]["outcome"] == "failed"
    assert result.final_state["report"]["summary"] in str(result.error_message)
    assert result.receipt["chain"][-1]["status"] == "failed"


def test_a_refused_effect_fails_its_step_and_the_refusal_is_journaled() -> None:
    effects = ScriptedEffects({"discover_tests": EffectError("the target '../x' is outside"),
                               "run_pytest": PASSED})
    result = run_mission("run_tests", ExecutionContext(effects=effects), {"target": "../x"})
    assert result.failed_step_id == "discover_tests"
    assert result.error_message == "Step 'discover_tests' failed: the target '../x' is outside"
    assert result.journal["discover_tests"]["error"] == "the target '../x' is outside"
    replay = run_mission("run_tests", ExecutionContext(journal=result.journal), {"target": "../x"})
    assert replay.to_dict() == result.to_dict()


@pytest.mark.parametrize(("returned", "words"), [
    ({"target": "tests", "count": 1}, "returned `files` as null, not list"),
    ({"target": "tests", "count": 3, "files": ["a"]}, "counted 3 files but listed 1"),
    ([1], "returned a list of 1 items, not a map"),
    ({"target": {1}}, "the effect runner returned something that is not JSON data"),
])
def test_a_malformed_effect_result_fails_the_step(returned: Any, words: str) -> None:
    effects = ScriptedEffects({"discover_tests": returned, "run_pytest": PASSED})
    result = run_mission("run_tests", ExecutionContext(effects=effects))
    assert result.failed_step_id == "discover_tests" and words in str(result.error_message)


@pytest.mark.parametrize(("params", "words"), [
    ({"target": "--collect-only"}, "looks like a command-line option"),
    ({"target": "@opts"}, "pytest would read it as an argument file"),
    ({"target": ""}, "`target` must name a directory or file in the project"),
])
def test_option_looking_targets_fail_before_the_runner_is_called(params: dict[str, Any],
                                                                  words: str) -> None:
    effects = ScriptedEffects({"discover_tests": DISCOVERY, "run_pytest": PASSED})
    result = run_mission("run_tests", ExecutionContext(effects=effects), params)
    assert result.failed_step_id == "discover_tests" and words in str(result.error_message)
    assert effects.calls == []
