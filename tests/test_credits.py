"""Credits: monthly first, refunds go back where they came from, no overdraft under load."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import make_account
from vidswap.domain import credits, jobs
from vidswap.errors import ConcurrencyLimit, CreditsExhausted, InvalidParameter
from vidswap.jobs import task
from vidswap.storage.db import Database
from vidswap.storage.tables import Job, LedgerEntry


def _accept(db: Database, account_id: int, price: int) -> Job:
    return jobs.accept(db, account_id, "test.sleep", {}, price=price, max_attempts=1)


def test_monthly_spent_first_and_refund_returns_split(db: Database) -> None:
    acc = make_account(db, credits=100, monthly=30)
    job = _accept(db, acc.id, 50)
    bal = credits.balance(db, acc.id)
    assert (bal.monthly, bal.package) == (0, 80)
    assert task.fail(db, job.id, None, "boom")
    bal = credits.balance(db, acc.id)
    assert (bal.monthly, bal.package) == (30, 100)


def test_refund_is_idempotent(db: Database) -> None:
    acc = make_account(db, credits=100)
    job = _accept(db, acc.id, 40)
    assert task.fail(db, job.id, None, "boom")
    assert not task.fail(db, job.id, None, "again")
    assert credits.balance(db, acc.id).package == 100


def test_exhausted_credits_charge_nothing(db: Database) -> None:
    acc = make_account(db, credits=10)
    with pytest.raises(CreditsExhausted) as exc:
        _accept(db, acc.id, 11)
    assert "All Credits have been used up" in exc.value.message
    assert credits.balance(db, acc.id).package == 10
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_concurrency_limit(db: Database) -> None:
    acc = make_account(db, credits=100, concurrency=2)
    _accept(db, acc.id, 1)
    _accept(db, acc.id, 1)
    with pytest.raises(ConcurrencyLimit):
        _accept(db, acc.id, 1)
    assert credits.balance(db, acc.id).package == 98


def test_grant_validation(db: Database) -> None:
    acc = make_account(db)
    with pytest.raises(InvalidParameter):
        credits.grant_by_id(db, acc.id, monthly=0, package=-5, note="x")
    bal = credits.grant_by_id(db, acc.id, monthly=5, package=7, note="x")
    assert (bal.monthly, bal.package) == (5, 1007)


@pytest.mark.parametrize(("balance", "limit", "expect_ok"), [(35, 50, 7), (1000, 4, 4)])
def test_fifty_parallel_requests(db: Database, balance: int, limit: int, expect_ok: int) -> None:
    """50 racing accepts neither overdraw the account nor exceed its concurrency limit."""
    acc = make_account(db, credits=balance, concurrency=limit)

    def attempt(_: int) -> str:
        try:
            _accept(db, acc.id, 5)
        except (CreditsExhausted, ConcurrencyLimit) as exc:
            return type(exc).__name__
        return "ok"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    assert outcomes.count("ok") == expect_ok
    bal = credits.balance(db, acc.id)
    assert bal.package == balance - 5 * expect_ok >= 0
    with db.read() as s:
        ledger = s.scalar(
            select(func.sum(LedgerEntry.package)).where(LedgerEntry.account_id == acc.id)
        )
        active = s.scalar(select(func.count()).select_from(Job).where(Job.account_id == acc.id))
    assert ledger == bal.package
    assert active == expect_ok <= limit
