"""The API-key cache: valid keys are trusted for a short TTL, unknown keys never cached."""

from __future__ import annotations

import pytest

from tests.conftest import make_account
from vidswap.domain import accounts
from vidswap.errors import InvalidApiKey
from vidswap.storage.db import Database


def test_revoked_key_stops_working_after_ttl(db: Database) -> None:
    acc = make_account(db)
    now = [100.0]
    cache = accounts.KeyCache(db, ttl_s=2.0, clock=lambda: now[0])
    assert cache.account_of(acc.key) is None
    assert cache.authenticate(acc.key) == acc.id
    key_id = next(k.id for k in accounts.list_keys(db) if k.account_id == acc.id)
    accounts.revoke_key(db, key_id)
    now[0] += 1.9
    assert cache.account_of(acc.key) == acc.id
    now[0] += 0.2
    assert cache.account_of(acc.key) is None
    with pytest.raises(InvalidApiKey):
        cache.authenticate(acc.key)


def test_unknown_keys_are_not_cached(db: Database) -> None:
    cache = accounts.KeyCache(db, ttl_s=60)
    with pytest.raises(InvalidApiKey):
        cache.authenticate("sk-nope")
    assert cache.account_of("sk-nope") is None
    acc = make_account(db)
    assert cache.account_of(acc.key) is None and cache.authenticate(acc.key) == acc.id
