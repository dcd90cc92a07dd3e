"""`.gitignore` rules, as git applies them, for walking a tree of missions.

Supported: comments, blank lines, `!` negation, a trailing `/` for
directories only, patterns anchored by a `/` at the start or in the middle,
`*`, `?`, `[...]`, `**` (leading, trailing and between slashes), `\\`
escapes and escaped trailing spaces. Deeper `.gitignore` files override
shallower ones; within a file the last matching line wins. `.git/info/exclude`
counts as a `.gitignore` at the top of the repository.

Written here rather than imported (pathspec) to keep `mission check` start-up
fast: this module is small and only compiles the patterns it is given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    negated: bool
    directories_only: bool


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    """The rules of one ignore file; paths are matched relative to `base`."""

    base: Path
    rules: tuple[_Rule, ...]

    def verdict(self, relative: str, is_directory: bool) -> bool | None:
        """True (ignored), False (re-included by `!`) or None (no rule matches)."""
        for rule in reversed(self.rules):
            if rule.directories_only and not is_directory:
                continue
            if rule.pattern.fullmatch(relative):
                return not rule.negated
        return None


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


def compile_line(line: str) -> _Rule | None:
    """One line of a .gitignore as a rule (None for blanks and comments)."""
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
    return _Rule(re.compile(body, re.DOTALL), negated, directories_only)


def load(path: Path, base: Path) -> IgnoreFile | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    rules = tuple(rule for rule in map(compile_line, lines) if rule is not None)
    return IgnoreFile(base, rules) if rules else None


def is_ignored(files: Sequence[IgnoreFile], path: Path, is_directory: bool) -> bool:
    """Whether `path` is ignored by the applicable files (outermost first)."""
    for ignore in reversed(files):
        try:
            relative = path.relative_to(ignore.base).as_posix()
        except ValueError:
            continue
        verdict = ignore.verdict(relative, is_directory)
        if verdict is not None:
            return verdict
    return False


def repository_files(start: Path) -> list[IgnoreFile]:
    """The ignore files that apply above `start`: from the repository's top down to its parent.

    Returns nothing outside a git repository (no `.git` above `start`).
    """
    start = Path(os.path.abspath(start))
    top = next((d for d in (start, *start.parents) if (d / ".git").exists()), None)
    if top is None:
        return []
    found: list[IgnoreFile] = []
    exclude = load(top / ".git" / "info" / "exclude", top)
    if exclude is not None:
        found.append(exclude)
    chain = [start, *start.parents]
    for directory in reversed(chain[1: chain.index(top) + 1]):
        ignore = load(directory / ".gitignore", directory)
        if ignore is not None:
            found.append(ignore)
    return found
