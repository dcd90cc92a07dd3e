"""The light start of `mission lsp`: the first diagnostics before pygls is imported.

Importing pygls and lsprotocol costs several cold `mission check`s (see
docs/performance.md, "The language server's start"). So the server first reads
the client's messages itself (JSON-RPC framed by `Content-Length`):
`initialize` is answered with the response a previous full start gave to the
same client capabilities (kept in the private per-user cache), `initialized`
is noted, and the first `textDocument/didOpen` is compiled and its diagnostics
published as the pygls server would publish them (`mission.lsp.plain`). Then
pygls starts on a stream that replays every byte read so far, so its state is
exactly as if it had read them itself; its own answer to `initialize` and its
first, identical, publication of the same diagnostics are dropped on the way
out, so that no message is answered or sent twice.

Anything else (no cached answer, another message, a `file:` URI missing, a
broken configuration, malformed framing) hands over to pygls at once with
nothing answered but `initialize`; `exit` ends the process at once (status 1:
no `shutdown` was answered). The first start for given client capabilities
takes the full path and records pygls's answer for the next one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import grammar

# Bump when the cached file's layout changes.
FORMAT = 1
# How long to wait, after `initialized`, for the first `didOpen` before starting pygls
# anyway (an editor opened without a file): pygls then sends what it sends on
# `initialized` (the watched-files registration) without waiting any longer.
FIRST_OPEN_WAIT = 0.5
_MAX_HEADER = 1 << 12
_CONTENT_TYPE = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"

Message = dict[str, Any]


class Input:
    """Standard input read with `os.read`: whole messages for the light phase, and every
    byte read kept, so that pygls can read them again (`replay`)."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.data = bytearray()  # every byte read, from the first
        self.position = 0  # where the light phase's next message starts
        self.ended = False

    def _fill(self, timeout: float | None = None) -> bool:
        """Read more; False at the end of input or when `timeout` passed first."""
        if self.ended:
            return False
        if timeout is not None:
            try:
                ready, _, _ = select.select([self.descriptor], [], [], timeout)
            except (OSError, ValueError):  # no select on this input (a pipe on Windows)
                ready = [self.descriptor]  # then wait for the next message, however long
            if not ready:
                return False
        chunk = os.read(self.descriptor, 1 << 16)
        if not chunk:
            self.ended = True
            return False
        self.data += chunk
        return True

    def message(self, timeout: float | None = None) -> Message | None:
        """The next message; None at the end of input, after `timeout`, or when the bytes
        are not a well-formed JSON-RPC message (pygls then reads them and says so)."""
        while (end := self.data.find(b"\r\n\r\n", self.position)) == -1:
            if len(self.data) - self.position > _MAX_HEADER or not self._fill(timeout):
                return None
        length = None
        for line in bytes(self.data[self.position:end]).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value) if value.strip().isdigit() else None
        if length is None:
            return None
        while len(self.data) < end + 4 + length:
            if not self._fill(timeout):
                return None
        body = bytes(self.data[end + 4:end + 4 + length])
        try:
            found = json.loads(body)
        except ValueError:
            return None
        if not isinstance(found, dict):
            return None
        self.position = end + 4 + length
        return found

    def replay(self) -> Replay:
        return Replay(self)


class Replay:
    """A binary stream for pygls: the bytes the light phase read, then the rest of input."""

    def __init__(self, source: Input) -> None:
        self.source = source
        self.position = 0

    def _available(self, wanted: Callable[[], bool]) -> None:
        while not wanted() and self.source._fill():
            pass

    def readline(self) -> bytes:
        data = self.source.data
        self._available(lambda: data.find(b"\n", self.position) != -1)
        end = data.find(b"\n", self.position)
        end = len(data) if end == -1 else end + 1
        line = bytes(data[self.position:end])
        self.position = end
        self._forget()
        return line

    def read(self, size: int) -> bytes:
        data = self.source.data
        self._available(lambda: len(data) - self.position >= size)
        found = bytes(data[self.position:self.position + size])
        self.position += len(found)
        self._forget()
        return found

    def _forget(self) -> None:
        """Drop what was read, so that a long session does not keep its whole input."""
        if self.position > 1 << 16:
            del self.source.data[:self.position]
            self.position = 0


def frame(message: Message) -> bytes:
    """One message as pygls writes it (`json.dumps` defaults, the same two headers)."""
    body = json.dumps(message).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n".encode("ascii") + _CONTENT_TYPE + b"\r\n" + body


def _installed(package: str) -> list[str]:
    """Where `package` is and its version (its `.dist-info` name), found without importing
    it (importlib.metadata alone costs half a cold check)."""
    from importlib.util import find_spec

    spec = find_spec(package)
    if spec is None or spec.origin is None:
        return []
    origin = Path(spec.origin)
    try:
        stamp = origin.stat().st_mtime_ns
        found = sorted(entry for entry in os.listdir(origin.parent.parent)
                       if entry.startswith(f"{package}-") and entry.endswith(".dist-info"))
    except OSError:
        return []
    return [str(origin), str(stamp), *found]


def capabilities_key(params: Any) -> str:
    """What pygls's answer to `initialize` depends on: the versions of mission, pygls and
    lsprotocol, and the client's capabilities and initialization options."""
    from mission.lsp.plain import SERVER_VERSION

    given = params if isinstance(params, dict) else {}
    material = {"format": FORMAT, "mission": [grammar.PACKAGE_VERSION, SERVER_VERSION],
                "pygls": _installed("pygls"), "lsprotocol": _installed("lsprotocol"),
                "capabilities": given.get("capabilities"),
                "initializationOptions": given.get("initializationOptions")}
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cache_file(key: str) -> Path:
    return grammar.cache_directory() / f"lsp-initialize-{key[:24]}.json"


def read_answer(key: str) -> Message | None:
    """pygls's recorded answer to `initialize` for `key`, if the file is ours, private,
    intact, for this very key and of the expected shape; None otherwise."""
    path = cache_file(key)
    if not grammar.private_directory(path.parent):
        return None
    found = grammar.read_sealed_map(path, FORMAT)
    if found is None or found.get("key") != key:
        return None
    response = found.get("response")
    if not isinstance(response, dict) or response.get("jsonrpc") != "2.0" \
            or "id" not in response or "method" in response or "error" in response:
        return None
    result = response.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("capabilities"), dict):
        return None
    return response


def save_answer(key: str, response: Message) -> None:
    """Record pygls's answer (its key order kept: it is sent again byte for byte)."""
    path = cache_file(key)
    if not grammar.private_directory(path.parent):
        return
    payload = json.dumps({"key": key, "response": response}).encode("utf-8")
    with contextlib.suppress(OSError):  # an unwritable cache only costs the next start
        grammar.write_sealed(path, payload, FORMAT, ".lsp-initialize-")


class Output:
    """pygls's standard output, filtered: its answer to the `initialize` the light phase
    answered already is dropped (and recorded when it differs, or when there was none),
    and so is its first publication for the document the light phase published, when
    identical (a different one, newer, goes through)."""

    def __init__(self, stream: BinaryIO, key: str, initialize_id: int | str | None,
                 answered: Message | None, published: Message | None) -> None:
        self.stream = stream
        self.key = key
        self.initialize_id = initialize_id
        self.answered = answered  # the response the light phase sent, if it did
        self.published = published  # the params it published, if it did
        self.waiting_answer = initialize_id is not None

    def write(self, data: bytes) -> None:
        if self.waiting_answer or self.published is not None:  # then every byte goes out
            message = self._message(data)
            if message is not None and self._drop(message):
                return
        self.stream.write(data)
        self.stream.flush()

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()

    @staticmethod
    def _message(data: bytes) -> Message | None:
        _, separator, body = data.partition(b"\r\n\r\n")
        try:
            found = json.loads(body) if separator else None
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    def _drop(self, message: Message) -> bool:
        if self.waiting_answer and "method" not in message \
                and message.get("id") == self.initialize_id:
            self.waiting_answer = False
            if message != self.answered and "result" in message:
                save_answer(self.key, message)
            return self.answered is not None
        if self.published is not None \
                and message.get("method") == "textDocument/publishDiagnostics" \
                and isinstance(message.get("params"), dict) \
                and message["params"].get("uri") == self.published["uri"]:
            identical = bool(message["params"] == self.published)
            self.published = None
            return identical
        return False


def _first_diagnostics(opened: Message, answer: Message) -> Message | None:
    """The params to publish for the first `didOpen`, as the pygls server would; None when
    only the full server can say (not a `file:` URI, a broken configuration)."""
    from compiler import compile_source
    from compiler.config import DEFAULT, ConfigError, find_config, load_config
    from mission.lsp.plain import path_of, publish_params
    from mission.lsp.positions import UTF16, LineIndex

    document = opened.get("params", {}).get("textDocument") \
        if isinstance(opened.get("params"), dict) else None
    if not isinstance(document, dict):
        return None
    uri, text, version = document.get("uri"), document.get("text"), document.get("version")
    if not (isinstance(uri, str) and uri.startswith("file:") and isinstance(text, str)
            and (version is None or type(version) is int)):
        return None
    path = path_of(uri)
    try:
        found = find_config(Path(path).parent)
        config = DEFAULT if found is None else load_config(found)
    except (ConfigError, OSError):
        return None
    encoding = answer["result"]["capabilities"].get("positionEncoding", UTF16)
    if not isinstance(encoding, str):
        return None
    result = compile_source(text, path, config=config)
    return publish_params(uri, LineIndex(text, encoding), list(result.diagnostics), version)


def _exits(message: Message | None) -> bool:
    return message is not None and message.get("method") == "exit" and "id" not in message


def serve(start_pygls: Callable[[Replay, Output], None]) -> None:
    """Run the light phase on standard input/output, then `start_pygls` with the stream to
    read and the filtered output to write."""
    source = Input(sys.stdin.fileno())
    out = sys.stdout.buffer
    first = source.message()
    if first is None and source.ended and source.position == len(source.data):
        return  # the client closed without a word
    request_id = first.get("id") if first is not None else None
    if first is None or first.get("method") != "initialize" \
            or not isinstance(request_id, int | str):
        start_pygls(source.replay(), Output(out, "", None, None, None))
        return
    key = capabilities_key(first.get("params"))
    answer = read_answer(key)
    if answer is None:  # the first start for this client: the full path, recorded
        start_pygls(source.replay(), Output(out, key, request_id, None, None))
        return
    answer = {name: (request_id if name == "id" else value) for name, value in answer.items()}
    out.write(frame(answer))
    out.flush()
    published = None
    second = source.message()
    if _exits(second):
        os._exit(1)
    if second is not None and second.get("method") == "initialized":
        third = source.message(timeout=FIRST_OPEN_WAIT)
        if _exits(third):
            os._exit(1)
        if third is not None and third.get("method") == "textDocument/didOpen":
            published = _first_diagnostics(third, answer)
            if published is not None:
                out.write(frame({"params": published,
                                 "method": "textDocument/publishDiagnostics",
                                 "jsonrpc": "2.0"}))
                out.flush()
    start_pygls(source.replay(), Output(out, key, request_id, answer, published))
