"""The run store: private files, integrity on load, versioned updates, foreign files refused."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.store import RunStore, StoreError, UnknownRun, default_path
from tests.runtime.records_fixtures import record_of

WAITING = record_of()
DONE = record_of({"approve": "yes", "note": "fine"})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_private_with_its_wal_files(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "runs.sqlite3"
    with RunStore(path) as store:
        store.create(WAITING)
        with store.claim(1):
            wal = path.with_name("runs.sqlite3-wal")
            shm = path.with_name("runs.sqlite3-shm")
            assert wal.exists() and shm.exists()
            assert (mode(path.parent), mode(path), mode(wal), mode(shm)) == \
                (0o700, 0o600, 0o600, 0o600)
            assert mode(path.with_name("runs.sqlite3.lock")) == 0o600
        assert store.integrity_check() == "ok"


def test_an_existing_store_others_could_read_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    with RunStore(path) as store:
        store.create(WAITING)
    path.chmod(0o644)
    with RunStore(path) as store:
        assert mode(path) == 0o600
        assert store.load(1).record == WAITING


def test_default_path_follows_xdg_data_home(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_path() == tmp_path / "mission" / "runs.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / ".local" / "share" / "mission" / "runs.sqlite3"


def test_runs_are_numbered_in_creation_order_and_round_trip(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.sqlite3") as store:
        assert [store.create(WAITING), store.create(DONE), store.create(WAITING)] == [1, 2, 3]
        assert store.load(2).record == DONE and store.load(2).version == 1
        listing = store.list()
        assert [(item.run_id, item.status, item.waiting_step, item.problem) for item in listing] \
            == [(1, "waiting", "approve", None), (2, "succeeded", None, None),
                (3, "waiting", "approve", None)]
        with pytest.raises(UnknownRun, match="there is no run 9"):
            store.load(9)


def test_an_update_checks_the_version(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.sqlite3") as store:
        run_id = store.create(WAITING)
        first, second = store.load(run_id), store.load(run_id)
        assert store.update(first, DONE).version == 2
        with pytest.raises(StoreError, match="was changed by another process while this one "
                                             "worked on it; nothing was saved"):
            store.update(second, DONE)
        assert store.load(run_id).record == DONE


def test_another_users_store_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.sqlite3"
    RunStore(path).close()
    owner = path.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    with pytest.raises(StoreError, match="belongs to another user; refusing to use it"):
        RunStore(path)


@pytest.mark.parametrize(("prepare", "words"), [
    (lambda path: path.write_bytes(b"not a database, just text" * 100),
     "is not a usable run store"),
    (lambda path: sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.commit(),
     "holds other tables"),
    (lambda path: sqlite3.connect(path).execute("PRAGMA user_version = 7"),
     "schema version 7"),
])
def test_files_that_are_not_stores_are_refused(tmp_path: Path, prepare: Any, words: str) -> None:
    path = tmp_path / "runs.sqlite3"
    prepare(path)
    with pytest.raises(StoreError) as raised:
        RunStore(path)
    assert words in str(raised.value)


COLUMNS = ("record", "record_hash", "mission", "status", "waiting_step")


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(COLUMNS), st.integers(min_value=0), st.integers(32, 126))
def test_any_single_byte_change_to_a_stored_record_is_detected(
        tmp_path: Path, column: str, position: int, byte: int) -> None:
    path = tmp_path / "runs.sqlite3"
    path.unlink(missing_ok=True)
    with RunStore(path) as store:
        run_id = store.create(WAITING)
    database = sqlite3.connect(path)
    value = database.execute(f"SELECT {column} FROM runs").fetchone()[0].encode("ascii")
    index = position % len(value)
    if value[index] == byte:
        byte = byte + 1 if byte < 126 else 32
    changed = value[:index] + bytes([byte]) + value[index + 1:]
    database.execute(f"UPDATE runs SET {column} = ?", (changed.decode("ascii"),))
    database.commit()
    database.close()
    with RunStore(path) as store:
        with pytest.raises(StoreError, match=f"run {run_id} in .* was changed outside mission "
                                             "or is damaged"):
            store.load(run_id)
        assert store.list()[0].problem is not None


@pytest.mark.parametrize(("sql", "words"), [
    ("UPDATE runs SET version = 5", "its integrity hash does not match"),
    ("UPDATE runs SET id = 2", "its integrity hash does not match"),
    ("UPDATE runs SET record = X'7b7d'", "a column has the wrong type"),
])
def test_other_edits_of_a_row_are_detected(tmp_path: Path, sql: str, words: str) -> None:
    path = tmp_path / "runs.sqlite3"
    with RunStore(path) as store:
        store.create(WAITING)
    database = sqlite3.connect(path)
    database.execute(sql)
    database.commit()
    database.close()
    with RunStore(path) as store:
        run_id = store.list()[0].run_id
        with pytest.raises(StoreError, match=words):
            store.load(run_id)


def test_a_record_that_is_not_utf8_is_reported_damaged_and_the_others_still_list(
        tmp_path: Path) -> None:
    # Issue 15: sqlite3 raised "Could not decode to UTF-8 column 'record'" while fetching, so
    # one bad row made the whole listing fail with an internal error.
    path = tmp_path / "runs.sqlite3"
    with RunStore(path) as store:
        store.create(WAITING)
        store.create(DONE)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE runs SET record = CAST(X'7bff22' AS TEXT), "
                   "mission = CAST(X'ff' AS TEXT) WHERE id = 1")
    with RunStore(path) as store:
        first, second = store.list()
        assert first.problem == "a column is not UTF-8 text" and first.mission == "\ufffd"
        assert second.problem is None
        with pytest.raises(StoreError, match=r"run 1 in .* is damaged \(a column is not UTF-8"):
            store.load(1)
        assert store.load(2).record == DONE


def test_random_byte_flips_in_the_file_never_escape_as_internal_errors(tmp_path: Path) -> None:
    # Real byte flips on a real SQLite file: every outcome is a StoreError or a clean read.
    original = tmp_path / "original.sqlite3"
    with RunStore(original) as store:
        for _ in range(3):
            store.create(WAITING)
    with sqlite3.connect(original) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = original.read_bytes()
    for position in range(0, len(data), max(1, len(data) // 200)):
        damaged = tmp_path / f"flip{position}.sqlite3"
        damaged.write_bytes(data[:position] + bytes([data[position] ^ 0xFF])
                            + data[position + 1:])
        try:
            with RunStore(damaged) as store:
                for listing in store.list():
                    with contextlib.suppress(StoreError):
                        store.load(listing.run_id)
        except StoreError:
            pass
        damaged.unlink()
