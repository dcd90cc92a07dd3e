"""The check cache: hits for unchanged files, misses for any change that matters."""

from __future__ import annotations

import json
import os
from pathlib import Path

from compiler.batch import check_paths
from compiler.cache import CheckCache, compiler_fingerprint
from compiler.config import DEFAULT, Config

MISSION = 'mission m "M" {\n    version 1\n    runtime a "A" { set(at: state.x, value: 1) }\n}\n'
BROKEN = MISSION.replace("set(", "sett(")


def run(path: Path, directory: Path, config: Config = DEFAULT) -> tuple[bool, list[str]]:
    cache = CheckCache.open(config.fingerprint, directory)
    [checked] = check_paths([str(path)], config, cache=cache)
    cache.save()
    return checked.cached, [d.code for d in checked.diagnostics]


def age(path: Path, seconds: int = 60) -> None:
    """Make the file look older than the racy window, as if edited a while ago."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 1_000_000_000))


def test_unchanged_file_is_a_hit_and_a_change_is_seen(tmp_path: Path) -> None:
    path, cache = tmp_path / "m.mission", tmp_path / "cache"
    path.write_text(BROKEN, encoding="utf-8")
    age(path)
    assert run(path, cache) == (False, ["E006"])
    assert run(path, cache) == (True, ["E006"])
    path.write_text(MISSION.replace("value: 1", "value: 22"), encoding="utf-8")  # another size
    assert run(path, cache) == (False, [])


def test_same_size_edit_within_the_same_tick_is_seen(tmp_path: Path) -> None:
    path, cache = tmp_path / "m.mission", tmp_path / "cache"
    path.write_text(MISSION, encoding="utf-8")
    stamp = path.stat()
    assert run(path, cache) == (False, [])
    path.write_text(MISSION.replace("set(", "sat("), encoding="utf-8")  # same size
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # and the same mtime
    assert run(path, cache) == (False, ["E006"])


def test_configuration_change_uses_another_cache(tmp_path: Path) -> None:
    path, cache = tmp_path / "m.mission", tmp_path / "cache"
    path.write_text(MISSION.replace('"A" ', ""), encoding="utf-8")
    age(path)
    assert run(path, cache) == (False, ["W101"])
    quiet = Config(ignore=("W101",))
    assert run(path, cache, quiet) == (False, [])
    assert run(path, cache, quiet) == (True, [])


def test_a_damaged_or_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    path, cache = tmp_path / "m.mission", tmp_path / "cache"
    path.write_text(BROKEN, encoding="utf-8")
    age(path)
    run(path, cache)
    [stored] = list(cache.glob("check-*.json"))
    stored.write_text("{not json", encoding="utf-8")
    assert run(path, cache) == (False, ["E006"])
    data = json.loads(stored.read_text(encoding="utf-8"))
    data["findings"] = {}  # a forged "clean" result
    stored.write_text(json.dumps(data), encoding="utf-8")
    stored.chmod(0o666)  # writable by others: not trusted
    assert run(path, cache) == (False, ["E006"])


def test_the_compiler_fingerprint_is_stable_and_covers_the_grammar() -> None:
    assert compiler_fingerprint() == compiler_fingerprint()
    assert len(compiler_fingerprint()) == 64


def test_without_jobs_the_check_s_workers_follow_the_files_left_to_compile() -> None:
    from compiler.batch import FILES_PER_WORKER, PARALLEL_THRESHOLD, default_jobs, workers_for

    assert workers_for(1, None) == workers_for(FILES_PER_WORKER * 2 - 1, None) == 1
    assert workers_for(FILES_PER_WORKER * 2, None) == min(2, default_jobs())
    assert workers_for(10**6, None) == default_jobs()
    assert workers_for(PARALLEL_THRESHOLD, 2) == 2 and workers_for(PARALLEL_THRESHOLD - 1, 2) == 1
