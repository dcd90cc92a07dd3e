"""The run store's outbox and schedule fires, on both stores (`runtime/outbox.py`).

Notices are written with the change that causes them, each once; deliveries are claimed
with a lease that skips rows another deliverer holds (two connections claim disjoint
sets), settled only by their holder, due again when a lease ends; a fire starts at most
one run; and what `/metrics` reads is counted from the rows.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from mission.keeping import RunKeeper
from runtime.notices import Notice, notices_between
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.records import RunRecord
from runtime.store_api import AlreadyFired, NewDelivery, open_store
from tests.runtime.builders import step, workflow

T0 = "2026-12-01T09:00:00+00:00"
T1 = "2026-12-01T09:01:00+00:00"
LATER = "2026-12-01T09:10:00+00:00"


def approval(**rules: Any) -> Any:
    ask = step("approve", "confirm", {"prompt": {"lit": "Pay it?"}}, output="state.ok",
               kind="human")
    ask.payload.update({"answered_by": "managers", **rules})
    return workflow(ask)


def record(events: list[dict[str, Any]] | None = None, schedule: Any = None,
           **rules: Any) -> RunRecord:
    flow = approval(**rules)
    started = {"at": T0, "by": "sam", **({"schedule": schedule} if schedule else {})}
    context = ExecutionContext(started=started, events=events or [])
    return RunRecord.of("approval", flow, context, Orchestrator().run_workflow(flow, context),
                        keep_workflow=True)


def answered(value: bool, by: str = "ann", at: str = T1) -> RunRecord:
    return record([{"kind": "answer", "step": "approve", "answer": value, "by": by, "at": at}])


def test_a_change_writes_its_notices_with_it_and_each_once(store_url: str) -> None:
    waiting = record()
    with open_store(store_url) as store:
        keeper = RunKeeper(store)
        run_id = keeper.save(waiting).run_id
        keeper.save(answered(True))
        notices = store.new_notices()
        assert [(n.run_id, n.kind, n.key) for n in notices] == [
            (run_id, "waiting", "waiting/approve"), (run_id, "succeeded", "end")]
        assert notices[0].payload is not None
        assert notices[0].payload["group"] == "managers"
        assert notices[0].payload["question"]["prompt"] == "Pay it?"
        # the same notices again (a change saved twice) are kept once
        stored = store.load(run_id)
        store.update(stored, stored.record, notices_between(waiting, answered(True)))
        assert len(store.new_notices()) == 2


def test_a_refused_update_writes_no_notice(store_url: str) -> None:
    with open_store(store_url) as store, open_store(store_url) as other:
        run_id = store.create(record(), notices_between(None, record()))
        first, second = store.load(run_id), other.load(run_id)
        store.update(first, answered(True))
        with pytest.raises(Exception, match="was changed by another process"):
            other.update(second, answered(False), notices_between(record(), answered(False)))
        assert [n.kind for n in store.new_notices()] == ["waiting"]


def deliveries(count: int, prefix: str = "k") -> list[NewDelivery]:
    return [NewDelivery("webhook", "ops", "", f"{prefix}{number}") for number in range(count)]


def test_claims_lease_and_settle(store_url: str) -> None:
    with open_store(store_url) as store:
        run_id = store.create(record(), [Notice("waiting", "waiting/approve", T0, {"x": 1})])
        notice = store.new_notices()[0]
        assert store.expand_notice(notice.notice_id, deliveries(3), T0) == 3
        assert store.expand_notice(notice.notice_id, deliveries(3), T0) == 0  # twice: once
        assert store.new_notices() == []
        claimed = store.claim_deliveries("a", T0, T1, limit=2)
        assert [d.key for d in claimed] == ["k0", "k1"] and claimed[0].run_id == run_id
        assert [d.attempts for d in claimed] == [1, 1] and claimed[0].payload == {"x": 1}
        assert [d.key for d in store.claim_deliveries("b", T0, T1)] == ["k2"]
        assert store.claim_deliveries("b", T0, T1) == []  # held by a and b until T1
        assert store.settle_delivery(claimed[0].delivery_id, "a", "sent", T0)
        assert not store.settle_delivery(claimed[1].delivery_id, "b", "sent", T0)  # not b's
        # the leases end at T1: then c may claim them, and a may no longer settle k1
        again = store.claim_deliveries("c", T1, LATER)
        assert [(d.key, d.attempts) for d in again] == [("k1", 2), ("k2", 2)]
        assert not store.settle_delivery(claimed[1].delivery_id, "a", "dead", T1)
        assert store.settle_delivery(again[0].delivery_id, "c", "pending", T1, LATER, "down")
        assert store.settle_delivery(again[1].delivery_id, "c", "sent", T1)
        assert store.claim_deliveries("d", T1, LATER) == []  # k1 is due again at LATER
        states = {d.key: (d.state, d.last_error) for d in store.deliveries()}
        assert states == {"k0": ("sent", None), "k1": ("pending", "down"),
                          "k2": ("sent", None)}


def test_dead_letters_are_listed_and_sent_again(store_url: str) -> None:
    with open_store(store_url) as store:
        store.create(record(), [Notice("waiting", "w", T0, {})])
        store.expand_notice(store.new_notices()[0].notice_id, deliveries(2), T0)
        for delivery in store.claim_deliveries("a", T0, T1):
            store.settle_delivery(delivery.delivery_id, "a", "dead", T0, error="refused")
        dead = store.deliveries("dead")
        assert len(dead) == 2 and store.gauges(T0, T0).dead == 2
        assert store.retry_deliveries([dead[0].delivery_id], T1) == 1
        assert [(d.state, d.attempts, d.next_at) for d in store.deliveries("pending")] == [
            ("pending", 0, T1)]
        assert store.retry_deliveries(None, T1) == 1
        assert store.retry_deliveries(None, T1) == 0
        assert store.gauges(T1, T0).pending == 2


def test_two_deliverers_at_once_claim_disjoint_sets(store_url: str) -> None:
    with open_store(store_url) as store:
        store.create(record(), [Notice("waiting", "w", T0, {})])
        store.expand_notice(store.new_notices()[0].notice_id, deliveries(60), T0)
    claimed: dict[str, list[str]] = {"a": [], "b": []}

    def claim(owner: str) -> None:
        with open_store(store_url) as mine:
            while found := mine.claim_deliveries(owner, T0, LATER, limit=3):
                claimed[owner] += [d.key for d in found]

    threads = [threading.Thread(target=claim, args=(owner,)) for owner in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = claimed["a"] + claimed["b"]
    assert sorted(everything) == sorted(f"k{number}" for number in range(60))
    assert len(set(everything)) == 60  # none claimed twice


def test_a_fire_starts_at_most_one_run(store_url: str) -> None:
    fire = {"name": "daily", "fire_at": T0}
    with open_store(store_url) as store:
        first = store.create(record(schedule=fire))
        with pytest.raises(AlreadyFired, match="schedule `daily` was already handled for its "
                                               "fire at"):
            store.create(record(schedule=fire))
        assert [item.run_id for item in store.list()] == [first]  # the second stored nothing
        last = store.last_fires()["daily"]
        assert (last.fire_at, last.run_id, last.outcome, last.at) == (T0, first, "started", T0)
        assert not store.skip_fire("daily", T0, "skipped: late", T1)  # handled already
        assert store.skip_fire("daily", T1, "skipped: late", T1)
        assert store.last_fires()["daily"].fire_at == T1
        assert store.load(first).record.schedule == fire


def test_a_scheduled_runs_fire_is_covered_by_its_receipt() -> None:
    from runtime.verify import verify

    fire = {"name": "daily", "fire_at": T0}
    kept = record(schedule=fire)
    flow = kept.stored_workflow()
    assert verify(kept, flow) == []
    edited = RunRecord.from_json({**kept.to_json(), "schedule": {"name": "daily",
                                                                 "fire_at": T1}})
    assert [problem.what for problem in verify(edited, flow)] != []


def test_the_gauges_count_what_waits_and_what_is_due(store_url: str) -> None:
    day = 86400
    with open_store(store_url) as store:
        for _ in range(3):
            store.create(record(deadlines=[{"after": day, "answer": False}]))
        store.create(answered(True))
        due = "2026-12-02T09:00:00+00:00"
        gauges = store.gauges(due, "2026-12-02T08:55:00+00:00")
        assert (gauges.waiting, gauges.due, gauges.overdue) == (3, 3, 0)
        late = store.gauges("2026-12-02T10:00:00+00:00", "2026-12-02T09:55:00+00:00")
        assert (late.due, late.overdue) == (3, 3)
        assert store.gauges(T0, T0).due == 0
