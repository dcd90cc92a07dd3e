"""Fixtures for the run-store tests: one store URL per backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import Cluster, find_bin

_DATABASES = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A real PostgreSQL server for the whole session (skipped, with the reason, when
    PostgreSQL or psycopg is not installed)."""
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed: "
                                          "pip install -e '.[test]' (or '.[postgres]')")
    found = find_bin()
    if isinstance(found, str):
        pytest.skip(found)
    cluster = Cluster(found)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> str:
    """A fresh, empty database on the test server."""
    return postgres_cluster.create_database(f"store_{next(_DATABASES)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty run store of each kind: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "runs.sqlite3")
    return str(request.getfixturevalue("postgres_url"))
