"""Notifications through `mission tick`, with real receivers on loopback: an SMTP server
with STARTTLS and authentication (`aiosmtpd`), an HTTP receiver that checks each
webhook's signature by docs/serve.md's recipe. A run that waits is emailed to the people
who may answer it, with answer links; webhooks get the documented shapes; a receiver
that is down and then up gets the message exactly once; messages given up on are listed
and sent again; no secret is ever printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mission.accounts import Accounts
from mission.acting import operating_system_user
from runtime.orchestration.times import parse_instant
from runtime.store_api import open_store
from tests.conftest import ROOT, run_cli
from tests.notify_parts import Mailbox, Receiver, body_text

pytest.importorskip("aiosmtpd")

LINK_SECRET = "link-secret-" + "q" * 32
HOOK_SECRET = "hook-secret-" + "w" * 20
NOW = "2026-12-07T09:00:00+00:00"
STARTER = operating_system_user()

APPROVAL = """mission expense "Approve an expense" {
    version 1

    param amount: int = 100

    human approve "Approve the expense" by 2 of managers except starter {
        confirm("Approve this expense?", show: param.amount) -> state.approved
        remind 1 hour before
        after 1 day escalate to directors
        after 1 day answer false
    }

    runtime pay "Pay" when state.approved {
        set(at: state.paid, value: param.amount)
    }
}
"""


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    box = Mailbox(tmp_path).start()
    yield box
    box.stop()


class Project:
    """A project directory: its mission.toml, the expense mission, a run store and the
    accounts of `mission serve`: ann and bo managers, dee a director, a manager without an
    address, and the user running the tests (who starts the runs) a manager too."""

    def __init__(self, root: Path, notify: str) -> None:
        self.root = root
        (root / "expense.mission").write_text(APPROVAL, encoding="utf-8")
        (root / "mission.toml").write_text(notify, encoding="utf-8")
        self.store = root / "data" / "runs.sqlite3"
        self.accounts = root / "data" / "serve.sqlite3"
        with Accounts(self.accounts) as accounts:
            for name, group in (("ann", "managers"), ("bo", "managers"),
                                ("dee", "directors"), (STARTER, "managers")):
                accounts.add_user(name, None, [group], f"{name}@example.com")
            accounts.add_user("nomail", None, ["managers"])

    def env(self, now: str = NOW, **more: str) -> dict[str, str]:
        return {"MISSION_NOW": now, "TEST_LINK_SECRET": LINK_SECRET,
                "TEST_HOOK_SECRET": HOOK_SECRET, **more}

    def cli(self, *args: str, now: str = NOW, **more: str) -> subprocess.CompletedProcess[str]:
        done = run_cli(*args, "--store", str(self.store), cwd=self.root,
                       env=self.env(now, **more))
        assert done.returncode in (0, 3), done.stdout + done.stderr
        return done

    def start(self, amount: int = 120) -> None:
        """The user running the tests starts an expense approval: it waits for two
        managers, who may not be that user (`except starter`)."""
        self.cli("run", "expense.mission", "--no-input", "--param", f"amount={amount}")

    def tick(self, now: str = NOW, **more: str) -> str:
        done = run_cli("tick", "--store", str(self.store), "--accounts", str(self.accounts),
                       cwd=self.root, env=self.env(now, **more))
        assert done.returncode == 0, done.stdout + done.stderr
        for secret in (LINK_SECRET, HOOK_SECRET, Mailbox.password):
            assert secret not in done.stdout + done.stderr
        return done.stdout


def notify_table(mailbox: Mailbox | None = None, hooks: str = "") -> str:
    return ('[notify]\nurl = "https://missions.example.com"\n'
            'link-secret = "env:TEST_LINK_SECRET"\n' + (mailbox.config() if mailbox else "")
            + hooks)


def hook(receiver: Receiver, name: str = "ops", **more: str) -> str:
    extra = "".join(f"{key} = {value}\n" for key, value in more.items())
    return (f'\n[notify.webhooks.{name}]\nurl = "{receiver.url}"\n'
            f'secret = "env:TEST_HOOK_SECRET"\n{extra}')


def test_a_run_that_waits_emails_the_people_who_may_answer_it(tmp_path: Path,
                                                              mailbox: Mailbox) -> None:
    project = Project(tmp_path, notify_table(mailbox))
    project.start()
    lines = project.tick(TEST_SMTP_PASSWORD=mailbox.password)
    messages = mailbox.wait_for(2)
    # managers with an address, less the one who started the run (`except starter`)
    assert sorted(str(m["To"]) for m in messages) == ["ann@example.com", "bo@example.com"]
    assert mailbox.logins == [(mailbox.user, mailbox.password)] * 2  # after STARTTLS
    assert lines.count(": sent") == 2, lines
    message = next(m for m in messages if str(m["To"]) == "ann@example.com")
    assert message["From"] == "Missions <missions@example.com>"
    assert message["Subject"] == "Run 1 (Approve an expense), step `approve` waits for an " \
                                 "answer"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == f"<{message['X-Mission-Idempotency-Key']}@example.com>"
    text, page = body_text(message), body_text(message, "html")
    assert "Question: Approve this expense?" in text and "It shows: 120" in text
    assert "Asked: managers" in text and "Due: 2026-12-08 09:00 UTC" in text
    links = re.findall(r"  (Yes|No): (https://missions\.example\.com/answer/\S+)", text)
    assert [label for label, _ in links] == ["Yes", "No"]
    assert "https://missions.example.com/runs/1/steps/approve" in text
    assert all(url in page for _, url in links)  # the HTML alternative has the same links
    from mission.links import link_key, read_token

    link = read_token(links[0][1].rsplit("/", 1)[1], link_key(LINK_SECRET), NOW)
    assert (link.run_id, link.step, link.user, link.answer) == (1, "approve", "ann", True)
    assert parse_instant(link.expires_at) > parse_instant(NOW)
    # delivered once: another tick sends nothing
    assert project.tick(TEST_SMTP_PASSWORD=mailbox.password) == ""
    assert len(mailbox.messages) == 2


def test_the_reminder_the_escalation_and_the_deadline_are_sent(tmp_path: Path,
                                                               mailbox: Mailbox) -> None:
    project = Project(tmp_path, notify_table(mailbox))
    project.start()
    project.tick(TEST_SMTP_PASSWORD=mailbox.password)
    project.tick("2026-12-08T08:00:00+00:00", TEST_SMTP_PASSWORD=mailbox.password)  # remind
    project.tick("2026-12-08T09:00:00+00:00", TEST_SMTP_PASSWORD=mailbox.password)  # escalate
    project.tick("2026-12-09T09:00:00+00:00", TEST_SMTP_PASSWORD=mailbox.password)  # decides
    sent = [(str(m["To"]).split("@")[0], str(m["Subject"])) for m in mailbox.wait_for(7)]
    decided = "Run 1 (Approve an expense), step `approve` was decided by its deadline"
    assert sorted(sent[5:]) == sorted([("dee", decided), (STARTER, decided)])  # and the starter
    assert sent[:5] == [
        ("ann", "Run 1 (Approve an expense), step `approve` waits for an answer"),
        ("bo", "Run 1 (Approve an expense), step `approve` waits for an answer"),
        ("ann", "Run 1 (Approve an expense), step `approve` still waits for an answer "
                "(due 2026-12-08 09:00 UTC)"),
        ("bo", "Run 1 (Approve an expense), step `approve` still waits for an answer "
               "(due 2026-12-08 09:00 UTC)"),
        ("dee", "Run 1 (Approve an expense), step `approve` now asks directors")]
    assert "Decided: false (the deadline's answer)" in body_text(mailbox.messages[-1])


def test_starttls_is_required_before_the_password_is_sent(tmp_path: Path) -> None:
    """A server that offers no STARTTLS gets no password and no mail: the delivery waits,
    saying why."""
    plain = Mailbox(tmp_path, require_tls=False)
    from aiosmtpd.controller import Controller

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            plain.messages.append(envelope)
            return "250 OK"

    from tests.notify_parts import certificate, free_port

    plain.port = free_port()
    plain.cert = certificate(tmp_path)[0]
    controller = Controller(Keep(), hostname="127.0.0.1", port=plain.port)
    controller.start()
    try:
        project = Project(tmp_path, notify_table(plain))
        project.start()
        lines = project.tick(TEST_SMTP_PASSWORD=plain.password)
    finally:
        controller.stop()
    assert "does not offer STARTTLS; nothing was sent in clear" in lines, lines
    assert plain.messages == []


def test_webhooks_are_signed_and_have_the_documented_shapes(tmp_path: Path) -> None:
    receiver = Receiver(HOOK_SECRET, clock=lambda: parse_instant(NOW).timestamp()).start()
    try:
        hooks = hook(receiver) + hook(receiver, "chat", format='"slack"') + \
            hook(receiver, "teams", format='"teams"') + \
            hook(receiver, "directors_only", groups='["directors"]')
        project = Project(tmp_path, notify_table(hooks=hooks))
        project.start()
        project.tick()
        got = receiver.wait_for(3)
    finally:
        receiver.stop()
    assert receiver.refused == [] and len(got) == 3  # the directors' hook: not theirs yet
    by_kind = {}
    for request in got:
        assert request.headers["content-type"] == "application/json"
        assert request.headers["mission-event"] == "waiting"
        assert re.fullmatch(r"[0-9a-f]{40}", request.headers["idempotency-key"])
        data = request.json()
        by_kind["slack" if "blocks" in data else "teams" if "attachments" in data else
                "json"] = data
    event = by_kind["json"]
    assert event["type"] == "run.waiting"
    assert event["id"] in [request.headers["idempotency-key"] for request in got]
    assert event["run"]["id"] == 1 and event["run"]["title"] == "Approve an expense"
    assert event["step"]["id"] == "approve" and event["group"] == "managers"
    assert event["step"]["question"]["prompt"] == "Approve this expense?"
    assert event["links"] == {"run": "https://missions.example.com/runs/1",
                              "answer": "https://missions.example.com/runs/1/steps/approve"}
    assert event["text"].startswith("Run 1 (Approve an expense), step `approve` waits")
    slack = by_kind["slack"]
    assert slack["text"] == event["text"] and slack["blocks"][0]["type"] == "section"
    assert slack["blocks"][1]["elements"][0]["url"] == "https://missions.example.com/runs/1"
    card = by_kind["teams"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    # no answer link goes to a channel: it could answer as nobody in particular
    assert "/answer/" not in json.dumps(by_kind)


def test_a_receiver_down_then_up_gets_the_message_exactly_once(tmp_path: Path) -> None:
    receiver = Receiver(HOOK_SECRET, clock=lambda: 0)
    project = Project(tmp_path, notify_table(hooks=hook(receiver)))
    project.start()
    lines = project.tick()  # down: nothing listens on its port
    assert "will try again at" in lines and "Connection refused" in lines, lines
    assert project.tick() == ""  # not due again yet
    moments = ["2026-12-07T09:01:00+00:00", "2026-12-07T09:05:00+00:00",
               "2026-12-07T10:00:00+00:00"]
    receiver.clock = lambda: parse_instant(moments[0]).timestamp()
    receiver.start()
    try:
        for moment in moments:  # up again, and ticks keep coming
            receiver.clock = lambda moment=moment: parse_instant(moment).timestamp()
            project.tick(moment)
        got = receiver.wait_for(1)
    finally:
        receiver.stop()
    assert len(got) == 1 and receiver.refused == []
    [delivery] = json.loads(project.cli("notifications", "--json").stdout)
    assert (delivery["state"], delivery["attempts"]) == ("sent", 2)


def test_messages_given_up_on_are_listed_and_sent_again(tmp_path: Path) -> None:
    receiver = Receiver(HOOK_SECRET, clock=lambda: parse_instant(NOW).timestamp()).start()
    receiver.status = 503
    try:
        project = Project(tmp_path, '[notify]\nattempts = 2\n' + hook(receiver))
        project.start()
        project.tick()
        receiver.clock = lambda: parse_instant("2026-12-07T10:00:00+00:00").timestamp()
        lines = project.tick("2026-12-07T10:00:00+00:00")
        assert "given up after 2 attempts: the webhook at http://127.0.0.1:" in lines, lines
        listed = project.cli("notifications", "--state", "dead").stdout
        assert re.match(r"1\tdead\t2 attempts\trun 1\twaiting\twebhook ops\tgiven up  the "
                        r"webhook at http://127\.0\.0\.1:\d+ answered 503", listed), listed
        retried = project.cli("notifications", "retry", "--dead", now="2026-12-07T11:00:00Z")
        assert "1 message will be sent again" in retried.stderr
        receiver.status = 200
        receiver.clock = lambda: parse_instant("2026-12-07T11:00:00+00:00").timestamp()
        assert ": sent" in project.tick("2026-12-07T11:00:00+00:00")
        assert len(receiver.wait_for(1)) == 1
    finally:
        receiver.stop()
    assert project.cli("notifications", "--state", "dead").stdout.startswith("no messages")


def test_a_receiver_that_refuses_for_good_is_not_tried_again(tmp_path: Path) -> None:
    receiver = Receiver(HOOK_SECRET, clock=lambda: parse_instant(NOW).timestamp()).start()
    receiver.status = 410
    try:
        project = Project(tmp_path, '[notify]\n' + hook(receiver))
        project.start()
        lines = project.tick()
    finally:
        receiver.stop()
    assert "refused, given up: the webhook at" in lines and "answered 410" in lines, lines


def test_a_secret_that_cannot_be_read_is_named_never_shown(tmp_path: Path) -> None:
    receiver = Receiver(None)
    project = Project(tmp_path, '[notify]\n' + hook(receiver).replace(
        "env:TEST_HOOK_SECRET", "file:hook.secret"))
    (tmp_path / "hook.secret").write_text(HOOK_SECRET + "\n", encoding="utf-8")
    os.chmod(tmp_path / "hook.secret", 0o644)
    project.start()
    lines = project.tick()
    assert "hook.secret, which others may read (mode -rw-r--r--): chmod 600" in lines, lines
    written = (tmp_path / "mission.toml").read_text(encoding="utf-8")
    (tmp_path / "mission.toml").write_text(written.replace('"file:hook.secret"',
                                                           '"hunter2"'), encoding="utf-8")
    refused = run_cli("tick", "--store", str(project.store), cwd=tmp_path, env=project.env())
    assert refused.returncode == 2 and "hunter2" not in refused.stderr
    assert "a secret is never written in the configuration" in refused.stderr


def test_ticks_at_once_deliver_each_message_once(tmp_path: Path) -> None:
    receiver = Receiver(HOOK_SECRET, clock=lambda: parse_instant(NOW).timestamp()).start()
    try:
        project = Project(tmp_path, '[notify]\n' + hook(receiver))
        for amount in range(10, 22):
            project.start(amount)
        environment = {**os.environ, **project.env(), "PYTHONPATH": str(ROOT)}
        processes = [subprocess.Popen(
            [sys.executable, "-m", "mission", "tick", "--store", str(project.store),
             "--accounts", str(project.accounts)], cwd=tmp_path, env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outputs = [process.communicate(timeout=120) for process in processes]
        assert [process.returncode for process in processes] == [0] * 3, outputs
        got = receiver.wait_for(12)
    finally:
        receiver.stop()
    keys = [request.headers["idempotency-key"] for request in got]
    assert len(keys) == len(set(keys)) == 12
    with open_store(project.store) as store:
        assert {d.state for d in store.deliveries(limit=100)} == {"sent"}


def test_a_webhook_that_redirects_is_not_followed(tmp_path: Path) -> None:
    receiver = Receiver(HOOK_SECRET, clock=lambda: parse_instant(NOW).timestamp()).start()
    receiver.status = 302
    try:
        project = Project(tmp_path, '[notify]\n' + hook(receiver))
        project.start()
        lines = project.tick()
    finally:
        receiver.stop()
    assert "refused, given up: the webhook at" in lines and "answered 302" in lines, lines
    assert len(receiver.arrived) == 1  # once, and never to where it pointed


def test_text_from_a_mission_is_escaped_in_every_message() -> None:
    from mission.cron import zone_named
    from mission.messages import Links, email, webhook_body

    payload: dict[str, Any] = {
        "kind": "waiting", "step": "approve", "group": "ops",
        "run": {"title": "<b>Ship</b> & <!channel>", "started_by": "sam"},
        "question": {"type": "confirm", "prompt": "<script>alert(1)</script>\r\nBcc: x",
                     "show": "<img src=x>"}}
    zone = zone_named("UTC")
    written = email(3, payload, Links(answers=(("Yes", "https://x/answer/t"),)), zone)
    assert "<script>" not in written.html and "&lt;script&gt;" in written.html
    assert "<img" not in written.html and "\n" not in written.subject
    slack = webhook_body("slack", 3, payload, "k", None, Links(), zone)
    assert "<!channel>" not in json.dumps(slack) and "&lt;!channel&gt;" in slack["text"]


def test_an_email_address_with_header_syntax_is_refused(tmp_path: Path) -> None:
    from mission.accounts import AccountError

    with Accounts(tmp_path / "data" / "serve.sqlite3") as accounts:
        accounts.add_user("ann", None, ["ops"])
        for address in ("ann@example.com\r\nBcc: eve@example.com", "Ann <ann@example.com>",
                        "ann@example.com, eve@example.com", "ann", "ann@localhost", ""):
            with pytest.raises(AccountError, match="an email address is like"):
                accounts.set_email("ann", address)
        accounts.set_email("ann", "ann.o'neil+ops@example.co.uk")
        assert accounts.user("ann").email == "ann.o'neil+ops@example.co.uk"  # type: ignore[union-attr]
    done = run_cli("users", "email", "ann", "not an address", "--accounts",
                   str(tmp_path / "data" / "serve.sqlite3"), "--store",
                   str(tmp_path / "data" / "runs.sqlite3"))
    assert done.returncode == 2 and "an email address is like name@example.com" in done.stderr
