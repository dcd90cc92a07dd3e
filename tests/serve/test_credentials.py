"""Credentials can be withdrawn, and the accounts file is kept like the run store
(issue 20, items 7 and 8), through the real `mission users` and a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.serve.server import Server, cookie_from


def users(server: Server, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mission", "users", *args, "--store",
                           str(server.store), "--accounts", str(server.accounts)],
                          input=stdin, capture_output=True, text=True,
                          env=server.environment(), cwd=server.root, timeout=60, check=False)


def page_sign_in(server: Server, user: str, password: str) -> int:
    page = server.request("GET", "/login")
    nonce = page.text.split('name="nonce" value="', 1)[1].split('"', 1)[0]
    return server.request("POST", "/login",
                          form={"user": user, "password": password, "nonce": nonce},
                          cookies={"mission-login": cookie_from(page, "mission-login")}).status


def test_a_password_change_withdraws_the_users_tokens_and_one_token_can_be_revoked(
        server: Server) -> None:
    assert users(server, "add", "carol", "--password-stdin", "--group", "ops",
                 stdin="carols password\n").returncode == 0
    token = users(server, "token", "carol").stdout.strip()
    assert server.api("GET", "/api/runs", token=token).status == 200
    assert page_sign_in(server, "carol", token) == 303  # a token signs in to the pages too

    changed = users(server, "passwd", "carol", "--password-stdin", stdin="a new password\n")
    assert changed.returncode == 0
    assert "their sessions are signed out and their 1 API token revoked" in changed.stderr
    assert server.api("GET", "/api/runs", token=token).status == 401
    assert page_sign_in(server, "carol", token) == 401

    first, second = (users(server, "token", "carol").stdout.strip() for _ in range(2))
    listed = users(server, "tokens", "carol").stdout.split()
    assert listed == [f"{first[:12]}…", f"{second[:12]}…"]
    assert first not in users(server, "tokens", "carol").stdout  # only a prefix is shown
    revoked = users(server, "revoke", "carol", first[:12])
    assert revoked.returncode == 0 and "1 API token of `carol` revoked" in revoked.stderr
    assert server.api("GET", "/api/runs", token=first).status == 401
    assert server.api("GET", "/api/runs", token=second).status == 200
    unknown = users(server, "revoke", "carol", "mst_nothing")
    assert unknown.returncode == 2 and "no token of `carol` starts with" in unknown.stderr
    assert users(server, "revoke", "carol", "--all").returncode == 0
    assert server.api("GET", "/api/runs", token=second).status == 401


def test_a_user_leaves_a_group_and_a_grant_is_withdrawn(server: Server) -> None:
    assert users(server, "add", "dave", "--no-password", "--group", "ops", "--group",
                 "release_managers").returncode == 0
    token = users(server, "token", "dave").stdout.strip()
    assert users(server, "allow", "ops", "survey", "--missions",
                 str(server.root / "missions")).returncode == 0

    def may_start(name: str) -> bool:
        missions = server.api("GET", "/api/missions", token=token).json()["missions"]
        return next(m["may_start"] for m in missions if m["name"] == name)

    assert may_start("survey") and may_start("release")
    assert users(server, "disallow", "ops", "survey").returncode == 0
    assert not may_start("survey")
    again = users(server, "disallow", "ops", "survey")
    assert again.returncode == 2 and "group `ops` has no grant to start `survey`" in again.stderr
    assert users(server, "leave", "dave", "release_managers").returncode == 0
    assert not may_start("release")
    assert "dave\tops" in users(server, "list").stdout
    not_in = users(server, "leave", "dave", "release_managers")
    assert not_in.returncode == 2 and "is not in group" in not_in.stderr


def test_a_grant_names_a_mission_that_exists(server: Server) -> None:
    missions = str(server.root / "missions")
    typo = users(server, "allow", "ops", "relase", "--missions", missions)
    assert typo.returncode == 2
    assert "there is no mission `relase`" in typo.stderr
    assert "did you mean `release`?" in typo.stderr and "nothing changed" in typo.stderr
    unnamed = users(server, "allow", "ops", "release")  # a file of --missions, not given
    assert unnamed.returncode == 2 and "give --missions DIR" in unnamed.stderr
    assert users(server, "allow", "ops", "release", "--missions", missions).returncode == 0
    assert users(server, "allow", "ops", "daily_loop").returncode == 0  # a registered one
    assert ("ops", "relase") not in [tuple(line.split("\t")) for line in
                                     users(server, "grants").stdout.splitlines()]


def test_an_accounts_file_others_could_change_is_refused(tmp_path: Path) -> None:
    """The accounts file holds token hashes: a `-wal` planted beside it could add one. It is
    checked as the run store is (`runtime.store.check_surroundings`)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    done = subprocess.run([sys.executable, "-m", "mission", "users", "list", "--store",
                           str(private / "runs.sqlite3"), "--accounts",
                           str(shared / "serve.sqlite3")], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2
    assert (f"the accounts file {shared / 'serve.sqlite3'} is in {shared}, which other users "
            "can write (mode drwxrwxrwt)") in done.stderr
    assert not (shared / "serve.sqlite3").exists()
    served = subprocess.run([sys.executable, "-m", "mission", "serve", "--port", "0",
                             "--store", str(private / "runs.sqlite3"), "--accounts",
                             str(shared / "serve.sqlite3")], capture_output=True, text=True,
                            timeout=60, check=False)
    assert served.returncode == 2 and "which other users can write" in served.stderr
    (private / "serve.sqlite3-wal").symlink_to(tmp_path / "elsewhere.wal")
    planted = subprocess.run([sys.executable, "-m", "mission", "users", "list", "--store",
                              str(private / "runs.sqlite3"), "--accounts",
                              str(private / "serve.sqlite3")], capture_output=True, text=True,
                             timeout=60, check=False)
    assert planted.returncode == 2
    assert "serve.sqlite3-wal beside the accounts file is not a file of yours" in planted.stderr


def test_a_removed_user_is_signed_out_of_every_thread_of_the_server(server: Server) -> None:
    """Each thread of the server keeps its own connection to the accounts file. A new one
    used to open and close the file, which dropped every lock the process held on it: a
    `mission users` command then reset the file's WAL under the others, which went on
    reading the old accounts (a removed user's token still worked)."""
    assert users(server, "add", "erin", "--no-password").returncode == 0
    token = users(server, "token", "erin").stdout.strip()
    for _ in range(3):  # new threads, new connections
        assert page_sign_in(server, "erin", token) == 303
        assert server.api("GET", "/api/runs", token=token).status == 200
    assert users(server, "remove", "erin").returncode == 0
    assert [server.api("GET", "/api/runs", token=token).status for _ in range(8)] == [401] * 8
