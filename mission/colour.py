"""Whether what mission prints to a stream is coloured."""

from __future__ import annotations

import os


def use_colour(stream: object, choice: str = "auto") -> bool:
    """Colour when asked (`always`), or on a terminal unless NO_COLOR is set: an explicit
    choice on the command line wins over the environment, as no-color.org asks."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())
