"""A case runs as a real run goes: answers with who and when, deadlines firing as time moves,
refusals, effect results as data (retries, errors, timeouts), and its expectations."""

from __future__ import annotations

from pathlib import Path

from tests.testkit.kit import APPROVAL, messages, one, run

EFFECTS = """mission publish "Publish" {
    version 1

    runtime discover_tests "Count the tests" {
        discover_tests(target: "tests") -> state.found
    }

    runtime execute_tests "Run them" {
        run_pytest(target: "tests") -> state.results
    }
}
"""


def test_a_case_passes_when_every_expectation_holds(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        answer approve = true by ana
        answer approve = true by bo
        expect succeeded
        expect steps approve, record
        expect skipped refuse
        expect state.ledger == [10]""")
    assert case.outcome == "passed", messages(case)


def test_each_expectation_is_checked_where_it_stands(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        expect succeeded
        answer approve = true by ana
        expect waiting approve by directors
        answer approve = true by bo
        expect waiting approve""")
    assert messages(case) == [
        "the run waits on step `approve` (asking `managers`); the test expects it to have "
        "succeeded",
        "step `approve` asks the group `managers`, not `directors`",
        "the run succeeded; the test expects it to wait"]


def test_deadlines_fire_at_their_due_time_as_the_clock_moves(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam at "2026-12-01T09:00:00+00:00"
        after 47 hours
        expect waiting approve by managers
        after 1 hour
        expect waiting approve by directors
        answer approve = true by ana
        after 23 hours
        expect waiting approve by directors except sam, ana
        after 2 hours
        expect failed "not approved"
        expect state.approved == false""")
    assert case.outcome == "passed", messages(case)
    # one move past both deadlines fires both, each at its own due time
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        after 30 days
        expect failed "not approved\"""")
    assert case.outcome == "passed", messages(case)


def test_an_answer_at_a_given_time_moves_the_clock_there_first(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam at "2026-12-01T09:00:00Z"
        answer approve = true by dee at "2026-12-03T10:00:00Z"
        expect waiting approve by directors""")
    assert case.outcome == "passed", messages(case)
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        after 3 days
        answer approve = true by dee at "2026-01-02T00:00:00Z"
        expect succeeded""")
    assert case.outcome == "error"
    assert "is before the test's time now, 2026-01-04T00:00:00+00:00" in messages(case)[0]


def test_a_refused_event_changes_nothing_and_must_be_expected(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        answer approve = true by sam
        expect refused "no self-approval"
        answer approve = true by ana
        answer approve = true by ana
        expect refused "ana has already answered"
        expect waiting approve""")
    assert case.outcome == "passed", messages(case)
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        answer approve = true by sam
        expect waiting approve""")
    assert messages(case) == ["the engine refused this answer: Step 'approve': sam started "
                              "this run and may not answer this step (no self-approval: "
                              "`except starter`)"]
    assert case.failures[0].detail == (
        'to test that it is refused, follow it with `expect refused "..."`',)
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        expect refused "anything\"""")
    assert messages(case) == ["nothing was refused here: the events before this line were "
                              "all accepted"]


def test_inputs_the_run_refuses_can_be_expected(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 100001
        expect refused "must be between 0 and 100000\"""")
    assert case.outcome == "passed", messages(case)


def test_a_cancellation_ends_the_waiting_run(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        cancel "filed twice" by sam
        expect cancelled
        cancel "again"
        expect refused "only a waiting run can be cancelled\"""")
    assert case.outcome == "passed", messages(case)


def test_a_state_expectation_shows_a_diff(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        state.ledger = [1, 2]
        started by sam
        answer approve = true by ana
        answer approve = true by bo
        expect state.ledger == [1, 2, 11]
        expect state.ledger.below == 1""")
    first, second = case.failures
    assert first.message == "`state.ledger` is [1, 2, 10], not [1, 2, 11]"
    assert "-  11" in first.detail and "+  10" in first.detail
    assert second.message == ("`state.ledger.below` does not exist: `state.ledger` is "
                              "[1, 2, 10], not a map")


def test_effects_take_their_results_in_order_and_errors_fail_the_step(tmp_path: Path) -> None:
    case = one(tmp_path, EFFECTS, """
        result discover_tests = {target: "tests", count: 1, files: ["a.py"]}
        result execute_tests = error "pytest is not installed"
        expect failed "Step 'execute_tests' failed: pytest is not installed"
        expect state.found.count == 1""")
    assert case.outcome == "passed", messages(case)


def test_an_effect_without_a_result_is_an_error_of_the_case(tmp_path: Path) -> None:
    case = one(tmp_path, EFFECTS, """
        result discover_tests = {target: "tests", count: 0, files: []}
        expect succeeded""")
    assert case.outcome == "error"
    assert messages(case) == ["step `execute_tests` calls the effect `run_pytest`, and the test "
                              "gives no result for it: add `result execute_tests = VALUE` (or "
                              "`real execute_tests` to run it)"]


def test_forms_answered_field_by_field_are_one_answer(tmp_path: Path) -> None:
    mission = """mission f "F" {
    version 1

    human ask "Ask" {
        form("F", fields: {a: text("A?"), ok: confirm("OK?")}) -> state.f
    }
}
"""
    case = one(tmp_path, mission, """
        answer ask.a = "x"
        answer ask.ok = "yes"
        expect state.f == {a: "x", ok: true}""")
    assert case.outcome == "passed", messages(case)


def test_coverage_gathers_what_the_runs_went_through(tmp_path: Path) -> None:
    case = one(tmp_path, APPROVAL, """
        param amount = 10
        started by sam
        after 3 days
        expect failed "not approved\"""")
    assert case.hits.steps == {"approve", "refuse"}
    assert {("deadline", "approve", 0), ("deadline", "approve", 1), ("when", "record", False),
            ("when", "refuse", True), ("answer", "approve", "false")} <= case.hits.branches
    assert ("in time", "approve") not in case.hits.branches


def test_a_case_selection_runs_only_matching_tests(tmp_path: Path) -> None:
    from mission.testing.suite import Options, run_file
    from tests.testkit.kit import write

    path = write(tmp_path, APPROVAL, """
    test "waits for managers" {
        param amount = 1
        expect waiting approve
    }

    test "refused when late" {
        param amount = 1
        started by sam
        after 3 days
        expect failed "approved"
    }""")
    chosen = run_file(str(path), Options(keyword="late or nothing"))
    assert [case.name for case in chosen.cases] == ["refused when late"]
    assert [case.name for case in run_file(str(path), Options(keyword="not late")).cases] == \
        ["waits for managers"]
    result = run(tmp_path, APPROVAL, "")
    assert result.cases == ()
