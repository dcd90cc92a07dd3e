"""Finding due deadlines among many waiting runs, and firing them (docs/performance.md).

    python -m bench.deadlines [--waiting N,N] [--due N] [--rounds N] [--fire N] [--clients N]

1. **Finding what is due.** Stores with 1,000 and with 100,000 waiting runs, each
   with a deadline, of which the same `--due` runs (100) are due: the time of the
   timer service's query for what is due (`due_timers`), as a ratio of the large
   store to the small one (goal: at most 2, the cost follows what is due, not what
   waits), on SQLite and, when PostgreSQL is installed, on PostgreSQL.
2. **Firing.** `mission tick`'s work (`mission.timers.tick`) on `--fire` due runs
   (10,000), in runs per second, against answering the same runs through the HTTP
   API of a real `mission serve` process (`POST /api/runs/N/answers`, `--clients`
   clients at once, each request on a new connection, as a script would), and
   against answering them in this process through `mission.advance` (the path
   `mission resume` and the API take, without HTTP).

The stores are filled in one transaction each through the store's own code
(`_write_listed` writes the columns and timers as `create` does), so filling
100,000 runs takes seconds, not the minutes of 100,000 separate commits.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.canonical import canonical_json
from runtime.orchestration.times import later
from runtime.records import RunRecord
from runtime.store import RunStore, _row_hash, immediate_transaction
from runtime.store_api import open_store
from tests.runtime.builders import step, workflow

T0 = "2026-12-01T09:00:00+00:00"
DAY = 86400


def flow() -> Any:
    ask = step("approve", "confirm", {"prompt": {"lit": "Pay it?"}}, output="state.ok",
               kind="human")
    ask.payload.update({"answered_by": "managers",
                        "deadlines": [{"after": DAY, "answer": False}]})
    return workflow(ask)


def waiting_record(started_at: str) -> RunRecord:
    work = flow()
    context = ExecutionContext(started={"at": started_at, "by": "bench"})
    result = Orchestrator().run_workflow(work, context)
    return RunRecord.of("approval", work, context, result, keep_workflow=True)


def fill_sqlite(path: Path, waiting: int, due: int) -> None:
    """`waiting` waiting runs, the first `due` of them started a week earlier (so their
    deadline is due at T0 + 1 day), the others started at T0 + 1 day (due a day later)."""
    early, late = waiting_record(later(T0, -7 * DAY)), waiting_record(later(T0, DAY))
    with RunStore(path) as store:
        database = store._db
        database.execute("PRAGMA synchronous = OFF")
        with immediate_transaction(database):
            for number in range(1, waiting + 1):
                record = early if number <= due else late
                text = canonical_json(record.to_json())
                database.execute(
                    "INSERT INTO runs (id, version, mission, status, waiting_step, record, "
                    "record_hash) VALUES (?, 1, ?, ?, ?, ?, ?)",
                    (number, record.mission, record.status, record.waiting_step_id, text,
                     _row_hash(number, 1, record.mission, record.status,
                               record.waiting_step_id, text)))
                store._write_listed(number, record)


def fill_postgres(url: str, waiting: int, due: int) -> None:
    early, late = waiting_record(later(T0, -7 * DAY)), waiting_record(later(T0, DAY))
    from runtime.postgres_store import PostgresRunStore

    with PostgresRunStore(url) as store, store._transaction() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = OFF")
        for number in range(1, waiting + 1):
            record = early if number <= due else late
            text = canonical_json(record.to_json())
            cursor.execute(
                "INSERT INTO runs (id, version, mission, status, waiting_step, record, "
                "record_hash) VALUES (%s, 1, %s, %s, %s, %s, %s)",
                (number, record.mission, record.status, record.waiting_step_id, text,
                 _row_hash(number, 1, record.mission, record.status, record.waiting_step_id,
                           text)))
            store._write_listed(cursor, number, record)
        cursor.execute("SELECT setval(pg_get_serial_sequence('runs', 'id'), %s)", (waiting,))
        cursor.execute("ANALYZE runs")
        cursor.execute("ANALYZE timers")


def time_due(location: str, rounds: int) -> float:
    """The median time of one query for the timers due at T0 + 1 day."""
    now = later(T0, DAY)
    with open_store(location) as store:
        store.due_timers(now)  # warm
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            store.due_timers(now)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def finding(sizes: list[int], due: int, rounds: int, scratch: Path) -> None:
    print(f"| store | waiting runs | due | query, median ms |  ({rounds} rounds)")
    results: dict[str, list[float]] = {}
    for size in sizes:
        path = scratch / f"due-{size}.sqlite3"
        fill_sqlite(path, size, due)
        results.setdefault("SQLite", []).append(time_due(str(path), rounds))
        print(f"| SQLite | {size} | {due} | {results['SQLite'][-1] * 1000:.3f} |", flush=True)
    cluster = _cluster()
    if cluster is not None:
        try:
            for size in sizes:
                url = cluster.create_database(f"due_{size}")
                fill_postgres(url, size, due)
                results.setdefault("PostgreSQL", []).append(time_due(url, rounds))
                print(f"| PostgreSQL | {size} | {due} | "
                      f"{results['PostgreSQL'][-1] * 1000:.3f} |", flush=True)
        finally:
            cluster.stop()
    for name, times in results.items():
        print(f"{name}: {sizes[-1]} waiting / {sizes[0]} waiting = "
              f"{times[-1] / times[0]:.2f} (goal: at most 2)")


def _cluster() -> Any:
    from tests.postgres import Cluster, find_bin

    found = find_bin()
    if isinstance(found, str):
        print(f"PostgreSQL: skipped ({found})")
        return None
    return Cluster(found, fsync=True)


def firing(count: int, scratch: Path, clients: int) -> None:
    """Fire `count` due deadlines with the timer service, and answer `count` runs through
    the API of a real server and through the path answers take, each on a store of its
    own."""
    from mission.acting import answer_event
    from mission.advance import move
    from mission.binding import Binding
    from mission.timers import tick

    def execute(work: Any, context: ExecutionContext) -> Any:
        return Orchestrator().run_workflow(work, context)

    def bind(work: Any, record: Any) -> Binding:
        return Binding(None, None)

    now = later(T0, DAY)
    fired_path, answered_path = scratch / "fire.sqlite3", scratch / "answer.sqlite3"
    fill_sqlite(fired_path, count, count)
    fill_sqlite(answered_path, count, 0)  # none due: each answer goes straight in
    with RunStore(fired_path) as store:
        started = time.perf_counter()
        done = tick(store, now, execute=execute, bind=bind, limit=count)
        fire_rate = len(done) / (time.perf_counter() - started)
    print(f"| firing {count} due deadlines (`mission tick`) | {fire_rate:.0f} runs/s |",
          flush=True)
    api_rate = answering_over_http(count, scratch / "api", now, clients)
    print(f"| answering {count} runs through the API of `mission serve` ({clients} clients) "
          f"| {api_rate:.0f} runs/s |", flush=True)
    with RunStore(answered_path) as store:
        started = time.perf_counter()
        for run_id in range(1, count + 1):
            move(store, run_id, [answer_event("approve", "yes", "ann", now)], now,
                 execute=execute, bind=bind)
        answer_rate = count / (time.perf_counter() - started)
    print(f"| answering {count} runs in this process (mission.advance, no HTTP) | "
          f"{answer_rate:.0f} runs/s |")
    print(f"firing / answering through the API = {fire_rate / api_rate:.2f}")
    print(f"firing / answering in process = {fire_rate / answer_rate:.2f}")


def answering_over_http(count: int, root: Path, now: str, clients: int) -> float:
    """Runs per second answered through `POST /api/runs/N/answers` of a real `mission
    serve` (no timers, its clock fixed at `now`) over a store of `count` waiting runs."""
    from tests.serve.server import Server

    store = root / "data" / "runs.sqlite3"
    store.parent.mkdir(mode=0o700, parents=True)
    fill_sqlite(store, count, 0)
    server = Server(root, location=str(store), clock=root / "clock", options=("--no-timers",))
    server.set_clock(now)
    server.start()
    pending = list(range(count, 0, -1))
    guard = threading.Lock()
    refused: list[str] = []

    def client() -> None:
        while True:
            with guard:
                if not pending:
                    return
                run_id = pending.pop()
            reply = server.api("POST", f"/api/runs/{run_id}/answers",
                               {"step": "approve", "answer": "yes"})
            if reply.status != 200:
                refused.append(f"run {run_id}: {reply.status} {reply.text}")

    try:
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    if refused:
        raise SystemExit(f"{len(refused)} answers were refused, the first: {refused[0]}")
    return count / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.deadlines", description=__doc__)
    parser.add_argument("--waiting", default="1000,100000",
                        help="store sizes in waiting runs (default 1000,100000)")
    parser.add_argument("--due", type=int, default=100, help="runs due in each store")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--fire", type=int, default=10_000, help="deadlines to fire")
    parser.add_argument("--clients", type=int, default=4,
                        help="clients answering through the API at once")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mission-bench-") as scratch:
        finding([int(size) for size in args.waiting.split(",")], args.due, args.rounds,
                Path(scratch))
        firing(args.fire, Path(scratch), args.clients)


if __name__ == "__main__":
    main()
