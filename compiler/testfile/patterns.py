"""The pattern of `expect failed "..."` and `expect refused "..."`: a regular expression
searched for in the message, as pytest's `match=`.

Compiled without Python's `FutureWarning` about sets whose meaning may change (`[[`, `--`):
the person wrote the pattern in a test file, and a warning printed from inside `mission`,
with our file and line, would tell them nothing they can act on there.
"""

from __future__ import annotations

import re
import warnings


def message_pattern(text: str) -> re.Pattern[str]:
    """`text` compiled (`re.error` when it is not a regular expression)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(text)
