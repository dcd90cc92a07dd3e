"""Batches on the local pool vs a Dask LocalCluster on this machine (docs/performance.md).

    python -m bench.dask_batch [--sizes 10000,100000] [--chunks 1,4,16,64,256]
                               [--echo-runs 10000] [--rounds 3]

Each measurement is a whole batch (lines read, run, results written to /dev/null or, for
`--output`, to a file), with the missions compiled and both clusters (1 and 2 worker
processes, one thread each) started beforehand. Two figures per measurement: the
wall-clock seconds, and the CPU seconds of every process involved (this one, which holds
the client and the LocalCluster's scheduler, the pool's or the cluster's workers): the CPU
seconds say what the work costs whatever else the shared machine runs; the wall clock
says what it gives on this machine now. The configurations are interleaved round by
round, so that a change of the machine's load falls on all of them alike; the medians
are printed. Rounds: `--rounds` at 10,000 runs, proportionally fewer for bigger batches.

1. the bench corpus (`bench/corpus.py`: daily loops over 5-40 tasks, one line in five an
   echo) at each size: the local pool with 1 and 2 workers (`--jobs`) and Dask with 1 and
   2 workers (default chunks); at the first size also both with `--output FILE`;
2. the per-run overhead Dask adds: `--echo-runs` echo runs (the cheapest run, so the
   overhead is what is left) on the local pool (2 workers) and on 2 Dask workers with
   each chunk size: (dask - local) / runs.

Needs `mission[dask]` (Dask distributed, which brings psutil).
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

Work = Callable[[], object]


def cpu_seconds(cluster_pids: frozenset[int] = frozenset()) -> float:
    """CPU seconds used so far by this process (the client; the LocalClusters' schedulers
    are threads of it), its ended children (a local pool), and the live processes of one
    cluster (its nannies and workers): an idle cluster's heartbeats are not counted."""
    import psutil

    times = os.times()
    total = times.user + times.system + times.children_user + times.children_system
    for pid in cluster_pids:
        try:
            used = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += used.user + used.system
    return total


def processes() -> frozenset[int]:
    import psutil

    return frozenset(child.pid for child in psutil.Process().children(recursive=True))


def measure(work: Work, cluster_pids: frozenset[int]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one `work()`."""
    wall, cpu = time.perf_counter(), cpu_seconds(cluster_pids)
    work()
    return time.perf_counter() - wall, cpu_seconds(cluster_pids) - cpu


def interleaved(configurations: dict[str, tuple[Work, frozenset[int]]],
                rounds: int) -> dict[str, tuple[float, float]]:
    """The median wall-clock and CPU seconds of each configuration, run round by round."""
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in configurations}
    for _ in range(rounds):
        for name, (work, pids) in configurations.items():
            seen[name].append(measure(work, pids))
            wall, cpu = seen[name][-1]
            print(f"  {name}: {wall:.2f} s, {cpu:.2f} CPU s (load {load()})", file=sys.stderr,
                  flush=True)
    return {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
            for name, runs in seen.items()}


def local(lines: Path, jobs: int, output: Path | None = None) -> Work:
    def work() -> object:
        with open(output or os.devnull, "w", encoding="utf-8") as sink:
            return run_batch(str(lines), jobs, sink)
    return work


def on_dask(lines: Path, address: str, chunk: int | None = None,
            output: Path | None = None) -> Work:
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


def table(title: str, runs: int, results: dict[str, tuple[float, float]]) -> None:
    print(f"\n{title}\n")
    print("| configuration | wall s | runs/s | CPU s | CPU µs a run |")
    print("|---------------|--------|--------|-------|--------------|")
    for name, (wall, cpu) in results.items():
        print(f"| {name} | {wall:.2f} | {runs / wall:,.0f} | {cpu:.2f} | "
              f"{cpu / runs * 1e6:,.0f} |")


def ratios(results: dict[str, tuple[float, float]]) -> None:
    wall = {name: seconds for name, (seconds, _) in results.items()}
    cpu = {name: seconds for name, (_, seconds) in results.items()}
    for what, seconds in (("wall", wall), ("CPU", cpu)):
        print(f"\n{what}: dask / local: 1 worker "
              f"{seconds['dask, 1 worker'] / seconds['local --jobs 1']:.2f}, 2 workers "
              f"{seconds['dask, 2 workers'] / seconds['local --jobs 2']:.2f}; 2 workers / 1: "
              f"local {seconds['local --jobs 2'] / seconds['local --jobs 1']:.2f}, dask "
              f"{seconds['dask, 2 workers'] / seconds['dask, 1 worker']:.2f}")


def overhead(results: dict[str, tuple[float, float]], chunks: list[int], runs: int) -> None:
    base_wall, base_cpu = results["local --jobs 2"]
    print("\n| chunk | Dask adds, wall µs a run | CPU µs a run | CPU ms a task |")
    print("|-------|--------------------------|--------------|---------------|")
    for chunk in chunks:
        wall, cpu = results[f"dask, 2 workers, chunks of {chunk}"]
        print(f"| {chunk} | {(wall - base_wall) / runs * 1e6:,.0f} | "
              f"{(cpu - base_cpu) / runs * 1e6:,.0f} | "
              f"{(cpu - base_cpu) / runs * chunk * 1e3:,.2f} |")


def rounds_for(runs: int, rounds: int) -> int:
    """`rounds` up to 10,000 runs, proportionally fewer (at least one) above."""
    return max(1, min(rounds, rounds * 10_000 // runs))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dask_batch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--chunks", default="1,4,16,64,256")
    parser.add_argument("--echo-runs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    chunks = [int(chunk) for chunk in args.chunks.split(",")]
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory(prefix="mission-bench-dask-") as scratch:
        work = Path(scratch)
        echoes = work / "echo.jsonl"
        echoes.write_text("".join(json.dumps({"mission": "echo", "params": {
            "message": f"m{index}"}}) + "\n" for index in range(args.echo_runs)),
            encoding="utf-8")
        warm = work / "warm.jsonl"
        warm.write_text(corpus.batch_requests(200), encoding="utf-8")
        started = time.perf_counter()
        with cluster(1) as one:
            pids_one = processes()
            with cluster(2) as two:
                pids_two = processes() - pids_one
                print(f"two LocalClusters started in {time.perf_counter() - started:.1f} s")
                on_one, on_two = address(one), address(two)
                for there in (on_one, on_two):  # the workers import and compile
                    on_dask(warm, there)()
                idle = measure(lambda: time.sleep(10), pids_one | pids_two)
                print(f"both clusters idle: {idle[1] / idle[0] * 100:.1f} % of a core "
                      "(not counted below)")
                none: frozenset[int] = frozenset()
                for size in sizes:
                    lines = work / f"runs-{size}.jsonl"
                    lines.write_text(corpus.batch_requests(size), encoding="utf-8")
                    configurations = {
                        "local --jobs 1": (local(lines, 1), none),
                        "local --jobs 2": (local(lines, 2), none),
                        "dask, 1 worker": (on_dask(lines, on_one), pids_one),
                        "dask, 2 workers": (on_dask(lines, on_two), pids_two)}
                    if size == sizes[0]:
                        configurations["local --jobs 2 --output"] = (
                            local(lines, 2, work / "local.jsonl"), none)
                        configurations["dask, 2 workers, --output"] = (
                            on_dask(lines, on_two, output=work / "dask.jsonl"), pids_two)
                    print(f"corpus of {size:,} runs", file=sys.stderr)
                    results = interleaved(configurations, rounds_for(size, args.rounds))
                    table(f"The corpus, {size:,} runs (chunks of {chunk_size(size, 1)} on 1 "
                          f"worker, {chunk_size(size, 2)} on 2)", size, results)
                    ratios(results)
                    lines.unlink()
                echo: dict[str, tuple[Work, frozenset[int]]] = {
                    "local --jobs 2": (local(echoes, 2), none)}
                for chunk in chunks:
                    echo[f"dask, 2 workers, chunks of {chunk}"] = (
                        on_dask(echoes, on_two, chunk), pids_two)
                print(f"echo, {args.echo_runs:,} runs", file=sys.stderr)
                results = interleaved(echo, rounds_for(args.echo_runs, args.rounds))
                table(f"{args.echo_runs:,} echo runs: the overhead by chunk size",
                      args.echo_runs, results)
                overhead(results, chunks, args.echo_runs)
    print(f"\nload after: {load()}")


if __name__ == "__main__":
    main()
