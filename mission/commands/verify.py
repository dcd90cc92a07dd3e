"""`mission verify RECEIPT --workflow FILE_OR_NAME` or `mission verify RUN_ID`.

Replays a recorded run (a receipt file written by `--receipt`, or a run in
the store) and checks that the replay gives the recorded state, answers,
journal and receipt. Every difference is named.

Exit codes: 0 verified, 1 not verified (a difference, an edited or damaged
record), 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mission.binding import bind_record
from mission.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from mission.commands.run import using_store
from mission.stores import STORE_HELP, run_id_of


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="RECEIPT_OR_RUN_ID",
                        help="a receipt file written by `--receipt`, or a stored run's id")
    parser.add_argument("--workflow", metavar="FILE_OR_NAME",
                        help="the workflow the run was made with: a .mission file, a compiled "
                             ".json or a registered name (required for a receipt file; for a "
                             "stored run, the stored workflow is used when omitted)")
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")


def run(args: argparse.Namespace) -> int:
    from runtime.records import RecordError, RunRecord, integrity
    from runtime.store import StoreError, UnknownRun
    from runtime.verify import Mismatch, verify

    problems: list[Mismatch] = []
    record: RunRecord | None = None
    if Path(args.target).is_file():
        if not args.workflow:
            raise UsageError("verifying a receipt file needs --workflow FILE_OR_NAME: the "
                             "workflow the run was made with")
        from mission.files import parse_json, read_bytes

        label = args.target
        raw = read_bytes(args.target)  # a file that cannot be read is an I/O error (2)
        try:
            # A receipt that is not UTF-8 JSON is a damaged record: a finding (1).
            data = parse_json(raw.decode("utf-8"), args.target)
            record = RunRecord.from_json(data)
        except UnicodeDecodeError:
            data = None
            problems.append(Mismatch("record", "not a run record: the file is not UTF-8 text"))
        except UsageError as problem:
            data = None
            problems.append(Mismatch("record", f"not a run record: {problem}"))
        except RecordError as problem:
            problems.append(Mismatch("record", f"not a valid run record: {problem}"))
        if isinstance(data, dict) and data.get("integrity") != integrity(data):
            problems.append(Mismatch("record", "the file's integrity hash does not match its "
                                               "content: it was edited after it was written"))
    elif run_id_of(args.target) is not None:
        label = f"run {args.target}"
        with using_store(args) as store:
            try:
                record = store.load(int(args.target)).record
            except UnknownRun as problem:
                raise UsageError(str(problem)) from None
            except StoreError as problem:
                problems.append(Mismatch("record", str(problem)))
    else:
        raise UsageError(f"{args.target!r} is neither a receipt file nor a run id "
                         "(see `mission runs`)")
    if record is not None:
        fallback = None
        if args.workflow:
            from mission.targets import load_target

            target = load_target(args.workflow)
            workflow, fallback = target.workflow, target.config
        else:
            try:
                workflow = record.stored_workflow()
            except RecordError as problem:
                raise UsageError(f"{label}: {problem}; give --workflow") from None
        problems += verify(record, workflow, bind_record(workflow, record, fallback)
                           .implementations)
    return _print(label, record, problems, args.json)


def _print(label: str, record: Any, problems: list[Any], as_json: bool) -> int:
    verified = not problems
    if as_json:
        print(json.dumps({"differences": [{"what": p.what, "detail": p.detail}
                                          for p in problems],
                          "target": label, "verified": verified,
                          "answered_by": record.answered_by if record is not None else {}},
                         indent=2, sort_keys=True))
    elif verified:
        digest = str(record.receipt.get("digest", ""))[:16]
        print(f"{label}: verified: the replay gives the recorded result and receipt "
              f"(status {record.status}, digest {digest}…)")
        for line in history(record):
            print(f"  {line}")
        if not record.covers_mission:
            print(f"  an older record ({record.format}): its digest does not cover the name "
                  f"it gives the mission ({record.mission!r})")
        if not record.covers_times:
            print(f"  an older record ({record.format}): made before times were recorded, it "
                  "does not say when or by whom the run was started, nor when each answer "
                  "came")
    else:
        print(f"{label}: NOT verified: {len(problems)} difference"
              f"{'s' if len(problems) != 1 else ''}")
        for problem in problems:
            print(f"  {problem}")
    return EXIT_OK if verified else EXIT_FINDINGS


def history(record: Any) -> list[str]:
    """What the receipt covers of who did what and when, one line each, in order."""
    if not record.covers_times:
        return [f"step `{step}` was answered by {who}"
                for step, who in sorted(record.answered_by.items())]
    lines = []
    if record.started_at or record.started_by:
        fire = f" for its fire at {record.schedule['fire_at']}" if record.schedule else ""
        lines.append(f"started{_by_at(record.started_by, record.started_at)}{fire}")
    for event in record.events:
        kind = event.get("kind")
        if kind == "answer":
            lines.append(f"step `{event.get('step')}` answered {_shown(event.get('answer'))}"
                         f"{_by_at(event.get('by'), event.get('at'))}")
        elif kind == "deadline":
            lines.append(f"step `{event.get('step')}`: its deadline (stage "
                         f"{event.get('stage')}) fired{_by_at(None, event.get('at'))}")
        elif kind == "cancel":
            lines.append(f"cancelled{_by_at(event.get('by'), event.get('at'))}: "
                         f"{event.get('reason')}")
    return lines


def _by_at(who: Any, when: Any) -> str:
    return (f" by {who}" if who else "") + (f" at {when}" if when else "")


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."
