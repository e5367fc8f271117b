"""`vidswap masks` and `vidswap swap` through the real entry point, on a generated clip:
with the embedded server (nothing else started) and against a live server process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests.conftest import make_account
from tests.support.media import image_bytes, make_video
from tests.support.pg import free_port
from tests.support.server import LiveServer, serving
from vidswap.cli.uploads import UploadCache
from vidswap.config import Settings
from vidswap.storage.db import Database

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    clip = make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))
    image = tmp_path / "face.png"
    image.write_bytes(image_bytes())
    return clip, image


@pytest.fixture
def env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: the test's data directory and database, its own cache."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIDSWAP_")},
        "VIDSWAP_DATA_DIR": str(settings.data_dir),
        "VIDSWAP_DATABASE_URL": settings.sqlalchemy_url,
        "VIDSWAP_WORKERS": "1",
        "VIDSWAP_WARM_ENGINES": "false",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }


def vidswap(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidswap.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
    )


def ok(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    payload: dict[str, object] = json.loads(result.stdout)
    return payload


def failed(result: subprocess.CompletedProcess[str], code: int, words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr[-3000:])
    assert words in result.stderr and "Traceback" not in result.stderr


def check_output(path: Path, frames: int, height: int) -> None:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.height == height
        assert sum(1 for _ in container.decode(stream)) == frames
        assert container.streams.audio, "the source's audio is kept"


def test_embedded_masks_then_swap_with_a_mask_id(
    env: dict[str, str], files: tuple[Path, Path], tmp_path: Path, db: Database
) -> None:
    clip, image = files
    found = ok(vidswap(env, tmp_path, "masks", str(clip), "-o", "masks", "--json"))
    folder = tmp_path / "masks"
    assert (folder / "keyframe.png").is_file() and (folder / "overlay.png").is_file()
    rows = found["masks"]
    assert isinstance(rows, list) and rows
    for row in rows:
        assert (folder / row["file"]).is_file()
    background = next(r for r in rows if r["name"] == "background")
    assert found["credits"] == 2

    # The mask id only works on the same upload: the CLI remembers it by content.
    out = tmp_path / "out.mp4"
    args = ("--mask", str(background["mask_id"]), "--quality", "360p", "-o", str(out))
    swapped = ok(vidswap(env, tmp_path, "swap", str(clip), str(image), *args, "--json"))
    assert swapped["output"] == str(out) and swapped["size"] == out.stat().st_size
    assert swapped["credits"] == 9  # one started second at 360p, no second selection
    assert swapped["total_frames"] == 10 and 0 <= int(swapped["swapped_frames"]) <= 10
    assert (swapped["coverage_note"] == "") == (int(swapped["swapped_frames"]) >= 5)
    check_output(out, frames=10, height=360)


def test_embedded_swap_by_mask_name_shows_progress(
    env: dict[str, str], files: tuple[Path, Path], tmp_path: Path, db: Database
) -> None:
    clip, image = files
    result = vidswap(env, tmp_path, "swap", str(clip), str(image), "--mask", "background")
    assert result.returncode == 0, result.stderr[-3000:]
    target = tmp_path / "clip-swap.mp4"
    assert result.stdout.splitlines()[0] == "clip-swap.mp4"
    assert "credits spent: 14" in result.stdout  # 2 for the selection, 12 for 1 s at 720p
    assert "swapped 10 of 10 frames (100%)" in result.stdout  # the square is never the background
    assert "100%" in result.stderr  # the progress bar reached the end
    check_output(target, frames=10, height=720)


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with serving(settings) as live:
        yield live


def test_against_a_live_server(
    server: LiveServer, env: dict[str, str], files: tuple[Path, Path], tmp_path: Path, db: Database
) -> None:
    clip, image = files
    key = make_account(db, credits=100).key
    remote = ("--server", server.url, "--api-key", key)
    out = tmp_path / "remote.mp4"
    args = ("--mask", "background", "--quality", "360p", "-o", str(out), "--json")
    swapped = ok(vidswap(env, tmp_path, "swap", str(clip), str(image), *remote, *args))
    assert swapped["credits"] == 11
    check_output(out, frames=10, height=360)

    by_env = {**env, "VIDSWAP_SERVER": server.url, "VIDSWAP_API_KEY": key}
    masks = ok(vidswap(by_env, tmp_path, "masks", str(clip), "--json"))
    assert {r["name"] for r in masks["masks"]} >= {"background"}  # type: ignore[union-attr]


def test_errors_have_messages_and_exit_codes(
    server: LiveServer, env: dict[str, str], files: tuple[Path, Path], tmp_path: Path, db: Database
) -> None:
    clip, image = files
    remote = ("--server", server.url, "--api-key", make_account(db, credits=100).key)
    swap = ("swap", str(clip), str(image))

    failed(vidswap(env, tmp_path, "swap", "missing.mp4", str(image), *remote), 2, "No such file")
    failed(vidswap(env, tmp_path, *swap, "--server", server.url), 2, "needs an API key")
    failed(vidswap(env, tmp_path, *swap, *remote), 2, "No person found on frame 1")
    failed(vidswap(env, tmp_path, "swap", str(image), str(image), *remote), 2, "")
    wrong_key = ("--server", server.url, "--api-key", "sk-not-a-key")
    failed(vidswap(env, tmp_path, *swap, *wrong_key), 3, "API key")
    broke = ("--server", server.url, "--api-key", make_account(db, credits=0).key)
    failed(vidswap(env, tmp_path, *swap, *broke, "--mask", "background"), 4, "Credits")

    closed = ("--server", f"http://127.0.0.1:{free_port()}", "--api-key", "sk-x")
    result = vidswap(env, tmp_path, *swap, *closed, "--json")
    failed(result, 7, "")
    assert json.loads(result.stdout)["error"]["exit_code"] == 7


def test_uploads_the_server_no_longer_knows_are_sent_again(
    server: LiveServer, env: dict[str, str], files: tuple[Path, Path], tmp_path: Path, db: Database
) -> None:
    clip, image = files
    key = make_account(db, credits=100).key
    cache = UploadCache(server.url, key, tmp_path / "cache" / "vidswap" / "uploads.json")
    remote = ("--server", server.url, "--api-key", key, "--mask", "background")
    args = ("--quality", "360p", "-o", str(tmp_path / "out.mp4"), "--json")
    cache.get_or_upload("image", image, lambda _: 12345)  # an image id it never gave
    ok(vidswap(env, tmp_path, "swap", str(clip), str(image), *remote, *args))

    for kind, path in (("media", clip), ("image", image)):  # both forgotten by the server
        cache.forget(kind, path)
        cache.get_or_upload(kind, path, lambda _: 54321)
    ok(vidswap(env, tmp_path, "swap", str(clip), str(image), *remote, *args))
    assert cache.get_or_upload("media", clip, lambda _: 0) != 54321
