"""The baseline of the small-state engine row: `examples/counter.mission` written by hand.

It adds to the counter, extends the tag list, removes the draft tag, checks the
counter moved, and takes one sha256 over the canonical JSON of the final state
(what the engine's receipt proves, at its smallest); nothing else: no envelope
checks, no receipts, no copies (the input is not changed).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["counter"]


def counter(state: dict[str, Any], by: int = 1) -> tuple[dict[str, Any], str]:
    """The final state of `counter` and the sha256 of its canonical JSON."""
    count = state.get("count", 0) + by
    tags = [tag for tag in [*state.get("tags", ["draft"]), "counted", "checked"]
            if tag != "draft"]
    if not count >= by:
        raise ValueError("the counter did not move")
    final = {**state, "count": count, "tags": tags}
    text = json.dumps(final, sort_keys=True, separators=(",", ":"))
    return final, hashlib.sha256(text.encode("utf-8")).hexdigest()
