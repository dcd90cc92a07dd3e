"""Check many files: the cache first, then the rest in parallel worker processes.

Work is split into chunks handed to a process pool (fork where available, so
workers start with the parser already built). Small batches are checked in
this process: starting workers costs more than it saves (see `workers_for`).
Results come back in the order of the input.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence

from compiler.cache import CheckCache, Stamp
from compiler.checked import Checked, oversized
from compiler.config import Config
from compiler.diagnostics import Diagnostic, from_data, to_data
from compiler.source import SourceFile
from runtime.reading import describe_problem

PARALLEL_THRESHOLD = 64  # files: below this, even an explicit `--jobs N` checks in-process
# Without `--jobs`, a worker per this many files to compile: a pool costs about as much as
# checking 100 to 150 files in this process (docs/performance.md, "Parallel").
FILES_PER_WORKER = 256
CHUNKS_PER_WORKER = 4


def workers_for(files: int, jobs: int | None) -> int:
    """The worker processes for `files` files to compile: `jobs` when asked (from
    `PARALLEL_THRESHOLD` files on), else one per `FILES_PER_WORKER`, at most one per core,
    so that the default is never slower than one worker."""
    if jobs is not None:
        return jobs if files >= PARALLEL_THRESHOLD else 1
    return max(1, min(default_jobs(), files // FILES_PER_WORKER))


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def read_source(path: str, limit: int) -> tuple[SourceFile, Stamp]:
    """Read a file as UTF-8, at most `limit` bytes of it; raises OSError,
    UnicodeDecodeError or `TooLarge` (`runtime.reading`)."""
    from runtime.reading import read_stream

    with open(path, "rb") as stream:
        info = os.fstat(stream.fileno())
        read_ns = time.time_ns()
        data = read_stream(stream, limit)
    text = data.decode("utf-8")
    stamp = Stamp(info.st_size, info.st_mtime_ns, hashlib.sha256(data).hexdigest(), read_ns,
                  info.st_ino, info.st_ctime_ns)
    return SourceFile(path, text), stamp


def _check_one(path: str, config: Config) -> tuple[SourceFile | None, Stamp | None,
                                                   list[Diagnostic], str]:
    from compiler.pipeline import compile_source
    from runtime.reading import TooLarge

    try:
        source, stamp = read_source(path, config.limits.max_file_size)
    except TooLarge:
        checked = oversized(path, config)
        return checked.source, None, list(checked.diagnostics), ""
    except (OSError, UnicodeDecodeError) as error:
        return None, None, [], describe_problem(error)
    result = compile_source(source.text, path, config=config)
    if result.analysis is not None and result.analysis.uses_installed:
        return source, None, list(result.diagnostics), ""  # depends on a package: not cached
    if result.tests is not None:
        return source, None, list(result.diagnostics), ""  # depends on its mission: not cached
    return source, stamp, list(result.diagnostics), ""


_Shipped = tuple[str, str | None, tuple[int, int, str, int, int] | None,
                 list[dict[str, object]], str]


def _check_chunk(paths: list[str], config: Config) -> list[_Shipped]:
    """Worker side: plain data only crosses the process boundary."""
    shipped: list[_Shipped] = []
    for path in paths:
        source, stamp, diagnostics, problem = _check_one(path, config)
        text = source.text if source is not None and diagnostics else None
        stamp_data = (stamp.size, stamp.mtime_ns, stamp.sha256, stamp.read_ns,
                      stamp.inode) if stamp else None
        shipped.append((path, text, stamp_data, [to_data(d) for d in diagnostics], problem))
    return shipped


def check_paths(paths: Sequence[str], config: Config, *, jobs: int | None = 1,
                cache: CheckCache | None = None,
                progress: Callable[[int], object] = lambda done: None) -> list[Checked]:
    """Check every path; findings for unchanged files come from `cache` when given.
    `jobs` None chooses the workers from the files left to compile (`workers_for`).
    `progress` is told how many more files are done, as they are."""
    outcomes: dict[str, Checked] = {}
    todo: list[str] = []
    for path in paths:
        hit = _from_cache(path, cache, config.limits.max_file_size) \
            if cache is not None else None
        if hit is not None:
            outcomes[path] = hit
            progress(1)
        else:
            todo.append(path)
    workers = workers_for(len(todo), jobs)
    if workers > 1:
        results = _in_workers(todo, config, workers, progress)
    else:
        results = []
        for path in todo:
            source, stamp, diagnostics, problem = _check_one(path, config)
            results.append((path, source, stamp, diagnostics, problem))
            progress(1)
    for path, source, stamp, diagnostics, problem in results:
        if cache is not None and stamp is not None:
            cache.store(path, stamp, diagnostics)
        outcomes[path] = Checked(path, source, tuple(diagnostics), problem)
    return [outcomes[path] for path in paths]


def _from_cache(path: str, cache: CheckCache, limit: int) -> Checked | None:
    from runtime.reading import TooLarge

    try:
        info = os.stat(path)
    except OSError:
        return None
    found = cache.by_stat(path, info.st_size, info.st_mtime_ns, info.st_ino,
                         info.st_ctime_ns)
    if found is not None and not found[1]:
        return Checked(path, SourceFile(path, ""), (), cached=True)  # clean: no need to read it
    try:
        source, stamp = read_source(path, limit)
    except (OSError, UnicodeDecodeError, TooLarge):
        return None
    diagnostics = cache.by_content(path, stamp.sha256)
    if diagnostics is None:
        return None
    if found is None:
        cache.store(path, stamp, diagnostics)  # same content, new stamp: trust it next time
    return Checked(path, source, tuple(diagnostics), cached=True)


_WARM_UP = 'mission warm_up "Warm up" {\n    version 1\n}\n'


def _in_workers(paths: list[str], config: Config, jobs: int,
                progress: Callable[[int], object]) -> list[tuple[str, SourceFile | None,
                                                                 Stamp | None,
                                                                 list[Diagnostic], str]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from compiler.pipeline import compile_source

    # Load the parse tables and every check once; forked workers inherit them. A valid text
    # takes the fast path, so Lark is imported only by a worker that meets a syntax error.
    compile_source(_WARM_UP, "<warm-up>", config=config)
    size = max(1, len(paths) // (jobs * CHUNKS_PER_WORKER))
    chunks = [paths[start:start + size] for start in range(0, len(paths), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    shipped: list[_Shipped] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for chunk in pool.map(_check_chunk, chunks, [config] * len(chunks)):
            shipped += chunk
            progress(len(chunk))
    results = []
    for path, text, stamp_data, diagnostics, problem in shipped:
        stamp = Stamp(*stamp_data) if stamp_data is not None else None
        if text is None and stamp is not None:
            text = ""
        source = SourceFile(path, text) if text is not None else None
        results.append((path, source, stamp, [from_data(d) for d in diagnostics], problem))
    return results
