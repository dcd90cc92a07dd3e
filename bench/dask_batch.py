"""Batches on the local pool vs a Dask LocalCluster on this machine (docs/performance.md).

    python -m bench.dask_batch [--sizes 10000,100000] [--chunks 1,4,16,64,256] [--rounds N]

Three measurements, each a wall-clock time of the whole batch (lines read, run, results
written to /dev/null), the missions compiled and the cluster started beforehand:

1. the bench corpus (`bench/corpus.py`: daily loops over 5-40 tasks, one line in five an
   echo) at each size: the local pool with 1 and 2 workers (`--jobs`), and a LocalCluster
   of 1 and of 2 worker processes (one thread each) with the default chunks; the ratios
   dask/local and the scaling from 1 to 2 workers;
2. the same corpus at the first size with `--output FILE`, the workers writing part files;
3. the per-run overhead Dask adds: 10,000 `echo` runs (`--echo-runs`; the cheapest run, so the
   overhead is what is left) on the local pool and on 2 Dask workers with each chunk size:
   (dask - local) / runs.

The machine is shared (other users' load is printed before and after): compare the rows
of one run of this bench, and repeat it (`--rounds`) to see the noise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import corpus
from mission.batch import run_batch
from mission.dask_batch import chunk_size, run_batch_on_dask


def timed(work: Callable[[], object], rounds: int) -> float:
    """The median wall-clock seconds of `rounds` runs of `work`."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def local(lines: Path, jobs: int) -> Callable[[], object]:
    def work() -> object:
        with open(os.devnull, "w", encoding="utf-8") as sink:
            return run_batch(str(lines), jobs, sink)
    return work


def on_dask(lines: Path, address: str, chunk: int | None = None,
            output: Path | None = None) -> Callable[[], object]:
    def work() -> object:
        if output is not None:
            return run_batch_on_dask(str(lines), address, output, chunk)
        with open(os.devnull, "w", encoding="utf-8") as sink:
            return run_batch_on_dask(str(lines), address, sink, chunk)
    return work


def cluster(workers: int) -> Any:
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        dashboard_address=":0", host="127.0.0.1")


def address(local_cluster: Any) -> str:
    return "dask://" + str(local_cluster.scheduler_address).removeprefix("tcp://")


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dask_batch", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--chunks", default="1,4,16,64,256")
    parser.add_argument("--echo-runs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    chunks = [int(chunk) for chunk in args.chunks.split(",")]
    rounds, echo_runs = args.rounds, args.echo_runs
    print(f"load before: {load()}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="mission-bench-dask-") as scratch:
        work = Path(scratch)
        inputs = {}
        for size in sizes:
            inputs[size] = work / f"runs-{size}.jsonl"
            inputs[size].write_text(corpus.batch_requests(size), encoding="utf-8")
        echoes = work / "echo.jsonl"
        echoes.write_text("".join(json.dumps({"mission": "echo", "params": {
            "message": f"m{index}"}}) + "\n" for index in range(echo_runs)), encoding="utf-8")
        warm = work / "warm.jsonl"
        warm.write_text(corpus.batch_requests(200), encoding="utf-8")
        rows: list[tuple[str, float]] = []

        def row(name: str, seconds: float) -> float:
            rows.append((name, seconds))
            print(f"{name}: {seconds:.2f} s  (load {load()})", file=sys.stderr, flush=True)
            return seconds

        for size in sizes:
            for jobs in (1, 2):
                row(f"corpus {size}: local --jobs {jobs}", timed(local(inputs[size], jobs),
                                                                  rounds))
        for workers in (1, 2):
            started = time.perf_counter()
            with cluster(workers) as running:
                row(f"LocalCluster of {workers} started", time.perf_counter() - started)
                there = address(running)
                timed(on_dask(warm, there), 1)  # the workers import and compile
                for size in sizes:
                    row(f"corpus {size}: dask {workers} worker{'s' * (workers > 1)} "
                        f"(chunks of {chunk_size(size, workers)})",
                        timed(on_dask(inputs[size], there), rounds))
                if workers == 2:
                    output = work / "out.jsonl"
                    row(f"corpus {sizes[0]}: dask 2 workers, --output written by the workers",
                        timed(on_dask(inputs[sizes[0]], there, output=output), rounds))
                    output.unlink()
                    timed(on_dask(echoes, there), 1)
                    for chunk in chunks:
                        row(f"echo {echo_runs}: dask 2 workers, chunks of {chunk}",
                            timed(on_dask(echoes, there, chunk), rounds))
        row(f"echo {echo_runs}: local --jobs 2", timed(local(echoes, 2), rounds))
    print(f"load after: {load()}", file=sys.stderr)
    times = dict(rows)
    print("| batch | seconds | runs/s |")
    print("|-------|---------|--------|")
    for name, seconds in rows:
        count = next((int(word) for word in name.replace(":", " ").split()
                      if word.isdigit()), 0)
        rate = f"{count / seconds:,.0f}" if "started" not in name else ""
        print(f"| {name} | {seconds:.2f} | {rate} |")
    print()
    for size in sizes:
        one, two = times[f"corpus {size}: local --jobs 1"], times[f"corpus {size}: local --jobs 2"]
        dask = {workers: next(seconds for name, seconds in rows if name.startswith(
            f"corpus {size}: dask {workers} worker")) for workers in (1, 2)}
        print(f"corpus {size}: dask 2 / local 2 = {dask[2] / two:.2f}; "
              f"dask 1 / local 1 = {dask[1] / one:.2f}; "
              f"2 workers / 1: local {two / one:.2f}, dask {dask[2] / dask[1]:.2f}")
    base = times[f"echo {echo_runs}: local --jobs 2"]
    for chunk in chunks:
        extra = times[f"echo {echo_runs}: dask 2 workers, chunks of {chunk}"] - base
        print(f"chunks of {chunk}: Dask adds {extra / echo_runs * 1e6:,.0f} µs a run "
              f"({extra / echo_runs * chunk * 1e3:,.2f} ms a task)")


if __name__ == "__main__":
    main()
