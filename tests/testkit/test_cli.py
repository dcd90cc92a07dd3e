"""`mission test` as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

FAILING = "tests/testkit/failing/deliberately_failing_test.mission"


def test_every_shipped_example_has_a_test_file_and_they_pass() -> None:
    missions = [path for path in (ROOT / "examples").rglob("*.mission")
                if not path.name.endswith("_test.mission")]
    assert missions
    missing = [str(path.relative_to(ROOT)) for path in missions
               if not path.with_name(path.stem + "_test.mission").exists()]
    assert missing == []
    done = run_cli("test", "examples/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"= \d+ passed in [0-9.]+s =", done.stdout), done.stdout
    assert "examples/expense_approval_test.mission ....." in done.stdout


def test_a_failing_case_says_where_and_why() -> None:
    done = run_cli("test", FAILING)
    assert done.returncode == 1
    out = done.stdout
    assert f"{FAILING} FF" in out
    assert "failed: step `approve` asks the group `managers`, not `directors`" in out
    assert f" --> {FAILING}:8:9" in out
    assert "8 |         expect waiting approve by directors" in out
    assert "= the next deadline of `approve` (escalate to directors) is due at " \
           "2026-01-03T00:00:00+00:00" in out
    assert '= -    "purpose": "Train to Paris"' in out
    assert '= +    "purpose": "Train to Lyon"' in out
    assert f"FAILED {FAILING}::the expense is recorded as it was filed - `state.ledger` is" in out
    assert "= 2 failed in " in out


def test_selection_with_k() -> None:
    done = run_cli("test", "examples/", "-k", "veto or refused and not bug")
    assert done.returncode == 0, done.stdout
    marks = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines()
             if line.startswith("examples/") and len(line.split()) == 2}
    assert marks["examples/expense_approval_test.mission"] == ".."
    assert "examples/bug_triage_test.mission" not in marks
    bad = run_cli("test", "examples/", "-k", "a and (b")
    assert bad.returncode == 2 and "a `(` is not closed" in bad.stderr


def test_json_junit_and_github_formats() -> None:
    done = run_cli("test", FAILING, "examples/echo_test.mission", "--format", "json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["summary"] == {"broken_files": 0, "errors": 0, "failed": 2, "files": 2,
                               "passed": 3}
    first = data["files"][0]["tests"][0]
    assert first["outcome"] == "failed" and first["line"] == 3
    assert first["failures"][0]["line"] == 8 and first["failures"][0]["column"] == 9
    assert "2 failed, 3 passed" in done.stderr

    junit = run_cli("test", FAILING, "examples/echo_test.mission", "--format", "junit")
    tree = ElementTree.fromstring(junit.stdout)
    assert (tree.get("tests"), tree.get("failures"), tree.get("errors")) == ("5", "2", "0")
    failures = tree.findall(".//testcase/failure")
    assert len(failures) == 2
    assert "asks the group `managers`" in (failures[0].get("message") or "")
    assert f"--> {FAILING}:8:9" in (failures[0].text or "")

    github = run_cli("test", FAILING, "--format", "github")
    lines = github.stdout.splitlines()
    assert lines[0].startswith(f"::error file={FAILING},line=8,endLine=8,col=9,")
    assert "title=mission test%3A the directors are asked after one day::" in lines[0]


def test_coverage_text_cobertura_lcov_and_fail_under(tmp_path: Path) -> None:
    done = run_cli("test", "examples/bug_triage_test.mission", "-k", "waits", "--coverage",
                   "--coverage-xml", str(tmp_path / "coverage.xml"),
                   "--coverage-lcov", str(tmp_path / "coverage.lcov"), "--fail-under", "90")
    assert done.returncode == 1, done.stdout
    # the step it waits on counts as run; the one after it does not
    assert "examples/bug_triage.mission  3/4      1/4        50.0%" in done.stdout
    assert "missed: 20: `when` false (pick), 29: step `assign`, 29: `when` true (assign)" \
        in done.stdout
    assert "the coverage is 50.0%, under --fail-under 90%" in done.stdout
    cobertura = ElementTree.parse(tmp_path / "coverage.xml").getroot()
    assert cobertura.get("branches-valid") == "4" and cobertura.get("branches-covered") == "1"
    (klass,) = cobertura.iter("class")
    assert klass.get("filename") == "examples/bug_triage.mission"
    lines = {line.get("number"): line for line in klass.iter("line")}
    assert lines["20"].get("condition-coverage") == "50% (1/2)"
    assert lines["29"].get("hits") == "0"
    lcov = (tmp_path / "coverage.lcov").read_text(encoding="utf-8")
    assert lcov.startswith("TN:\nSF:examples/bug_triage.mission\n")
    assert "BRDA:20,2,1,0\nBRDA:29,3,0,-\n" in lcov and "BRF:4\nBRH:1\n" in lcov
    assert "DA:20,1\nDA:29,0\n" in lcov and lcov.endswith("end_of_record\n")
    full = run_cli("test", "examples/bug_triage_test.mission", "--fail-under", "100")
    assert full.returncode == 0


def test_a_tree_in_parallel_reports_as_one_process_does(tmp_path: Path) -> None:
    for index in range(24):
        shutil.copytree(ROOT / "examples", tmp_path / f"copy{index:02}")
    one = run_cli("test", str(tmp_path), "--jobs", "1", "--format", "json")
    two = run_cli("test", str(tmp_path), "--jobs", "2", "--format", "json")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout
    shipped = len(list((ROOT / "examples").rglob("*_test.mission")))
    assert shipped >= 15
    assert json.loads(two.stdout)["summary"]["files"] == 24 * shipped


def test_update_writes_the_snapshots_and_shows_the_diff(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    path = tmp_path / "examples" / "budget_guard_test.mission"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('snapshot state.verdict == {left: -10.0, status: "over"}',
                                 "snapshot state.verdict"), encoding="utf-8")
    failing = run_cli("test", str(path))
    assert failing.returncode == 1
    assert "no snapshot of `state.verdict` yet: run `mission test --update` to write it" in \
        failing.stdout
    done = run_cli("test", str(path), "--update")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '-        snapshot state.verdict\n+        snapshot state.verdict == {left: -10.0, ' \
           'status: "over"}' in done.stdout
    assert path.read_text(encoding="utf-8") == text
    assert "updated the snapshots of 1 file" in done.stderr


def test_a_test_file_with_errors_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "echo.mission").write_text((ROOT / "examples" / "echo.mission").read_text())
    (tmp_path / "echo_test.mission").write_text(
        'tests "echo.mission" {\n    test "t" {\n        param mesage = "hi"\n    }\n}\n')
    done = run_cli("test", str(tmp_path))
    assert done.returncode == 1
    assert "echo_test.mission E (1 error: no test ran)" in done.stdout
    assert "error[E063]: the mission has no param `mesage`" in done.stdout
    assert "= help: did you mean `message`?" in done.stdout
    assert "1 test file with errors" in done.stdout


@pytest.mark.parametrize("arguments", [("nowhere",), ("runtime",), ("--jobs", "0", "examples")])
def test_usage_errors_exit_2(arguments: tuple[str, ...]) -> None:
    done = run_cli("test", *arguments)
    assert done.returncode == 2
    assert done.stderr.startswith("mission test: ")


def test_a_pattern_python_warns_about_is_used_without_the_warning(tmp_path: Path) -> None:
    """`[[n]` is a set Python may read differently one day (a `FutureWarning` at compile
    time): the person wrote it, and a warning from inside mission is no help to them."""
    from tests.testkit.kit import APPROVAL, write

    path = write(tmp_path, APPROVAL, '    test "refused" {\n'
                 '        param amount = 10\n'
                 '        started by sam\n'
                 '        answer approve = false by ann\n'
                 '        expect failed "[[n]ot approved"\n'
                 '    }')
    done = run_cli("test", str(path), env={"PYTHONWARNINGS": "default"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "Warning" not in done.stderr, done.stderr
