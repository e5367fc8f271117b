"""Shared fixtures: settings on a temp data dir, SQLite and a real PostgreSQL, an app, accounts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.fakes import FakeModerator
from tests.support.pg import PostgresServer, pg_bin
from vidswap.api.app import build_services, create_app
from vidswap.config import Settings
from vidswap.domain import accounts
from vidswap.engines import registry
from vidswap.storage import migrate
from vidswap.storage.db import Database

API = "/openapi/v2"


@pytest.fixture(autouse=True)
def fake_moderation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app a test builds moderates with FakeModerator (all-magenta = explicit), so
    uploads neither load NudeNet nor depend on its scores; real-engine tests ask for "cpu"."""
    monkeypatch.setitem(registry.DEFAULTS, "moderate", FakeModerator.name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI; `make test` installs it as root")
        pytest.skip("PostgreSQL server binaries are not installed")
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vidswap.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        public_url="http://testserver",
        workers=0,
        secret_key="test-secret",
        warm_engines=False,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    migrate.upgrade(database)
    yield database
    database.dispose()


@dataclass
class Account:
    id: int
    key: str

    def headers(self, trace: str | None = None) -> dict[str, str]:
        h = {"API-KEY": self.key}
        if trace is not None:
            h["Ai-trace-id"] = trace
        return h


def make_account(db: Database, credits: int = 1000, **kw: int) -> Account:
    account_id, key = accounts.create_account(db, "tester", package=credits, **kw)
    return Account(account_id, key)


@pytest.fixture
def account(db: Database) -> Account:
    return make_account(db)


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings, build_services(settings))
    with TestClient(app) as test_client:
        yield test_client
