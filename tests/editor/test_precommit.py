"""`.pre-commit-hooks.yaml`: each hook runs its entry on the files pre-commit would pass."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from tests.conftest import ROOT, run_cli

HOOKS = {hook["id"]: hook for hook in yaml.safe_load(
    (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def run_hook(hook_id: str, *files: Path) -> int:
    hook = HOOKS[hook_id]
    command = shlex.split(hook["entry"])
    assert command[0] == "mission" and hook["language"] == "python"
    selected = [str(f) for f in files if re.search(hook["files"], f.name)]
    return run_cli(*command[1:], *hook.get("args", []), *selected).returncode


def test_the_two_hooks_exist() -> None:
    assert set(HOOKS) == {"mission-check", "mission-fmt"}


def test_mission_check_hook_fails_on_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.mission"
    good.write_text("mission good {\n    version 1\n}\n", encoding="utf-8")
    bad = tmp_path / "bad.mission"
    bad.write_text("mission bad {\n    version 1\n    runtime a { nope() }\n}\n",
                   encoding="utf-8")
    assert run_hook("mission-check", good) == 0
    assert run_hook("mission-check", good, bad) == 1


def test_mission_fmt_hook_rewrites_and_fails_like_black(tmp_path: Path) -> None:
    ugly = tmp_path / "ugly.mission"
    ugly.write_text("mission ugly {version 1}", encoding="utf-8")
    assert run_hook("mission-fmt", ugly) == 0
    assert ugly.read_text(encoding="utf-8") == "mission ugly {\n    version 1\n}\n"
    # pre-commit fails the hook because the file changed; the second run passes.
    assert run_hook("mission-fmt", ugly) == 0
