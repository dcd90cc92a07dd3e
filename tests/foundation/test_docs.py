"""The language reference stays true to the operation table and the examples."""

from __future__ import annotations

import json
import re

import pytest

from compiler import compile_source
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.operations import OPERATIONS
from tests.conftest import ROOT

LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")


def test_every_operation_is_documented_with_its_signature() -> None:
    missing = [op.signature for op in OPERATIONS.values() if f"`{op.signature}`" not in LANGUAGE]
    assert not missing, f"docs/language.md lacks: {missing}"


def test_reference_example_is_the_shipped_daily_loop() -> None:
    shipped = (ROOT / "examples" / "daily_loop.mission").read_text(encoding="utf-8")
    body = shipped[shipped.index("mission daily_loop"):]
    assert body.strip() in LANGUAGE


_TABLE_MISSION = """mission worked "Worked examples" {{
    version 1
    input bugs: list[{{id: str, title: str, severity: int, status: str, due: date,
                        owner?: str}}] = []
    input today: date = "2026-12-03"
    runtime compute "Compute" {{
        set(at: state.out, value: {expression})
    }}
}}
"""


def _table(marker: str) -> list[tuple[str, str]]:
    """The `| `expression` | value |` rows between `<!-- marker:start/end -->`."""
    block = LANGUAGE.split(f"<!-- {marker}:start -->")[1].split(f"<!-- {marker}:end -->")[0]
    rows = []
    for line in block.strip().splitlines()[2:]:
        expression, expected = (cell.strip() for cell in
                                line.replace("\\|", "\x00").strip("|").split("|"))
        rows.append((expression.strip("`").replace("\x00", "|"), expected))
    return rows


@pytest.mark.parametrize(("expression", "expected"), _table("worked") + _table("numbers"))
def test_worked_examples_give_the_documented_values(expression: str, expected: str) -> None:
    compiled = compile_source(_TABLE_MISSION.format(expression=expression))
    assert compiled.workflow is not None, [d.message for d in compiled.errors]
    state = json.loads(LANGUAGE.split("```json\n")[1].split("```")[0])
    result = Orchestrator().run_workflow(compiled.workflow,
                                         ExecutionContext(initial_state=state))
    if expected.startswith("fails:"):
        assert result.status == "failed" and expected.split("`")[1] in str(result.error_message)
        return
    assert result.success, result.error_message
    found, wanted = result.final_state["out"], json.loads(expected.strip("`"))
    assert found == wanted and type(found) is type(wanted)


@pytest.mark.parametrize("name", ["bug_triage", "budget_guard", "release_note",
                                  "oncall_handover", "weekly_review", "expense_report",
                                  "expense_approval"])
def test_worked_missions_are_the_shipped_examples(name: str) -> None:
    shipped = (ROOT / "examples" / f"{name}.mission").read_text(encoding="utf-8")
    assert shipped[shipped.index(f"\nmission {name} "):].strip() in LANGUAGE


def _section(title: str) -> str:
    start = LANGUAGE.index(f"\n## {title}\n")
    return LANGUAGE[start:LANGUAGE.index("\n## ", start + 1)]


def test_the_missions_of_the_deadlines_section_compile_to_what_it_says() -> None:
    section = _section("Deadlines and who may answer")
    blocks = re.findall(r"```mission\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    for block in blocks:
        result = compile_source(block, "doc.mission")
        assert result.diagnostics == (), [d.message for d in result.diagnostics]
    assert result.workflow is not None
    example = compile_source(blocks[0], "doc.mission").workflow
    assert example is not None
    payload = example.to_dict()["steps"][1]["payload"]
    claimed = json.loads("{" + re.search(r"compiles to `(.*?)`\.", section, re.DOTALL)
                         .group(1).replace("\n", " ") + "}")  # type: ignore[union-attr]
    assert {key: payload[key] for key in claimed} == claimed
