"""The check cache: an unchanged file is not parsed again (like ruff's cache).

One JSON file per (compiler, configuration, working directory) in the
private per-user cache directory (`$XDG_CACHE_HOME/mission/<version>/check/`,
mode 0700, the same base as the parser cache). For each file, by absolute
path, it keeps the file's stamp (size, modification time, inode, status-change
time, when it was read, content sha256), its findings when it has any, and their rendered text.

A file is a hit when its size, modification time, inode and status-change
time (ctime) are unchanged (one `stat`, the file is not read), or else when
its content hash is unchanged. The ctime is what catches an in-place edit
that keeps the size and puts the modification time back (`os.utime`, `touch
-d`): nobody can set the ctime back, as git's index knows. Like git's index,
an entry whose file was modified or changed within `RACY_SECONDS` of being
read (either stamp) is trusted by content only, so an edit that keeps the
size within the same clock tick is still seen. Any change to the
compiler's sources, the grammar, the operation table, the configuration or
the Python version gives another cache file. A damaged, foreign or
world-writable cache file is ignored. The cache holds data only (JSON):
nothing in it is executed.

A warm `mission check` of a large tree is mostly this module: stamps are
kept as one string each (parsing 10,000 small JSON objects of large integers
took 30 ms, strings 3 ms), and nothing from the rest of the compiler is
imported until a file misses or a finding must be rendered anew.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic

RACY_SECONDS = 2
CACHE_FORMAT = 3
_FINGERPRINTED = ("compiler", "grammar", "runtime/orchestration")


@dataclass(frozen=True, slots=True)
class Stamp:
    """What identifies one version of a file."""

    size: int
    mtime_ns: int
    sha256: str
    read_ns: int  # when the content was read (for the racy check)
    inode: int = 0
    ctime_ns: int = 0

    def text(self) -> str:
        return (f"{self.size} {self.mtime_ns} {self.inode} {self.ctime_ns} {self.read_ns} "
                f"{self.sha256}")


def compiler_fingerprint(root: Path | None = None) -> str:
    """A hash of the package version, the Python version (rendering measures characters
    with `unicodedata`) and the stamp (path, size, modification time) of every source
    file the findings depend on: the test Python itself uses to trust its bytecode,
    at 70 `stat`s instead of reading 400 KB."""
    import hashlib

    from grammar import PACKAGE_VERSION

    base = root or Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{PACKAGE_VERSION}\0{sys.version}".encode())
    for folder in _FINGERPRINTED:
        for path, info in _sources(os.path.join(base, folder)):
            relative = os.path.relpath(path, base).replace(os.sep, "/")
            digest.update(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _sources(directory: str) -> list[tuple[str, os.stat_result]]:
    """The `.py` and `.lark` files under `directory`, sorted, with their stat."""
    found: list[tuple[str, os.stat_result]] = []
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                found += _sources(entry.path)
        elif entry.name.endswith((".py", ".lark")):
            found.append((entry.path, entry.stat()))
    return found


def cache_directory() -> Path:
    from grammar import cache_directory as base

    return base() / "check"


class CheckCache:
    """Findings by file, loaded once and saved once per `mission check`."""

    def __init__(self, directory: Path, key: str) -> None:
        self.file = directory / f"check-{key[:32]}.json"
        self.directory = directory
        self.stamps: dict[str, str] = {}  # absolute path -> `Stamp.text()`
        self.findings: dict[str, list[dict[str, Any]]] = {}  # absolute path -> `to_data`s
        self.rendered: dict[str, list[str]] = {}  # absolute path -> [path as shown, text]
        self.changed = False
        self._load()

    @classmethod
    def open(cls, config_fingerprint: str, directory: Path | None = None) -> CheckCache:
        import hashlib

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
                and all(isinstance(data.get(part), dict)
                        for part in ("files", "findings", "rendered")):
            self.stamps, self.findings, self.rendered = \
                data["files"], data["findings"], data["rendered"]

    def hit(self, absolute: str) -> list[dict[str, Any]] | None:
        """The findings (as data) of a file whose size, modification time, inode and ctime match
        a trusted entry, without reading it; None on a miss. `absolute` must be
        `os.path.abspath` of the file (the walk has it at hand). The hot path of a warm
        run: the stamp's text is compared, not parsed."""
        text = self.stamps.get(absolute)
        if text is None:
            return None
        try:
            info = os.stat(absolute)
        except OSError:
            return None
        if not _unchanged(text, info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns):
            return None
        findings = self.findings.get(absolute, [])
        if not isinstance(findings, list) or not all(isinstance(item, dict) and
                                                     isinstance(item.get("severity"), str)
                                                     for item in findings):
            return None  # damaged: checked again
        return findings

    def by_stat(self, path: str, size: int, mtime_ns: int, inode: int,
                ctime_ns: int) -> tuple[Stamp, list[Diagnostic]] | None:
        """`hit`, given the stat, with the stamp and the findings as diagnostics."""
        absolute = os.path.abspath(path)
        text = self.stamps.get(absolute)
        stamp = self._stamp(absolute)
        if text is None or stamp is None or not _unchanged(text, size, mtime_ns, inode,
                                                            ctime_ns):
            return None
        return stamp, self._findings(absolute)

    def by_content(self, path: str, sha256: str) -> list[Diagnostic] | None:
        absolute = os.path.abspath(path)
        stamp = self._stamp(absolute)
        if stamp is None or stamp.sha256 != sha256:
            return None
        return self._findings(absolute)

    def _stamp(self, absolute: str) -> Stamp | None:
        text = self.stamps.get(absolute)
        if not isinstance(text, str):
            return None
        try:
            size, mtime_ns, inode, ctime_ns, read_ns, sha256 = text.split(" ")
            return Stamp(int(size), int(mtime_ns), sha256, int(read_ns), int(inode),
                         int(ctime_ns))
        except ValueError:
            return None

    def _findings(self, absolute: str) -> list[Diagnostic]:
        from compiler.diagnostics import from_data

        try:
            return [from_data(item) for item in self.findings.get(absolute, [])]
        except (KeyError, TypeError, ValueError):
            return []

    def store(self, path: str, stamp: Stamp, diagnostics: list[Diagnostic]) -> None:
        from compiler.diagnostics import to_data

        absolute = os.path.abspath(path)
        self.stamps[absolute] = stamp.text()
        self.findings.pop(absolute, None)
        self.rendered.pop(absolute, None)
        if diagnostics:
            self.findings[absolute] = [to_data(d) for d in diagnostics]
        self.changed = True

    def rendered_text(self, absolute: str, shown: str) -> str | None:
        """The findings of a hit as `mission check` printed them without colour, when the
        file was shown under the same path."""
        kept = self.rendered.get(absolute)
        if isinstance(kept, list) and len(kept) == 2 and kept[0] == shown \
                and isinstance(kept[1], str):
            return kept[1]
        return None

    def keep_rendered(self, absolute: str, shown: str, text: str) -> None:
        if absolute in self.stamps and self.rendered.get(absolute) != [shown, text]:
            self.rendered[absolute] = [shown, text]
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
        payload = json.dumps({"format": CACHE_FORMAT, "files": self.stamps,
                              "findings": self.findings, "rendered": self.rendered},
                             separators=(",", ":"), sort_keys=True)
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".check-")
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(payload)
            os.replace(temporary, self.file)
        except OSError:
            return


def _unchanged(text: object, size: int, mtime_ns: int, inode: int, ctime_ns: int) -> bool:
    """Whether a stamp's text has this size, modification time, inode and ctime, and is not
    racy: both times at least `RACY_SECONDS` before the content was read."""
    if not isinstance(text, str):
        return False
    prefix = f"{size} {mtime_ns} {inode} {ctime_ns} "
    if not text.startswith(prefix):
        return False
    read_ns = text[len(prefix):].partition(" ")[0]
    return read_ns.isdigit() and \
        max(mtime_ns, ctime_ns) + RACY_SECONDS * 1_000_000_000 <= int(read_ns)
