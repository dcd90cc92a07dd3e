"""Formatter goldens: each `fmt_cases/NAME.input.mission` formats to `NAME.output.mission`.

Regenerate after an intended layout change with
`MISSION_UPDATE_GOLDENS=1 pytest tests/editor/test_format_golden.py`, then
review the diff of the `.output.mission` files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler import compile_source
from compiler.format import FormatError, format_source
from tests.conftest import ROOT

CASES = Path(__file__).parent / "fmt_cases"
INPUTS = sorted(CASES.glob("*.input.mission"))
# the missions (their test files, `*_test.mission`, are tested in tests/testkit/)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.mission")
                  if p.exists() and not p.name.endswith("_test.mission"))


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", INPUTS, ids=lambda path: path.name.split(".")[0])
def test_golden(case: Path) -> None:
    expected_path = case.with_name(case.name.replace(".input.", ".output."))
    formatted = format_source(read(case), str(case))
    if os.environ.get("MISSION_UPDATE_GOLDENS"):
        expected_path.write_bytes(formatted.encode("utf-8"))
    assert formatted == read(expected_path)
    assert format_source(formatted) == formatted


def test_there_are_golden_cases() -> None:
    assert len(INPUTS) >= 6


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_every_example_formats_and_still_compiles_to_the_same_workflow(example: Path) -> None:
    text = read(example)
    formatted = format_source(text)
    assert format_source(formatted) == formatted
    before, after = compile_source(text, "x.mission"), compile_source(formatted, "x.mission")
    assert before.workflow is not None and after.workflow is not None
    assert after.workflow.metadata["content_hash"] == before.workflow.metadata["content_hash"]


def test_syntax_errors_are_refused_with_the_diagnostics() -> None:
    with pytest.raises(FormatError) as caught:
        format_source('mission broken {\n    version 1\n    runtime a { noop( }\n}\n')
    assert "1 syntax error" in str(caught.value)
    assert [d.code for d in caught.value.diagnostics] == ["E001"]


@pytest.mark.parametrize("case", [CASES / "width.input.mission", *EXAMPLES],
                         ids=lambda path: path.name)
def test_the_output_keeps_to_the_width(case: Path) -> None:
    """Every line fits in 100 columns once formatted, hand-wrapped or joined lines alike
    (these files hold no string or name too long to fit)."""
    formatted = format_source(read(case))
    assert [line for line in formatted.splitlines() if len(line) > 100] == []


def test_a_hand_wrapped_call_that_does_not_fit_is_broken_not_joined() -> None:
    """Issue 22: `concat(filter(...), [merge(...)])` was joined into a 144-column line."""
    text = ('mission m "M" {\n    version 1\n    runtime r "R" {\n        set(at: state.r,\n'
            '            value: concat(filter(state.roster, where: item.name != state.who.name),\n'
            '                [merge(state.who, {last_oncall: param.today})]))\n    }\n}\n')
    formatted = format_source(text)
    assert "            value: concat(\n                filter(" in formatted
    assert max(map(len, formatted.splitlines())) <= 100
