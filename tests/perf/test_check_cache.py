"""The warm path of `mission check`: a hit costs one `stat`, and any change that matters
is seen: the file (content, size, time, inode), the configuration, the compiler's sources,
the path it is shown as. Real processes on real files; the timings live in `bench/`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import corpus
from compiler.cache import RACY_SECONDS, CheckCache, compiler_fingerprint
from compiler.config import DEFAULT
from tests.conftest import ROOT

CLEAN = 'mission m "M" {\n    version 1\n    runtime a "A" { set(at: state.x, value: 1) }\n}\n'
BROKEN = CLEAN.replace("set(", "sett(")  # E006, with a fix: the same size as CLEAN + 1
SAME_SIZE = CLEAN.replace("set(", "sat(")  # E006, the same size as CLEAN


def check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mission", "check", *args], cwd=project,
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "XDG_CACHE_HOME": str(project.parent / "cache"),
                               "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})


def without_time(output: str) -> str:
    return re.sub(r" in \d+\.\d\ds\b", "", output.rstrip("\n"))


def summary(output: str) -> str:
    return without_time(output).splitlines()[-1]


def age(path: Path, seconds: int = 60) -> None:
    """Make the file look older than the racy window, as if edited a while ago."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - seconds * 1_000_000_000))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    age(path)
    return path


def test_a_warm_run_prints_what_a_cold_run_prints(project: Path) -> None:
    corpus.write_tree(project / "tree", 120, invalid_share=0.3)
    for path in (project / "tree").rglob("*.mission"):
        age(path)
    cold = check(project, "--no-cache", "tree")
    first, warm = check(project, "tree"), check(project, "tree")
    assert cold.returncode == first.returncode == warm.returncode == 1
    assert "(120 unchanged, from the cache)" in summary(warm.stdout)
    assert without_time(warm.stdout).replace(" (120 unchanged, from the cache)", "") == \
        without_time(cold.stdout) == without_time(first.stdout)
    for name in ("json", "sarif", "github"):
        warm_report = check(project, "--format", name, "tree").stdout
        cold_report = check(project, "--no-cache", "--format", name, "tree").stdout
        assert re.sub(r" \(120 unchanged, from the cache\)| in \d+\.\d\ds", "", warm_report) == \
            re.sub(r" in \d+\.\d\ds", "", cold_report)
    absolute = check(project, str(project / "tree"))  # shown under another path
    assert str(project / "tree") in absolute.stdout
    assert without_time(absolute.stdout).replace(str(project / "tree"), "tree") == \
        without_time(warm.stdout)


PROBE = """
import contextlib, io, sys
from mission.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(["check", "tree"])
print(sorted(m for m in ("compiler.ast", "compiler.diagnostics", "compiler.parser",
                         "compiler.source", "compiler.batch") if m in sys.modules))
"""


def test_hits_need_neither_the_compiler_nor_the_files_text(project: Path) -> None:
    corpus.write_tree(project / "tree", 80, invalid_share=0.3)
    for path in (project / "tree").rglob("*.mission"):
        age(path)
    time.sleep(RACY_SECONDS + 0.2)  # the ctime cannot be set back: wait it out of the window
    check(project, "tree")
    check(project, "tree")  # now the findings' text is kept too
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=project, capture_output=True,
                          text=True, check=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(project.parent / "cache"),
                               "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "[]"


def test_any_change_to_a_file_is_seen(project: Path) -> None:
    path = write(project / "m.mission", CLEAN)
    assert "0 errors" in summary(check(project, ".").stdout)
    assert "(1 unchanged, from the cache): 0 errors" in summary(check(project, ".").stdout)

    write(path, BROKEN)  # another size
    assert "1 error" in summary(check(project, ".").stdout)

    info = path.stat()
    path.write_text(CLEAN.replace("value: 1", "value: 2"), encoding="utf-8")  # same size...
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1))  # ...one nanosecond later
    assert re.search(r"^Checked 1 file: 0 errors", summary(check(project, ".").stdout))

    info = path.stat()
    replacement = project / "new.tmp"
    replacement.write_text(SAME_SIZE, encoding="utf-8")  # same size, time: another inode
    os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(replacement, path)
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    assert path.stat().st_ino != info.st_ino
    done = check(project, ".")
    assert "error[E006]" in done.stdout and re.search(r"^Checked 1 file: 1 error",
                                                      summary(done.stdout))

    age(path, 120)  # touched, the same content: found by its hash, nothing compiled
    assert "(1 unchanged, from the cache): 1 error" in summary(check(project, ".").stdout)


def test_an_edit_in_the_same_clock_tick_is_seen(project: Path) -> None:
    path = project / "m.mission"
    path.write_text(CLEAN, encoding="utf-8")  # just written: racy, trusted by content only
    info = path.stat()
    check(project, ".")
    path.write_text(SAME_SIZE, encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same size, time and inode
    assert path.stat().st_ino == info.st_ino
    assert "1 error" in summary(check(project, ".").stdout)


def test_an_in_place_edit_that_restores_size_and_mtime_is_seen(project: Path) -> None:
    """The edit keeps the inode and the size and puts the mtime back (`os.utime`): only the
    ctime moved, and that is enough, whether or not the entry was still racy."""
    path = write(project / "m.mission", CLEAN)
    time.sleep(RACY_SECONDS + 0.2)  # out of the racy window: trusted by its stamp
    assert "0 errors" in summary(check(project, ".").stdout)
    assert "(1 unchanged, from the cache): 0 errors" in summary(check(project, ".").stdout)
    info = path.stat()
    with path.open("r+", encoding="utf-8") as stream:  # in place: the same inode
        stream.write(SAME_SIZE)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == \
        (info.st_ino, info.st_size, info.st_mtime_ns)
    assert after.st_ctime_ns != info.st_ctime_ns
    done = check(project, ".")
    assert "error[E006]" in done.stdout, done.stdout
    assert re.search(r"^Checked 1 file: 1 error", summary(done.stdout))
    assert "from the cache" not in summary(done.stdout)
    assert "1 error" in summary(check(project, "--no-cache", ".").stdout)


def test_a_configuration_change_is_seen(project: Path) -> None:
    write(project / "m.mission", CLEAN.replace('"A" ', ""))  # W101: a step without description
    assert "1 warning" in summary(check(project, ".").stdout)
    assert "1 warning" in summary(check(project, ".").stdout)
    (project / "mission.toml").write_text('ignore = ["W101"]\n', encoding="utf-8")
    assert "0 warnings" in summary(check(project, ".").stdout)
    (project / "mission.toml").write_text('ignore = []\n', encoding="utf-8")
    assert "1 warning" in summary(check(project, ".").stdout)


def copy_sources(destination: Path) -> Path:
    for folder in ("compiler", "grammar", "runtime/orchestration"):
        shutil.copytree(ROOT / folder, destination / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def test_any_change_to_the_compilers_sources_gives_another_cache(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "sources")
    before = compiler_fingerprint(root)
    assert compiler_fingerprint(root) == before
    (root / "compiler" / "__pycache__").mkdir()
    (root / "compiler" / "__pycache__" / "x.pyc").write_bytes(b"not a source")
    assert compiler_fingerprint(root) == before
    changed = []
    for relative in ("compiler/checks.py", "grammar/mission.lark",
                     "runtime/orchestration/operations.py", "compiler/rules/__init__.py"):
        path = root / relative
        info = path.stat()
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        changed.append(compiler_fingerprint(root))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000))
        changed.append(compiler_fingerprint(root))
    (root / "compiler" / "new_rule.py").write_text("", encoding="utf-8")
    changed.append(compiler_fingerprint(root))
    assert len({before, *changed}) == len(changed) + 1


def test_the_compiler_fingerprint_keys_the_cache_file(tmp_path: Path) -> None:
    first = CheckCache.open(DEFAULT.fingerprint, tmp_path)
    assert CheckCache.open(DEFAULT.fingerprint, tmp_path).file == first.file
    key = compiler_fingerprint()
    assert key in (compiler_fingerprint(),)  # stable within a version of the sources
    other = CheckCache(tmp_path, "0" * 64)
    assert other.file != first.file


def test_a_damaged_entry_is_a_miss_not_a_crash(project: Path) -> None:
    write(project / "m.mission", BROKEN)
    check(project, ".")
    [stored] = (project.parent / "cache").rglob("check-*.json")
    data = json.loads(stored.read_text(encoding="utf-8"))
    for key in data["findings"]:
        data["findings"][key] = [{"no": "severity"}]
    for key in data["files"]:
        data["files"][key] = "not a stamp"
    stored.write_text(json.dumps(data), encoding="utf-8")
    done = check(project, ".")
    assert done.returncode == 1 and "error[E006]" in done.stdout
    assert re.search(r"^Checked 1 file: 1 error", summary(done.stdout))
