"""Helpers for upload and download tests: post an upload, fetch a returned URL, check leftovers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import API, Account
from vidswap.api.app import build_services, create_app
from vidswap.config import Settings
from vidswap.storage.db import Database
from vidswap.storage.tables import Image, Media

FIELDS = {"image": ("image", "image_url"), "media": ("file", "file_url")}
ID_KEYS = {"image": ("img_id", "img_url"), "media": ("media_id", "url")}
BALANCE = {"credit_monthly": 0, "credit_package": 1000}  # what `make_account` grants


@contextmanager
def app_client(settings: Settings, **update: Any) -> Iterator[TestClient]:
    """A client for an app built on `settings` changed by `update` (same database)."""
    custom = settings.model_copy(update=update)
    with TestClient(create_app(custom, build_services(custom))) as client:
        yield client


def post(client: TestClient, account: Account, kind: str, **kw: Any) -> httpx.Response:
    """POSTs to /{kind}/upload with a fresh trace id; `kw` goes to `client.post`."""
    headers = {**account.headers(f"t-{uuid.uuid4()}"), **kw.pop("headers", {})}
    return client.post(f"{API}/{kind}/upload", headers=headers, **kw)


def post_file(
    client: TestClient, account: Account, kind: str, data: bytes, name: str = "upload.bin"
) -> httpx.Response:
    return post(client, account, kind, files={FIELDS[kind][0]: (name, data)})


def ok_resp(response: httpx.Response, kind: str) -> tuple[int, str]:
    """Asserts a successful upload and returns its (id, url)."""
    body = response.json()
    assert response.status_code == 200, body
    assert body["ErrCode"] == 0 and body["ErrMsg"] == "success", body
    id_key, url_key = ID_KEYS[kind]
    new_id, url = body["Resp"][id_key], body["Resp"][url_key]
    assert type(new_id) is int and 1 <= new_id < 2**53
    return new_id, url


def refused(response: httpx.Response, code: int, *words: str, http: int = 200) -> str:
    """Asserts the error envelope with `code`; its message must contain every word."""
    body = response.json()
    assert response.status_code == http, body
    assert body["ErrCode"] == code and body["Resp"] is None, body
    message: str = body["ErrMsg"]
    for word in words:
        assert word.lower() in message.lower(), message
    assert "Traceback" not in message
    return message


def download(client: TestClient, url: str, **kw: Any) -> httpx.Response:
    """GETs a returned absolute URL through the test client (path and query only)."""
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}", **kw)


def count_rows(db: Database, account_id: int) -> int:
    with db.read() as session:
        return sum(
            session.scalar(select(func.count()).where(table.account_id == account_id)) or 0
            for table in (Image, Media)
        )


def blob_files(blob_dir: Path) -> list[str]:
    """Everything under the blob dir except the `.staging` folder itself (not its content)."""
    if not blob_dir.exists():
        return []
    staging = blob_dir / ".staging"
    return sorted(str(p.relative_to(blob_dir)) for p in blob_dir.rglob("*") if p != staging)


def assert_nothing_stored(
    client: TestClient, account: Account, db: Database, settings: Settings
) -> None:
    """After a refused upload: no row, no blob or staged file, credits untouched."""
    assert count_rows(db, account.id) == 0
    assert blob_files(settings.blob_dir) == []
    balance = client.get(f"{API}/account/balance", headers=account.headers()).json()["Resp"]
    assert {k: balance[k] for k in BALANCE} == BALANCE
