"""`mission fmt` as a user runs it: a real subprocess on real files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.conftest import run_cli

UGLY = ("mission tidy {version 1\nparam n: int=1   # how many\n"
        "runtime bump {increment(at: state.n, by: param.n)}}")
TIDY = """mission tidy {
    version 1

    param n: int = 1  # how many

    runtime bump {
        increment(at: state.n, by: param.n)
    }
}
"""
BROKEN = "mission broken {\n    version 1\n    runtime a { noop( }\n}\n"


def test_rewrites_in_place_keeping_mode_and_symlinks(tmp_path: Path) -> None:
    real = tmp_path / "real.mission"
    real.write_text(UGLY, encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.mission"
    link.symlink_to(real.name)
    result = run_cli("fmt", str(link))
    assert result.returncode == 0, result.stderr
    assert "1 file reformatted" in result.stderr
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == TIDY
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    again = run_cli("fmt", str(tmp_path))
    assert again.returncode == 0
    assert "0 files reformatted, 1 left unchanged" in again.stderr  # the link is the file


def test_check_lists_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "ugly.mission").write_text(UGLY, encoding="utf-8")
    (tmp_path / "tidy.mission").write_text(TIDY, encoding="utf-8")
    result = run_cli("fmt", "--check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == f"would reformat {tmp_path / 'ugly.mission'}\n"
    assert "1 file would be reformatted, 1 already formatted" in result.stderr
    assert (tmp_path / "ugly.mission").read_text(encoding="utf-8") == UGLY
    assert run_cli("fmt", "--check", str(tmp_path / "tidy.mission")).returncode == 0


def test_diff_prints_a_unified_diff(tmp_path: Path) -> None:
    path = tmp_path / "ugly.mission"
    path.write_text(UGLY, encoding="utf-8")
    result = run_cli("fmt", "--diff", str(path))
    assert result.returncode == 1
    assert f"--- {path} (original)" in result.stdout
    assert "+    param n: int = 1  # how many\n" in result.stdout
    assert "-param n: int=1   # how many\n" in result.stdout
    assert path.read_text(encoding="utf-8") == UGLY


def test_standard_input_to_standard_output() -> None:
    result = run_cli("fmt", "-", stdin=UGLY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TIDY
    assert run_cli("fmt", "--check", "-", stdin=UGLY).returncode == 1
    assert run_cli("fmt", "--check", "-", stdin=TIDY).returncode == 0


def test_windows_line_endings_are_reported_and_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "crlf.mission"
    path.write_bytes(TIDY.replace("\n", "\r\n").encode("utf-8"))
    assert run_cli("fmt", "--check", str(path)).returncode == 1
    assert run_cli("fmt", str(path)).returncode == 0
    assert path.read_bytes() == TIDY.encode("utf-8")


def test_a_file_with_syntax_errors_is_left_untouched(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mission"
    broken.write_text(BROKEN, encoding="utf-8")
    ugly = tmp_path / "ugly.mission"
    ugly.write_text(UGLY, encoding="utf-8")
    result = run_cli("fmt", str(tmp_path))
    assert result.returncode == 1
    assert "error[E001]" in result.stderr
    assert f"{broken}: not formatted: 1 syntax error to fix first; the file is left unchanged" \
        in result.stderr
    assert "1 file reformatted, 0 left unchanged, 1 could not be formatted" in result.stderr
    assert broken.read_text(encoding="utf-8") == BROKEN
    assert ugly.read_text(encoding="utf-8") == TIDY
    piped = run_cli("fmt", "-", stdin=BROKEN)
    assert piped.returncode == 1 and piped.stdout == ""


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run_cli("fmt", str(tmp_path / "missing.mission"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    mixed = run_cli("fmt", "-", str(tmp_path))
    assert mixed.returncode == 2 and "cannot be combined" in mixed.stderr
    (tmp_path / "latin1.mission").write_bytes(b"mission caf\xe9 {}")
    assert run_cli("fmt", str(tmp_path / "latin1.mission")).returncode == 2


def test_the_shipped_examples_and_built_in_missions_are_formatted() -> None:
    result = run_cli("fmt", "--check", "examples/", "runtime/orchestration/missions/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "0 files would be reformatted" in result.stderr
