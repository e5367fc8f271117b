"""Periodic clean-up while the server runs: expired trace-id replays, stale staging files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Services
from vidswap.domain import replay

log = logging.getLogger(__name__)
INTERVAL_S = 600.0
STAGING_MAX_AGE_S = 3600.0  # an upload older than this in staging was abandoned by a crash


def sweep(svc: Services) -> None:
    replay.purge(svc.db, svc.settings.trace_replay_ttl_s)
    cutoff = time.time() - STAGING_MAX_AGE_S
    for path in svc.blobs.staging_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


async def run_until(svc: Services, stop: asyncio.Event) -> None:
    """Sweeps now and every INTERVAL_S until `stop` is set (never cancelled mid-sweep, so
    no database connection is abandoned in a thread)."""
    while not stop.is_set():
        try:
            await run_in_threadpool(sweep, svc)
        except Exception:
            log.exception("housekeeping failed; will try again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), INTERVAL_S)
