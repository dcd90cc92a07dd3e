"""A small version of `python -m bench.serve_load` (only its 0 lost / 0 doubled, no timing),
and the sign-in limit behind a reverse proxy, on one server started with
`--forwarded-allow-ips 127.0.0.1` (the test client plays the proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.serve_load import run_load
from mission.accounts import MAX_ADDRESS_FAILURES, Accounts
from tests.serve.server import Server, cookie_from


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(Path(tmp_path_factory.mktemp("proxied")),
                    options=("--forwarded-allow-ips", "127.0.0.1")).start()
    yield server
    server.stop()


def test_concurrent_clients_lose_no_answer_and_double_none(proxied: Server) -> None:
    load = run_load(proxied, clients=4, answers=6)
    assert (load.lost, load.doubled, load.other) == (0, 0, {})
    assert (load.accepted, load.refused) == (12, 12)  # every run once, every rival refused


def test_behind_a_proxy_the_limit_counts_the_clients_address(proxied: Server) -> None:
    with Accounts(proxied.accounts) as accounts:
        accounts.add_user("frank", "frank's password", [])

    def attempt(user: str, password: str, address: str) -> int:
        forwarded = {"X-Forwarded-For": address}
        page = proxied.request("GET", "/login", headers=forwarded)
        nonce = page.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
        return proxied.request("POST", "/login", headers=forwarded,
                               form={"user": user, "password": password, "nonce": nonce},
                               cookies={"mission-login": cookie_from(page, "mission-login")}
                               ).status

    # an address one failure short of its limit (written to the real accounts file) ...
    with Accounts(proxied.accounts) as accounts:
        for _ in range(MAX_ADDRESS_FAILURES - 1):
            accounts.record_failure(["ip:198.51.100.7"])
    # ... reaches it with one more failed sign-in forwarded from there, whatever the name
    assert attempt("somebody", "wrong", "198.51.100.7") == 401
    assert attempt("frank", "frank's password", "198.51.100.7") == 429
    # while someone else behind the same proxy still signs in
    assert attempt("frank", "frank's password", "203.0.113.9") == 303
