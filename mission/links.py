"""Answer links: signed, expiring, single-use, each bound to one person, run and step.

A message that asks someone to answer carries, for a confirm or a choose question, one
link per answer (`/answer/TOKEN`), and `mission serve` answers it as that person. The
token is the link's content and its signature, made here with the standard library (no
state on the server):

    TOKEN = base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
    payload = canonical JSON {"v": 1, "r": run id, "b": when the run started,
                              "s": step id, "u": user name, "a": the answer,
                              "x": when the link expires (ISO 8601, UTC)}
    key = HMAC-SHA256(link secret, "mission answer link v1")

- **signed**: any change to the payload (another run, person, answer or expiry) or to
  the signature is refused (`LinkRefused`, "altered"), compared in constant time;
- **expiring**: refused after `x` on the server's clock ("expired");
- **bound**: the payload names the run (its id and start, so a link of run 5 of one store
  is no link to run 5 of another), the step and the person: it answers as that person
  only, and only while they may answer that step;
- **single-use**: a person answers a step once (the record says who answered), so a link
  used, or a link of the same person for another answer, is refused by the run itself,
  and the page says who answered and when; the others asked keep their own links until
  they answer (a step that needs several approvals).

The key is derived from the link secret of `[tool.mission.notify]` (32 characters at
least), which the deliverer that makes links and the server that reads them share.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.canonical import canonical_json
from runtime.orchestration.times import InstantError, parse_instant

MIN_SECRET = 32  # characters of the link secret
_CONTEXT = b"mission answer link v1"
MAX_TOKEN = 4096  # characters: a longer token is refused unread


class LinkRefused(Exception):
    """A link that answers nothing: `reason` is "altered" or "expired"."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class Link:
    run_id: int
    started_at: str | None  # the run's start: binds the link to this store's run
    step: str
    user: str
    answer: Any
    expires_at: str


def link_key(secret: str) -> bytes:
    """The signing key, derived from the configuration's link secret."""
    if len(secret) < MIN_SECRET:
        from mission.cli import UsageError

        raise UsageError(f"the link secret has {len(secret)} characters; it needs at least "
                         f"{MIN_SECRET} (make one: python -c 'import secrets; "
                         "print(secrets.token_urlsafe(32))')")
    return hmac.new(secret.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()


def make_token(link: Link, key: bytes) -> str:
    payload = _encode(canonical_json({"v": 1, "r": link.run_id, "b": link.started_at,
                                      "s": link.step, "u": link.user, "a": link.answer,
                                      "x": link.expires_at}).encode("utf-8"))
    return f"{payload}.{_signature(payload, key)}"


def read_token(token: str, key: bytes, now: str) -> Link:
    """The link `token` is, if its signature holds and it has not expired at `now`."""
    payload, dot, signature = token.partition(".")
    if len(token) > MAX_TOKEN or not dot or not hmac.compare_digest(
            _signature(payload, key), signature):
        raise LinkRefused("altered", "This link is not valid: it was changed or cut "
                                     "(copy the whole link from the message), or it was "
                                     "made with another key.")
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        link = Link(int(data["r"]), data["b"], str(data["s"]), str(data["u"]), data["a"],
                    str(data["x"]))
        expired = parse_instant(link.expires_at) <= parse_instant(now)
    except (ValueError, KeyError, TypeError, InstantError):
        raise LinkRefused("altered", "This link is not valid: its content cannot be "
                                     "read.") from None
    if expired:
        raise LinkRefused("expired", f"This link expired at {link.expires_at}. Open the run "
                                     "and answer there (you will be asked to sign in), or "
                                     "wait for the next reminder.")
    return link


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _signature(payload: str, key: bytes) -> str:
    return _encode(hmac.new(key, payload.encode("ascii", "replace"), hashlib.sha256).digest())
