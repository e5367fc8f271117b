"""Request dependencies: the services an app was built with, and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from vidswap.config import Settings
from vidswap.domain import accounts
from vidswap.domain.jobs import Executor
from vidswap.engines.pool import EnginePool
from vidswap.errors import InvalidParameter, MissingParameter
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

MAX_TRACE_ID = 128
P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Services:
    """Everything a route needs, built once per app in `create_app`."""

    settings: Settings
    db: Database
    blobs: LocalBlobStore
    executor: Executor
    keys: accounts.KeyCache
    engines: EnginePool


@dataclass(frozen=True)
class Caller:
    account_id: int
    trace_id: str


def services_of(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def services(request: Request) -> Services:
    """The `Svc` dependency. Async on purpose: FastAPI runs a plain `def` dependency in a
    worker thread, a round trip that cost more than most handlers' own work."""
    return services_of(request)


async def run_read(db: Database, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs a short read of one indexed row (an API key, a job).

    On SQLite, right on the event loop: such a read costs ~20 us and, in WAL mode, never
    waits for writers, while a hop to a worker thread costs more than the read and had the
    pool's threads fight the loop for the GIL (bench/result_rps.py). On PostgreSQL, in the
    thread pool, where network round trips of concurrent reads overlap. Never for writes.
    """
    if db.is_sqlite:
        return fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)


async def account_of(svc: Services, api_key: str | None) -> int:
    """The caller's account: from the key cache, else from the database off the loop."""
    cached = svc.keys.account_of(api_key)
    if cached is not None:
        return cached
    return await run_read(svc.db, svc.keys.authenticate, api_key)


ApiKeyHeader = Annotated[str | None, Header(alias="API-KEY", description="Your API key")]


async def reader(request: Request, api_key: ApiKeyHeader = None) -> Caller:
    """A GET caller: only the API key is needed."""
    return Caller(await account_of(services_of(request), api_key), "")


async def writer(
    request: Request,
    api_key: ApiKeyHeader = None,
    trace_id: Annotated[
        str | None, Header(alias="Ai-trace-id", description="Unique per request; repeats replay")
    ] = None,
) -> Caller:
    """A POST caller: API key and a non-empty `Ai-trace-id` of at most 128 characters."""
    account_id = await account_of(services_of(request), api_key)
    if not trace_id or not trace_id.strip():
        raise MissingParameter("The Ai-trace-id header is required on every POST request.")
    if len(trace_id) > MAX_TRACE_ID:
        raise InvalidParameter(f"The Ai-trace-id header may be at most {MAX_TRACE_ID} characters.")
    return Caller(account_id, trace_id)


Reader = Annotated[Caller, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]
Svc = Annotated[Services, Depends(services)]
