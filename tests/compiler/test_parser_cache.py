"""Lark's parser cache (`grammar.build_parser`): private JSON, never pickle, rebuilt when it is
damaged or not ours. (The fast path's table cache is tested in tests/perf/test_parse_cache.py.)"""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest

import grammar
from tests.conftest import ROOT

TEXT = (ROOT / "examples" / "daily_loop.mission").read_text(encoding="utf-8")


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def cache_files() -> list[Path]:
    return sorted(grammar.cache_directory().glob("parser-*"))


def fresh_tree() -> object:
    return grammar.build_parser(use_cache=False).parse(TEXT)


def test_the_cache_is_private_json_and_gives_the_same_parser(cache_home: Path) -> None:
    built = grammar.build_parser().parse(TEXT)
    [path] = cache_files()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    header, _, payload = path.read_bytes().partition(b"\n")
    assert json.loads(header)["format"] == grammar.CACHE_FORMAT
    json.loads(payload)  # plain data
    assert grammar.read_cache(path) is not None
    assert grammar.build_parser().parse(TEXT) == built == fresh_tree()


class _Trap:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_a_pickle_in_the_cache_is_never_loaded(cache_home: Path, tmp_path: Path) -> None:
    grammar.build_parser()
    [path] = cache_files()
    marker = tmp_path / "unpickled"
    path.write_bytes(pickle.dumps({"data": _Trap(marker), "memo": {}}))
    path.chmod(0o600)
    assert grammar.read_cache(path) is None
    assert grammar.build_parser().parse(TEXT) == fresh_tree()
    assert not marker.exists()
    assert grammar.read_cache(path) is not None  # rebuilt


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "other_format", "bad_tag"])
def test_a_damaged_cache_is_rebuilt(cache_home: Path, damage: str) -> None:
    grammar.build_parser()
    [path] = cache_files()
    data = path.read_bytes()
    header, _, payload = data.partition(b"\n")
    broken = {
        "flip": data[:-5] + bytes([data[-5] ^ 0x01]) + data[-4:],
        "truncate": data[: len(data) // 2],
        "empty": b"",
        "other_format": header.replace(b'"format":', b'"format":9,"old":') + b"\n" + payload,
        "bad_tag": header + b"\n" + b'{"x": 1}',
    }[damage]
    path.write_bytes(broken)
    assert grammar.read_cache(path) is None
    assert grammar.build_parser().parse(TEXT) == fresh_tree()
    assert grammar.read_cache(path) is not None


def test_a_cache_that_is_not_ours_or_others_may_write_is_ignored(
        cache_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    grammar.build_parser()
    [path] = cache_files()
    path.chmod(0o620)
    assert grammar.read_cache(path) is None
    path.chmod(0o600)
    owner = path.stat().st_uid
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)
    assert grammar.read_cache(path) is None
    monkeypatch.undo()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    assert grammar.read_cache(path) is None


def test_a_shared_cache_directory_is_not_used(cache_home: Path) -> None:
    directory = grammar.cache_directory()
    directory.mkdir(parents=True)
    directory.chmod(0o777)
    assert grammar.build_parser().parse(TEXT) == fresh_tree()
    assert cache_files() == []
