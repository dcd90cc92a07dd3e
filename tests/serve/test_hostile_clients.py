"""Clients that try to wear `mission serve` down (issue 20, items 1 and 5): a burst of
sign-ins, and connections that never finish their request. Each test starts its own
server process, since what it measures (a lock-out, the process's peak memory, its file
descriptors) must not mix with other tests."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mission.accounts import MAX_FAILURES
from tests.serve.conftest import add_people
from tests.serve.server import Server, cookie_from


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path).start()
    add_people(server)
    yield server
    server.stop()


def sign_in_forms(server: Server, count: int) -> list[tuple[str, str]]:
    """`count` sign-in forms, fetched first: (nonce, its cookie)."""
    forms = []
    for _ in range(count):
        page = server.request("GET", "/login")
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
        assert nonce is not None
        forms.append((nonce.group(1), cookie_from(page, "mission-login")))
    return forms


def burst(server: Server, attempts: list[tuple[str, str]]) -> list[int]:
    """Every (user, password) posted at the same moment; the statuses, in order."""
    forms = sign_in_forms(server, len(attempts))
    ready = threading.Barrier(len(attempts))

    def post(index: int) -> int:
        user, password = attempts[index]
        nonce, cookie = forms[index]
        ready.wait()
        return server.request("POST", "/login", form={"user": user, "password": password,
                                                      "nonce": nonce},
                              cookies={"mission-login": cookie}).status

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(post, range(len(attempts))))


def peak_memory(pid: int) -> int:
    """The process's peak resident memory so far, in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert kilobytes is not None
    return int(kilobytes.group(1)) * 1024


def test_attempts_sent_at_once_are_counted_before_they_are_checked(fresh: Server) -> None:
    statuses = burst(fresh, [("alice", "wrong password")] * 29)
    assert statuses.count(401) <= MAX_FAILURES, statuses
    assert statuses.count(401) + statuses.count(429) == 29
    assert burst(fresh, [("alice", "correct horse")]) == [429]


def test_password_checks_run_a_few_at_a_time(fresh: Server) -> None:
    """Twenty attempts at once (four names, five each: within every limit) each need a
    32 MiB scrypt; they queue for a few slots instead of taking 640 MiB together."""
    assert fresh.process is not None
    before = peak_memory(fresh.process.pid)
    statuses = burst(fresh, [(f"nobody{index % 4}", "a guess") for index in range(20)])
    assert statuses == [401] * 20
    grown = peak_memory(fresh.process.pid) - before
    assert grown < 300 * 1024 * 1024, f"the burst took {grown // (1024 * 1024)} MiB"


def test_connections_that_never_finish_their_request_do_not_lock_others_out(
        tmp_path: Path) -> None:
    """300 connections that never finish their headers, against a server that may open
    128 files: it keeps serving, answers them 408, and its log stays short."""
    server = Server(tmp_path, options=("--request-timeout", "2"), open_files=128).start()
    slow: list[socket.socket] = []
    try:
        for _ in range(300):
            try:
                connection = socket.create_connection(("127.0.0.1", server.port), timeout=2)
                connection.sendall(b"GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n")
                slow.append(connection)
            except OSError:
                continue  # refused: the server is full of requests being served
        started = time.monotonic()
        assert server.request("GET", "/api/openapi.json").status == 200
        assert time.monotonic() - started < 10
        time.sleep(3)  # past the deadline: every slow one has had its 408
        for connection in slow:
            connection.settimeout(5)
            try:
                answer = connection.recv(1024)
            except OSError:
                answer = b""  # reset: closed by the server
            assert answer in (b"", ) or answer.startswith(b"HTTP/1.1 408"), answer
        body = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        body.sendall(b"POST /api/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                     + server.token.encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{")
        reply = b""
        while b"}}" not in reply:
            chunk = body.recv(4096)
            if not chunk:
                break
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert b"did not arrive within 2 s" in reply
        body.close()
    finally:
        for connection in slow:
            connection.close()
        server.stop()
    log = server.logs[1].read_text(encoding="utf-8", errors="replace")
    assert len(log) < 64 * 1024, f"{len(log)} bytes of log"
    assert "Traceback" not in log and log.count("out of system resource") <= 2


def test_an_error_repeated_at_once_is_logged_once_per_quiet_period() -> None:
    import logging

    from mission.serve.connections import QUIET, Repeated

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger = logging.getLogger("mission.test.repeated")
    logger.propagate = False
    handler = Keep()
    handler.addFilter(Repeated())
    logger.addHandler(handler)
    try:
        for _ in range(1000):
            logger.error("socket.accept() out of system resource")
        logger.error("another problem")
        assert lines == ["socket.accept() out of system resource", "another problem"]
        filtered = handler.filters[0]
        assert isinstance(filtered, Repeated)
        key = next(iter(filtered.last))
        seen, left_out = filtered.last[key]
        filtered.last[key] = (seen - QUIET, left_out)  # the quiet period is over
        logger.error("socket.accept() out of system resource")
        assert lines[-1] == f"socket.accept() out of system resource (and 999 more like it " \
                            f"in {QUIET:g} s)"
    finally:
        logger.removeHandler(handler)
