"""The implementations of this project's own operations (declared in mission.toml)."""

from __future__ import annotations

import os
import re
from pathlib import Path


def slugify(text: str) -> str:
    """Pure: the same text always gives the same slug."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if not slug:
        raise ValueError(f"{text!r} has no letters or digits to make a file name from")
    return slug


def write_note(name: str, text: str) -> dict[str, object]:
    """An effect: writes notes/NAME.md under the current directory (the project root)."""
    directory = Path("notes")
    directory.mkdir(exist_ok=True)
    target = directory / f"{name}.md"
    temporary = target.with_suffix(".tmp")
    data = f"# {text}\n".encode()
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return {"bytes": len(data), "path": target.as_posix()}
