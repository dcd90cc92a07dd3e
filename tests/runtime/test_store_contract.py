"""One test suite, both run stores: SQLite (a file) and PostgreSQL (a real server).

Each test gets a new, empty store of each kind from the `store_url` fixture; what only
one backend has (SQLite's file modes, PostgreSQL's migrations) is tested beside it.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from typing import Any

import pytest

from runtime.listing import LISTED, listed_columns
from runtime.orchestration.canonical import canonical_json
from runtime.store import StoredRun, _row_hash
from runtime.store_api import RunStoreAPI, StoreError, UnknownRun, is_postgres_url, open_store
from tests.conftest import ROOT
from tests.runtime.records_fixtures import record_of

WAITING = record_of()
DONE = record_of({"approve": "yes", "note": "fine"})


def raw_sql(url: str, sql: str, values: tuple[Any, ...] = ()) -> None:
    """Change the database behind mission's back, as someone with access to it could."""
    if is_postgres_url(url):
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.encode(), values)
    else:
        with sqlite3.connect(url) as connection:
            connection.execute(sql, values)
        connection.close()


def test_both_stores_implement_the_interface(store_url: str) -> None:
    with open_store(store_url) as store:
        assert isinstance(store, RunStoreAPI)


def test_runs_are_numbered_in_creation_order_and_round_trip(store_url: str) -> None:
    with open_store(store_url) as store:
        assert [store.create(WAITING), store.create(DONE), store.create(WAITING)] == [1, 2, 3]
    with open_store(store_url) as store:  # and they are there for the next connection
        assert store.load(2).record == DONE and store.load(2).version == 1
        assert [(item.run_id, item.status, item.waiting_step, item.problem)
                for item in store.list()] == [(1, "waiting", "approve", None),
                                              (2, "succeeded", None, None),
                                              (3, "waiting", "approve", None)]
        with pytest.raises(UnknownRun, match="there is no run 9"):
            store.load(9)
        assert store.integrity_check() == "ok"


def test_an_update_checks_the_version(store_url: str) -> None:
    with open_store(store_url) as store, open_store(store_url) as other:
        run_id = store.create(WAITING)
        first, second = store.load(run_id), other.load(run_id)
        assert store.update(first, DONE).version == 2
        with pytest.raises(StoreError, match="was changed by another process while this one "
                                             "worked on it; nothing was saved"):
            other.update(second, DONE)
        assert other.load(run_id) == StoredRun(run_id, 2, DONE)


HOLDER = """
import sys
from runtime.store_api import open_store
with open_store(sys.argv[1]) as store, store.claim(1):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_claim_excludes_other_processes_until_the_holder_dies(store_url: str) -> None:
    with open_store(store_url) as store:
        store.create(WAITING)
        store.create(WAITING)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, store_url], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            with pytest.raises(StoreError, match="run 1 is being resumed by another process "
                                                 "right now"), store.claim(1):
                pass
            with store.claim(2):  # another run is free
                pass
        finally:
            holder.send_signal(signal.SIGKILL)  # killed holding it: the lock goes with it
            holder.wait(timeout=30)
        for _ in range(50):  # the server notices the dead connection within moments
            try:
                with store.claim(1):
                    break
            except StoreError:
                subprocess.run(["sleep", "0.1"], check=True)
        else:
            pytest.fail("the claim of a killed holder was never released")


@pytest.mark.parametrize(("sql", "words"), [
    ("UPDATE runs SET version = 5", "its integrity hash does not match"),
    ("UPDATE runs SET status = 'succeeded'", "its integrity hash does not match"),
    ("UPDATE runs SET record = replace(record, '\"approve\"', '\"approvE\"')",
     "its integrity hash does not match"),
    ("UPDATE runs SET id = 2", "its integrity hash does not match"),
])
def test_an_edited_row_is_refused(store_url: str, sql: str, words: str) -> None:
    with open_store(store_url) as store:
        store.create(WAITING)
    raw_sql(store_url, sql)
    with open_store(store_url) as store:
        [item] = store.list()
        assert item.problem == words
        with pytest.raises(StoreError, match=f"run {item.run_id} in .* was changed outside "
                                             f"mission or is damaged \\({words}\\); refusing"):
            store.load(item.run_id)


def test_an_import_keeps_ids_skips_what_is_there_and_refuses_a_clash(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.insert(StoredRun(7, 2, DONE)) is True
        assert store.insert(StoredRun(7, 2, DONE)) is False  # again: already there
        with pytest.raises(StoreError, match=r"run 7 is already in .* with another record"):
            store.insert(StoredRun(7, 1, WAITING))
        assert store.load(7) == StoredRun(7, 2, DONE)
        assert store.create(WAITING) == 8  # new runs come after the imported ones
        assert store.integrity_check() == "ok"


def test_a_newer_schema_is_refused_and_left_alone(store_url: str) -> None:
    with open_store(store_url) as store:
        store.create(WAITING)
    if is_postgres_url(store_url):
        raw_sql(store_url, "UPDATE mission_schema SET version = 99")
    else:
        raw_sql(store_url, "PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="schema version 99; this mission reads version"):
        open_store(store_url)


@pytest.mark.parametrize("version", [-1, -5])
def test_a_negative_schema_version_is_refused_not_migrated(store_url: str, version: int) -> None:
    """A damaged header (found by the fuzz campaign): -1 ran the last migration again,
    -5 was an IndexError."""
    with open_store(store_url) as store:
        store.create(WAITING)
    if is_postgres_url(store_url):
        raw_sql(store_url, "UPDATE mission_schema SET version = %s", (version,))
    else:
        raw_sql(store_url, f"PRAGMA user_version = {version}")
    with pytest.raises(StoreError, match=f"schema version {version}, which no mission writes"):
        open_store(store_url)


def test_migrations_run_on_first_use_from_every_earlier_version(postgres_cluster: Any) -> None:
    from runtime.postgres_store import MIGRATIONS, SCHEMA_VERSION

    text = canonical_json(WAITING.to_json())
    row = (1, 1, WAITING.mission, WAITING.status, WAITING.waiting_step_id, text,
           _row_hash(1, 1, WAITING.mission, WAITING.status, WAITING.waiting_step_id, text))
    for start in range(SCHEMA_VERSION):
        url = postgres_cluster.create_database(f"migrate_from_{start}")
        for version in range(start):  # a store left at version `start` by an older mission
            for statement in MIGRATIONS[version]:
                raw_sql(url, statement)
            raw_sql(url, "UPDATE mission_schema SET version = %s", (version + 1,))
        if start >= 1:  # with a run in it, as version 1 wrote runs
            raw_sql(url, "INSERT INTO runs (id, version, mission, status, waiting_step, "
                         "record, record_hash) VALUES (%s, %s, %s, %s, %s, %s, %s)", row)
            raw_sql(url, "SELECT setval('runs_id_seq', 1)")
        if start >= 3:  # from version 3 on, a run was written with its listed columns
            raw_sql(url, f"UPDATE runs SET {', '.join(f'{c} = %s' for c in LISTED)} "
                         "WHERE id = 1", listed_columns(WAITING))
        with open_store(url) as store:
            assert store.schema_version() == SCHEMA_VERSION
            assert store.integrity_check() == "ok"
            if start >= 1:
                assert store.load(1) == StoredRun(1, 1, WAITING)
                assert store.create(DONE) == 2
            else:
                assert store.list() == []


def test_two_first_users_migrate_once(postgres_url: str) -> None:
    opener = ("import sys\nfrom runtime.store_api import open_store\n"
              "open_store(sys.argv[1]).close()\n")
    openers = [subprocess.Popen([sys.executable, "-c", opener, postgres_url], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for process in openers:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    with open_store(postgres_url) as store:
        assert store.integrity_check() == "ok"


def test_a_database_with_a_foreign_runs_table_is_refused(postgres_url: str) -> None:
    raw_sql(postgres_url, "CREATE TABLE runs (x integer)")
    with pytest.raises(StoreError, match="has a `runs` table not made by mission; refusing"):
        open_store(postgres_url)
