"""Scenario 9: what keeping a run costs, against the disk's own limit and against DBOS.

A run `mission run` keeps is stored in one SQLite transaction (WAL, `synchronous=FULL`:
the store's own settings, `runtime/store.py`), so the least it can cost is one commit of
its record's bytes with those settings. Row 9 compares what `mission` adds to a finished
run to keep it (the record, its notices, the store's transaction: `RunKeeper.save`, as
every path calls it) with that commit, on `examples/counter.mission` (four runtime steps,
no effect, no deadline). Row 9b adds the engine's run itself. Row 9c runs the same work
as a DBOS workflow of four steps on its SQLite system database, the closest
durable-execution peer, each side in a process of its own.

    python -m bench --only 9
    python -m bench.durable mission|dbos RUNS DIRECTORY   (one side of row 9c: ms per run)
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.orchestration import OrchestrationResult
    from runtime.records import RunRecord

ROOT = Path(__file__).resolve().parent.parent
COUNTER = ROOT / "examples" / "counter.mission"
STARTED = {"at": "2026-12-06T08:30:00Z", "by": "bench"}


class CounterRuns:
    """Runs of the counter example kept in a run store, as `mission run` keeps them."""

    def __init__(self, directory: Path) -> None:
        from compiler import compile_source
        from runtime.orchestration import Orchestrator
        from runtime.store import RunStore

        workflow = compile_source(COUNTER.read_text(encoding="utf-8"), COUNTER.name).workflow
        assert workflow is not None
        self.workflow = workflow
        self.plan = Orchestrator().prepare(workflow)
        self.store = RunStore(directory / "runs.sqlite3")
        self.result = self.run()

    def run(self) -> OrchestrationResult:
        from runtime.orchestration import ExecutionContext

        self.context = ExecutionContext(params={"by": 2}, started=dict(STARTED))
        result = self.plan.run(self.context)
        assert result.status == "succeeded"
        return result

    def keep(self, result: OrchestrationResult) -> int:
        """What `mission run` does with a finished run: its record, saved with its notices."""
        from mission.keeping import RunKeeper
        from runtime.records import RunRecord

        record = RunRecord.of(COUNTER.name, self.workflow, self.context, result,
                              keep_workflow=True)
        return RunKeeper(self.store).save(record).run_id

    def run_and_keep(self) -> int:
        return self.keep(self.run())

    def record(self) -> RunRecord:
        """The record of the run kept last (every run's is the same but for its copies)."""
        from runtime.records import RunRecord

        return RunRecord.of(COUNTER.name, self.workflow, self.context, self.result,
                            keep_workflow=True)


class PlainCommits:
    """The disk's limit: one commit of a record's bytes, with the store's settings."""

    def __init__(self, directory: Path, text: str) -> None:
        self.text = text
        self.db = sqlite3.connect(directory / "plain.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, "
                        "record TEXT NOT NULL)")

    def commit(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("INSERT INTO runs (record) VALUES (?)", (self.text,))
        self.db.execute("COMMIT")


class SameRows:
    """The floor of the store's own schema: the rows keeping a run writes (its row, with
    the columns and index entries `mission runs` lists it by, and its notice), worked out
    beforehand and written in one commit by plain SQL, with the store's settings."""

    def __init__(self, directory: Path, runs: CounterRuns) -> None:
        from runtime.notices import notices_between
        from runtime.orchestration.canonical import canonical_json
        from runtime.store import RunStore, insert_row_sql, row_values

        path = directory / "same-rows.sqlite3"
        RunStore(path).close()  # the store's schema and settings
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA synchronous = FULL")
        record = runs.record()
        # the row's values for id 0: its hash has the size of each row's own (which covers
        # that row's id)
        self.values = row_values(0, 1, record, record.to_text())[1:]
        self.notices = [(notice.key, notice.kind, notice.at, canonical_json(notice.payload))
                        for notice in notices_between(None, record)]
        self.insert = insert_row_sql("?")
        self.next_id = 1

    def commit(self) -> None:
        run_id, self.next_id = self.next_id, self.next_id + 1
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(self.insert, (run_id, *self.values))
        for notice in self.notices:
            self.db.execute("INSERT INTO notices (run_id, key, kind, at, payload) "
                            "VALUES (?, ?, ?, ?, ?)", (run_id, *notice))
        self.db.execute("COMMIT")


def mission_side(runs: int, directory: Path) -> float:
    """The mean ms of one counter run kept in a run store (after 20 untimed)."""
    counter = CounterRuns(directory)
    for _ in range(20):
        counter.run_and_keep()
    started = time.perf_counter()
    for _ in range(runs):
        counter.run_and_keep()
    return (time.perf_counter() - started) * 1000 / runs


def dbos_side(runs: int, directory: Path) -> float:
    """The mean ms of one DBOS workflow doing the counter's four steps, one step each."""
    from dbos import DBOS

    @DBOS.step()
    def bump(state: dict[str, Any], by: int) -> dict[str, Any]:
        return {**state, "count": state["count"] + by}

    @DBOS.step()
    def tag(state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "tags": [*state["tags"], "counted", "checked"]}

    @DBOS.step()
    def untag(state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "tags": [name for name in state["tags"] if name != "draft"]}

    @DBOS.step()
    def check(state: dict[str, Any], by: int) -> dict[str, Any]:
        if not state["count"] >= by:
            raise ValueError("the counter did not move")
        return state

    @DBOS.workflow()
    def counter(by: int) -> dict[str, Any]:
        state = {"count": 0, "tags": ["draft"]}
        return check(untag(tag(bump(state, by))), by)

    DBOS(config={"name": "bench", "system_database_url": f"sqlite:///{directory}/dbos.sqlite",
                 "log_level": "WARNING"})
    DBOS.launch()
    try:
        assert counter(2) == {"count": 2, "tags": ["counted", "checked"]}
        for _ in range(19):
            counter(2)
        started = time.perf_counter()
        for _ in range(runs):
            counter(2)
        return (time.perf_counter() - started) * 1000 / runs
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    side, count, where = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    print(f"{(mission_side if side == 'mission' else dbos_side)(count, where):.4f}")
