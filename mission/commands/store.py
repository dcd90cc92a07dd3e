"""`mission store migrate|export|import`: look after a run store and move runs between stores.

    mission store migrate [--store URL]             bring the tables to this version
    mission store export  [--store URL] [-o FILE]   every run, as JSON lines
    mission store import  FILE [--store URL]        put them into another store

An export has one line per run, oldest first, `{"run_id", "version", "record"}` in
canonical JSON, and a last line `{"receipt": {"runs": N, "digest": SHA256}}`: the sha256
of the run lines. `import` checks that receipt (nothing cut off or edited), checks every
record (its row hash is recomputed by the target store, its workflow matches its hash, and
its replay gives its receipt, as `mission verify` does), and only then writes: each run
keeps its id and version, a run already there unchanged is skipped (so an interrupted
import is simply run again), another run under the same id is refused. Last, the runs are
read back from the target and must give the same digest.

Exit codes: 0 done, 1 a damaged run (not exported) or a record that does not verify,
2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from mission.commands.run import using_store
from mission.stores import STORE_HELP

if TYPE_CHECKING:
    from runtime.store import StoredRun

EXPORT_FORMAT = "mission-store-export/1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    migrate = actions.add_parser("migrate", help="bring the store's tables to this version")
    export = actions.add_parser("export", help="write every run as JSON lines")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (whole or not at all) instead of stdout")
    into = actions.add_parser("import", help="put exported runs into this store")
    into.add_argument("file", metavar="FILE", help="a file written by `mission store export` "
                                                   "(\"-\" for stdin)")
    for action in (migrate, export, into):
        action.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)


def run(args: argparse.Namespace) -> int:
    if args.action == "migrate":
        with using_store(args) as store:  # opening a store runs its migrations
            print(f"{store.location}: schema version {store.schema_version()}, up to date")
        return EXIT_OK
    if args.action == "export":
        return _export(args)
    return _import(args)


def run_line(stored: StoredRun) -> str:
    return _canonical({"run_id": stored.run_id, "version": stored.version,
                       "record": stored.record.to_json()})


def digest_of(lines: Iterable[str]) -> str:
    hasher = hashlib.sha256()
    for line in lines:
        hasher.update(line.encode("utf-8") + b"\n")
    return hasher.hexdigest()


def _canonical(data: Any) -> str:
    from runtime.orchestration.canonical import canonical_json

    return canonical_json(data)


def _export(args: argparse.Namespace) -> int:
    lines: list[str] = []
    damaged: list[str] = []
    with using_store(args) as store:
        for item in store.list():
            if item.problem is not None:
                damaged.append(f"run {item.run_id} ({item.problem})")
                continue
            lines.append(run_line(store.load(item.run_id)))
        where = store.location
    receipt = _canonical({"format": EXPORT_FORMAT,
                          "receipt": {"digest": digest_of(lines), "runs": len(lines)}})
    text = "".join(line + "\n" for line in [*lines, receipt])
    if args.output:
        _write_whole(Path(args.output), text)
    else:
        sys.stdout.write(text)
    print(f"mission store export: {len(lines)} run{'s' * (len(lines) != 1)} from {where}",
          file=sys.stderr)
    if damaged:
        print("mission store export: not exported, damaged (see `mission runs`): "
              + ", ".join(damaged), file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _write_whole(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as problem:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"{path}: cannot write the export ({problem.strerror})") from None


def _import(args: argparse.Namespace) -> int:
    from mission.files import LINES_FILE, read_text
    from runtime.bounds import MAX_LINES_FILE_BYTES

    text = read_text(args.file, MAX_LINES_FILE_BYTES, LINES_FILE)
    runs, lines = _read_export(args.file, text)
    unverified = _unverified(runs)
    if unverified:
        for problem in unverified:
            print(f"mission store import: {problem}", file=sys.stderr)
        print(f"mission store import: nothing imported: {len(unverified)} "
              f"record{'s' * (len(unverified) != 1)} do not verify", file=sys.stderr)
        return EXIT_FINDINGS
    added = 0
    with using_store(args) as store:
        for stored in runs:
            added += store.insert(stored)
        back = [run_line(store.load(stored.run_id)) for stored in runs]
        where = store.location
    if digest_of(back) != digest_of(lines):
        raise UsageError(f"{where}: the runs read back do not give the export's digest")
    print(f"mission store import: {added} run{'s' * (added != 1)} imported into {where}, "
          f"{len(runs) - added} already there; read back, they give the receipt's digest "
          f"{digest_of(lines)[:16]}…", file=sys.stderr)
    return EXIT_OK


def _read_export(name: str, text: str) -> tuple[list[StoredRun], list[str]]:
    """The runs of an export and their lines, after checking its receipt line."""
    from mission.files import strict_json
    from runtime.records import RecordError, RunRecord
    from runtime.store import StoredRun

    lines = text.splitlines()
    if not lines:
        raise UsageError(f"{name}: empty; not an export of `mission store export`")
    try:
        last = strict_json(lines[-1])
    except (ValueError, RecursionError):
        last = None
    if not (isinstance(last, dict) and last.get("format") == EXPORT_FORMAT
            and isinstance(last.get("receipt"), dict)):
        raise UsageError(f"{name}: its last line is not the receipt of `mission store export` "
                         "(was the file cut off?)")
    lines = lines[:-1]
    receipt = last["receipt"]
    if receipt.get("runs") != len(lines) or receipt.get("digest") != digest_of(lines):
        raise UsageError(f"{name}: the runs do not match the receipt (it says "
                         f"{receipt.get('runs')!r} runs, digest {str(receipt.get('digest'))[:16]}"
                         f"…): the file was edited or damaged; nothing imported")
    runs: list[StoredRun] = []
    for number, line in enumerate(lines, start=1):
        try:
            data = json.loads(line)
            run_id, version = data["run_id"], data["version"]
            if not (isinstance(run_id, int) and isinstance(version, int) and run_id > 0
                    and version > 0):
                raise ValueError("`run_id` and `version` must be positive whole numbers")
            runs.append(StoredRun(run_id, version, RunRecord.from_json(data["record"])))
        except (ValueError, KeyError, TypeError, RecordError) as problem:
            raise UsageError(f"{name}:{number}: not a run of an export: {problem}") from None
    return runs, lines


def _unverified(runs: list[StoredRun]) -> list[str]:
    """What is wrong with each record that does not replay to its own receipt. A run of a
    mission with project operations replays with them, bound under the configuration it
    started with (`mission.binding.bind_record`), as `mission verify` does."""
    from mission.binding import bind_record
    from mission.cli import ImplementationMissing
    from runtime.records import RecordError
    from runtime.verify import verify

    problems = []
    for stored in runs:
        try:
            workflow = stored.record.stored_workflow()
            implementations = bind_record(workflow, stored.record).implementations
        except RecordError as problem:
            problems.append(f"run {stored.run_id}: {problem}")
            continue
        except ImplementationMissing as problem:
            problems.append(f"run {stored.run_id} calls project operations, and their code "
                            f"cannot be run here, so it cannot be verified: {problem}; import "
                            "the export where that project's code and configuration are")
            continue
        problems += [f"run {stored.run_id}: {mismatch}" for mismatch in
                     verify(stored.record, workflow, implementations)]
    return problems
