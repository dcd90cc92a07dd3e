"""A real `mission serve` killed with SIGKILL in the middle of answers, then restarted."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from tests.serve.conftest import add_people
from tests.serve.server import Server, sign_in, store_snapshot

RUNS = 16


def inbox_runs(server: Server, cookies: dict[str, str]) -> list[int]:
    page = server.request("GET", "/", cookies=cookies)
    assert page.status == 200
    return sorted({int(found) for found in re.findall(r'href="/runs/(\d+)/steps/', page.text)})


def test_sigkill_during_answers_loses_nothing_and_answers_nothing_twice(tmp_path: Path) -> None:
    server = Server(tmp_path).start()
    try:
        add_people(server)
        run_ids = [server.api("POST", "/api/runs", {"mission": "survey"}).json()["run_id"]
                   for _ in range(RUNS)]
        cookies, _ = sign_in(server, "eve", "pass word 1")  # eve may start `survey`
        assert inbox_runs(server, cookies) == run_ids

        outcomes: dict[int, int | str] = {}
        first_reply = threading.Event()
        barrier = threading.Barrier(RUNS)

        def answer(run_id: int) -> None:
            barrier.wait()
            try:
                reply = server.api("POST", f"/api/runs/{run_id}/answers",
                                   {"step": "score", "answer": run_id % 11})
                outcomes[run_id] = reply.status
                first_reply.set()
            except OSError as problem:  # the server died under this request
                outcomes[run_id] = type(problem).__name__

        threads = [threading.Thread(target=answer, args=(run_id,)) for run_id in run_ids]
        for thread in threads:
            thread.start()
        assert first_reply.wait(60)
        server.kill()
        for thread in threads:
            thread.join()
        assert all(outcome in (200, "RemoteDisconnected", "ConnectionResetError",
                               "ConnectionRefusedError", "BrokenPipeError")
                   for outcome in outcomes.values()), outcomes

        server.start()
        store_snapshot(server.store)  # every row passes its integrity check
        answered, waiting = [], []
        for run_id in run_ids:
            run = server.api("GET", f"/api/runs/{run_id}").json()
            if run["status"] == "succeeded":
                assert run["answers"] == {"score": run_id % 11}
                assert run["answered_by"] == {"score": "admin"}
                answered.append(run_id)
            else:
                assert run["status"] == "waiting" and run["answers"] == {}
                # nothing lost: an answer the client was told was accepted is in the store
                assert outcomes[run_id] != 200, f"run {run_id}: accepted, then lost"
                waiting.append(run_id)
        assert answered, "the kill came before any answer was accepted"
        assert inbox_runs(server, cookies) == waiting  # same session, same inbox, after the kill
        print(f"{len(answered)} accepted before the kill, {len(waiting)} still waiting")

        # nothing answered twice: an answered step refuses a second answer after the restart
        for run_id in run_ids:
            again = server.api("POST", f"/api/runs/{run_id}/answers",
                               {"step": "score", "answer": 0})
            assert again.status == (409 if run_id in answered else 200), again.text
        for run_id in answered:
            assert server.api("GET", f"/api/runs/{run_id}").json()["answers"] == {
                "score": run_id % 11}
            assert server.api("GET", f"/api/runs/{run_id}/verify").json()["verified"]

    finally:
        server.stop()
