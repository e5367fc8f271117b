"""What the jobs of one worker process share, built once when the worker starts."""

from __future__ import annotations

from dataclasses import dataclass

from vidswap.config import Settings
from vidswap.engines.pool import EnginePool
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database

WORKER_ENGINES = ("track", "render", "segment", "moderate")


@dataclass
class Resources:
    settings: Settings
    db: Database
    blobs: LocalBlobStore
    engines: EnginePool

    @classmethod
    def for_worker(cls, settings: Settings, db: Database) -> Resources:
        engines = EnginePool()
        if settings.warm_engines:  # models load before the first job, not during it
            engines.warm(*WORKER_ENGINES)
        return cls(settings, db, LocalBlobStore.from_settings(settings), engines)
