"""`mission run --batch FILE --executor dask://HOST:PORT`: the batch on a Dask cluster.

The lines are sent in chunks (one task per chunk, so Dask's per-task overhead is paid
once per chunk, not per run); each worker runs its chunk with `mission.batch.run_line`,
exactly as the local pool does, and the results are written in input order as chunks
complete, at most `WINDOW` chunks per worker in flight, so the client never holds the
whole batch's results. A worker that dies mid-batch: Dask runs its chunks again on
another; a pure run is deterministic, so the retried chunk gives the same lines, and
each chunk's lines are written once, in order, so nothing is doubled.

Not yet: effect runs journaled across a retry (an effect interrupted with its worker
runs again), results written by the workers to a file or the store.
"""

from __future__ import annotations

from typing import TextIO

from mission.cli import EXIT_FINDINGS, EXIT_OK, EXIT_WAITING, UsageError

CHUNK = 64  # runs per task
WINDOW = 4  # chunks in flight per worker


def run_chunk(items: list[tuple[int, str]]) -> list[tuple[str, str]]:
    from mission.batch import run_line

    return [run_line(item) for item in items]


def run_batch_on_dask(lines_path: str, address: str, output: TextIO,
                      chunk: int = CHUNK) -> int:
    """Like `mission.batch.run_batch`, on the Dask scheduler at `address` (dask://HOST:PORT)."""
    import sys

    from mission.files import read_text
    from mission.progress import Progress

    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask:// needs Dask distributed: "
                         "pip install 'mission[dask]'") from None
    text = sys.stdin.read() if lines_path == "-" else read_text(lines_path)
    items = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
             if line.strip()]
    chunks = [items[start:start + chunk] for start in range(0, len(items), chunk)]
    try:
        client = Client("tcp://" + address.removeprefix("dask://"),  # type: ignore[no-untyped-call]
                        timeout=10)
    except OSError as problem:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {problem}") from None
    statuses: set[str] = set()
    with client, Progress(len(items), "mission run --batch (dask)") as progress:
        window = max(1, WINDOW * max(1, len(client.scheduler_info()["workers"])))
        pending = [client.submit(run_chunk, part, pure=False) for part in chunks[:window]]
        following = window
        while pending:
            future = pending.pop(0)
            for status, record in future.result():
                output.write(record + "\n")
                statuses.add(status)
                progress.advance()
            future.release()  # type: ignore[no-untyped-call]
            if following < len(chunks):
                pending.append(client.submit(run_chunk, chunks[following], pure=False))
                following += 1
    output.flush()
    if statuses & {"failed", "error"}:
        return EXIT_FINDINGS
    return EXIT_WAITING if "waiting" in statuses else EXIT_OK
