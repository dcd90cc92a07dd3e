"""The compiler's limits: bounds on what it reads, so hostile text costs bounded stack,
time and memory. Set in `[tool.mission.limits]` (see `docs/security.md`):

- `max-file-size`: bytes of UTF-8 text; a larger file is not parsed at all;
- `max-depth`: how deeply one expression nests (each list, map, `not` and
  operator is a level);
- `max-string-length`: characters in one string literal or name;
- `max-arguments`: arguments in one call.

Going over one is the error E023 (`limit-exceeded`), found by
`compiler.bounds`. This module imports nothing, so reading the configuration
stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CODE", "DEFAULT_LIMITS", "DEPTH_CEILING", "KEYS", "PATH_CEILING", "Limits"]

CODE = "E023"
# The compiled form of an expression takes two JSON levels per level of the source
# (`{"list": [...]}`, `{"op": ..., "args": [...]}`) and the engine refuses data nested
# more than 100 levels, so a deeper expression could compile and then never run.
DEPTH_CEILING = 48
# Parts of one `state.`/`param.` path. Writing a path nests the state one level per part, on
# top of the value's own nesting (at most DEPTH_CEILING), and the engine and the run store
# refuse data nested over 100 levels: 16 + 48 plus the record's own levels stays under it.
PATH_CEILING = 16


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_size: int = 4 * 1024 * 1024  # bytes of UTF-8 text
    max_depth: int = 32  # levels of lists, maps, `not` and operators in one expression
    max_string_length: int = 65_536  # characters in one string literal or name
    max_arguments: int = 32  # arguments in one call


DEFAULT_LIMITS = Limits()

# The keys of `[tool.mission.limits]`: (field of `Limits`, the largest value allowed).
KEYS: dict[str, tuple[str, int | None]] = {
    "max-file-size": ("max_file_size", None),
    "max-depth": ("max_depth", DEPTH_CEILING),
    "max-string-length": ("max_string_length", None),
    "max-arguments": ("max_arguments", None),
}
