"""One process of the run-store load test (`test_store_load.py`).

    python -m tests.runtime.store_worker STORE WORKFLOW.json RUNS SEED

Stores RUNS waiting runs and answers each, exactly as `mission run` and
`mission resume` do (it calls the CLI's own entry point, in this process, to
skip the interpreter's start-up), and after each of its own runs it also
tries to resume a run that is probably another process's, so that resumers
of one run collide. Each outcome is printed on one line once the command has
returned, so a line is an acknowledgement: what it names is committed.

    stored ID            `mission run` stored run ID, waiting for `ask`
    answered ID yes|no   `mission resume ID` answered it and finished the run
    refused ID busy|done|missing  `mission resume ID` refused: being resumed elsewhere, or
                         done, or (a neighbour's id) no such run: an id gap
    error TEXT           anything else (the test fails on it)
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys

from mission.cli import main

REFUSALS = {"busy": "is being resumed by another process right now",
            "done": "is not waiting for an answer: it succeeded"}


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def resume(store: str, run_id: int, chance: random.Random, neighbour: bool = False) -> None:
    answer = chance.choice(["yes", "no"])
    code, _, err = call("resume", str(run_id), "--store", store, "--no-input",
                        "--answer", f"ask={answer}")
    if code == 0:
        say(f"answered {run_id} {answer}")
    elif neighbour and code == 2 and f"there is no run {run_id} in" in err:
        # PostgreSQL's ids are a sequence, which a killed process's rolled-back insert
        # still advances: ids can have gaps, as the SQL standard allows. The test checks
        # that every run acknowledged as stored is listed, so a gap is never a lost run.
        say(f"refused {run_id} missing")
    elif code == 2 and any(words in err for words in REFUSALS.values()):
        say(f"refused {run_id} {next(why for why, words in REFUSALS.items() if words in err)}")
    else:
        say(f"error resume {run_id} exited {code}: {err.strip()}")


def work(store: str, workflow: str, runs: int, seed: int) -> None:
    chance = random.Random(seed)
    for index in range(runs):
        code, out, err = call("run", workflow, "--store", store, "--no-input", "--json",
                              "--param", f"n={seed * 100_000 + index}")
        if code != 3:
            say(f"error run exited {code}: {err.strip()}")
            continue
        run_id = int(json.loads(out)["run_id"])
        say(f"stored {run_id}")
        resume(store, chance.randint(max(1, run_id - 16), run_id), chance,  # a neighbour's
               neighbour=True)
        resume(store, run_id, chance)


if __name__ == "__main__":
    work(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
