"""The fuzz loop's inputs and oracles, one pair per input kind.

Every kind draws its inputs from one seeded `random.Random`, so a run is
reproducible from its seed and input number (`python -m fuzz KIND --seed S
--start N --inputs 1` replays input N). An oracle raises `Finding` (or lets an
unexpected exception through) when `mission` misbehaves: an exception out of
the compiler, a span outside the text, a formatter that changes the meaning,
a compiled workflow the engine refuses, or a command that ends in an
internal error (exit 70) instead of a named refusal.

- `grammar`: missions derived at random from the Lark grammar itself;
- `mutation`: valid missions (the examples, generated ones, and generated ones
  with deadlines and approvals, `timed_mission_text`) cut, repeated, swapped and
  spliced with hostile pieces, through the compiler, formatter, language server
  and engine; the time limits of what compiles obey the shared spec
  (`check_time_limits`);
- `workflow`: compiled workflow JSON and receipts, changed structurally and
  byte by byte, through `mission run`, `graph` and `verify`;
- `values`: params, answers and state (`--param`, `--answer`, `--params`,
  `--answers`, `--state`) through `mission run`;
- `store`: a run store with bytes changed, through `mission runs`, `verify`,
  `resume`, `cancel` and `tick`;
- `time`: human steps with random rules (approvals, no self-approval,
  deadlines, reminders) given random events (answers by several people at
  random times, deadline firings at any stage, cancellations, malformed ones)
  through the engine: it refuses by name or decides, and the events it
  consumed replay to the same receipt;
- `testfile`: the shipped test files cut and spliced with pieces of test-file
  syntax, beside the missions they test, through the checks, the formatter and
  the language server, and run (twice, to the same results) when they check
  clean. (`grammar` derives test files too: the grammar's other start.)
- `config`: schedule and notification configuration, valid or broken, through
  the schedule checks, `mission check`, `schedules`, `tick` and `notifications`
  (`fuzz/config_fuzz.py`; `fuzz/kinds.py` gathers the kinds).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.corpus import mission_text
from compiler import compile_source
from compiler.config import Config
from compiler.diagnostics import Diagnostic
from compiler.format import FormatError, format_source
from mission.cli import main as mission_main
from mission.graph import build_graph, to_dot, to_mermaid
from mission.lsp import features
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import (
    RUN_REFUSALS,
    AnswerError,
    ParameterError,
    StepSpec,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
ALL = Config(select=("ALL",))
EXIT_INTERNAL = 70


class Finding(Exception):
    """`mission` misbehaved on an input (the message says how)."""


# -- mission text -------------------------------------------------------------------

SEEDS = [path.read_text(encoding="utf-8")
         for path in sorted((ROOT / "examples").glob("*.mission"))
         + sorted((ROOT / "runtime" / "orchestration" / "missions").glob("*.mission"))]
PIECES = ["{", "}", "(", ")", "[", "]", ",", ":", ".", "->", "=", "..", "==", "!=", "<", ">=",
          "and", "or", "not", "in", "when", "state", "param", "input", "version", "mission",
          "runtime", "human", "true", "false", "null", "set", "append", "confirm", "choose",
          "noop", "fail", "x", "tasks", "state.x", "param.p", '"text"', '"', '"\\u00e9"',
          '"\\ud83d\\ude00"', '"\\ud800"', '"\\q"', "1", "-0.0", "1e308", "1e999",
          "9007199254740993", "99999999999999999999", "0.1", "#", "# mission: ignore[W101]",
          "\n", "\t", "\r", "\x00", "\x1b[2J", "\u202e", "\u00a0", "\ufeff", "é", "\U0001f600",
          "\u201c", "[" * 60, "]" * 60, "not " * 60, "{a: " * 60, "(" * 60, "#\n" * 50,
          "state" + ".a" * 60, "item", "item.x", "item.", "|>", " |> count()", "filter(",
          "sort(", "desc(", "format(", 'format("{a}", a: 1)', '"{"', "where: item.x > 1",
          "by: [desc(item.a), item.b]", "of: item.n", "label: item.t", "if true then 1 else 2",
          " + ", " - ", " * ", " / 0", "-(", "count(" * 40, "|> take(1)" * 40,
          'form("F", fields: {a: text("A?"), b: number("B?", min: 1)})', "fields: {", 'date("D?")',
          "form(", "fields", "version: ", "if: ", "remind", "before", "after", "answer",
          "escalate to", "by 2 of", "except starter", " 2 days", "1.5 hours", "0 minutes",
          "53 weeks", "business_days", "\n after 1 day fail", "\n after 1 day answer true",
          "\n remind 4 hours before", "\n after 2 days escalate to g", 'fail ""', "of", "to",
          "?", "??", " ?? null", " ?? 0", "date?", "list[{a?: int, b: str?}]", "{a?: 1}",
          "x != null and ", "\"a\" in item and ", "map(", "update(", "to: item.a",
          "with: merge(item, {a: 1})", "first(", "round(", "round(1.5, 2)", "abs(", "floor(",
          "ceil(", '"{x:.2f}"', '"{x:.99f}"', '"{x:5}"', "note?: text(\"N?\")"]
_WORDS = ["runtime", "human", "set", "append", "increment", "extend", "assert", "fail", "noop",
          "confirm", "choose", "state", "tasks", "x", "a_b", "str", "int", "float", "list",
          "map", "bool", "date", "any", "at", "to", "by", "value", "values", "message",
          "condition", "reason", "prompt", "options", "show", "when", "param", "count",
          "item", "where", "of", "label", "fields", "n", "template", "with", "places", "update",
          "first", "round"]
# The units of a duration first, then words that are not (E044).
_UNIT_WORDS = ["minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "hourz",
               "business_days", "seconds", "months", "min"]
_SAMPLES = {
    # keywords are contextual: each is also a name wherever a name stands
    "NAME": [*_WORDS, "_", "a" * 70, "é", "version", "input", "mission", "item", "if", "then",
             "else", "in", "by", "true", "after", "remind", "starter", "managers",
             *_UNIT_WORDS],
    "STRING": ['"hi"', '""', '"2026-11-24"', '"a\\nb"', '"\\u00e9"', '"\\q"', '"\\ud800"',
               '"{x:.2f}"',
               '"\\ud83d\\ude00"', '"\x1b[2J"'],
    "INT": ["0", "1", "-3", "12", "9007199254740991", "9007199254740992", "-0", "1" * 30],
    "FLOAT": ["1.5", "-0.25", "2e3", "1e999", "-0.0", "1e-400"],
    "COMPARE": ["==", "!=", "<", "<=", ">", ">="],
    "COMMENT": ["# note\n", "# mission: ignore[W101]\n", "#\n"],
    # a name directly followed by `(`: the data operations, the questions of a form's fields,
    # others, and unknown ones
    "CALLEE": ["filter", "sort", "desc", "take", "count", "find", "sum", "min", "max", "concat",
               "pick", "rename", "merge", "format", "add_days", "weekday", "days_between",
               "first", "map", "update", "round", "abs", "floor", "ceil",
               "set", "confirm", "choose", "text", "number", "date", "form", "nope", "txt"],
}


class GrammarWalker:
    """Random derivations of the Lark grammar; past `depth` levels each rule takes its
    shallowest alternative, so every derivation ends."""

    def __init__(self) -> None:
        import lark

        from grammar import GRAMMAR_TEXT

        parser = lark.Lark(GRAMMAR_TEXT, parser="lalr", lexer="contextual")
        self.literals = {terminal.name: terminal.pattern.value for terminal in parser.terminals
                         if terminal.pattern.type == "str"}
        self.rules: dict[str, list[list[tuple[bool, str]]]] = {}
        for rule in parser.rules:
            self.rules.setdefault(rule.origin.name, []).append(
                [(symbol.is_term, symbol.name) for symbol in rule.expansion])
        self.height = self._heights()

    def _heights(self) -> dict[str, int]:
        """The fewest levels of rules below each rule (a fixed point over the grammar)."""
        height: dict[str, int] = {}
        changed = True
        while changed:
            changed = False
            for name, alternatives in self.rules.items():
                for expansion in alternatives:
                    if all(term or child in height for term, child in expansion):
                        best = 1 + max((height[child] for term, child in expansion if not term),
                                       default=0)
                        if best < height.get(name, 1 << 30):
                            height[name] = best
                            changed = True
        return height

    def text(self, rng: random.Random, depth: int) -> str:
        out: list[str] = []
        todo: list[tuple[bool, str, int]] = [(False, "start", 0)]
        while todo:
            term, name, level = todo.pop()
            if term:
                out.append(self._terminal(rng, name))
                out.append(rng.choice([" ", " ", " ", "\n", ""]))
                continue
            alternatives = self.rules[name]
            if level >= depth:
                least = min(self._cost(expansion) for expansion in alternatives)
                alternatives = [e for e in alternatives if self._cost(e) == least]
            expansion = rng.choice(alternatives)
            todo.extend((t, child, level + 1) for t, child in reversed(expansion))
        return "".join(out)

    def _cost(self, expansion: list[tuple[bool, str]]) -> int:
        return max((self.height[child] for term, child in expansion if not term), default=0)

    def _terminal(self, rng: random.Random, name: str) -> str:
        if name in _SAMPLES:
            return rng.choice(_SAMPLES[name])
        return self.literals.get(name, name)


def mutate_text(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        size = len(text)
        start = rng.randint(0, size)
        end = rng.randint(start, min(size, start + 40))
        action = rng.choice(["cut", "repeat", "insert", "replace", "swap"])
        if action == "cut":
            text = text[:start] + text[end:]
        elif action == "repeat":
            text = text[:end] + text[start:end] * rng.randint(1, 20) + text[end:]
        elif action == "insert":
            piece = rng.choice(PIECES) if rng.random() < 0.8 else "".join(
                chr(rng.randrange(0x30000)) for _ in range(rng.randint(1, 3)))
            text = text[:start] + piece + text[start:]
        elif action == "replace":
            text = text[:start] + rng.choice(PIECES) + text[end:]
        else:
            other = rng.randint(0, size)
            text = text[:start] + text[other:other + end - start] + text[end:]
    return text


def seed_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(SEEDS)
    if roll < 0.7:
        return timed_mission_text(rng)
    return mission_text(random.Random(rng.getrandbits(32)), rng.random() < 0.5)


# -- missions with deadlines and approvals -------------------------------------------

_GROUPS = ["managers", "directors", "finance", "board", "after", "to"]
_AMOUNTS = ["1", "2", "4", "90", "52", "0", "-1", "53", "1000", "1.5", "0.5", "2e3"]
# Questions, and default answers for them: some valid, some not (E051).
_QUESTIONS = [
    ('confirm("Approve?")', ["true", "false", '"yes"', "3", '"maybe"', "null"]),
    ('choose("Which?", options: ["a", "b"])', ['"a"', '"c"', "1", '"A"']),
    ('choose("Which?", options: [{id: 1, t: "One"}], label: item.t, value: item.id)',
     ['"One"', "1", "2", '"Two"']),
    ('choose("Which?", options: state.options)', ['"x"', "3", "[1]"]),
    ('number("How many?", min: 0, max: 10)', ["5", "11", "-1", '"7"', "true", "1.5"]),
    ('number("How many?", min: 1, max: param.most)', ["5", "0", "1000", '"x"']),
    ('text("Why?")', ['"because"', '""', "1", "state.x", "[param.most]"]),
    ('date("When?")', ['"2026-11-24"', '"2026-02-30"', '"soon"']),
    ('form("F", fields: {n: number("N?", min: 1), ok: confirm("OK?")})',
     ["{n: 1, ok: true}", "{n: 0, ok: true}", "{n: 1}", "{n: 1, ok: true, x: 1}", "[]",
      '{n: "2", ok: "no"}']),
]


def _duration(rng: random.Random) -> str:
    if rng.random() < 0.8:  # mostly valid, so that many missions reach the emitter
        return f"{rng.choice(['1', '2', '4', '30', '90'])} {rng.choice(_UNIT_WORDS[:8])}"
    return f"{rng.choice(_AMOUNTS)} {rng.choice(_UNIT_WORDS)}"


def timed_mission_text(rng: random.Random) -> str:
    """A mission whose human step says who may answer it and how long it waits: heads,
    reminders, deadlines and default answers drawn to be valid or broken at random."""
    question, answers = rng.choice(_QUESTIONS)
    head = ""
    if rng.random() < 0.7:
        count = rng.choice(["", "", "1 of ", "2 of ", "20 of ", "0 of ", "21 of "])
        head += f" by {count}{rng.choice(_GROUPS)}"
    if rng.random() < 0.4:
        head += " except starter"
    lines = []
    if rng.random() < 0.5:
        lines.append(f"remind {_duration(rng)} before")
    for index in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 5])):
        last = rng.random() < 0.5 if index else rng.random() < 0.3
        action = rng.choice(["answer", "fail"]) if last else "escalate"
        if rng.random() < 0.1:
            action = rng.choice(["answer", "fail", "escalate"])
        if action == "answer":
            lines.append(f"after {_duration(rng)} answer {rng.choice(answers)}")
        elif action == "fail":
            reason = rng.choice(["", ' "nobody answered"', ' ""'])
            lines.append(f"after {_duration(rng)} fail{reason}")
        else:
            lines.append(f"after {_duration(rng)} escalate to {rng.choice(_GROUPS)}")
        if action != "escalate" and rng.random() < 0.8:
            break
    kind = "runtime" if rng.random() < 0.05 else "human"
    body = "\n        ".join([f"{question} -> state.answer", *lines])
    return (f'mission timed "Deadlines" {{\n    version 1\n\n    param most: int = 5\n'
            f'    input options: list = ["x"]\n\n'
            f'    {kind} ask "Ask"{head} {{\n        {body}\n    }}\n\n'
            f'    runtime keep "Keep the answer" {{\n'
            f'        append(to: state.log, value: state.answer)\n    }}\n}}\n')


def check_time_limits(workflow: WorkflowDefinition) -> None:
    """The compiled time limits obey the shared spec (DEADLINES-SPEC, docs/language.md "The
    compiled form"), so the engine never refuses what the compiler accepts; a constant
    question accepts the default answer through the operation table's own validation."""
    from runtime.bounds import (
        MAX_APPROVALS,
        MAX_DEADLINE_SECONDS,
        MAX_DEADLINES,
        MIN_DEADLINE_SECONDS,
    )
    from runtime.orchestration.expressions import evaluate, references

    def wait(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) \
            and MIN_DEADLINE_SECONDS <= value <= MAX_DEADLINE_SECONDS

    for step in workflow.steps:
        payload = step.payload
        keys = {"answered_by", "approvals", "exclude_starter", "remind_before", "deadlines"}
        if step.kind != "human" and keys & set(payload):
            raise Finding(f"{step.id}: human-step keys on a {step.kind} step")
        approvals = payload.get("approvals")
        if approvals is not None and not (
                isinstance(approvals, int) and 2 <= approvals <= MAX_APPROVALS
                and "answered_by" in payload):
            raise Finding(f"{step.id}: approvals {approvals!r}")
        if payload.get("exclude_starter", True) is not True:
            raise Finding(f"{step.id}: exclude_starter is not true")
        deadlines = payload.get("deadlines", [])
        remind = payload.get("remind_before")
        if remind is not None and not (wait(remind) and deadlines
                                       and all(remind < d["after"] for d in deadlines)):
            raise Finding(f"{step.id}: remind_before {remind!r} does not fit the waits")
        if len(deadlines) > MAX_DEADLINES:
            raise Finding(f"{step.id}: {len(deadlines)} deadlines")
        asked = payload.get("answered_by")
        for index, deadline in enumerate(deadlines):
            (action, value), = ((k, v) for k, v in deadline.items() if k != "after")
            if set(deadline) != {"after", action} or not wait(deadline["after"]):
                raise Finding(f"{step.id}: deadline {deadline!r}")
            if action != "escalate" and index != len(deadlines) - 1:
                raise Finding(f"{step.id}: `{action}` before the last deadline")
            if action == "fail" and not (isinstance(value, str) and value.strip()):
                raise Finding(f"{step.id}: fail reason {value!r}")
            if action == "escalate":
                if value == asked:
                    raise Finding(f"{step.id}: escalation to `{value}`, already asked")
                asked = value
            if action == "answer":
                args = payload["args"]
                if any(references(expression) for expression in args.values()):
                    continue  # known when the step runs: the engine checks it then
                operation = OPERATIONS[str(payload["operation"])]
                known = {name: evaluate(expression, {}, {}) for name, expression in args.items()}
                if any(p.per_item for p in operation.parameters if p.name in args):
                    continue
                try:
                    assert operation.answer is not None
                    operation.answer(known, value)
                except AnswerError as refused:
                    raise Finding(f"{step.id}: the default answer {value!r} is refused when "
                                  f"it applies: {refused}") from None


def check_places(diagnostics: Sequence[Diagnostic], text: str) -> None:
    """Every diagnostic's span and label lies within the text it is about."""
    for diagnostic in diagnostics:
        if not 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text):
            raise Finding(f"span outside the text: {diagnostic}")
        for label in diagnostic.labels:
            if not 0 <= label.span.start <= label.span.end <= len(text):
                raise Finding(f"label outside the text: {label}")


def ask_the_language_server(uri: str, text: str) -> None:
    """What an editor asks of a document: its diagnostics and symbols, then hover,
    completion, definition and code actions at its start, a third, the middle and the end
    (an exception is a finding)."""
    from lsprotocol import types

    snapshot = features.Snapshot.build(uri, text, config=ALL)
    features.diagnostics(snapshot)
    features.document_symbols(snapshot)
    for offset in (0, len(text) // 3, len(text) // 2, len(text)):
        position = snapshot.lines.position(offset)
        features.hover(snapshot, position)
        features.completion(snapshot, position)
        features.definition(snapshot, position)
        features.code_actions(snapshot, types.Range(position, position))


def check_every_phase(text: str) -> None:
    """Compiler, formatter, language server, graph and engine on one mission text."""
    result = compile_source(text, "fuzz.mission", config=ALL)
    check_places(result.diagnostics, text)
    try:
        formatted = format_source(text, "fuzz.mission")
    except FormatError as refusal:
        # Refusing is right when parsing found an error (E001, E023, or E002/E015 where
        # recovery had to drop text): the tree is then a recovery, and formatting it would
        # lose what was dropped. A tree that parsed is formatted, whatever the checks say.
        if result.mission is not None and not refusal.diagnostics:
            raise Finding("the formatter refused a mission that parses") from None
    else:
        if compile_source(formatted, "fuzz.mission", config=ALL).mission != result.mission:
            raise Finding("formatting changed what the mission means")
    ask_the_language_server("file:///fuzz.mission", text)
    if result.workflow is None:
        return
    Orchestrator().validate(result.workflow)
    check_time_limits(result.workflow)
    graph = build_graph(result.workflow)
    to_mermaid(graph)
    to_dot(graph)
    steps = result.workflow.steps
    if any(OPERATIONS[str(step.payload.get("operation"))].effect for step in steps):
        return  # refused without an effect runner, as documented
    with contextlib.suppress(AnswerError, ParameterError):
        Orchestrator().run_workflow(result.workflow, ExecutionContext(
            answers={step.id: True for step in steps if step.kind == "human"}))


# -- the commands, in process -------------------------------------------------------

def run_command(*argv: str) -> int:
    """`mission ARGV` in this process; an internal error (exit 70) is a finding."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = mission_main(list(argv))
        except SystemExit as exit_:  # argparse
            code = int(exit_.code or 0)
    if code == EXIT_INTERNAL or "Traceback" in err.getvalue():
        raise Finding(f"mission {' '.join(argv)}: exit {code}: {err.getvalue()[-600:]}")
    return code


JSON_ODDITIES: list[Any] = [None, True, False, 0, -1, 1.5, -0.0, 2**53 - 1, 2**53, "", "x",
                            "state.x", "param.x", "\ud800", "\x1b[2J", [], {}, [[[[]]]],
                            {"ref": "state.x"}, {"lit": 1}, {"map": {}}, {"op": "not"},
                            {"ref": ""}, "a" * 1000]


def oddity(rng: random.Random) -> Any:
    """One of `JSON_ODDITIES`, as a copy: the mutations edit what they insert in place, and
    editing the shared one made every later input larger (a fuzz process grew past 3 GB)."""
    return copy.deepcopy(rng.choice(JSON_ODDITIES))


def random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        return oddity(rng)
    if roll < 0.7:
        nest: Any = oddity(rng)
        for _ in range(rng.choice([50, 99, 100, 101, 150])):
            nest = [nest]
        return nest
    if roll < 0.85:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["id", "kind", "payload", "args", "op", "ref", "x", ""]):
            random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def mutate_json(rng: random.Random, data: Any) -> Any:
    """`data` with one to three places replaced, deleted, duplicated or wrapped."""
    data = json.loads(json.dumps(data))
    for _ in range(rng.randint(1, 3)):
        places: list[tuple[Any, Any]] = []
        todo = [data]
        while todo:
            node = todo.pop()
            keys = list(node) if isinstance(node, dict) else range(len(node)) \
                if isinstance(node, list) else []
            for key in keys:
                places.append((node, key))
                todo.append(node[key])
        if not places:
            return random_json(rng)
        node, key = rng.choice(places)
        action = rng.random()
        if action < 0.5:
            node[key] = random_json(rng)
        elif action < 0.7 and isinstance(node, dict):
            del node[key]
        elif action < 0.8:
            node[key] = [node[key]]
        elif action < 0.9 and isinstance(node, dict):
            node[rng.choice(["extra", "id", "kind", "when", "output", "content_hash"])] = node[key]
        else:
            other_node, other_key = rng.choice(places)
            node[key] = json.loads(json.dumps(other_node[other_key]))
    return data


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buffer:
            break
        roll = rng.random()
        position = rng.randrange(len(buffer))
        if roll < 0.6:
            buffer[position] = rng.randrange(256)
        elif roll < 0.7:
            buffer[position] ^= 1 << rng.randrange(8)
        elif roll < 0.8:
            del buffer[position:position + rng.randint(1, 64)]
        elif roll < 0.9:
            buffer[position:position] = rng.choice(
                [b"\x00", b"\xff", b'"', b"[" * 200, b"\\ud800", b"1e999", b",", b"}"])
        else:
            del buffer[position:]
    return bytes(buffer)


class Workspace:
    """A private directory with the compiled seeds, a receipt and a store of waiting runs,
    made once per fuzz process (inside `root`, which the caller owns)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = root / "runs.sqlite3"
        self.workflows: list[tuple[Path, dict[str, Any]]] = []
        with contextlib.chdir(root):
            for index, text in enumerate(SEEDS):
                result = compile_source(text, f"seed{index}.mission")
                if result.workflow is None:
                    continue
                path = root / f"seed{index}.json"
                data = result.workflow.to_dict()
                path.write_text(json.dumps(data), encoding="utf-8")
                self.workflows.append((path, data))
            release = str(ROOT / "examples" / "release_checklist.mission")
            self.receipt = root / "receipt.json"
            run_command("run", release, "--param", "release=1.0", "--answer", "approve=yes",
                        "--answer", "channel=beta", "--receipt", str(self.receipt), "--no-store")
            for _ in range(3):
                run_command("run", release, "--param", "release=1.0", "--no-input",
                            "--store", str(self.store))
        self.store_bytes = self.store.read_bytes()
        self.receipt_data = json.loads(self.receipt.read_text(encoding="utf-8"))

    def fresh(self, name: str) -> Path:
        path = self.root / "scratch" / name
        shutil.rmtree(path.parent, ignore_errors=True)
        path.parent.mkdir(mode=0o700)
        return path


# -- the kinds: each draws an input, then checks it ----------------------------------

def draw_workflow(rng: random.Random, space: Workspace) -> str:
    """A compiled workflow (`W` + JSON) or a receipt (`R` + JSON), changed."""
    if rng.random() < 0.25:
        tag, data = "R", space.receipt_data
    else:
        tag, data = "W", rng.choice(space.workflows)[1]
    changed = mutate_json(rng, data)
    if tag == "W" and rng.random() < 0.5:
        changed = resealed(changed)  # else nearly every change stops at the stale hash
    text = json.dumps(changed)
    if rng.random() < 0.3:
        text = mutate_bytes(rng, text.encode()).decode("utf-8", errors="surrogateescape")
    return tag + text


def resealed(data: Any) -> Any:
    """`data` with the `content_hash` of its content, when it is a workflow at all."""
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        workflow = WorkflowDefinition.from_dict(data)
        if isinstance(data.get("metadata"), dict):
            data["metadata"]["content_hash"] = content_hash(workflow)
    return data


def check_workflow(text: str, space: Workspace) -> None:
    scratch = space.fresh("input.json")
    scratch.write_bytes(text[1:].encode("utf-8", errors="surrogateescape"))
    if text.startswith("R"):
        run_command("verify", str(scratch))
        return
    run_command("run", str(scratch), "--no-input", "--store", str(scratch.parent / "s.db"))
    run_command("graph", str(scratch))


VALUE_TEXTS = ["", "yes", "no", "true", "1", "0", "-1", "1.5", "1e999", "nan", "inf",
               "9007199254740992", "1" * 5000, '"x"', "[1,2]", '{"a":1}', '{"a":1,"a":2}',
               "[" * 200, "[" * 200 + "]" * 200, '"\\ud800"', "\x1b[2J", "\x00", "é",
               "=", "a=b", "null", "{", '{"": []}', "2026-02-30", "[" * 5000]


def draw_values(rng: random.Random, space: Workspace) -> str:
    """A JSON object: the seed to run, its options, and the files they name."""
    seed = rng.randrange(len(space.workflows))
    data = space.workflows[seed][1]
    names = [*data["metadata"].get("declarations", {}).get("params", {}),
             *[step["id"] for step in data["steps"]], "x", "", "__proto__"]
    options = [[rng.choice(["--param", "--answer"]),
                f"{rng.choice(names)}={rng.choice(VALUE_TEXTS)}"]
               for _ in range(rng.randint(0, 4))]
    files = {}
    for option in ("--params", "--answers", "--state"):
        if rng.random() < 0.3:
            value = {rng.choice(names): random_json(rng) for _ in range(rng.randint(0, 3))}
            raw = json.dumps(value).encode()
            if rng.random() < 0.3:
                raw = mutate_bytes(rng, raw)
            files[option] = raw.decode("latin-1")
    return json.dumps({"seed": seed, "options": options, "files": files})


def check_values(text: str, space: Workspace) -> None:
    drawn = json.loads(text)
    store = space.fresh("s.db")
    argv = ["run", str(space.workflows[drawn["seed"]][0]), "--no-input", "--store", str(store)]
    for option, value in drawn["options"]:
        argv += [option, value]
    for option, content in drawn["files"].items():
        file = store.parent / option.strip("-")
        file.write_bytes(content.encode("latin-1"))
        argv += [option, str(file)]
    run_command(*argv)


def draw_store(rng: random.Random, space: Workspace) -> bytes:
    """The store's bytes, changed, and a run id (the last byte, 1 to 3)."""
    return mutate_bytes(rng, space.store_bytes) + bytes([rng.randint(1, 3)])


def check_store(raw: bytes, space: Workspace) -> None:
    store = space.fresh("runs.sqlite3")
    store.write_bytes(raw[:-1])
    os.chmod(store, 0o600)
    run_id = str(raw[-1]) if raw else "1"
    run_command("runs", "--store", str(store))
    run_command("verify", run_id, "--store", str(store))
    run_command("resume", run_id, "--answer", "approve=yes", "--answer", "channel=beta",
                "--store", str(store))
    run_command("cancel", run_id, "--reason", "fuzz", "--store", str(store))
    run_command("tick", "--store", str(store))


PEOPLE = ["ann", "bob", "sam", "", None, 7]
INSTANTS = ["2026-12-01T09:00:00+00:00", "2026-12-02T09:00:00+00:00", "2026-12-01T10:00:00Z",
            "2026-12-03T09:00:00+05:00", "2026-12-01T09:00:00", "yesterday", None, 3,
            "2026-12-31T23:59:59+00:00", "9999-12-31T23:59:59+00:00"]
ANSWERS = ["yes", "no", True, False, "maybe", 3, None, "stable", "beta", {"a": 1}]


def draw_time(rng: random.Random, space: Workspace) -> str:
    """A confirm and a choose step with random rules, random events, a random start."""
    def rules() -> dict[str, Any]:
        drawn: dict[str, Any] = {}
        if rng.random() < 0.7:
            drawn["answered_by"] = rng.choice(["managers", "ops", "directors"])
        if rng.random() < 0.5:
            drawn["approvals"] = rng.choice([1, 2, 3, 0, 21, "2", True])
        if rng.random() < 0.4:
            drawn["exclude_starter"] = rng.choice([True, False, "yes"])
        if rng.random() < 0.4:
            drawn["remind_before"] = rng.choice([60, 3600, 86400, 30, -1])
        if rng.random() < 0.7:
            drawn["deadlines"] = [
                {"after": rng.choice([60, 3600, 86400, 0, "1d"]),
                 **rng.choice([{"escalate": rng.choice(["ops", "directors", "managers", "1x"])},
                               {"answer": rng.choice(ANSWERS)},
                               {"fail": rng.choice(["late", ""])}])}
                for _ in range(rng.randint(0, 5))]
        return drawn

    events = []
    for _ in range(rng.randint(0, 6)):
        kind = rng.choice(["answer", "answer", "deadline", "cancel", "other"])
        event: dict[str, Any] = {"kind": kind}
        if kind != "cancel":
            event["step"] = rng.choice(["approve", "pick", "nope"])
        if kind == "answer":
            event["answer"] = rng.choice(ANSWERS)
        if kind == "deadline":
            event["stage"] = rng.choice([0, 1, 2, -1, "0"])
        if kind == "cancel":
            event["reason"] = rng.choice(["fuzz", "", 5])
        for key, choices in (("by", PEOPLE), ("at", INSTANTS)):
            if rng.random() < 0.8:
                event[key] = rng.choice(choices)
        events.append(event)
    started = rng.choice([None, {"at": rng.choice(INSTANTS), "by": rng.choice(PEOPLE)}])
    return json.dumps({"rules": [rules(), rules()], "events": events, "started": started})


def check_time(text: str, space: Workspace) -> None:
    drawn = json.loads(text)
    steps = []
    for step_id, (operation, args), rules in zip(
            ("approve", "pick"),
            (("confirm", {"prompt": {"lit": "Go?"}}),
             ("choose", {"prompt": {"lit": "Which?"}, "options": {"lit": ["stable", "beta"]}})),
            drawn["rules"], strict=True):
        steps.append(StepSpec(step_id, "human", {"operation": operation, "args": args,
                                                 "output": f"state.{step_id}", **rules}))
    flow = WorkflowDefinition(id="wf-time", steps=steps)
    try:
        first = Orchestrator().run_workflow(flow, ExecutionContext(
            started=drawn["started"], events=drawn["events"]))
    except RUN_REFUSALS:
        return
    again = Orchestrator().run_workflow(flow, ExecutionContext(started=drawn["started"],
                                                               events=first.events))
    if again.receipt != first.receipt or again.status != first.status:
        raise Finding("the events a run consumed do not replay to its receipt")


# -- test files ---------------------------------------------------------------------

TEST_SEEDS = sorted((ROOT / "examples").glob("*_test.mission"))
TEST_PIECES = ["answer ", "result ", "real ", "expect ", "snapshot ", "after 2 days",
               "after 1.5 hours", "started by sam", 'at "2026-01-01T00:00:00Z"', 'at "noon"',
               "cancel", "state.", "state = ", 'state from "missing.json"', "param x = 1",
               "expect succeeded", 'expect failed "("', "expect waiting approve by directors",
               "expect refused", "expect steps", "expect skipped x", "== ", "!= ", "timeout",
               'error "x"', "by", "except", "replay", 'replay "*.json"', 'test "t" {', "}",
               "{", "[", ",", "not true", "state.x", "param.p", "1e999", r'"\q"', "\n",
               "\n" * 30, "#", "[" * 60, "approve", "pick", "tests", "test"]


def draw_testfile(rng: random.Random, space: Workspace) -> str:
    """A shipped test file (or one the grammar walker makes), cut and spliced with pieces of
    test-file syntax: its name, a newline, then its text."""
    seed = rng.choice(TEST_SEEDS)
    text = seed.read_text(encoding="utf-8")
    for _ in range(rng.randint(1, 4)):
        start = rng.randint(0, len(text))
        end = rng.randint(start, min(len(text), start + 30))
        piece = rng.choice(TEST_PIECES) if rng.random() < 0.7 else rng.choice(PIECES)
        text = text[:start] + piece + (text[end:] if rng.random() < 0.5 else text[start:])
    return f"{seed.name}\n{text}"


def check_testfile(drawn: str, space: Workspace) -> None:
    """A test file through `mission check`'s compiler, the formatter, the language server
    and, when it checks clean, the runner (twice: the same results)."""
    from mission.testing.suite import run_file

    name, text = drawn.split("\n", 1)
    directory = space.root / "examples"
    if not directory.exists():
        shutil.copytree(ROOT / "examples", directory)
    path = directory / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = compile_source(text, str(path), config=ALL)
    check_places(result.diagnostics, text)
    try:
        formatted = format_source(text, str(path))
    except FormatError as refusal:
        if result.tests is not None and not refusal.diagnostics:
            raise Finding(f"the formatter refused a test file that parses: {refusal}") from None
    else:
        again = compile_source(formatted, str(path), config=ALL)
        if result.tests is not None and (again.tests is None
                                         or again.tests.tree != result.tests.tree):
            raise Finding("formatting changed what the test file means")
    ask_the_language_server(path.as_uri(), text)
    if result.errors or result.tests is None:
        return
    first, second = run_file(str(path)), run_file(str(path))
    if first != second:
        raise Finding("running a test file twice gives different results")


Input = str | bytes


