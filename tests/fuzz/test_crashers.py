"""Every input that ever crashed (or hung) mission, replayed forever.

`crashers/*.mission` go through the compiler, the formatter and the language
server's features; `*.workflow.json` through loading and running a compiled
workflow; `*.receipt.json` through reading a run record. Each must end in
diagnostics or a clean, named refusal: never another exception. The file
names say what each one tried (`deep_list.mission`: 100,000 `[`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from compiler import compile_source
from compiler.config import Config
from compiler.format import FormatError, format_source
from mission.files import strict_json
from mission.lsp import features
from runtime.bounds import MAX_RECORD_DEPTH
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import EnvelopeViolation, WorkflowDefinition
from runtime.records import RecordError, RunRecord
from tests.conftest import run_cli

CRASHERS = Path(__file__).parent / "crashers"
MISSIONS = sorted(CRASHERS.glob("*.mission"))
WORKFLOWS = sorted(CRASHERS.glob("*.workflow.json"))
RECEIPTS = sorted(CRASHERS.glob("*.receipt.json"))
# workflows whose wrong shapes `mission run` and `mission graph` once read before checking
MALFORMED = sorted(CRASHERS.glob("*.malformed.json"))
STORES = sorted(CRASHERS.glob("*.store.sqlite3"))


def test_every_crasher_is_replayed() -> None:
    assert {*MISSIONS, *WORKFLOWS, *RECEIPTS, *MALFORMED, *STORES} == set(CRASHERS.iterdir())
    assert (CRASHERS / "deep_list.mission").read_text(encoding="utf-8") == "[" * 100_000


@pytest.mark.parametrize("path", MISSIONS, ids=[p.name for p in MISSIONS])
def test_mission_crashers_now_give_diagnostics(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    result = compile_source(text, path.name, config=Config(select=("ALL",)))
    assert result.errors, "each of these is wrong in some way"
    for diagnostic in result.diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text)
    with pytest.raises(FormatError):
        format_source(text, path.name)
    snapshot = features.Snapshot.build(f"file:///{path.name}", text)
    assert len(features.diagnostics(snapshot)) == len(snapshot.result.diagnostics)
    features.document_symbols(snapshot)
    for line in (0, 3, 4):
        position = types.Position(line, 12)
        features.hover(snapshot, position)
        features.completion(snapshot, position)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_crashers_are_refused_before_running(path: Path) -> None:
    data = strict_json(path.read_text(encoding="utf-8"))
    with pytest.raises((ValueError, EnvelopeViolation)) as raised:
        workflow = WorkflowDefinition.from_dict(data)
        Orchestrator().run_workflow(workflow, ExecutionContext())
    if path.name.startswith("deep_"):
        assert "nested more than 100 levels deep" in str(raised.value)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_crashers_are_refused_by_run_and_graph(path: Path, tmp_path: Path) -> None:
    # Each used to end in an internal error (TypeError, AttributeError, RecursionError) in
    # one command or another: `load_compiled` checks the whole shape once, for all of them.
    store = str(tmp_path / "runs.db")
    for command in (("run", str(path), "--no-input", "--store", store), ("graph", str(path))):
        done = run_cli(*command)
        assert done.returncode == 2, done.stderr
        assert "not a usable compiled workflow: " in done.stderr, done.stderr
        assert "internal error" not in done.stderr
    assert not Path(store).exists()  # nothing was stored


@pytest.mark.parametrize("path", RECEIPTS, ids=[p.name for p in RECEIPTS])
def test_receipt_crashers_are_refused_naming_the_path(path: Path) -> None:
    data = strict_json(path.read_text(encoding="utf-8"))
    with pytest.raises(RecordError, match=r"record\.final_state\.x\[0\]\[0\].*nested more "
                                          f"than {MAX_RECORD_DEPTH} levels deep"):
        RunRecord.from_json(data)


@pytest.mark.parametrize("path", MALFORMED, ids=[p.name for p in MALFORMED])
def test_malformed_workflows_get_a_message_from_run_and_graph(path: Path,
                                                              tmp_path: Path) -> None:
    for argv in (("run", str(path), "--no-input", "--store", str(tmp_path / "runs.db")),
                 ("graph", str(path))):
        done = run_cli(*argv)  # `graph` draws what it can read; `run` refuses
        assert done.returncode != 70 and (argv[0] == "graph" or done.returncode != 0)
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("crasher", STORES, ids=lambda path: path.name)
def test_damaged_stores_are_refused_not_internal_errors(crasher: Path, tmp_path: Path) -> None:
    """A run store with damaged bytes (the store fuzzer's finds): listing, verifying and
    resuming each say what is wrong (exit 1 or 2) or work; never an internal error."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    store = private / "runs.sqlite3"
    shutil.copyfile(crasher, store)
    for command in (["runs"], ["verify", "3"],
                    ["resume", "3", "--answer", "approve=yes", "--answer", "channel=beta"]):
        done = run_cli(*command, "--store", str(store), cwd=tmp_path)
        assert done.returncode in (0, 1, 2, 3), (command, done.stderr)
        assert "internal error" not in done.stderr, (command, done.stderr)
