"""Which run store a command uses: `--store`, else `$MISSION_STORE`, else the `store` key of
the configuration (`[tool.mission]` / `mission.toml`), else the default SQLite file.

A location is a path or `sqlite:///PATH` (SQLite) or `postgresql://...` (PostgreSQL);
`runtime.store_api.open_store` opens it. Whatever is shown of it goes through
`display`, which masks a password.
"""

from __future__ import annotations

import os

STORE_HELP = ("the run store: a path, sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
              "(default: $MISSION_STORE, the `store` of [tool.mission], else "
              "$XDG_DATA_HOME/mission/runs.sqlite3)")


def chosen_location(given: str | None) -> str:
    """The store location in force for a command given `--store given` (or None)."""
    if given:
        return given
    from_environment = os.environ.get("MISSION_STORE", "")
    if from_environment:
        return from_environment
    from mission.files import read_config

    configured = read_config().store
    if configured:
        return configured
    from runtime.store import default_path

    return str(default_path())


def display(location: str) -> str:
    """`location` fit for a message or a command line: its password masked."""
    from runtime.store_api import mask_url

    return mask_url(location)


def run_id_of(text: str) -> int | None:
    """The run id `text` writes in ASCII digits (`1`, not the Arabic-Indic or full-width
    digit one, which `str.isdecimal` accepts), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    number = int(text)
    return number if number > 0 else None
