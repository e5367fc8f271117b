"""Run a POST's work once per (account, Ai-trace-id); repeats get the first response back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from vidswap.api.deps import Caller, Services
from vidswap.domain import replay


async def once(
    svc: Services, caller: Caller, work: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    db, ttl = svc.db, svc.settings.trace_replay_ttl_s
    stored = await run_in_threadpool(replay.claim, db, caller.account_id, caller.trace_id, ttl)
    if stored is not None:
        return stored
    try:
        body = await work()
    except BaseException:
        await run_in_threadpool(replay.release, db, caller.account_id, caller.trace_id)
        raise
    await run_in_threadpool(replay.complete, db, caller.account_id, caller.trace_id, body)
    return body
