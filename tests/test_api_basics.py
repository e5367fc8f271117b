"""Envelope, auth, trace-id rules, unknown routes and the endpoints not enabled yet."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import API, Account
from vidswap.api.routes.video import NOT_ENABLED_GET, NOT_ENABLED_POST


def test_balance(client: TestClient, account: Account) -> None:
    r = client.get(f"{API}/account/balance", headers=account.headers())
    assert r.status_code == 200
    body = r.json()
    assert body["ErrCode"] == 0 and body["ErrMsg"] == "success"
    assert body["Resp"] == {
        "account_id": account.id,
        "credit_monthly": 0,
        "credit_package": 1000,
    }


@pytest.mark.parametrize("key", [None, "", "sk-wrong"])
def test_bad_key_is_401_with_envelope(client: TestClient, key: str | None) -> None:
    headers = {} if key is None else {"API-KEY": key}
    r = client.get(f"{API}/account/balance", headers=headers)
    assert r.status_code == 401
    assert r.json()["ErrCode"] == 400012 and r.json()["Resp"] is None


def test_header_names_are_case_insensitive(client: TestClient, account: Account) -> None:
    r = client.get(f"{API}/account/balance", headers={"api-key": account.key})
    assert r.json()["ErrCode"] == 0


@pytest.mark.parametrize("trace", [None, "", "   "])
def test_post_needs_trace_id(client: TestClient, account: Account, trace: str | None) -> None:
    r = client.post(f"{API}/image/upload", headers=account.headers(trace))
    assert r.status_code == 200
    assert r.json()["ErrCode"] == 400011
    assert "Ai-trace-id" in r.json()["ErrMsg"]


def test_trace_id_too_long(client: TestClient, account: Account) -> None:
    r = client.post(f"{API}/image/upload", headers=account.headers("x" * 129))
    assert r.json()["ErrCode"] == 400017


def test_auth_is_checked_before_trace_id(client: TestClient) -> None:
    r = client.post(f"{API}/image/upload", headers={"API-KEY": "nope"})
    assert r.status_code == 401 and r.json()["ErrCode"] == 400012


def test_unknown_route_is_404_envelope(client: TestClient, account: Account) -> None:
    r = client.get(f"{API}/nothing/here", headers=account.headers())
    assert r.status_code == 404
    assert r.json()["Resp"] is None and r.json()["ErrCode"] != 0


def test_wrong_method(client: TestClient, account: Account) -> None:
    r = client.get(f"{API}/image/upload", headers=account.headers())
    assert r.status_code == 405 and r.json()["ErrCode"] == 400017


@pytest.mark.parametrize("path", sorted(NOT_ENABLED_POST))
def test_not_enabled_post(client: TestClient, account: Account, path: str) -> None:
    r = client.post(f"{API}{path}", headers=account.headers("t-1"), json={"prompt": "x"})
    body = r.json()
    assert r.status_code == 200 and body["ErrCode"] == 400017
    assert "not enabled on this server" in body["ErrMsg"]
    assert NOT_ENABLED_POST[path] in body["ErrMsg"]


@pytest.mark.parametrize("path", sorted(NOT_ENABLED_GET))
def test_not_enabled_get(client: TestClient, account: Account, path: str) -> None:
    r = client.get(f"{API}{path}", headers=account.headers())
    assert r.json()["ErrCode"] == 400017
    assert "not enabled on this server" in r.json()["ErrMsg"]


def test_not_enabled_still_needs_a_key(client: TestClient) -> None:
    r = client.post(f"{API}/video/swap/generate", headers={"Ai-trace-id": "t"})
    assert r.status_code == 401


def test_result_wrong_type(client: TestClient, account: Account) -> None:
    r = client.get(f"{API}/video/result/abc", headers=account.headers())
    assert r.json()["ErrCode"] == 400013


def test_result_unknown_id(client: TestClient, account: Account) -> None:
    r = client.get(f"{API}/video/result/12345", headers=account.headers())
    assert r.json()["ErrCode"] == 500008


def test_openapi_and_health(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert f"{API}/image/upload" in spec["paths"]
    assert client.get("/docs").status_code == 200
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["database"] == "ok"
