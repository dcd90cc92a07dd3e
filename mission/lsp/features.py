"""The language features, as plain functions of a document snapshot.

Every answer comes from the compiler (`compile_source`: the same diagnostics
as `mission check`), its `Analysis` side table, the operation table and the
formatter; when the text does not parse, completion and hover fall back to
the forgiving tokens of `mission.lsp.context`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lsprotocol import types

from compiler import ast, compile_source
from compiler.analysis import references as references_in
from compiler.analysis import subexpressions
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Severity
from compiler.typer import Typer, match_call, type_from_ref
from mission.lsp import context, testfiles
from mission.lsp.snapshot import Snapshot
from runtime.orchestration.calling import Operation
from runtime.orchestration.operations import FORM_FIELDS, OPERATIONS
from runtime.orchestration.types import ANY, TYPE_NAMES, Type

KEYWORD_DOCS: dict[str, str] = {
    "mission": '`mission NAME "description" { ... }`: one mission per file, with at most 5 '
               "steps, at most 2 of them human.",
    "version": "`version 1`: the language version the mission is written in (required, once).",
    "param": "`param NAME: TYPE [in MIN..MAX] [= DEFAULT]`: a value given by whoever runs the "
             "mission, read as `param.NAME`; required when it has no default.",
    "input": "`input NAME: TYPE [= DEFAULT]`: a key of the initial state the mission reads, "
             "as `state.NAME`.",
    "state": "`state.NAME`: the run's state, a JSON object that steps read and write.",
    "when": "`when CONDITION`: the step runs only when the condition is true; otherwise it is "
            "recorded as skipped.",
    "by": "`by GROUP`: on a human step, the group whose members may answer it under "
          "`mission serve`; `by N of GROUP`: N distinct people of the group must answer.",
    "of": "`by N of GROUP`: N distinct people of the group must answer (1 to 20; `by 1 of "
          "GROUP` is `by GROUP`). A `confirm` is approved by N yes answers and refused by the "
          "first no; any other question is decided when N people gave the same answer. A "
          "person answers a step once.",
    "except": "`except starter`: the person who started the run may not answer this step "
              "(no self-approval).",
    "starter": "`except starter`: the person who started the run may not answer this step "
               "(no self-approval).",
    "remind": "`remind DURATION before`: a reminder that long before each deadline of the "
              "step; it must be shorter than every wait (E050).",
    "before": "`remind DURATION before`: a reminder that long before each deadline of the "
              "step; it must be shorter than every wait (E050).",
    "after": "`after DURATION ACTION`: a deadline. The first counts from when the step starts "
             "waiting, each later one from the escalation before it. ACTION is `answer VALUE`, "
             "`fail \"REASON\"` or `escalate to GROUP`; at most 4 deadlines, and only the "
             "last may answer or fail.",
    "answer": "`after DURATION answer VALUE`: when nobody answered in time, VALUE is the "
              "step's answer, given by \"the deadline\". It is written as a person would "
              "answer, and checked against the question at compile time (E051).",
    "fail": "`after DURATION fail \"REASON\"`: when nobody answered in time, the step fails, "
            "and the run with it; without a reason the compiler words one (`no answer within "
            "2 days`).",
    "escalate": "`after DURATION escalate to GROUP`: when nobody decided in time, the question "
                "moves to GROUP: from then on its members answer, not the group before; "
                "answers already given still count, and the next `after` line counts from here.",
    "to": "`after DURATION escalate to GROUP`: when nobody decided in time, the question moves "
          "to GROUP: from then on its members answer, not the group before.",
    "item": "`item`: the current item of the list an operation goes through (`item.NAME` "
            "reads one of its fields).",
    "if": "`if CONDITION then A else B`: A when the condition is true, else B.",
    "then": "`if CONDITION then A else B`: A when the condition is true, else B.",
    "else": "`if CONDITION then A else B`: A when the condition is true, else B.",
    "runtime": "A `runtime` step: the engine does it, with one operation call.",
    "human": "A `human` step: a person answers one question (`confirm`, `choose`, `text`, "
             "`number`, `date`, or a `form` of several fields); the run waits for the answer.",
    "and": "`A and B`: true when both are true.",
    "or": "`A or B`: true when either is true.",
    "not": "`not A`: true when A is false.",
    "in": "`X in LIST_MAP_OR_STRING`: membership; in a declaration, `in MIN..MAX` is a range.",
    "true": "The boolean true.",
    "false": "The boolean false.",
    "null": "The null value. A type written `T?` (`date?`) also holds null; `find`, `first`, "
            "`min` and `max` give a `T?`. Guard a read with `x != null` (in a `when`, an "
            "`and` chain or an `if`) or give a default with `x ?? DEFAULT`.",
    "??": "`A ?? B`: A, or B when A is null. Where A is a reference (`state.next.name`), a "
          "missing key or a null along its path also gives B.",
}


# -- diagnostics and fixes ------------------------------------------------------------

SOURCE = "mission"  # the `source` of every diagnostic
SEVERITIES = {Severity.ERROR: types.DiagnosticSeverity.Error,
              Severity.WARNING: types.DiagnosticSeverity.Warning,
              Severity.NOTE: types.DiagnosticSeverity.Information}


def to_lsp(snapshot: Snapshot, diagnostic: Diagnostic) -> types.Diagnostic:
    """The diagnostic as LSP has it: the `help:` lines end the message, and the labels are
    related locations."""
    related = [types.DiagnosticRelatedInformation(snapshot.location(label.span), label.message)
               for label in diagnostic.labels]
    return types.Diagnostic(
        range=snapshot.lines.range(diagnostic.span),
        message=diagnostic.message + "".join(f"\nhelp: {line}" for line in diagnostic.help),
        severity=SEVERITIES[diagnostic.severity], code=diagnostic.code, source=SOURCE,
        related_information=related or None)


def diagnostics(snapshot: Snapshot) -> list[types.Diagnostic]:
    return [to_lsp(snapshot, diagnostic) for diagnostic in snapshot.result.diagnostics]


def _overlaps(span: Span, wanted: Span) -> bool:
    return span.start <= wanted.end and wanted.start <= span.end


FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for actions of `kind` (`only` lists kinds or their prefixes)."""
    return only is None or any(kind == asked or kind.startswith(asked + ".") for asked in only)


def code_actions(snapshot: Snapshot, wanted: types.Range,
                 only: Sequence[str] | None = None) -> list[types.CodeAction]:
    """A quick fix for each diagnostic in the range that carries an autofix; and, when asked
    for by kind (`source.fixAll`, as on save), every fix at once as `mission check --fix`."""
    area = snapshot.lines.span(wanted)
    actions = []
    quick_fixes = _wanted(types.CodeActionKind.QuickFix, only)
    for diagnostic in snapshot.result.diagnostics if quick_fixes else ():
        if diagnostic.fix is None or not _overlaps(diagnostic.span, area):
            continue
        edits = [types.TextEdit(snapshot.lines.range(edit.span), edit.replacement)
                 for edit in diagnostic.fix.edits]
        actions.append(types.CodeAction(
            title=diagnostic.fix.message, kind=types.CodeActionKind.QuickFix,
            diagnostics=[to_lsp(snapshot, diagnostic)], is_preferred=True,
            edit=types.WorkspaceEdit(changes={snapshot.uri: edits}),
        ))
    if only is not None and _wanted(FIX_ALL, only):
        fixed = fix_all(snapshot)
        if fixed != snapshot.text:
            actions.append(types.CodeAction(
                title="Fix all: apply every certain fix (mission check --fix)", kind=FIX_ALL,
                edit=types.WorkspaceEdit(changes={snapshot.uri: [_whole(snapshot, fixed)]})))
    return actions


def fix_all(snapshot: Snapshot) -> str:
    """The text after every certain fix, in rounds, exactly as `mission check --fix` does."""
    from compiler.fix import fix_text

    path = snapshot.result.source.path
    return fix_text(snapshot.text, lambda text: compile_source(
        text, path, config=snapshot.config).diagnostics).text


def _whole(snapshot: Snapshot, replacement: str) -> types.TextEdit:
    end = snapshot.lines.position(len(snapshot.text))
    return types.TextEdit(types.Range(types.Position(0, 0), end), replacement)


def formatting(snapshot: Snapshot) -> list[types.TextEdit]:
    """One edit replacing the whole text, or none; raises `FormatError` like `mission fmt`."""
    from compiler.format import format_source

    formatted = format_source(snapshot.text, snapshot.result.source.path, snapshot.config.limits)
    return [] if formatted == snapshot.text else [_whole(snapshot, formatted)]


# -- what is where ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A name in the tree the editor can explain: its span, what it is, and its name."""

    span: Span
    kind: str  # "operation", "argument", "param", "state", "step", "kind"
    name: str
    operation: str = ""  # for an argument: its operation
    declaration: bool = False  # the declaring `param`/`input` name itself
    dotted: str = ""  # for a reference: the whole `state.a.b`


def _reference(reference: ast.Reference) -> Occurrence:
    name = reference.path[0].text if reference.path else reference.root  # a bare `item`
    return Occurrence(reference.span, reference.root, name, dotted=reference.dotted)


def occurrences(mission: ast.Mission) -> Iterator[Occurrence]:
    for item in mission.items:
        if isinstance(item, ast.Declaration):
            kind = "param" if item.keyword == "param" else "state"
            yield Occurrence(item.name.span, kind, item.name.text, declaration=True)
            if item.default is not None:
                yield from map(_reference, references_in(item.default))
        elif isinstance(item, ast.Step):
            yield Occurrence(item.kind.span, "kind", item.kind.text)
            yield Occurrence(item.id.span, "step", item.id.text)
            yield from _time_limit_occurrences(item)
            if item.when is not None:
                yield from map(_reference, references_in(item.when))
            call = item.call
            if call is None:
                continue
            yield Occurrence(call.operation.span, "operation", call.operation.text)
            for argument in call.arguments:
                if argument.name is not None:
                    yield Occurrence(argument.name.span, "argument", argument.name.text,
                                     operation=call.operation.text)
                yield from map(_reference, references_in(argument.value))
            if call.output is not None:
                yield _reference(call.output)


def _time_limit_occurrences(step: ast.Step) -> Iterator[Occurrence]:
    """The groups a step names and the durations of its time limits (`name`: the step id)."""
    if step.group is not None:
        yield Occurrence(step.group.span, "group", step.id.text)
    if step.reminder is not None:
        yield Occurrence(step.reminder.before.span, "duration", step.id.text)
    for deadline in step.deadlines:
        yield Occurrence(deadline.after.span, "duration", step.id.text)
        if isinstance(deadline.action, ast.Escalation):
            yield Occurrence(deadline.action.group.span, "group", step.id.text)
        elif isinstance(deadline.action, ast.DefaultAnswer):
            yield from map(_reference, references_in(deadline.action.value))


def occurrence_at(snapshot: Snapshot, offset: int) -> Occurrence | None:
    mission = snapshot.result.mission
    if mission is None:
        return None
    found = [o for o in occurrences(mission) if o.span.start <= offset <= o.span.end]
    return min(found, key=lambda o: o.span.end - o.span.start, default=None)


def _token_at(text: str, offset: int) -> context.Token | None:
    """The word at `offset`; None where it is not one, or where it is a name spelled like
    a keyword (`param version`), which has no keyword text to show."""
    found = context.tokens(text)
    for index, token in enumerate(found):
        if token.start <= offset <= token.end and token.text == "??":
            return token
        if token.start <= offset <= token.end and token.kind == "name":
            return None if context.in_name_position(found, index) else token
        if token.start > offset:
            break
    return None


# -- hover ----------------------------------------------------------------------------------


def operation_markdown(operation: Operation) -> str:
    what = "human question" if operation.kind == "human" else "runtime operation"
    declaration = operation.declaration
    if declaration is not None:
        what = f"project {declaration.kind} operation, implemented by " \
               f"`{declaration.implementation}`"
    elif operation.compute is not None:
        what = "data operation, in any expression or as a runtime step"
    if operation.effect and declaration is None:
        what += f", effect `{operation.effect}`"
    lines = [f"```mission\n{operation.signature}\n```", f"*{what}*: {operation.summary}", "",
             operation.doc]
    if operation.parameters:
        lines += ["", "**Arguments**"]
        for parameter in operation.parameters:
            kind = "state path" if parameter.place else parameter.type
            if parameter.per_item:
                kind += ", per item: reads `item`"
            optional = "" if parameter.required else ", optional"
            lines.append(f"- `{parameter.name}` ({kind}{optional}): {parameter.doc}")
    if operation.example:
        lines += ["", "**Example**", f"```mission\n{operation.example}\n```"]
    return "\n".join(lines)


def _lines(snapshot: Snapshot, spans: list[Span]) -> str:
    return ", ".join(str(line) for line in sorted({snapshot.line_of(span) for span in spans}))


def _step_at(snapshot: Snapshot, span: Span) -> str:
    mission = snapshot.result.mission
    for step in mission.steps if mission is not None else ():
        if step.span.start <= span.start < step.span.end:
            return step.id.text
    return ""


def _param_markdown(snapshot: Snapshot, name: str) -> str:
    analysis = snapshot.result.analysis
    declaration = analysis.params.get(name) if analysis is not None else None
    if declaration is None:
        return f"`param.{name}`: not a declared param"
    text = f"```mission\nparam {name}: {_type_text(declaration)}\n```"
    text += "\nrequired: given when the mission runs" if declaration.default is None \
        else "\noptional: has a default"
    reads = analysis.param_reads.get(name, []) if analysis is not None else []
    if reads:
        text += f"\n\nread on line{'s' * (len(set(map(snapshot.line_of, reads))) != 1)} " \
                f"{_lines(snapshot, reads)}"
    return text


def _type_text(declaration: ast.Declaration) -> str:
    type_ref = declaration.type
    text = str(type_from_ref(type_ref)) if type_ref.name.text in TYPE_NAMES \
        else type_ref.name.text
    if type_ref.minimum is not None and type_ref.maximum is not None:
        text += f" in {type_ref.minimum.value}..{type_ref.maximum.value}"
    if declaration.default is not None:
        from compiler.literals import literal_value

        constant, value = literal_value(declaration.default)
        if constant:
            text += " = " + json.dumps(value, ensure_ascii=False)
    return text


def _state_markdown(snapshot: Snapshot, name: str, dotted: str) -> str:
    analysis = snapshot.result.analysis
    if analysis is None:
        return f"`state.{name}`"
    shown = dotted or f"state.{name}"
    shape = analysis.state_shapes.get(name)
    type_name = str(shape) if shape is not None else analysis.state_types.get(name, "unknown")
    text = f"`{shown}`" + (f": {type_name}" if shown.count(".") == 1 else
                           f": a key inside `state.{name}` ({type_name})")
    declared = analysis.inputs.get(name)
    if declared is not None:
        text += f"\n\ndeclared input: `input {name}: {_type_text(declared)}` " \
                f"(line {snapshot.line_of(declared.span)})"
    writes = analysis.writes.get(name, [])
    if writes:
        by = ", ".join(f"`{_step_at(snapshot, span)}` (line {snapshot.line_of(span)})"
                       for span in writes)
        text += f"\n\nwritten by {by}"
    elif declared is None:
        text += "\n\nnothing declares or writes it"
    reads = analysis.reads.get(name, [])
    if reads:
        text += f"\n\nread on line{'s' * (len(reads) != 1)} {_lines(snapshot, reads)}"
    return text


def hover(snapshot: Snapshot, position: types.Position) -> types.Hover | None:
    offset = snapshot.lines.offset(position)
    if testfiles.is_test_file(snapshot):
        explained = testfiles.hover(snapshot, offset)
        if explained is None:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, explained[0]),
                           snapshot.lines.range(explained[1]))
    found = occurrence_at(snapshot, offset)
    markdown = ""
    span: Span | None = None
    if found is not None:
        span = found.span
        operation = snapshot.operations.get(found.name) if found.kind == "operation" else None
        if operation is not None:
            markdown = operation_markdown(operation)
        elif found.kind == "argument":
            operation = snapshot.operations.get(found.operation)
            parameter = operation.parameter(found.name) if operation else None
            if parameter is not None:
                kind = "state path" if parameter.place else parameter.type
                markdown = (f"`{found.name}: {kind}`{'' if parameter.required else ' (optional)'}"
                            f", argument of `{found.operation}`\n\n{parameter.doc}")
        elif found.kind == "param":
            markdown = _param_markdown(snapshot, found.name)
        elif found.kind == "state":
            markdown = _state_markdown(snapshot, found.name, found.dotted)
        elif found.kind == "kind":
            markdown = KEYWORD_DOCS.get(found.name, f"`{found.name}` is not a step kind")
        elif found.kind == "step":
            markdown = _step_markdown(snapshot, found.name)
        elif found.kind == "item":
            markdown = _item_markdown(snapshot, found)
        elif found.kind in ("group", "duration"):
            markdown = _time_limit_markdown(snapshot, found)
    if not markdown:
        token = _token_at(snapshot.text, offset)
        if token is None:
            return None
        span = Span(token.start, token.end)
        called = snapshot.operations.get(token.text) \
            if snapshot.text[token.end:].lstrip().startswith("(") else None
        if called is not None:
            markdown = operation_markdown(called)
        else:
            markdown = KEYWORD_DOCS.get(token.text, "")
    if not markdown or span is None:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, markdown),
                       snapshot.lines.range(span))


def _item_markdown(snapshot: Snapshot, found: Occurrence) -> str:
    """`item.title`: its type, from the element type of the innermost list operation
    whose per-item argument holds it."""
    mission, analysis = snapshot.result.mission, snapshot.result.analysis
    if mission is None or analysis is None:
        return ""
    element: Type | None = None
    for step in mission.steps:
        calls: list[tuple[str, tuple[ast.Argument, ...], Span]] = []
        if step.call is not None:
            calls.append((step.call.operation.text, step.call.arguments, step.call.span))
            calls += [(node.function.text, node.arguments, node.span)
                      for argument in step.call.arguments
                      for node in subexpressions(argument.value)
                      if isinstance(node, ast.CallExpr)]
        for name, arguments, span in sorted(calls, key=lambda c: c[2].end - c[2].start,
                                            reverse=True):  # outermost first
            operation = OPERATIONS.get(name)
            if operation is None or not span.start <= found.span.start <= span.end:
                continue
            matched = match_call(operation, name, arguments, span, None).single
            items, inside = matched.get(operation.items_parameter or ""), False
            for parameter in operation.parameters:
                argument = matched.get(parameter.name)
                inside |= parameter.per_item and argument is not None and \
                    argument.value.span.start <= found.span.start <= argument.value.span.end
            if inside and items is not None:
                typer = Typer(analysis.state_shapes, analysis.param_shapes)
                element = typer.type_of(items.value, element).element or ANY
    if element is None:
        return ("`item`: the current element, inside an argument a list operation "
                "evaluates per item (`where:`, `by:`, `of:`, `label:`, `value:`)")
    current: Type | None = element
    reference = found.dotted.split(".")[1:]
    for part in reference:
        current = current.field(part) if current is not None else None
    shown = str(current) if current is not None else "any"
    return (f"`{found.dotted}`: {shown}\n\nthe current element is `{element}`")


def _time_limit_markdown(snapshot: Snapshot, found: Occurrence) -> str:
    """A group: who answers then; a duration: how long it is, and when it comes due."""
    from compiler.durations import duration_seconds, duration_text

    mission = snapshot.result.mission
    step = next((s for s in mission.steps if s.span.start <= found.span.start < s.span.end),
                None) if mission is not None else None
    if step is None:
        return ""
    asked = step.group.text if step.group is not None else None
    if step.group is not None and found.span == step.group.span:
        count = step.approvals.value if step.approvals is not None else 1
        people = "one person" if count == 1 else f"{count} distinct people"
        return f"`{found.name}` is answered by {people} of the group `{asked}` " \
               "(`mission serve` keeps its members)"
    if step.reminder is not None and found.span == step.reminder.before.span:
        seconds = duration_seconds(step.reminder.before)
        exact = f" ({seconds:,} seconds)" if seconds is not None else ""
        return f"`{_written(snapshot, found.span)}`{exact}: a reminder that long before each " \
               "deadline of the step.\n\nDurations are exact: a day is 24 hours, a week 7 days."
    elapsed = 0
    for index, deadline in enumerate(step.deadlines, start=1):
        seconds = duration_seconds(deadline.after)
        elapsed += seconds or 0
        since = "the step starts waiting" if index == 1 else f"the escalation to `{asked}`"
        action = deadline.action
        if isinstance(action, ast.Escalation):
            if found.span == action.group.span:
                return f"`{action.group.text}`: deadline {index} of `{found.name}` moves the " \
                       "question to this group; from then on its members answer"
            asked = action.group.text
        if found.span != deadline.after.span:
            continue
        exact = f" ({seconds:,} seconds)" if seconds is not None else ""
        total = f"; {duration_text(elapsed)} after the step starts waiting, if nobody " \
                "answers" if index > 1 and seconds is not None else ""
        return f"`{_written(snapshot, found.span)}`{exact}: deadline {index} of " \
               f"`{found.name}`, due {_written(snapshot, deadline.after.span)} after " \
               f"{since}{total}.\n\nDurations are exact: a day is 24 hours, a week 7 days " \
               "(there are no business days)."
    return ""


def _written(snapshot: Snapshot, span: Span) -> str:
    return snapshot.text[span.start:span.end]


def _step_markdown(snapshot: Snapshot, step_id: str) -> str:
    analysis = snapshot.result.analysis
    step = analysis.steps.get(step_id) if analysis is not None else None
    if step is None:
        return ""
    text = f"{step.kind.text} step `{step_id}`"
    if step.description is not None:
        text += f": {step.description.value}"
    operation = analysis.operations.get(step_id) if analysis is not None else None
    if operation is not None:
        text += f"\n\n```mission\n{operation.signature}\n```"
    return text


# -- completion ---------------------------------------------------------------------------


def _item(label: str, kind: types.CompletionItemKind, detail: str = "", doc: str = "",
          insert: str | None = None, snippet: bool = False) -> types.CompletionItem:
    return types.CompletionItem(
        label=label, kind=kind, detail=detail or None,
        documentation=types.MarkupContent(types.MarkupKind.Markdown, doc) if doc else None,
        insert_text=insert,
        insert_text_format=types.InsertTextFormat.Snippet if snippet else None,
    )


def _names(snapshot: Snapshot) -> context.Names:
    return context.declared_names(snapshot.text)


def _state_names(snapshot: Snapshot) -> list[str]:
    names = _names(snapshot)
    return list(dict.fromkeys([*names.inputs, *names.writes]))


def _state_type(snapshot: Snapshot, name: str) -> str:
    analysis = snapshot.result.analysis
    return analysis.state_types.get(name, "") if analysis is not None else ""


def _param_type(snapshot: Snapshot, name: str) -> str:
    analysis = snapshot.result.analysis
    declaration = analysis.params.get(name) if analysis is not None else None
    return declaration.type.name.text if declaration is not None else ""


def _value_items(snapshot: Snapshot, operation: Operation | None = None,
                 snippets: bool = True) -> list[types.CompletionItem]:
    """What a value can be: names, constants, the data operations, and `item` in the
    arguments of an operation with per-item arguments."""
    items = [_item(f"param.{name}", types.CompletionItemKind.Variable,
                   _param_type(snapshot, name)) for name in _names(snapshot).params]
    items += [_item(f"state.{name}", types.CompletionItemKind.Field,
                    _state_type(snapshot, name)) for name in _state_names(snapshot)]
    items += [_item(word, types.CompletionItemKind.Constant, doc=KEYWORD_DOCS[word])
              for word in ("true", "false", "null")]
    if operation is not None and any(p.per_item for p in operation.parameters):
        items.append(_item("item", types.CompletionItemKind.Variable,
                           "the current element", "The current element of the list, inside "
                           "an argument evaluated per item (`where:`, `by:`, `of:`, `label:`, "
                           "`value:`)."))
    items += [_item(op.name, types.CompletionItemKind.Function, op.signature,
                    operation_markdown(op), f"{op.name}($0)" if snippets else None,
                    snippet=snippets)
              for op in OPERATIONS.values() if op.compute is not None and op.name != "desc"]
    if operation is not None and operation.name == "sort":
        desc = OPERATIONS["desc"]
        items.append(_item(desc.name, types.CompletionItemKind.Function, desc.signature,
                           operation_markdown(desc)))
    return items


def _operation_item(operation: Operation, snippets: bool) -> types.CompletionItem:
    if not snippets:
        return _item(operation.name, types.CompletionItemKind.Function, operation.signature,
                     operation_markdown(operation))
    if operation.name == "form":  # its fields are a map of questions, not a value
        text, placeholders = 'form("${1:prompt}", fields: {${2:name}: text("${3:question}")})', 3
    else:
        arguments = [f"{p.name}: ${{{i}}}" for i, p in
                     enumerate((p for p in operation.parameters if p.required), start=1)]
        text, placeholders = f"{operation.name}({', '.join(arguments)})", len(arguments)
    if operation.result is not None:
        text += f" -> state.${{{placeholders + 1}:{operation.name}_result}}"
    return _item(operation.name, types.CompletionItemKind.Function, operation.signature,
                 operation_markdown(operation), text, snippet=True)


_CLAUSE_SNIPPETS = {"remind": "remind ${1:4} ${2:hours} before",
                    "after": "after ${1:2} ${2:days} ${3|fail,answer,escalate to|}"}
_STEP_SNIPPET = '{kind} ${{1:id}} "${{2:description}}" {{\n\t$0\n}}'
_MISSION_SNIPPET = 'mission ${1:name} "${2:description}" {\n\tversion 1\n\n\t$0\n}'


def completion(snapshot: Snapshot, position: types.Position,
               snippets: bool = True) -> types.CompletionList:
    if testfiles.is_test_file(snapshot):
        return types.CompletionList(is_incomplete=False, items=testfiles.completion(
            snapshot, snapshot.lines.offset(position)))
    where = context.completion_context(snapshot.text, snapshot.lines.offset(position))
    items: list[types.CompletionItem] = []
    keyword = types.CompletionItemKind.Keyword
    if where.kind == "top":
        items.append(_item("mission", keyword, doc=KEYWORD_DOCS["mission"],
                           insert=_MISSION_SNIPPET if snippets else None, snippet=snippets))
    elif where.kind == "item":
        items += [_item(word, keyword, doc=KEYWORD_DOCS[word]) for word in
                  ("version", "param", "input")]
        items += [_item(kind, keyword, doc=KEYWORD_DOCS[kind],
                        insert=_STEP_SNIPPET.format(kind=kind) if snippets else None,
                        snippet=snippets) for kind in ("runtime", "human")]
    elif where.kind == "field":
        for kind, question in FORM_FIELDS.items():
            extra = "".join(f", {p.name}: ${{{i}}}" for i, p in enumerate(
                (p for p in question.parameters[1:] if p.required), start=2))
            items.append(_item(kind, types.CompletionItemKind.Function, question.signature,
                               operation_markdown(question),
                               f'{kind}("${{1:prompt}}"{extra})' if snippets else None,
                               snippet=snippets))
    elif where.kind == "type":
        items += [_item(name, types.CompletionItemKind.TypeParameter) for name in TYPE_NAMES]
    elif where.kind == "operation":
        known = snapshot.operations.known(include_installed=True)
        items += [_operation_item(operation, snippets) for operation in known.values()
                  if where.step_kind not in ("runtime", "human")
                  or operation.kind == where.step_kind]
    elif where.kind == "argument":
        operation = snapshot.operations.get(where.operation)
        for parameter in operation.parameters if operation is not None else ():
            if parameter.name in where.used:
                continue
            kind = "state path" if parameter.place else parameter.type
            items.append(_item(parameter.name, types.CompletionItemKind.Property,
                               f"{kind}{'' if parameter.required else ' (optional)'}",
                               parameter.doc, insert=f"{parameter.name}: "))
        items += _value_items(snapshot, operation, snippets)
    elif where.kind == "value":
        items += _value_items(snapshot, OPERATIONS.get(where.operation), snippets)
    elif where.kind == "words":
        items += [_item(word, keyword, doc=KEYWORD_DOCS[word.split()[0]],
                        insert=_CLAUSE_SNIPPETS.get(word) if snippets else None,
                        snippet=snippets and word in _CLAUSE_SNIPPETS)
                  for word in where.words]
    elif where.kind == "unit":
        from compiler.durations import UNITS

        one = where.amount.lstrip("+") == "1"
        items += [_item(unit, types.CompletionItemKind.Unit, f"{UNITS[unit]:,} seconds",
                        "Durations are exact: a day is 24 hours, a week 7 days (there are no "
                        "business days); from 1 minute to 52 weeks.")
                  for unit in UNITS if unit.endswith("s") != one]
    elif where.kind == "answer":
        items += [_item(word, types.CompletionItemKind.Constant, doc=KEYWORD_DOCS["answer"])
                  for word in ("true", "false")]
    elif where.kind == "param":
        items += [_item(name, types.CompletionItemKind.Variable, _param_type(snapshot, name))
                  for name in _names(snapshot).params]
    elif where.kind == "state":
        items += [_item(name, types.CompletionItemKind.Field, _state_type(snapshot, name))
                  for name in _state_names(snapshot)]
    return types.CompletionList(is_incomplete=False, items=items)


# -- navigation -------------------------------------------------------------------------------


def _declaration_spans(snapshot: Snapshot, found: Occurrence) -> list[Span]:
    analysis = snapshot.result.analysis
    if analysis is None:
        return []
    table = analysis.params if found.kind == "param" else analysis.inputs
    declared = table.get(found.name)
    return [declared.name.span] if declared is not None else []


def definition(snapshot: Snapshot, position: types.Position) -> list[types.Location]:
    """Params: their declaration; state: the input declaring it and every step writing it."""
    found = occurrence_at(snapshot, snapshot.lines.offset(position))
    analysis = snapshot.result.analysis
    if found is None or analysis is None or found.kind not in ("param", "state"):
        return []
    spans = _declaration_spans(snapshot, found)
    if found.kind == "state":
        spans += analysis.writes.get(found.name, [])
    return [snapshot.location(span) for span in spans]


def references(snapshot: Snapshot, position: types.Position,
               include_declaration: bool) -> list[types.Location]:
    found = occurrence_at(snapshot, snapshot.lines.offset(position))
    analysis = snapshot.result.analysis
    if found is None or analysis is None or found.kind not in ("param", "state"):
        return []
    spans = _declaration_spans(snapshot, found) if include_declaration else []
    if found.kind == "param":
        spans += analysis.param_reads.get(found.name, [])
    else:
        spans += analysis.writes.get(found.name, []) + analysis.reads.get(found.name, [])
    return [snapshot.location(span) for span in sorted(spans, key=lambda s: s.start)]


def document_symbols(snapshot: Snapshot) -> list[types.DocumentSymbol]:
    if testfiles.is_test_file(snapshot):
        return testfiles.symbols(snapshot)
    mission = snapshot.result.mission
    if mission is None:
        return []
    lines = snapshot.lines
    children = []
    for item in mission.items:
        if isinstance(item, ast.Declaration):
            kind = types.SymbolKind.Variable if item.keyword == "param" else types.SymbolKind.Field
            children.append(types.DocumentSymbol(
                name=item.name.text, kind=kind, range=lines.range(item.span),
                selection_range=lines.range(item.name.span),
                detail=f"{item.keyword}: {item.type.name.text}"))
        elif isinstance(item, ast.Step):
            detail = item.kind.text
            if item.description is not None:
                detail += f": {item.description.value}"
            children.append(types.DocumentSymbol(
                name=item.id.text, kind=types.SymbolKind.Function, range=lines.range(item.span),
                selection_range=lines.range(item.id.span), detail=detail))
    description = mission.description.value if mission.description is not None else None
    return [types.DocumentSymbol(
        name=mission.name.text, kind=types.SymbolKind.Module, range=lines.range(mission.span),
        selection_range=lines.range(mission.name.span),
        detail=str(description) if description is not None else None, children=children)]
