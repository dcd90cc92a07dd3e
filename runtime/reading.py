"""The one reader of the files a user gives mission: bounded while it reads.

A size taken from `stat` says nothing about `/dev/zero`, a FIFO, `/proc` files or a file
that grows while it is read, so the limit is applied to the bytes as they arrive: at most
`limit + 1` bytes are ever read, then `TooLarge` is raised. Every read of a mission,
a compiled workflow, params, state, answers, a batch, a store export, a configuration
file, a pytest configuration or report, or an effect's reply goes through here
(`docs/security.md`, "Reading files").
"""

from __future__ import annotations

import os
from typing import BinaryIO

__all__ = ["CHUNK", "TooLarge", "describe_problem", "read_limited", "read_stream"]

CHUNK = 64 * 1024


class TooLarge(Exception):
    """More than `limit` bytes: nothing more was read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit:,} bytes")
        self.limit = limit


def read_limited(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the file at `path`, at most `limit` of them (else `TooLarge`); the
    usual `OSError`s for a file that cannot be opened or read."""
    with open(path, "rb") as stream:
        return read_stream(stream, limit)


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    """What is left of `stream` (a file, a pipe, standard input), at most `limit` bytes
    (else `TooLarge`, after reading `limit + 1`)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise TooLarge(limit)
        chunks.append(chunk)


def describe_problem(error: Exception) -> str:
    """Why a file could not be read, in words for a message."""
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start})"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, OSError):
        return f"cannot read it ({error.strerror})"
    return str(error)
