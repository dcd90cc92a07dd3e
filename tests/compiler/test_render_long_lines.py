"""A long line (generated data, a minified mission) is cut around its marks, as rustc does,
so one diagnostic prints a few hundred characters, not the whole line."""

from __future__ import annotations

from compiler import compile_source
from compiler.render import render_all

FILLER = ", ".join(str(number) for number in range(5000))  # about 24,000 characters


def rendered(text: str) -> str:
    result = compile_source(text, "long.mission")
    assert result.diagnostics
    return render_all(result.diagnostics, result.source)


def test_a_mark_in_the_middle_of_a_long_line_shows_the_text_around_it() -> None:
    text = ('mission m "M" {\n    version 1\n    runtime s "S" { set(at: state.x, value: ['
            + FILLER + ", param.nope, " + FILLER + "]) }\n}\n")
    output = rendered(text)
    assert "error[E008]: `param.nope` is not a declared param" in output, output
    assert max(len(line) for line in output.splitlines()) < 400
    source_line = next(line for line in output.splitlines() if line.startswith("3 |"))
    caret_line = next(line for line in output.splitlines() if "^" in line)
    assert source_line.startswith("3 | ...") and source_line.endswith("...")
    column = caret_line.index("^")
    assert caret_line[column:].startswith("^^^^ undeclared param")
    assert source_line[column - len("param."):column + len("nope")] == "param.nope"


def test_a_short_line_is_shown_whole() -> None:
    text = ('mission m "M" {\n    version 1\n'
            '    runtime s "S" { set(at: state.x, value: param.nope) }\n}\n')
    source_line = next(line for line in rendered(text).splitlines() if line.startswith("3 |"))
    assert source_line == '3 |     runtime s "S" { set(at: state.x, value: param.nope) }'
    assert "..." not in source_line


def test_a_mark_at_the_end_of_a_long_line_keeps_the_end() -> None:
    text = ('mission m "M" {\n    version 1\n    runtime s "S" { set(at: state.x, value: ['
            + FILLER + ", param.nope]) }\n}\n")
    source_line = next(line for line in rendered(text).splitlines() if line.startswith("3 |"))
    assert source_line.startswith("3 | ...") and source_line.endswith("param.nope]) }")
