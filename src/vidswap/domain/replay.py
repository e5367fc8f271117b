"""`Ai-trace-id` replay: the first successful response to a POST is stored per account and
trace id and returned again for repeats, so a retried request never starts or charges twice.

A request claims the trace id by inserting a `pending` row (the primary key makes two
racing requests collide); the loser waits for the winner's response. Errors release the
claim: nothing was started or charged, so the client may fix the request and retry.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from vidswap.errors import Overloaded
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import TraceReplay

STALE_PENDING_S = 600.0  # a pending claim this old belongs to a request that died
WAIT_S = 120.0
POLL_S = 0.05


def claim(db: Database, account_id: int, trace_id: str, ttl_s: float) -> dict[str, Any] | None:
    """None when this request owns the trace id; else the stored response to replay."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if _try_insert(db, account_id, trace_id):
            return None
        with db.read() as session:
            row = session.get(TraceReplay, (account_id, trace_id))
        if row is None:
            continue
        age = (utcnow() - row.created_at).total_seconds()
        if age > ttl_s or (row.state == "pending" and age > STALE_PENDING_S):
            release(db, account_id, trace_id)
            continue
        if row.state == "done" and row.response is not None:
            return row.response
        time.sleep(POLL_S)
    raise Overloaded("An earlier request with this Ai-trace-id is still being processed.")


def _try_insert(db: Database, account_id: int, trace_id: str) -> bool:
    try:
        with db.write() as session:
            session.add(
                TraceReplay(
                    account_id=account_id,
                    trace_id=trace_id,
                    state="pending",
                    response=None,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return False
    return True


def complete(db: Database, account_id: int, trace_id: str, response: dict[str, Any]) -> None:
    with db.write() as session:
        row = session.get(TraceReplay, (account_id, trace_id))
        if row is not None:
            row.state = "done"
            row.response = response


def release(db: Database, account_id: int, trace_id: str) -> None:
    with db.write() as session:
        session.execute(
            delete(TraceReplay).where(
                TraceReplay.account_id == account_id, TraceReplay.trace_id == trace_id
            )
        )


def purge(db: Database, ttl_s: float) -> int:
    """Drops replay entries older than the TTL; returns how many."""
    cutoff = utcnow() - timedelta(seconds=ttl_s)
    with db.write() as session:
        result = session.execute(delete(TraceReplay).where(TraceReplay.created_at < cutoff))
        return int(getattr(result, "rowcount", 0))
