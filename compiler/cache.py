"""The check cache: an unchanged file is not parsed again (like ruff's cache).

One JSON file per (compiler, configuration, working directory) in the
private per-user cache directory (`$XDG_CACHE_HOME/mission/<version>/check/`,
mode 0700, the same base as the parser cache). It maps each file's absolute
path to its size, modification time, content sha256 and findings.

A file is a hit when its size and modification time are unchanged, or else
when its content hash is unchanged. Like git's index, an entry whose file
was modified within `RACY_SECONDS` of being read is trusted by content only,
so an edit that keeps the size within the same clock tick is still seen.
Any change to the compiler's sources, the grammar, the operation table or
the configuration gives another cache file. A damaged, foreign or
world-writable cache file is ignored. The cache holds data only (JSON):
nothing in it is executed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostic, from_data, to_data

RACY_SECONDS = 2
CACHE_FORMAT = 1
_FINGERPRINTED = ("compiler", "grammar", "runtime/orchestration")


@dataclass(frozen=True, slots=True)
class Stamp:
    """What identifies one version of a file."""

    size: int
    mtime_ns: int
    sha256: str
    read_ns: int  # when the content was read (for the racy check)

    @property
    def racy(self) -> bool:
        return self.mtime_ns + RACY_SECONDS * 1_000_000_000 > self.read_ns


def compiler_fingerprint() -> str:
    """A hash of every source file the findings depend on, and the package version."""
    from grammar import PACKAGE_VERSION

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{PACKAGE_VERSION}".encode())
    for folder in _FINGERPRINTED:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_directory() -> Path:
    from grammar import cache_directory as base

    return base() / "check"


class CheckCache:
    """Findings by file, loaded once and saved once per `mission check`."""

    def __init__(self, directory: Path, key: str) -> None:
        self.file = directory / f"check-{key[:32]}.json"
        self.directory = directory
        self.entries: dict[str, dict[str, Any]] = {}
        self.changed = False
        self._load()

    @classmethod
    def open(cls, config_fingerprint: str, directory: Path | None = None) -> CheckCache:
        key = hashlib.sha256(f"{compiler_fingerprint()}\0{config_fingerprint}\0"
                             f"{os.getcwd()}".encode()).hexdigest()
        return cls(directory or cache_directory(), key)

    def _load(self) -> None:
        from grammar import trusted_file

        if not trusted_file(self.file):
            return
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return
        if isinstance(data, dict) and data.get("format") == CACHE_FORMAT \
                and isinstance(data.get("files"), dict):
            self.entries = data["files"]

    def by_stat(self, path: str, size: int, mtime_ns: int) -> tuple[Stamp, list[Diagnostic]] | None:
        """The findings when size and mtime match a trusted entry (no need to read the file)."""
        entry = self.entries.get(os.path.abspath(path))
        if entry is None:
            return None
        stamp = _stamp(entry)
        if stamp is None or stamp.size != size or stamp.mtime_ns != mtime_ns or stamp.racy:
            return None
        return stamp, self._findings(entry)

    def by_content(self, path: str, sha256: str) -> list[Diagnostic] | None:
        entry = self.entries.get(os.path.abspath(path))
        if entry is None or entry.get("sha256") != sha256:
            return None
        return self._findings(entry)

    def _findings(self, entry: dict[str, Any]) -> list[Diagnostic]:
        try:
            return [from_data(item) for item in entry["diagnostics"]]
        except (KeyError, TypeError, ValueError):
            return []

    def store(self, path: str, stamp: Stamp, diagnostics: list[Diagnostic]) -> None:
        self.entries[os.path.abspath(path)] = {
            "size": stamp.size, "mtime_ns": stamp.mtime_ns, "sha256": stamp.sha256,
            "read_ns": stamp.read_ns, "diagnostics": [to_data(d) for d in diagnostics]}
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically; a cache that cannot be written is simply not kept."""
        if not self.changed:
            return
        import tempfile

        from grammar import private_directory

        if not private_directory(self.directory.parent) or \
                not private_directory(self.directory):
            return
        payload = json.dumps({"format": CACHE_FORMAT, "files": self.entries},
                             separators=(",", ":"), sort_keys=True)
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".check-")
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, self.file)
        except OSError:
            return


def _stamp(entry: dict[str, Any]) -> Stamp | None:
    try:
        return Stamp(int(entry["size"]), int(entry["mtime_ns"]), str(entry["sha256"]),
                     int(entry["read_ns"]))
    except (KeyError, TypeError, ValueError):
        return None
