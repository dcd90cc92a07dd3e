"""The JSON API of a real `mission serve` process over real HTTP on loopback."""

from __future__ import annotations

import threading

from openapi_spec_validator import validate

from tests.serve.server import Server, sign_in, store_snapshot


def token_of(server: Server, name: str) -> str:
    from mission.accounts import Accounts

    with Accounts(server.accounts) as accounts:
        return accounts.new_token(name)


def test_mission_users_manages_people_and_prints_a_token_once(server: Server) -> None:
    server.users("add", "carol", "--group", "release_managers", "--group", "qa",
                 "--password-stdin", stdin="carol's secret\n")
    token = server.users("token", "carol").strip()
    assert token.startswith("mst_")
    assert token.encode() not in server.accounts.read_bytes()  # only its hash is kept
    assert server.api("GET", "/api/missions", token=token).status == 200
    server.users("remove", "carol")
    assert server.api("GET", "/api/missions", token=token).status == 401


def test_start_get_list_answer_receipt_verify(server: Server) -> None:
    alice = token_of(server, "alice")
    started = server.api("POST", "/api/runs", {"mission": "release",
                                                "params": {"release": "2.0"}}, token=alice)
    assert started.status == 201, started.text
    run = started.json()
    run_id = run["run_id"]
    assert started.headers["location"] == f"/api/runs/{run_id}"
    assert (run["status"], run["waiting_step_id"]) == ("waiting", "sign_off")
    assert run["question"]["show"] == {"release": "2.0"}

    got = server.api("GET", f"/api/runs/{run_id}", token=alice).json()
    assert got["waiting_step_id"] == "sign_off"
    listed = server.api("GET", "/api/runs?status=waiting&mission=release", token=alice).json()
    assert run_id in [row["run_id"] for row in listed["runs"]]

    wrong = server.api("POST", f"/api/runs/{run_id}/answers",
                       {"step": "sign_off", "answer": "maybe"}, token=alice)
    assert wrong.status == 422
    # the message `mission resume` prints for the same answer
    assert wrong.json()["error"]["message"] == ("Step 'sign_off': answer yes or no, not the "
                                                "str 'maybe'")
    server.api("POST", f"/api/runs/{run_id}/answers", {"step": "sign_off", "answer": "yes"},
               token=alice)
    done = server.api("POST", f"/api/runs/{run_id}/answers",
                      {"step": "channel", "answer": "beta"}, token=alice)
    assert done.status == 200, done.text
    assert done.json()["status"] == "succeeded"
    assert done.json()["answered_by"] == {"channel": "alice", "sign_off": "alice"}

    receipt = server.api("GET", f"/api/runs/{run_id}/receipt", token=alice).json()
    assert receipt["receipt"]["answered_by"] == {"channel": "alice", "sign_off": "alice"}
    verdict = server.api("GET", f"/api/runs/{run_id}/verify", token=alice).json()
    assert verdict == {"run_id": run_id, "verified": True, "differences": [],
                       "answered_by": {"channel": "alice", "sign_off": "alice"}}


def test_unsigned_and_forbidden_requests_leave_nothing_behind(server: Server) -> None:
    alice, eve = token_of(server, "alice"), token_of(server, "eve")
    run_id = server.api("POST", "/api/runs", {"mission": "release",
                                               "params": {"release": "3"}}, token=alice
                        ).json()["run_id"]
    before = store_snapshot(server.store)
    answer = {"step": "sign_off", "answer": "yes"}
    assert server.request("POST", f"/api/runs/{run_id}/answers", answer).status == 401
    assert server.api("POST", f"/api/runs/{run_id}/answers", answer,
                      token="mst_not-a-token").status == 401
    assert server.request("POST", "/api/runs", {"mission": "release"}).status == 401
    forbidden = server.api("POST", f"/api/runs/{run_id}/answers", answer, token=eve)
    assert forbidden.status == 403
    assert "only members of `release_managers` may" in forbidden.json()["error"]["message"]
    refused = server.api("POST", "/api/runs", {"mission": "release",
                                                "params": {"release": "4"}}, token=eve)
    assert refused.status == 403
    assert store_snapshot(server.store) == before


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(server: Server) -> None:
    alice = token_of(server, "alice")
    run_id = server.api("POST", "/api/runs", {"mission": "release",
                                               "params": {"release": "5"}}, token=alice
                        ).json()["run_id"]
    cookies, csrf = sign_in(server, "bob", "battery staple")
    before = store_snapshot(server.store)
    path = f"/runs/{run_id}/steps/sign_off"
    for form in ({"answer": "yes"}, {"answer": "yes", "csrf": "forged" + csrf}):
        refused = server.request("POST", path, form=form, cookies=cookies)
        assert refused.status == 403
        assert "security token is missing or stale" in refused.text
    assert store_snapshot(server.store) == before
    accepted = server.request("POST", path, form={"answer": "yes", "csrf": csrf},
                              cookies=cookies)
    assert accepted.status == 303
    assert server.api("GET", f"/api/runs/{run_id}").json()["answered_by"] == {"sign_off": "bob"}
    page = server.request("GET", f"/runs/{run_id}", cookies=cookies).text
    assert "waits for an answer to step <code>channel</code>" in page  # the banner
    assert "recomputed by replaying the run" in page  # state before/after each step


def test_two_people_answering_at_once_one_is_accepted(server: Server) -> None:
    tokens = {name: token_of(server, name) for name in ("alice", "bob")}
    for attempt in range(3):
        run_id = server.api("POST", "/api/runs", {"mission": "release",
                                                   "params": {"release": f"6.{attempt}"}},
                            token=tokens["alice"]).json()["run_id"]
        barrier = threading.Barrier(2)
        replies: dict[str, tuple[int, dict[str, object]]] = {}

        def answer(name: str, run_id: int = run_id, barrier: threading.Barrier = barrier,
                   replies: dict[str, tuple[int, dict[str, object]]] = replies) -> None:
            barrier.wait()
            reply = server.api("POST", f"/api/runs/{run_id}/answers",
                               {"step": "sign_off", "answer": name == "alice"},
                               token=tokens[name])
            replies[name] = (reply.status, reply.json())

        threads = [threading.Thread(target=answer, args=(name,)) for name in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(status for status, _ in replies.values())
        assert statuses == [200, 409], replies
        winner = next(name for name, (status, _) in replies.items() if status == 200)
        loser_message = next(body for status, body in replies.values() if status == 409)
        assert f"was already answered by {winner}" in str(loser_message)
        stored = server.api("GET", f"/api/runs/{run_id}").json()
        assert stored["answered_by"] == {"sign_off": winner}
        assert stored["answers"] == {"sign_off": winner == "alice"}


def test_pages_send_a_strict_policy_and_session_cookies_are_guarded(server: Server) -> None:
    from tests.serve.server import cookie_from

    page = server.request("GET", "/login")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    nonce = page.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    done = server.request("POST", "/login", form={"user": "bob", "password": "battery staple",
                                                  "nonce": nonce, "next": "//evil.example/x"},
                          cookies={"mission-login": cookie_from(page, "mission-login")})
    assert (done.status, done.headers["location"]) == (303, "/")  # no open redirect
    session = next(value for value in done.set_cookies if value.startswith("mission-session="))
    assert "HttpOnly" in session and "SameSite=strict" in session
    # a sign-in form replayed without its own cookie is refused
    stale = server.request("POST", "/login", form={"user": "bob", "password": "battery staple",
                                                   "nonce": nonce})
    assert stale.status == 403
    assert not any(value.startswith("mission-session=") for value in stale.set_cookies)


def test_an_oversized_body_is_refused_before_it_is_read(server: Server) -> None:
    before = store_snapshot(server.store)
    reply = server.request("POST", "/api/runs", token=server.token,
                           body={"mission": "release", "params": {"release": "x" * 2_000_000}})
    assert reply.status == 413
    assert store_snapshot(server.store) == before


def test_the_openapi_description_is_valid_and_names_every_api_route(server: Server) -> None:
    from mission.serve.app import Settings, create_app

    reply = server.request("GET", "/api/openapi.json")
    assert reply.status == 200
    description = reply.json()
    validate(description)
    app = create_app(Settings(store=str(server.store), accounts=server.accounts, catalogue={}))
    routes = {(route.path, method.lower()) for route in app.routes
              for method in (getattr(route, "methods", None) or ()) if method != "HEAD"
              if route.path.startswith("/api/")}  # type: ignore[attr-defined]
    described = {(path, method) for path, item in description["paths"].items()
                 for method in item}
    assert routes == described
    # a real error body has the shape the description gives
    error = server.request("GET", "/api/runs").json()
    assert set(error) == {"error"} and {"status", "message"} <= set(error["error"])


def test_secrets_never_reach_the_servers_log(server: Server) -> None:
    sign_in(server, "alice", "correct horse")
    server.api("GET", "/api/runs")
    out, err = server.logs[0].read_text(encoding="utf-8"), server.logs[1].read_text(
        encoding="utf-8")
    assert out.count(server.token) == 1  # printed once, at the first start
    assert '"GET /api/runs HTTP/1.1" 200' in err  # the request log is there ...
    for secret in (server.token, "correct horse", "correct+horse", "battery", "pass word"):
        assert secret not in err  # ... without a token or password in it


def test_failed_sign_ins_are_limited_even_for_the_right_password(server: Server) -> None:
    # last in this module: it leaves `eve` locked out for five minutes
    from tests.serve.server import cookie_from

    def attempt(password: str) -> int:
        page = server.request("GET", "/login")
        nonce = page.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
        return server.request("POST", "/login",
                              form={"user": "eve", "password": password, "nonce": nonce},
                              cookies={"mission-login": cookie_from(page, "mission-login")}
                              ).status

    assert [attempt("wrong") for _ in range(5)] == [401] * 5
    assert attempt("pass word 1") == 429
