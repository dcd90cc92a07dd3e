"""`mission serve` telling people and starting on time, against real server processes
whose clock is a file the test moves, a real SMTP server and a real webhook receiver on
loopback, and a real headless Chromium.

The acceptance: the shipped example configuration (`examples/scheduled/mission.toml`)
schedules `daily_loop` for weekday mornings; at 08:30 on a Monday the server starts the
run, which waits; its email reaches the planner; its "Yes" link, followed in Chromium,
shows a confirmation (the GET answers nothing), whose button answers as that planner;
the same link again, and the other one, are refused; a changed or expired link too.
Then `/healthz`, `/metrics` scraped and parsed, the outbox for admins, a server that
refuses to start on a schedule that cannot fire, and SIGKILL in the middle of a delivery.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mission.accounts import Accounts
from runtime.orchestration.times import parse_instant
from tests.conftest import ROOT, run_cli
from tests.notify_parts import Mailbox, Receiver, body_text, free_port
from tests.serve.server import Server
from tests.serve.test_browser import CHROMEDRIVER, CHROMIUM, check_page, shot
from tests.serve.test_browser import browser as browser  # the same headless Chromium

pytest.importorskip("aiosmtpd")
pytest.importorskip("prometheus_client")

MONDAY = "2026-12-07T07:29:50+00:00"  # 08:29:50 in Paris
FIRED = "2026-12-07T07:30:05+00:00"
LINK_SECRET = "serve-link-secret-" + "z" * 30
HOOK_SECRET = "serve-hook-secret-" + "y" * 16


def example_configuration(server_url: str, mailbox: Mailbox, chat: Receiver) -> str:
    """The shipped example, pointed at this machine: the server's address, the test's SMTP
    server and its certificate, the task list by its full path; the rest as shipped."""
    text = (ROOT / "examples" / "scheduled" / "mission.toml").read_text(encoding="utf-8")
    for old, new in (('"https://missions.example.com"', f'"{server_url}"'),
                     ('"smtp.example.com"', '"127.0.0.1"'),
                     ("port = 587", f"port = {mailbox.port}"),
                     ('"../tasks.json"', f'"{ROOT / "examples" / "tasks.json"}"')):
        assert old in text, old
        text = text.replace(old, new)
    return text.replace("[notify.email]\n", f'[notify.email]\nca-file = "{mailbox.cert}"\n') \
        + 'secret = "env:MISSION_CHAT_SECRET"\n'


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Server, Mailbox, Receiver]]:
    root = Path(tmp_path_factory.mktemp("planned"))
    mailbox = Mailbox(root).start()
    chat = Receiver(HOOK_SECRET, clock=lambda: time.time()).start()
    port = free_port()
    server = Server(root, clock=root / "clock",
                    options=("--port", str(port), "--tick", "0.3", "--timezone",
                             "Europe/Paris"))
    (root / "mission.toml").write_text(
        example_configuration(f"http://127.0.0.1:{port}", mailbox, chat), encoding="utf-8")
    chat.clock = lambda: parse_instant(server.clock.read_text().strip()).timestamp() \
        if server.clock else 0
    environment = {"MISSION_LINK_SECRET": LINK_SECRET, "MISSION_SMTP_PASSWORD": mailbox.password,
                   "MISSION_CHAT_WEBHOOK": chat.url, "MISSION_CHAT_SECRET": HOOK_SECRET}
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    server.set_clock(MONDAY)
    try:
        server.start()
        with Accounts(server.accounts) as accounts:
            accounts.add_user("ana", "ana password", ["planners"], "ana@example.com")
            accounts.add_user("mo", "mo password", ["planners"], "mo@example.com")
            accounts.add_user("prom", None, ["monitoring"])
            accounts.allow_start("planners", "daily_loop")
        time.sleep(1.0)  # scheduler rounds at 08:29:50: the schedule is seen, nothing fires
        assert server.api("GET", "/api/runs").json()["runs"] == []
        server.set_clock(FIRED)
        wait(lambda: server.api("GET", "/api/runs/1").status == 200)
        mailbox.wait_for(2)
        yield server, mailbox, chat
    finally:
        server.stop()
        mailbox.stop()
        chat.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def wait(condition: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def links_of(message: Any) -> dict[str, str]:
    return dict(re.findall(r"  (Yes|No): (http://\S+/answer/\S+)", body_text(message)))


@pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                    reason="no chromium and chromedriver installed (Debian: apt-get install "
                           "chromium chromium-driver; .ci/run does it)")
def test_a_scheduled_run_emails_a_link_that_answers_it_in_a_browser(
        planned: tuple[Server, Mailbox, Receiver], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    server, mailbox, chat = planned
    run = server.api("GET", "/api/runs/1").json()
    assert (run["status"], run["waiting_step_id"]) == ("waiting", "confirm_priorities")
    assert run["started_by"] == "schedule:weekday_planning"
    assert run["schedule"] == {"name": "weekday_planning",
                               "fire_at": "2026-12-07T07:30:00+00:00"}
    assert run["params"] == {"today": "2026-12-07"}
    messages = mailbox.messages[:2]
    assert sorted(str(m["To"]) for m in messages) == ["ana@example.com", "mo@example.com"]
    [slack] = chat.wait_for(1)
    assert slack.json()["text"].startswith("Run 1 (Daily planning loop), step "
                                           "`confirm_priorities` waits for an answer")
    email = next(m for m in messages if str(m["To"]) == "ana@example.com")
    assert "Started by schedule:weekday_planning at 2026-12-07 08:30 CET for the fire of " \
           "2026-12-07 08:30 CET" in body_text(email)
    links = links_of(email)
    assert set(links) == {"Yes", "No"}

    driver = browser
    find = driver.find_element
    driver.delete_all_cookies()
    driver.get(links["Yes"])  # what a mail scanner or a chat preview does: a GET
    assert find(By.TAG_NAME, "h1").text == "Answer “Yes” to run 1?"
    assert "This answers as ana, once" in find(By.CSS_SELECTOR, "form.panel").text
    shot(driver, "link-1-confirm")
    check_page(driver)
    assert server.api("GET", "/api/runs/1").json()["status"] == "waiting"  # nothing answered
    find(By.CSS_SELECTOR, "form.panel button").click()
    # the next page's heading (the condition passes over the old page's, gone stale)
    WebDriverWait(driver, 30).until(
        expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Thank you"))
    assert "answered by ana" in find(By.CSS_SELECTOR, "p.lead").text
    assert "The run succeeded" in find(By.CSS_SELECTOR, "p.lead").text
    shot(driver, "link-2-answered")
    run = server.api("GET", "/api/runs/1").json()
    assert run["status"] == "succeeded" and run["answered_by"] == {"confirm_priorities": "ana"}
    assert run["events"][-1]["by"] == "ana" and run["events"][-1]["at"] == FIRED

    driver.get(links["Yes"])  # used: refused, saying who answered and when
    assert find(By.TAG_NAME, "h1").text == "Already answered"
    assert f"You (ana) answered step `confirm_priorities` of run 1 already: true at {FIRED}" \
        in find(By.CSS_SELECTOR, ".error").text
    shot(driver, "link-3-used")
    check_page(driver)
    driver.get(links["No"])  # ana's other link: refused too
    assert find(By.TAG_NAME, "h1").text == "Already answered"
    mo_links = links_of(next(m for m in messages if str(m["To"]) == "mo@example.com"))
    driver.get(mo_links["No"])  # mo's: the step is decided, by ana
    assert "step `confirm_priorities` of run 1 was already answered by ana" in \
        find(By.CSS_SELECTOR, ".error").text
    again = server.request("POST", "/answer/" + links["No"].rsplit("/", 1)[1],
                           form={"confirm": "yes"})
    assert again.status == 409 and "answered step `confirm_priorities` of run 1 already" in \
        again.text

    token = links["Yes"].rsplit("/", 1)[1]
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    driver.get(links["Yes"].replace(token, altered))
    assert find(By.TAG_NAME, "h1").text == "This link does not answer"
    assert "This link is not valid: it was changed or cut" in \
        find(By.CSS_SELECTOR, ".error").text
    server.set_clock("2026-12-08T08:00:00+00:00")  # the example's links last a day
    driver.get(mo_links["Yes"])
    assert find(By.TAG_NAME, "h1").text == "This link has expired"
    shot(driver, "link-4-expired")
    bare = server.request("POST", "/answer/" + token)  # a POST without the button's field
    assert bare.status in (400, 415)
    assert server.api("GET", "/api/runs/1").json()["answered_by"] == {
        "confirm_priorities": "ana"}


def test_healthz_and_metrics_scraped_and_parsed(planned: tuple[Server, Mailbox, Receiver]
                                                ) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    server, _, _ = planned
    health = server.request("GET", "/healthz")
    assert (health.status, health.json()) == (200, {"status": "ok"})
    assert server.request("GET", "/metrics").status == 401
    ana = server.users("token", "ana").strip()
    assert server.request("GET", "/metrics", token=ana).status == 403
    prom = server.users("token", "prom").strip()

    def scraped() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        reply = server.request("GET", "/metrics", token=prom)
        assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(reply.text)
                for sample in family.samples}

    started = server.api("POST", "/api/runs", {"mission": "daily_loop",
                                               "params": {"today": "2026-12-08"}})
    assert started.status == 201, started.text
    samples = scraped()
    waiting = server.api("GET", "/api/runs?status=waiting").json()["runs"]
    assert samples[("mission_runs_waiting", ())] == len(waiting) >= 1
    assert samples[("mission_deadlines_due", ())] == samples[("mission_deadlines_overdue",
                                                              ())] == 0
    assert samples[("mission_deliveries_failed", ())] == 0
    assert ("mission_outbox_depth", ()) in samples
    scheduled = [server.api("GET", f"/api/runs/{row['run_id']}").json()
                 for row in server.api("GET", "/api/runs").json()["runs"]
                 if row["created_by"] == "schedule:weekday_planning"]
    latest = max(scheduled, key=lambda run: run["run_id"])
    lag = parse_instant(latest["started_at"]) - parse_instant(latest["schedule"]["fire_at"])
    label = (("schedule", "weekday_planning"),)
    assert samples[("mission_schedule_lag_seconds", label)] == lag.total_seconds()
    assert samples[("mission_schedule_behind_seconds", label)] == 0
    # the new run's emails are sent (counted), and an answer through the API is counted
    wait(lambda: scraped().get(("mission_deliveries_total", (("channel", "email"),
                                                            ("outcome", "sent")))))
    before = samples.get(("mission_answers_total", (("via", "api"),)), 0)
    run_id = started.json()["run_id"]
    answered = server.api("POST", f"/api/runs/{run_id}/answers",
                          {"step": "confirm_priorities", "answer": False})
    assert answered.status == 200, answered.text
    assert scraped()[("mission_answers_total", (("via", "api"),))] == before + 1


def test_a_link_answers_only_its_own_run_and_person(planned: tuple[Server, Mailbox, Receiver]
                                                   ) -> None:
    """Links made with the server's own key, for the wrong run, person or step: each is
    refused with its reason, and nothing is answered."""
    from mission.links import Link, link_key, make_token

    server, _, _ = planned
    started = server.api("POST", "/api/runs", {"mission": "daily_loop",
                                               "params": {"today": "2026-12-09"}}).json()
    run_id, at = started["run_id"], started["started_at"]
    key = link_key(LINK_SECRET)

    def opened(run: int, started_at: str | None, user: str, step: str = "confirm_priorities"
               ) -> tuple[int, str]:
        token = make_token(Link(run, started_at, step, user, True, "2099-01-01T00:00:00Z"), key)
        reply = server.request("GET", f"/answer/{token}")
        return reply.status, reply.text

    assert opened(run_id, "2020-01-01T00:00:00+00:00", "ana")[0] == 403  # another store's
    assert "This link is for another run" in opened(run_id, None, "ana")[1]
    status, text = opened(run_id, at, "ghost")
    assert status == 403 and "sent to ghost, who has no account on this server" in text
    status, text = opened(run_id, at, "prom")  # no planner: may not answer
    assert status == 403 and "prom may not answer step `confirm_priorities`" in text
    status, text = opened(999, at, "ana")
    assert status == 404 and "run 999, which is not in this server&#39;s run store" in text
    status, text = opened(run_id, at, "ana", "log_summary")
    assert status == 409 and "is not waiting for step `log_summary`" in text
    assert server.api("GET", f"/api/runs/{run_id}").json()["status"] == "waiting"
    status, text = opened(run_id, at, "ana")
    assert status == 200 and "Answer “Yes” to run" in text


def test_the_outbox_is_shown_to_admins_only(planned: tuple[Server, Mailbox, Receiver]) -> None:
    server, _, _ = planned
    listed = server.api("GET", "/api/notifications")
    assert listed.status == 200, listed.text
    found = listed.json()["notifications"]
    assert found and {item["state"] for item in found} <= {"sent", "pending", "dead"}
    ana = server.users("token", "ana").strip()
    refused = server.request("GET", "/api/notifications", token=ana)
    assert refused.status == 403 and "admins may" in refused.json()["error"]["message"]
    retried = server.api("POST", "/api/notifications/retry", {"ids": "dead"})
    assert retried.status == 200 and retried.json() == {"retried": 0}


def test_a_schedule_that_cannot_fire_stops_the_server_at_its_start(tmp_path: Path) -> None:
    (tmp_path / "mission.toml").write_text(
        '[schedules.nightly]\nmission = "daily_lop"\ncron = "0 3 * * *"\n', encoding="utf-8")
    refused = run_cli("serve", "--port", "0", "--store", str(tmp_path / "d" / "runs.sqlite3"),
                      cwd=tmp_path, timeout=60)
    assert refused.returncode == 2
    assert "error[E070]: schedule `nightly`: unknown mission `daily_lop`" in refused.stderr
    assert "1 schedule cannot fire; refusing to start" in refused.stderr
    (tmp_path / "mission.toml").write_text(
        '[notify]\nlink-secret = "env:NOT_SET_ANYWHERE"\n', encoding="utf-8")
    refused = run_cli("serve", "--port", "0", "--store", str(tmp_path / "d" / "runs.sqlite3"),
                      cwd=tmp_path, timeout=60)
    assert refused.returncode == 2
    assert "the link secret is kept in the environment variable NOT_SET_ANYWHERE, which is " \
           "not set" in refused.stderr


def test_sigkill_in_the_middle_of_a_delivery_loses_nothing(tmp_path: Path) -> None:
    """The receiver holds the request; the server is killed while it waits for the answer;
    restarted after its lease ended, it sends the message again, with the same key."""
    receiver = Receiver(HOOK_SECRET, clock=lambda: 0).start()
    receiver.hold.clear()
    (tmp_path / "mission.toml").write_text(
        f'[notify]\n[notify.webhooks.ops]\nurl = "{receiver.url}"\n'
        'secret = "env:MISSION_CHAT_SECRET"\n', encoding="utf-8")
    os.environ["MISSION_CHAT_SECRET"] = HOOK_SECRET
    server = Server(tmp_path, clock=tmp_path / "clock", options=("--tick", "0.3"))
    server.set_clock(MONDAY)
    receiver.clock = lambda: parse_instant(server.clock.read_text().strip()).timestamp() \
        if server.clock else 0
    try:
        server.start()
        started = server.api("POST", "/api/runs", {"mission": "release",
                                                   "params": {"release": "8.0"}})
        assert started.status == 201
        wait(lambda: receiver.arrived)  # the server is in the middle of the POST
        server.kill()
        receiver.hold.set()
        server.set_clock("2026-12-07T07:33:00+00:00")  # after the killed server's lease
        server.start()
        wait(lambda: len(receiver.accepted) >= 2)
        listed = run_cli("notifications", "--json", "--store", str(server.store),
                         cwd=tmp_path)
        [delivery] = json.loads(listed.stdout)
        assert delivery["state"] == "sent" and delivery["attempts"] == 2
        keys = {request.headers["idempotency-key"] for request in receiver.accepted}
        assert keys == {delivery["key"]}  # one message; its duplicate carries its key
    finally:
        server.stop()
        receiver.stop()
        os.environ.pop("MISSION_CHAT_SECRET", None)
