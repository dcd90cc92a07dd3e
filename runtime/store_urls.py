"""Where a run store is: a path or `sqlite:///PATH` (SQLite), `postgresql://...`; and a
location as every message shows it, its password masked.

Below both stores and `store_api.open_store`, which turns a location into a store.
"""

from __future__ import annotations

import re
from pathlib import Path

from runtime.store_errors import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite://"


def is_postgres_url(location: str) -> bool:
    return location.startswith(POSTGRES_SCHEMES)


_PASSWORD = re.compile(r"^(?P<head>[a-z]+://[^/@:]*:)(?P<password>[^/@]*)(?P<tail>@.*)$",
                       re.DOTALL)
_PASSWORD_PARAMETER = re.compile(r"(?i)(password=)[^&\s]*")


def mask_url(location: str) -> str:
    """`location` with any password in it replaced by `***`: the form every message uses."""
    masked = _PASSWORD.sub(r"\g<head>***\g<tail>", location)
    return _PASSWORD_PARAMETER.sub(r"\1***", masked)


def sqlite_path(location: str) -> Path:
    """The file a SQLite location names: a plain path, or `sqlite:///PATH` (absolute:
    `sqlite:////abs/path`, as SQLAlchemy writes it; `sqlite:///rel/path` is relative)."""
    if not location.startswith(SQLITE_SCHEME):
        return Path(location)
    rest = location[len(SQLITE_SCHEME):]
    if not rest.startswith("/") or len(rest) < 2:
        raise StoreError(f"`{location}` is not a SQLite URL: write sqlite:///relative/path "
                         "or sqlite:////absolute/path")
    return Path(rest[1:])
