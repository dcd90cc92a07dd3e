"""A project's code runs only in confined children (issue 20, items 11 and 13): its modules
are imported there (the check of the signatures before the first step included), never in
the `mission` process with its full environment; a pure operation has a declared
`timeout`, enforced, and a bounded address space."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime.user_code import PURE_MEMORY
from tests.conftest import run_cli

CONFIG = """[operations.peek]
kind = "KIND"
params = { text = "str" }
result = "map"
timeout = 5
implementation = "leaky:peek"
"""

# Import-time code that writes down what it sees; the function reports its own process.
CODE = """import os
import resource

with open("imported.txt", "a") as file:
    file.write(f"{os.getpid()} {os.environ.get('MISSION_TEST_SECRET')}\\n")


def peek(text):
    return {"pid": os.getpid(), "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
            "secret": os.environ.get("MISSION_TEST_SECRET")}
"""

MISSION = """mission peeking "Peek" {
    version 1
    runtime look "Look" { peek(text: "x") -> state.seen }
}
"""


def project(tmp_path: Path, kind: str) -> Path:
    (tmp_path / "mission.toml").write_text(CONFIG.replace("KIND", kind), encoding="utf-8")
    (tmp_path / "leaky.py").write_text(CODE, encoding="utf-8")
    (tmp_path / "peeking.mission").write_text(MISSION, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("kind", ["effect", "pure"])
def test_project_code_is_imported_only_in_confined_children(tmp_path: Path,
                                                            kind: str) -> None:
    root = project(tmp_path, kind)
    process = subprocess.Popen(
        [sys.executable, "-m", "mission", "run", "peeking.mission", "--json", "--store",
         "runs.sqlite3"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MISSION_TEST_SECRET": "s3cr3t"})
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    seen = json.loads(out)["final_state"]["seen"]
    imports = [line.split() for line in (root / "imported.txt").read_text().splitlines()]
    assert imports, "the module was never imported"
    assert all(secret == "None" for _, secret in imports), "import-time code saw the secret"
    assert all(int(pid) != process.pid for pid, _ in imports), "imported by `mission` itself"
    assert seen["secret"] is None and seen["pid"] != process.pid
    if kind == "pure":  # not stored (it does not wait); recomputed by a replay
        assert seen["memory"] == PURE_MEMORY
    else:  # stored, since it started an effect: its verification binds it the same way
        verified = run_cli("verify", "1", "--store", "runs.sqlite3", cwd=root,
                           env={"MISSION_TEST_SECRET": "s3cr3t"})
        assert verified.returncode == 0, verified.stdout + verified.stderr
        again = [line.split() for line in (root / "imported.txt").read_text().splitlines()]
        assert len(again) > len(imports) and all(secret == "None" for _, secret in again)


def test_a_pure_operation_that_hangs_fails_its_step_at_its_timeout(tmp_path: Path) -> None:
    root = project(tmp_path, "pure")
    (root / "leaky.py").write_text("import time\n\n\ndef peek(text):\n    time.sleep(600)\n",
                                   encoding="utf-8")
    (root / "mission.toml").write_text(CONFIG.replace("KIND", "pure").replace(
        "timeout = 5", "timeout = 2"), encoding="utf-8")
    started = time.monotonic()
    done = run_cli("run", "peeking.mission", cwd=root, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Step 'look' failed: `peek` did not finish within 2 s and was stopped" in done.stderr
    assert time.monotonic() - started < 60


def test_a_signature_that_does_not_fit_is_found_in_the_child_before_the_first_step(
        tmp_path: Path) -> None:
    root = project(tmp_path, "effect")
    (root / "leaky.py").write_text(CODE.replace("def peek(text):", "def peek(words):"),
                                   encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "mission", "run", "peeking.mission"],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 4
    assert ("`leaky:peek` (the implementation of `peek`) does not match its declaration "
            "(text): it has a parameter `words` that is not declared; it has no parameter "
            "`text`") in err
    imports = (root / "imported.txt").read_text().split()
    assert int(imports[0]) != process.pid  # imported and checked by a child
