"""`mission serve` runs missions that call the project's own operations, bound as the
command line binds them (`mission.binding`), and refuses what it cannot bind with a 4xx
and a message, never a 500 (issue 20, item 2)."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.serve.server import Server

EXAMPLE = ROOT / "examples" / "custom_ops"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server run from the example project's directory, `--missions missions/` holding
    the mission's source (configuration found from the file: the project's) and its
    compiled form (bound with the configuration of the server's directory: the same)."""
    root = Path(tmp_path_factory.mktemp("project"))
    for name in ("mission.toml", "release_ops.py"):
        shutil.copy(EXAMPLE / name, root / name)
    missions = root / "missions"
    missions.mkdir()
    shutil.copy(EXAMPLE / "publish_note.mission", missions / "publish.mission")
    compiled = subprocess.run([sys.executable, "-m", "mission", "compile",
                               "missions/publish.mission", "-o", "missions/compiled.json"],
                              cwd=root, capture_output=True, text=True, check=False)
    assert compiled.returncode == 0, compiled.stderr
    server = Server(root).start()
    yield server
    server.stop()


def cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mission", *args, "--store", str(server.store)],
                          cwd=server.root, env=server.environment(), capture_output=True,
                          text=True, timeout=120, check=False)


def test_both_forms_are_offered_and_start(project: Server) -> None:
    names = {m["name"] for m in project.api("GET", "/api/missions").json()["missions"]}
    assert {"publish", "compiled"} <= names, project.log_text()
    assert "left out" not in project.log_text()
    for name in ("publish", "compiled"):
        started = project.api("POST", "/api/runs", {"mission": name,
                                                    "params": {"title": "Hi There"}})
        assert started.status == 201, started.text
        run = started.json()
        assert (run["status"], run["waiting_step_id"]) == ("waiting", "approve")
        assert run["question"]["show"] == "hi-there"
        verified = project.api("GET", f"/api/runs/{run['run_id']}/verify").json()
        assert verified["verified"] is True, verified


def test_a_run_started_in_a_terminal_is_answered_in_serve(project: Server) -> None:
    started = cli(project, "run", "missions/publish.mission", "--param", "title=From CLI",
                  "--json")
    assert started.returncode == 3, started.stderr
    run_id = json.loads(started.stdout)["run_id"]
    answered = project.api("POST", f"/api/runs/{run_id}/answers",
                           {"step": "approve", "answer": "yes"})
    assert answered.status == 200, answered.text
    assert answered.json()["final_state"]["note"] == {"bytes": 11,
                                                      "path": "notes/from-cli.md"}
    assert (project.root / "notes" / "from-cli.md").read_text(encoding="utf-8") == \
        "# From CLI\n"
    assert project.api("GET", f"/api/runs/{run_id}/verify").json()["verified"] is True
    assert cli(project, "verify", str(run_id)).returncode == 0


def test_what_cannot_be_bound_is_refused_with_a_message_not_a_500(project: Server) -> None:
    """The code of a stored run cannot be found: its run page, its answer and its
    verification say so (409), and nothing is written."""
    from tests.serve.server import store_snapshot

    started = project.api("POST", "/api/runs", {"mission": "publish",
                                                "params": {"title": "Gone"}}).json()
    code = project.root / "release_ops.py"
    kept = code.read_text(encoding="utf-8")
    code.write_text(kept.replace("def slugify(", "def slugify_renamed("), encoding="utf-8")
    try:
        before = store_snapshot(project.store)
        answered = project.api("POST", f"/api/runs/{started['run_id']}/answers",
                               {"step": "approve", "answer": "yes"})
        assert answered.status == 409, answered.text
        assert "this server cannot run the mission's own code" in answered.text
        assert "`release_ops` has no `slugify`" in answered.text
        verify = project.api("GET", f"/api/runs/{started['run_id']}/verify")
        assert verify.status == 409 and "has no `slugify`" in verify.text
        assert store_snapshot(project.store) == before
        start = project.api("POST", "/api/runs", {"mission": "compiled",
                                                  "params": {"title": "x"}})
        assert start.status == 409, start.text
    finally:
        code.write_text(kept, encoding="utf-8")
    assert "Traceback" not in project.log_text()


def test_a_server_killed_during_an_effect_leaves_the_run_failed_and_the_effect_dead(
        tmp_path: Path) -> None:
    """Item 3 through `mission serve`: the run is stored before its effect starts, as it
    would be if the effect never reported back; SIGKILL of the server kills the effect."""
    import os
    import time

    from tests.runtime.test_effects_once import CODE, CONFIG, CUT_OFF, WAITING, alive

    (tmp_path / "mission.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "deploy_ops.py").write_text(CODE, encoding="utf-8")
    (tmp_path / "missions").mkdir()
    (tmp_path / "missions" / "ship.mission").write_text(WAITING, encoding="utf-8")
    server = Server(tmp_path).start()
    try:
        run_id = server.api("POST", "/api/runs", {"mission": "ship"}).json()["run_id"]
        import threading

        threading.Thread(target=lambda: _quietly(server, run_id), daemon=True).start()
        deploys = tmp_path / "deploys.txt"
        deadline = time.monotonic() + 60
        while not deploys.exists() or not deploys.read_text():
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.05)
        pid = int(deploys.read_text().split()[1])
        server.kill()
        deadline = time.monotonic() + 10
        while alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                raise AssertionError("the effect outlived the killed server")
            time.sleep(0.05)
        server.start()
        run = server.api("GET", f"/api/runs/{run_id}").json()
        assert run["status"] == "failed" and CUT_OFF in run["error_message"]
        again = server.api("POST", f"/api/runs/{run_id}/answers",
                           {"step": "approve", "answer": "yes"})
        assert again.status == 409
        assert deploys.read_text().count("\n") == 1
    finally:
        server.stop()


def _quietly(server: Server, run_id: int) -> None:
    with contextlib.suppress(OSError):  # the server is killed while it answers
        server.api("POST", f"/api/runs/{run_id}/answers", {"step": "approve", "answer": "yes"})
