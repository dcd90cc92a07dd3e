"""The `.mission` grammar and a lazily built, cached Lark LALR parser.

`lark` is imported only inside `build_parser`, so importing this package costs
nothing. The built parse tables are cached in a private per-user directory
(`$XDG_CACHE_HOME/mission/<package version>/`, mode 0700) and written
atomically; a cache file that is not ours, is writable by others, or fails to
load is ignored and rebuilt.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Token

__all__ = ["GRAMMAR_TEXT", "build_parser", "cache_directory", "grammar_text", "private_directory",
           "trusted_file"]

PACKAGE_VERSION = "0.1.0"


def grammar_text() -> str:
    # A plain file read: `importlib.resources` costs ~8 ms of start-up to import.
    with open(os.path.join(os.path.dirname(__file__), "mission.lark"), encoding="utf-8") as file:
        return file.read()


GRAMMAR_TEXT = grammar_text()


def cache_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mission" / PACKAGE_VERSION


def private_directory(path: Path) -> bool:
    """Create `path` (0700) if needed; True only if it is ours and private."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError:
        return False
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owned and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def trusted_file(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owned and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def build_parser(
    transformer: Any = None,
    lexer_callbacks: Mapping[str, Callable[[Token], Any]] | None = None,
    *,
    use_cache: bool = True,
) -> Lark:
    """Build the LALR parser, from the private cache when it is sound."""
    import hashlib
    import tempfile

    import lark

    callbacks = dict(lexer_callbacks or {})
    key = hashlib.sha256(f"{lark.__version__}\0{GRAMMAR_TEXT}".encode()).hexdigest()[:24]
    directory = cache_directory()
    cache_file = directory / f"parser-{key}.lark"
    usable = use_cache and private_directory(directory)
    if usable and trusted_file(cache_file):
        try:
            with cache_file.open("rb") as handle:
                cached: Lark = lark.Lark.__new__(lark.Lark)
                return cached._load(handle, transformer=transformer, lexer_callbacks=callbacks)
        except Exception:  # a damaged cache is rebuilt, never fatal
            pass
    parser = lark.Lark(
        GRAMMAR_TEXT,
        parser="lalr",
        lexer="contextual",
        transformer=transformer,
        lexer_callbacks=callbacks,
        maybe_placeholders=True,
    )
    if usable:
        try:
            descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".parser-")
            with os.fdopen(descriptor, "wb") as stream:
                parser.save(stream, exclude_options=("transformer", "lexer_callbacks"))
            os.replace(temporary, cache_file)
        except OSError:
            pass
    return parser
