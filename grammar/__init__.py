"""The `.mission` grammar and a lazily built, cached Lark LALR parser.

`lark` is imported only inside `build_parser`, so importing this package costs
nothing. The built parse tables are cached in a private per-user directory
(`$XDG_CACHE_HOME/mission/<package version>/`, mode 0700) and written
atomically, as JSON (never pickle: nothing in the cache is run); a cache file
that is not ours, is writable by others, is a symlink, or is damaged (its
sha256 does not match) is ignored and rebuilt.

Why a cache: a text that parses never needs Lark (`compiler.fastparse`), but a
text with a syntax error does: Lark's parser explains and recovers from the
error. Building it costs about 290 ms of CPU, so a cold `mission check` of a
file with a syntax error took 284 ms of CPU with the parser cached and 575 ms
without (2026-12-06, against 131 ms for `yamllint`; docs/performance.md,
"Scenario 2"): the case of a user fixing a file, a check after each save.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lark import Lark, Token

__all__ = ["GRAMMAR_TEXT", "build_parser", "cache_directory", "grammar_text", "private_directory",
           "read_cache", "read_sealed", "trusted_file", "write_cache", "write_sealed"]

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

    import lark

    callbacks = dict(lexer_callbacks or {})
    key = hashlib.sha256(f"{CACHE_FORMAT}\0{lark.__version__}\0{GRAMMAR_TEXT}".encode())
    directory = cache_directory()
    cache_file = directory / f"parser-{key.hexdigest()[:24]}.json"
    usable = use_cache and private_directory(directory)
    cached = read_cache(cache_file) if usable else None
    if cached is not None:
        try:
            loaded: Lark = lark.Lark.__new__(lark.Lark)  # `_load` takes the dict as it is
            return loaded._load(cached, transformer=transformer, lexer_callbacks=callbacks)
        except Exception:  # tables that do not load are rebuilt, never fatal
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
        from lark.grammar import Rule
        from lark.lexer import TerminalDef

        data, memo = parser.memo_serialize([TerminalDef, Rule])
        data["options"] = {name: value for name, value in data["options"].items()
                           if name not in ("transformer", "lexer_callbacks")}
        with contextlib.suppress(OSError, TypeError, ValueError):  # the next run rebuilds it
            write_cache(cache_file, {"data": data, "memo": memo})
    return parser


# -- the parser cache: plain data, never code -----------------------------------------------
#
# Lark's own `save`/`load` use pickle, which runs code named in the file. The cache
# holds Lark's serialized tables as JSON instead: a tuple is written {"t": [...]}, a map
# {"d": [[key, value], ...]} (its keys may be numbers), everything else as itself.

CACHE_FORMAT = 2


def write_sealed(path: Path, payload: bytes, version: int, prefix: str) -> None:
    """Write atomically: a header line with the format version and the payload's sha256,
    then the payload (read back by `read_sealed`)."""
    import hashlib
    import json
    import tempfile

    header = json.dumps({"format": version, "sha256": hashlib.sha256(payload).hexdigest()})
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(header.encode("ascii") + b"\n" + payload)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_sealed(path: Path, version: int) -> bytes | None:
    """The payload of a `write_sealed` file, or None unless it is ours, private, of this
    format version and intact."""
    import hashlib
    import json

    if not trusted_file(path):
        return None
    try:
        header_bytes, _, payload = path.read_bytes().partition(b"\n")
        header = json.loads(header_bytes)
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("format") != version \
            or hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        return None
    return payload


def read_sealed_map(path: Path, version: int) -> dict[str, Any] | None:
    """The JSON object in a `write_sealed` file, or None (see `read_sealed`; also when the
    payload is not a JSON object)."""
    import json

    payload = read_sealed(path, version)
    if payload is None:
        return None
    try:
        found = json.loads(payload)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def write_cache(path: Path, value: Any) -> None:
    """Write Lark's serialized parser as sealed JSON."""
    import json

    payload = json.dumps(_encode(value), separators=(",", ":")).encode("utf-8")
    write_sealed(path, payload, CACHE_FORMAT, ".parser-")


def read_cache(path: Path) -> Any:
    """The value in `path`, or None unless the file is ours, private and intact."""
    import json

    payload = read_sealed(path, CACHE_FORMAT)
    if payload is None:
        return None
    try:
        value = _decode(json.loads(payload))
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return value if isinstance(value, dict) and {"data", "memo"} <= set(value) else None


def _encode(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"t": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {"d": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"{type(value).__name__} in the parser tables")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        (tag, items), = value.items()
        if tag == "t":
            return tuple(_decode(item) for item in items)
        if tag == "d":
            return {_decode(key): _decode(item) for key, item in items}
        raise ValueError(f"unknown tag {tag!r}")
    return value
