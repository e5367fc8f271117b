"""Debian's Chromium driven by Python Playwright, for the web page's end-to-end tests: the
launch (never a browser download), a record of every request a page makes, screenshots
into a folder the run keeps, and a few gestures (a dropped file, Tab until a control)."""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "screenshots" / "web"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Debian chromium is not installed ({CHROMIUM}); `apt-get install chromium`"
    if importlib.util.find_spec("playwright") is None:
        return "Python playwright is not installed (the dev extra)"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium; skipped when it or Playwright is missing, failed in CI."""
    reason = missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def fresh_shots() -> Path:
    """screenshots/web/, emptied: each run leaves exactly its own pictures."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    return SHOTS


class Session:
    """One browser context on the server at `origin`: its requests and page errors are
    recorded, and `shot(name)` saves a full-page screenshot."""

    def __init__(self, browser: Any, origin: str, viewport: dict[str, int]) -> None:
        self.origin = origin
        # Reduced motion: the page drops its transitions, so screenshots show settled states.
        self.context = browser.new_context(
            viewport=viewport, accept_downloads=True, reduced_motion="reduce"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.requests: list[Any] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Playwright subscribes to a page event without waiting, when the page gets its first
        # listener. Subscribed only inside `expect_file_chooser`, a key press sent straight
        # after could reach Chromium first: its dialog then opened uncaught and no event came
        # (a CI flake). So the events tests wait for are subscribed for the page's life.
        for event in ("filechooser", "response"):
            self.page.on(event, lambda _: None)

    def open(self) -> Any:
        self.page.goto(self.origin + "/")
        self.page.wait_for_selector("body[data-ready]")
        return self.page

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        path = SHOTS / f"{name}.png"
        if full_page:  # at the top, so the sticky bar is where a person sees it
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def calls(self, path: str, method: str = "POST") -> list[Any]:
        return [r for r in self.requests if r.method == method and urlsplit(r.url).path == path]

    def foreign(self) -> list[str]:
        """URLs of requests that went anywhere but the server the page came from."""
        ours = urlsplit(self.origin)
        out = []
        for request in self.requests:
            url = request.url.removeprefix("blob:")
            if url.startswith("data:"):
                continue
            parts = urlsplit(url)
            if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
                out.append(request.url)
        return out

    def close(self) -> None:
        self.context.close()


def drop_file(page: Any, target: str, name: str, mime: str, data: bytes) -> None:
    """Drag a file onto `target` as a person would from a file manager."""
    transfer = page.evaluate_handle(
        """([name, mime, b64]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: mime }));
            return dt;
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )
    page.dispatch_event(target, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(target, "drop", {"dataTransfer": transfer})


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches `selector` (so it is reachable by Tab)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def pick_by_keyboard(page: Any, selector: str, path: Path) -> None:
    """Tab to the file input `selector`, open its picker with Space and choose `path`."""
    tab_to(page, selector)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(path))


def focused(page: Any) -> str:
    """The id of the focused element ("" when it has none)."""
    return str(page.evaluate("document.activeElement?.id ?? ''"))
