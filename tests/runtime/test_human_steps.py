"""Human steps in time, in the engine: approvals, no self-approval, deadlines with their
outcomes, cancellation, and the receipt covering who acted and when."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.human import DEADLINE
from runtime.orchestration.model import (
    AnswerError,
    EnvelopeViolation,
    ReplayError,
    WorkflowDefinition,
)
from runtime.records import UNTIMED_FORMAT, RunRecord
from runtime.verify import verify
from tests.runtime.builders import ref, step, workflow

START = {"at": "2026-12-01T09:00:00+00:00", "by": "sam"}
DAY = 86400


def approval(**rules: Any) -> WorkflowDefinition:
    """Ask managers to confirm, then write what was decided; `rules` go in the payload."""
    ask = step("approve", "confirm", {"prompt": {"lit": "Pay it?"}}, output="state.approved",
               kind="human")
    ask.payload.update({"answered_by": "managers", **rules})
    note = step("note", "set", {"at": ref("state.noted"), "value": {"lit": True}},
                when=ref("state.approved"))
    return workflow(ask, note)


def answer(value: Any, by: str, at: str, step_id: str = "approve") -> dict[str, Any]:
    return {"kind": "answer", "step": step_id, "answer": value, "by": by, "at": at}


def deadline(stage: int, at: str, step_id: str = "approve") -> dict[str, Any]:
    return {"kind": "deadline", "step": step_id, "stage": stage, "at": at}


def run(flow: WorkflowDefinition, *events: dict[str, Any], started: Any = START) -> Any:
    return Orchestrator().run_workflow(flow, ExecutionContext(started=started,
                                                              events=list(events)))


def test_a_wait_records_since_when_and_who_is_asked() -> None:
    result = run(approval(deadlines=[{"after": 2 * DAY, "answer": False}], remind_before=3600))
    assert result.status == "waiting"
    question = result.question
    assert question["waiting_since"] == START["at"] and question["group"] == "managers"
    assert question["deadline"] == {"stage": 0, "after": 2 * DAY, "then": "answer",
                                    "due_at": "2026-12-03T09:00:00+00:00"}
    assert question["remind_at"] == "2026-12-03T08:00:00+00:00"


def test_two_approvals_need_two_different_people() -> None:
    flow = approval(approvals=2)
    one = run(flow, answer("yes", "ann", "2026-12-01T10:00:00+00:00"))
    assert one.status == "waiting"
    assert one.question["approvals"] == {"needed": 2, "given": [
        {"by": "ann", "answer": True, "at": "2026-12-01T10:00:00+00:00"}]}
    assert one.question["may_not_answer"] == {"ann": "has answered"}
    with pytest.raises(AnswerError, match="ann has already answered; 2 different people"):
        run(flow, answer("yes", "ann", "2026-12-01T10:00:00+00:00"),
            answer("yes", "ann", "2026-12-01T11:00:00+00:00"))
    both = run(flow, answer("yes", "ann", "2026-12-01T10:00:00+00:00"),
               answer(True, "bob", "2026-12-01T11:00:00+00:00"))
    assert both.status == "succeeded" and both.final_state == {"approved": True, "noted": True}
    assert both.receipt["answered_by"] == {"approve": "ann, bob"}


def test_one_no_decides_a_confirm_that_needs_approvals() -> None:
    vetoed = run(approval(approvals=3), answer("yes", "ann", "2026-12-01T10:00:00+00:00"),
                 answer("no", "bob", "2026-12-01T10:05:00+00:00"))
    assert vetoed.status == "succeeded" and vetoed.final_state == {"approved": False}
    assert vetoed.receipt["answered_by"] == {"approve": "bob"}


def test_a_choice_is_decided_when_enough_people_agree() -> None:
    ask = step("channel", "choose", {"prompt": {"lit": "Channel?"},
                                     "options": {"lit": ["stable", "beta"]}},
               output="state.channel", kind="human")
    ask.payload.update({"answered_by": "ops", "approvals": 2})
    flow = workflow(ask)
    events = [answer("stable", "ann", "2026-12-01T10:00:00+00:00", "channel"),
              answer("beta", "bob", "2026-12-01T10:01:00+00:00", "channel")]
    assert run(flow, *events).status == "waiting"
    done = run(flow, *events, answer("beta", "cid", "2026-12-01T10:02:00+00:00", "channel"))
    assert done.final_state == {"channel": "beta"}
    assert done.receipt["answered_by"] == {"channel": "bob, cid"}


def test_the_starter_may_not_answer_a_step_that_excludes_them() -> None:
    flow = approval(exclude_starter=True)
    waiting = run(flow)
    assert waiting.question["may_not_answer"] == {"sam": "started the run"}
    with pytest.raises(AnswerError, match="sam started this run and may not answer"):
        run(flow, answer("yes", "sam", "2026-12-01T10:00:00+00:00"))
    with pytest.raises(AnswerError, match="both must be recorded by name"):
        run(flow, answer("yes", "ann", "2026-12-01T10:00:00+00:00"), started={"at": START["at"]})
    assert run(flow, answer("yes", "ann", "2026-12-01T10:00:00+00:00")).status == "succeeded"


def test_a_deadline_escalates_then_applies_the_default_answer() -> None:
    flow = approval(deadlines=[{"after": 2 * DAY, "escalate": "directors"},
                               {"after": DAY, "answer": True}], remind_before=3600)
    escalated = run(flow, deadline(0, "2026-12-03T09:30:00+00:00"))
    assert escalated.status == "waiting" and escalated.question["group"] == "directors"
    assert escalated.question["deadline"]["due_at"] == "2026-12-04T09:30:00+00:00"
    assert escalated.question["waiting_since"] == START["at"]
    decided = run(flow, deadline(0, "2026-12-03T09:30:00+00:00"),
                  deadline(1, "2026-12-04T09:30:00+00:00"))
    assert decided.status == "succeeded" and decided.final_state == {"approved": True,
                                                                     "noted": True}
    assert decided.receipt["answered_by"] == {"approve": DEADLINE}
    assert [event["kind"] for event in decided.events] == ["deadline", "deadline"]


def test_a_deadline_that_fails_the_step_gives_its_reason() -> None:
    flow = approval(deadlines=[{"after": DAY, "fail": "nobody approved within a day"}])
    failed = run(flow, deadline(0, "2026-12-02T09:00:00+00:00"))
    assert failed.status == "failed" and failed.failed_step_id == "approve"
    assert failed.error_message == "Step 'approve' failed: nobody approved within a day"


def test_a_deadline_cannot_fire_before_it_is_due_nor_at_another_stage() -> None:
    flow = approval(deadlines=[{"after": DAY, "answer": False}])
    with pytest.raises(ReplayError, match="before it was due at 2026-12-02T09:00:00"):
        run(flow, deadline(0, "2026-12-02T08:59:59+00:00"))
    with pytest.raises(ReplayError, match="stage 1, but the step waits at stage 0"):
        run(flow, deadline(1, "2026-12-05T00:00:00+00:00"))
    with pytest.raises(AnswerError, match="already decided"):
        run(flow, deadline(0, "2026-12-02T09:00:00+00:00"),
            answer("yes", "ann", "2026-12-02T09:00:01+00:00"))


def test_a_default_answer_that_does_not_fit_fails_the_step_when_applied() -> None:
    ask = step("pick", "choose", {"prompt": {"lit": "Which?"}, "options": ref("state.options")},
               output="state.picked", kind="human")
    ask.payload["deadlines"] = [{"after": DAY, "answer": "gamma"}]
    flow = workflow(ask)
    context = ExecutionContext(initial_state={"options": ["alpha", "beta"]}, started=START,
                               events=[deadline(0, "2026-12-02T09:00:00+00:00", "pick")])
    failed = Orchestrator().run_workflow(flow, context)
    assert failed.status == "failed"
    assert "its deadline's default answer does not fit the question: Step 'pick': choose " \
           "one of alpha, beta" in str(failed.error_message)


def test_a_cancelled_run_records_who_when_and_why() -> None:
    cancel = {"kind": "cancel", "reason": "wrong amount", "by": "sam",
              "at": "2026-12-01T12:00:00+00:00"}
    result = run(approval(), cancel)
    assert result.status == "cancelled" and not result.success
    assert result.error_message == ("Run cancelled by sam at 2026-12-01T12:00:00+00:00 while "
                                    "step 'approve' waited: wrong amount")
    assert result.receipt["status"] == "cancelled"
    assert result.receipt["chain"][-1]["status"] == "cancelled"
    with pytest.raises(ReplayError, match="cancelled while it waited, but it does not wait"):
        run(approval(), answer("yes", "ann", "2026-12-01T10:00:00+00:00"), cancel)


@pytest.mark.parametrize("rules, words", [
    ({"approvals": 0}, "`approvals` must be a whole number from 1 to 20"),
    ({"approvals": 2, "answered_by": None}, "`approvals` needs `answered_by`"),
    ({"exclude_starter": "yes"}, "`exclude_starter` must be true or false"),
    ({"remind_before": 30}, "from 60 (a minute)"),
    ({"deadlines": [{"after": DAY, "answer": True, "fail": "x"}]}, "a map of `after` and one"),
    ({"deadlines": [{"after": DAY, "answer": True}, {"after": DAY, "fail": "x"}]},
     "decides the step (`answer`), so no deadline can come after it"),
    ({"deadlines": [{"after": DAY, "escalate": "managers"}]}, "the group already asked"),
    ({"deadlines": [{"after": DAY, "escalate": "a"}, {"after": DAY, "escalate": "b"},
                    {"after": DAY, "escalate": "c"}, {"after": DAY, "escalate": "d"},
                    {"after": DAY, "fail": "x"}]}, "at most 4 deadlines"),
    ({"deadlines": [{"after": DAY, "fail": ""}]}, "`fail` gives the reason"),
    ({"remind_before": DAY, "deadlines": [{"after": DAY, "fail": "late"}]},
     "must be shorter than every deadline's `after`"),
])
def test_malformed_rules_are_refused_before_any_step_runs(rules: dict[str, Any],
                                                          words: str) -> None:
    flow = approval(**rules)
    if rules.get("answered_by", "") is None:
        del flow.steps[0].payload["answered_by"]
    with pytest.raises(EnvelopeViolation, match=words.replace("(", r"\(").replace(")", r"\)")):
        run(flow)


def test_a_runtime_step_cannot_have_a_deadline() -> None:
    flow = approval()
    flow.steps[1].payload["deadlines"] = [{"after": DAY, "fail": "late"}]
    with pytest.raises(EnvelopeViolation, match="`deadlines` applies to a human step only"):
        run(flow)


def test_a_plain_run_without_times_keeps_the_receipt_it_always_had() -> None:
    flow = approval()
    old = Orchestrator().run_workflow(flow, ExecutionContext(answers={"approve": "yes"},
                                                             answered_by={"approve": "ann"}))
    same = Orchestrator().run_workflow(flow, ExecutionContext(events=[
        {"kind": "answer", "step": "approve", "answer": "yes", "by": "ann"}]))
    assert old.receipt == same.receipt
    timed = run(flow, answer("yes", "ann", "2026-12-01T10:00:00+00:00"))
    assert timed.receipt["head"] != old.receipt["head"]  # the start is covered
    assert timed.receipt["chain"][0]["input"] != old.receipt["chain"][0]["input"]


def record_of(flow: WorkflowDefinition, *events: dict[str, Any]) -> RunRecord:
    context = ExecutionContext(started=START, events=list(events))
    result = Orchestrator().run_workflow(flow, context)
    return RunRecord.of("approval", flow, context, result, keep_workflow=True)


def test_an_edited_time_or_name_fails_verification() -> None:
    flow = approval(deadlines=[{"after": DAY, "escalate": "directors"},
                               {"after": DAY, "fail": "late"}])
    record = record_of(flow, deadline(0, "2026-12-02T09:00:00+00:00"),
                       answer("yes", "dee", "2026-12-02T10:00:00+00:00"))
    assert record.status == "succeeded" and verify(record, flow) == []

    def edited(index: int, **change: str) -> RunRecord:
        events = copy.deepcopy(record.events)
        events[index].update(change)
        return dataclasses.replace(record, events=events)

    for forged in (edited(1, at="2026-12-02T09:30:00+00:00"), edited(1, by="eve"),
                   edited(0, at="2026-12-02T10:00:00+00:00"),
                   dataclasses.replace(record, started_by="eve"),
                   dataclasses.replace(record, started_at="2026-11-30T09:00:00+00:00")):
        assert verify(forged, flow) != [], forged


def test_an_older_record_without_times_still_verifies() -> None:
    flow = approval()
    context = ExecutionContext(answers={"approve": "yes"}, answered_by={"approve": "ann"})
    result = Orchestrator().run_workflow(flow, context)
    record = dataclasses.replace(RunRecord.of("approval", flow, context, result),
                                 format=UNTIMED_FORMAT, events=[])
    loaded = RunRecord.from_json(record.to_json())
    assert "events" not in record.to_json() and not loaded.covers_times
    assert verify(loaded, flow) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ann", "bob", "cid", "dee"]), min_size=1, max_size=6),
       st.lists(st.booleans(), min_size=6, max_size=6), st.integers(1, 4))
def test_approvals_are_decided_by_distinct_people_and_a_replay_agrees(
        people: list[str], votes: list[bool], needed: int) -> None:
    flow = approval(approvals=needed)
    events = []
    seen: set[str] = set()
    for index, person in enumerate(people):
        if person in seen:
            continue
        seen.add(person)
        events.append(answer(votes[index], person, f"2026-12-01T1{index}:00:00+00:00"))
    try:
        first = run(flow, *events)
    except AnswerError as problem:  # more answers after the step was decided
        assert "already decided" in str(problem)
        return
    yes = sum(1 for event in events if event["answer"])
    vetoed = any(not event["answer"] for event in events)
    if vetoed:
        assert first.final_state["approved"] is False
    elif yes >= needed:
        assert first.final_state["approved"] is True
    else:
        assert first.status == "waiting"
    again = run(flow, *events)
    assert again.receipt == first.receipt
