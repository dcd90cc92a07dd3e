"""One run of a prepared workflow: the loop over its steps.

Pure: no clock, randomness, environment or I/O. A run is determined by the
workflow, the params, the initial state, the human answers and the effect
journal; each step's change and what it consumed go into the receipt chain
(`receipts.py`), so any edit of a recorded run is detected when it is replayed.

The state is private to the run and copy-on-write: the initial state is copied
when it is bound (`binding.py`), every value written is copied as it is written
(and checked to be JSON data in the same walk), and a change replaces the maps along
its path instead of editing them. So the final state shares nothing with the caller's
data or the workflow without a copy at the end, and a value the steps did not
replace keeps its identity, which lets the final hash reuse the canonical text of
the initial one (`canonical.StateHasher`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from runtime.bounds import MAX_DEPTH
from runtime.orchestration.binding import HumanInputs, provided
from runtime.orchestration.budget import Budget
from runtime.orchestration.calling import Change, Invocation, Outcome, StepFailure
from runtime.orchestration.expressions import evaluate, lookup
from runtime.orchestration.human import Wait, checked_events, latest
from runtime.orchestration.model import (
    HOW_TO_PASS_A_RUNNER,
    OBSERVER,
    Answered,
    AnswerError,
    EffectError,
    EffectStart,
    EvaluationError,
    ExecutionContext,
    MissingEffectRunner,
    OrchestrationResult,
    ReplayError,
    StepSpec,
    cut_off,
)
from runtime.orchestration.operations import apply_change, check_value, dotted, question
from runtime.orchestration.receipts import NO_INPUT, ReceiptChain
from runtime.orchestration.semantics import json_equal
from runtime.orchestration.steps import (
    ARGUMENT_CONSTANT,
    ARGUMENT_PARAM,
    ARGUMENT_PER_ITEM,
    ARGUMENT_STATE,
    StepPlan,
)
from runtime.orchestration.types import describe
from runtime.orchestration.user_operations import RETRY, TIMEOUT, OperationDeclaration
from runtime.orchestration.values import NotJSONData, checked_copy, json_copy, json_problem

ASK_ATTEMPTS = 3  # answers asked of `ctx.ask` for one step while they do not fit


class Run:
    """One execution: walks the steps, records lineage, journal and the receipt chain."""

    def __init__(self, workflow_id: str, workflow_hash: str, steps: tuple[StepPlan, ...],
                 ctx: ExecutionContext, params: dict[str, Any], state: dict[str, Any],
                 journal: dict[str, Any], inputs: HumanInputs) -> None:
        self.workflow_id = workflow_id
        self.decoded = steps
        self.ctx = ctx
        self.params = params
        self.state = state
        self.journal_in = journal
        self.journal: dict[str, Any] = {}
        self.answers: dict[str, Any] = {}
        self.pending = inputs.by_step  # each human step's events, taken when it is reached
        self.cancel = inputs.cancel
        self.starter = (inputs.started or {}).get("by")
        self.clock: str | None = (inputs.started or {}).get("at")  # the latest time recorded
        self.events: list[dict[str, Any]] = []  # what the run consumed, in order
        self.answered_by_used: dict[str, str] = {}
        self.chain = ReceiptChain(workflow_hash, params, state, inputs.started)
        self.steps: list[dict[str, Any]] = []
        self.checked: dict[str, Any] = {}  # see `Invocation.checked`
        self.observer = OBSERVER.get()  # `runtime.orchestration.trace`: None but in tests

    def execute(self) -> OrchestrationResult:
        executed: list[StepSpec] = []
        failed: tuple[str, str] | None = None
        waiting: tuple[str, dict[str, Any]] | None = None
        cancelled: str | None = None
        for step in self.decoded:
            step_id = step.spec.id
            if self.observer is not None:
                self.observer.step(step_id)
            consumed: Any = NO_INPUT
            kept: list[Change] = []  # changes a failing step still made (Outcome.failure)
            try:
                if step.when is not None and not self._guard(step):
                    self._record(step_id, "skipped", (), NO_INPUT)
                    continue
                data = step.operation.compute is not None  # its value is the step's result
                args = {} if data else self._arguments(step)
                if step.operation.check is not None:
                    step.operation.check(args)
                if step.spec.kind == "human":
                    wait = self._wait(step, args)
                    if wait.failure is not None:
                        consumed = wait.consumed()
                        raise StepFailure(wait.failure)
                    if wait.decided is None:
                        if self.cancel is not None:
                            cancelled = self._cancelled(step_id, wait)
                            break
                        waiting = (step_id, {**self._question(step, args), **wait.shown()})
                        self._record(step_id, "waiting", (), wait.consumed()
                                     if wait.events or wait.began is not None else NO_INPUT)
                        break
                    effect_result, who = wait.decided
                    self.answers[step_id] = copy.deepcopy(effect_result)
                    if who is not None:
                        self.answered_by_used[step_id] = who
                    consumed = wait.consumed()
                elif step.operation.effect:
                    effect_result = self._effect(step, args)
                    consumed = self.journal[step_id]
                else:
                    effect_result = None
                if step.operation.declaration is not None and not step.operation.effect:
                    outcome = self._pure(step, args)
                elif data:
                    outcome = Outcome(result=evaluate({"call": step.operation.name,
                                                       "args": step.args},
                                                      self.params, self.state))
                else:
                    outcome = step.operation.implementation(
                        Invocation(step_id, args, self.state, effect_result, self.checked)
                    )
                changes = list(outcome.changes)
                if step.output is not None:
                    changes.append(Change("set", step.output, outcome.result))
                changes = [_written(change) for change in changes]
                state = self.state
                for change in changes:
                    state = apply_change(state, change)
                if outcome.failure is not None:
                    self.state, kept = state, changes
                    raise StepFailure(outcome.failure)
            except (StepFailure, EvaluationError) as problem:
                executed.append(_copy_step(step))
                self._record(step_id, "failed", kept, consumed)
                failed = (step_id, f"Step '{step_id}' failed: {problem}")
                break
            self.state = state
            executed.append(_copy_step(step))
            self._record(step_id, "succeeded", changes, consumed)
        if self.cancel is not None and cancelled is None:
            raise ReplayError("the run was cancelled while it waited, but it does not wait "
                              f"now ({'it failed' if failed else 'it finished'}), so the "
                              "cancellation cannot be placed")
        return self._result(executed, failed, waiting, cancelled)

    def _guard(self, step: StepPlan) -> bool:
        value = evaluate(step.when, self.params, self.state)
        if not isinstance(value, bool):
            raise StepFailure("its `when` condition must be true or false, "
                              f"found {describe(value)}")
        if self.observer is not None:
            self.observer.guard(value)
        return value

    def _arguments(self, step: StepPlan) -> dict[str, Any]:
        args: dict[str, Any] = {}
        per_item = []
        for name, parameter, how, what in step.arguments:
            if how <= ARGUMENT_CONSTANT:  # a place or a constant
                args[name] = what  # the path, or a literal that fits (`steps.py`)
                continue
            if how == ARGUMENT_PER_ITEM:
                per_item.append((name, parameter, what))
                continue
            if how == ARGUMENT_STATE:
                value = lookup(self.state, "state", what)
            elif how == ARGUMENT_PARAM:
                value = lookup(self.params, "param", what)
            else:
                value = evaluate(what, self.params, self.state)
            problem = check_value(parameter, value)
            if problem:
                raise StepFailure(problem)
            args[name] = value  # may share with the state: nothing mutates either
        if not per_item:
            return args
        # `label: item.title`: one value per element of the operation's list, within one
        # budget for the whole argument (`runtime.orchestration.budget`)
        elements = args.get(step.operation.items_parameter or "", [])
        for name, parameter, expression in per_item:
            budget = Budget()
            values = []
            for element in elements:
                budget.item()
                value = evaluate(expression, self.params, self.state, element, budget)
                budget.charge(budget.placed(value), name)
                values.append(value)
            for value in values:
                problem = check_value(parameter, value)
                if problem:
                    raise StepFailure(problem)
            args[name] = values
        return args

    def _question(self, step: StepPlan, args: Mapping[str, Any]) -> dict[str, Any]:
        description = step.spec.payload.get("description")
        return copy.deepcopy(question(step.operation, step.spec.id, args,
                                      description if isinstance(description, str) else None))

    def _wait(self, step: StepPlan, args: dict[str, Any]) -> Wait:
        """The step's wait after the events given for it, and one answer asked (`ctx.ask`)
        when they leave it undecided: decided, failed by a deadline, or still waiting."""
        step_id = step.spec.id
        validate = step.operation.answer
        rules = step.human
        assert validate is not None and rules is not None

        def answer_of(given: Any) -> Any:
            try:
                return _valid_answer(validate, args, given)
            except AnswerError as problem:
                raise AnswerError(f"Step '{step_id}': {problem}") from None

        wait = Wait(step_id, rules, answer_of, veto=step.operation.name == "confirm",
                    starter=self.starter, began=self.clock)
        for event in self.pending.pop(step_id, []):
            wait.add(event)
        if not wait.done and self.ctx.ask is not None and self.cancel is None:
            self._ask(step, args, wait)
        self.events += wait.events
        self.clock = latest(self.clock, wait.clock)
        return wait

    def _ask(self, step: StepPlan, args: dict[str, Any], wait: Wait) -> None:
        """One answer from `ctx.ask`, asked again (with the problem) while it does not fit."""
        assert self.ctx.ask is not None
        shown = {**self._question(step, args), **wait.shown()}
        for _attempt in range(ASK_ATTEMPTS):
            given = self.ctx.ask(copy.deepcopy(shown))
            if given is None:
                return
            event: dict[str, Any] = {"kind": "answer", "step": step.spec.id}
            if isinstance(given, Answered):
                event.update({"answer": given.answer, "by": given.by, "at": given.at})
            else:
                event["answer"] = given
            try:
                wait.add(checked_events([event], (step.spec.id,))[0])
                return
            except AnswerError as problem:
                shown["error"] = str(problem).removeprefix(f"Step '{step.spec.id}': ")
        raise AnswerError(f"Step '{step.spec.id}': no valid answer after {ASK_ATTEMPTS} tries: "
                          f"{shown['error']}")

    def _cancelled(self, step_id: str, wait: Wait) -> str:
        """The run is cancelled where it waits: the step's link covers the cancellation."""
        assert self.cancel is not None
        cancel = self.cancel
        self.events.append(cancel)
        covered = wait.consumed() if wait.events or wait.began is not None else {}
        if not isinstance(covered, dict) or "events" not in covered:
            covered = {"events": []}
        self._record(step_id, "cancelled", (), {**covered, "cancel": cancel})
        by = f" by {cancel['by']}" if "by" in cancel else ""
        at = f" at {cancel['at']}" if "at" in cancel else ""
        reason = f": {cancel['reason']}" if cancel["reason"] else ""
        return f"Run cancelled{by}{at} while step '{step_id}' waited{reason}"

    def _pure(self, step: StepPlan, args: dict[str, Any]) -> Outcome:
        """A project's pure operation, computed again on every replay and journaled: a
        replay that computes something else than the recorded run is caught here, at the
        step, the way Temporal detects non-determinism."""
        step_id, name = step.spec.id, step.operation.name
        entry: dict[str, Any] = {"operation": name, "request": copy.deepcopy(args)}
        try:
            outcome = step.operation.implementation(Invocation(step_id, args, self.state))
            entry["result"] = copy.deepcopy(outcome.result)
        except StepFailure as problem:
            outcome, entry["error"] = None, str(problem)
        recorded = self.journal_in.get(step_id)
        if recorded is not None and not json_equal(recorded, entry):
            raise ReplayError(_divergence(step_id, name, recorded, entry))
        self.journal[step_id] = entry
        if outcome is None:
            raise StepFailure(entry["error"])
        return outcome

    def _effect(self, step: StepPlan, args: dict[str, Any]) -> Any:
        """The effect's result: replayed from the journal, or run by the effect runner."""
        step_id = step.spec.id
        effect = step.operation.effect
        assert effect is not None
        request = copy.deepcopy(args)
        declaration: OperationDeclaration | None = step.operation.declaration
        if declaration is not None:
            request.setdefault(TIMEOUT, declaration.timeout)
        if step_id in self.journal_in:
            entry = copy.deepcopy(self.journal_in[step_id])
            if not json_equal(entry["request"], request):
                raise ReplayError(f"Step '{step_id}': the journal recorded the effect '{effect}' "
                                  f"for the request {entry['request']}, but this run asks "
                                  f"{request}")
        else:
            if not provided(self.ctx, effect) or self.ctx.effects is None:
                raise MissingEffectRunner(f"Step '{step_id}' needs the effect '{effect}': the "
                                          "journal has no result for it and no effect runner "
                                          f"that provides it was given: {HOW_TO_PASS_A_RUNNER}")
            entry = {"effect": effect, "request": request}
            tries = 1 + int(request.get(RETRY, 0)) if declaration is not None else 1
            attempts: list[dict[str, Any]] = []
            refused = self._start(step_id, effect, entry, declaration is not None)
            if refused is not None:
                entry["error"] = refused
                attempts.append({"error": refused})
                tries = 0
            for _attempt in range(tries):
                entry.pop("error", None)
                try:
                    result = self.ctx.effects.run(effect, copy.deepcopy(request))
                except EffectError as refusal:
                    entry["error"] = str(refusal)
                else:
                    problem = json_problem(result, f"the result of effect '{effect}'")
                    if problem:
                        entry["error"] = f"the effect runner returned something that is not " \
                                         f"JSON data: {problem}"
                    else:
                        entry["result"] = copy.deepcopy(result)
                attempts.append({"error": entry["error"]} if "error" in entry else {"ok": True})
                if "result" in entry:
                    break
            if declaration is not None:
                entry["attempts"] = attempts
                if "error" in entry and tries > 1:
                    entry["error"] = f"{entry['error']} (after {tries} attempts)"

        self.journal[step_id] = entry
        if "error" in entry:
            raise StepFailure(entry["error"])
        return copy.deepcopy(entry["result"])

    def _start(self, step_id: str, effect: str, entry: dict[str, Any],
               retried: bool) -> str | None:
        """Tell the runner the effect is about to start (`EffectRunner.started`); its
        refusal, if it refuses."""
        started = getattr(self.ctx.effects, "started", None)
        if started is None:
            return None
        unfinished: dict[str, Any] = {**copy.deepcopy(entry), "error": cut_off(effect)}
        if retried:
            unfinished["attempts"] = [{"error": unfinished["error"]}]
        try:
            started(EffectStart(step_id, effect, copy.deepcopy(entry["request"]),
                                {**copy.deepcopy(self.journal), step_id: unfinished},
                                copy.deepcopy(self.events)))
        except EffectError as refusal:
            return str(refusal)
        return None

    def _record(self, step_id: str, status: str, changes: Any, consumed: Any) -> None:
        self.chain.add(step_id, status, changes, consumed)
        self.steps.append({"id": step_id, "status": status})

    def _result(self, executed: list[StepSpec], failed: tuple[str, str] | None,
                waiting: tuple[str, dict[str, Any]] | None,
                cancelled: str | None) -> OrchestrationResult:
        status = "failed" if failed else "waiting" if waiting else \
            "cancelled" if cancelled else "succeeded"
        executed_ids = [step.id for step in executed]
        skipped = [step["id"] for step in self.steps if step["status"] == "skipped"]
        lineage = {
            "executed_step_ids": executed_ids,
            "skipped_step_ids": skipped,
            "steps": self.steps,
            "workflow_id": self.workflow_id,
        }
        error_message = failed[1] if failed else cancelled
        receipt = self.chain.receipt(self.workflow_id, status, self.state, self.answers,
                                     self.journal, error_message, executed_ids, skipped)
        if self.answered_by_used:
            receipt["answered_by"] = dict(sorted(self.answered_by_used.items()))
        return OrchestrationResult(
            id=self.workflow_id,
            success=status == "succeeded",
            executed_steps=executed,
            final_state=self.state,  # private: see the module docstring
            failed_step_id=failed[0] if failed else None,
            error_message=error_message,
            lineage=lineage,
            receipt=receipt,
            status=status,
            waiting_step_id=waiting[0] if waiting else None,
            question=waiting[1] if waiting else None,
            answers=json_copy(self.answers, "answers"),  # checked: JSON data
            journal=json_copy(self.journal, "journal"),
            events=json_copy(self.events, "events"),
        )


def _divergence(step_id: str, name: str, recorded: Any, replayed: dict[str, Any]) -> str:
    def outcome(entry: Any) -> str:
        if not isinstance(entry, dict):
            return describe(entry)
        if "error" in entry:
            return f"the failure {entry['error']!r}"
        text = repr(entry.get("result"))
        return text if len(text) <= 80 else text[:77] + "..."

    if isinstance(recorded, dict) and not json_equal(recorded.get("request"),
                                                     replayed["request"]):
        what = f"was called with {recorded.get('request')!r}, the replay calls it with " \
               f"{replayed['request']!r}"
    else:
        what = f"gave {outcome(recorded)}, the replay computes {outcome(replayed)}"
    return (f"Step '{step_id}': the pure operation '{name}' is not deterministic: the recorded "
            f"run {what}; a pure operation must give the same result for the same arguments "
            "(declare it `kind = \"effect\"` if it reads the clock, files or the network)")


def _valid_answer(validate: Any, args: Mapping[str, Any], given: Any) -> Any:
    value = validate(args, given)
    problem = json_problem(value, "the answer")
    if problem:
        raise AnswerError(problem)
    return value


def _written(change: Change) -> Change:
    """The change with a private copy of the value it writes, which must stay plain JSON
    (e.g. no overflowing number): it may come from the workflow, an answer or an effect.
    The state stays within `MAX_DEPTH` levels, its path included, so every run can be
    stored and read back (`runtime.bounds`)."""
    if change.action != "set":
        return change
    room = MAX_DEPTH - len(change.path)
    try:
        return Change("set", change.path, json_copy(change.value, dotted(change.path), room))
    except NotJSONData as problem:
        if json_problem(change.value, dotted(change.path)) is None:  # only too deep here
            raise StepFailure(f"cannot write `{dotted(change.path)}`: the value would nest the "
                              f"state more than {MAX_DEPTH} levels deep (its path takes "
                              f"{len(change.path)}, the value more than {room})") from None
        raise StepFailure(f"cannot write {problem}") from None


def _copy_step(step: StepPlan) -> StepSpec:
    spec = step.spec
    return StepSpec(spec.id, spec.kind, checked_copy(spec.payload))  # checked: `plans.prepare`
