"""`mission serve` as a real process on a free loopback port, and a small HTTP client.

Everything the server writes (run store, accounts file, data directory) is
in a temp directory (the parser cache is the suite's temp one); its standard output and error go to
files the tests read (the address, the first admin token, the request log).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

RELEASE = """mission release "Release with a sign-off" {
    version 1

    param release: str

    runtime notes "Write the notes" {
        set(at: state.notes, value: {release: param.release})
    }

    human sign_off "Sign off" by release_managers {
        confirm("Ship it?", show: state.notes) -> state.approved
    }

    human channel "Pick the channel" when state.approved {
        choose("Which channel?", options: ["stable", "beta"]) -> state.channel
    }
}
"""

SURVEY = """mission survey "How was today" {
    version 1

    human score "Score the day" {
        number("How was today, from 0 to 10?", min: 0, max: 10) -> state.score
    }
}
"""


EXPENSE = """mission expense "Approve an expense" {
    version 1

    param amount: int = 100

    human approve "Approve the expense" by managers {
        confirm("Approve this expense?", show: param.amount) -> state.approved
    }

    runtime pay "Pay" when state.approved {
        set(at: state.paid, value: param.amount)
    }
}
"""
DAY = 86400
# The compiled form of `by 2 of managers except starter { ... remind 1 hour before
# after 1 day escalate to directors  after 1 day answer false }` (docs/language.md).
EXPENSE_RULES = {"approve": {"approvals": 2, "exclude_starter": True, "remind_before": 3600,
                             "deadlines": [{"after": DAY, "escalate": "directors"},
                                           {"after": DAY, "answer": False}]}}

# The missions of a server in time: the expense approval and the release.
IN_TIME = (("expense", EXPENSE, EXPENSE_RULES), ("release", RELEASE, {}))


def write_compiled(path: Path, source: str,
                   rules: dict[str, dict[str, Any]] | None = None) -> None:
    """The compiled workflow, as `mission compile` writes it (its human steps given the
    payload keys `rules` names for them): the server then starts without building a parser
    (its cache directory is a fresh temp dir)."""
    from compiler import compile_source
    from runtime.orchestration.canonical import canonical_json
    from runtime.orchestration.model import content_hash

    workflow = compile_source(source, path.with_suffix(".mission").name).workflow
    assert workflow is not None
    for step in workflow.steps:
        step.payload.update((rules or {}).get(step.id, {}))
    if rules:
        workflow.metadata["schema_version"] = 2  # a human step with time rules
    workflow.metadata["content_hash"] = content_hash(workflow)
    path.write_text(canonical_json(workflow.to_dict()), encoding="utf-8")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Server:
    """One `python -m mission serve` process over `root`; `restart()` keeps the files."""

    root: Path
    location: str | None = None  # a store URL; None: the SQLite file `store`
    shared_accounts: Path | None = None  # an accounts file shared with other servers
    options: tuple[str, ...] = ()  # more `mission serve` options
    open_files: int | None = None  # the server's limit of file descriptors (RLIMIT_NOFILE)
    clock: Path | None = None  # a virtual clock (`MISSION_NOW=@FILE`) the test moves
    missions: tuple[tuple[str, str, dict[str, Any]], ...] = (
        ("release", RELEASE, {}), ("survey", SURVEY, {}))  # name, source, rules
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    token: str = ""
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    @property
    def store(self) -> Path:
        return self.root / "data" / "runs.sqlite3"

    @property
    def accounts(self) -> Path:
        return self.shared_accounts or self.root / "data" / "serve.sqlite3"

    def environment(self) -> dict[str, str]:
        # the parser cache stays the suite's own temp one (tests/conftest.py): built once
        return {**os.environ, "XDG_DATA_HOME": str(self.root / "xdg-data"),
                "MISSION_STORE": "", "PYTHONUNBUFFERED": "1",
                **({"MISSION_NOW": f"@{self.clock}"} if self.clock is not None else {})}

    def set_clock(self, instant: str) -> None:
        """Move the server's virtual clock (written whole, so it never reads half of it)."""
        assert self.clock is not None
        ahead = self.clock.with_name(self.clock.name + ".new")
        ahead.write_text(instant + "\n", encoding="utf-8")
        os.replace(ahead, self.clock)

    def start(self) -> Server:
        missions = self.root / "missions"
        if not missions.exists():
            missions.mkdir(parents=True)
            for name, source, rules in self.missions:
                write_compiled(missions / f"{name}.json", source, rules)
        self.starts += 1
        out = self.root / f"stdout-{self.starts}.txt"
        err = self.root / f"stderr-{self.starts}.txt"
        self.logs += [out, err]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mission", "serve", "--port", "0", "--store",
                 self.location or str(self.store), "--accounts", str(self.accounts),
                 "--missions", str(missions), "--insecure-cookies", *self.options],
                stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                env=self.environment(), cwd=self.root, preexec_fn=self._limits)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = out.read_text(encoding="utf-8")
            if "listening on http://127.0.0.1:" in text:
                self.port = int(text.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
                for line in text.splitlines():
                    if line.strip().startswith("mst_"):
                        self.token = line.strip()
                if self._answers():
                    return self
            if self.process.poll() is not None:
                raise RuntimeError(f"mission serve exited: {err.read_text(encoding='utf-8')}")
            time.sleep(0.05)
        raise RuntimeError("mission serve did not start within 30 s")

    def _limits(self) -> None:
        if self.open_files is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def _answers(self) -> bool:
        try:
            return self.request("GET", "/api/openapi.json").status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> Server:
        self.kill()
        return self.start()

    def log_text(self) -> str:
        return "".join(path.read_text(encoding="utf-8", errors="replace") for path in self.logs)

    def users(self, *args: str, stdin: str = "") -> str:
        """`mission users ARGS` on this server's files."""
        done = subprocess.run([sys.executable, "-m", "mission", "users", *args, "--store",
                               self.location or str(self.store), "--accounts",
                               str(self.accounts)], input=stdin, capture_output=True, text=True,
                              env=self.environment(), cwd=self.root, timeout=60, check=True)
        return done.stdout

    # -- HTTP -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                form: dict[str, str] | None = None, cookies: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        if form is not None:
            data = urlencode(form).encode("ascii")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        try:
            connection.request(method, path, body=data, headers=sent)
            reply = connection.getresponse()
            pairs = reply.getheaders()
            return Response(reply.status, {k.lower(): v for k, v in pairs}, reply.read(),
                            [v for k, v in pairs if k.lower() == "set-cookie"])
        finally:
            connection.close()

    def api(self, method: str, path: str, body: Any = None, token: str | None = None
            ) -> Response:
        return self.request(method, path, body, token=self.token if token is None else token)


def cookie_from(response: Response, name: str) -> str:
    """The value `response` sets for cookie `name` (one Set-Cookie per name in these tests)."""
    for value in response.set_cookies:
        if value.startswith(name + "="):
            return value.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"no cookie {name} in {response.headers}")


def sign_in(server: Server, user: str, password: str) -> tuple[dict[str, str], str]:
    """A signed-in browser's cookies and CSRF token, through the real sign-in form."""
    import re

    page = server.request("GET", "/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce is not None
    done = server.request("POST", "/login", form={"user": user, "password": password,
                                                  "nonce": nonce.group(1), "next": "/"},
                          cookies={"mission-login": cookie_from(page, "mission-login")})
    assert done.status == 303, done.text
    session = cookie_from(done, "mission-session")
    inbox = server.request("GET", "/", cookies={"mission-session": session})
    csrf = re.search(r'name="csrf" value="([^"]+)"', inbox.text)
    assert csrf is not None
    return {"mission-session": session}, csrf.group(1)


def store_snapshot(store: Path) -> list[tuple[int, int, str]]:
    """Every run as (id, version, canonical record): what "nothing changed" compares."""
    from runtime.orchestration.canonical import canonical_json
    from runtime.store import RunStore

    with RunStore(store) as opened:
        return [(row.run_id, (s := opened.load(row.run_id)).version,
                 canonical_json(s.record.to_json())) for row in opened.list()]
