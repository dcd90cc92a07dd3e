"""`mission run --batch --executor dask://`: a real LocalCluster with worker processes gives
the same lines, in the same order, as the local pool (on stdout, or written by the workers
with --output); a worker killed mid-batch doubles and loses nothing, and an effect it was
running is not run again; a terminal gets the progress bar."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli
from tests.perf.test_batch import read_all

distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed: "
                                                        "pip install -e '.[test]'")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", host="127.0.0.1") as local:
        yield local


@pytest.fixture(autouse=True)
def one_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch's runs record when it started: the same virtual time for every batch
    here, so a local batch and one on Dask give the same bytes."""
    monkeypatch.setenv("MISSION_NOW", "2026-12-01T09:00:00+00:00")


def address(cluster: Any) -> str:
    return "dask://" + str(cluster.scheduler_address).removeprefix("tcp://")


def batch(tmp_path: Path, count: int) -> Path:
    lines = [json.dumps({"mission": "echo", "params": {"message": f"m{index}"}})
             for index in range(count)]
    lines.insert(3, "not json")
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_dask_gives_the_local_pools_lines_in_order(tmp_path: Path, cluster: Any) -> None:
    path = batch(tmp_path, 300)
    local = run_cli("run", "--batch", str(path), "--jobs", "2")
    on_dask = run_cli("run", "--batch", str(path), "--executor",
                      "dask://" + cluster.scheduler_address.removeprefix("tcp://"))
    assert on_dask.returncode == local.returncode == 1, on_dask.stderr
    assert on_dask.stdout == local.stdout
    assert len(on_dask.stdout.splitlines()) == 301


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(tmp_path: Path,
                                                             cluster: Any) -> None:
    path = batch(tmp_path, 6000)
    expected = run_cli("run", "--batch", str(path), "--jobs", "2").stdout
    client = distributed.Client(cluster)
    pids = list(client.run(os.getpid).values())
    client.close()
    process = subprocess.Popen(
        [sys.executable, "-m", "mission", "run", "--batch", str(path), "--executor",
         "dask://" + cluster.scheduler_address.removeprefix("tcp://")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    assert process.poll() is None, "the batch finished before a worker could be killed"
    os.kill(pids[0], signal.SIGKILL)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, err
    assert out == expected


def test_workers_write_the_output_file_with_the_local_executors_bytes(tmp_path: Path,
                                                                       cluster: Any) -> None:
    path = batch(tmp_path, 300)
    local = run_cli("run", "--batch", str(path), "--jobs", "2", "--output",
                    str(tmp_path / "local.jsonl"))
    on_dask = run_cli("run", "--batch", str(path), "--executor", address(cluster), "--output",
                      str(tmp_path / "dask.jsonl"))
    assert on_dask.returncode == local.returncode == 1, on_dask.stderr
    assert on_dask.stdout == local.stdout == ""
    assert on_dask.stderr == "mission run --batch: 301 lines: 300 succeeded, 1 error\n"
    written = (tmp_path / "dask.jsonl").read_bytes()
    assert written == (tmp_path / "local.jsonl").read_bytes()
    assert len(written.splitlines()) == 301
    # the parts and the temporary file are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask.jsonl", "local.jsonl",
                                                          "runs.jsonl"]


def test_an_output_the_client_cannot_write_is_refused_and_nothing_is_left(
        tmp_path: Path, cluster: Any) -> None:
    path = batch(tmp_path, 10)
    done = run_cli("run", "--batch", str(path), "--executor", address(cluster), "--output",
                   str(tmp_path / "missing" / "out.jsonl"))
    assert done.returncode == 2
    assert "out.jsonl: cannot write the batch's results (No such file or directory)" \
        in done.stderr and "Traceback" not in done.stderr


def test_a_terminal_gets_the_dask_batchs_progress_bar(tmp_path: Path, cluster: Any) -> None:
    path = batch(tmp_path, 29)
    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "mission", "run", "--batch", str(path),
                           "--executor", address(cluster)], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=follower, text=True,
                          env={**os.environ, "TERM": "xterm"}) as process:
        os.close(follower)
        stdout, _ = process.communicate(timeout=120)
        terminal = read_all(leader)
    os.close(leader)
    assert process.returncode == 1
    assert "mission run --batch (dask) [" in terminal and "30/30" in terminal
    assert terminal.endswith("\r\x1b[2Kmission run --batch: 30 lines: 29 succeeded, "
                             "1 error\r\n")
    assert len(stdout.splitlines()) == 30 and "\x1b" not in stdout


# A test that appends its name and the pid of the Dask worker running the effect (the parent
# of its parent, the guard of `runtime/child_guard.py`) to a file, then takes a while: a
# worker killed then is killed in the middle of the effect.
APPENDING_TEST = """\
import os
import time
from pathlib import Path


def test_append():
    with open(f"/proc/{os.getppid()}/stat") as stat:
        worker = stat.read().rsplit(")", 1)[1].split()[1]
    with open(Path(__file__).resolve().parent.parent / "appended.txt", "a") as file:
        file.write(f"{Path(__file__).name} {worker}\\n")
    time.sleep(1.0)
"""


def test_an_effect_cut_off_with_its_worker_is_not_run_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = 3
    (tmp_path / "t").mkdir()
    for index in range(runs):
        (tmp_path / "t" / f"test_{index}.py").write_text(APPENDING_TEST, encoding="utf-8")
    lines = tmp_path / "runs.jsonl"
    lines.write_text("".join(json.dumps({"mission": "run_tests", "params": {
        "target": f"t/test_{index}.py", "timeout": 60}}) + "\n" for index in range(runs)),
        encoding="utf-8")
    appended = tmp_path / "appended.txt"
    monkeypatch.chdir(tmp_path)  # the workers' project root: their working directory
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", host="127.0.0.1") as local:
        with distributed.Client(local) as client:
            workers = set(client.run(os.getpid).values())
        process = subprocess.Popen(
            [sys.executable, "-m", "mission", "run", "--batch", str(lines), "--executor",
             address(local), "--output", "out.jsonl"],
            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not appended.exists() or not appended.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline and process.poll() is None, \
                process.communicate()
            time.sleep(0.05)
        cut_off, worker = appended.read_text(encoding="utf-8").split()[:2]
        assert int(worker) in workers
        os.kill(int(worker), signal.SIGKILL)
        _, err = process.communicate(timeout=180)
    assert process.returncode == 1, err
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [result["line"] for result in results] == list(range(1, runs + 1))
    names = [line.split()[0] for line in appended.read_text(encoding="utf-8").splitlines()]
    assert sorted(names) == sorted(f"test_{index}.py" for index in range(runs)), \
        "an effect was run twice, or not at all"
    for index, result in enumerate(results):
        if f"test_{index}.py" == cut_off:
            assert result["status"] == "failed"
            assert "was started on a Dask worker that died before it returned: it may or " \
                   "may not have taken place, so it is not run again" \
                   in result["result"]["error_message"]
        else:
            assert result["status"] == "succeeded", result


def test_a_chunk_a_worker_cannot_run_stops_the_batch_with_one_line(cluster: Any) -> None:
    from mission.cli import UsageError
    from mission.dask_batch import _in_order

    with distributed.Client(cluster) as client:
        def submit(index: int) -> Any:  # what a worker without mission installed gives
            return client.submit(__import__, "mission_not_installed_here", pure=False)

        with pytest.raises(UsageError) as refused:
            list(_in_order(submit, [(7, "{}")], range(1), workers=2))
    assert str(refused.value).startswith(
        "the Dask workers could not run chunk 1 (lines from 7): ModuleNotFoundError: No module "
        "named 'mission_not_installed_here' (do the workers have mission installed")


def test_a_scheduler_without_workers_is_refused_at_once(tmp_path: Path) -> None:
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0",
                                  host="127.0.0.1") as empty:
        done = run_cli("run", "--batch", str(batch(tmp_path, 3)), "--executor", address(empty))
    assert done.returncode == 2
    assert "has no workers: start some (`dask worker tcp://127.0.0.1:" in done.stderr
