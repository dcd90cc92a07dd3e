"""Canonical JSON and the hash used everywhere (receipts, content hashes).

Canonical form: `json.dumps(obj, sort_keys=True, separators=(",", ":"))`
(non-ASCII escaped as `\\uXXXX`, so the bytes are ASCII) encoded as UTF-8,
then sha256 in hex. This is the seed's form, byte for byte, for plain JSON.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_json(value: Any) -> str:
    return _ENCODER.encode(value)


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(_ENCODER.encode(value).encode("utf-8")).hexdigest()
