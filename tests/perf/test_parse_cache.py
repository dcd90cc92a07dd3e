"""The fast path's table cache: used when sound, rebuilt when not, and Lark-free when warm."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compiler import tables
from tests.conftest import ROOT


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def rewrite_payload(path: Path, change: object) -> None:
    """Edit the cached tables and re-sign them, as a careless tool (not a disk error) would."""
    data = json.loads(path.read_bytes().partition(b"\n")[2])
    change(data)  # type: ignore[operator]
    payload = json.dumps(data).encode()
    header = json.dumps({"format": tables.FORMAT, "sha256": hashlib.sha256(payload).hexdigest()})
    path.write_bytes(header.encode() + b"\n" + payload)


def test_tables_are_cached_privately_and_read_back(cache_home: Path) -> None:
    built = tables.load_tables()
    path = tables.cache_file()
    assert path.is_file() and path.is_relative_to(cache_home)
    assert path.stat().st_mode & 0o077 == 0
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert tables.read_tables(path) == built


def test_use_cache_false_writes_nothing(cache_home: Path) -> None:
    tables.load_tables(use_cache=False)
    assert not tables.cache_file().exists()


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty", "header_only"])
def test_a_damaged_cache_is_refused_and_rebuilt(cache_home: Path, damage: str) -> None:
    good = tables.load_tables()
    path = tables.cache_file()
    data = path.read_bytes()
    broken = {
        "flip": data[:-10] + bytes([data[-10] ^ 0x01]) + data[-9:],
        "truncate": data[: len(data) // 2],
        "garbage": b"\x00\xff not json at all",
        "empty": b"",
        "header_only": data.partition(b"\n")[0],
    }[damage]
    path.write_bytes(broken)
    assert tables.read_tables(path) is None
    assert tables.load_tables() == good
    assert tables.read_tables(path) == good


@pytest.mark.parametrize("edit", ["other_grammar", "other_format", "other_lark", "bad_action",
                                  "bad_rule", "bad_terminal", "not_a_map"])
def test_tables_that_are_not_for_this_grammar_or_malformed_are_refused(
        cache_home: Path, edit: str) -> None:
    tables.load_tables()
    path = tables.cache_file()

    def change(data: dict[str, object]) -> None:
        if edit == "other_grammar":
            data["grammar"] = str(data["grammar"]) + "\n// changed"
        elif edit == "other_format":
            data["format"] = tables.FORMAT + 1
        elif edit == "other_lark":
            data["lark"] = "0.0.1"  # tables made by another Lark than the installed one
        elif edit == "bad_action":
            data["actions"][0]["NAME"] = 10**9  # type: ignore[index]
        elif edit == "bad_rule":
            data["rules"][0]["include"] = [[99, 0, 0]]  # type: ignore[index]
        elif edit == "bad_terminal":
            data["lexers"][0]["terminals"].append(["x)|(?P<y", "z"])  # type: ignore[index]
        else:
            data["lexers"] = {"0": 1}

    rewrite_payload(path, change)
    assert tables.read_tables(path) is None
    tables.load_tables()
    assert tables.read_tables(path) is not None


def test_a_cache_file_others_may_write_is_not_trusted(cache_home: Path) -> None:
    tables.load_tables()
    path = tables.cache_file()
    path.chmod(0o666)
    assert tables.read_tables(path) is None
    tables.load_tables()
    assert path.stat().st_mode & 0o077 == 0
    assert tables.read_tables(path) is not None


def test_a_symlink_in_place_of_the_cache_is_not_followed(cache_home: Path, tmp_path: Path) -> None:
    tables.load_tables()
    path = tables.cache_file()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    assert tables.read_tables(path) is None


def test_a_shared_cache_directory_is_not_used(cache_home: Path) -> None:
    directory = tables.cache_file().parent
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    tables.load_tables()
    assert not tables.cache_file().exists()


_PROBE = """
import sys
from compiler.fastparse import parse_fast
from compiler.source import SourceFile
text = open(sys.argv[1], encoding="utf-8").read()
result = parse_fast(SourceFile("d.mission", text))
print(result is not None, "lark" in sys.modules)
"""


def probe(cache_home: Path) -> str:
    daily = ROOT / "examples" / "daily_loop.mission"
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, str(daily)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home)}, check=True, timeout=120)
    return completed.stdout.strip()


def test_with_a_warm_cache_the_fast_path_does_not_import_lark(cache_home: Path) -> None:
    assert probe(cache_home) == "True True"  # cold: Lark builds the tables once
    assert probe(cache_home) == "True False"  # warm: no Lark at all
