"""Sending one message: email through SMTP (`smtplib`), a webhook as a signed JSON POST.

Each send ends in one of three ways: it returns (the receiver accepted the message), it
raises `Temporary` (try again later: the server could not be reached, timed out, said
try later, answered 5xx, 408 or 429), or `Permanent` (the receiver refused this message
and would refuse it again: a recipient the mail server refuses, a 4xx from a webhook).

**Email**: `security = "starttls"` connects in plain text and upgrades with STARTTLS
before anything else is said (a server that does not offer it is not used: the password
and the mail are never sent in clear); `"tls"` connects with TLS (port 465); `"none"`
only for a relay on the machine itself. Certificates are verified (`ca-file` adds a CA
for a company's own). The password is read when used (`mission.secret_refs`).

**Webhooks** are signed as GitHub and Stripe sign theirs: each POST carries

    Mission-Signature: t=TIMESTAMP,v1=HEX

where TIMESTAMP is the Unix time of the send and HEX the HMAC-SHA256, keyed with the
webhook's secret, of `TIMESTAMP "." BODY` (the exact bytes received). A receiver
recomputes it over the raw body, compares in constant time, and refuses a timestamp
more than 5 minutes from its own clock (a replayed request); `Idempotency-Key` (also in
the JSON as `id`) is the same for every retry of one message, so a receiver drops a
duplicate. Redirects are not followed (the body would go where the receiver says).
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import http.client
import json
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit

from compiler.notify_config import EmailConfig
from mission.secret_refs import read_secret
from runtime.orchestration.times import parse_instant

TIMEOUT = 20.0  # seconds a send may take
MAX_REPLY = 2000  # characters of a refusal quoted in the outbox


class Temporary(Exception):
    """The message was not accepted now; another try may succeed."""


class Permanent(Exception):
    """The receiver refused the message; another try would be refused too."""


def email_message(config: EmailConfig, to: str, subject: str, text: str, html: str,
                  key: str, now: str) -> EmailMessage:
    """The message: plain text with an HTML alternative, its Message-ID made of the
    delivery's idempotency key (a receiver drops a duplicate by it)."""
    # RFC 5322 lines may be 998 characters: a one-line subject is never folded (Python's
    # folding of a long first word leaves a space before the subject its parser keeps).
    message = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    message["From"] = config.sender
    message["To"] = formataddr(("", to))
    message["Subject"] = subject
    message["Date"] = format_datetime(parse_instant(now))
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "mission.invalid"
    message["Message-ID"] = f"<{key}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message["X-Mission-Idempotency-Key"] = key
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_email(config: EmailConfig, message: EmailMessage) -> None:
    """Hand `message` to the SMTP server; `Temporary` or `Permanent` when it is not taken."""
    try:
        context = ssl.create_default_context(cafile=config.ca_file)
    except (OSError, ssl.SSLError) as problem:
        raise Temporary(f"cannot use the CA file {config.ca_file} (`ca-file`): "
                        f"{_describe(problem)}") from None
    try:
        if config.security == "tls":
            server: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=TIMEOUT,
                                                    context=context)
        else:
            server = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
        with server:
            if config.security == "starttls":
                server.starttls(context=context)  # refuses a server that does not offer it
            if config.username is not None and config.password is not None:
                server.login(config.username, read_secret(config.password,
                                                          "the SMTP password"))
            server.send_message(message)
    except smtplib.SMTPRecipientsRefused as refused:
        codes = [code for code, _ in refused.recipients.values()]
        reply = "; ".join(f"{code} {_text(text)}" for code, text in refused.recipients.values())
        if all(code >= 500 for code in codes):
            raise Permanent(f"the mail server refused the recipient: {reply}") from None
        raise Temporary(f"the mail server did not take the recipient now: {reply}") from None
    except smtplib.SMTPNotSupportedError:
        raise Temporary(f"{config.host}:{config.port} does not offer STARTTLS; nothing was "
                        "sent in clear (set `security` to what the server offers)") from None
    except smtplib.SMTPResponseException as problem:
        raise Temporary(f"the mail server answered {problem.smtp_code} "
                        f"{_text(problem.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as problem:
        raise Temporary(f"cannot send through {config.host}:{config.port}: "
                        f"{_describe(problem)}") from None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Mission-Signature` header of `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_webhook(url: str, body: dict[str, Any], key: str, event: str, secret: str | None,
                 now: str) -> None:
    """POST `body` as JSON to `url`, signed with `secret` at the time `now`."""
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json", "User-Agent": "mission-notify/1",
               "Idempotency-Key": key, "Mission-Event": event}
    if secret is not None:
        headers["Mission-Signature"] = signature(secret, int(parse_instant(now).timestamp()),
                                                 data)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else \
        http.client.HTTPConnection
    where = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
    try:
        connection = connection_type(parts.hostname or "", parts.port, timeout=TIMEOUT)
        try:
            connection.request("POST", (parts.path or "/") + (f"?{parts.query}" if parts.query
                                                              else ""), data, headers)
            reply = connection.getresponse()
            answer = reply.read(MAX_REPLY).decode("utf-8", "replace")
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as problem:
        raise Temporary(f"cannot reach the webhook at {where}: {_describe(problem)}") from None
    if 200 <= reply.status < 300:
        return
    said = f"the webhook at {where} answered {reply.status} {_text(answer)}".rstrip()
    if reply.status >= 500 or reply.status in (408, 425, 429):
        raise Temporary(said)
    raise Permanent(said)


def _describe(problem: BaseException) -> str:
    return _text(str(problem)) or type(problem).__name__


def _text(value: Any) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:MAX_REPLY]
