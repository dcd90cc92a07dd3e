"""The compiler's limits (E023): hostile nesting, size and counts get a diagnostic, never a
crash, in every command and in the language server; and no phase recurses past a bound."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from lsprotocol import types

from compiler import compile_source
from compiler.config import Config, ConfigError, load_config
from compiler.format import FormatError, format_source
from compiler.limits import DEFAULT_LIMITS, DEPTH_CEILING, Limits
from mission.graph import build_graph, to_dot, to_mermaid
from mission.lsp import features
from mission.report import render_report
from runtime.orchestration import ExecutionContext, Orchestrator
from tests.conftest import run_cli

N = 100_000
HEAD = 'mission m "Deep" {\n    version 1\n    input ready: bool = true\n'


def in_step(expression: str, when: str = "") -> str:
    guard = f" when {when}" if when else ""
    return (f'{HEAD}    runtime s "Keep it"{guard} {{\n'
            f"        set(at: state.kept, value: {expression})\n    }}\n}}\n")


HOSTILE = {
    "unclosed_lists": "[" * N,
    "unclosed_in_a_step": in_step("[" * N),
    "lists": in_step("[" * N + "]" * N),
    "maps": in_step("{a: " * N + "1" + "}" * N),
    "nots": in_step("1", "not " * N + "state.ready"),
    "and_chain": in_step("1", " and ".join(["state.ready"] * (N + 1))),
    "parentheses": in_step("(" * N + "1" + ")" * N),
}


def codes(text: str, config: Config | None = None) -> list[str]:
    return [d.code for d in compile_source(text, "hostile.mission", config=config).diagnostics]


@contextmanager
def stack_budget(frames: int) -> Iterator[None]:
    """Python's recursion limit set to `frames` above the current depth."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_nesting_gets_a_diagnostic_in_a_small_stack(name: str) -> None:
    text = HOSTILE[name]
    with stack_budget(150):
        result = compile_source(text, "hostile.mission")
    found = {d.code for d in result.diagnostics}
    if name == "parentheses":  # parentheses nest nothing in the tree: fine at any depth
        assert result.workflow is not None
    elif name.startswith("unclosed"):
        assert "E001" in found and result.workflow is None
    else:
        assert found == {"E023"}, found
        assert f"nested {N:,} levels deep, deeper than the limit of 32" in result.errors[0].message


def test_a_dropped_item_does_not_cascade() -> None:
    deep = "[" * 40 + "state.ready" + "]" * 40
    text = (f"{HEAD}    param grid: list = {deep}\n"
            f'    runtime s "Keep it" {{\n        set(at: state.kept, value: {deep})\n    }}\n'
            '    runtime t "Use it" {\n        set(at: state.copy, value: state.kept)\n    }\n'
            '    runtime u "Use the param" {\n        set(at: state.g, value: param.grid)\n'
            "    }\n}\n")
    result = compile_source(text, "deep.mission")
    assert [d.code for d in result.diagnostics] == ["E023", "E023"]
    assert result.mission is not None and [s.id.text for s in result.mission.steps] == ["t", "u"]


@pytest.mark.parametrize("name", ["unclosed_lists", "nots"])
def test_every_command_reports_instead_of_crashing(tmp_path: Path, name: str) -> None:
    path = tmp_path / "hostile.mission"
    path.write_text(HOSTILE[name], encoding="utf-8")
    code = "E001" if name.startswith("unclosed") else "E023"
    for command, exit_code in (("check", 1), ("fmt", 1), ("graph", 2), ("compile", 1),
                               ("run", 2)):
        done = run_cli(command, str(path), cwd=tmp_path, timeout=120)
        assert done.returncode == exit_code, (command, done.stderr[-500:])
        assert f"error[{code}]" in done.stdout + done.stderr, command
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["unclosed_lists", "unclosed_in_a_step", "lists", "nots"])
def test_the_language_server_features_answer(name: str) -> None:
    text = HOSTILE[name]
    snapshot = features.Snapshot.build("file:///hostile.mission", text)
    assert features.diagnostics(snapshot)
    features.document_symbols(snapshot)
    for line, column in ((0, 0), (4, 40)):
        position = types.Position(line, column)
        features.hover(snapshot, position)
        features.completion(snapshot, position)
        features.definition(snapshot, position)
        features.references(snapshot, position, True)
        features.code_actions(snapshot, types.Range(position, position))
    with pytest.raises(FormatError):
        features.formatting(snapshot)


def deepest_mission(depth: int) -> str:
    """Every kind of nesting at exactly `depth` levels, in a mission that compiles and runs."""
    def nest(opening: str, closing: str, inner: str, levels: int) -> str:
        return opening * levels + inner + closing * levels

    ors = " or ".join(["state.count in [1]"] * (depth - 1))
    return f'''mission deepest "Every kind of nesting, as deep as allowed" {{
    version 1

    param grid: list = {nest("[", "]", "0", depth)}

    input ready: bool = true
    input count: int = 1

    runtime lists "Lists" when {"not " * (depth - 2)}(state.ready == true) {{
        set(at: state.lists, value: {nest("[", "]", "state.count", depth)})
    }}

    runtime maps "Maps" when {" and ".join(["state.ready"] * (depth + 1))} {{
        set(at: state.maps, value: {nest("{k: ", "}", "state.count", depth)})
    }}

    runtime ors "Alternatives" when {ors} {{
        set(at: state.ors, value: {nest("{k: [", "]}", "param.grid", depth // 2)})
    }}

    human ask "Ask" {{
        confirm("Keep them?", show: {nest("[", "]", "state.lists", depth - 1)}) -> state.ok
    }}
}}
'''


# Frames each phase may use beyond the caller's: well under Python's default limit of
# 1000, so that the deepest mission allowed leaves room for any caller. (Measured at
# DEPTH_CEILING: the formatter and the language server need about 365, the others less.)
BUDGET = 450


def test_every_phase_handles_the_deepest_mission_allowed_in_a_bounded_stack() -> None:
    limits = Limits(max_depth=DEPTH_CEILING)
    config = Config(select=("ALL",), limits=limits)
    text = deepest_mission(DEPTH_CEILING)
    deeper = compile_source(deepest_mission(DEPTH_CEILING + 1), "deeper.mission", config=config)
    assert deeper.mission is not None and [s.id.text for s in deeper.mission.steps] == ["ask"]
    with stack_budget(BUDGET):
        result = compile_source(text, "deepest.mission", config=config)
        assert [d.code for d in result.errors] == []
        workflow = result.workflow
        assert workflow is not None
        context = ExecutionContext(answers={"ask": True})
        run = Orchestrator().run_workflow(workflow, context)
        assert run.status == "succeeded", run.error_message
        graph = build_graph(workflow)
        phases: dict[str, Callable[[], object]] = {
            "format": lambda: format_source(text, "deepest.mission", limits),
            "graph": lambda: (to_mermaid(graph), to_dot(graph)),
            "report": lambda: render_report(workflow, run, ExecutionContext(answers={"ask": True})),
            "language server": lambda: lsp_everywhere(text, config),
        }
        for phase in phases.values():
            phase()


def lsp_everywhere(text: str, config: Config) -> None:
    snapshot = features.Snapshot.build("file:///deepest.mission", text, config=config)
    features.diagnostics(snapshot)
    features.document_symbols(snapshot)
    features.formatting(snapshot)
    for line, row in enumerate(text.splitlines()):
        for column in range(0, len(row), 9):
            position = types.Position(line, column)
            features.hover(snapshot, position)
            features.completion(snapshot, position)
            features.definition(snapshot, position)
            features.references(snapshot, position, True)


def test_the_compiled_deepest_mission_stays_within_the_engines_bounds() -> None:
    """The ceiling exists because the engine refuses data nested over 100 levels: what
    compiles at the ceiling must run (checked above); one level more must not compile."""
    config = Config(limits=Limits(max_depth=DEPTH_CEILING))
    assert "E023" not in codes(deepest_mission(DEPTH_CEILING), config)
    with pytest.raises(ConfigError, match="must be a whole number from 1 to 48"):
        load_config_text(f"[limits]\nmax-depth = {DEPTH_CEILING + 1}\n")


def load_config_text(text: str) -> Config:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "mission.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)


def test_limits_are_read_from_the_configuration_and_applied() -> None:
    config = load_config_text("[limits]\nmax-file-size = 300\nmax-depth = 2\n"
                              "max-string-length = 5\nmax-arguments = 1\n")
    assert config.limits == Limits(max_file_size=300, max_depth=2, max_string_length=5,
                                   max_arguments=1)
    assert config.fingerprint != Config().fingerprint
    text = (f'{HEAD}    runtime s "Deep" {{ set(at: state.a, value: [[[1]]]) }}\n'
            '    runtime t "Long" when state.ready == "sixsix" { noop() }\n'
            '    runtime u "Wide" { set(at: state.b, value: 1) }\n}\n')
    messages = [d.message for d in compile_source(text, "x.mission", config=config).diagnostics]
    assert "this expression is nested 3 levels deep, deeper than the limit of 2" in messages
    assert "this string is 6 characters long, over the limit of 5" in messages
    assert "`set` is given 2 arguments, over the limit of 1" in messages
    big = compile_source(text + "#" * 300, "x.mission", config=config)
    assert [d.message for d in big.diagnostics] == [
        f"the file is at least {len(text) + 300:,} bytes, over the limit of 300 bytes"]


@pytest.mark.parametrize(("table", "words"), [
    ("max-depth = 0", "`limits.max-depth` must be a whole number from 1 to 48, not 0"),
    ("max-depth = true", "`limits.max-depth` must be a whole number from 1 to 48, not True"),
    ('max-arguments = "9"', "`limits.max-arguments` must be a whole number from 1 up, not '9'"),
    ("max-file-size = 1.5", "`limits.max-file-size` must be a whole number from 1 up, not 1.5"),
    ("max-deep = 3", "unknown key `limits.max-deep` (did you mean `max-depth`?)"),
])
def test_bad_limits_are_configuration_errors(table: str, words: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config_text(f"[limits]\n{table}\n")
    assert words in str(raised.value)


def test_the_file_size_counts_utf8_bytes_and_huge_files_are_not_parsed() -> None:
    limit = DEFAULT_LIMITS.max_file_size
    wide = "#" + "é" * (limit // 2)  # fewer characters than the limit, more bytes
    assert [d.message for d in compile_source(wide, "x.mission").diagnostics] == [
        f"the file is {1 + limit:,} bytes, over the limit of {limit:,} bytes"]
    huge = compile_source("[" * (limit + 1), "x.mission")
    assert [d.message for d in huge.diagnostics] == [
        f"the file is at least {limit + 1:,} bytes, over the limit of {limit:,} bytes"]
    assert huge.mission is None


def test_long_strings_and_names_are_reported_where_they_start() -> None:
    long = "x" * (DEFAULT_LIMITS.max_string_length + 1)
    text = in_step(f'"{long}"').replace('runtime s "Keep it"', f"runtime {long}")
    found = [(d.code, d.span.start, d.message) for d in compile_source(text, "x").diagnostics
             if d.code == "E023"]
    assert [message for _, _, message in found] == [
        "this name is 65,537 characters long, over the limit of 65,536",
        "this string is 65,537 characters long, over the limit of 65,536"]
    assert text[found[0][1]] == "x" and text[found[1][1]] == '"'


@pytest.mark.parametrize(("literal", "message"), [
    ("9007199254740991", None),
    ("-9007199254740991", None),
    ("9007199254740992", "the whole number `9007199254740992` is too large"),
    ("1" + "0" * 5000, "the whole number `100000000000…(5,001 digits)` is too large"),
    ('"\\ud800"', "`\\ud800` is half of a surrogate pair, not a character"),
    ('"\\ude00\\ud83d"', "`\\ude00` is half of a surrogate pair, not a character"),
])
def test_numbers_and_escapes_json_cannot_keep_are_errors(literal: str,
                                                         message: str | None) -> None:
    result = compile_source(in_step(literal), "x.mission")
    assert [d.message for d in result.errors][:1] == ([message] if message else [])


def test_a_surrogate_pair_escape_is_one_character() -> None:
    result = compile_source(in_step('"\\ud83d\\ude00"'), "x.mission")
    assert result.workflow is not None
    assert result.workflow.steps[0].payload["args"]["value"] == "\U0001f600"


def test_a_lone_surrogate_in_the_text_is_an_error_not_a_crash() -> None:
    text = in_step('"a\ud800b"')
    result = compile_source(text, "x.mission")
    assert [d.message for d in result.errors] == [
        "the text holds a lone surrogate (U+D800), which is not a character"]
    assert text[result.errors[0].span.start] == "\ud800"


def test_many_syntax_errors_cost_linear_work() -> None:
    """After 50 errors the rest of the file is dropped, so recovery is not repeated for
    each of thousands of broken steps (no timing asserted: the count of reports is)."""
    text = HEAD + '    runtime s "d" { set(at: ) }\n' * 5_000 + "}\n"
    result = compile_source(text, "broken.mission")
    assert len(result.errors) == 50 and {d.code for d in result.errors} == {"E001"}
