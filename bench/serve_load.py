"""Answers through a real `mission serve` under load, on loopback (docs/serve.md).

    python -m bench.serve_load [CLIENTS] [ANSWERS]

Starts `mission serve` (a real process, SQLite store in a temp dir), stores
CLIENTS x ANSWERS / 2 waiting runs, then CLIENTS threads, each its own user
with its own token and keep-alive connection, send ANSWERS answers each: every
run is answered by two clients at once, so half the answers must be refused
(409). Prints the throughput and the count of lost answers (a client was told
"accepted" but the store does not hold its answer) and doubled ones (two
clients told "accepted" for one step, or a store whose answer is nobody's):
both must be 0. Defaults: 20 clients x 50 answers.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.serve.server import Server


@dataclass(frozen=True, slots=True)
class Load:
    requests: int
    accepted: int
    refused: int  # 409: already answered by the other client
    other: dict[int, int]  # any other status: count (should be empty)
    lost: int
    doubled: int
    seconds: float
    latencies: list[float]


def run_load(server: Server, clients: int, answers: int) -> Load:
    """Drive `server` (started, with its admin token) as described above."""
    from mission.accounts import Accounts

    if answers % 2 or clients < 2:
        raise ValueError("ANSWERS must be even and CLIENTS at least 2")
    names = [f"client{number}" for number in range(clients)]
    with Accounts(server.accounts) as accounts:
        for name in names:
            accounts.add_user(name, None, ["load"])
        accounts.allow_start("load", "survey")
        tokens = {name: accounts.new_token(name) for name in names}
    per_slice = answers // 2
    runs = [server.api("POST", "/api/runs", {"mission": "survey"}).json()["run_id"]
            for _ in range(clients * per_slice)]
    slices = [runs[k * per_slice:(k + 1) * per_slice] for k in range(clients)]
    plans = {name: [run for pair in zip(slices[k], reversed(slices[(k + 1) % clients]),
                                        strict=True) for run in pair]
             for k, name in enumerate(names)}
    replies: list[tuple[str, int, int, float]] = []  # client, run, status, seconds
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(name: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        headers = {"Authorization": f"Bearer {tokens[name]}",
                   "Content-Type": "application/json"}
        barrier.wait()
        mine = []
        for run_id in plans[name]:
            body = json.dumps({"step": "score", "answer": names.index(name) % 11})
            begun = time.perf_counter()
            connection.request("POST", f"/api/runs/{run_id}/answers", body=body,
                               headers=headers)
            reply = connection.getresponse()
            reply.read()
            mine.append((name, run_id, reply.status, time.perf_counter() - begun))
        connection.close()
        with lock:
            replies.extend(mine)

    threads = [threading.Thread(target=client, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started

    accepted_by: dict[int, list[str]] = {}
    other: dict[int, int] = {}
    refused = 0
    for name, run_id, status, _ in replies:
        if status == 200:
            accepted_by.setdefault(run_id, []).append(name)
        elif status == 409:
            refused += 1
        else:
            other[status] = other.get(status, 0) + 1
    lost = doubled = 0
    for run_id in runs:
        stored = server.api("GET", f"/api/runs/{run_id}").json()
        winners = accepted_by.get(run_id, [])
        doubled += max(0, len(winners) - 1)
        who = stored["answered_by"].get("score")
        if winners and who != winners[0]:
            lost += 1
        if who is not None and not winners:
            doubled += 1  # answered in the store, but no client was told so
        if who is not None and stored["answers"]["score"] != names.index(who) % 11:
            doubled += 1  # the stored answer is not the one its answerer sent
    return Load(len(replies), sum(map(len, accepted_by.values())), refused, other, lost,
                doubled, seconds, sorted(latency for *_, latency in replies))


def main(argv: list[str]) -> int:
    clients = int(argv[0]) if argv else 20
    answers = int(argv[1]) if len(argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="mission-serve-load-") as scratch:
        server = Server(Path(scratch)).start()
        try:
            load = run_load(server, clients, answers)
        finally:
            server.stop()
    p50 = statistics.median(load.latencies)
    p95 = load.latencies[int(len(load.latencies) * 0.95)]
    print(f"{clients} clients x {answers} answers on loopback, SQLite store, every run "
          f"answered by two clients at once")
    print(f"  {load.requests} requests in {load.seconds:.2f} s: {load.requests / load.seconds:.0f} "
          f"requests/s, {load.accepted / load.seconds:.0f} accepted answers/s")
    print(f"  latency per answer: median {p50 * 1000:.1f} ms, 95th percentile "
          f"{p95 * 1000:.1f} ms")
    print(f"  accepted {load.accepted}, refused as already answered {load.refused}, "
          f"other {load.other or 0}")
    print(f"  lost {load.lost}, doubled {load.doubled}")
    return 0 if load.lost == load.doubled == 0 and not load.other else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
