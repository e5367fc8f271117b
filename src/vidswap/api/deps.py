"""Request dependencies: the services an app was built with, and the authenticated caller."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from vidswap.config import Settings
from vidswap.domain import accounts
from vidswap.domain.jobs import Executor
from vidswap.errors import InvalidParameter, MissingParameter
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

MAX_TRACE_ID = 128
P = ParamSpec("P")
T = TypeVar("T")

# One thread for SQLite's short point reads (API-key lookups, result polls). Sent to
# anyio's 40-thread pool instead, each read had many threads fighting the event loop for
# the GIL: on 2 cores a result poll cost twice the CPU and its p99 tripled
# (bench/result_rps.py). SQLite in WAL mode serves reads without waiting for writers.
_SQLITE_READS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidswap-read")


@dataclass
class Services:
    """Everything a route needs, built once per app in `create_app`."""

    settings: Settings
    db: Database
    blobs: LocalBlobStore
    executor: Executor


@dataclass(frozen=True)
class Caller:
    account_id: int
    trace_id: str


def _services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def services(request: Request) -> Services:
    """The `Svc` dependency. Async on purpose: FastAPI runs a plain `def` dependency in a
    worker thread, a round trip that cost more than most handlers' own work."""
    return _services(request)


async def run_read(db: Database, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs a short read-only database call off the event loop.

    On SQLite, on the one read thread; on PostgreSQL, in the shared worker pool, where
    network round trips of concurrent reads overlap. Never for writes: a write may wait
    for SQLite's lock, and every read would wait behind it.
    """
    if db.is_sqlite:
        call = functools.partial(fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(_SQLITE_READS, call)
    return await run_in_threadpool(fn, *args, **kwargs)


async def _account(request: Request, api_key: str | None) -> int:
    db = _services(request).db
    return await run_read(db, accounts.authenticate, db, api_key)


ApiKeyHeader = Annotated[str | None, Header(alias="API-KEY", description="Your API key")]


async def reader(request: Request, api_key: ApiKeyHeader = None) -> Caller:
    """A GET caller: only the API key is needed."""
    return Caller(await _account(request, api_key), "")


async def writer(
    request: Request,
    api_key: ApiKeyHeader = None,
    trace_id: Annotated[
        str | None, Header(alias="Ai-trace-id", description="Unique per request; repeats replay")
    ] = None,
) -> Caller:
    """A POST caller: API key and a non-empty `Ai-trace-id` of at most 128 characters."""
    account_id = await _account(request, api_key)
    if not trace_id or not trace_id.strip():
        raise MissingParameter("The Ai-trace-id header is required on every POST request.")
    if len(trace_id) > MAX_TRACE_ID:
        raise InvalidParameter(f"The Ai-trace-id header may be at most {MAX_TRACE_ID} characters.")
    return Caller(account_id, trace_id)


Reader = Annotated[Caller, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]
Svc = Annotated[Services, Depends(services)]
