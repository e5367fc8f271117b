"""`create_app(settings)`: the FastAPI app. Nothing happens at import; workers start in lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from vidswap import __version__
from vidswap.api import errors, housekeeping
from vidswap.api.body_limit import BodyLimit
from vidswap.api.deps import Services
from vidswap.api.routes import (
    account,
    files,
    health,
    history,
    masks,
    swap,
    uploads,
    video,
    web,
)
from vidswap.config import Settings
from vidswap.domain import accounts
from vidswap.domain.jobs import Executor
from vidswap.engines.pool import EnginePool
from vidswap.errors import BodyTooLarge, ImageTooLargeBody
from vidswap.jobs.local import LocalExecutor
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

API_PREFIX = "/openapi/v2"
FORM_OVERHEAD = 1024 * 1024  # multipart boundaries and fields around the file


def build_services(
    settings: Settings, executor: Executor | None = None, engines: EnginePool | None = None
) -> Services:
    db = Database.from_settings(settings)
    return Services(
        settings=settings,
        db=db,
        blobs=LocalBlobStore.from_settings(settings),
        executor=executor or LocalExecutor(settings),
        keys=accounts.KeyCache(db, settings.api_key_cache_s),
        engines=engines or EnginePool(),
    )


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """The API app. `services` lets tests inject fakes at the seams."""
    svc = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if isinstance(svc.executor, LocalExecutor):
            svc.executor.start()
        if settings.warm_engines:  # load models now, not on the first user's request
            await run_in_threadpool(svc.engines.warm, "segment", "moderate")
        stop = asyncio.Event()
        sweeper = asyncio.create_task(housekeeping.run_until(svc, stop))
        try:
            yield
        finally:
            stop.set()
            await sweeper
            if isinstance(svc.executor, LocalExecutor):
                svc.executor.stop()
            svc.engines.close()
            svc.db.dispose()

    app = FastAPI(
        title="vidswap",
        version=__version__,
        description="A self-hostable, PixVerse-compatible video Swap API.",
        lifespan=lifespan,
    )
    app.state.services = svc
    errors.install(app)
    # Result polling first: routes match in order.
    for module in (video, account, uploads, masks, swap, history):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(files.router)
    app.include_router(health.router)
    web.install(app)
    image_limit = (
        settings.image_max_bytes + FORM_OVERHEAD,
        ImageTooLargeBody(f"The image is larger than {settings.image_max_bytes // 2**20} MB."),
    )
    default_limit = (
        settings.media_max_bytes + FORM_OVERHEAD,
        BodyTooLarge(f"The request is larger than {settings.media_max_bytes // 2**20} MB."),
    )
    app.add_middleware(
        BodyLimit, limits={f"{API_PREFIX}/image/upload": image_limit}, default=default_limit
    )
    return app
