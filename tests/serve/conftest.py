"""One real `mission serve` process per test module (starting one costs about a second)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from tests.serve.server import Server


def add_people(server: Server) -> None:
    """alice and bob are release managers, eve is not; written to the server's real
    accounts file, as `mission users` does (tested on its own in test_api.py)."""
    from mission.accounts import Accounts

    with Accounts(server.accounts) as accounts:
        accounts.add_user("alice", "correct horse", ["release_managers"])
        accounts.add_user("bob", "battery staple", ["release_managers"])
        accounts.add_user("eve", "pass word 1", ["others"])
        accounts.allow_start("release_managers", "release")
        accounts.allow_start("others", "survey")


def add_managers(server: Server) -> dict[str, str]:
    """sam, ann and bo are managers, dee a director, eve neither; each one's API token."""
    from mission.accounts import Accounts

    with Accounts(server.accounts) as accounts:
        for name, group in (("sam", "managers"), ("ann", "managers"), ("bo", "managers"),
                            ("dee", "directors"), ("eve", "others")):
            accounts.add_user(name, f"{name} password", [group])
        for group in ("managers", "others"):
            accounts.allow_start(group, "expense")
        accounts.allow_start("managers", "release")
        return {name: accounts.new_token(name) for name in ("sam", "ann", "bo", "dee", "eve")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(Path(tmp_path_factory.mktemp("serve"))).start()
    add_people(running)
    yield running
    running.stop()
