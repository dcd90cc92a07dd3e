"""`mission serve` and `mission users` as a user meets them: help, a missing extra, bad options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_serve_help_imports_no_web_stack(tmp_path: Path) -> None:
    done = python("import contextlib, io, sys\nfrom mission.cli import main\n"
                  "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
                  "    try:\n        main(['serve', '--help'])\n    except SystemExit:\n"
                  "        pass\n"
                  "assert '--host' in out.getvalue()\n"
                  "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2', 'lark') "
                  "if m in sys.modules))", ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_without_the_extra_it_says_how_to_install_it(tmp_path: Path) -> None:
    done = python("import sys\nsys.modules['uvicorn'] = None  # as if not installed\n"
                  "from mission.cli import main\n"
                  f"sys.exit(main(['serve', '--store', {str(tmp_path / 'runs.sqlite3')!r}]))",
                  ROOT)
    assert done.returncode == 2
    assert done.stderr == ("mission serve: the web server needs the `serve` extra (uvicorn is "
                           "not installed): pip install 'mission[serve]'\n")
    assert not (tmp_path / "runs.sqlite3").exists()  # nothing created


def test_bad_options_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    from mission.cli import main

    store = str(tmp_path / "runs.sqlite3")
    for arguments, message in (
            (["--port", "70000"], "--port is from 0 to 65535, not 70000"),
            (["--store", "ftp://host/x"], "`ftp://` is not a run store"),
            (["--missions", str(tmp_path / "nowhere")], "not a directory"),
            (["--host", "203.0.113.7", "--port", "0"], "cannot listen on 203.0.113.7:0"),
            (["--timezone", "Europe/Pariss"], "--timezone 'Europe/Pariss' is not a time zone "
                                              "this system knows: give an IANA name; did you "
                                              "mean Europe/Paris?"),
            (["--timezone", "../../etc/passwd"], "is not a time zone this system knows"),
            (["--tick", "0"], "--tick is from 0.05 to 3600 seconds, not 0")):
        given = arguments if "--store" in arguments else [*arguments, "--store", store]
        assert main(["serve", *given]) == 2, arguments
        assert message in capsys.readouterr().err


def test_a_password_is_never_an_argument(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mission", "users", "add", "dora", "--store",
                           str(tmp_path / "runs.sqlite3")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "--password-stdin (never as an argument)" in done.stderr


def test_a_virtual_clock_that_cannot_be_read_stops_the_server_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    from mission.cli import main

    monkeypatch.setenv("MISSION_NOW", f"@{tmp_path / 'no-clock'}")
    assert main(["serve", "--port", "0", "--store", str(tmp_path / "runs.sqlite3")]) == 2
    assert "MISSION_NOW: cannot read" in capsys.readouterr().err
    assert not (tmp_path / "runs.sqlite3").exists()  # stopped before anything was made
