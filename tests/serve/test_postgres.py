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
    from mission.accounts import Accounts
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



def test_two_servers_deliver_each_message_and_start_each_fire_once(
        tmp_path: Path, cluster: Cluster) -> None:
    """Both servers run the deliverer and the scheduler on one store: 20 waiting runs give
    20 messages, each received once (no duplicate in normal running: a claimed row is
    skipped by the other server), and 4 schedules every minute for 3 minutes start 12
    runs, each (schedule, fire time) once."""
    import os

    from runtime.orchestration.times import parse_instant
    from runtime.store_api import open_store
    from tests.notify_parts import Receiver

    secret = "pg-hook-secret-" + "p" * 20
    receiver = Receiver(secret).start()
    configuration = f'[notify]\n[notify.webhooks.ops]\nurl = "{receiver.url}"\n' \
                    'secret = "env:PG_HOOK_SECRET"\n' + "".join(
                        f'\n[schedules.every_minute_{number}]\nmission = "echo"\n'
                        'cron = "* * * * *"\nparams = { message = "{time}" }\n'
                        for number in range(4))
    url = cluster.create_database("notify")
    accounts = tmp_path / "accounts" / "serve.sqlite3"
    servers = []
    os.environ["PG_HOOK_SECRET"] = secret
    try:
        for name in ("a", "b"):
            root = tmp_path / name
            root.mkdir()
            (root / "mission.toml").write_text(configuration, encoding="utf-8")
            server = Server(root, location=url, shared_accounts=accounts, clock=root / "clock",
                            options=("--tick", "0.2"))
            server.set_clock("2026-12-07T09:00:30+00:00")
            servers.append(server.start())
        first, second = servers
        second.token = first.token
        clock = first.clock
        assert clock is not None
        receiver.clock = lambda: parse_instant(clock.read_text().strip()).timestamp()
        add_people(first)
        for number in range(20):
            server = servers[number % 2]
            reply = server.api("POST", "/api/runs", {"mission": "release",
                                                     "params": {"release": f"1.{number}"}})
            assert reply.status == 201, reply.text
        deadline = time.monotonic() + 60
        while len(receiver.accepted) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # a few more rounds of both deliverers: nothing more arrives
        keys = [request.headers["idempotency-key"] for request in receiver.accepted]
        assert len(keys) == 20 and len(set(keys)) == 20 and receiver.refused == []
        for minute in ("09:01:10", "09:02:10", "09:03:10"):
            for server in servers:
                server.set_clock(f"2026-12-07T{minute}+00:00")
            time.sleep(1.5)  # several rounds of both schedulers at this time
        with open_store(url) as store:
            fires = [store.load(item.run_id).record.schedule for item in store.list()]
        started = sorted((fire["name"], fire["fire_at"]) for fire in fires if fire)
        assert len(started) == len(set(started)) == 12, started
    finally:
        for server in servers:
            server.stop()
        receiver.stop()
        os.environ.pop("PG_HOOK_SECRET", None)
