"""The web page at `/`, in a real headless Chromium (Debian's, driven by Playwright) against
a live server: the whole Swap flow on a generated clip, the error paths (a refused key,
files of the wrong type, too long or unreadable), keyboard use, and phone width. Each step's
screenshot goes to screenshots/web/ for people to look at; no request may leave the server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_account
from tests.support.browser import (
    DESKTOP,
    PHONE,
    ROOT,
    Session,
    chromium,
    drop_file,
    focused,
    fresh_shots,
    pick_by_keyboard,
    tab_to,
)
from tests.support.media import image_bytes, make_video
from tests.support.refusal import FAILED
from tests.support.server import LiveServer, serving
from vidswap.config import Settings
from vidswap.storage.db import Database

pytestmark = pytest.mark.slow
on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

API = "/openapi/v2"
WEB = ROOT / "src" / "vidswap" / "web"
SWAP_TIMEOUT = 180_000  # ms: the real engines on a 1 s clip, models loaded on first use


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        fresh_shots()
        yield b


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with serving(settings) as live:
        yield live


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_video(tmp_path / "clip.mp4", seconds=1.0, fps=10, size=(160, 96))


@contextmanager
def browsing(browser: Any, server: LiveServer, viewport: dict[str, int]) -> Iterator[Session]:
    """A page on `server`; afterwards, no uncaught exception happened in it and nothing
    but the server was asked for anything."""
    s = Session(browser, server.url, viewport)
    try:
        yield s
    finally:
        s.close()
    assert not s.errors, s.errors
    assert not s.foreign(), s.foreign()


@pytest.fixture
def session(browser: Any, server: LiveServer) -> Iterator[Session]:
    with browsing(browser, server, DESKTOP) as s:
        yield s


def connect(page: Any, key: str) -> None:
    page.fill("#api-key", key)
    page.click("#key-connect")
    page.wait_for_selector("#key-done:not([hidden])")


@on_sqlite
def test_the_whole_swap_flow(session: Session, db: Database, clip: Path) -> None:
    key = make_account(db, credits=100).key
    page = session.open()
    assert page.title().startswith("vidswap")
    assert page.is_disabled("#video-file") and page.is_disabled("#swap")
    session.shot("flow-01-start")

    # 1: the key, once; the balance shows and the key stays in local storage.
    connect(page, key)
    assert page.inner_text("#balance-value") == "100"
    assert page.evaluate("localStorage.getItem('vidswap.apiKey')") == key
    session.shot("flow-02-key")

    # 2: the video, with upload progress to 100%.
    page.set_input_files("#video-file", str(clip))
    page.wait_for_selector("#step-video[data-state=done]")
    assert page.get_attribute("#video-progress", "aria-valuenow") == "100"
    assert "10 frames" in page.inner_text("#video-meta")
    (upload,) = session.calls(f"{API}/media/upload")
    assert upload.headers.get("api-key") == key and upload.headers.get("ai-trace-id")
    session.shot("flow-03-video")

    # 3: scrub to frame 3 (the preview seeks into it), then find its masks.
    page.click("#frame-next")
    page.click("#frame-next")
    assert "Frame 3 of 10" in page.inner_text("#frame-out")
    page.wait_for_function(
        "Math.abs(document.getElementById('scrub-video').currentTime - 0.25) < 0.01"
    )
    session.shot("flow-04-keyframe")
    page.click("#find-masks")
    page.wait_for_selector("#mask-list:not([hidden])", timeout=SWAP_TIMEOUT)
    (selection,) = session.calls(f"{API}/video/mask/selection")
    assert selection.post_data_json["keyframe_id"] == 3
    assert page.inner_text("#stage-badge") == "Keyframe 3"
    names = page.eval_on_selector_all("#mask-options input", "els => els.map(e => e.dataset.name)")
    assert "background" in names
    # The canvas is the keyframe the server returned, at its own size.
    assert page.eval_on_selector("#mask-canvas", "c => [c.width, c.height]") == [160, 96]
    page.wait_for_function("document.getElementById('balance-value').textContent === '98'")
    session.shot("flow-05-masks")

    # Hovering the picture's lower right (background) highlights that mask; a click picks it.
    canvas = page.locator("#mask-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    corner = {"x": box["width"] * 0.9, "y": box["height"] * 0.9}
    canvas.hover(position=corner)
    page.wait_for_selector(".mask-option.hover")
    hovered = page.eval_on_selector(".mask-option.hover input", "e => e.dataset.name")
    assert hovered == "background"
    assert page.inner_text("#stage-tip") == "Background"
    session.shot("flow-06-hover", full_page=False)
    canvas.click(position=corner)
    assert page.is_checked("#mask-options input[data-name=background]")
    assert page.get_attribute("#step-masks", "data-state") == "done"

    # 4: the image, dropped on its zone: previewed, uploaded; then 360p and its price.
    drop_file(page, "#image-drop", "face.png", "image/png", image_bytes((200, 150)))
    page.wait_for_selector("#image-msg.ok")
    assert page.eval_on_selector("#image-preview", "i => i.naturalWidth") == 200
    assert page.is_visible("#image-preview")
    page.click("label[for=quality-360p]")
    assert page.inner_text("#price-total") == "9 credits"
    assert page.inner_text("#swap") == "Swap video · 9 credits"
    session.shot("flow-07-image")

    # The price is shown again before anything is spent.
    page.click("#swap")
    assert "9 credits" in page.inner_text("#confirm-text")
    assert focused(page) == "confirm-yes"
    session.shot("flow-08-confirm")
    assert not session.calls(f"{API}/video/swap/generate")
    page.click("#confirm-yes")

    # 5: progress while it runs, then the result beside the source, and a download.
    page.wait_for_selector("#job-progress:not([hidden]), #step-result[data-state=done]")
    session.shot("flow-09-running")
    (generate,) = session.calls(f"{API}/video/swap/generate")
    body = generate.post_data_json
    assert body["keyframe_id"] == 3 and body["quality"] == "360p" and body["mask_id"]
    page.wait_for_selector("#step-result[data-state=done]", timeout=SWAP_TIMEOUT)
    assert page.get_attribute("#result-video", "src")
    page.wait_for_function("document.getElementById('result-video').readyState >= 2")
    assert page.eval_on_selector("#result-video", "v => v.videoHeight") == 360
    assert page.is_visible("#source-video")
    assert re.search(r"\d+ of \d+ frames swapped \(\d+%\)", page.inner_text("#result-meta"))
    with page.expect_download() as download:
        page.click("#download")
    data = Path(download.value.path()).read_bytes()
    assert data[4:8] == b"ftyp", "an MP4"

    # The recent jobs list shows it done; the balance is 100 - 2 - 9.
    done = page.locator("#jobs-list li[data-status='1']")
    done.first.wait_for()
    assert "Background · 360p" in done.first.inner_text()
    page.wait_for_function("document.getElementById('balance-value').textContent === '89'")
    session.shot("flow-10-done")

    # Every POST carried its own trace id.
    traces = [r.headers.get("ai-trace-id") for r in session.requests if r.method == "POST"]
    assert all(traces) and len(set(traces)) == len(traces)

    # Phone width: one column, nothing wider than the screen.
    page.set_viewport_size(PHONE)
    flow, side = (page.locator(s).bounding_box() for s in (".flow", ".side"))
    assert side["y"] > flow["y"] + flow["height"] - 1 and abs(side["x"] - flow["x"]) < 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    session.shot("flow-11-phone")


@on_sqlite
def test_a_refused_key_enables_nothing(session: Session) -> None:
    page = session.open()
    page.fill("#api-key", "sk-not-a-real-key")
    page.click("#key-connect")
    page.wait_for_selector("#key-msg.error")
    assert "refused" in page.inner_text("#key-msg")
    for control in ("#video-file", "#frame", "#find-masks", "#image-file", "#quality-360p"):
        assert page.is_disabled(control), control
    assert page.is_disabled("#swap") and page.is_disabled("#jobs-refresh")
    assert page.get_attribute("#api-key", "aria-invalid") == "true"
    assert page.evaluate("localStorage.getItem('vidswap.apiKey')") is None
    assert page.is_hidden("#account")
    session.shot("error-bad-key")

    # A key remembered from before that no longer works is dropped at load, and said so.
    page.evaluate("localStorage.setItem('vidswap.apiKey', 'sk-revoked')")
    page.reload()
    page.wait_for_selector("#key-msg.error")
    assert page.evaluate("localStorage.getItem('vidswap.apiKey')") is None


@on_sqlite
def test_video_errors_before_and_after_upload(
    browser: Any, settings: Settings, db: Database, clip: Path, tmp_path: Path
) -> None:
    limit = {"VIDSWAP_MEDIA_MAX_BYTES": str(100 * 1024)}
    with serving(settings, **limit) as server, browsing(browser, server, DESKTOP) as session:
        video_errors(session, db, clip, tmp_path)


def video_errors(session: Session, db: Database, clip: Path, tmp_path: Path) -> None:
    page = session.open()
    connect(page, make_account(db, credits=100).key)

    def uploads() -> list[Any]:
        return session.calls(f"{API}/media/upload")

    # The wrong type is refused in the page, before any upload.
    text = {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a video"}
    page.set_input_files("#video-file", text)
    page.wait_for_selector("#video-msg.error")
    assert "“notes.txt” is not a video" in page.inner_text("#video-msg")
    picture = {"name": "logo.png", "mimeType": "image/png", "buffer": image_bytes()}
    page.set_input_files("#video-file", picture)
    page.wait_for_function("document.getElementById('video-msg').textContent.includes('logo.png')")
    assert "is an image (PNG), not a video" in page.inner_text("#video-msg")
    session.shot("error-wrong-type")

    # Too big for this server (100 KB here): refused before sending, with both sizes.
    big = {"name": "big.mp4", "mimeType": "video/mp4", "buffer": bytes(150 * 1024)}
    page.set_input_files("#video-file", big)
    page.wait_for_function("document.getElementById('video-msg').textContent.includes('big.mp4')")
    assert "is 150 KB; videos may be at most 100 KB" in page.inner_text("#video-msg")
    assert "100 KB" in page.inner_text("#video-drop")  # the limit is shown up front too

    # Too long: the browser reads the duration, nothing is sent.
    long = make_video(tmp_path / "long.mp4", size=(32, 32), seconds=31, fps=2, audio=False)
    page.set_input_files("#video-file", str(long))
    page.wait_for_function("document.getElementById('video-msg').textContent.includes('long.mp4')")
    message = page.inner_text("#video-msg")
    assert "31 s long" in message and "at most 30 s" in message
    assert page.get_attribute("#video-msg", "class") == "msg error"
    assert not uploads()
    session.shot("error-too-long")

    # An MP4 the browser cannot read goes to the server, whose reason is shown.
    broken = {"name": "broken.mp4", "mimeType": "video/mp4", "buffer": b"\0\0\0\x18ftypmp42" * 64}
    with page.expect_response(f"**{API}/media/upload") as answer:
        page.set_input_files("#video-file", broken)
    reply = answer.value.json()
    assert reply["ErrCode"] == 400017
    page.wait_for_selector("#video-msg.error")
    assert reply["ErrMsg"] in page.inner_text("#video-msg")
    assert page.get_attribute("#video-progress", "class") == "progress failed"
    assert page.is_disabled("#find-masks") and page.is_disabled("#frame")
    assert len(uploads()) == 1
    session.shot("error-server-refused")

    # After all that, a good clip still goes through; an image step refuses a video.
    page.set_input_files("#video-file", str(clip))
    page.wait_for_selector("#step-video[data-state=done]")
    page.set_input_files("#image-file", str(clip))
    page.wait_for_selector("#image-msg.error")
    assert "is a video (MP4), not an image" in page.inner_text("#image-msg")
    assert not session.calls(f"{API}/image/upload")


@on_sqlite
def test_keyboard_only_at_phone_width(
    browser: Any, server: LiveServer, db: Database, clip: Path, tmp_path: Path
) -> None:
    key = make_account(db, credits=100).key
    image = tmp_path / "face.png"
    image.write_bytes(image_bytes((120, 160)))
    with browsing(browser, server, PHONE) as session:
        keyboard_flow(session, key, clip, image)


def keyboard_flow(session: Session, key: str, clip: Path, image: Path) -> None:
    page = session.open()

    tab_to(page, "#api-key")
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    page.wait_for_selector("#key-done:not([hidden])")

    # The file picker opens from the keyboard.
    pick_by_keyboard(page, "#video-file", clip)
    page.wait_for_selector("#step-video[data-state=done]")

    tab_to(page, "#frame")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert "Frame 3 of 10" in page.inner_text("#frame-out")
    tab_to(page, "#find-masks")
    page.keyboard.press("Enter")
    page.wait_for_selector("#mask-list:not([hidden])", timeout=SWAP_TIMEOUT)

    # The legend is a radio group: Tab into it, arrows move, Space picks.
    tab_to(page, "#mask-options input")
    for _ in range(8):
        if page.evaluate("document.activeElement.dataset.name") == "background":
            break
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    assert page.is_checked("#mask-options input[data-name=background]")
    assert page.get_attribute("#step-masks", "data-state") == "done"
    # The focused option is highlighted and has a visible focus ring.
    assert page.eval_on_selector(".mask-option.hover input", "e => e.dataset.name") == "background"
    ring = "getComputedStyle(document.activeElement.nextElementSibling).boxShadow"
    page.wait_for_function(f"{ring}.startsWith('rgba(79, 70, 229')")
    page.evaluate("document.getElementById('mask-list').scrollIntoView({block: 'end'})")
    session.shot("keyboard-phone-masks", full_page=False)

    pick_by_keyboard(page, "#image-file", image)
    page.wait_for_selector("#image-msg.ok")
    tab_to(page, "#quality input:checked")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.is_checked("#quality-360p") and page.inner_text("#price-total") == "9 credits"

    tab_to(page, "#swap")
    page.keyboard.press("Enter")
    assert page.is_visible("#confirm") and focused(page) == "confirm-yes"
    session.shot("keyboard-phone-confirm", full_page=False)
    page.keyboard.press("Escape")
    assert page.is_hidden("#confirm") and focused(page) == "swap"
    assert not session.calls(f"{API}/video/swap/generate")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    session.shot("keyboard-phone-page")


@on_sqlite
def test_failed_and_moderated_swaps_say_why_and_refund(
    browser: Any, settings: Settings, db: Database, clip: Path, tmp_path: Path
) -> None:
    plugin = {"VIDSWAP_JOB_PLUGINS": '["tests.support.refusing_swap"]'}
    with serving(settings, **plugin) as server, browsing(browser, server, DESKTOP) as session:
        page = session.open()
        connect(page, make_account(db, credits=100).key)
        page.set_input_files("#video-file", str(clip))
        page.wait_for_selector("#step-video[data-state=done]")
        page.click("#find-masks")
        page.wait_for_selector("#mask-list:not([hidden])", timeout=SWAP_TIMEOUT)
        page.click("#mask-options label:has-text('Background')")
        page.set_input_files("#image-file", str(_image(tmp_path)))
        page.wait_for_selector("#image-msg.ok")

        # 540p: the job ends moderated (7); the page says so and that 10 credits came back.
        swap_at(page, "540p")
        page.wait_for_selector("#result-error:not([hidden])", timeout=SWAP_TIMEOUT)
        said = page.inner_text("#result-error")
        assert "refused by content moderation" in said and "10 credits were refunded" in said
        page.wait_for_selector("#jobs-list li[data-status='7']")
        assert "refunded" in page.inner_text("#jobs-list li[data-status='7']")
        page.wait_for_function("document.getElementById('balance-value').textContent === '98'")
        session.shot("failed-moderated")

        # 360p: the job fails (8) with the worker's reason, refunded too.
        swap_at(page, "360p")
        page.wait_for_function(
            "document.getElementById('result-error').textContent.includes('This swap failed')",
            timeout=SWAP_TIMEOUT,
        )
        said = page.inner_text("#result-error")
        assert FAILED in said and "9 credits were refunded" in said
        page.wait_for_selector("#jobs-list li[data-status='8']")
        page.wait_for_function("document.getElementById('balance-value').textContent === '98'")
        session.shot("failed-error")

        # The list opens an older job in step 5.
        page.click("#jobs-list li[data-status='7'] button")
        page.wait_for_function(
            "document.getElementById('result-error').textContent.includes('moderation')"
        )


def _image(tmp_path: Path) -> Path:
    path = tmp_path / "face.png"
    path.write_bytes(image_bytes((200, 150)))
    return path


def swap_at(page: Any, quality: str) -> None:
    page.click(f"label[for=quality-{quality}]")
    page.click("#swap")
    page.click("#confirm-yes")
    page.wait_for_selector("#job-progress:not([hidden])")


def test_the_page_needs_nothing_from_elsewhere() -> None:
    """No CDN, font or script from another host, and no build step: plain files."""
    names = sorted(p.name for p in WEB.iterdir())
    assert "index.html" in names and "app.js" in names
    for path in WEB.iterdir():
        text = path.read_text()
        urls = re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text)
        assert all(u.startswith("http://www.w3.org/2000/svg") for u in urls), (path.name, urls)
        assert "@import" not in text and "fonts.googleapis" not in text
