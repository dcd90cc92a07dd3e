"""`mission resume RUN_ID --answer STEP=VALUE`: answer a stored waiting run and continue it.

The run is replayed from its record (workflow, params, initial state, the
events so far and the effect journal, so no effect runs twice) with the new
answers, given by the operating-system user at the time of the command, and the
record is replaced in one transaction (`mission.advance`). A deadline of the
waiting step that is due by now fires first, and the command says what it
decided. Only one process resumes a run at a time; an answer that does not fit
changes nothing.

Exit codes: 0 succeeded, 1 failed, 2 usage error (also: a refused answer, a
run that is not waiting or is being resumed elsewhere), 3 still waiting.
"""

from __future__ import annotations

import argparse
import sys

from mission.cli import UsageError
from mission.commands.run import (
    add_answer_arguments,
    ask_on_terminal,
    collect_answers,
    interactive,
    report,
    require_report,
    save_state,
    using_store,
    write_receipt,
    write_run_report,
)
from mission.starting import execute


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="the run's id, as `mission runs` lists")
    add_answer_arguments(parser)


def parse_run_id(text: str) -> int:
    from mission.stores import run_id_of

    found = run_id_of(text)
    if found is None:
        raise UsageError(f"a run id is a positive whole number (see `mission runs`), "
                         f"not {text!r}")
    return found


def run(args: argparse.Namespace) -> int:
    from mission.acting import answer_event, operating_system_user, the_clock, timed
    from mission.advance import Refusal, describe_fired, may_not_answer, move
    from mission.binding import bind_record
    from runtime.records import RunRecord

    run_id = parse_run_id(args.run_id)
    require_report(args)
    answers = collect_answers(args)
    clock, user = the_clock(), operating_system_user()
    now = clock.now()

    def check(record: RunRecord) -> None:
        repeated = sorted(set(answers) & set(record.answers))
        if repeated:
            raise Refusal(409, f"step `{repeated[0]}` of run {run_id} was already answered "
                               f"({record.answers[repeated[0]]!r}); a stored answer cannot "
                               "be changed")
        refused = may_not_answer(record, user)
        if refused and (record.waiting_step_id in answers or not answers):
            raise Refusal(403, refused)

    with using_store(args) as store:
        try:
            moved = move(store, run_id,
                         [answer_event(step, value, user, now) for step, value in answers.items()],
                         now, execute=execute, bind=bind_record, check=check,
                         ask=timed(ask_on_terminal, clock, user) if interactive(args) else None,
                         before_write=lambda record: write_receipt(args, record))
        except Refusal as problem:
            raise UsageError(problem.message) from None
        store_path = store.location
    if moved.fired:
        print(f"mission resume: {describe_fired(moved)}", file=sys.stderr)
    save_state(args, moved.result)
    if args.report:
        write_run_report(args, moved.workflow, moved.result, moved.context, run_id)
    return report(args, "resume", moved.result, run_id, answers, target=moved.record.mission,
                  workflow=moved.workflow, initial_state=moved.context.initial_state,
                  store_path=store_path)
