"""Finding test files and running them: in this process, or a tree in worker processes.

`mission test DIR` walks the tree as `mission check` does (`mission.walk`: sorted, without
version-control and tool directories, virtualenvs, what `.gitignore` ignores, and the
configuration's `exclude`), and takes the files named `*_test.mission`; a file named on
the command line is run whatever its name. Files are run in worker processes from
`FILES_PER_WORKER` files on (a pool costs about as much as running that many small test
files here), at most one per core; results come back in the order of the files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mission.testing.results import CaseResult, FileResult

SUFFIX = "_test.mission"
FILES_PER_WORKER = 16
CHUNKS_PER_WORKER = 4


class NoTests(Exception):
    """A path with no test file under it (or that does not exist)."""


def test_files(paths: Sequence[str], excluded: Callable[[str], bool] = lambda _: False
               ) -> list[str]:
    """The test files named or found under `paths`, each once, in order."""
    from mission import walk

    found: list[str] = []
    seen: set[str] = set()
    for given in paths:
        try:
            matches = walk.found_files([given], excluded)
        except walk.NotFound:
            raise NoTests(f"{given}: no such file or directory") from None
        named = os.path.isfile(given)
        chosen = [(path, absolute) for path, absolute in matches
                  if named or path.endswith(SUFFIX)]
        if not chosen:
            raise NoTests(f"{given}: no test files (*{SUFFIX}) found in this directory")
        for path, absolute in chosen:
            if absolute not in seen:
                seen.add(absolute)
                found.append(path)
    return found


# `test_files` is not a pytest test
test_files.__test__ = False  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Options:
    """How to run the files: which tests (`-k`), and whether to replay stored runs."""

    keyword: str = ""
    store: str | None = None  # replay the waiting runs of this store (`--replay-store`)
    coverage: bool = False  # find the steps and branches of each tested mission


def run_file(path: str, options: Options = Options()) -> FileResult:
    """Every selected case of one test file, and its recorded runs replayed."""
    from mission.testing.loading import load
    from mission.testing.select import matcher
    from mission.testing.timeline import run_case

    loaded = load(path)
    if loaded.source is None:
        return FileResult(path, None, problem=loaded.problem)
    errors = loaded.errors
    if errors:
        return FileResult(path, loaded.source, diagnostics=errors)
    selected = matcher(options.keyword)
    cases: list[CaseResult] = []
    for case in loaded.tree.cases:
        if selected(f"{path}::{case.name.value}"):
            cases.append(run_case(loaded, case))
    if loaded.tree.replays or options.store is not None:
        from mission.testing.replay import replay_file, replay_store

        cases += [case for case in replay_file(loaded) if selected(f"{path}::{case.name}")]
        if options.store is not None:
            cases += [case for case in replay_store(loaded, options.store)
                      if selected(f"{path}::{case.name}")]
    tested = loaded.tested
    assert tested.result is not None
    if not options.coverage:
        return FileResult(path, loaded.source, tested.path, tuple(cases))
    from mission.testing.coverage import units

    return FileResult(path, loaded.source, tested.path, tuple(cases), units=units(tested.result))


def _run_chunk(paths: list[str], options: Options) -> list[FileResult]:
    return [run_file(path, options) for path in paths]


def workers_for(files: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, min(jobs, files))
    if files < 2 * FILES_PER_WORKER:
        return 1
    from compiler.batch import default_jobs

    return max(1, min(default_jobs(), files // FILES_PER_WORKER))


def run_files(paths: Sequence[str], options: Options = Options(), jobs: int | None = None,
              done: Callable[[FileResult], object] = lambda result: None) -> list[FileResult]:
    """Run every file, in worker processes when there are enough of them; `done` is told
    of each file's result, in order, as soon as it and those before it are in."""
    workers = workers_for(len(paths), jobs)
    if workers <= 1:
        results = []
        for path in paths:
            results.append(run_file(path, options))
            done(results[-1])
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, len(paths) // (workers * CHUNKS_PER_WORKER))
    chunks = [list(paths[start:start + size]) for start in range(0, len(paths), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    results = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk in pool.map(_run_chunk, chunks, [options] * len(chunks)):
            for result in chunk:
                results.append(result)
                done(result)
    return results
