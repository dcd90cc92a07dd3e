"""Two `mission serve` processes on one PostgreSQL store: one step answered through both at
once, and a deadline fired by one while the other takes an answer.

Starts its own throwaway PostgreSQL server (`tests/postgres.py`); skipped, with
the reason, where PostgreSQL or psycopg is not installed (`.ci/run` installs both).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import Cluster, find_bin
from tests.serve.conftest import add_people
from tests.serve.server import Server


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed: pip install -e '.[test]'")
    found = find_bin()
    if isinstance(found, str):
        pytest.skip(found)
    running = Cluster(found)
    try:
        yield running
    finally:
        running.stop()


def test_two_servers_on_one_store_accept_one_answer_per_step(
        tmp_path: Path, cluster: Cluster) -> None:
    url, password = cluster.create_database("serve"), cluster.password
    accounts = tmp_path / "accounts" / "serve.sqlite3"
    first = Server(tmp_path / "a", location=url, shared_accounts=accounts).start()
    second = Server(tmp_path / "b", location=url, shared_accounts=accounts)
    try:
        second.start()
        assert second.token == ""  # the users exist already: no second admin token
        second.token = first.token
        add_people(first)
        tokens = {}
        for name in ("alice", "bob"):
            tokens[name] = first.users("token", name).strip()
        for attempt in range(4):
            run_id = first.api("POST", "/api/runs", {"mission": "release",
                                                      "params": {"release": f"9.{attempt}"}}
                               ).json()["run_id"]
            barrier = threading.Barrier(2)
            statuses: dict[str, int] = {}
            messages: list[str] = []

            def answer(name: str, server: Server, run_id: int = run_id,
                       barrier: threading.Barrier = barrier,
                       statuses: dict[str, int] = statuses,
                       messages: list[str] = messages) -> None:
                barrier.wait()
                reply = server.api("POST", f"/api/runs/{run_id}/answers",
                                   {"step": "sign_off", "answer": "yes"}, token=tokens[name])
                statuses[name] = reply.status
                if reply.status == 409:
                    messages.append(reply.json()["error"]["message"])

            threads = [threading.Thread(target=answer, args=("alice", first)),
                       threading.Thread(target=answer, args=("bob", second))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(statuses.values()) == [200, 409], statuses
            winner = next(name for name, status in statuses.items() if status == 200)
            assert messages == [f"step `sign_off` of run {run_id} was already answered by "
                                f"{winner}; an answer cannot be changed"]
            for server in (first, second):
                run = server.api("GET", f"/api/runs/{run_id}").json()
                assert run["answered_by"] == {"sign_off": winner}
                assert run["waiting_step_id"] == "channel"
        for server in (first, second):
            assert password not in server.log_text()  # the URL is shown masked
    finally:
        first.stop()
        second.stop()


def test_a_deadline_and_an_answer_at_once_through_two_servers_give_one_outcome(
        tmp_path: Path, cluster: Cluster) -> None:
    """One server fires deadlines every 50 ms, the other takes answers; the clock (a file
    both read) moves past the deadlines at the moment the answers are sent. Each run is
    decided once, by the answer or by its deadline, and an answer that lost is told what
    the deadline decided."""
    from mission.serve.accounts import Accounts
    from tests.serve.conftest import add_managers
    from tests.serve.server import EXPENSE, IN_TIME

    url = cluster.create_database("race")
    clock = tmp_path / "clock"
    accounts = tmp_path / "accounts" / "serve.sqlite3"
    missions = (*IN_TIME, ("quick", EXPENSE, {"approve": {
        "deadlines": [{"after": 3600, "answer": False}]}}))
    timers = Server(tmp_path / "timers", location=url, shared_accounts=accounts, clock=clock,
                    missions=missions, options=("--tick", "0.05"))
    answers = Server(tmp_path / "answers", location=url, shared_accounts=accounts,
                     clock=clock, missions=missions, options=("--no-timers",))
    timers.set_clock("2026-12-01T09:00:00+00:00")
    try:
        timers.start()
        answers.start()
        answers.token = timers.token  # the admin's, made by the first server
        tokens = add_managers(timers)
        with Accounts(accounts) as opened:
            opened.allow_start("managers", "quick")
        run_ids = [answers.api("POST", "/api/runs", {"mission": "quick"}, token=tokens["sam"]
                               ).json()["run_id"] for _ in range(12)]
        barrier = threading.Barrier(len(run_ids) + 1)
        replies: dict[int, tuple[int, str]] = {}

        def answer(run_id: int, delay: float) -> None:
            barrier.wait()
            time.sleep(delay)  # spread over the moment the clock moves
            reply = answers.api("POST", f"/api/runs/{run_id}/answers",
                                {"step": "approve", "answer": "yes"}, token=tokens["ann"])
            replies[run_id] = (reply.status, reply.text)

        threads = [threading.Thread(target=answer, args=(run_id, index * 0.01))
                   for index, run_id in enumerate(run_ids)]
        for thread in threads:
            thread.start()
        barrier.wait()
        time.sleep(0.06)
        timers.set_clock("2026-12-01T10:00:01+00:00")  # every deadline is due now
        for thread in threads:
            thread.join()

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
                answers.api("GET", f"/api/runs/{run_id}").json()["status"] == "waiting"
                for run_id in run_ids):
            time.sleep(0.1)
        outcomes = {"answer": 0, "deadline": 0}
        for run_id in run_ids:
            run = answers.api("GET", f"/api/runs/{run_id}").json()
            status, text = replies[run_id]
            kinds = [event["kind"] for event in run["events"]]
            assert run["status"] == "succeeded", run
            if status == 200:
                assert kinds == ["answer"] and run["answered_by"] == {"approve": "ann"}, run
                outcomes["answer"] += 1
            else:
                assert status == 409, text
                assert "the deadline of step `approve` passed at 2026-12-01T10:00:01+00:00 " \
                       "and applied its default answer false" in text, text
                assert kinds == ["deadline"] and run["answered_by"] == {
                    "approve": "the deadline"}, run
                outcomes["deadline"] += 1
            assert timers.log_text().count(f"run {run_id}: the deadline") <= 1
            assert answers.api("GET", f"/api/runs/{run_id}/verify").json()["verified"]
        print(f"answers won {outcomes['answer']}, deadlines won {outcomes['deadline']}")
    finally:
        timers.stop()
        answers.stop()

