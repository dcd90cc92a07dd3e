"""The long fuzz loop (`python -m fuzz`), a short run of each kind it finds nothing in.

The campaign runs outside CI (docs/security.md#fuzzing); here each kind runs a
few hundred inputs, so a regression in a harness or in mission shows up in CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz.__main__ import main


@pytest.mark.parametrize("kind", ["grammar", "mutation", "values", "workflow", "time",
                                  "testfile", "config"])
def test_a_short_fuzz_run_finds_nothing(kind: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([kind, "--inputs", "300", "--seed", "7", "--out", str(tmp_path)]) == 0
    assert '"done": 300, "findings": 0' in capsys.readouterr().out
    assert not any(tmp_path.iterdir())


def test_the_fuzz_workspace_keeps_its_runs_to_itself(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run the harness makes names its own store (or none): the campaign runs outside
    the test suite's isolated homes, and must not fill its user's run store."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["workflow", "--inputs", "20", "--seed", "3", "--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "data" / "mission").exists()
