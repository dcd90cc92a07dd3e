"""Reading the secrets the configuration names: `env:NAME` or `file:PATH`, when used.

A secret (the SMTP password, the key that signs answer links, a webhook's signing key, a
webhook URL that is itself a secret) is read at the moment it is needed, never cached
in a file, never printed: every message about one names where it is kept, not what it
is. A secret file must be a regular file others cannot read (as ssh asks of a key).
"""

from __future__ import annotations

import os
import stat

from compiler.notify_config import SecretRef
from mission.cli import UsageError

MAX_SECRET_BYTES = 64 * 1024


class SecretError(UsageError):
    """A secret the configuration names cannot be read; the message says where it is kept."""


def read_secret(ref: SecretRef, what: str) -> str:
    """The secret `ref` names (`what` says what it is for, in a message)."""
    if ref.source == "env":
        value = os.environ.get(ref.name, "")
        if not value.strip():
            raise SecretError(f"{what} is kept in the environment variable {ref.name}, which "
                              "is not set (or empty)")
        return value.strip()
    try:
        descriptor = os.open(ref.name, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as problem:
        raise SecretError(f"{what} is kept in {ref.name}, which cannot be read "
                          f"({problem.strerror})") from None
    with os.fdopen(descriptor, "rb") as opened:
        info = os.fstat(opened.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise SecretError(f"{what} is kept in {ref.name}, which is not a regular file")
        if info.st_mode & 0o077:
            raise SecretError(f"{what} is kept in {ref.name}, which others may read (mode "
                              f"{stat.filemode(info.st_mode)}): chmod 600 {ref.name}")
        data = opened.read(MAX_SECRET_BYTES + 1)
    try:
        value = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise SecretError(f"{what} in {ref.name} is not UTF-8 text") from None
    if not value or len(data) > MAX_SECRET_BYTES:
        raise SecretError(f"{what} in {ref.name} is empty or larger than "
                          f"{MAX_SECRET_BYTES} bytes")
    return value
