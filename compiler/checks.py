"""Semantic checks: the anti-failure envelope, names, types and data flow.

`analyze` walks the tree once in source order and returns the diagnostics plus
an `Analysis` side table (types of state paths, where each is written and
read) that the emitter, the linter and the editor tooling reuse. The codes and
their documentation live in `compiler.rules`.

After a syntax error the tree lacks the items the parser dropped; the names
that text mentions (`Mentions`) are then taken as provided, so a dropped step
does not make every later read of what it wrote an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler import ast
from compiler.analysis import Analysis, FormField, expression_type, references, subexpressions
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Label, Severity
from compiler.narrowing import NO_FACTS, proven
from compiler.operations import BUILT_IN, OperationTable, installed_operations
from compiler.suggest import closest, did_you_mean, listed, one_of, rename_fix
from compiler.syntax import (
    ANY_NAME,
    NO_MENTIONS,
    RESERVED_NAMES,
    Mentions,
    missing_type,
    type_left_out,
)
from compiler.typer import Typer, match_call, type_from_ref
from runtime.orchestration.calling import ArgumentTypes, Operation
from runtime.orchestration.model import LANGUAGE_VERSIONS
from runtime.orchestration.operations import FIELD_KINDS, FORM_FIELDS
from runtime.orchestration.types import ANY, TYPE_NAMES, Type, fits, simple, type_of

MAX_TOTAL_STEPS = 5
MAX_HUMAN_STEPS = 2
STEP_KINDS = ("human", "runtime")
SUPPORTED_VERSIONS = LANGUAGE_VERSIONS  # the engine refuses a compiled workflow of another


class _Checker:
    def __init__(self, text: str, mentions: Mentions, operations: OperationTable) -> None:
        self.operations = operations
        self.diagnostics: list[Diagnostic] = []
        self.analysis = Analysis(table=operations)
        self.text = text
        self.mentions = mentions
        # state reads reported once all writes are known, with the type their place wants
        self.unprovided: list[tuple[ast.Name, str]] = []
        self.provided_at: dict[str, int] = {}  # state root -> where it is first provided
        self.step: ast.Step | None = None  # the step being checked (its guard narrows)
        self.facts = NO_FACTS  # what the step's `when` proves, for its call

    def error(self, code: str, message: str, span: Span, label: str = "",
              labels: Iterable[Label] = (), help: Iterable[str] = (),
              fix: Fix | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, message, span, label,
                                           tuple(labels), tuple(help), fix))

    # -- the mission ----------------------------------------------------------
    def check(self, mission: ast.Mission) -> None:
        self.check_name(mission.name, "mission name")
        self.check_versions(mission)
        for declaration in (*mission.params, *mission.inputs):
            self.check_declaration(declaration)
        self.check_envelope(mission)
        for step in mission.steps:
            self.check_step(step)
        self.report_unprovided()
        self.check_optional_keys(mission)

    def check_optional_keys(self, mission: ast.Mission) -> None:
        """`{key?: ...}` is a form's field that may be left out; in any other map the `?`
        means nothing, so it is an error (with its removal as the fix)."""
        roots = [item.default for item in mission.params + mission.inputs
                 if item.default is not None]
        for step in mission.steps:
            roots += [step.when] if step.when is not None else []
            roots += [argument.value for argument in step.call.arguments] if step.call else []
        for root in roots:
            for node in subexpressions(root):
                if not isinstance(node, ast.MapExpr) or node.span in self.analysis.form_maps:
                    continue
                for entry in node.entries:
                    mark = self.text.find("?", entry.key.span.end, entry.value.span.start)
                    if not entry.optional or mark == -1:
                        continue
                    self.error("E001", f"`{entry.key.text}?:` marks a form's field that may be "
                               "left out; a map elsewhere has no such key", Span(mark, mark + 1),
                               "only in a form's fields",
                               help=(f"write `{entry.key.text}:`",),
                               fix=Fix("remove the `?`", (Edit(Span(mark, mark + 1), ""),)))

    def check_name(self, name: ast.Name, what: str) -> None:
        if name.text in RESERVED_NAMES:
            self.error("E002",
                       f"`{name.text}` is a literal value and cannot be used as "
                       f"{'an' if what[0] in 'aeiou' else 'a'} {what}",
                       name.span, "reserved word",
                       help=(f"rename it, for example `{name.text}_value`",
                             "other keywords (`version`, `input`, `when`, ...) are fine as "
                             "names"))

    def check_versions(self, mission: ast.Mission) -> None:
        versions = mission.versions
        if not versions:
            # A broken `version` line, even a misspelled one, is already an E001.
            if not any(closest(word, ("version",)) or word.isdigit()
                       for word in self.mentions.starts):
                self.error("E019", "the mission does not say which language version it uses",
                           mission.name.span, "no `version` line in this mission",
                           help=("add `version 1` as the first line inside the braces",),
                           fix=self.version_fix(mission))
            return
        first = versions[0]
        if first.value.value not in SUPPORTED_VERSIONS:
            self.error("E019", f"language version {first.value.value} is not supported",
                       first.value.span, "unsupported version",
                       help=("this compiler understands version "
                             f"{one_of(map(str, SUPPORTED_VERSIONS))}",))
        for extra in versions[1:]:
            self.error("E019", "the language version is given more than once", extra.span,
                       "second `version`", labels=(Label(first.span, "first given here"),),
                       help=("keep one `version` line",))

    def version_fix(self, mission: ast.Mission) -> Fix | None:
        """Insert `version 1` just after the mission's `{`."""
        header_end = (mission.description or mission.name).span.end
        brace = self.text.find("{", header_end, mission.span.end)
        if brace == -1 or self.text[header_end:brace].strip():
            return None
        return Fix("add `version 1`", (Edit(Span(brace + 1, brace + 1), "\n    version 1\n"),))

    # -- declarations ---------------------------------------------------------------
    def check_declaration(self, declaration: ast.Declaration) -> None:
        table = self.analysis.params if declaration.keyword == "param" else self.analysis.inputs
        what = declaration.keyword
        self.check_name(declaration.name, f"{what} name")
        name = declaration.name.text
        if name in table:
            self.error("E014", f"the {what} `{name}` is declared twice", declaration.name.span,
                       "declared again here",
                       labels=(Label(table[name].name.span, "first declared here"),),
                       help=(f"remove one of the two `{what} {name}` lines, or rename one",))
            return
        table[name] = declaration
        type_name = declaration.type.name.text
        if type_left_out(declaration, self.text):
            self.diagnostics.append(missing_type(declaration))
            type_name = "any"
        elif type_name not in TYPE_NAMES:
            self.error("E015", f"unknown type `{type_name}`", declaration.type.name.span,
                       "not a type",
                       help=(*did_you_mean(type_name, TYPE_NAMES),
                             f"the types are {one_of(TYPE_NAMES)}"))
            type_name = "any"
        for inner in _inner_type_names(declaration.type):
            if inner.text not in TYPE_NAMES:
                self.error("E015", f"unknown type `{inner.text}`", inner.span, "not a type",
                           help=(*did_you_mean(inner.text, TYPE_NAMES),
                                 f"the types are {one_of(TYPE_NAMES)}"))
        self.check_range(declaration.type, type_name)
        shape = type_from_ref(declaration.type) if type_name != "any" else ANY
        if what == "param":
            self.analysis.param_shapes[name] = shape
        if declaration.default is not None:
            self.check_default(declaration, type_name)
        if what == "input":
            self.analysis.state_types[name] = type_name
            self.analysis.state_shapes[name] = shape
            self.analysis.writes.setdefault(name, [])
            self.provided_at.setdefault(name, -1)

    def check_range(self, type_ref: ast.TypeRef, type_name: str) -> None:
        if type_ref.minimum is None or type_ref.maximum is None:
            return
        if type_name not in ("int", "float", "number"):
            self.error("E021", f"a range (`in A..B`) only applies to numbers, not `{type_name}`",
                       type_ref.span, "range on a non-number",
                       help=("remove the range, or use int, float or number",))
            return
        low, high = type_ref.minimum.value, type_ref.maximum.value
        assert isinstance(low, (int, float)) and isinstance(high, (int, float))
        if low > high:
            self.error("E021", f"the range {low}..{high} is empty", type_ref.span,
                       "the lower bound is above the upper bound",
                       help=(f"write `in {high}..{low}`",))

    def check_default(self, declaration: ast.Declaration, type_name: str) -> None:
        default = declaration.default
        assert default is not None
        found = list(references(default))
        if found:
            self.error("E016", "a default must be written out, not read from "
                       f"`{found[0].dotted}`", found[0].span, "not a literal value",
                       help=("write the value itself, for example `= 3` or `= []`",))
            return
        computed = next((node for node in subexpressions(default)
                         if not isinstance(node, (ast.Literal, ast.ListExpr, ast.MapExpr))), None)
        if computed is not None:  # emitted as data: the engine would refuse the workflow
            self.error("E016", "a default must be written out, not computed",
                       computed.span, "computed, not a value",
                       help=("write the value itself, for example `= 3`, `= [true]` or "
                             "`= {a: 1}`",))
            return
        value_type = self.typed(default)
        declared = type_from_ref(declaration.type) if type_name != "any" else ANY
        if not fits(value_type, declared):
            self.error("E016", f"the default of `{declaration.name.text}` is {value_type}, "
                       f"but it is declared {declared}", default.span, f"this is {value_type}",
                       help=(f"give a {declared} default, or change the declared type",))
            return
        if isinstance(default, ast.Literal) and isinstance(default.value, (int, float)) \
                and not isinstance(default.value, bool):
            low, high = declaration.type.minimum, declaration.type.maximum
            if low is not None and high is not None and not (
                low.value <= default.value <= high.value  # type: ignore[operator]
            ):
                self.error("E016", f"the default {default.value} is outside the range "
                           f"{low.value}..{high.value}", default.span, "out of range",
                           help=("pick a default inside the range",))

    # -- the envelope ---------------------------------------------------------------
    def check_envelope(self, mission: ast.Mission) -> None:
        steps = mission.steps
        if len(steps) > MAX_TOTAL_STEPS:
            extra = steps[MAX_TOTAL_STEPS]
            self.error(
                "E003", f"a mission has at most {MAX_TOTAL_STEPS} steps; this one has {len(steps)}",
                extra.kind.span.cover(extra.id.span),
                f"step {MAX_TOTAL_STEPS + 1} is over the limit",
                labels=tuple(Label(s.id.span, f"step {i + 1}") for i, s in
                             enumerate(steps[:MAX_TOTAL_STEPS])),
                help=("the anti-failure envelope allows at most 5 steps: merge steps or split "
                      "the mission in two",),
            )
        human = [step for step in steps if step.kind.text == "human"]
        if len(human) > MAX_HUMAN_STEPS:
            extra = human[MAX_HUMAN_STEPS]
            self.error(
                "E004", f"a mission has at most {MAX_HUMAN_STEPS} human steps; this one has "
                f"{len(human)}", extra.kind.span.cover(extra.id.span),
                f"human step {MAX_HUMAN_STEPS + 1} is over the limit",
                labels=tuple(Label(s.id.span, f"human step {i + 1}") for i, s in
                             enumerate(human[:MAX_HUMAN_STEPS])),
                help=("the anti-failure envelope allows at most 2 human steps: ask several "
                      "fields in one `form(...)` step, or move a check to a runtime step",),
            )

    # -- steps ----------------------------------------------------------------------
    def check_step(self, step: ast.Step) -> None:
        kind = step.kind.text
        self.check_name(step.id, "step id")
        if kind not in STEP_KINDS:
            self.error("E005", f"unknown step kind `{kind}`", step.kind.span, "not a step kind",
                       help=(*did_you_mean(kind, STEP_KINDS),
                             "a step is `runtime` (the engine does it) or `human` (a person "
                             "answers)"),
                       fix=rename_fix(kind, step.kind.span, STEP_KINDS))
        if step.id.text in self.analysis.steps:
            first = self.analysis.steps[step.id.text]
            self.error("E007", f"the step id `{step.id.text}` is used twice", step.id.span,
                       "used again here", labels=(Label(first.id.span, "first defined here"),),
                       help=("give every step its own id",))
        else:
            self.analysis.steps[step.id.text] = step
        if step.group is not None and kind != "human":
            self.error("E024", f"only a human step is answered by a group; `{step.id.text}` is "
                               f"a {kind} step", step.group.span, "`by` on a step nobody answers",
                       help=("remove `by " + step.group.text + "`, or make the step `human`",))
        self.step, self.facts = step, NO_FACTS
        if step.when is not None:
            self.check_spacing(step.when, after_when=True)
            self.check_reads(step.when, "bool")
            when_type = self.typed(step.when)
            if not fits(when_type, Type("bool")):
                self.error("E022", f"a `when` condition must be true or false, not {when_type}",
                           step.when.span, f"this is {when_type}",
                           help=(f"it may be null: write `{step.when.dotted} == true` (false "
                                 "when null), or give a default: "
                                 f"`{step.when.dotted} ?? false`",)
                           if when_type.nullable and isinstance(step.when, ast.Reference) else
                           ("compare it, for example `state.count > 0` or "
                            "`state.status == \"ready\"`",))
            self.facts = proven(step.when, True)
        if step.call is not None:
            self.check_call(step, step.call, kind)
        elif kind == "human":
            self.error("E020", f"the human step `{step.id.text}` asks nothing",
                       step.kind.span.cover(step.id.span), "empty human step",
                       help=('ask a question, for example `confirm("Go ahead?") -> '
                             'state.approved`',))
        if step.approvals or step.except_starter or step.reminder or step.deadlines:
            from compiler import deadlines  # a mission without time limits never needs it

            deadlines.check_step(step, self.analysis, self.error)

    def check_call(self, step: ast.Step, call: ast.Call, kind: str) -> None:
        name = call.operation.text
        for given in call.arguments:
            self.check_spacing(given.value)
        problem = self.operations.problem(name)
        if problem is not None:
            self.error("E030", f"the project's declaration of `{name}` is not valid",
                       call.operation.span, "declared, but not validly",
                       help=(problem, "fix the declaration in the project's configuration "
                             "(docs/language.md, \"Operations a project brings itself\")"))
            self.unchecked_call(call)
            return
        operation = self.operations.get(name)
        if operation is not None and self.operations.local(name) is None:
            self.analysis.uses_installed = True
        if operation is None:
            self.unknown_operation(call, kind)
            return
        self.analysis.operations[step.id.text] = operation
        if operation.compute is not None:
            self.check_data_step(step, call, operation)
            return
        if kind in STEP_KINDS and operation.kind != kind:
            known = self.operations.known()
            self.error("E013", f"`{name}` is a {operation.kind} operation and cannot be used in a "
                       f"{kind} step", call.operation.span, f"{operation.kind} operation",
                       help=(f"make the step `{operation.kind} {step.id.text}`, or use "
                             f"{one_of(n for n, o in known.items() if o.kind == kind)}",))
        matched = dict(match_call(operation, name, call.arguments, call.span, self.error).single)
        self.analysis.arguments[step.id.text] = matched
        # A form's fields are questions, not a value: checked on their own.
        form = matched.get("fields") if operation.name == "form" else None
        types = self.check_arguments(
            name, operation, {key: value for key, value in matched.items() if value is not form})
        fields = self.check_form(step, form.value) if form is not None else None
        self.record_writes(step, operation, matched)
        if call.output is not None:
            if operation.result is None:
                self.error("E017", f"`{name}` has no result to write", call.output.span,
                           "nothing to write here",
                           help=(f"remove `-> {call.output.dotted}`",))
            else:
                written = operation.result_type(ArgumentTypes(types)) if fields is None else \
                    Type("map", fields=tuple((key, simple(kind)) for key, kind in fields.items()),
                         optional=frozenset(entry.key.text for entry in form.value.entries
                                            if entry.optional)
                         if form is not None and isinstance(form.value, ast.MapExpr)
                         else frozenset())
                self.write(call.output, written)
                if kind == "human":
                    self.analysis.answer_types[step.id.text] = written
                if fields is not None and len(call.output.path) == 1:
                    self.analysis.state_fields[call.output.path[0].text] = fields
        elif operation.result is not None and kind == "human":
            self.error("E017", f"the answer to `{name}` is not stored", call.span,
                       "the answer goes nowhere",
                       help=(f"write it to the state: `-> state.{step.id.text}_answer`",))

    def check_arguments(self, name: str, operation: Operation,
                        matched: dict[str, ast.Argument]) -> dict[str, Type]:
        """The reads of the arguments, then their types (returned, by parameter)."""
        # Reads happen before writes: `append(to: state.log, value: state.log)` reads first.
        for parameter in operation.parameters:
            argument = matched.get(parameter.name)
            if argument is not None and not parameter.place:
                self.check_reads(argument.value, parameter.type)
        typer = self.typer()
        items = operation.items_parameter
        element = ANY
        types: dict[str, Type] = {}
        for parameter in operation.parameters:
            argument = matched.get(parameter.name)
            if argument is None:
                continue
            if parameter.place:
                self.check_place(argument, parameter.name, name)
                continue
            if parameter.per_item:
                types[parameter.name] = typer.type_of(argument.value, element,
                                                      self.facts.without_item())
            else:
                types[parameter.name] = typer.type_of(argument.value, facts=self.facts)
                if parameter.name == items:
                    element = types[parameter.name].element or ANY
            typer.check_argument(operation, parameter, argument, types[parameter.name],
                                 self.type_origin(argument.value))
        return types

    # -- forms ------------------------------------------------------------------------
    def check_form(self, step: ast.Step, value: ast.Expr) -> dict[str, str] | None:
        """The fields of `form(...)`: a map, written in the mission, of one question per
        field. Returns each field's answer type (the shape of the stored answer)."""
        example = '`fields: {today: text("What will you do today?"), blocked: ' \
                  'confirm("Blocked?")}`'
        if not isinstance(value, ast.MapExpr):
            self.check_reads(value)
            self.error("E040", "the fields of a form must be written in the mission, as a map "
                       "of questions", value.span, "not a map of questions",
                       help=(f"for example {example}",))
            return None
        self.analysis.form_maps.add(value.span)
        if not value.entries:
            self.error("E041", "this form has no fields", value.span, "an empty form",
                       help=(f"give it at least one field, for example {example}",))
            return None
        fields: dict[str, str] = {}
        first: dict[str, ast.Name] = {}
        checked: list[FormField] = []
        for entry in value.entries:
            name = entry.key
            if name.text in first:
                self.error("E042", f"the form asks the field `{name.text}` twice", name.span,
                           "asked again here", labels=(Label(first[name.text].span,
                                                             "first asked here"),),
                           help=("give every field its own name; the answer is a map with one "
                                 "key per field",))
                continue
            first[name.text] = name
            self.check_name(name, "form field")
            found = self.check_field(entry.value)
            if found is None:
                fields[name.text] = "any"
                continue
            kind, arguments = found
            fields[name.text] = FORM_FIELDS[kind].result or "any"
            checked.append(FormField(name, kind, arguments, entry.optional))
        self.analysis.form_fields[step.id.text] = checked
        return fields

    def check_field(self, value: ast.Expr) -> tuple[str, dict[str, ast.Argument]] | None:
        """One field: a question call (`text("...")`, `number("...", min: 0)`, ...)."""
        kinds = one_of(FIELD_KINDS)
        if not isinstance(value, ast.CallExpr):
            self.check_reads(value)
            self.error("E040", "a form field must be a question", value.span, "not a question",
                       help=(f"write one of {kinds}, for example `text(\"Why?\")`",))
            return None
        kind = value.function.text
        operation = FORM_FIELDS.get(kind)
        if operation is None:
            for argument in value.arguments:
                self.check_reads(argument.value)
            self.error("E040", f"unknown form field type `{kind}`", value.function.span,
                       "not a field type",
                       help=(*did_you_mean(kind, FIELD_KINDS), f"a field is one of {kinds}"),
                       fix=rename_fix(kind, value.function.span, FIELD_KINDS))
            return None
        matched = dict(match_call(operation, kind, value.arguments, value.span,
                                  self.error).single)
        self.check_arguments(kind, operation, matched)
        low, high = _literal_number(matched.get("min")), _literal_number(matched.get("max"))
        if low is not None and high is not None and low[0] > high[0]:
            self.error("E040", f"the field's `min` ({low[0]}) is greater than its `max` "
                       f"({high[0]}): no answer could fit", low[1].cover(high[1]),
                       "an empty range", labels=(Label(low[1], "the smallest answer"),
                                                 Label(high[1], "the largest answer")),
                       help=("swap the two bounds, or widen the range",))
        options = matched.get("options")
        if options is not None and isinstance(options.value, ast.ListExpr) \
                and not options.value.items:
            self.error("E040", "this choose field has no options", options.value.span,
                       "nothing to choose from",
                       help=('list the options, for example `options: ["yes", "later"]`',))
        return kind, matched

    def type_origin(self, value: ast.Expr) -> tuple[Label, ...]:
        """Where a param's or an input's type was declared, when `value` is one (E011)."""
        if not isinstance(value, ast.Reference) or not value.path:
            return ()
        declarations = {"param": self.analysis.params, "state": self.analysis.inputs}
        declaration = declarations.get(value.root, {}).get(value.path[0].text)
        if declaration is None:
            return ()
        span = declaration.name.span.cover(declaration.type.span)
        return (Label(span, f"`{value.root}.{value.path[0].text}` is declared "
                            f"{declaration.type.name.text} here"),)

    def check_data_step(self, step: ast.Step, call: ast.Call, operation: Operation) -> None:
        """`filter(state.bugs, where: ...) -> state.open`: the call typed as in an expression,
        its value stored like `set`."""
        name = operation.name
        if step.kind.text != "runtime":
            self.error("E013", f"`{name}` is a runtime operation and cannot be used in a "
                       f"{step.kind.text} step", call.operation.span, "runtime operation",
                       help=(f"make the step `runtime {step.id.text}`",))
        if name == "desc":
            self.error("E027", "`desc` only marks a key of `sort`'s `by`", call.operation.span,
                       "not inside `sort(..., by: ...)`",
                       help=("sort descending with `sort(LIST, by: desc(item.FIELD))`",))
        matched = match_call(operation, name, call.arguments, call.span, self.error)
        self.analysis.calls[step.id.text] = matched
        self.analysis.arguments[step.id.text] = dict(matched.single)
        for argument in (*matched.single.values(), *matched.spread, *matched.rest):
            self.check_reads(argument.value)
        result = self.typer().call_type(operation, matched, None, self.facts)
        if call.output is not None:
            self.write(call.output, result)

    def unknown_operation(self, call: ast.Call, kind: str) -> None:
        name = call.operation.text
        known = self.operations.known(include_installed=True)
        same_kind = [op for op, o in known.items() if o.kind == kind and op != "desc"]
        candidates = same_kind or [op for op in known if op != "desc"]
        where = f"operations for {kind} steps" if same_kind else "operations"
        _, unreadable = installed_operations()
        self.error("E006", f"unknown operation `{name}`", call.operation.span,
                   "not an operation",
                   help=(*did_you_mean(name, candidates), listed(candidates, where),
                         *(f"not read: {problem}" for problem in unreadable[:3]),
                         self.operations.read_from),
                   fix=rename_fix(name, call.operation.span, candidates))
        self.unchecked_call(call)

    def unchecked_call(self, call: ast.Call) -> None:
        """A call of an operation whose signature is unknown: which arguments it would
        read or write is unknown, so params are checked and state paths count as provided,
        and nothing cascades from the one error."""
        for argument in call.arguments:
            for reference in references(argument.value):
                if reference.root == "param":
                    self.check_reads(reference)
                elif reference.path:
                    self.provided_at.setdefault(reference.path[0].text, reference.span.start)
                    self.analysis.reads.setdefault(reference.path[0].text, []).append(
                        reference.span)
        if call.output is not None:  # still provides it, so later reads do not cascade
            self.write(call.output, ANY)
            if call.output.path:
                self.analysis.unknown_results.add(call.output.path[0].text)

    def check_place(self, argument: ast.Argument, parameter: str, operation: str) -> None:
        value = argument.value
        if not isinstance(value, ast.Reference) or value.root != "state":
            self.error("E017", f"`{parameter}` of `{operation}` must be a state path such as "
                       f"`state.{parameter}`", value.span, "not a state path",
                       help=("the operation writes there, so it must name a place in the state",))

    def record_writes(self, step: ast.Step, operation: Operation,
                      matched: dict[str, ast.Argument]) -> None:
        for parameter in operation.parameters:
            argument = matched.get(parameter.name)
            if argument is None or not parameter.place:
                continue
            target = argument.value
            if not isinstance(target, ast.Reference) or target.root != "state":
                continue
            if operation.name == "remove":
                self.check_reads(target)
                self.removed(target, "item" in matched)
                continue
            written = simple(parameter.type)
            if operation.name == "set":
                value = matched.get("value")
                written = self.analysis.typer().type_of(value.value, facts=self.facts) \
                    if value else ANY
            elif operation.name == "copy":
                source = matched.get("from")
                written = self.analysis.typer().type_of(source.value, facts=self.facts) \
                    if source else ANY
            self.write(target, written)

    def removed(self, target: ast.Reference, from_list: bool) -> None:
        """`remove(at: state.x.f)`: the field `f` of a record may be absent from here on."""
        root = self.analysis.state_shapes.get(target.path[0].text)
        if from_list or len(target.path) != 2 or root is None or root.fields is None:
            return
        name = target.path[1].text
        if root.field(name) is not None:
            self.analysis.state_shapes[target.path[0].text] = Type(
                "map", fields=root.fields, nullable=root.nullable,
                optional=root.optional | {name})

    def write(self, target: ast.Reference, written: Type) -> None:
        if target.root != "state":
            self.error("E017", f"`{target.dotted}` cannot be written: params are read-only",
                       target.span, "a param", help=("write to `state.` instead",))
            return
        root = target.path[0].text
        self.analysis.writes.setdefault(root, []).append(target.span)
        self.provided_at.setdefault(root, target.span.start)
        shape = self.analysis.state_fields
        if len(target.path) == 1:
            self.analysis.state_types[root] = written.name
            self.analysis.state_shapes[root] = written
            shape.pop(root, None)  # a form's answer written over: its fields are not known
        else:
            self.analysis.state_types.setdefault(root, "map")
            self.analysis.state_shapes[root] = _with_field(
                self.analysis.state_shapes.get(root), target.path[1].text,
                written if len(target.path) == 2 else ANY)
            if root in shape:  # a form's answer with a field added or changed
                shape[root] = {**shape[root],
                               target.path[1].text: written.name if len(target.path) == 2
                               else "any"}

    # -- expressions --------------------------------------------------------------
    def check_reads(self, expression: ast.Expr, wanted: str = "any") -> None:
        """Record the reads in `expression`; `wanted` is the type its place takes (for the
        declaration a help line suggests)."""
        whole = isinstance(expression, ast.Reference) and len(expression.path) == 1
        for reference in references(expression):
            if reference.root == "item":  # the current element of a list operation
                continue
            head = reference.path[0]
            type_name = wanted if whole and wanted in TYPE_NAMES else "any"
            if reference.root == "param":
                self.analysis.param_reads.setdefault(head.text, []).append(reference.span)
                if head.text not in self.analysis.params \
                        and not self.mentions.params & {head.text, ANY_NAME}:
                    self.error("E008", f"`{reference.dotted}` is not a declared param", head.span,
                               "undeclared param",
                               help=(*did_you_mean(head.text, self.analysis.params),
                                     "declare it: `param "
                                     f"{head.text}: {type_name if type_name != 'any' else 'str'}`"),
                               fix=rename_fix(head.text, head.span, self.analysis.params))
                continue
            self.analysis.reads.setdefault(head.text, []).append(reference.span)
            shape = self.analysis.state_fields.get(head.text)
            if shape is not None and len(reference.path) >= 2 \
                    and reference.path[1].text not in shape:
                field_name = reference.path[1]
                self.error("E043", f"`state.{head.text}` holds a form's answer, which has no "
                           f"field `{field_name.text}`", field_name.span, "not a field of the form",
                           help=(*did_you_mean(field_name.text, shape),
                                 "the form's fields: " + ", ".join(f"`{n}`" for n in shape)),
                           fix=rename_fix(field_name.text, field_name.span, shape))
            if head.text not in self.provided_at \
                    and not self.mentions.state & {head.text, ANY_NAME}:
                self.unprovided.append((head, type_name))
                self.provided_at[head.text] = head.span.start  # report each name once

    def check_spacing(self, condition: ast.Expr, after_when: bool = False) -> None:
        """`whenstate.x` and `notstate.x`: a keyword glued to the word after it.

        Where no name can stand, the lexer reads the keyword at the start of a
        longer word, so the text means `when state.x`; it reads as a typo, so it
        is an error, with the space as its fix.
        """
        text = self.text
        glued: list[tuple[str, int]] = []
        if after_when and 0 < condition.span.start <= len(text) \
                and _is_word(text[condition.span.start - 1]):
            glued.append(("when", condition.span.start))
        for node in subexpressions(condition):
            end = node.span.start + 3
            if isinstance(node, ast.Unary) and node.operator == "not" and end < len(text) \
                    and _is_word(text[end]):
                glued.append(("not", end))
        reported_to = -1
        for keyword, at in glued:
            start = at - len(keyword)
            if start < reported_to:  # `notnotstate`: one word, one error
                continue
            word_end = at
            while word_end < len(text) and _is_word(text[word_end]):
                word_end += 1
            reported_to = word_end
            self.error("E001", f"`{text[start:word_end]}` is read as `{keyword}` followed by "
                       f"`{text[at:word_end]}`", Span(start, word_end), "missing space",
                       help=(f"write `{keyword} {text[at:word_end]}`",),
                       fix=Fix(f"put a space after `{keyword}`", (Edit(Span(at, at), " "),)))

    def report_unprovided(self) -> None:
        reported = {head.text for head, _ in self.unprovided}
        for head, type_name in self.unprovided:
            name = head.text
            self.analysis.unprovided.add(name)
            later = [span for span in self.analysis.writes.get(name, ())
                     if span.start > head.span.start]
            provided = [other for other, at in self.provided_at.items()
                        if at < head.span.start and other not in reported]
            if later:
                help_lines: tuple[str, ...] = (
                    "steps run in order: move the step that writes it before this one",)
            else:
                help_lines = (*did_you_mean(name, provided),
                              f"declare it: `input {name}: {type_name}`, or write it in an "
                              "earlier step")
            self.error("E009", f"`state.{name}` is read, but it is not a declared input and no "
                       "earlier step writes it", head.span, "nothing provides this",
                       labels=tuple(Label(span, "written here, later") for span in later[:1]),
                       help=help_lines,
                       fix=None if later else rename_fix(name, head.span, provided))

    def expression_type(self, expression: ast.Expr) -> str:
        return expression_type(expression, self.analysis)

    def typed(self, expression: ast.Expr) -> Type:
        """The expression's type, reporting its type errors (once per expression)."""
        return self.typer().type_of(expression)

    def typer(self) -> Typer:
        """A typer that reports, with the fix of an E031 in the step being checked."""
        return Typer(self.analysis.state_shapes, self.analysis.param_shapes, self.error,
                     self.operations.local, guard=self.guard_fix, source=self.text)

    def guard_fix(self, dotted: str) -> Fix | None:
        """Guard the step being checked with `dotted != null`, before its own condition (the
        read may be in it), so the step runs only when the read cannot fail."""
        step = self.step
        if step is None:
            return None
        test = f"{dotted} != null"
        when = step.when
        if when is None:
            at = (step.group or step.description or step.id).span.end
            return Fix(f"guard the step: `when {test}`", (Edit(Span(at, at), f" when {test}"),))
        start, end = when.span.start, when.span.end
        edits: tuple[Edit, ...]
        if isinstance(when, ast.Conditional) or (isinstance(when, ast.Binary)
                                                 and when.operator == "or"):
            edits = (Edit(Span(start, start), f"{test} and ("), Edit(Span(end, end), ")"))
        else:
            edits = (Edit(Span(start, start), f"{test} and "),)
        return Fix(f"guard the step: `{test} and ...`", edits)


def _inner_type_names(type_ref: ast.TypeRef) -> list[ast.Name]:
    """The type names inside a declared type: its element's and its records' fields'."""
    found: list[ast.Name] = []
    stack: list[ast.TypeRef | ast.RecordType] = [type_ref.element] if type_ref.element else []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.RecordType):
            stack.extend(field_type.type for field_type in reversed(node.fields))
            continue
        found.append(node.name)
        if node.element is not None:
            stack.append(node.element)
    return found


def _with_field(record: Type | None, name: str, written: Type) -> Type:
    """The type of a map after a write of its field `name` (`state.x.name`): a record keeps
    its other fields; the map is not null any more (the write made it one)."""
    if record is None or record.fields is None:
        return Type("map")
    fields = [(key, written if key == name else value) for key, value in record.fields]
    if all(key != name for key, _ in record.fields):
        fields.append((name, written))
    return Type("map", fields=tuple(fields), optional=record.optional - {name})


def _literal_number(argument: ast.Argument | None) -> tuple[int | float, Span] | None:
    """The number an argument is written as, with its span; None unless a number literal."""
    if argument is None or not isinstance(argument.value, ast.Literal):
        return None
    value = argument.value.value
    if type_of(value) not in ("int", "float"):
        return None
    assert isinstance(value, (int, float))
    return value, argument.value.span


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def analyze(mission: ast.Mission, text: str = "", mentions: Mentions = NO_MENTIONS,
            operations: OperationTable = BUILT_IN) -> tuple[list[Diagnostic], Analysis]:
    """Check a mission; `text` is its source (for fixes), `mentions` what recovery dropped,
    `operations` what it may call (the project's own operations besides the built-in ones)."""
    checker = _Checker(text, mentions, operations)
    checker.check(mission)
    return checker.diagnostics, checker.analysis
