"""The pytest plugin, in a real pytest process: mission test files collected as items."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT

pytest_plugins = ["pytester"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    for name in ("echo.mission", "echo_test.mission", "survey.mission", "survey_test.mission"):
        shutil.copy(ROOT / "examples" / name, pytester.path / name)
    return pytester


def test_each_case_is_a_pytest_item(project: pytest.Pytester) -> None:
    done = project.runpytest_subprocess("-v")
    done.assert_outcomes(passed=6)
    done.stdout.fnmatch_lines(["echo_test.mission::the message is written to state.echo PASSED*",
                               "survey_test.mission::a score and a comment are kept together "
                               "PASSED*"])


def test_a_failing_case_reads_as_mission_test_prints_it(project: pytest.Pytester) -> None:
    path = project.path / "echo_test.mission"
    path.write_text(path.read_text().replace('expect state.echo == ""',
                                             'expect state.echo == "x"'))
    done = project.runpytest_subprocess("-k", "empty")
    done.assert_outcomes(failed=1, deselected=5)
    done.stdout.fnmatch_lines([
        "*mission test: echo_test.mission::without a message the echo is empty*",
        'failed: `state.echo` is "", not "x"',
        "  --> echo_test.mission:10:9",
        '10 |         expect state.echo == "x"',
        '   = - "x"  (expected)',
    ])


def test_a_test_file_with_errors_is_one_failing_item(project: pytest.Pytester) -> None:
    (project.path / "broken_test.mission").write_text(
        'tests "echo.mission" {\n    test "t" {\n        answer echo = 1\n    }\n}\n')
    done = project.runpytest_subprocess()
    done.assert_outcomes(passed=6, failed=1)
    done.stdout.fnmatch_lines(["error[E062]: `echo` is a runtime step: nobody answers it"])


def test_a_conftest_can_leave_test_files_out(project: pytest.Pytester) -> None:
    project.makeconftest('collect_ignore_glob = ["survey_test.mission"]')
    project.runpytest_subprocess().assert_outcomes(passed=3)


def test_the_suite_leaves_the_deliberately_failing_file_out(pytester: pytest.Pytester) -> None:
    done = pytester.runpytest_subprocess("--collect-only", "-q",
                                         str(ROOT / "tests" / "testkit" / "failing"))
    assert "deliberately_failing_test.mission" not in done.stdout.str()
