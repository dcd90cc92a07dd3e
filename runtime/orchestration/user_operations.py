"""Operations a project declares itself: the declaration (plain data) and its checks.

A declaration says everything the type checker, the editor and `mission
explain` need, so none of them imports user code: the name, `kind` ("pure"
or "effect"), the typed `params` (in order), the `result` type, the `step`
kind, the `doc`, and where the code is, `implementation = "module:function"`.
The compiler reads declarations from the project's configuration (and from
installed packages) and emits those a mission uses into the compiled workflow
(`metadata.operations`); the engine reads them back from there, through the
same `parse_declaration`, so both halves agree without the runtime importing
the compiler. Only a run imports the implementation (`runtime/user_code.py`),
and the engine checks it against the declared signature before any step runs.

Every operation has a declared `timeout` (seconds one call or attempt may take;
a run enforces it by running the code in a child process, `runtime/user_code.py`).
Effect operations take two more arguments of their own, `timeout` (seconds
for one attempt) and `retry` (how many more attempts after a failed one),
which the engine and the effect runner use and the implementation never sees.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.calling import Invocation, Operation, Outcome, Parameter, StepFailure
from runtime.orchestration.types import TYPE_NAMES, describe, is_type_name, matches, wanted

KINDS = ("pure", "effect")
DECLARATION_KEYS = ("kind", "params", "result", "doc", "implementation", "step", "timeout")
PARAMETER_KEYS = ("type", "doc", "optional")
# The arguments every effect operation takes besides its declared ones.
TIMEOUT, RETRY = "timeout", "retry"
RESERVED_PARAMETERS = (TIMEOUT, RETRY)
DEFAULT_TIMEOUT = 60
MAX_TIMEOUT = 3600
MAX_RETRY = 5
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IMPLEMENTATION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*"
                             r":[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class DeclarationError(Exception):
    """A declaration is not valid; the message names the key and how to fix it."""


@dataclass(frozen=True, slots=True)
class DeclaredParameter:
    name: str
    type: str
    doc: str = ""
    optional: bool = False


@dataclass(frozen=True, slots=True)
class OperationDeclaration:
    """One user operation, as declared; `origin` says where (for messages and hovers)."""

    name: str
    kind: str  # "pure" or "effect"
    params: tuple[DeclaredParameter, ...]
    result: str | None
    doc: str
    implementation: str  # "module:function"
    step: str = "runtime"
    timeout: int = DEFAULT_TIMEOUT
    origin: str = ""

    @property
    def summary(self) -> str:
        """The doc's first sentence (its first line when it has no full stop)."""
        first = self.doc.strip().split("\n", 1)[0]
        head, dot, _ = first.partition(". ")
        return (head + "." if dot else first) or f"A {self.kind} operation of this project."

    def to_json(self) -> dict[str, Any]:
        """The form emitted into a compiled workflow (and read back by `parse_declaration`)."""
        params: dict[str, Any] = {}
        for parameter in self.params:
            entry: dict[str, Any] = {"type": parameter.type}
            if parameter.doc:
                entry["doc"] = parameter.doc
            if parameter.optional:
                entry["optional"] = True
            params[parameter.name] = entry
        data: dict[str, Any] = {"doc": self.doc, "implementation": self.implementation,
                                "kind": self.kind, "params": params, "step": self.step}
        if self.result is not None:
            data["result"] = self.result
        if self.kind == "effect" or self.timeout != DEFAULT_TIMEOUT:  # (pure: as before
            data["timeout"] = self.timeout  # pure ones had none, so their hashes stay)
        return data

    @property
    def parameter_order(self) -> list[str]:
        """The declared parameter names in order (JSON maps keep no order of their own)."""
        return [parameter.name for parameter in self.params]


def parse_declaration(name: str, table: Any, where: str, origin: str = "",
                      order: list[str] | None = None) -> OperationDeclaration:
    """Validate one declaration (a TOML table or its emitted JSON); raises DeclarationError.

    `where` names the table in messages (`pyproject.toml [tool.mission.operations.slug]`).
    """
    from runtime.orchestration.operations import OPERATIONS

    if not _NAME.fullmatch(name):
        raise DeclarationError(f"{where}: `{name}` is not a valid operation name; use letters, "
                               "digits and `_`, starting with a letter")
    if name in OPERATIONS:
        raise DeclarationError(f"{where}: `{name}` is a built-in operation; a project operation "
                               f"cannot take its name: rename it, for example `{name}_custom`")
    if not isinstance(table, Mapping):
        raise DeclarationError(f"{where}: must be a table of kind, params, result, doc and "
                               "implementation")
    for key in table:
        if key not in DECLARATION_KEYS:
            raise DeclarationError(f"{where}: unknown key `{key}`; the keys are "
                                   + ", ".join(f"`{k}`" for k in DECLARATION_KEYS))
    kind = table.get("kind")
    if kind not in KINDS:
        raise DeclarationError(f"{where}: `kind` must be \"pure\" (computes a value from its "
                               "arguments, recomputed on replay) or \"effect\" (touches the "
                               f"world, journaled), not {describe(kind)}")
    step = table.get("step", "runtime")
    if step != "runtime":
        raise DeclarationError(f"{where}: `step` must be \"runtime\": a project operation runs "
                               "in a runtime step (people are asked with the built-in human "
                               "operations)")
    implementation = table.get("implementation")
    if not isinstance(implementation, str) or not _IMPLEMENTATION.fullmatch(implementation):
        raise DeclarationError(f"{where}: `implementation` must be \"module:function\", for "
                               f"example \"my_ops:{name}\", not {describe(implementation)}")
    doc = table.get("doc", "")
    if not isinstance(doc, str):
        raise DeclarationError(f"{where}: `doc` must be a string")
    result = table.get("result")
    if result is not None and not is_type_name(result):
        raise DeclarationError(f"{where}: `result` must be a type ({', '.join(TYPE_NAMES)}, "
                               f"or one of them with `?` when it may be null), "
                               f"not {describe(result)}")
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int) \
            or not 1 <= timeout <= MAX_TIMEOUT:
        raise DeclarationError(f"{where}: `timeout` must be a whole number of seconds from 1 "
                               f"to {MAX_TIMEOUT}, not {describe(timeout)}")
    params = _parameters(table.get("params", {}), where, kind, order)
    return OperationDeclaration(name, kind, params, result, doc, implementation, step,
                                timeout, origin)


def _parameters(value: Any, where: str, kind: str,
                order: list[str] | None) -> tuple[DeclaredParameter, ...]:
    if not isinstance(value, Mapping):
        raise DeclarationError(f"{where}: `params` must be a table of name = \"type\"")
    names = list(value) if order is None else order
    if sorted(names) != sorted(value):
        raise DeclarationError(f"{where}: the parameter order does not list the parameters")
    found = []
    for name in names:
        spec = value[name]
        at = f"{where}: parameter `{name}`"
        if not _NAME.fullmatch(name):
            raise DeclarationError(f"{at} is not a valid name")
        if kind == "effect" and name in RESERVED_PARAMETERS:
            raise DeclarationError(f"{at}: `{name}` is an argument every effect operation "
                                   "already takes (timeout and retry); rename it")
        optional = False
        doc = ""
        type_name: Any
        if isinstance(spec, str):
            type_name = spec
        elif isinstance(spec, Mapping):
            for key in spec:
                if key not in PARAMETER_KEYS:
                    raise DeclarationError(f"{at}: unknown key `{key}`; the keys are "
                                           + ", ".join(f"`{k}`" for k in PARAMETER_KEYS))
            type_name, doc, optional = spec.get("type"), spec.get("doc", ""), \
                spec.get("optional", False)
            if not isinstance(doc, str) or not isinstance(optional, bool):
                raise DeclarationError(f"{at}: `doc` is a string and `optional` true or false")
        else:
            raise DeclarationError(f"{at} must be a type such as \"str\" (\"str?\" when it may "
                                   "be null) or a table {type, doc, optional} (`optional = "
                                   "true` when it may be left out)")
        if not is_type_name(type_name):
            raise DeclarationError(f"{at}: the type must be one of {', '.join(TYPE_NAMES)}, "
                                   f"or one of them with `?` when it may be null, not "
                                   f"{describe(type_name)}")
        found.append(DeclaredParameter(name, str(type_name), doc, optional))
    return tuple(found)


def declarations_from_workflow(operations: Any) -> dict[str, OperationDeclaration]:
    """The declarations a compiled workflow carries (`metadata.operations`); raises
    DeclarationError naming the first one that is not valid."""
    if not isinstance(operations, Mapping):
        raise DeclarationError("metadata.operations must be a map of name -> declaration")
    found = {}
    for name in sorted(operations):
        table = operations[name]
        where = f"metadata.operations.{name}"
        order = table.get("order") if isinstance(table, Mapping) else None
        if order is not None and not (isinstance(order, list)
                                      and all(isinstance(item, str) for item in order)):
            raise DeclarationError(f"{where}: `order` must be a list of parameter names")
        body = {key: value for key, value in table.items() if key != "order"} \
            if isinstance(table, Mapping) else table
        found[name] = parse_declaration(name, body, where, order=order)
    return found


def workflow_operations(metadata: Mapping[str, Any]) -> Mapping[str, Operation]:
    """The built-in operations and the project operations a compiled workflow's metadata
    declares (raises DeclarationError): what the engine, `mission graph` and the report
    read a step's operation from."""
    from runtime.orchestration.operations import OPERATIONS

    if "operations" not in metadata:
        return OPERATIONS
    declared = declarations_from_workflow(metadata["operations"])
    return {**OPERATIONS, **{name: operation_of(d) for name, d in declared.items()}}


def emitted(declaration: OperationDeclaration) -> dict[str, Any]:
    """`to_json` plus the parameter order, for a compiled workflow."""
    return {**declaration.to_json(), "order": declaration.parameter_order}


# -- the operation the type checker and the engine see ------------------------------------


def _unbound(invocation: Invocation) -> Outcome:
    raise StepFailure("this project operation has no implementation bound to it")


def operation_of(declaration: OperationDeclaration,
                 implementation: Callable[[Invocation], Outcome] = _unbound) -> Operation:
    """The table entry for a declaration. The compiler uses it for types only; the engine
    binds a pure one's function for a run. An effect's entry turns what the effect runner
    returned into the step's result, checked against the declared type."""
    if declaration.kind == "effect":
        def implementation(invocation: Invocation) -> Outcome:
            return Outcome(result=checked_result(declaration, invocation.effect_result))
    parameters = [Parameter(p.name, p.type, p.doc or f"A {p.type} argument.",
                            required=not p.optional) for p in declaration.params]
    check = None
    if declaration.kind == "effect":
        parameters += [
            Parameter(TIMEOUT, "int", f"Seconds one attempt may take (default "
                      f"{declaration.timeout}, at most {MAX_TIMEOUT}).", required=False),
            Parameter(RETRY, "int", f"How many more attempts after a failed one (default 0, "
                      f"at most {MAX_RETRY}).", required=False),
        ]
        check = _check_effect_arguments
    signature = ", ".join(f"{p.name}: {p.type}" for p in declaration.params)
    example = f"{declaration.name}({signature})" + (" -> state.result" if declaration.result
                                                      else "")
    return Operation(declaration.name, declaration.step, tuple(parameters), declaration.result,
                     declaration.summary, declaration.doc or declaration.summary, implementation,
                     effect=declaration.name if declaration.kind == "effect" else None,
                     example=example, check=check, declaration=declaration)


def _check_effect_arguments(args: Mapping[str, Any]) -> None:
    timeout = args.get(TIMEOUT)
    if timeout is not None and not 1 <= timeout <= MAX_TIMEOUT:
        raise StepFailure(f"`timeout` must be from 1 to {MAX_TIMEOUT} seconds, found {timeout}")
    retry = args.get(RETRY)
    if retry is not None and not 0 <= retry <= MAX_RETRY:
        raise StepFailure(f"`retry` must be from 0 to {MAX_RETRY}, found {retry}")


def call_arguments(declaration: OperationDeclaration, args: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments the implementation is called with: the declared ones given."""
    declared = set(declaration.parameter_order)
    return {name: value for name, value in args.items() if name in declared}


def checked_result(declaration: OperationDeclaration, value: Any) -> Any:
    """The implementation's result, if it fits the declared result type (else StepFailure)."""
    from runtime.orchestration.values import NotJSONData, json_copy

    try:
        value = json_copy(value, "the result")
    except NotJSONData as problem:
        raise StepFailure(f"`{declaration.name}` returned something that is not JSON data: "
                          f"{problem}") from None
    if declaration.result is None:
        return None
    if not matches(value, declaration.result):
        raise StepFailure(f"`{declaration.name}` returned {describe(value)}, but it is declared "
                          f"to return {wanted(declaration.result)} ({declaration.result})")
    return value


def signature_problem(declaration: OperationDeclaration, function: Any) -> str | None:
    """None when `function` can be called with the declared parameters by name, else why not."""
    where = f"`{declaration.implementation}` (the implementation of `{declaration.name}`)"
    if not callable(function):
        return f"{where} is {describe(function)}, not a function"
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return f"{where} has no signature that can be checked"
    declared = {parameter.name: parameter for parameter in declaration.params}
    accepts_any = False
    problems = []
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            accepts_any = True
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        elif parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            problems.append(f"its parameter `{parameter.name}` is positional-only; arguments "
                            "are passed by name")
        elif parameter.name not in declared:
            if parameter.default is inspect.Parameter.empty:
                problems.append(f"it has a parameter `{parameter.name}` that is not declared")
        elif declared[parameter.name].optional and parameter.default is inspect.Parameter.empty:
            problems.append(f"`{parameter.name}` is declared optional but has no default")
    names = set(signature.parameters)
    missing = [name for name in declared if name not in names] if not accepts_any else []
    if missing:
        problems.append("it has no parameter " + ", ".join(f"`{name}`" for name in missing))
    if not problems:
        return None
    wanted_names = ", ".join(declared) or "no parameters"
    return f"{where} does not match its declaration ({wanted_names}): " + "; ".join(problems)
