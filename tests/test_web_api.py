"""What the web page needs from the server: the page and its files, its limits and prices,
a video's frame count at upload, and the account's recent swaps (GET /video/list, ours)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import API, Account, make_account
from tests.support.fake_render import FakeRenderer
from tests.support.fakes import FakeModerator, FakeSegmenter
from tests.support.media import make_audio, make_video
from tests.test_swap import Harness, select_masks, swap, upload_image, upload_media, wait
from vidswap.config import Settings
from vidswap.storage.db import Database

LIST = f"{API}/video/list"


@pytest.fixture
def harness(settings: Settings, db: Database) -> Harness:
    return Harness(settings, FakeSegmenter(), FakeRenderer(), FakeModerator())


@pytest.fixture
def client(harness: Harness) -> Iterator[TestClient]:
    with TestClient(harness.app) as test_client:
        yield test_client
    harness.executor.join()


def test_the_page_and_its_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert client.get("/web/index.html").text == page.text
    assert client.get("/web/no-such-file.js").status_code == 404
    assert client.get("/web/../config.py").status_code == 404


def test_config_follows_the_settings(client: TestClient, settings: Settings) -> None:
    config = client.get("/web/config.json").json()
    assert config["media_max_bytes"] == settings.media_max_bytes
    assert config["media_max_seconds"] == settings.media_max_seconds
    assert config["prices"] == settings.swap_prices
    assert config["qualities"] == ["360p", "540p", "720p"]
    assert config["mask_selection_credits"] == 2


def test_a_video_upload_says_how_many_frames_it_has(
    client: TestClient, account: Account, tmp_path: Path
) -> None:
    clip = make_video(tmp_path / "c.mp4", seconds=1.0, fps=10, size=(160, 96))
    headers = account.headers(f"m-{uuid.uuid4()}")
    first = client.post(
        f"{API}/media/upload", headers=headers, files={"file": ("c.mp4", clip.read_bytes())}
    )
    resp = first.json()["Resp"]
    assert (resp["width"], resp["height"], resp["frames"], resp["fps"]) == (160, 96, 10, 10.0)
    assert resp["duration"] == pytest.approx(1.0, abs=0.05)
    again = client.post(f"{API}/media/upload", headers=headers, files={"file": ("x", b"")})
    assert again.json()["Resp"] == resp  # a replay answers the same fields

    tone = make_audio(tmp_path / "t.wav")
    audio = client.post(
        f"{API}/media/upload",
        headers=account.headers(f"a-{uuid.uuid4()}"),
        files={"file": ("t.wav", tone.read_bytes())},
    ).json()["Resp"]
    assert audio["media_type"] == "audio" and audio["frames"] is None


def test_recent_swaps_newest_first_and_only_ones_own(
    client: TestClient, db: Database, account: Account, tmp_path: Path
) -> None:
    clip = make_video(tmp_path / "c.mp4", seconds=1.0, fps=10, size=(160, 96))
    media_id, img_id = upload_media(client, account, clip), upload_image(client, account)
    background = next(
        m
        for m in select_masks(client, account, video_media_id=media_id)
        if m["mask_name"] == "background"
    )
    ids = []
    for quality in ("360p", "540p"):
        body = {"video_media_id": media_id, "img_id": img_id, "mask_id": background["mask_id"]}
        ids.append(swap(client, account, **body, quality=quality)["Resp"]["video_id"])
        wait(client, account, ids[-1])

    listed = client.get(LIST, headers=account.headers()).json()["Resp"]
    assert listed["total"] == 2
    newest = listed["videos"][0]
    assert [v["id"] for v in listed["videos"]] == ids[::-1]
    assert (newest["status"], newest["quality"], newest["mask_name"]) == (1, "540p", "background")
    assert newest["url"] and newest["source_url"] and newest["credits"] == 10
    assert (
        client.get(newest["source_url"].replace("http://testserver", "")).content
        == clip.read_bytes()
    )

    page = client.get(LIST, params={"limit": 1, "offset": 1}, headers=account.headers()).json()
    assert [v["id"] for v in page["Resp"]["videos"]] == ids[:1] and page["Resp"]["total"] == 2
    other = make_account(db)
    assert client.get(LIST, headers=other.headers()).json()["Resp"] == {"videos": [], "total": 0}


def test_list_errors(client: TestClient, account: Account) -> None:
    assert client.get(LIST).status_code == 401
    bad = client.get(LIST, params={"limit": 0}, headers=account.headers()).json()
    assert bad["ErrCode"] == 400017 and bad["Resp"] is None
    wrong = client.get(LIST, params={"limit": "ten"}, headers=account.headers()).json()
    assert wrong["ErrCode"] == 400013
