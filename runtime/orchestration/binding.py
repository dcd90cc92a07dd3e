"""What one run is given, checked against its plan before any step runs.

The params and the initial state against the workflow's declarations (defaults
filled in), the answers, events and journal against its human and effect steps,
and a project's own operations: each function from the run's context, checked
against its declaration. A plan holds declarations only, so a function is never
reused from another run. Anything that does not fit is refused here with the
caller's input named (`ParameterError`, `AnswerError`, `ReplayError`,
`ImplementationError`, `MissingEffectRunner`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.calling import Invocation, Outcome, StepFailure
from runtime.orchestration.human import checked_events, checked_start
from runtime.orchestration.model import (
    HOW_TO_PASS_A_RUNNER,
    IGNORED_PARAMS,
    AnswerError,
    EffectError,
    ExecutionContext,
    ImplementationError,
    MissingEffectRunner,
    ParameterError,
    ReplayError,
    WorkflowDefinition,
)
from runtime.orchestration.steps import StepPlan
from runtime.orchestration.types import bounds_phrase, describe, matches, shape_problem, wanted
from runtime.orchestration.user_operations import (
    OperationDeclaration,
    call_arguments,
    checked_result,
    signature_problem,
)
from runtime.orchestration.values import NotJSONData, json_copy, json_problem

_JOURNAL_KEYS = (["effect", "request", "result"], ["effect", "error", "request"])
# A project's pure operation journals what it computed, so a replay can tell it diverged.
_PURE_KEYS = (["operation", "request", "result"], ["error", "operation", "request"])


# -- a project's own operations --------------------------------------------------------


def bind_implementations(steps: tuple[StepPlan, ...], declared: tuple[int, ...],
                         ctx: ExecutionContext) -> tuple[StepPlan, ...]:
    """The steps of this run: each project operation's function (the steps at `declared`),
    from this run's context, checked against its declaration before any step runs. A
    replay (a journal given) may leave an effect unbound: its result comes from the
    journal."""
    if not declared:
        return steps
    given = ctx.implementations or {}
    if not isinstance(given, Mapping):
        raise ImplementationError("implementations must be a mapping of operation names to "
                                  "functions")
    bound = list(steps)
    for index in declared:
        step = bound[index]
        declaration: OperationDeclaration = step.operation.declaration
        function = given.get(declaration.name)
        if function is None:
            if declaration.kind == "effect" and ctx.journal is not None:
                continue
            raise ImplementationError(
                f"Step '{step.spec.id}' uses the project operation '{declaration.name}' "
                f"(implemented by `{declaration.implementation}`), and no implementation was "
                "given: pass ExecutionContext(implementations=...), for example "
                "runtime.user_code.load_implementations(workflow)")
        problem = signature_problem(declaration, function)
        if problem:
            raise ImplementationError(f"Step '{step.spec.id}': {problem}")
        if declaration.kind == "pure":
            operation = dataclasses.replace(step.operation,
                                            implementation=_pure_call(declaration, function))
            bound[index] = dataclasses.replace(step, operation=operation)
    return tuple(bound)


def _pure_call(declaration: OperationDeclaration,
               function: Callable[..., Any]) -> Callable[[Invocation], Outcome]:
    def implementation(invocation: Invocation) -> Outcome:
        return Outcome(result=invoke(declaration, function, invocation.args))

    return implementation


def invoke(declaration: OperationDeclaration, function: Callable[..., Any],
           args: Mapping[str, Any]) -> Any:
    """Call a project operation's function; whatever it raises fails the step with its
    message (never a traceback), and its result must fit the declared type."""
    try:
        value = function(**copy.deepcopy(call_arguments(declaration, args)))
    except EffectError as problem:  # a confined call's own account (`runtime.user_code`)
        raise StepFailure(str(problem)) from None
    except (Exception, SystemExit) as problem:  # user code: any failure, `sys.exit` too
        raise StepFailure(raised(declaration, problem)) from None
    return checked_result(declaration, value)


def raised(declaration: OperationDeclaration, problem: BaseException) -> str:
    message = str(problem).strip() or "(no message)"
    return f"`{declaration.name}` raised {type(problem).__name__}: {message}"


# -- answers, events, journal and effect runner -----------------------------------------


def check_context(ctx: ExecutionContext, human_ids: tuple[str, ...],
                  effects: Mapping[str, str], pure: Mapping[str, str],
                  retried: frozenset[str]) -> dict[str, Any]:
    """Answers, journal and effects fit the workflow (its human steps, the effect of each
    effect step, the pure project operation of each step that has one, the steps whose
    journal keeps `attempts`); returns the journal to replay."""
    if ctx.answers is not None:
        if not isinstance(ctx.answers, Mapping):
            raise AnswerError("answers must be a mapping of step ids to answers")
        for step_id in ctx.answers:
            if step_id not in human_ids:
                known = ", ".join(f"'{name}'" for name in human_ids) or "none"
                raise AnswerError(f"there is no human step '{step_id}' to answer "
                                  f"(human steps: {known})")
        problem = json_problem(dict(ctx.answers), "answers")
        if problem:
            raise AnswerError(problem)
    journal = dict(ctx.journal or {})
    if journal:
        problem = json_problem(journal, "journal")
        if problem:
            raise ReplayError(problem)
    for step_id, entry in sorted(journal.items()):
        if step_id in pure:
            if not isinstance(entry, dict) or sorted(entry) not in _PURE_KEYS \
                    or entry["operation"] != pure[step_id] \
                    or not isinstance(entry["request"], dict):
                raise ReplayError(f"the journal entry for '{step_id}' must be a map "
                                  f"{{operation: '{pure[step_id]}', request: {{...}}, "
                                  "result or error}")
            continue
        if step_id not in effects:
            raise ReplayError(f"the journal has an entry for '{step_id}', which is not a step "
                              "with an effect in this workflow")
        attempts = entry.get("attempts") if isinstance(entry, dict) else None
        keys = sorted(set(entry) - ({"attempts"} if step_id in retried else set())) \
            if isinstance(entry, dict) else []
        if not isinstance(entry, dict) or keys not in _JOURNAL_KEYS \
                or (attempts is not None and not isinstance(attempts, list)) \
                or entry["effect"] != effects[step_id] or not isinstance(entry["request"], dict):
            raise ReplayError(f"the journal entry for '{step_id}' must be a map "
                              f"{{effect: '{effects[step_id]}', request: {{...}}, "
                              "result or error}")
    if ctx.journal is None:  # a fresh run: every effect it may reach must be provided
        for step_id, effect in effects.items():
            if not provided(ctx, effect):
                raise MissingEffectRunner(
                    f"Step '{step_id}' needs the effect '{effect}', and no effect runner "
                    f"that provides it was given: {HOW_TO_PASS_A_RUNNER}"
                )
    return journal


def provided(ctx: ExecutionContext, effect: str) -> bool:
    return ctx.effects is not None and ctx.effects.supports(effect)


@dataclass(frozen=True, slots=True)
class HumanInputs:
    """When and by whom the run was started, and the events given to it: each human step's
    answers and deadline firings in the order received (`ctx.answers` after `ctx.events`,
    as answers without a time), and the cancellation, if any."""

    started: dict[str, Any] | None
    by_step: dict[str, list[dict[str, Any]]]
    cancel: dict[str, Any] | None


def human_inputs(ctx: ExecutionContext, human_ids: tuple[str, ...]) -> HumanInputs:
    events = []
    if ctx.events is not None:
        if not isinstance(ctx.events, list):
            raise ReplayError("events must be a list")
        for index, event in enumerate(ctx.events):
            answered = isinstance(event, Mapping) and event.get("kind") == "answer"
            where = f"answers.{event.get('step')}" if answered and isinstance(
                event.get("step"), str) else f"events[{index}]"
            problem = json_problem(event.get("answer") if answered else event, where)
            if problem:
                raise (AnswerError if answered else ReplayError)(problem)
        events = checked_events(ctx.events, human_ids)
    by_step: dict[str, list[dict[str, Any]]] = {}
    cancel = None
    for event in events:
        if event["kind"] == "cancel":
            cancel = event
        else:
            by_step.setdefault(event["step"], []).append(event)
    who = ctx.answered_by or {}
    for step_id, value in (ctx.answers or {}).items():
        given = {"kind": "answer", "step": step_id, "answer": copy.deepcopy(value)}
        if who.get(step_id) is not None:
            given["by"] = str(who[step_id])
        by_step.setdefault(step_id, []).append(given)
    return HumanInputs(checked_start(ctx.started), by_step, cancel)


# -- params and inputs --------------------------------------------------------------------


def bind_params(workflow: WorkflowDefinition, ctx: ExecutionContext) -> dict[str, Any]:
    """The params of this run, checked against the declarations, defaults filled in.

    `ctx.params` is taken strictly. Without it the params come from the metadata, as the
    seed's builder stored them, less those it recorded as undeclared (`IGNORED_PARAMS`).
    """
    if ctx.params is not None:
        return check_params(workflow, ctx.params)
    given = workflow.metadata.get("params", {})
    ignored = workflow.metadata.get(IGNORED_PARAMS, [])
    if not isinstance(ignored, list) or not all(isinstance(name, str) for name in ignored):
        raise ParameterError(f"the workflow's metadata `{IGNORED_PARAMS}` must be a list of "
                             "param names")
    if ignored and isinstance(given, Mapping):
        given = {name: value for name, value in given.items() if name not in ignored}
    return check_params(workflow, given)


def check_params(workflow: WorkflowDefinition, given: object,
                 allow_missing: bool = False) -> dict[str, Any]:
    """`given` checked against the workflow's declared params (ParameterError if it does
    not fit), with the defaults filled in; `allow_missing` for a workflow being built, whose
    run may still be given the required params."""
    if not isinstance(given, Mapping):
        raise ParameterError("params must be a mapping of names to values")
    try:
        bound: dict[str, Any] = json_copy(dict(given), "param")
    except NotJSONData as problem:
        raise ParameterError(str(problem)) from None
    declarations = workflow.metadata.get("declarations", {}).get("params")
    if declarations is None:
        return bound
    return _bind("param", declarations, bound, allow_missing=allow_missing)


def bind_inputs(workflow: WorkflowDefinition, initial_state: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(initial_state, Mapping):
        raise ParameterError(f"the initial state must be a map, found {describe(initial_state)}")
    try:
        state: dict[str, Any] = json_copy(dict(initial_state), "state")
    except NotJSONData as problem:
        raise ParameterError(str(problem)) from None
    declarations = workflow.metadata.get("declarations", {}).get("inputs")
    if declarations is None:
        return state
    declared = {key: value for key, value in state.items() if key in declarations}
    bound = _bind("state input", declarations, declared, allow_unknown=True)
    state.update(bound)
    return state


def _bind(what: str, declarations: Mapping[str, Any], given: dict[str, Any],
          allow_unknown: bool = False, allow_missing: bool = False) -> dict[str, Any]:
    if not allow_unknown:
        unknown = sorted(set(given) - set(declarations))
        if unknown:
            known = ", ".join(f"`{name}`" for name in sorted(declarations)) or "none"
            raise ParameterError(f"unknown {what} `{unknown[0]}`"
                                 f"{_did_you_mean(unknown[0], declarations)}; declared: {known}")
    bound: dict[str, Any] = {}
    for name in sorted(declarations):
        declaration = declarations[name]
        if name in given:
            value = given[name]
        elif "default" in declaration:
            value = json_copy(declaration["default"], "default")  # checked: JSON data
        elif allow_missing:
            continue
        else:
            raise ParameterError(f"missing required {what} `{name}` "
                                 f"({declared_type(declaration)})")
        type_name = declared_type(declaration)
        if not matches(value, type_name):
            raise ParameterError(f"{what} `{name}` must be {wanted(type_name)}, "
                                 f"found {describe(value)}")
        if "items" in declaration or "fields" in declaration:  # every element and field
            problem = shape_problem(value, declaration, name)
            if problem:
                raise ParameterError(f"{what} {problem}")
        low, high = declaration.get("min"), declaration.get("max")
        if value is not None and ((low is not None and value < low)
                                  or (high is not None and value > high)):
            raise ParameterError(f"{what} `{name}` must be {bounds_phrase(low, high)}, "
                                 f"found {value}")
        bound[name] = value
    return bound


def declared_type(declaration: Mapping[str, Any]) -> str:
    """A declaration's type as the run-time checks read it: `int`, or `int?` when it is
    `nullable` (a checked declaration)."""
    return str(declaration["type"]) + ("?" if declaration.get("nullable") else "")


def _did_you_mean(name: str, declared: Mapping[str, Any]) -> str:
    import difflib  # only for a misspelled name

    close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""
