"""Two `mission serve` processes on one PostgreSQL store: one step answered through both at once.

Starts its own throwaway PostgreSQL server (`tests/postgres.py`); skipped, with
the reason, where PostgreSQL or psycopg is not installed (`.ci/run` installs both).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import Cluster, find_bin
from tests.serve.conftest import add_people
from tests.serve.server import Server


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed: pip install -e '.[test]'")
    found = find_bin()
    if isinstance(found, str):
        pytest.skip(found)
    cluster = Cluster(found)
    try:
        yield cluster.create_database("serve"), cluster.password
    finally:
        cluster.stop()


def test_two_servers_on_one_store_accept_one_answer_per_step(
        tmp_path: Path, postgres_url: tuple[str, str]) -> None:
    url, password = postgres_url
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
