"""Every file a user gives mission is read through one bounded reader (`runtime.reading`):
the limit applies while reading, so a huge file, `/dev/zero` or a file that grows costs a
clear refusal, not the machine's memory (issue 20, item 4). Each command runs in a child
process limited to 512 MiB and a minute (`tests/limited.py`), on sparse files of 2 GiB
whose size `stat` would not even be asked about."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.limited import run_limited

HUGE = 2 * 1024 * 1024 * 1024


def huge(path: Path, start: bytes = b"") -> Path:
    """A sparse file of `HUGE` bytes (zeros after `start`): costs no disk."""
    with open(path, "wb") as file:
        file.write(start)
        file.truncate(HUGE)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "echo.mission").write_text(
        'mission echo "Echo" {\n    version 1\n    param message: str = ""\n'
        '    runtime echo "Echo" { set(at: state.echo, value: param.message) }\n}\n',
        encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("args", "limit", "what"), [
    (("run", "big.mission"), 4 * 1024 * 1024, "a mission file (`max-file-size`"),
    (("compile", "big.mission"), 4 * 1024 * 1024, "a mission file"),
    (("graph", "big.mission"), 4 * 1024 * 1024, "a mission file"),
    (("run", "big.json"), 64 * 1024 * 1024, "a JSON file"),
    (("run", "echo.mission", "--params", "big.json"), 64 * 1024 * 1024, "a JSON file"),
    (("run", "echo.mission", "--state", "big.json"), 64 * 1024 * 1024, "a JSON file"),
    (("run", "echo.mission", "--answers", "big.json"), 64 * 1024 * 1024, "a JSON file"),
    (("run", "--batch", "big.jsonl"), 256 * 1024 * 1024, "a file of JSON lines"),
    (("store", "import", "big.jsonl", "--store", "runs.sqlite3"), 256 * 1024 * 1024,
     "a file of JSON lines"),
])
def test_a_huge_file_is_refused_while_it_is_read(project: Path, args: tuple[str, ...],
                                                 limit: int, what: str) -> None:
    for name in ("big.mission", "big.json", "big.jsonl"):
        huge(project / name)
    done = run_limited(*args, cwd=project)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"larger than {limit:,} bytes, the limit for {what}" in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_dev_zero_and_standard_input_are_bounded_too(project: Path) -> None:
    (project / "zero.json").symlink_to("/dev/zero")
    done = run_limited("run", "echo.mission", "--params", "zero.json", cwd=project)
    assert done.returncode == 2
    assert "zero.json: larger than 67,108,864 bytes" in done.stderr
    for args in (("run", "--batch", "-"), ("store", "import", "-", "--store", "s.sqlite3"),
                 ("fmt", "-")):
        piped = run_limited(*args, cwd=project, stdin=Path("/dev/zero"))
        assert piped.returncode == 2, (args, piped.stderr[-500:])
        assert "standard input: larger than" in piped.stderr
    (project / "zero.mission").symlink_to("/dev/zero")
    mission = run_limited("run", "zero.mission", cwd=project)
    assert mission.returncode == 2 and "larger than 4,194,304 bytes" in mission.stderr


def test_check_reports_a_huge_mission_as_too_large_without_reading_it_all(
        project: Path) -> None:
    huge(project / "big.mission", b"mission big")
    done = run_limited("check", "big.mission", "--no-cache", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "error[E023]: the file is at least 4,194,305 bytes, over the limit of " \
           "4,194,304 bytes" in done.stdout
    cached = run_limited("check", "big.mission", cwd=project)  # the batch path, with a cache
    assert cached.returncode == 1 and "error[E023]" in cached.stdout


def test_a_huge_configuration_is_a_configuration_error(project: Path) -> None:
    huge(project / "mission.toml", b"select = [\"ALL\"]\n")
    done = run_limited("run", "echo.mission", cwd=project)
    assert done.returncode == 2
    assert "mission.toml: cannot read it (larger than 1,048,576 bytes)" in done.stderr


def test_a_huge_receipt_is_refused_by_verify(project: Path) -> None:
    huge(project / "receipt.json", b"{")
    done = run_limited("verify", "receipt.json", "--workflow", "echo.mission", cwd=project)
    assert done.returncode == 2
    assert "receipt.json: larger than 67,108,864 bytes" in done.stderr


def test_a_batch_line_that_is_not_utf8_fails_alone(project: Path) -> None:
    """One bad byte used to abort the whole batch (item 12)."""
    lines = [json.dumps({"mission": "echo.mission", "params": {"message": word}}).encode()
             for word in ("one", "two", "three")]
    lines[1] = lines[1].replace(b"two", b"t\xffo")
    (project / "runs.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    done = run_limited("run", "--batch", "runs.jsonl", cwd=project)
    assert done.returncode == 1, done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert [result["status"] for result in results] == ["succeeded", "error", "succeeded"]
    byte = lines[1].index(b"\xff") + 1
    assert results[1]["error"] == f"line 2: not UTF-8 text (byte {byte} of the line)"
    assert results[2]["result"]["final_state"] == {"echo": "three"}


SECRET = "hunter2-TOPSECRET-0d8f"


@pytest.mark.parametrize("name", ["credentials", "credentials.txt", "id_rsa.pub"])
def test_a_batch_line_naming_a_file_that_is_not_a_mission_never_quotes_it(
        project: Path, name: str) -> None:
    """A batch line names a mission the way the command line does; any other file is
    refused unread, so nothing of it reaches the output (item 10)."""
    secret = project / name
    secret.write_text(f"{SECRET} = 1\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    (project / "runs.jsonl").write_text(json.dumps({"mission": name}) + "\n", encoding="utf-8")
    batch = run_limited("run", "--batch", "runs.jsonl", cwd=project)
    single = run_limited("run", name, cwd=project)
    for done in (batch, single):
        assert SECRET not in done.stdout + done.stderr
    assert json.loads(batch.stdout)["error"] == (
        f"line 1: {name}: not a mission: give a .mission file, a compiled .json workflow or "
        "a registered name (`mission list`)")
    assert single.returncode == 2 and "not a mission" in single.stderr
