"""Real receivers for the notification tests, all on loopback: nothing leaves the machine.

- `Mailbox`: an SMTP server (`aiosmtpd`) that offers STARTTLS with a certificate made for
  the test by `openssl`, requires it before AUTH, and keeps every message it accepts;
- `Receiver`: an HTTP server that checks each webhook's signature as docs/serve.md tells
  a receiver to (written here from the documentation, not from mission's code), keeps
  what it accepted, and can be down (refusing connections), slow (holding a request) or
  up again;
- `certificate`: a self-signed certificate for 127.0.0.1 and its key.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import http.server
import json
import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), made by `openssl`."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True,
                   capture_output=True, timeout=60)
    return cert, key


# -- email ------------------------------------------------------------------------------

@dataclass
class Mailbox:
    """An SMTP server on loopback with STARTTLS and AUTH PLAIN/LOGIN (`user`, `password`)."""

    directory: Path
    user: str = "missions"
    password: str = "smtp-pw-" + "x" * 12
    require_tls: bool = True
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    controller: Any = None
    cert: Path | None = None

    def start(self) -> Mailbox:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.cert, key = certificate(self.directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.cert), str(key))
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                message = email.message_from_bytes(envelope.original_content,
                                                   policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                box.messages.append(message)
                return "250 OK"

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                         data: Any) -> Any:
            if isinstance(data, LoginPassword):
                login = (data.login.decode(), data.password.decode())
                box.logins.append(login)
                return AuthResult(success=login == (box.user, box.password), handled=False)
            return AuthResult(success=False, handled=False)

        self.port = free_port()
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, tls_context=context,
            require_starttls=self.require_tls, authenticator=authenticate,
            auth_required=True, auth_require_tls=True)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)

    def config(self) -> str:
        """The `[notify.email]` table of a mission.toml for this server."""
        return (f'[notify.email]\nhost = "127.0.0.1"\nport = {self.port}\n'
                f'security = "starttls"\nusername = "{self.user}"\n'
                f'password = "env:TEST_SMTP_PASSWORD"\nfrom = "Missions <missions@example.com>"\n'
                f'ca-file = "{self.cert}"\n')


def body_text(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


# -- webhooks -----------------------------------------------------------------------------

def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = 300) -> bool:
    """docs/serve.md's recipe: `t=TS,v1=HEX`, HEX = HMAC-SHA256(secret, TS + "." + body),
    compared in constant time, TS within `tolerance` seconds of the receiver's clock."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        return False
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(now - int(parts["t"])) <= tolerance


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on loopback. `clock` is the receiver's own time for the
    signature's tolerance (the sender's virtual clock, in tests that move it)."""

    def __init__(self, secret: str | None, clock: Any = time.time) -> None:
        self.secret = secret
        self.clock = clock
        self.port = free_port()
        self.arrived: list[Received] = []  # every request, as soon as its body is read
        self.accepted: list[Received] = []
        self.refused: list[Received] = []
        self.status = 200  # what it answers a request whose signature holds
        self.hold = threading.Event()  # set: requests are answered; clear: they hang
        self.hold.set()
        self.server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                receiver.arrived.append(got)
                receiver.hold.wait(60)
                good = receiver.secret is None or verify(
                    receiver.secret, got.headers.get("mission-signature", ""), body,
                    receiver.clock())
                (receiver.accepted if good and receiver.status < 300 else
                 receiver.refused).append(got)
                self.send_response(receiver.status if good else 401)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections (until `start` again)."""
        if self.server is not None:
            self.hold.set()
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.accepted) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.accepted)
