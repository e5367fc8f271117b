"""Credits: a ledger of grants, charges and refunds behind `credit_monthly`/`credit_package`.

Every function here runs inside the caller's write transaction and locks the account row
first, so checks and updates cannot interleave (FOR UPDATE on PostgreSQL; the transaction
itself is BEGIN IMMEDIATE on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidswap.errors import CreditsExhausted, InvalidParameter, NotFound
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Account, LedgerEntry


@dataclass(frozen=True)
class Balance:
    account_id: int
    monthly: int
    package: int


def lock_account(session: Session, account_id: int) -> Account:
    account = session.scalar(select(Account).where(Account.id == account_id).with_for_update())
    if account is None:
        raise NotFound(f"No account with id {account_id}.")
    return account


def balance(db: Database, account_id: int) -> Balance:
    with db.read() as session:
        account = session.get(Account, account_id)
        if account is None:
            raise NotFound(f"No account with id {account_id}.")
        return Balance(account.id, account.credit_monthly, account.credit_package)


def _record(
    session: Session, account: Account, kind: str, monthly: int, package: int, **extra: object
) -> None:
    account.credit_monthly += monthly
    account.credit_package += package
    session.add(
        LedgerEntry(
            account_id=account.id,
            kind=kind,
            monthly=monthly,
            package=package,
            created_at=utcnow(),
            **extra,
        )
    )


def grant(session: Session, account: Account, *, monthly: int, package: int, note: str) -> None:
    if monthly < 0 or package < 0 or monthly + package == 0:
        raise InvalidParameter("A grant must add a positive number of credits.")
    _record(session, account, "grant", monthly, package, note=note)


def charge(session: Session, account: Account, amount: int, ref_id: int) -> None:
    """Spends `amount`, monthly credits first; CreditsExhausted if the account cannot pay.
    `ref_id` names what was bought (a job, a mask selection) so it can be refunded."""
    if amount < 0:
        raise InvalidParameter("A charge must not be negative.")
    if account.credit_monthly + account.credit_package < amount:
        raise CreditsExhausted()
    from_monthly = min(amount, account.credit_monthly)
    _record(session, account, "charge", -from_monthly, from_monthly - amount, ref_id=ref_id)


def refund(session: Session, account: Account, ref_id: int) -> int:
    """Returns the charges for `ref_id` to where they came from; idempotent. Returns the
    credits refunded."""
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.ref_id == ref_id)).all()
    monthly = -sum(r.monthly for r in rows)
    package = -sum(r.package for r in rows)
    if monthly == 0 and package == 0:
        return 0
    _record(session, account, "refund", monthly, package, ref_id=ref_id)
    return monthly + package


def grant_by_id(db: Database, account_id: int, *, monthly: int, package: int, note: str) -> Balance:
    with db.write() as session:
        account = lock_account(session, account_id)
        grant(session, account, monthly=monthly, package=package, note=note)
        return Balance(account.id, account.credit_monthly, account.credit_package)
