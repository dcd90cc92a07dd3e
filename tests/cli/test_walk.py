"""Finding missions in a tree: .gitignore rules, virtualenvs, tool directories, excludes."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.globs import compile_glob
from mission.walk import mission_files


@pytest.mark.parametrize(("pattern", "path", "directory", "ignored"), [
    ("*.mission", "a.mission", False, True),
    ("*.mission", "deep/down/a.mission", False, True),
    ("/top.mission", "top.mission", False, True),
    ("/top.mission", "sub/top.mission", False, False),
    ("build/", "build", True, True),
    ("build/", "build", False, False),
    ("docs/*.mission", "docs/a.mission", False, True),
    ("docs/*.mission", "docs/x/a.mission", False, False),
    ("**/gen", "a/b/gen", True, True),
    ("gen/**", "gen/a/b.mission", False, True),
    ("a/**/z.mission", "a/z.mission", False, True),
    ("a/**/z.mission", "a/b/c/z.mission", False, True),
    ("a?.mission", "ab.mission", False, True),
    ("a?.mission", "a/.mission", False, False),
    ("[ab].mission", "b.mission", False, True),
    ("[!ab].mission", "b.mission", False, False),
    ("\\#x.mission", "#x.mission", False, True),
])
def test_gitignore_patterns(pattern: str, path: str, directory: bool, ignored: bool) -> None:
    rule = compile_glob(pattern)
    assert rule is not None
    matched = bool(rule.pattern.fullmatch(path)) and (directory or not rule.directories_only)
    assert matched == ignored


def test_comments_and_blanks_are_not_rules() -> None:
    assert compile_glob("# note") is None and compile_glob("   ") is None


def make(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")


def test_walk_skips_ignored_files_virtualenvs_and_tool_directories(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    make(tmp_path, "a.mission", "skip.mission", "out/b.mission", "keep/c.mission",
         "keep/d.mission", "sub/e.mission", "sub/f.mission", ".venv/g.mission",
         "env/pyvenv.cfg", "env/h.mission", "node_modules/i.mission", "notes.txt")
    (tmp_path / ".gitignore").write_text("skip.mission\nout/\nkeep/*\n!keep/c.mission\n",
                                         encoding="utf-8")
    (tmp_path / "sub" / ".gitignore").write_text("f.mission\n", encoding="utf-8")
    (tmp_path / ".git" / "info").mkdir()
    (tmp_path / ".git" / "info" / "exclude").write_text("a.mission\n", encoding="utf-8")
    found = [path.relative_to(tmp_path).as_posix() for path in mission_files([str(tmp_path)])]
    assert found == ["keep/c.mission", "sub/e.mission"]


def test_a_subdirectory_inherits_the_rules_above_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    make(tmp_path, "sub/gen.mission", "sub/ok.mission")
    (tmp_path / ".gitignore").write_text("gen.mission\n", encoding="utf-8")
    found = [path.name for path in mission_files([str(tmp_path / "sub")])]
    assert found == ["ok.mission"]


def test_named_files_are_always_checked_and_listed_once(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    make(tmp_path, "skip.mission")
    (tmp_path / ".gitignore").write_text("skip.mission\n", encoding="utf-8")
    named = str(tmp_path / "skip.mission")
    assert [p.name for p in mission_files([named, named])] == ["skip.mission"]


def test_exclude_callback(tmp_path: Path) -> None:
    make(tmp_path, "a.mission", "gen/b.mission")
    found = mission_files([str(tmp_path)], excluded=lambda path: "/gen" in path)
    assert [path.name for path in found] == ["a.mission"]
