"""`--store URL` through the real CLI: a waiting run on PostgreSQL, its password never shown,
and `mission store export/import` moving runs between backends with nothing lost."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli
from tests.postgres import Cluster

ECHO = ["run", "examples/daily_loop.mission", "--param", "today=2026-11-24",
        "--state", "examples/tasks.json", "--no-input"]


def test_a_run_waits_and_resumes_on_postgresql_and_the_password_is_never_shown(
        postgres_url: str, postgres_cluster: Cluster) -> None:
    password = postgres_cluster.password
    waited = run_cli(*ECHO, "--store", postgres_url)
    assert waited.returncode == 3, waited.stderr
    assert "mission resume 1 --store 'postgresql://mission:***@" in waited.stderr
    done = run_cli("resume", "1", "--answer", "confirm_priorities=yes",
                   env={"MISSION_STORE": postgres_url})
    assert done.returncode == 0, done.stderr
    wrong = run_cli("runs", "--store", postgres_url.replace(password, password + "x"))
    assert wrong.returncode == 2 and "password authentication failed" in wrong.stderr
    listed = run_cli("runs", "--store", postgres_url)
    assert "succeeded" in listed.stdout
    for result in (waited, done, wrong, listed):
        assert password not in result.stdout + result.stderr


def test_export_and_import_move_every_run_between_backends(tmp_path: Path,
                                                           postgres_url: str) -> None:
    sqlite = str(tmp_path / "runs.sqlite3")
    for _ in range(3):
        assert run_cli(*ECHO, "--store", sqlite).returncode == 3
    assert run_cli("resume", "2", "--store", sqlite,
                   "--answer", "confirm_priorities=no").returncode == 0
    exported = tmp_path / "runs.jsonl"
    assert run_cli("store", "export", "--store", sqlite, "-o", str(exported)).returncode == 0
    imported = run_cli("store", "import", str(exported), "--store", postgres_url)
    assert imported.returncode == 0, imported.stderr
    assert "3 runs imported" in imported.stderr
    again = run_cli("store", "import", str(exported), "--store", postgres_url)
    assert again.returncode == 0 and "0 runs imported" in again.stderr  # re-runnable
    back = tmp_path / "back.jsonl"
    assert run_cli("store", "export", "--store", postgres_url, "-o", str(back)).returncode == 0
    assert back.read_bytes() == exported.read_bytes()
    assert run_cli("verify", "2", "--store", postgres_url).returncode == 0
    assert run_cli("resume", "3", "--store", postgres_url,
                   "--answer", "confirm_priorities=yes").returncode == 0

    edited = tmp_path / "edited.jsonl"
    edited.write_text(exported.read_text().replace('2026-11-24', '2026-11-25', 1), encoding="utf-8")
    refused = run_cli("store", "import", str(edited), "--store", str(tmp_path / "other.db"))
    assert refused.returncode == 2 and "do not match the receipt" in refused.stderr
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(exported.read_text().splitlines(keepends=True)[:2]),
                   encoding="utf-8")
    refused = run_cli("store", "import", str(cut), "--store", str(tmp_path / "other.db"))
    assert refused.returncode == 2 and "was the file cut off?" in refused.stderr


def test_the_store_comes_from_the_option_else_the_environment_else_the_config(
        tmp_path: Path) -> None:
    from tests.conftest import ROOT

    (tmp_path / "mission.toml").write_text('store = "configured.sqlite3"\n', encoding="utf-8")
    run = ["run", str(ROOT / "examples/daily_loop.mission"), "--param", "today=2026-11-24",
           "--no-input"]
    assert run_cli(*run, cwd=tmp_path).returncode == 3
    assert run_cli(*run, cwd=tmp_path, env={"MISSION_STORE": "env.sqlite3"}).returncode == 3
    assert run_cli(*run, "--store", "sqlite:///given.sqlite3", cwd=tmp_path,
                   env={"MISSION_STORE": "env.sqlite3"}).returncode == 3
    assert {path.name for path in tmp_path.glob("*.sqlite3")} == {
        "configured.sqlite3", "env.sqlite3", "given.sqlite3"}
    listed = run_cli("runs", "--store", "mysql://x", cwd=tmp_path)
    assert listed.returncode == 2 and "`mysql://` is not a run store" in listed.stderr
