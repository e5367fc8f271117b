"""Accounts and API keys. Keys are shown once and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from vidswap.domain import credits
from vidswap.domain.ids import new_id
from vidswap.errors import InvalidApiKey, InvalidParameter, NotFound
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Account, ApiKey

KEY_PREFIX = "sk-"
MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True)
class KeyInfo:
    id: int
    account_id: int
    account_name: str
    name: str
    prefix: str
    created_at: datetime
    revoked: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_account(
    db: Database, name: str, *, package: int = 0, monthly: int = 0, concurrency: int = 5
) -> tuple[int, str]:
    """Creates an account with its first key; returns `(account_id, key)`."""
    if not name.strip():
        raise InvalidParameter("The account name must not be empty.")
    if package < 0 or monthly < 0:
        raise InvalidParameter("Credits must not be negative.")
    if concurrency < 1:
        raise InvalidParameter("The concurrency limit must be at least 1.")
    with db.write() as session:
        account = Account(
            id=new_id(),
            name=name,
            credit_monthly=0,
            credit_package=0,
            concurrency_limit=concurrency,
            created_at=utcnow(),
        )
        session.add(account)
        session.flush()
        if package or monthly:
            credits.grant(session, account, monthly=monthly, package=package, note="initial")
        key = _add_key(session, account.id, name)
    return account.id, key


def _add_key(session: Session, account_id: int, name: str) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            id=new_id(),
            account_id=account_id,
            name=name,
            key_hash=_hash(key),
            prefix=key[:10],
            created_at=utcnow(),
            revoked_at=None,
        )
    )
    return key


_ACCOUNT_OF_KEY = select(ApiKey.account_id).where(
    ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None)
)


def authenticate(db: Database, key: str | None) -> int:
    """The account id behind an API key, or InvalidApiKey."""
    if not key:
        raise InvalidApiKey("Missing API key. Send it in the API-KEY header.")
    row = db.hot(_ACCOUNT_OF_KEY).first(key_hash=_hash(key))
    if row is None:
        raise InvalidApiKey()
    account_id: int = row["account_id"]
    return account_id


class KeyCache:
    """Remembers valid keys for `ttl_s` seconds: every request authenticates, and the lookup
    was the largest cost of a result poll. A revoked key keeps working in a running server
    for at most `ttl_s`; unknown keys are never cached, so new keys work at once."""

    def __init__(
        self, db: Database, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`clock` (seconds) is for tests, which step it instead of sleeping."""
        self.db, self.ttl_s, self.clock = db, ttl_s, clock
        self._valid: dict[str, tuple[int, float]] = {}

    def account_of(self, key: str | None) -> int | None:
        """The cached account for `key`, or None when the database must be asked."""
        hit = self._valid.get(key or "")
        if hit is None or hit[1] < self.clock():
            return None
        return hit[0]

    def authenticate(self, key: str | None) -> int:
        account_id = authenticate(self.db, key)
        if len(self._valid) > MAX_CACHED_KEYS:
            self._valid.clear()
        self._valid[key or ""] = (account_id, self.clock() + self.ttl_s)
        return account_id


def list_keys(db: Database) -> list[KeyInfo]:
    with db.read() as session:
        rows = session.execute(
            select(ApiKey, Account.name)
            .join(Account, Account.id == ApiKey.account_id)
            .order_by(ApiKey.created_at)
        ).all()
    return [
        KeyInfo(k.id, k.account_id, acc, k.name, k.prefix, k.created_at, k.revoked_at is not None)
        for k, acc in rows
    ]


def revoke_key(db: Database, key_id: int) -> None:
    with db.write() as session:
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFound(f"No API key with id {key_id}.")
        if key.revoked_at is None:
            key.revoked_at = utcnow()


def count_accounts(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Account)) or 0
