"""`mission run --batch FILE --executor dask://HOST:PORT`: the batch on a Dask cluster.

The lines are sent in chunks (one task per chunk, so Dask's per-task overhead is paid
once per chunk, not per run); each worker runs its chunk with `mission.batch.run_line`,
exactly as the local pool does, at most `WINDOW` chunks per worker in flight.

Where the results go:
- to stdout: each chunk's lines come back to the client, which writes them in input order
  as chunks complete, so it holds a few chunks at a time, never the whole batch;
- with `--output FILE`: each worker writes its chunk's lines to a part file in a directory
  beside FILE (`.FILE.<batch>.parts/`, written under a temporary name and renamed, so a
  part is whole or absent); only the status counts come back. The client appends the parts
  to `.FILE.<batch>.tmp` in input order, deleting each, and renames it to FILE at the end:
  FILE is the whole batch or untouched. FILE's directory must be on a file system the
  workers share (the same machine, NFS, ...): a part the client cannot see is an error.

A worker that dies mid-batch: Dask runs its chunks again on another. A pure run is
deterministic, so the retried chunk gives the same lines; a chunk's lines are written once,
in order (a part written twice has the same bytes), so nothing is doubled or lost. An
effect runs through the same confined runner as `mission run` (`local_effects`), wrapped
in `JournaledEffects`: each effect call is marked started on the Dask scheduler before it
runs and its outcome recorded after, so a retried run replays what finished and never
runs an effect twice; one interrupted mid-call (it may or may not have happened) fails
its step with a message saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_WAITING, UsageError

if TYPE_CHECKING:
    from runtime.orchestration.model import EffectRunner

__all__ = ["CHUNK", "WINDOW", "JournaledEffects", "chunk_size", "run_batch_on_dask"]

CHUNK = 64  # the most runs per task
WINDOW = 4  # chunks in flight per worker

Item = tuple[int, bytes]
Counts = dict[str, int]


def chunk_size(runs: int, workers: int) -> int:
    """Runs per task: up to `CHUNK`, fewer when a batch is small, so that every worker gets
    several chunks (the local pool's rule)."""
    return max(1, min(CHUNK, runs // (max(1, workers) * 8)))


class JournaledEffects:
    """An effect runner journaling each call of one batch line on the Dask scheduler.

    The n-th effect call of line L is keyed `[batch, L, n]` in the scheduler's metadata
    (a run is deterministic, so a retry makes the same calls in the same order). The key
    is checked and marked `started` under a cluster-wide lock before the call, and the
    result (or the runner's refusal) recorded after. A retry returns what was recorded;
    a call marked started with no outcome was cut off with its worker: it is not made
    again. The journal lives as long as the scheduler, which is as long as the batch.
    """

    def __init__(self, batch: str, line: int, inner: EffectRunner) -> None:
        self.batch = batch
        self.line = line
        self.inner = inner
        self._calls = 0

    def supports(self, effect: str) -> bool:
        return self.inner.supports(effect)

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        from distributed import Lock, get_client

        from runtime.orchestration.canonical import data_hash
        from runtime.orchestration.model import EffectError

        client: Any = get_client()
        key = [self.batch, str(self.line), str(self._calls)]
        self._calls += 1
        fingerprint = data_hash({"effect": effect, "request": dict(request)})
        with Lock(f"{self.batch}/journal"):  # type: ignore[no-untyped-call]
            found = client.get_metadata(key, None)
            if found is None:
                client.set_metadata(key, {"call": fingerprint, "started": True})
        if found is not None:
            if found.get("call") != fingerprint:
                raise EffectError(f"the retried run asks the effect `{effect}` another request "
                                  "than its first attempt did; it is not run")
            if "result" in found:
                return json.loads(found["result"])
            raise EffectError(found.get("error") or
                              f"the effect `{effect}` was started on a Dask worker that died "
                              "before it returned: it may or may not have taken place, so it "
                              "is not run again; check, then run this line again")
        try:
            result = self.inner.run(effect, request)
        except EffectError as refusal:
            client.set_metadata(key, {"call": fingerprint, "error": str(refusal)})
            raise
        # as JSON text: the scheduler's messages would turn lists into tuples
        client.set_metadata(key, {"call": fingerprint, "result": json.dumps(result)})
        return result


def _journaled(batch: str, line: int, runner: EffectRunner | None) -> EffectRunner | None:
    return None if runner is None else JournaledEffects(batch, line, runner)


def run_chunk(items: list[Item], batch: str, started: dict[str, str]) -> list[tuple[str, str]]:
    """On a worker: the chunk's status and result line for each item (each run records the
    batch's start, read once by the client)."""
    from mission.batch import run_line

    wrap = partial(_journaled, batch)
    return [run_line(item, started, wrap) for item in items]


def write_chunk(items: list[Item], batch: str, part: str,
                started: dict[str, str]) -> tuple[Counts, int]:
    """On a worker: run the chunk and write its lines to `part` (whole: through a temporary
    file, renamed); returns the status counts and the part's size in bytes. No fsync: a
    part only has to outlive its worker's process, and the client syncs the whole file."""
    counts: Counts = {}
    lines = []
    for status, record in run_chunk(items, batch, started):
        counts[status] = counts.get(status, 0) + 1
        lines.append(record + "\n")
    data = "".join(lines).encode("utf-8")
    temporary = f"{part}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, part)
    return counts, len(data)


def run_batch_on_dask(lines_path: str, address: str, output: TextIO | Path,
                      chunk: int | None = None) -> int:
    """Like `mission.batch.run_batch`, on the Dask scheduler at `address` (dask://HOST:PORT);
    the lines go to the `output` stream, or are written by the workers to the `output` file.
    `chunk` runs per task (default: `chunk_size`)."""
    from mission.batch import batch_start, tally
    from mission.files import read_lines
    from mission.progress import Progress

    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask:// needs Dask distributed: "
                         "pip install 'mission[dask]'") from None
    items = read_lines(lines_path)
    started = batch_start()
    try:
        client = Client("tcp://" + address.removeprefix("dask://"),  # type: ignore[no-untyped-call]
                        timeout=10)
    except OSError as problem:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {problem}") from None
    counts: Counts = {}
    with client, Progress(len(items), "mission run --batch (dask)") as progress:
        workers = len(client.scheduler_info()["workers"])
        if not workers:
            raise UsageError(f"the Dask scheduler at {address} has no workers: start some "
                             f"(`dask worker tcp://{address.removeprefix('dask://')}`), then "
                             "run the batch again")
        size = chunk or chunk_size(len(items), workers)
        chunks = range(0, len(items), size)
        batch = f"mission-batch-{client.id}"
        try:
            if isinstance(output, Path):
                _to_file(client, items, chunks, size, batch, output, workers, counts, progress,
                         started)
            else:
                def submit(index: int) -> Any:
                    start = chunks[index]
                    return client.submit(run_chunk, items[start:start + size], batch,
                                         started, pure=False)

                for _, records in _in_order(submit, items, chunks, workers):
                    for status, record in records:
                        output.write(record + "\n")
                        counts[status] = counts.get(status, 0) + 1
                    progress.advance(len(records))
                output.flush()
        finally:  # the effect journal: this batch is over (gone anyway with the scheduler)
            with suppress(OSError):
                client.set_metadata(batch, None)  # type: ignore[no-untyped-call]
    print(f"mission run --batch: {tally(len(items), counts)}", file=sys.stderr)
    if counts.keys() & {"failed", "error"}:
        return EXIT_FINDINGS
    return EXIT_WAITING if "waiting" in counts else EXIT_OK


def _to_file(client: Any, items: list[Item], chunks: range, size: int, batch: str,
             output: Path, workers: int, counts: Counts, progress: Any,
             started: dict[str, str]) -> None:
    """The workers write the parts; this process appends them in order and renames."""
    target = output.absolute()
    parts = target.with_name(f".{target.name}.{batch}.parts")
    temporary = target.with_name(f".{target.name}.{batch}.tmp")

    def submit(index: int) -> Any:
        start = chunks[index]
        return client.submit(write_chunk, items[start:start + size], batch,
                             str(parts / f"{index:08d}.jsonl"), started, pure=False)

    try:
        parts.mkdir(mode=0o700)
        with open(temporary, "wb") as whole:
            for index, (done, length) in _in_order(submit, items, chunks, workers):
                part = parts / f"{index:08d}.jsonl"
                try:
                    with open(part, "rb") as file:
                        shutil.copyfileobj(file, whole)
                    copied = part.stat().st_size
                except FileNotFoundError:
                    copied = -1
                if copied != length:
                    raise UsageError(f"a Dask worker wrote {part}, but this process does not "
                                     "see it whole: --output must be on a file system that "
                                     "the workers share")
                part.unlink()
                for status, count in done.items():
                    counts[status] = counts.get(status, 0) + count
                progress.advance(sum(done.values()))
            whole.flush()
            os.fsync(whole.fileno())
        os.replace(temporary, target)
    except OSError as problem:
        raise UsageError(f"{output}: cannot write the batch's results "
                         f"({problem.strerror or problem})") from None
    finally:
        temporary.unlink(missing_ok=True)
        shutil.rmtree(parts, ignore_errors=True)


def _in_order(submit: Callable[[int], Any], items: list[Item], chunks: range,
              workers: int) -> Iterator[tuple[int, Any]]:
    """(chunk index, its task's result) in input order, `WINDOW` chunks a worker in flight;
    a worker's failure is a `UsageError` saying what failed."""
    pending = [submit(index) for index in range(min(WINDOW * max(1, workers), len(chunks)))]
    following = len(pending)
    for index in range(len(chunks)):
        future = pending.pop(0)
        try:
            result = future.result()
        except OSError as problem:  # a worker could not write its part
            raise UsageError(f"a Dask worker cannot write the results: {problem}; --output "
                             "must be on a file system that the workers share") from None
        except Exception as problem:  # a worker's failure, told in one line
            raise UsageError(f"the Dask workers could not run chunk {index + 1} (lines from "
                             f"{items[chunks[index]][0]}): {type(problem).__name__}: "
                             f"{problem} (do the workers have mission installed, and the "
                             "batch's files in their working directory?)") from None
        future.release()
        yield index, result
        if following < len(chunks):
            pending.append(submit(following))
            following += 1
