"""Glob patterns with `.gitignore` semantics, shared by the tree walk and `[tool.mission]`.

`*`, `?` and `[...]` match within one path component; `**` matches any
number of components (leading `**/`, trailing `/**`, or `/**/` between);
`\\` escapes. A pattern with a `/` at the start or in the middle is anchored
to the base directory; one without matches at any depth. A trailing `/`
matches directories only. One translator, so that `exclude` and
`per-file-ignores` read patterns exactly as `.gitignore` files do.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Glob:
    """One pattern, compiled; `negated` is a `.gitignore` line's leading `!`."""

    pattern: re.Pattern[str]
    negated: bool
    directories_only: bool

    def matches(self, relative: str, is_directory: bool) -> bool:
        """Whether the `/`-separated path (relative to the base) matches this pattern."""
        if self.directories_only and not is_directory:
            return False
        return self.pattern.fullmatch(relative) is not None

    def covers(self, relative: str) -> bool:
        """Whether the file at `relative` matches, itself or through a directory above it
        (as git ignores everything under an ignored directory)."""
        directory = relative.rpartition("/")[0]
        return self.matches(relative, False) or (directory != ""
                                                 and _covers_directory(self, directory))


@functools.lru_cache(maxsize=4096)
def _covers_directory(glob: Glob, directory: str) -> bool:
    """Whether `glob` matches `directory` or a directory above it: asked once per directory,
    since the files of a tree share them (`exclude` asks about every file of a walk)."""
    parts = directory.split("/")
    return any(glob.matches("/".join(parts[:end]), True) for end in range(1, len(parts) + 1))


def _segment(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            out.append(re.escape(segment[index + 1]))
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = segment.find("]", index + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = segment[index + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def compile_glob(line: str) -> Glob | None:
    """One `.gitignore` line (or one configured pattern) compiled; None for blanks and
    comments."""
    text = line.rstrip("\n").rstrip("\r")
    stripped = text.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(text):
        stripped += " "  # an escaped trailing space is kept
    text = stripped
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    if negated or text.startswith(("\\!", "\\#")):
        text = text[1:]
    directories_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    text = text.lstrip("/")
    segments = text.split("/")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment(segment) + ("" if last else "/"))
    body = "".join(parts)
    if not anchored:
        body = "(?:.*/)?" + body
    return Glob(re.compile(body, re.DOTALL), negated, directories_only)
