"""Database engine and transactions: SQLite (WAL, immediate write transactions) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from vidswap.config import Settings


def utcnow() -> datetime:
    """Naive UTC now: the one time representation stored in every table."""
    return datetime.now(UTC).replace(tzinfo=None)


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; we issue BEGIN ourselves so writers can take the lock early."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class HotQuery:
    """A SELECT compiled once and run on a pooled driver connection, for the few reads on
    every request's path: SQLAlchemy's per-execution machinery costs ~5x the read itself.
    Column values still go through SQLAlchemy's own result processors (dates, JSON)."""

    def __init__(self, engine: Engine, stmt: Select[Any]) -> None:
        dialect = engine.dialect
        compiled = stmt.compile(dialect=dialect)
        self.engine = engine
        self.sql = compiled.string
        self.positions = compiled.positiontup
        self.columns = [
            (str(col.key), col.type.dialect_impl(dialect).result_processor(dialect, None))
            for col in stmt.selected_columns
        ]

    def first(self, **params: Any) -> dict[str, Any] | None:
        args: Any = params
        if self.positions is not None:
            args = tuple(params[name] for name in self.positions)
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(self.sql, args)
            row = cursor.fetchone()
            cursor.close()
        finally:
            conn.close()  # back to the pool, which rolls back what the driver began
        if row is None:
            return None
        return {k: proc(v) if proc else v for (k, proc), v in zip(self.columns, row, strict=True)}


class Database:
    """Owns the engine. `read()` for queries, `write()` for anything that changes rows.

    A `write()` transaction on SQLite is `BEGIN IMMEDIATE`, so check-then-update logic
    (credits, concurrency, job claims) is serialised; on PostgreSQL callers lock rows
    with `SELECT ... FOR UPDATE`.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=40)
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _tune_sqlite(self.engine)
        self._hot: dict[int, HotQuery] = {}
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(
            self.engine.execution_options(immediate=True), expire_on_commit=False
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.sqlalchemy_url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reads() as session:
            yield session

    def hot(self, stmt: Select[Any]) -> HotQuery:
        """The compiled form of a module-level statement, built on first use."""
        query = self._hot.get(id(stmt))
        if query is None:
            query = self._hot[id(stmt)] = HotQuery(self.engine, stmt)
        return query

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        with self._writes() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
