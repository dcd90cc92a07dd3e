"""The language features of a test file (`*_test.mission`, docs/testing.md).

Diagnostics and formatting come from the same places as a mission's (the checks of
`compiler.testfile`, run by `compile_source`; `mission fmt`). Completion reads the line
being typed (a test file is one fact or event per line) and the mission the file tests:
the line's first word, the steps it may name (human steps after `answer`, the steps with
an effect or a project operation after `result` and `real`, any step after `expect
steps`), the form's fields after `answer STEP.`, the params the mission declares, the
state paths it can write after `state.`, what `expect` takes, and a confirm's or a
literal choose's answers after `=`. Hover explains the words and the steps named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from compiler.ast import Span
from mission.lsp import context

if TYPE_CHECKING:
    from compiler import CompileResult
    from mission.lsp.snapshot import Snapshot

_HEADER = re.compile(r'\A(?:\s|#[^\n]*+)*+tests\b\s*(?:"((?:[^"\\\n]|\\.)*)")?')

WORD_DOCS: dict[str, str] = {
    "tests": '`tests "MISSION.mission" { ... }`: a test file, whose cases run the mission '
             "named (relative to the test file). Run them with `mission test`.",
    "test": '`test "NAME" { ... }`: one case: the run\'s inputs, its timeline (answers, '
            "effect results, time moving), and what it expects.",
    "replay": '`replay "FILES"`: receipt files (`mission run --receipt`) replayed against the '
              "mission as it is now; a run that no longer takes the same path fails.",
    "param": "`param NAME = VALUE`: a param of the run.",
    "state": '`state = {...}`, `state.NAME = VALUE` or `state from "FILE.json"`: the run\'s '
             "initial state; in an expectation, the state the run has reached.",
    "from": '`state from "FILE.json"`: the initial state from a JSON file beside the test.',
    "started": '`started [by NAME] [at "INSTANT"]`: who started the run, and when (by '
               "default 2026-01-01T00:00:00+00:00, and nobody named).",
    "answer": "`answer STEP = VALUE [by NAME] [at \"INSTANT\"]`, or a form's field with "
              "`answer STEP.FIELD = VALUE`: a person's answer, at the test's time now.",
    "result": "`result STEP = OUTCOME, ...`: what the step's effect or project operation "
              'gives, one outcome per call: a value, `error "MESSAGE"` or `timeout`; the last '
              "stands for any later call (a retry).",
    "real": "`real STEP`: the step's effect or project operation runs for real.",
    "after": "`after DURATION`: the test's time moves on; every deadline due by then fires, "
             "at its due time.",
    "cancel": '`cancel ["REASON"] [by NAME]`: the waiting run is withdrawn.',
    "expect": "`expect succeeded`, `failed \"PATTERN\"`, `waiting STEP [by GROUP] [except "
              "NAMES]`, `cancelled`, `refused \"PATTERN\"`, `steps A, B`, `skipped C`, "
              "`state.PATH == VALUE`: checked against the run at this point.",
    "snapshot": "`snapshot state.PATH [== VALUE]`: an expectation whose value `mission test "
                "--update` writes from the run.",
    "by": "`by NAME`: who gave the answer, started or cancelled the run; in `expect "
          "waiting`, the group asked.",
    "at": '`at "INSTANT"`: when (ISO 8601 with an offset); the test\'s time moves there.',
    "except": "`expect waiting STEP except NAMES`: these people may not answer it now.",
    "succeeded": "`expect succeeded`: the run ran to its end.",
    "failed": '`expect failed "PATTERN"`: the run failed, with a message the regular '
              "expression finds.",
    "waiting": "`expect waiting STEP [by GROUP] [except NAMES]`: the run waits on the step, "
               "asking the group, and these people may not answer.",
    "cancelled": "`expect cancelled`: the run was withdrawn while it waited.",
    "refused": '`expect refused "PATTERN"`: the event just before (or the run\'s params and '
               "state) was refused, with a message the regular expression finds.",
    "steps": "`expect steps A, B`: the steps that ran, in order.",
    "skipped": "`expect skipped A, B`: the steps skipped (their `when` was false).",
    "error": '`error "MESSAGE"`: the call failed with this message.',
    "timeout": "`timeout`: the call did not finish in time.",
}

_LINE_WORDS = ("param", "state", "started", "answer", "result", "real", "after", "cancel",
               "expect", "snapshot")
_EXPECT_WORDS = ("succeeded", "failed", "waiting", "cancelled", "refused", "steps", "skipped",
                 "state")


def is_test_file(snapshot: Snapshot) -> bool:
    """A test file: it parsed as one, or (while it does not parse) it starts with `tests`."""
    return snapshot.result.tests is not None or bool(_HEADER.match(snapshot.text))


@dataclass(frozen=True, slots=True)
class _Mission:
    """What completion needs of the tested mission."""

    steps: dict[str, Any]  # id -> ast.Step
    result: CompileResult


def _mission(snapshot: Snapshot) -> _Mission | None:
    result = snapshot.result
    tested = result.tests.tested.result if result.tests is not None else None
    if tested is None and result.tests is None:
        match = _HEADER.match(snapshot.text)
        if match is None or match.group(1) is None:
            return None
        from compiler.ast import Literal
        from compiler.pipeline import load_tested
        from compiler.testfile.nodes import TestFile

        tree = TestFile(Literal(match.group(1)), ())
        tested = load_tested(result.source.path, tree, snapshot.config).result
    if tested is None or tested.mission is None:
        return None
    return _Mission({step.id.text: step for step in tested.mission.steps}, tested)


def _item(label: str, kind: types.CompletionItemKind, detail: str = "", doc: str = "",
          insert: str | None = None) -> types.CompletionItem:
    return types.CompletionItem(
        label=label, kind=kind, detail=detail or None, insert_text=insert,
        documentation=types.MarkupContent(types.MarkupKind.Markdown, doc) if doc else None)


def _depth(text: str) -> int:
    """How many `{` are open at the end of `text` (strings and comments skipped)."""
    depth = 0
    for token in context.tokens(text):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth = max(0, depth - 1)
    return depth


def completion(snapshot: Snapshot, offset: int) -> list[types.CompletionItem]:
    text = snapshot.text[:offset]
    line_start = text.rfind("\n") + 1
    typed = context.tokens(text[line_start:])
    if typed and typed[-1].kind in ("comment", "string") and typed[-1].end == offset - line_start \
            and not typed[-1].text.endswith('"'):
        return []  # inside a comment or an unclosed string
    words = [token.text for token in typed]
    keyword = types.CompletionItemKind.Keyword
    depth = _depth(text[:line_start])
    if depth == 0 and not words:
        return [_item("tests", keyword, doc=WORD_DOCS["tests"])]
    if depth == 1 and len(words) <= 1:
        return [_item(word, keyword, doc=WORD_DOCS[word]) for word in ("test", "replay")]
    if not words or (len(words) == 1 and not text.endswith((" ", "\t"))):
        return [_item(word, keyword, doc=WORD_DOCS[word]) for word in _LINE_WORDS]
    mission = _mission(snapshot)
    if mission is None:
        return []
    return _after(words, mission, text.endswith((" ", "\t")))


def _after(words: list[str], mission: _Mission, spaced: bool) -> list[types.CompletionItem]:
    """What may come next on a line that starts with `words`."""
    first = words[0]
    last = words[-1]
    analysis = mission.result.analysis
    if "state" in words and (last == "." or (not spaced and len(words) >= 2
                                             and words[-2] == ".")):
        return _state_items(words, mission)
    if first == "answer" and len(words) >= 2 and words[-2:] == [words[1], "."] and analysis:
        fields = analysis.form_fields.get(words[1], [])
        return [_item(field.name.text, types.CompletionItemKind.Field, field.kind)
                for field in fields]
    if first == "answer" and "=" in words and (last == "=" or not spaced):
        return _answers(words[1], mission)
    if first in ("answer", "result", "real") and (len(words) == 1 or
                                                   (len(words) == 2 and not spaced)):
        return _steps(mission, first)
    if first == "param" and (len(words) == 1 or (len(words) == 2 and not spaced)) and analysis:
        return [_item(name, types.CompletionItemKind.Variable, _type(declaration))
                for name, declaration in analysis.params.items()]
    if first in ("expect", "snapshot"):
        if len(words) == 1 or (len(words) == 2 and not spaced):
            choices = _EXPECT_WORDS if first == "expect" else ("state",)
            return [_item(word, types.CompletionItemKind.Keyword, doc=WORD_DOCS[word])
                    for word in choices]
        if len(words) >= 2 and words[1] in ("steps", "skipped", "waiting") and \
                (last in (",", words[1]) or not spaced):
            return _steps(mission, "waiting" if words[1] == "waiting" else "expect")
    return []


def _type(declaration: Any) -> str:
    return str(declaration.type.name.text)


def _steps(mission: _Mission, purpose: str) -> list[types.CompletionItem]:
    analysis = mission.result.analysis
    items = []
    for step_id, step in mission.steps.items():
        operation = analysis.operations.get(step_id) if analysis is not None else None
        if purpose in ("answer", "waiting") and step.kind.text != "human":
            continue
        if purpose in ("result", "real") and (operation is None or (
                operation.effect is None and operation.declaration is None)):
            continue
        detail = f"{step.kind.text} step" + (f": {operation.name}" if operation else "")
        description = str(step.description.value) if step.description is not None else ""
        items.append(_item(step_id, types.CompletionItemKind.Function, detail, description))
    return items


def _state_items(words: list[str], mission: _Mission) -> list[types.CompletionItem]:
    """The names after `state.` (or `state.ROOT.`: a form's fields)."""
    analysis = mission.result.analysis
    if analysis is None:
        return []
    path = [word for word in words[words.index("state") + 1:] if word != "."]
    if words[-1] != ".":
        path = path[:-1]  # the name being typed
    field = types.CompletionItemKind.Field
    if not path:
        names = dict.fromkeys([*analysis.inputs, *analysis.writes])
        return [_item(name, field, analysis.state_types.get(name, "")) for name in names]
    fields = analysis.state_fields.get(path[0], {}) if len(path) == 1 else {}
    return [_item(name, field, kind) for name, kind in fields.items()]


def _answers(step_id: str, mission: _Mission) -> list[types.CompletionItem]:
    """A confirm's answers, or a choose's options written in the mission."""
    from compiler.deadlines import Unknown, question_arguments
    from compiler.literals import quote_string

    analysis = mission.result.analysis
    step = mission.steps.get(step_id)
    if analysis is None or step is None:
        return []
    operation = analysis.operations.get(step_id)
    constant = types.CompletionItemKind.Constant
    if operation is not None and operation.name == "confirm":
        return [_item(word, constant) for word in ("true", "false")]
    if operation is None or operation.name != "choose":
        return []
    arguments = question_arguments(step, analysis)
    try:
        labels = arguments["label"] if arguments is not None and "label" in arguments else \
            arguments["options"] if arguments is not None else []
    except Unknown:
        return []
    return [_item(quote_string(str(label)), constant) for label in labels
            if isinstance(label, str)]


def hover(snapshot: Snapshot, offset: int) -> tuple[str, Span] | None:
    """The markdown for the word at `offset`, and its span."""
    found = None
    for token in context.tokens(snapshot.text):
        if token.start <= offset <= token.end and token.kind == "name":
            found = token
            break
    if found is None:
        return None
    span = Span(found.start, found.end)
    mission = _mission(snapshot)
    if mission is not None and found.text in mission.steps:
        step = mission.steps[found.text]
        text = f"{step.kind.text} step `{found.text}`"
        if step.description is not None:
            text += f": {step.description.value}"
        analysis = mission.result.analysis
        operation = analysis.operations.get(found.text) if analysis is not None else None
        if operation is not None:
            text += f"\n\n```mission\n{operation.signature}\n```"
        return text, span
    doc = WORD_DOCS.get(found.text)
    return (doc, span) if doc else None


def symbols(snapshot: Snapshot) -> list[types.DocumentSymbol]:
    """The test file, and a symbol per case and per replay."""
    tests = snapshot.result.tests
    if tests is None:
        return []
    from compiler.testfile import nodes

    lines = snapshot.lines
    tree = tests.tree
    children = []
    for item in tree.items:
        name = item.name if isinstance(item, nodes.TestCase) else item.path
        children.append(types.DocumentSymbol(
            name=str(name.value), kind=types.SymbolKind.Method if isinstance(
                item, nodes.TestCase) else types.SymbolKind.File,
            range=lines.range(item.span), selection_range=lines.range(name.span),
            detail="test" if isinstance(item, nodes.TestCase) else "replay"))
    return [types.DocumentSymbol(
        name=str(tree.mission.value), kind=types.SymbolKind.Module,
        range=lines.range(tree.span), selection_range=lines.range(tree.mission.span),
        detail="tests", children=children)]
