"""The `vidswap` console script: keys, credits, db upgrade, through its real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from tests.conftest import API
from vidswap.config import Settings
from vidswap.domain import credits
from vidswap.storage.db import Database


def vidswap(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VIDSWAP_DATA_DIR": str(settings.data_dir),
        "VIDSWAP_DATABASE_URL": settings.sqlalchemy_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "vidswap.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _balance(client: TestClient, key: str) -> dict[str, int]:
    body = client.get(f"{API}/account/balance", headers={"API-KEY": key}).json()
    assert body["ErrCode"] == 0, body
    resp: dict[str, int] = body["Resp"]
    return resp


def test_key_lifecycle(settings: Settings, client: TestClient, db: Database) -> None:
    created = vidswap(settings, "keys", "create", "--name", "alice", "--credits", "500")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("sk-") and len(key) > 30
    bal = _balance(client, key)
    assert bal["credit_package"] == 500

    listed = vidswap(settings, "keys", "list")
    assert "alice" in listed.stdout and key not in listed.stdout
    key_id = next(line.split("\t")[0] for line in listed.stdout.splitlines() if "alice" in line)

    granted = vidswap(settings, "credits", "grant", str(bal["account_id"]), "25", "--monthly")
    assert granted.returncode == 0 and "monthly 25" in granted.stdout
    assert credits.balance(db, bal["account_id"]).monthly == 25

    assert vidswap(settings, "keys", "revoke", key_id).returncode == 0
    time.sleep(settings.api_key_cache_s)  # a running server trusts a valid key this long
    r = client.get(f"{API}/account/balance", headers={"API-KEY": key})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("keys", "revoke", "12345"), "No API key"),
        (("credits", "grant", "999", "10"), "No account"),
        (("keys", "create", "--name", " ", "--credits", "1"), "must not be empty"),
    ],
)
def test_errors_exit_2_with_a_message(
    settings: Settings, db: Database, args: tuple[str, ...], message: str
) -> None:
    result = vidswap(settings, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_is_idempotent(settings: Settings) -> None:
    for _ in range(2):
        result = vidswap(settings, "db", "upgrade")
        assert result.returncode == 0 and "up to date" in result.stdout
