"""Service tests run on the in-memory fake unit of work and on the real stores.

A test that asks for `uow` gets one store per parameter: `fake` (tests/fakes.py),
`sqlite`, and `postgresql` (a system test, like every PostgreSQL copy); `snapshot`
returns everything that store holds, for "nothing changed" assertions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from db import SqlUnitOfWork, open_engine

from ..conftest import BACKENDS, dump, fresh_database
from ..fakes import FakeDatabase, FakeUnitOfWork


@pytest.fixture(params=["fake", *BACKENDS])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[Callable[[], Any], Callable[[], Any]]]:
    """(a new unit of work, everything stored) for one fresh database."""
    if request.param == "fake":
        db = FakeDatabase()
        yield (lambda: FakeUnitOfWork(db)), db.dump
        return
    with fresh_database(request, request.param) as url:
        engine = open_engine(url)
        try:
            yield (lambda: SqlUnitOfWork(engine)), (lambda: dump(url))
        finally:
            engine.dispose()


@pytest.fixture
def uow(store: tuple[Callable[[], Any], Callable[[], Any]]) -> Callable[[], Any]:
    return store[0]


@pytest.fixture
def snapshot(store: tuple[Callable[[], Any], Callable[[], Any]]) -> Callable[[], Any]:
    return store[1]
