"""Every refusal of `mission serve` is a 4xx with a message, never a 500, and says no more
than it should (issue 20, items 9 and 12), against a real server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mission.serve.openapi import openapi_description
from tests.serve.server import Server, cookie_from, sign_in


def login_page(server: Server) -> tuple[str, str]:
    page = server.request("GET", "/login")
    return (page.text.split('name="nonce" value="', 1)[1].split('"', 1)[0],
            cookie_from(page, "mission-login"))


def raw_post(server: Server, path: str, body: bytes,
             cookies: dict[str, str]) -> tuple[int, str]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
        reply = connection.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")
    finally:
        connection.close()


def test_a_form_with_too_many_fields_is_413_not_a_500(server: Server) -> None:
    nonce, cookie = login_page(server)
    fields = {f"f{index}": "x" for index in range(250)}
    signed_out = server.request("POST", "/login", form={"user": "alice", "nonce": nonce,
                                                        **fields},
                                cookies={"mission-login": cookie})
    assert signed_out.status == 413 and "more than 200 fields" in signed_out.text
    cookies, csrf = sign_in(server, "alice", "correct horse")
    signed_in = server.request("POST", "/logout", form={"csrf": csrf, **fields},
                               cookies=cookies)
    assert signed_in.status == 413
    assert "Traceback" not in server.log_text() and " 500" not in server.log_text()


def test_a_form_that_is_not_utf8_is_refused_not_replaced(server: Server) -> None:
    nonce, cookie = login_page(server)
    for body in (f"user=al%FFice&password=x&nonce={nonce}".encode(),
                 b"user=al\xffice&password=x&nonce=" + nonce.encode()):
        status, text = raw_post(server, "/login", body, {"mission-login": cookie})
        assert status == 400 and "the form is not UTF-8 text" in text


def test_run_ids_are_ascii_digits(server: Server) -> None:
    from urllib.parse import quote

    from tests.conftest import run_cli

    server.api("POST", "/api/runs", {"mission": "survey"})  # run 1 is there
    for written in ("\u0661", "\uff11", "1_0", "+1"):
        reply = server.api("GET", f"/api/runs/{quote(written)}")
        assert reply.status == 404 and "a run id is a positive whole number" in reply.text
    resumed = run_cli("resume", "\u0661", "--answer", "a=1", "--store", str(server.store))
    assert resumed.returncode == 2 and "a run id is a positive whole number" in resumed.stderr
    verified = run_cli("verify", "\u0661", "--store", str(server.store))
    assert verified.returncode == 2 and "neither a receipt file nor a run id" in verified.stderr


def damage_a_run(server: Server) -> int:
    run_id = int(server.api("POST", "/api/runs", {"mission": "survey"}).json()["run_id"])
    with sqlite3.connect(server.store) as db:
        db.execute("UPDATE runs SET status = 'half-written' WHERE id = ?", (run_id,))
    return run_id


def test_a_damaged_run_is_listed_as_described_and_never_shows_where_the_store_is(
        server: Server) -> None:
    from jsonschema import validate

    run_id = damage_a_run(server)
    listed = server.api("GET", "/api/runs")
    assert listed.status == 200
    validate(listed.json(), openapi_description()["components"]["schemas"]["RunList"])
    row = next(row for row in listed.json()["runs"] if row["run_id"] == run_id)
    assert row["status"] == "damaged" and "integrity" in row["problem"]
    store = Path(server.store)
    for path in (f"/api/runs/{run_id}", f"/api/runs/{run_id}/receipt",
                 f"/api/runs/{run_id}/verify"):
        reply = server.api("GET", path)
        assert reply.status == 409, (path, reply.text)
        assert "the run store" in reply.text
        assert str(store) not in reply.text and str(store.parent) not in reply.text
    answered = server.api("POST", f"/api/runs/{run_id}/answers", {"step": "score",
                                                                  "answer": 3})
    assert answered.status == 409 and str(store.parent) not in answered.text


def test_every_store_backed_route_documents_503() -> None:
    paths = openapi_description()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            if path != "/api/openapi.json":
                assert "503" in operation["responses"], (method, path)


def test_numbers_are_read_as_people_write_them(server: Server) -> None:
    """`5_0`, the Arabic-Indic 5 and the full-width 5 are not numbers (Python's `int`
    and `float` read them); `50`, ` 7 `, `-3`, `1.5e1` are."""
    for written, wanted in (("5_0", None), ("\u0665", None), ("\uff15", None),
                            ("50", None), (" 7 ", 7), ("1.5e0", 1.5), ("0x5", None)):
        run_id = server.api("POST", "/api/runs", {"mission": "survey"}).json()["run_id"]
        reply = server.api("POST", f"/api/runs/{run_id}/answers",
                           {"step": "score", "answer": written})
        if wanted is None and written != "50":
            assert reply.status == 422, (written, reply.text)
            assert "answer with a number" in reply.text
        elif written == "50":
            assert reply.status == 422 and "at most 10" in reply.text
        else:
            assert reply.status == 200, (written, reply.text)
            assert reply.json()["final_state"]["score"] == wanted
