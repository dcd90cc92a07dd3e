"""What a slow or greedy client may hold of `mission serve`: read deadlines, a bound on open
connections, and an error log that cannot be flooded (issue 20, item 5).

uvicorn reads a request's headers without a deadline: a client that opens connections and
never finishes its headers (slowloris) holds each one for ever, until the process runs
out of file descriptors; then every `accept()` fails, and the event loop logs the failure,
with its traceback, again and again. `guarded_protocol` gives uvicorn's HTTP protocol:

- a deadline for the headers of each request (`timeout` seconds from the first byte, or
  from the connection): past it the connection gets 408 and is closed (the body has its
  own deadline in the application, `app._body`);
- a bound on open connections (an eighth of the file descriptors the process may open,
  at most `MAX_CONNECTIONS`): a new connection beyond it closes the oldest connection still
  waiting for its headers (it is the slowest), or is refused itself when every connection
  is busy with a request, so a client that sends a whole request is served. The listening
  socket's backlog is the same number, since the event loop accepts up to a backlog of
  connections at once before any of them is looked at: so the server never runs out of
  file descriptors.

`Repeated` is a logging filter that lets one message through per `QUIET` seconds, then
says how many like it were left out.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 512
QUIET = 10.0  # seconds between two log lines of the same message
_TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n"
              b"Content-Type: text/plain\r\n\r\n")


def connection_limit() -> int:
    """Open connections allowed: an eighth of this process's file descriptors, at most
    `MAX_CONNECTIONS`. As many again may be accepted at once (the backlog), as many again
    be closing, and the rest are for the stores, the templates, the effects' pipes."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft // 8))


def guarded_protocol(timeout: float, limit: int) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a header deadline of `timeout` seconds and at most
    `limit` open connections (the module docstring)."""
    waiting: dict[Guarded, None] = {}  # connections waiting for headers, oldest first

    class Guarded(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._deadline: asyncio.TimerHandle | None = None
            self._refused = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            if len(self.connections) >= limit:
                oldest = next(iter(waiting), None)
                if oldest is None:  # every connection is serving a request: refuse this one
                    self._refused = True
                    transport.abort()
                    return
                oldest._expire()
            super().connection_made(transport)
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_watching()
            if not self._refused:
                super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch()

        def _watch(self) -> None:
            """Between requests, the headers of the next one have `timeout` seconds."""
            if self.transport.is_closing():
                self._stop_watching()
            elif self.cycle is None or self.cycle.response_complete:
                if self._deadline is None:
                    self._deadline = self.loop.call_later(timeout, self._expire)
                    waiting[self] = None
            else:
                self._stop_watching()

        def _stop_watching(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            waiting.pop(self, None)

        def _expire(self) -> None:
            self._stop_watching()
            if not self.transport.is_closing():
                self.transport.write(_TIMED_OUT)
                self.transport.close()

    return Guarded


class Repeated(logging.Filter):
    """Lets a message through at most once per `QUIET` seconds; the next one that passes
    says how many like it were left out (an accept loop failing at once, for example).
    The event loop's own errors about the machine's resources (an `OSError` such as "Too
    many open files") are written on one line, without their traceback."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self.last: dict[str, tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = f"{record.name}:{record.levelno}:{record.msg}"
        now = time.monotonic()
        seen, left_out = self.last.get(key, (float("-inf"), 0))
        if now - seen < QUIET:
            self.last[key] = (seen, left_out + 1)
            return False
        self.last[key] = (now, 0)
        if record.name == "asyncio" and record.exc_info and isinstance(record.exc_info[1],
                                                                      OSError):
            record.msg = f"{record.msg}: {record.exc_info[1]}".replace("\n", " ")
            record.exc_info = None
            record.exc_text = None
        if left_out:
            record.msg = f"{record.msg} (and {left_out} more like it in {QUIET:g} s)"
        if len(self.last) > 1000:
            self.last.clear()
        return True
