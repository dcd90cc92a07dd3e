"""Where the files a test file names are: its mission, state files and receipts, each
relative to the test file's own directory."""

from __future__ import annotations

import glob
import os


def beside(test_path: str, written: str) -> str:
    """The path of a file a test file at `test_path` names as `written`."""
    if os.path.isabs(written):
        return written
    return os.path.normpath(os.path.join(os.path.dirname(test_path), written))


def receipt_paths(test_path: str, pattern: str) -> list[str]:
    """The `.json` files `pattern` (a path or a glob pattern) matches, sorted."""
    if not pattern.endswith(".json"):
        return []  # only receipts are read (E066)
    joined = beside(test_path, pattern)
    if glob.has_magic(joined):
        return sorted(path for path in glob.glob(joined) if os.path.isfile(path))
    return [joined] if os.path.isfile(joined) else []
