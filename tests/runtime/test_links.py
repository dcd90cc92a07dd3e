"""Answer-link tokens (`mission/links.py`): signed, expiring, bound to what they name."""

from __future__ import annotations

import base64
import json

import pytest

from mission.cli import UsageError
from mission.links import Link, LinkRefused, link_key, make_token, read_token

KEY = link_key("s" * 40)
LINK = Link(7, "2026-12-01T09:00:00+00:00", "approve", "ana", True, "2026-12-04T09:00:00+00:00")
NOW = "2026-12-02T09:00:00+00:00"


def test_a_token_reads_back_as_its_link() -> None:
    token = make_token(LINK, KEY)
    assert read_token(token, KEY, NOW) == LINK
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@pytest.mark.parametrize("field", ["r", "b", "s", "u", "a", "x"])
def test_any_changed_field_is_refused(field: str) -> None:
    payload, signature = make_token(LINK, KEY).split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data[field] = {"r": 8, "b": None, "s": "pay", "u": "eve", "a": False,
                   "x": "2099-01-01T00:00:00+00:00"}[field]
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    with pytest.raises(LinkRefused) as refused:
        read_token(f"{forged}.{signature}", KEY, NOW)
    assert refused.value.reason == "altered"


@pytest.mark.parametrize("token", ["", ".", "abc", "a.b", "x" * 5000,
                                   make_token(LINK, KEY)[:-2], make_token(LINK, KEY) + "A",
                                   make_token(LINK, link_key("t" * 40))])
def test_cut_padded_or_foreign_tokens_are_refused(token: str) -> None:
    with pytest.raises(LinkRefused, match="This link is not valid"):
        read_token(token, KEY, NOW)


def test_a_link_expires_at_its_time() -> None:
    token = make_token(LINK, KEY)
    assert read_token(token, KEY, "2026-12-04T08:59:59+00:00") == LINK
    with pytest.raises(LinkRefused, match="expired at 2026-12-04T09:00:00") as refused:
        read_token(token, KEY, "2026-12-04T09:00:00+00:00")
    assert refused.value.reason == "expired"


def test_a_short_link_secret_is_refused() -> None:
    with pytest.raises(UsageError, match="the link secret has 10 characters; it needs at "
                                         "least 32"):
        link_key("0123456789")
