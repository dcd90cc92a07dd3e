"""`mission check` on a large tree shows a progress bar on a terminal's stderr, erased at
the end, and nothing extra when stderr is piped or the tree is small."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from bench import corpus
from mission.commands.check import PROGRESS_FROM
from tests.conftest import ROOT
from tests.perf.test_batch import read_all


def command(tree: Path) -> list[str]:
    return [sys.executable, "-m", "mission", "check", "--jobs", "2", str(tree)]


def environment(tree: Path) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PYTHONPATH": str(ROOT),
            "XDG_CACHE_HOME": str(tree.parent / "cache")}


def on_a_terminal(tree: Path) -> tuple[int, str, str]:
    """Exit code, stdout and what the terminal (stderr) received."""
    leader, follower = pty.openpty()
    with subprocess.Popen(command(tree), cwd=tree.parent, stdout=subprocess.PIPE,
                          stderr=follower, text=True, env=environment(tree)) as process:
        os.close(follower)
        stdout, _ = process.communicate(timeout=300)
        terminal = read_all(leader)
    os.close(leader)
    return process.returncode, stdout, terminal


@pytest.mark.parametrize("warm", [False, True])
def test_a_large_tree_gets_a_bar_on_a_terminal_that_is_erased(tmp_path: Path,
                                                               warm: bool) -> None:
    tree = tmp_path / "tree"
    corpus.write_tree(tree, PROGRESS_FROM + 20)
    if warm:
        on_a_terminal(tree)  # fills the cache: the bar then counts the hits
    code, stdout, terminal = on_a_terminal(tree)
    total = PROGRESS_FROM + 20
    assert code == 1  # one in twenty has a mistake
    assert "mission check [" in terminal and f"{total}/{total}" in terminal
    assert terminal.endswith("\r\x1b[2K")  # erased: the prompt comes back on a clean line
    assert f"Checked {total} files" in stdout and "\x1b" not in stdout


def test_piped_stderr_and_small_trees_get_no_bar(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    corpus.write_tree(tree, PROGRESS_FROM + 20)
    piped = subprocess.run(command(tree), cwd=tmp_path, capture_output=True, text=True,
                           timeout=300, check=False, env=environment(tree))
    assert piped.returncode == 1 and piped.stderr == ""
    small = tmp_path / "small"
    corpus.write_tree(small, 5, invalid_share=0)
    code, stdout, terminal = on_a_terminal(small)
    assert code == 0 and terminal == "" and "Checked 5 files" in stdout
