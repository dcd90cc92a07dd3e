"""What a change to a run announces (`runtime/notices.py`): each event of the issue, once.

Notices come from the record before and after a change: a run that starts waiting on a
step (to the group asked), an escalation (to the new group), a deadline's decision, a
run's end; a reminder from the timer service. A property test folds random answers and
deadline firings into a run one at a time and checks what any history announces: every
key once, every wait once, an end only when the run ends, nothing for no change.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mission.keeping import RunKeeper
from runtime.notices import notices_between, reminder_notice
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import RUN_REFUSALS
from runtime.orchestration.times import later
from runtime.records import RunRecord
from runtime.store_api import open_store
from tests.runtime.builders import step, workflow

T0 = "2026-12-01T09:00:00+00:00"
DAY = 86400


def flow(**rules: Any) -> Any:
    first = step("approve", "confirm", {"prompt": {"lit": "Pay it?"}}, output="state.ok",
                 kind="human")
    first.payload.update({"answered_by": "managers", **rules})
    second = step("channel", "choose", {"prompt": {"lit": "Which?"},
                                        "options": {"lit": ["stable", "beta"]}},
                  output="state.channel", kind="human")
    second.payload["answered_by"] = "ops"
    return workflow(first, second)


RULES: dict[str, Any] = {"approvals": 2, "remind_before": 3600, "deadlines": [
    {"after": DAY, "escalate": "directors"}, {"after": DAY, "answer": True}]}


def record(events: list[dict[str, Any]], **rules: Any) -> RunRecord:
    work = flow(**rules)
    context = ExecutionContext(started={"at": T0, "by": "sam"}, events=events)
    return RunRecord.of("approval", work, context, Orchestrator().run_workflow(work, context),
                        keep_workflow=True)


def answer(value: Any, by: str, at: str, step_id: str = "approve") -> dict[str, Any]:
    return {"kind": "answer", "step": step_id, "answer": value, "by": by, "at": at}


def deadline(stage: int, at: str) -> dict[str, Any]:
    return {"kind": "deadline", "step": "approve", "stage": stage, "at": at}


def kinds(before: RunRecord | None, after: RunRecord) -> list[tuple[str, str]]:
    return [(notice.kind, notice.key) for notice in notices_between(before, after)]


def test_a_new_run_that_waits_asks_its_group() -> None:
    waiting = record([], **RULES)
    [notice] = notices_between(None, waiting)
    assert (notice.kind, notice.key, notice.at) == ("waiting", "waiting/approve", T0)
    assert notice.payload["group"] == "managers" and notice.payload["step"] == "approve"
    assert notice.payload["question"]["prompt"] == "Pay it?"
    assert notice.payload["due_at"] == later(T0, DAY)
    assert notice.payload["run"]["started_by"] == "sam"


def test_each_event_is_announced_once() -> None:
    one_vote = [answer(True, "ann", later(T0, 60))]
    waiting = record([], **RULES)
    voted = record(one_vote, **RULES)
    assert kinds(waiting, voted) == []  # still waits for a second manager
    escalated = record([*one_vote, deadline(0, later(T0, DAY))], **RULES)
    assert kinds(voted, escalated) == [("escalated", "escalated/approve/1")]
    assert notices_between(voted, escalated)[0].payload["group"] == "directors"
    decided = record([*one_vote, deadline(0, later(T0, DAY)), deadline(1, later(T0, 2 * DAY))],
                     **RULES)
    found = notices_between(escalated, decided)
    assert [(n.kind, n.key) for n in found] == [("deadline", "deadline/approve/1"),
                                               ("waiting", "waiting/channel")]
    assert found[0].payload["decision"] == {"answer": True}
    assert found[0].payload["group"] == "directors"  # who was asked when it decided
    assert found[1].payload["group"] == "ops"
    done = record([*one_vote, deadline(0, later(T0, DAY)), deadline(1, later(T0, 2 * DAY)),
                   answer("beta", "olga", later(T0, 3 * DAY), "channel")], **RULES)
    assert kinds(decided, done) == [("succeeded", "end")]
    assert kinds(done, done) == []


def test_a_deadline_that_fails_the_step_and_a_cancellation() -> None:
    rules = {"deadlines": [{"after": DAY, "fail": "too late"}]}
    failed = record([deadline(0, later(T0, DAY))], **rules)
    found = notices_between(record([], **rules), failed)
    assert [(n.kind, n.key) for n in found] == [("deadline", "deadline/approve/0"),
                                               ("failed", "end")]
    assert found[0].payload["decision"] == {"failed": failed.error_message}
    assert found[1].payload["error"] == failed.error_message
    cancelled = record([{"kind": "cancel", "reason": "wrong amount", "by": "sam",
                         "at": later(T0, 60)}])
    assert kinds(record([]), cancelled) == [("cancelled", "end")]


def test_a_reminder_names_its_stage() -> None:
    waiting = record([], **RULES)
    notice = reminder_notice(waiting, "approve", 0, later(T0, DAY - 3600))
    assert (notice.kind, notice.key, notice.payload["stage"]) == ("reminder",
                                                                  "reminder/approve/0", 0)


def test_a_provisional_save_announces_nothing(tmp_path: Any) -> None:
    """The keeper's save before an effect starts is what is true only if the process dies:
    the run's real outcome is announced from the record before the change."""
    waiting, done = record([]), record([answer(True, "ann", later(T0, 60)),
                                        answer("beta", "olga", later(T0, 120), "channel")])
    cut_off = RunRecord.from_json({**done.to_json(), "status": "failed"})
    with open_store(tmp_path / "runs.sqlite3") as store:
        keeper = RunKeeper(store)
        keeper.save(waiting)
        keeper.save(cut_off, provisional=True)
        keeper.save(done)
        assert [(n.kind, n.key) for n in store.new_notices()] == [
            ("waiting", "waiting/approve"), ("succeeded", "end")]


EVENTS = st.lists(st.one_of(
    st.tuples(st.just("answer"), st.sampled_from([True, False]),
              st.sampled_from(["ann", "bo", "sam", "dee"]), st.integers(0, 4 * DAY)),
    st.tuples(st.just("deadline"), st.integers(0, 2), st.just(None), st.integers(0, 4 * DAY)),
    st.tuples(st.just("channel"), st.sampled_from(["stable", "beta"]), st.just("olga"),
              st.integers(0, 4 * DAY))), max_size=8)


@settings(max_examples=150, deadline=None)
@given(EVENTS, st.booleans())
def test_any_history_announces_each_thing_once(drawn: list[tuple[Any, ...]],
                                               cancel: bool) -> None:
    rules = dict(RULES, exclude_starter=True)
    events: list[dict[str, Any]] = []
    history = [record([], **rules)]
    drawn = sorted(drawn, key=lambda item: item[3])
    tail = [("cancel", None, "sam", 5 * DAY)] if cancel else []
    for kind, value, who, seconds in [*drawn, *tail]:
        at = later(T0, seconds)
        event = {"answer": answer(value, str(who), at),
                 "channel": answer(value, str(who), at, "channel"),
                 "deadline": {"kind": "deadline", "step": "approve", "stage": value, "at": at},
                 "cancel": {"kind": "cancel", "reason": "enough", "by": who, "at": at}}[kind]
        try:
            after = record([*events, event], **rules)
        except RUN_REFUSALS:
            continue  # refused (a second vote, a deadline not due): the run does not change
        if after.events == history[-1].events:
            continue
        events.append(event)
        history.append(after)
    announced = [notice for before, after in zip([None, *history], history, strict=False)
                 for notice in notices_between(before, after)]
    keys = [notice.key for notice in announced]
    assert len(keys) == len(set(keys)), keys
    waited = {r.waiting_step_id for r in history if r.status == "waiting"}
    assert {n.key for n in announced if n.kind == "waiting"} == {f"waiting/{s}" for s in waited}
    ends = [n for n in announced if n.key == "end"]
    assert len(ends) == (history[-1].status != "waiting")
    assert not ends or ends[0].kind == history[-1].status
    assert all(notices_between(r, r) == [] for r in history)
