"""`mission run --batch --executor dask://`: a real LocalCluster with worker processes gives
the same lines, in the same order, as the local pool; a worker killed mid-batch doubles
and loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli

distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed: "
                                                        "pip install -e '.[test]'")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as local:
        yield local


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
