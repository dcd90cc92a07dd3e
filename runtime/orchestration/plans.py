"""A workflow prepared once and run many times, the way `re.compile` gives a pattern.

`Orchestrator().prepare(workflow)` checks the workflow (the seed's envelope and
anti-failure checks, then every step's shape, its metadata and declarations), copies
it, decodes every step (`steps.py`) and hashes it: a `Plan`. `plan.run(context)`
then only binds what that run is given (`binding.py`) and walks the steps
(`run.py`). A plan never changes and holds no per-run state, so one plan may be
run any number of times, from any thread; a caller that changes its own workflow
afterwards changes nothing in the plan (prepare again to run the new content).

There is no cache behind it: preparing the same workflow twice does the work twice
and gives equal plans. A caller that runs one workflow many times keeps its plan
(a batch per mission, `mission test` per test file); `Orchestrator.run_workflow`
prepares each time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from runtime.orchestration.binding import (
    bind_implementations,
    bind_inputs,
    bind_params,
    check_context,
    declared_type,
    human_inputs,
)
from runtime.orchestration.calling import Operation
from runtime.orchestration.model import (
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    OrchestrationResult,
    StepSpec,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.operations import OPERATIONS
from runtime.orchestration.run import Run
from runtime.orchestration.steps import StepPlan, decode_step
from runtime.orchestration.types import (
    TYPE_NAMES,
    matches,
    shape_form_problem,
    shape_problem,
    type_of,
)
from runtime.orchestration.user_operations import DeclarationError, workflow_operations
from runtime.orchestration.values import NotJSONData, json_copy, json_problem


@dataclass(frozen=True, slots=True)
class Plan:
    """A checked, decoded workflow, ready to run; equal to another plan of the same content.

    Everything but `workflow` (a private copy) and `workflow_hash` (which tells 1, 1.0
    and true apart where Python's equality does not) is derived from them.
    """

    workflow: WorkflowDefinition
    workflow_hash: str
    steps: tuple[StepPlan, ...] = field(compare=False)
    human_ids: tuple[str, ...] = field(compare=False)
    effects: Mapping[str, str] = field(compare=False)  # step id -> effect, where one is used
    # The project operations the workflow declares, bound per run:
    declared: tuple[int, ...] = field(compare=False)  # the indices of the steps calling one
    pure: Mapping[str, str] = field(compare=False)  # step id -> pure operation (journaled)
    retried: frozenset[str] = field(compare=False)  # project effects' steps (`attempts`)

    def run(self, ctx: ExecutionContext) -> OrchestrationResult:
        """Run to the end, to a failed step, or to a human step with no answer (waiting).

        Raises before any step runs when the context is refused (`ParameterError`,
        `AnswerError`, `ReplayError`, and `ImplementationError` when a project
        operation's function is missing or does not fit its declaration); a fresh run
        (no `journal`) that uses an effect no runner provides is refused then
        (`MissingEffectRunner`). During the run, a refused answer raises `AnswerError`,
        and a replay (a `journal` given) that reaches an effect neither journaled nor
        provided raises `MissingEffectRunner`; no result is returned then.
        """
        steps = bind_implementations(self.steps, self.declared, ctx)
        journal = check_context(ctx, self.human_ids, self.effects, self.pure, self.retried)
        inputs = human_inputs(ctx, self.human_ids)
        params = bind_params(self.workflow, ctx)
        state = bind_inputs(self.workflow, ctx.initial_state)
        return Run(self.workflow.id, self.workflow_hash, steps, ctx, params, state, journal,
                   inputs).execute()


def prepare(workflow: WorkflowDefinition, allowed_kinds: Iterable[str], max_total_steps: int,
            max_human_steps: int) -> Plan:
    """The plan of `workflow` under these limits; raises `EnvelopeViolation` or
    `AntiFailureViolation` (the seed's checks first, in the seed's order)."""
    allowed = sorted(allowed_kinds)
    for step in workflow.steps:
        if step.kind not in allowed:
            raise EnvelopeViolation(
                f"Step '{step.id}' has disallowed kind '{step.kind}'. Allowed kinds: {allowed}"
            )
    total = len(workflow.steps)
    if total > max_total_steps:
        raise AntiFailureViolation(
            f"Workflow has {total} steps, exceeds maximum of {max_total_steps}"
        )
    human = sum(1 for step in workflow.steps if step.kind == "human")
    if human > max_human_steps:
        raise AntiFailureViolation(
            f"Workflow has {human} human steps, exceeds maximum of {max_human_steps}"
        )
    table = _operation_table(workflow)
    seen: set[str] = set()
    copied, steps = [], []
    for number, step in enumerate(workflow.steps, 1):
        if not step.id:
            raise EnvelopeViolation(f"Step #{number} has an empty id; every step needs one "
                                    "(answers, receipts and `mission runs` name it)")
        if step.id in seen:
            raise EnvelopeViolation(f"Step id '{step.id}' is used twice")
        seen.add(step.id)
        try:  # checked and copied in one walk: the plan shares nothing with the caller
            private_step = StepSpec(step.id, step.kind, json_copy(step.payload, "payload"))
        except NotJSONData as problem:
            raise EnvelopeViolation(f"Step '{step.id}': {problem}") from None
        copied.append(private_step)
        steps.append(decode_step(private_step, table))
    try:
        metadata = json_copy(workflow.metadata, "metadata")
    except NotJSONData as problem:
        raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}") from None
    private = WorkflowDefinition(id=workflow.id, steps=copied, metadata=metadata)
    _check_declarations(private)
    return Plan(
        workflow=private,
        workflow_hash=content_hash(private),
        steps=tuple(steps),
        human_ids=tuple(step.spec.id for step in steps if step.spec.kind == "human"),
        effects={step.spec.id: step.operation.effect for step in steps
                 if step.operation.effect},
        declared=tuple(index for index, step in enumerate(steps)
                       if step.operation.declaration is not None),
        pure={step.spec.id: step.operation.name for step in steps
              if step.operation.declaration is not None and not step.operation.effect},
        retried=frozenset(step.spec.id for step in steps
                          if step.operation.declaration is not None and step.operation.effect),
    )


def _operation_table(workflow: WorkflowDefinition) -> Mapping[str, Operation]:
    """The built-in operations and the project operations the workflow declares."""
    if "operations" not in workflow.metadata:
        return OPERATIONS
    problem = json_problem(workflow.metadata["operations"], "metadata.operations")
    if problem:
        raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}")
    try:
        return workflow_operations(workflow.metadata)
    except DeclarationError as problem:
        raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}") from None


def _check_declarations(workflow: WorkflowDefinition) -> None:
    """The param and input declarations of a compiled workflow are well formed."""
    declarations = workflow.metadata.get("declarations", {})
    if not isinstance(declarations, dict):
        raise EnvelopeViolation("metadata.declarations must be a map")
    for group in ("params", "inputs"):
        entries = declarations.get(group, {})
        if not isinstance(entries, dict):
            raise EnvelopeViolation(f"metadata.declarations.{group} must be a map")
        for name, declaration in sorted(entries.items()):
            where = f"metadata.declarations.{group}.{name}"
            if not isinstance(declaration, dict) or declaration.get("type") not in TYPE_NAMES:
                raise EnvelopeViolation(f"{where} must be a map with a `type` "
                                        f"({', '.join(TYPE_NAMES)})")
            if declaration.get("nullable", True) is not True:
                raise EnvelopeViolation(f"{where}: `nullable` is written only as `true`")
            bounds = [declaration[key] for key in ("min", "max") if key in declaration]
            if bounds and (declaration["type"] not in ("int", "float", "number")
                           or any(type_of(bound) not in ("int", "float") for bound in bounds)):
                raise EnvelopeViolation(f"{where}: `min` and `max` are numbers, for a number type")
            if "items" in declaration:
                problem = shape_form_problem(declaration["items"]) \
                    if declaration["type"] == "list" else "only a list has `items`"
                if problem:
                    raise EnvelopeViolation(f"{where}: {problem}")
            if "fields" in declaration:  # a record declared on its own: `{a: int}`
                problem = shape_form_problem({key: declaration[key] for key in declaration
                                              if key in ("type", "nullable", "fields")})
                if problem:
                    raise EnvelopeViolation(f"{where}: {problem}")
            if "default" in declaration and (
                    not matches(declaration["default"], declared_type(declaration))
                    or (("items" in declaration or "fields" in declaration) and shape_problem(
                        declaration["default"], declaration, "the default") is not None)):
                raise EnvelopeViolation(f"{where}: the default is not "
                                        f"{declared_type(declaration)}")
