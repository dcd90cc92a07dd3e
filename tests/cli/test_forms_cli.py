"""A form on the command line: asked field by field on a terminal, answered with
`--answer STEP.FIELD=VALUE` or a JSON object, resumed, then verified."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_run_cli import converse, resume_command
from tests.conftest import run_cli

STANDUP = ("examples/standup.mission", "--param", "who=ana")
ANSWERED = {"blocked": True, "today": "Ship 1.4", "yesterday": "Wrote the notes"}


def verified(receipt: Path) -> str:
    done = run_cli("verify", str(receipt), "--workflow", "examples/standup.mission")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_on_a_terminal_a_form_is_asked_field_by_field_and_only_a_bad_field_again(
        tmp_path: Path) -> None:
    receipt = tmp_path / "receipt.json"
    code, text = converse(
        ["run", *STANDUP, "--store", str(tmp_path / "runs.sqlite3"), "--receipt", str(receipt)],
        [("yesterday (any text): ", b"Wrote the notes\n"), ("today (any text): ", b"Ship 1.4\n"),
         ("blocked (yes or no): ", b"perhaps\n"), ("try again", b"yes\n")])
    assert code == 0, text
    assert "standup: Answer the stand-up" in text and "Stand-up" in text
    order = [text.index(prompt) for prompt in ("What did you do yesterday?",
                                               "What will you do today?",
                                               "Is anything blocking you?")]
    assert order == sorted(order)
    assert "not accepted: answer yes or no, not the str 'perhaps'; try again" in text
    assert text.count("What did you do yesterday?") == 1  # not asked again
    assert text.count("blocked (yes or no): ") == 2
    assert '+ help = ["ana"]' in text
    assert json.loads(receipt.read_text(encoding="utf-8"))["answers"] == {"standup": ANSWERED}
    assert "verified" in verified(receipt)


def test_answer_field_by_field_or_as_json_then_verify(tmp_path: Path) -> None:
    for number, answers in enumerate([
            ["--answer", "standup.yesterday=Wrote the notes", "--answer", "standup.today=Ship 1.4",
             "--answer", "standup.blocked=yes"],
            ["--answer", "standup=" + json.dumps({**ANSWERED, "blocked": "y"})]]):
        receipt = tmp_path / f"receipt{number}.json"
        done = run_cli("run", *STANDUP, *answers, "--receipt", str(receipt), "--json")
        assert done.returncode == 0, done.stderr
        final = json.loads(done.stdout)["final_state"]
        assert final["standup"] == ANSWERED
        assert final["log"] == [{"today": "Ship 1.4", "who": "ana"}] and final["help"] == ["ana"]
        verified(receipt)


def test_a_bad_answer_names_every_bad_field_and_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    done = run_cli("run", *STANDUP, "--store", str(store), "--answer", "standup.today=x",
                   "--answer", "standup.blocked=perhaps", "--answer", "standup.mood=fine")
    assert done.returncode == 2
    assert "Step 'standup': 3 fields not accepted: `yesterday`: no answer given; `blocked`: " \
           "answer yes or no, not the str 'perhaps'; `mood`: not a field of this form " \
           "(its fields: yesterday, today, blocked)" in done.stderr
    assert not store.exists()
    mixed = run_cli("run", *STANDUP, "--answer", "standup=done", "--answer", "standup.today=x")
    assert mixed.returncode == 2 and "gives `standup` whole and `standup.today`" in mixed.stderr


def test_a_waiting_form_is_resumed_with_one_answer_per_field_then_verified(
        tmp_path: Path) -> None:
    store = tmp_path / "runs.sqlite3"
    waiting = run_cli("run", *STANDUP, "--store", str(store))
    assert waiting.returncode == 3, waiting.stderr
    assert "waits for an answer to step `standup` (a form: yesterday, today, blocked)" \
        in waiting.stderr
    command = resume_command(waiting.stderr)
    assert command[-6:] == ["--answer", "standup.yesterday=VALUE", "--answer",
                            "standup.today=VALUE", "--answer", "standup.blocked=VALUE"]
    command[-5], command[-3], command[-1] = ("standup.yesterday=Wrote the notes",
                                             "standup.today=Ship 1.4", "standup.blocked=no")
    resumed = run_cli(*command[1:], "--json")
    assert resumed.returncode == 0, resumed.stderr
    final = json.loads(resumed.stdout)["final_state"]
    assert final["standup"] == {**ANSWERED, "blocked": False} and "help" not in final
    done = run_cli("verify", "1", "--store", str(store))
    assert done.returncode == 0 and "verified" in done.stdout, done.stdout + done.stderr
