"""Stored-run throughput and resume latency, SQLite vs PostgreSQL (docs/performance.md).

    python -m bench.stores [RUNS]

Stores RUNS waiting runs one by one (one transaction each, as `mission run` does), then
resumes each (claim, load, update, release: what `mission resume` does to the store), on a
SQLite file and on a throwaway local PostgreSQL server (`tests/postgres.py`, with `fsync`
ON here, as in production). Prints runs/s for creating, and the median and 95th
percentile of one resume's store work. Needs PostgreSQL installed (`.ci/run`).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from runtime.store_api import open_store
from tests.postgres import Cluster, find_bin
from tests.runtime.records_fixtures import record_of


def measure(location: str, runs: int) -> tuple[float, float, float]:
    waiting, done = record_of(), record_of({"approve": "yes", "note": "ok"})
    with open_store(location) as store:
        started = time.perf_counter()
        ids = [store.create(waiting) for _ in range(runs)]
        rate = runs / (time.perf_counter() - started)
        latencies = []
        for run_id in ids:
            begun = time.perf_counter()
            with store.claim(run_id):
                store.update(store.load(run_id), done)
            latencies.append(time.perf_counter() - begun)
    latencies.sort()
    return rate, statistics.median(latencies), latencies[int(len(latencies) * 0.95)]


def main(runs: int) -> None:
    found = find_bin()
    if isinstance(found, str):
        raise SystemExit(found)
    cluster = Cluster(found, fsync=True)
    try:
        with tempfile.TemporaryDirectory() as directory:
            rows = {"SQLite": measure(str(Path(directory) / "runs.sqlite3"), runs),
                    "PostgreSQL": measure(cluster.create_database("bench"), runs)}
    finally:
        cluster.stop()
    print(f"| store | runs stored/s | resume, median ms | resume, p95 ms |  ({runs} runs)")
    for name, (rate, median, p95) in rows.items():
        print(f"| {name} | {rate:.0f} | {median * 1000:.2f} | {p95 * 1000:.2f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
