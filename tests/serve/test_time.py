"""`mission serve` in time, against real server processes whose clock is a file the test moves
(`MISSION_NOW=@FILE`): who started a run and when, approvals by several people, no
self-approval, deadlines that win over a late answer, cancellation and who may do it, the
timer service inside the server, a deadline across a daylight-saving change, and the run
lists' filters, cursor and field names."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.serve.conftest import add_managers
from tests.serve.server import IN_TIME, Server, sign_in, store_snapshot

T0 = "2026-10-24T09:00:00+00:00"  # Paris leaves summer time on the 25th, at 01:00 UTC


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    """A server without timers (the test decides when deadlines fire), in Paris time."""
    root = Path(tmp_path_factory.mktemp("timed"))
    server = Server(root, clock=root / "clock", missions=IN_TIME,
                    options=("--no-timers", "--timezone", "Europe/Paris"))
    server.set_clock(T0)
    server.start()
    yield server, add_managers(server)
    server.stop()


def start(server: Server, token: str, mission: str = "expense", **params: Any) -> int:
    reply = server.api("POST", "/api/runs", {"mission": mission, "params": params}, token=token)
    assert reply.status == 201, reply.text
    return int(reply.json()["run_id"])


def answer(server: Server, token: str, run_id: int, value: Any,
           step: str = "approve") -> tuple[int, dict[str, Any]]:
    reply = server.api("POST", f"/api/runs/{run_id}/answers", {"step": step, "answer": value},
                       token=token)
    return reply.status, reply.json()


def message(body: dict[str, Any]) -> str:
    return str(body["error"]["message"])


def test_two_people_approve_and_the_starter_may_not(timed: tuple[Server, dict[str, str]]
                                                    ) -> None:
    server, tokens = timed
    server.set_clock(T0)
    run_id = start(server, tokens["sam"], amount=250)
    run = server.api("GET", f"/api/runs/{run_id}", token=tokens["sam"]).json()
    assert (run["started_by"], run["started_at"], run["params"]) == ("sam", T0, {"amount": 250})
    assert run["question"]["approvals"] == {"needed": 2, "given": []}

    before = store_snapshot(server.store)
    status, body = answer(server, tokens["sam"], run_id, "yes")
    assert (status, message(body)) == (403, "sam started this run and may not answer step "
                                            "`approve` (no self-approval)")
    status, body = answer(server, tokens["eve"], run_id, "yes")
    assert status == 403 and "only members of `managers` may" in message(body)
    assert store_snapshot(server.store) == before  # refused: nothing written

    server.set_clock("2026-10-24T10:30:00+00:00")
    status, body = answer(server, tokens["ann"], run_id, "yes")
    assert status == 200, body
    assert body["status"] == "waiting"
    assert body["question"]["approvals"]["given"] == [
        {"by": "ann", "answer": True, "at": "2026-10-24T10:30:00+00:00"}]
    status, body = answer(server, tokens["ann"], run_id, "yes")
    assert (status, message(body)) == (403, "ann has already answered step `approve`; another "
                                            "person must answer it")
    server.set_clock("2026-10-24T11:00:00+00:00")
    status, body = answer(server, tokens["bo"], run_id, "yes")
    assert status == 200, body
    assert (body["status"], body["final_state"]["paid"]) == ("succeeded", 250)
    assert body["answered_by"] == {"approve": "ann, bo"}
    assert [(event["by"], event["at"]) for event in body["events"]] == [
        ("ann", "2026-10-24T10:30:00+00:00"), ("bo", "2026-10-24T11:00:00+00:00")]
    assert (body["updated_at"], body["finished_at"]) == ("2026-10-24T11:00:00+00:00",) * 2
    assert server.api("GET", f"/api/runs/{run_id}/verify").json()["verified"]


def test_a_deadline_that_passed_decides_before_a_late_answer(
        timed: tuple[Server, dict[str, str]]) -> None:
    server, tokens = timed
    server.set_clock(T0)
    run_id = start(server, tokens["sam"])
    # a day later (no timer runs in this server): ann's answer fires the due deadline first,
    # which moves the question to the directors, so ann may not answer any more
    server.set_clock("2026-10-25T09:00:30+00:00")
    status, body = answer(server, tokens["ann"], run_id, "yes")
    assert (status, message(body)) == (
        403, "ann may not answer step `approve`: only members of `directors` may (its "
             "deadline passed at 2026-10-25T09:00:30+00:00 and moved the question to them)")
    run = server.api("GET", f"/api/runs/{run_id}").json()
    assert (run["asked"], run["due_at"]) == ("directors", "2026-10-26T09:00:30+00:00")
    # a day after that, dee answers too late: the deadline's default won, and she is told
    server.set_clock("2026-10-26T12:00:00+00:00")
    status, body = answer(server, tokens["dee"], run_id, "yes")
    assert (status, message(body)) == (
        409, "the deadline of step `approve` passed at 2026-10-26T12:00:00+00:00 and applied "
             f"its default answer false; run {run_id} is not waiting for an answer: it "
             "succeeded at 2026-10-26T12:00:00+00:00")
    run = server.api("GET", f"/api/runs/{run_id}").json()
    assert run["answers"] == {"approve": False} and run["answered_by"] == {
        "approve": "the deadline"}
    assert [event["kind"] for event in run["events"]] == ["deadline", "deadline"]
    # someone who could never answer the step is refused before the run is touched
    other = start(server, tokens["sam"])
    server.set_clock("2026-10-28T12:00:00+00:00")
    before = store_snapshot(server.store)
    status, body = answer(server, tokens["eve"], other, "yes")
    assert status == 403 and store_snapshot(server.store) == before


def test_who_may_cancel_and_what_a_cancelled_run_does(timed: tuple[Server, dict[str, str]]
                                                      ) -> None:
    server, tokens = timed
    server.set_clock(T0)
    run_id, other, done = (start(server, tokens["sam"]) for _ in range(3))
    before = store_snapshot(server.store)
    for name in ("eve", "ann"):
        refused = server.api("POST", f"/api/runs/{run_id}/cancel", {"reason": "no"},
                             token=tokens[name])
        assert (refused.status, message(refused.json())) == (
            403, f"{name} may not cancel run {run_id}: only admins and whoever started it "
                 "(sam) may")
    for body, wanted in (({}, "send {\"reason\": TEXT}"), ({"reason": "  "}, "cannot be empty"),
                         ({"reason": "x" * 1001}, "at most 1000 characters")):
        refused = server.api("POST", f"/api/runs/{run_id}/cancel", body, token=tokens["sam"])
        assert refused.status == 422 and wanted in message(refused.json())
    assert server.api("POST", "/api/runs/999/cancel", {"reason": "x"}).status == 404
    assert store_snapshot(server.store) == before

    server.set_clock("2026-10-24T09:30:00+00:00")
    cancelled = server.api("POST", f"/api/runs/{run_id}/cancel",
                           {"reason": "a duplicate of another expense"}, token=tokens["sam"])
    assert cancelled.status == 200, cancelled.text
    run = cancelled.json()
    assert (run["status"], run["finished_at"]) == ("cancelled", "2026-10-24T09:30:00+00:00")
    assert run["events"] == [{"kind": "cancel", "reason": "a duplicate of another expense",
                              "by": "sam", "at": "2026-10-24T09:30:00+00:00"}]
    again = server.api("POST", f"/api/runs/{run_id}/cancel", {"reason": "x"})
    assert again.status == 409 and "is cancelled already" in message(again.json())
    status, body = answer(server, tokens["ann"], run_id, "yes")
    assert status == 409 and message(body).startswith(
        f"run {run_id} was cancelled by sam at 2026-10-24T09:30:00+00:00 (a duplicate of "
        "another expense)")
    assert server.api("GET", f"/api/runs/{run_id}/verify").json()["verified"]
    waiting = server.api("GET", "/api/runs?status=waiting&limit=200").json()["runs"]
    assert run_id not in [row["run_id"] for row in waiting]

    by_admin = server.api("POST", f"/api/runs/{other}/cancel", {"reason": "cleaning up"})
    assert by_admin.status == 200 and by_admin.json()["events"][0]["by"] == "admin"
    answer(server, tokens["ann"], done, "no")  # a veto decides at once
    finished = server.api("POST", f"/api/runs/{done}/cancel", {"reason": "x"},
                          token=tokens["sam"])
    assert finished.status == 409
    assert message(finished.json()) == (f"run {done} is not waiting for an answer: it "
                                        "succeeded at 2026-10-24T09:30:00+00:00; only a "
                                        "waiting run can be cancelled")
    deleted = server.api("DELETE", f"/api/runs/{done}")
    assert deleted.status == 405 and f"POST /api/runs/{done}/cancel" in message(deleted.json())
    assert server.api("GET", f"/api/runs/{done}").json()["status"] == "succeeded"


def test_the_cancel_page_asks_for_a_reason_and_its_csrf_token(
        timed: tuple[Server, dict[str, str]]) -> None:
    server, tokens = timed
    server.set_clock(T0)
    run_id = start(server, tokens["sam"])
    eve, _ = sign_in(server, "eve", "eve password")
    assert server.request("GET", f"/runs/{run_id}/cancel", cookies=eve).status == 403
    assert "Cancel the run" not in server.request("GET", f"/runs/{run_id}", cookies=eve).text
    sam, csrf = sign_in(server, "sam", "sam password")
    page = server.request("GET", f"/runs/{run_id}", cookies=sam).text
    assert f'href="/runs/{run_id}/cancel"' in page
    assert "Answer it" not in page  # sam started it: no self-approval
    before = store_snapshot(server.store)
    forged = server.request("POST", f"/runs/{run_id}/cancel", form={"reason": "x"},
                            cookies=sam)
    assert forged.status == 403 and store_snapshot(server.store) == before
    empty = server.request("POST", f"/runs/{run_id}/cancel", form={"reason": "", "csrf": csrf},
                           cookies=sam)
    assert empty.status == 422 and "cannot be empty" in empty.text
    done = server.request("POST", f"/runs/{run_id}/cancel",
                          form={"reason": "wrong amount", "csrf": csrf}, cookies=sam)
    assert (done.status, done.headers["location"]) == (303, f"/runs/{run_id}")
    page = server.request("GET", f"/runs/{run_id}", cookies=sam).text
    assert "was cancelled by <strong>sam</strong> at 2026-10-24 11:00 CEST: wrong amount" in page


def test_a_deadline_across_the_change_to_winter_time_is_kept_in_utc_and_shown_in_paris(
        timed: tuple[Server, dict[str, str]]) -> None:
    server, tokens = timed
    server.set_clock(T0)  # 11:00 in Paris, summer time (UTC+2)
    run_id = start(server, tokens["sam"])
    run = server.api("GET", f"/api/runs/{run_id}").json()
    # a day is 24 hours: due at 09:00 UTC, which in Paris is 10:00, winter time (UTC+1)
    assert (run["started_at"], run["due_at"]) == (T0, "2026-10-25T09:00:00+00:00")
    assert run["question"]["remind_at"] == "2026-10-25T08:00:00+00:00"
    server.set_clock("2026-10-25T06:00:00+00:00")
    cookies, _ = sign_in(server, "ann", "ann password")
    page = server.request("GET", f"/runs/{run_id}", cookies=cookies).text
    assert "2026-10-24 11:00 CEST by sam" in page  # the start
    assert "Waiting since 2026-10-24 11:00 CEST (waiting 21 hours)" in page
    assert "Deadline: <strong class=\"due\">2026-10-25 10:00 CET</strong> " \
           "<span class=\"due-label\">(due in 3 hours)</span>, then escalate to directors" in page
    assert "Reminder: 2026-10-25 09:00 CET" in page
    assert "Answer it" in page
    listed = server.request("GET", "/runs?started_by=sam", cookies=cookies).text
    assert "2026-10-24 11:00 CEST" in listed


def test_the_inbox_shows_what_one_may_answer_soonest_deadline_first(
        timed: tuple[Server, dict[str, str]]) -> None:
    server, tokens = timed
    server.set_clock("2026-11-02T09:00:00+00:00")
    later = start(server, tokens["sam"])
    server.set_clock("2026-11-01T09:00:00+00:00")  # started "earlier", due sooner
    sooner = start(server, tokens["eve"])
    mine = start(server, tokens["ann"])
    server.set_clock("2026-11-02T10:00:00+00:00")

    def inbox(name: str) -> list[int]:
        page = server.request("GET", "/", cookies=sign_in(server, name,
                                                          f"{name} password")[0]).text
        return [int(found) for found in re.findall(r'<td><a href="/runs/(\d+)">', page)]

    bo = inbox("bo")
    assert bo.index(sooner) < bo.index(mine) < bo.index(later)
    assert mine not in inbox("ann")  # she started it: she may not answer it
    assert not {later, sooner, mine} & set(inbox("eve"))  # not a manager
    assert not {later, sooner, mine} & set(inbox("dee"))  # not asked yet
    page = server.request("GET", "/", cookies=sign_in(server, "bo", "bo password")[0]).text
    assert '<span class="due-label overdue">overdue 1 hour</span>' in page  # `sooner`
    assert "waiting 1 day 1 hour" in page


def test_lists_filter_page_with_a_cursor_and_use_the_names_of_mission_runs_json(
        timed: tuple[Server, dict[str, str]]) -> None:
    server, tokens = timed
    server.set_clock("2026-12-01T09:00:00+00:00")
    expenses = [start(server, tokens[name]) for name in ("sam", "ann", "eve")]
    release = start(server, tokens["bo"], "release", release="8.0")
    # a run started from the command line on the same store is listed by its mission's name
    cli = run_cli("run", str(server.root / "missions" / "expense.json"), "--no-input",
                  "--store", str(server.store),
                  env={"MISSION_NOW": "2026-12-02T09:00:00+00:00", "TZ": "UTC"})
    assert cli.returncode == 3, cli.stderr
    from_cli = max([*expenses, release]) + 1

    def listed(query: str) -> list[dict[str, Any]]:
        reply = server.api("GET", f"/api/runs?{query}")
        assert reply.status == 200, reply.text
        return list(reply.json()["runs"])

    from jsonschema import validate

    from mission.serve.openapi import openapi_description

    schemas = openapi_description()["components"]["schemas"]
    validate(server.api("GET", "/api/runs?limit=2").json(), schemas["RunList"])
    for run_id in (expenses[0], release, from_cli):
        validate(server.api("GET", f"/api/runs/{run_id}").json(), schemas["Run"])
    everything = listed("limit=200")
    ids = [row["run_id"] for row in everything]
    assert ids == sorted(ids, reverse=True) and ids[0] == from_cli  # newest first
    assert [row["run_id"] for row in listed("mission=expense&since=2026-12-01")] == [
        from_cli, *reversed(expenses)]
    assert [row["run_id"] for row in listed("since=2026-12-01&until=2026-12-01")] == [
        release, *reversed(expenses)]  # a date is the whole day, in the server's zone
    assert [row["run_id"] for row in listed("started_by=bo&since=2026-12-01")] == [release]
    assert [row["run_id"] for row in listed("asked=release_managers&since=2026-12-01")] == [
        release]
    assert all(row["status"] == "waiting" for row in listed("status=waiting&limit=200"))

    # the cursor: pages of two, the same filters, every run once
    seen, page = [], "/api/runs?mission=expense&since=2026-12-01&limit=2"
    while page:
        reply = server.api("GET", page).json()
        seen += [row["run_id"] for row in reply["runs"]]
        assert len(reply["runs"]) <= 2
        page = reply["next"]
        if page:
            assert "mission=expense" in page and "limit=2" in page and "before=" in page
    assert seen == [from_cli, *reversed(expenses)]

    # the same run, listed by the API and by `mission runs --json`: the same fields
    shown = run_cli("runs", "--json", "--store", str(server.store), "--started-by", "bo",
                    env={"TZ": "UTC"})
    assert shown.returncode == 0, shown.stderr
    from_command = next(row for row in json.loads(shown.stdout) if row["run_id"] == release)
    from_api = next(row for row in everything if row["run_id"] == release)
    assert from_api == from_command
    assert from_api["name"] == "release" and from_api["created_by"] == "bo"
    run = server.api("GET", f"/api/runs/{release}").json()
    assert {key: run[key] for key in from_api if key != "problem"} == {
        key: value for key, value in from_api.items() if key != "problem"}
    assert run["title"] == "Release with a sign-off"
    page = server.request("GET", f"/runs/{from_cli}",
                          cookies=sign_in(server, "bo", "bo password")[0]).text
    assert "<h1>expense " in page and "wf-" not in page.split("<h1>", 1)[1].split("</h1>")[0]

    for query, wanted in (("status=lost", "`status` is one of"), ("since=yesterday", "`since`"),
                          ("limit=0", "`limit` is a whole number"),
                          ("before=x", "`before` is a run id")):
        reply = server.api("GET", f"/api/runs?{query}")
        assert reply.status == 400 and wanted in message(reply.json()), query


def test_the_timer_service_in_serve_fires_as_the_clock_moves(tmp_path: Path) -> None:
    server = Server(tmp_path, clock=tmp_path / "clock", missions=IN_TIME,
                    options=("--tick", "0.1"))
    server.set_clock(T0)
    server.start()
    try:
        assert "warning: the clock is virtual (MISSION_NOW=@" in server.logs[1].read_text(
            encoding="utf-8")
        tokens = add_managers(server)
        run_id = start(server, tokens["sam"])

        def logged(text: str) -> bool:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if text in server.log_text():
                    return True
                time.sleep(0.05)
            return False

        server.set_clock("2026-10-25T08:00:00+00:00")
        assert logged(f"run {run_id}: reminder: step `approve` waits for managers; its "
                      "deadline is due at 2026-10-25T09:00:00+00:00")
        server.set_clock("2026-10-25T09:00:01+00:00")
        assert logged(f"run {run_id}: the deadline of step `approve` passed at "
                      "2026-10-25T09:00:01+00:00 and moved the question to directors")
        run = server.api("GET", f"/api/runs/{run_id}").json()
        assert (run["asked"], run["events"][0]["kind"]) == ("directors", "deadline")
        server.set_clock("2026-10-26T08:30:00+00:00")
        assert logged(f"run {run_id}: reminder: step `approve` waits for directors; its "
                      "deadline is due at 2026-10-26T09:00:01+00:00")
        server.set_clock("2026-10-26T10:00:00+00:00")
        assert logged(f"run {run_id}: the deadline of step `approve` passed at "
                      "2026-10-26T10:00:00+00:00 and applied its default answer false; the run "
                      "succeeded")
        text = server.log_text()
        assert text.count(f"run {run_id}: the deadline") == 2  # each fired once
        assert text.count(f"run {run_id}: reminder") == 2  # one before each deadline
        assert server.api("GET", f"/api/runs/{run_id}/verify").json()["verified"]
        for token in tokens.values():
            assert token not in text
    finally:
        server.stop()
