"""Helpers: a mission and a test file in a temporary directory, run in this process."""

from __future__ import annotations

from pathlib import Path

from mission.testing.results import CaseResult, FileResult
from mission.testing.suite import run_file

APPROVAL = """mission approval "Approve, with deadlines" {
    version 1

    param amount: number in 0..100000
    input ledger: list = []

    human approve "Two managers approve" by 2 of managers except starter {
        confirm("Approve?", show: param.amount) -> state.approved
        after 2 days escalate to directors
        after 1 day answer false
    }

    runtime record "Record it" when state.approved {
        append(to: state.ledger, value: param.amount)
    }

    runtime refuse "Refuse it" when not state.approved {
        fail(reason: "not approved")
    }
}
"""


def write(directory: Path, mission: str, tests: str, name: str = "m") -> Path:
    """`m.mission` and `m_test.mission` in `directory`; the test file's path."""
    (directory / f"{name}.mission").write_text(mission, encoding="utf-8")
    path = directory / f"{name}_test.mission"
    path.write_text(f'tests "{name}.mission" {{\n{tests}\n}}\n', encoding="utf-8")
    return path


def run(directory: Path, mission: str, tests: str) -> FileResult:
    result = run_file(str(write(directory, mission, tests)))
    assert not result.broken, [d.message for d in result.diagnostics] or result.problem
    return result


def one(directory: Path, mission: str, lines: str) -> CaseResult:
    """The result of one case made of `lines`."""
    result = run(directory, mission, f'    test "t" {{\n{lines}\n    }}')
    (case,) = result.cases
    return case


def messages(case: CaseResult) -> list[str]:
    return [failure.message for failure in case.failures]
