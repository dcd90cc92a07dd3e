"""`[tool.mission.notify]`: who is told what, through which channel (docs/serve.md).

    [tool.mission.notify]
    events = ["waiting", "reminder", "escalated", "deadline", "failed"]
    url = "https://missions.example.com"      # where `mission serve` is reached, for links
    link-secret = "env:MISSION_LINK_SECRET"   # signs the answer links (32+ characters)
    link-lifetime = "3 days"                  # how long an answer link works
    attempts = 8                              # tries before a message is given up on
    timezone = "Europe/Paris"                 # the zone messages write times in (UTC)

    [tool.mission.notify.email]
    host = "smtp.example.com"
    port = 587
    security = "starttls"                     # or "tls" (port 465), or "none" (loopback)
    username = "missions"
    password = "file:/run/secrets/smtp"       # or "env:NAME"
    from = "Missions <missions@example.com>"

    [tool.mission.notify.webhooks.ops]
    url = "env:OPS_WEBHOOK_URL"               # or the URL itself
    secret = "env:OPS_WEBHOOK_SECRET"         # signs each POST (HMAC-SHA256)
    format = "slack"                          # or "json" (default), "teams"
    groups = ["ops"]                          # only notices about these groups

Secrets are never written in the configuration (it is committed with the code): a
password, a link secret or a webhook's signing secret is `env:NAME` (an environment
variable) or `file:PATH` (a file, relative to the configuration's directory), read when
it is used. This module reads the table's shape only: it reads no secret and no clock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.notices import DEFAULT_KINDS, NOTICE_KINDS

SECURITY = ("starttls", "tls", "none")
FORMATS = ("json", "slack", "teams")
DEFAULT_LIFETIME = 3 * 86400  # seconds an answer link works
MAX_LIFETIME = 30 * 86400
DEFAULT_ATTEMPTS = 8
MAX_ATTEMPTS = 30
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
_GROUP = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class NotifyConfigError(Exception):
    """The table is not valid; the message names the key (`compiler.config` adds the file)."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    """Where a secret is: an environment variable, or a file (an absolute path)."""

    source: str  # "env" or "file"
    name: str

    def __str__(self) -> str:
        return f"{self.source}:{self.name}"


@dataclass(frozen=True, slots=True)
class EmailConfig:
    host: str
    port: int
    security: str  # one of SECURITY
    sender: str  # the From header
    username: str | None = None
    password: SecretRef | None = None
    ca_file: str | None = None  # a CA bundle to trust for the server's certificate


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    name: str
    url: str | SecretRef  # the URL itself, or where it is kept (a Slack URL is a secret)
    secret: SecretRef | None  # the signing key; None: the POSTs are not signed
    format: str = "json"  # one of FORMATS
    groups: tuple[str, ...] | None = None  # only notices about these groups; None: all
    events: tuple[str, ...] | None = None  # None: the table's `events`


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    events: tuple[str, ...] = DEFAULT_KINDS
    url: str | None = None  # the server's address as people reach it, for links
    link_secret: SecretRef | None = None
    link_lifetime: int = DEFAULT_LIFETIME
    attempts: int = DEFAULT_ATTEMPTS
    timezone: str = "UTC"  # an IANA zone name, checked when read
    email: EmailConfig | None = None
    webhooks: tuple[WebhookConfig, ...] = ()


_KEYS = ("events", "url", "link-secret", "link-lifetime", "attempts", "timezone", "email",
         "webhooks")
_EMAIL_KEYS = ("host", "port", "security", "username", "password", "from", "ca-file")
_WEBHOOK_KEYS = ("url", "secret", "format", "groups", "events")


def parse_notify(table: Any, root: str) -> NotifyConfig:
    """The `notify` table, checked; `root` is the configuration's directory (for files)."""
    where = "notify"
    _known(table, _KEYS, where)
    events = _kinds(table.get("events", list(DEFAULT_KINDS)), f"{where}.events")
    url = table.get("url")
    if url is not None and (not isinstance(url, str)
                            or not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url)):
        raise NotifyConfigError(f"`{where}.url` is the address people reach `mission serve` "
                                "at, such as \"https://missions.example.com\" (http or https, "
                                "no query)")
    lifetime = table.get("link-lifetime", DEFAULT_LIFETIME)
    zone = table.get("timezone", "UTC")
    if not isinstance(zone, str) or not _known_zone(zone):
        raise NotifyConfigError(f"`{where}.timezone` is an IANA time zone this system knows, "
                                f"such as \"Europe/Paris\", not {zone!r}")
    return NotifyConfig(
        events=events, url=url.rstrip("/") if isinstance(url, str) else None,
        link_secret=_secret(table.get("link-secret"), f"{where}.link-secret", root),
        link_lifetime=lifetime if lifetime == DEFAULT_LIFETIME else
        _duration(lifetime, f"{where}.link-lifetime"),
        attempts=_whole(table.get("attempts", DEFAULT_ATTEMPTS), f"{where}.attempts", 1,
                        MAX_ATTEMPTS), timezone=zone,
        email=_email(table["email"], root) if "email" in table else None,
        webhooks=_webhooks(table.get("webhooks", {}), root))


def _email(table: Any, root: str) -> EmailConfig:
    where = "notify.email"
    _known(table, _EMAIL_KEYS, where)
    for key in ("host", "from"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise NotifyConfigError(f"`{where}.{key}` is required: the SMTP server's host name "
                                    "and the From address, such as \"Missions "
                                    "<missions@example.com>\"")
    if any(char in table["from"] for char in "\r\n"):
        raise NotifyConfigError(f"`{where}.from` is one line")
    security = table.get("security", "starttls")
    if security not in SECURITY:
        raise NotifyConfigError(f"`{where}.security` is \"starttls\" (port 587), \"tls\" "
                                f"(port 465) or \"none\" (a relay on this machine), not "
                                f"{security!r}")
    port = _whole(table.get("port", {"starttls": 587, "tls": 465, "none": 25}[security]),
                  f"{where}.port", 1, 65535)
    username = table.get("username")
    if username is not None and (not isinstance(username, str) or not username):
        raise NotifyConfigError(f"`{where}.username` is a string")
    password = _secret(table.get("password"), f"{where}.password", root)
    if (username is None) != (password is None):
        raise NotifyConfigError(f"`{where}`: give `username` and `password` together (or "
                                "neither, for a server that needs no authentication)")
    if password is not None and security == "none":
        raise NotifyConfigError(f"`{where}`: a password is never sent without TLS: set "
                                "`security` to \"starttls\" or \"tls\"")
    ca_file = table.get("ca-file")
    if ca_file is not None and (not isinstance(ca_file, str) or not ca_file):
        raise NotifyConfigError(f"`{where}.ca-file` is the path of a CA bundle")
    return EmailConfig(host=table["host"].strip(), port=port, security=security,
                       sender=table["from"].strip(), username=username, password=password,
                       ca_file=os.path.join(root, ca_file) if ca_file else None)


def _webhooks(table: Any, root: str) -> tuple[WebhookConfig, ...]:
    if not isinstance(table, Mapping):
        raise NotifyConfigError("`notify.webhooks` is a table of NAME = {url, secret, format, "
                                "groups, events}")
    found = []
    for name, hook in sorted(table.items()):
        where = f"notify.webhooks.{name}"
        if not _NAME.fullmatch(name):
            raise NotifyConfigError(f"`{where}`: a webhook's name is a letter or `_` then up "
                                    "to 63 letters, digits, `_` or `-`")
        _known(hook, _WEBHOOK_KEYS, where)
        url = hook.get("url")
        if isinstance(url, str) and url.startswith(("env:", "file:")):
            target: str | SecretRef | None = _secret(url, f"{where}.url", root)
        elif isinstance(url, str) and re.fullmatch(r"https?://\S+", url):
            target = url
        else:
            raise NotifyConfigError(f"`{where}.url` is an http(s) URL, or `env:NAME` / "
                                    "`file:PATH` where it is kept")
        assert target is not None
        kind = hook.get("format", "json")
        if kind not in FORMATS:
            raise NotifyConfigError(f"`{where}.format` is \"json\", \"slack\" or \"teams\", "
                                    f"not {kind!r}")
        groups = hook.get("groups")
        if groups is not None and (not isinstance(groups, list) or not all(
                isinstance(group, str) and _GROUP.fullmatch(group) for group in groups)):
            raise NotifyConfigError(f"`{where}.groups` is a list of group names")
        found.append(WebhookConfig(
            name=name, url=target, secret=_secret(hook.get("secret"), f"{where}.secret", root),
            format=kind, groups=tuple(groups) if groups is not None else None,
            events=_kinds(hook["events"], f"{where}.events") if "events" in hook else None))
    return tuple(found)


def _known(table: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(table, Mapping):
        raise NotifyConfigError(f"`{where}` must be a table")
    for key in table:
        if key not in keys:
            raise NotifyConfigError(f"unknown key `{where}.{key}`; the keys are "
                                    + ", ".join(f"`{k}`" for k in keys))


def _kinds(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(kind in NOTICE_KINDS for kind in value):
        raise NotifyConfigError(f"`{where}` is a list of what notifies, of: "
                                + ", ".join(NOTICE_KINDS))
    return tuple(dict.fromkeys(value))


def _secret(value: Any, where: str, root: str) -> SecretRef | None:
    """`env:NAME` or `file:PATH`; a secret written out is refused."""
    if value is None:
        return None
    if isinstance(value, str):
        source, _, name = value.partition(":")
        if source == "env" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return SecretRef("env", name)
        if source == "file" and name:
            return SecretRef("file", os.path.normpath(os.path.join(root, name)))
    raise NotifyConfigError(f"`{where}` says where the secret is kept: \"env:NAME\" (an "
                            "environment variable) or \"file:PATH\"; a secret is never "
                            "written in the configuration, which is shared with the code")


def _known_zone(name: str) -> bool:
    import zoneinfo

    if name.upper() == "UTC":
        return True
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise NotifyConfigError(f"`{where}` is a whole number from {low} to {high}, not "
                                f"{value!r}")
    return value


def _duration(value: Any, where: str) -> int:
    """`"3 days"` in seconds (minutes to weeks, as a human step's durations)."""
    found = re.fullmatch(r"\s*([0-9]{1,6})\s+([a-z]+)\s*", value) if isinstance(value, str) \
        else None
    from compiler.durations import UNITS

    seconds = int(found.group(1)) * UNITS[found.group(2)] \
        if found and found.group(2) in UNITS else 0
    if not 60 <= seconds <= MAX_LIFETIME:
        raise NotifyConfigError(f"`{where}` is a duration from 1 minute to 30 days, such as "
                                f"\"3 days\", not {value!r}")
    return seconds
