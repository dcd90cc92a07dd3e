"""A small version of `python -m bench.serve_load`: only its 0 lost / 0 doubled, no timing."""

from __future__ import annotations

from pathlib import Path

from bench.serve_load import run_load
from tests.serve.server import Server


def test_concurrent_clients_lose_no_answer_and_double_none(tmp_path: Path) -> None:
    server = Server(tmp_path).start()
    try:
        load = run_load(server, clients=4, answers=6)
    finally:
        server.stop()
    assert (load.lost, load.doubled, load.other) == (0, 0, {})
    assert (load.accepted, load.refused) == (12, 12)  # every run once, every rival refused
