"""`mission resume RUN_ID --answer STEP=VALUE`: answer a stored waiting run and continue it.

The run is replayed from its record (workflow, params, initial state, the
answers so far and the effect journal, so no effect runs twice) with the new
answers, and the record is replaced in one transaction. Only one process
resumes a run at a time; an answer that does not fit changes nothing.

Exit codes: 0 succeeded, 1 failed, 2 usage error (also: a refused answer, a
run that is not waiting or is being resumed elsewhere), 3 still waiting.
"""

from __future__ import annotations

import argparse

from mission.binding import bind_record
from mission.cli import UsageError
from mission.commands.run import (
    add_answer_arguments,
    ask_on_terminal,
    collect_answers,
    execute,
    interactive,
    report,
    save_state,
    using_store,
    write_receipt,
)


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
    from mission.keeping import RunKeeper, record_starts
    from runtime.records import RecordError, RunRecord

    run_id = parse_run_id(args.run_id)
    answers = collect_answers(args)
    with using_store(args) as store, store.claim(run_id):
        stored = store.load(run_id)
        record = stored.record
        if record.status != "waiting":
            raise UsageError(f"run {run_id} is not waiting for an answer: it {record.status}; "
                             "there is nothing to resume")
        repeated = sorted(set(answers) & set(record.answers))
        if repeated:
            raise UsageError(f"step `{repeated[0]}` of run {run_id} was already answered "
                             f"({record.answers[repeated[0]]!r}); a stored answer cannot be "
                             "changed")
        try:
            workflow = record.stored_workflow()
        except RecordError as problem:
            raise UsageError(f"run {run_id}: {problem}") from None
        binding = bind_record(workflow, record)
        context = record.context(answers=answers, effects=binding.effects,
                                 ask=ask_on_terminal if interactive(args) else None,
                                 implementations=binding.implementations)
        keeper = RunKeeper(store, stored)  # the run is saved before an effect starts
        record_starts(context, keeper, record.mission, workflow, record.configuration)
        result = execute(workflow, context)
        updated = RunRecord.of(record.mission, workflow, context, result, keep_workflow=True,
                               configuration=record.configuration)
        if keeper.stored is not stored:  # an effect started: what happened is stored first
            keeper.save(updated)
        write_receipt(args, updated)  # a receipt that cannot be written stores nothing more
        save_state(args, result)
        if updated != record and keeper.stored is stored:
            keeper.save(updated)
        store_path = store.location
    return report(args, "resume", result, run_id, answers, target=record.mission,
                  workflow=workflow, initial_state=context.initial_state,
                  store_path=store_path)
