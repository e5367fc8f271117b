"""The job system: claims, heartbeats, end states with refunds, leases and bounded attempts."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

import tests.support.jobkinds  # noqa: F401  (registers test.sleep in this process)
from tests.conftest import API, Account, make_account
from vidswap.domain import credits, jobs
from vidswap.jobs import task
from vidswap.jobs.runner import run_job
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Job


def _job(db: Database, account: Account, price: int = 10, attempts: int = 2, **params: Any) -> int:
    return jobs.accept(db, account.id, "test.sleep", params, price=price, max_attempts=attempts).id


def _run(db: Database, job_id: int, worker: str = "w1") -> bool:
    return run_job(db, job_id, worker, lease_s=5, heartbeat_s=0.05)


def _row(db: Database, job_id: int) -> Job:
    with db.read() as s:
        row = s.get(Job, job_id)
    assert row is not None
    return row


def _result(client: TestClient, account: Account, job_id: int) -> dict[str, Any]:
    body = client.get(f"{API}/video/result/{job_id}", headers=account.headers()).json()
    assert body["ErrCode"] == 0
    resp: dict[str, Any] = body["Resp"]
    return resp


def test_success_is_status_1(client: TestClient, db: Database, account: Account) -> None:
    job_id = _job(db, account)
    assert _result(client, account, job_id)["status"] == 5
    assert _run(db, job_id)
    res = _result(client, account, job_id)
    assert res["status"] == 1 and res["progress"] == 100
    assert (res["outputWidth"], res["outputHeight"], res["size"]) == (64, 36, 1234)
    assert res["has_audio"] is True and res["credits"] == 10 and res["err_msg"] == ""
    assert len(res["create_time"]) == 19 and res["create_time"][4] == "-"
    assert credits.balance(db, account.id).package == 990


@pytest.mark.parametrize(
    ("params", "status", "msg"),
    [
        ({"fail": "The clip has no person in it."}, 8, "The clip has no person in it."),
        ({"moderate": True}, 7, "moderation"),
        ({"crash": True}, 8, "internal error"),
    ],
)
def test_failures_refund(
    client: TestClient,
    db: Database,
    account: Account,
    params: dict[str, Any],
    status: int,
    msg: str,
) -> None:
    job_id = _job(db, account, **params)
    _run(db, job_id)
    res = _result(client, account, job_id)
    assert res["status"] == status and msg in res["err_msg"] and res["url"] == ""
    assert "Traceback" not in res["err_msg"]
    assert credits.balance(db, account.id).package == 1000


def test_other_account_sees_not_found(client: TestClient, db: Database, account: Account) -> None:
    job_id = _job(db, account)
    other = make_account(db)
    r = client.get(f"{API}/video/result/{job_id}", headers=other.headers())
    assert r.json()["ErrCode"] == 500008
    r = client.get(f"{API}/video/result/{job_id}", headers=account.headers())
    assert r.json()["ErrCode"] == 0


def test_duplicate_delivery_does_nothing(db: Database, account: Account) -> None:
    job_id = _job(db, account, steps=10, step_s=0.05)
    first = threading.Thread(target=_run, args=(db, job_id, "w1"))
    first.start()
    time.sleep(0.1)
    assert not _run(db, job_id, "w2")
    first.join()
    assert not _run(db, job_id, "w2")
    row = _row(db, job_id)
    assert row.status == "succeeded" and row.attempts == 1 and row.worker == "w1"


def _expire_lease(db: Database, job_id: int) -> None:
    with db.write() as s:
        row = s.get(Job, job_id)
        assert row is not None
        row.status, row.worker = "running", "dead-worker"
        row.attempts += 1
        row.lease_until = utcnow() - timedelta(seconds=1)


def test_expired_lease_is_claimed_again(db: Database, account: Account) -> None:
    job_id = _job(db, account, attempts=2)
    _expire_lease(db, job_id)
    assert job_id in task.claimable_ids(db)
    assert _run(db, job_id)
    row = _row(db, job_id)
    assert row.status == "succeeded" and row.result["attempt"] == 2


def test_attempts_are_bounded(db: Database, account: Account) -> None:
    job_id = _job(db, account, attempts=1)
    _expire_lease(db, job_id)
    assert not _run(db, job_id)
    row = _row(db, job_id)
    assert row.status == "failed" and "interrupted" in row.error
    assert credits.balance(db, account.id).package == 1000


def test_live_lease_is_not_stolen(db: Database, account: Account) -> None:
    job_id = _job(db, account)
    assert task.claim(db, job_id, "w1", lease_s=30) is not None
    assert job_id not in task.claimable_ids(db)
    assert task.claim(db, job_id, "w2", lease_s=30) is None


def test_heartbeat_writes_progress_and_cancels(db: Database, account: Account) -> None:
    job_id = _job(db, account, steps=100, step_s=0.02)
    runner = threading.Thread(target=_run, args=(db, job_id))
    runner.start()
    deadline = time.monotonic() + 10
    while _row(db, job_id).progress == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert 0 < _row(db, job_id).progress < 100
    with db.write() as s:
        row = s.get(Job, job_id)
        assert row is not None
        row.cancel_requested = True
    runner.join(10)
    row = _row(db, job_id)
    assert row.status == "failed" and "cancelled" in row.error
    assert credits.balance(db, account.id).package == 1000


def test_unknown_kind_fails_with_refund(db: Database, account: Account) -> None:
    job_id = jobs.accept(db, account.id, "no.such.kind", {}, price=5, max_attempts=1).id
    _run(db, job_id)
    row = _row(db, job_id)
    assert row.status == "failed" and "no worker" in row.error
    assert credits.balance(db, account.id).package == 1000
