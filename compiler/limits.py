"""The compiler's limits: bounds on what it reads, so hostile text costs bounded stack,
time and memory. Set in `[tool.mission.limits]` (see `docs/security.md`):

- `max-file-size`: bytes of UTF-8 text; a larger file is not parsed at all;
- `max-depth`: how deeply one expression nests (each list, map, `not` and
  operator is a level);
- `max-string-length`: characters in one string literal or name;
- `max-arguments`: arguments in one call.

Going over one is the error E023 (`limit-exceeded`), found by
`compiler.bounds`. This module imports only `runtime.bounds` (which imports
nothing), so reading the configuration stays cheap.
"""

from __future__ import annotations

from runtime.bounds import MAX_EXPRESSION_DEPTH, MAX_PATH_PARTS
from runtime.frozen import Frozen, set_field

__all__ = ["CODE", "DEFAULT_LIMITS", "DEPTH_CEILING", "KEYS", "PATH_CEILING", "Limits"]

CODE = "E023"
# The same bounds as the engine's and the run store's (`runtime.bounds`), so what the
# compiler accepts runs and is stored: the levels of one expression (the most `max-depth`
# may be), and the parts of one `state.`/`param.` path.
DEPTH_CEILING = MAX_EXPRESSION_DEPTH
PATH_CEILING = MAX_PATH_PARTS


class Limits(Frozen):
    __slots__ = ("max_arguments", "max_depth", "max_file_size", "max_string_length")
    max_file_size: int  # bytes of UTF-8 text
    max_depth: int  # levels of lists, maps, `not` and operators in one expression
    max_string_length: int  # characters in one string literal or name
    max_arguments: int  # arguments in one call

    def __init__(
        self,
        max_file_size: int = 4 * 1024 * 1024,
        max_depth: int = 32,
        max_string_length: int = 65_536,
        max_arguments: int = 32,
    ) -> None:
        set_field(self, "max_file_size", max_file_size)
        set_field(self, "max_depth", max_depth)
        set_field(self, "max_string_length", max_string_length)
        set_field(self, "max_arguments", max_arguments)


DEFAULT_LIMITS = Limits()

# The keys of `[tool.mission.limits]`: (field of `Limits`, the largest value allowed).
KEYS: dict[str, tuple[str, int | None]] = {
    "max-file-size": ("max_file_size", None),
    "max-depth": ("max_depth", DEPTH_CEILING),
    "max-string-length": ("max_string_length", None),
    "max-arguments": ("max_arguments", None),
}
