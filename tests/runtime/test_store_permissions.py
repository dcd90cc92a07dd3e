"""Who else can touch the run store (issue 15, the lower list): a read-only store can still
be listed, a store others could replace or add to is refused, and a planted `-wal` file is
never replayed. The attacks are real: real permissions, a real WAL made by SQLite."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pwd
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mission.cli import main as mission_main
from runtime.listing import LISTED
from runtime.store import _row_hash

MISSION = ('mission wait "Wait" {\n    version 1\n    human ask "Ask" {\n'
           '        confirm("Go on?") -> state.go\n    }\n'
           '    runtime done "Done" when state.go {\n        set(at: state.done, value: 1)\n'
           '    }\n}\n')


def mission_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = mission_main(list(args))
    return code, out.getvalue(), err.getvalue()


def waiting_store(directory: Path) -> Path:
    directory.mkdir(mode=0o700, exist_ok=True)
    source = directory / "wait.mission"
    source.write_text(MISSION, encoding="utf-8")
    store = directory / "runs.db"
    assert mission_cli("run", str(source), "--no-input", "--store", str(store))[0] == 3
    return store


NOBODY = pwd.getpwnam("nobody")


def as_another_user(work: Callable[[], tuple[int, str, str]]) -> tuple[int, str, str]:
    """`work()` in a child process running as `nobody` (the tests run as root, whom no
    permission stops); the modules it needs are imported before the fork."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY.pw_gid)
            os.setuid(NOBODY.pw_uid)
            os.write(write, json.dumps(work()).encode("utf-8"))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    code, out, err = json.loads(answer)
    return int(code), str(out), str(err)


@pytest.fixture
def reachable() -> Iterator[Path]:
    """A scratch directory `nobody` can pass through (pytest's own are root's, 0700)."""
    base = Path(tempfile.mkdtemp(prefix="mission-store-"))
    base.chmod(0o711)
    yield base
    for path in base.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o700)
    shutil.rmtree(base)


def test_a_read_only_store_can_be_listed_and_verified_not_changed(reachable: Path,
                                                                  tmp_path: Path) -> None:
    for directory_mode in (0o700, 0o500):  # the file read-only; the directory too
        store = waiting_store(reachable / f"store{directory_mode:o}")
        # Import everything the commands use while the files are still readable.
        for command in (("runs",), ("verify", "1"), ("resume", "1", "--answer", "ask=yes"),
                        ("resume", "9", "--answer", "ask=yes")):
            mission_cli(*command, "--store", str(tmp_path / "scratch" / "runs.db"))
        if os.geteuid() == 0:
            for path in (store.parent, *store.parent.iterdir()):
                os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid)
        store.chmod(0o400)
        store.parent.chmod(directory_mode)
        run: Callable[..., tuple[int, str, str]] = (
            (lambda *args: as_another_user(lambda: mission_cli(*args)))
            if os.geteuid() == 0 else mission_cli)
        code, out, err = run("runs", "--store", str(store))
        assert code == 0, err
        assert "waiting" in out and "wait.mission" in out and "damaged" not in out
        code, out, err = run("verify", "1", "--store", str(store))
        assert code == 0 and "verified" in out, out + err
        code, out, err = run("resume", "1", "--answer", "ask=yes", "--store", str(store))
        assert code == 2
        assert f"the run store {store} is read-only for you" in err
        store.parent.chmod(0o700)


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770, 0o720])
def test_a_store_in_a_directory_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    if mode & 0o020:  # writable by a group of others (not our own private group)
        if os.geteuid() != 0:
            pytest.skip("giving a directory to another group needs root")
        os.chown(shared, -1, NOBODY.pw_gid)
    shared.chmod(mode)
    code, _, err = mission_cli("runs", "--store", str(shared / "runs.db"))
    assert code == 2
    assert f"the run store {shared / 'runs.db'} is in {shared}, which other users can " \
        "write" in err and "they could replace it or plant its -wal file" in err
    assert not (shared / "runs.db").exists()  # nothing was created there


def test_a_directory_writable_by_our_own_private_group_is_accepted(tmp_path: Path) -> None:
    """Debian and Fedora give each user a private group and a umask of 002, so a project
    directory is often 0775; that group is ours alone, and the store there is used."""
    import grp

    mine = pwd.getpwuid(os.geteuid())
    others = [user.pw_name for user in pwd.getpwall()
              if user.pw_gid == mine.pw_gid and user.pw_uid != mine.pw_uid]
    if grp.getgrgid(mine.pw_gid).gr_mem or others:
        pytest.skip("this user's primary group is shared here, so it is not a private group")
    project = tmp_path / "project"
    project.mkdir()
    project.chmod(0o775)
    code, _, err = mission_cli("runs", "--store", str(project / "runs.db"))
    assert code == 0, err
    assert (project / "runs.db").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory away needs root")
def test_a_store_in_another_users_directory_is_refused(tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, NOBODY.pw_uid, NOBODY.pw_gid)
    code, _, err = mission_cli("runs", "--store", str(theirs / "runs.db"))
    assert code == 2 and "which belongs to another user, who could replace it" in err


def planted_wal(store: Path, scratch: Path) -> Path:
    """A `-wal` file that adds a forged run with a valid row hash, made by SQLite itself
    from a copy of the store (anyone who can write the directory can do it)."""
    scratch.mkdir(mode=0o700)
    copy = scratch / store.name
    shutil.copy(store, copy)
    database = sqlite3.connect(copy, isolation_level=None)
    database.execute("PRAGMA wal_autocheckpoint = 0")
    version, status, waiting, record, *listed = database.execute(
        f"SELECT version, status, waiting_step, record, {', '.join(LISTED)} FROM runs"
    ).fetchone()
    forged = json.loads(record)
    forged["mission"] = "planted.mission"
    text = json.dumps(forged, sort_keys=True, separators=(",", ":"))
    database.execute(
        "INSERT INTO runs (id, version, mission, status, waiting_step, record, record_hash, "
        f"{', '.join(LISTED)}) VALUES (2, ?, 'planted.mission', ?, ?, ?, ?"
        f"{', ?' * len(LISTED)})",
        (version, status, waiting, text,
         _row_hash(2, version, "planted.mission", status, waiting, text), *listed))
    wal = store.with_name(store.name + "-wal")
    shutil.copy(copy.with_name(copy.name + "-wal"), wal)
    database.close()
    return wal


def test_a_planted_wal_file_is_refused_and_never_replayed(tmp_path: Path) -> None:
    store = waiting_store(tmp_path / "store")
    wal = planted_wal(store, tmp_path / "attacker")
    backup = tmp_path / "planted.wal"
    shutil.copy(wal, backup)
    # Owned by the store's user, the WAL is replayed: the forged run lists as sound. This
    # is what someone else could do where they can write the directory.
    code, out, _ = mission_cli("runs", "--store", str(store))
    assert code == 0 and "planted.mission" in out and "damaged" not in out
    if os.geteuid() != 0:
        return  # a file of another user cannot be made here; the directory check stands
    store.with_name(store.name + "-wal").unlink(missing_ok=True)
    shutil.copy(backup, wal)
    assert mission_cli("runs", "--store", str(tmp_path / "scratch" / "runs.db"))[0] == 0
    fresh = waiting_store(tmp_path / "fresh")
    planted = fresh.with_name(fresh.name + "-wal")
    shutil.copy(backup, planted)
    os.chown(planted, NOBODY.pw_uid, NOBODY.pw_gid)
    code, out, err = mission_cli("runs", "--store", str(fresh))
    assert code == 2 and "planted.mission" not in out
    assert f"{planted} beside the run store is not a file of yours: it may have been " \
        "planted" in err
    planted.unlink()
    planted.symlink_to(backup)  # nor a link to one
    assert mission_cli("runs", "--store", str(fresh))[0] == 2
