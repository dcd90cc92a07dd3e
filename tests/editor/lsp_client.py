"""A minimal LSP client for tests: JSON-RPC with Content-Length framing over a real pipe."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

Message = dict[str, Any]


class LspClient:
    """Starts a server process and speaks LSP to it; server requests get a null result."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue[Message | None] = queue.Queue()
        self.notifications: list[Message] = []
        self.server_requests: list[Message] = []  # answered already, kept to be looked at
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                text = line.decode("ascii").strip()
                if not text:
                    break
                name, _, value = text.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.inbox.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def _next(self, deadline: float) -> Message:
        try:
            message = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("the language server did not answer in time") from None
        if message is None:
            raise AssertionError("the language server closed its output")
        if "method" in message and "id" in message:  # a request from the server
            self.send({"id": message["id"], "result": None})
            self.server_requests.append(message)
        return message

    def request(self, method: str, params: Any, timeout: float = 30) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, message["error"]
                return message.get("result")
            if "method" in message and "id" not in message:
                self.notifications.append(message)

    def notification(self, method: str, timeout: float = 30, **match: Any) -> Message:
        """The first notification `method` whose params contain `match` (waiting if needed)."""
        def fits(message: Message) -> bool:
            return message.get("method") == method and all(
                message["params"].get(key) == value for key, value in match.items())

        for index, message in enumerate(self.notifications):
            if fits(message):
                return self.notifications.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline)
            if fits(message):
                return message
            if "method" in message and "id" not in message:
                self.notifications.append(message)

    def server_request(self, method: str, timeout: float = 30) -> Message:
        """The first request `method` the server sent (waiting if needed); it got a null result."""
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self.server_requests):
                if message["method"] == method:
                    return self.server_requests.pop(index)
            message = self._next(deadline)
            if "method" in message and "id" not in message:
                self.notifications.append(message)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
