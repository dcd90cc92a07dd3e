"""The shipped approval with a deadline, a reminder and an escalation, end to end on the
command line with virtual time: it waits, the reminder comes due, the question escalates,
the default applies, and `mission verify` passes and shows the deadline events; the person
who filed the expense may not approve it; two managers approve it."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path
from typing import Any

from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.records import RunRecord
from runtime.verify import verify
from tests.conftest import ROOT, run_cli

ME = pwd.getpwuid(os.geteuid()).pw_name
EXAMPLE = str(ROOT / "examples" / "expense_approval.mission")
T0 = "2026-12-01T09:00:00+00:00"


def mission(tmp_path: Path, *args: str, now: str) -> Any:
    return run_cli(*args, env={"XDG_DATA_HOME": str(tmp_path / "data"), "MISSION_NOW": now,
                               "TZ": "UTC"})


def test_the_expense_waits_is_reminded_escalates_and_is_refused_by_default(
        tmp_path: Path) -> None:
    started = mission(tmp_path, "run", EXAMPLE, "--param", "amount=420", "--param",
                      "purpose=Conference travel", "--no-input", now=T0)
    assert started.returncode == 3, started.stderr
    selfish = mission(tmp_path, "resume", "1", "--answer", "approve=yes",
                      now="2026-12-01T10:00:00+00:00")
    assert selfish.returncode == 2
    assert f"{ME} started this run and may not answer step `approve` (no self-approval)" \
        in selfish.stderr
    assert mission(tmp_path, "tick", now="2026-12-03T04:59:59+00:00").stdout == ""
    reminded = mission(tmp_path, "tick", now="2026-12-03T05:00:00+00:00")
    assert reminded.stdout == ("run 1: reminder: step `approve` waits for managers; its "
                               "deadline is due at 2026-12-03T09:00:00+00:00\n")
    escalated = mission(tmp_path, "tick", now="2026-12-03T09:00:00+00:00")
    assert "moved the question to directors; the run now waits on `approve`" \
        in escalated.stdout
    listed = json.loads(mission(tmp_path, "runs", "--json", now="2026-12-03T09:00:01+00:00"
                                ).stdout)
    assert (listed[0]["asked"], listed[0]["due_at"]) == ("directors",
                                                         "2026-12-04T09:00:00+00:00")
    decided = mission(tmp_path, "tick", now="2026-12-04T09:00:00+00:00")
    assert "applied its default answer false; the run failed" in decided.stdout
    verified = mission(tmp_path, "verify", "1", now="2026-12-05T00:00:00+00:00")
    assert verified.returncode == 0, verified.stdout
    assert "step `approve`: its deadline (stage 0) fired at 2026-12-03T09:00:00+00:00" \
        in verified.stdout
    assert "step `approve`: its deadline (stage 1) fired at 2026-12-04T09:00:00+00:00" \
        in verified.stdout
    listed = json.loads(mission(tmp_path, "runs", "--json", now="2026-12-05T00:00:00+00:00"
                                ).stdout)
    assert (listed[0]["status"], listed[0]["finished_at"]) == ("failed",
                                                               "2026-12-04T09:00:00+00:00")


def test_two_managers_approve_the_expense_and_the_record_verifies() -> None:
    from compiler import compile_file

    workflow = compile_file(EXAMPLE).workflow
    assert workflow is not None
    answers = [{"kind": "answer", "step": "approve", "answer": "yes", "by": who, "at": at}
               for who, at in (("ann", "2026-12-01T10:00:00+00:00"),
                               ("bob", "2026-12-01T11:00:00+00:00"))]
    context = ExecutionContext(params={"amount": 420, "purpose": "Travel"},
                               started={"at": T0, "by": "sam"}, events=answers)
    result = Orchestrator().run_workflow(workflow, context)
    assert result.status == "succeeded"
    assert result.final_state["ledger"] == [{"amount": 420, "purpose": "Travel"}]
    assert result.receipt["answered_by"] == {"approve": "ann, bob"}
    record = RunRecord.of("expense_approval", workflow, context, result, keep_workflow=True)
    assert verify(RunRecord.from_json(record.to_json()), workflow) == []
