"""`mission run`: asks on a terminal, stores a run that waits, prints how to resume it."""

from __future__ import annotations

import json
import os
import pty
import pwd
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path

from runtime.store import RunStore
from tests.conftest import ROOT, run_cli

DAILY = ("examples/daily_loop.mission", "--param", "today=2026-11-24",
         "--state", "examples/tasks.json")

ME = pwd.getpwuid(os.geteuid()).pw_name


def resume_command(stderr: str) -> list[str]:
    """The `mission resume ...` line the command printed, as arguments."""
    line = [text for text in stderr.splitlines() if text.strip().startswith("mission resume")]
    assert len(line) == 1, stderr
    return shlex.split(line[0])


def test_a_run_that_needs_an_answer_is_stored_and_resumed_with_the_printed_line(
        tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    done = run_cli("run", *DAILY, "--store", str(store), "--json")
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert (result["status"], result["run_id"], result["waiting_step_id"]) == \
        ("waiting", 1, "confirm_priorities")
    assert result["question"]["show"] == ["fix-login", "write-report", "plan-offsite"]
    assert "run 1 waits for an answer to step `confirm_priorities` (yes or no): " \
           "Work on these today?" in done.stderr
    command = resume_command(done.stderr)
    assert command == ["mission", "resume", "1", "--store", str(store), "--answer",
                       "confirm_priorities=VALUE"]
    command[-1] = "confirm_priorities=yes"
    resumed = run_cli(*command[1:], "--json")
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)
    assert final["status"] == "succeeded" and final["final_state"]["confirmed"] is True
    assert final["final_state"]["log"][0]["priorities"] == ["fix-login", "write-report",
                                                            "plan-offsite"]
    with RunStore(store) as opened:
        assert opened.load(1).record.status == "succeeded"


def test_answers_on_the_command_line_run_to_the_end_and_the_run_is_kept(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    done = run_cli("run", *DAILY, "--store", str(store), "--answer", "confirm_priorities=no",
                   "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["final_state"]["confirmed"] is False and "log" not in result["final_state"]
    assert result["lineage"]["skipped_step_ids"] == ["log_summary"]
    assert result["run_id"] == 1
    with RunStore(store) as opened:
        assert opened.load(1).record.status == "succeeded"
    unkept = tmp_path / "unkept.sqlite3"
    done = run_cli("run", *DAILY, "--store", str(unkept), "--answer", "confirm_priorities=no",
                   "--json", "--no-store")
    assert done.returncode == 0 and "run_id" not in json.loads(done.stdout)
    assert not unkept.exists()


def test_a_wrong_answer_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    assert run_cli("run", *DAILY, "--store", str(store)).returncode == 3
    for answer, words in (("confirm_priorities=perhaps", "answer yes or no, not the str "
                                                          "'perhaps'"),
                          ("log_summary=yes", "there is no human step 'log_summary'")):
        done = run_cli("resume", "1", "--store", str(store), "--answer", answer)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    with RunStore(store) as opened:
        stored = opened.load(1)
        assert (stored.version, stored.record.status) == (1, "waiting")
    refused = run_cli("run", *DAILY, "--store", str(store), "--answer", "confirm_priorities=2")
    assert refused.returncode == 2 and "answer yes or no" in refused.stderr
    with RunStore(store) as opened:
        assert [item.run_id for item in opened.list()] == [1]


def test_a_receipt_that_cannot_be_written_stores_nothing(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    done = run_cli("run", *DAILY, "--store", str(store), "--receipt",
                   str(tmp_path / "no" / "such" / "dir" / "r.json"))
    assert done.returncode == 2 and "cannot write the receipt" in done.stderr
    assert not store.exists()


def test_the_default_store_is_private_under_the_data_home(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run_cli("run", "examples/survey.mission", env={"XDG_DATA_HOME": str(data)})
    assert done.returncode == 3, done.stderr
    store = data / "mission" / "runs.sqlite3"
    assert (store.stat().st_mode & 0o777, store.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    assert resume_command(done.stderr) == ["mission", "resume", "1", "--answer", "score=VALUE"]
    listed = run_cli("runs", env={"XDG_DATA_HOME": str(data)})
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0] == f"Runs in {store}, newest first:"
    row = listed.stdout.splitlines()[2].split()
    assert row[:5] == ["1", "waiting", "score", "-", "-"]
    assert row[-3:] == [ME, "examples/survey.mission", "(survey)"]


def test_answers_for_later_steps_are_kept_only_when_reached(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.sqlite3")
    done = run_cli("run", "examples/survey.mission", "--store", store, "--answer", "comment=hi")
    assert done.returncode == 3
    assert "not used yet (the run stopped first at `score`): the answer to `comment`" in \
        done.stderr
    resumed = run_cli("resume", "1", "--store", store, "--answer", "score=7",
                      "--answer", "comment=fine", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["final_state"]["feedback"] == {"score": 7,
                                                                     "comment": "fine"}


def test_a_waiting_compiled_workflow_runs_without_the_parser(tmp_path: Path) -> None:
    compiled = tmp_path / "daily.json"
    assert run_cli("compile", "examples/daily_loop.mission", "-o", str(compiled)).returncode == 0
    code = ("import contextlib, io, json, sys\nfrom mission.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), "
            "contextlib.redirect_stderr(io.StringIO()):\n"
            f"    code = main(['run', {str(compiled)!r}, '--param', 'today=2026-11-24', "
            f"'--store', {str(tmp_path / 'runs.sqlite3')!r}])\n"
            "assert code == 3, code\n"
            "print(json.dumps([m in sys.modules for m in ('lark', 'compiler', 'grammar')]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, False, False]


# -- on a terminal -----------------------------------------------------------------------------


def converse(args: list[str], script: list[tuple[str, bytes]],
             cwd: Path = ROOT, stdout: int | None = None) -> tuple[int, str]:
    """Run `mission ARGS` on a pseudo-terminal; after each expected text appears, type.
    `stdout` (a file descriptor) sends the standard output elsewhere than the terminal."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "mission", *args], cwd=cwd,
                               stdin=secondary, stderr=secondary,
                               stdout=secondary if stdout is None else stdout,
                               env={**os.environ, "NO_COLOR": "1"}, close_fds=True)
    os.close(secondary)
    seen = b""
    pending = list(script)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            seen += chunk
        if pending and pending[0][0].encode() in seen.split(b"\x00")[-1]:
            typed = pending.pop(0)[1]
            seen += b"\x00"  # mark what has been answered
            os.write(primary, typed)
        if process.poll() is not None and not ready:
            break
    os.close(primary)
    code = process.wait(timeout=30)
    return code, seen.replace(b"\x00", b"").decode("utf-8", errors="replace")


def test_on_a_terminal_the_question_is_asked_and_asked_again_until_valid(tmp_path: Path) -> None:
    code, text = converse(["run", *DAILY, "--store", str(tmp_path / "runs.sqlite3")],
                          [("yes or no: ", b"perhaps\n"), ("try again", b"yes\n")])
    assert code == 0, text
    assert "confirm_priorities: Confirm today's priorities" in text
    assert "Work on these today?" in text and '"fix-login",' in text
    assert "not accepted: answer yes or no, not the str 'perhaps'; try again" in text
    assert "confirm_priorities   succeeded  answer: true" in text and "+ confirmed = true" in text
    with RunStore(tmp_path / "runs.sqlite3") as opened:  # kept, the answer's giver named
        [answered] = opened.load(1).record.events
    assert (answered["answer"], answered["by"]) == (True, ME) and "at" in answered


def test_the_question_is_asked_on_the_terminal_even_when_stdout_goes_to_a_file(
        tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    with (tmp_path / "out.json").open("w", encoding="utf-8") as out:
        code, text = converse(["run", *DAILY, "--store", str(store), "--json"],
                              [("yes or no: ", b"yes\n")], stdout=out.fileno())
    assert code == 0, text
    assert "Work on these today?" in text
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["final_state"][
        "confirmed"] is True
    with RunStore(store) as opened:
        assert opened.load(1).record.answers == {"confirm_priorities": True}


def test_on_a_terminal_the_end_of_input_leaves_the_run_waiting(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    code, text = converse(["run", "examples/survey.mission", "--store", str(store)],
                          [("a number from 0 to 10: ", b"\x04")])
    assert code == 3, text
    assert "mission resume 1 --store" in text
    with RunStore(store) as opened:
        assert opened.load(1).record.waiting_step_id == "score"


# -- run_tests for real --------------------------------------------------------------------------


def test_run_tests_runs_the_suite_of_the_current_directory(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_small.py").write_text("def test_ok():\n    pass\n\n"
                                         "def test_no():\n    assert 1 == 2\n", encoding="utf-8")
    done = run_cli("run", "run_tests", "--param", "timeout=120", "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)["final_state"]["report"]
    assert (report["passed"], report["failed"], report["outcome"]) == (1, 1, "failed")
    assert "Step 'report' failed: 1 test failed (1 passed, 1 failed) under `tests`" in done.stderr
    escaped = run_cli("run", "run_tests", "--param", "target=../elsewhere", cwd=tmp_path)
    assert escaped.returncode == 1
    assert "Step 'discover_tests' failed: the target '../elsewhere' is outside the project" in \
        escaped.stderr


# -- --report and --batch ------------------------------------------------------------------------


def test_report_writes_a_self_contained_page_of_the_run(tmp_path: Path) -> None:
    page = tmp_path / "run.html"
    done = run_cli("run", *DAILY, "--answer", "confirm_priorities=yes", "--report", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "wf-daily-loop" in html
    for step in ("summarise_yesterday", "generate_priorities", "confirm_priorities", "log_summary"):
        assert step in html
    assert "<script src" not in html and "<link" not in html


def test_a_report_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("run", "echo", "--param", "message=hi",
                   "--report", str(tmp_path / "missing" / "run.html"))
    assert done.returncode == 2
    assert "cannot write the report" in done.stderr and "Traceback" not in done.stderr


def test_batch_prints_one_result_line_per_input_line_in_order(tmp_path: Path) -> None:
    lines = tmp_path / "runs.jsonl"
    lines.write_text("\n".join(json.dumps({"mission": "echo", "params": {"message": f"m{n}"}})
                               for n in range(5)) + "\n", encoding="utf-8")
    done = run_cli("run", "--batch", str(lines), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["line"] for r in results] == [1, 2, 3, 4, 5]
    assert [r["result"]["final_state"]["echo"] for r in results] == [f"m{n}" for n in range(5)]


def test_batch_reads_stdin(tmp_path: Path) -> None:
    line = json.dumps({"mission": "echo", "params": {"message": "piped"}})
    done = run_cli("run", "--batch", "-", stdin=line + "\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"]["final_state"]["echo"] == "piped"


def test_batch_output_replaces_the_file_whole_or_leaves_it(tmp_path: Path) -> None:
    line = json.dumps({"mission": "echo", "params": {"message": "kept"}})
    output = tmp_path / "out.jsonl"
    output.write_text("before\n", encoding="utf-8")
    done = run_cli("run", "--batch", "-", "--output", str(output), stdin=line + "\n")
    assert done.returncode == 0 and done.stdout == "", done.stderr
    assert json.loads(output.read_text(encoding="utf-8"))["result"]["final_state"] == {
        "echo": "kept"}
    output.write_text("before\n", encoding="utf-8")
    missing = run_cli("run", "--batch", str(tmp_path / "no.jsonl"), "--output", str(output))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert output.read_text(encoding="utf-8") == "before\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.jsonl"]
    single = run_cli("run", "echo", "--output", str(output))
    assert single.returncode == 2 and "--output only applies to --batch" in single.stderr


def test_run_needs_exactly_one_of_a_target_and_a_batch(tmp_path: Path) -> None:
    nothing = run_cli("run")
    assert nothing.returncode == 2 and "nothing to run" in nothing.stderr
    both = run_cli("run", "echo", "--batch", "-", stdin="")
    assert both.returncode == 2 and "not both" in both.stderr
    jobs = run_cli("run", "echo", "--jobs", "2")
    assert jobs.returncode == 2 and "--jobs only applies to --batch" in jobs.stderr


def test_a_param_that_may_be_null_takes_null_on_the_command_line(tmp_path: Path) -> None:
    mission = tmp_path / "due.mission"
    mission.write_text("""mission due "Due" {
    version 1
    param due: date? = "2026-01-01"
    param hours: int?
    param note: str? = null
    runtime s "Say" {
        set(at: state.out, value: [param.due ?? "none", param.hours ?? 0, param.note])
    }
}
""", encoding="utf-8")

    def out(*params: str) -> object:
        done = run_cli("run", str(mission), *params, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["final_state"]["out"]

    assert out("--param", "due=null", "--param", "hours=null") == ["none", 0, None]
    assert out("--param", "hours=3", "--param", "note=null") == ["2026-01-01", 3, "null"]
    refused = run_cli("run", str(mission), "--param", "hours=lots")
    assert refused.returncode == 2 and "param `hours` must be a whole number" in refused.stderr
