"""`Ai-trace-id` replay: a repeated POST returns the first response and does nothing new."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import API, Account, make_account
from tests.support.media import image_bytes
from vidswap.domain import replay
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Image, TraceReplay


def _upload(client: TestClient, account: Account, trace: str, data: bytes) -> dict[str, object]:
    files = {"image": ("a.png", data, "image/png")}
    body: dict[str, object] = client.post(
        f"{API}/image/upload", headers=account.headers(trace), files=files
    ).json()
    return body


def _images(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Image)) or 0


def test_repeat_returns_first_response(client: TestClient, db: Database, account: Account) -> None:
    first = _upload(client, account, "trace-1", image_bytes())
    again = _upload(client, account, "trace-1", b"a different body entirely")
    assert first["ErrCode"] == 0 and again == first
    assert _images(db) == 1


def test_trace_ids_are_per_account(client: TestClient, db: Database, account: Account) -> None:
    other = make_account(db)
    a = _upload(client, account, "shared", image_bytes())
    b = _upload(client, other, "shared", image_bytes())
    assert a["Resp"] != b["Resp"] and _images(db) == 2


def test_errors_are_not_replayed(client: TestClient, db: Database, account: Account) -> None:
    bad = _upload(client, account, "trace-2", b"not an image")
    assert bad["ErrCode"] == 500032
    good = _upload(client, account, "trace-2", image_bytes())
    assert good["ErrCode"] == 0 and _images(db) == 1


def test_concurrent_repeats_make_one_upload(
    client: TestClient, db: Database, account: Account
) -> None:
    data = image_bytes((800, 600))
    with ThreadPoolExecutor(max_workers=6) as pool:
        bodies = list(pool.map(lambda _: _upload(client, account, "race", data), range(6)))
    assert all(b["ErrCode"] == 0 for b in bodies)
    assert len({str(b["Resp"]) for b in bodies}) == 1
    assert _images(db) == 1


def test_expired_entries_run_again(client: TestClient, db: Database, account: Account) -> None:
    first = _upload(client, account, "old", image_bytes())
    with db.write() as s:
        row = s.get(TraceReplay, (account.id, "old"))
        assert row is not None
        row.created_at = utcnow() - timedelta(days=2)
    again = _upload(client, account, "old", image_bytes())
    assert again["ErrCode"] == 0 and again["Resp"] != first["Resp"]
    assert replay.purge(db, ttl_s=3600) == 0
    assert _images(db) == 2


def test_purge_drops_old_entries(db: Database, account: Account) -> None:
    assert replay.claim(db, account.id, "t", ttl_s=60) is None
    replay.complete(db, account.id, "t", {"ErrCode": 0})
    assert replay.claim(db, account.id, "t", ttl_s=60) == {"ErrCode": 0}
    assert replay.purge(db, ttl_s=0) == 1


def test_housekeeping_sweeps(client: TestClient, db: Database, account: Account) -> None:
    import os

    from vidswap.api import housekeeping

    svc = client.app.state.services  # type: ignore[attr-defined]
    _upload(client, account, "gone-soon", image_bytes())
    stale = svc.blobs.staging_dir() / "abandoned"
    stale.write_bytes(b"x")
    os.utime(stale, (0, 0))
    svc.settings.trace_replay_ttl_s = 1
    with db.write() as s:
        row = s.get(TraceReplay, (account.id, "gone-soon"))
        assert row is not None
        row.created_at = utcnow() - timedelta(seconds=5)
    housekeeping.sweep(svc)
    assert not stale.exists()
    with db.read() as s:
        assert s.get(TraceReplay, (account.id, "gone-soon")) is None
