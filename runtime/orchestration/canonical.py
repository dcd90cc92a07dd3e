"""Canonical JSON and the hash used everywhere (receipts, content hashes).

Canonical form: `json.dumps(obj, sort_keys=True, separators=(",", ":"))`
(non-ASCII escaped as `\\uXXXX`, so the bytes are ASCII) encoded as UTF-8,
then sha256 in hex. This is the seed's form, byte for byte, for plain JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_json(value: Any) -> str:
    return _ENCODER.encode(value)


def canonical_hash(value: Any) -> str:
    return hashlib.sha256(_ENCODER.encode(value).encode("utf-8")).hexdigest()


def _checked_data_encoder() -> Callable[[Any], str]:
    """`canonical_json` for data already checked to be plain JSON (acyclic, shallow): one
    C encoder made once, without the cycle markers that `JSONEncoder.encode` builds again
    on every call (half the cost of hashing a small value)."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return _ENCODER.encode
    encoder = c_make_encoder(None, None, encode_basestring_ascii, None, ":", ",", True, False,
                             False)
    return lambda value: "".join(encoder(value, 0))


data_json = _checked_data_encoder()
json_string: Callable[[str], str] = encode_basestring_ascii  # a string's canonical JSON


def text_hash(text: str) -> str:
    """The hash of canonical JSON text the caller wrote itself (the receipt's lists and maps
    of hex digests): `text_hash(canonical_json(value)) == canonical_hash(value)`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_hash(value: Any) -> str:
    """`canonical_hash` of plain JSON data the caller has checked (the engine's receipt
    values): the same digest, for about half the cost on small values."""
    return hashlib.sha256(data_json(value).encode("utf-8")).hexdigest()


class StateHasher:
    """`canonical_hash` of successive versions of one run's state, encoding again only the
    top-level values that were replaced since the last version.

    A run's state is copy-on-write: a change replaces the values along its path and
    never edits one in place, so a top-level value that is the very same object as
    last time has the same canonical text (the text is kept with the object, so its
    identity cannot be reused). The initial and final states of a run usually share
    their largest values (the task list of `daily_loop`), which are encoded once.
    """

    def __init__(self) -> None:
        self._texts: dict[str, tuple[Any, str]] = {}

    def hash(self, state: Mapping[str, Any]) -> str:
        """The same digest as `canonical_hash(state)` (the keys must be strings)."""
        texts: dict[str, tuple[Any, str]] = {}
        members = []
        for key in sorted(state):
            value = state[key]
            known = self._texts.get(key)
            text = known[1] if known is not None and known[0] is value else data_json(value)
            texts[key] = (value, text)
            members.append(f"{data_json(key)}:{text}")
        self._texts = texts
        return hashlib.sha256(("{" + ",".join(members) + "}").encode("utf-8")).hexdigest()
