"""`.gitignore` rules, as git applies them, for walking a tree of missions.

Supported: comments, blank lines, `!` negation, and the patterns of
`compiler.globs` (a trailing `/` for directories only, anchoring, `*`, `?`,
`[...]`, `**`, `\\` escapes and escaped trailing spaces). Deeper `.gitignore` files override
shallower ones; within a file the last matching line wins. `.git/info/exclude`
counts as a `.gitignore` at the top of the repository.

Written here rather than imported (pathspec) to keep `mission check` start-up
fast: this module is small and only compiles the patterns it is given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compiler.globs import Glob, compile_glob


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    """The rules of one ignore file; paths are matched relative to `base`."""

    base: Path
    rules: tuple[Glob, ...]

    def verdict(self, relative: str, is_directory: bool) -> bool | None:
        """True (ignored), False (re-included by `!`) or None (no rule matches)."""
        for rule in reversed(self.rules):
            if rule.matches(relative, is_directory):
                return not rule.negated
        return None


def load(path: Path, base: Path) -> IgnoreFile | None:
    from runtime.bounds import MAX_CONFIG_FILE_BYTES
    from runtime.reading import TooLarge, read_limited

    try:
        lines = read_limited(path, MAX_CONFIG_FILE_BYTES).decode("utf-8", "replace").splitlines()
    except (OSError, TooLarge):
        return None
    rules = tuple(rule for rule in map(compile_glob, lines) if rule is not None)
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
