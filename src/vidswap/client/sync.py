"""`Client`: the blocking SDK over `httpx.Client`."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import httpx

from vidswap.client import _calls as calls
from vidswap.client._calls import Source
from vidswap.client._files import CHUNK, Staged, destination
from vidswap.client._jobs import Poll, Progress, video_url
from vidswap.client._transport import (
    DEFAULT_BASE_URL,
    Call,
    Exchange,
    Options,
    Retry,
    file_error,
)
from vidswap.client.models import (
    Balance,
    ImageUpload,
    MaskSelection,
    MediaUpload,
    SwapJob,
    VideoResult,
)

T = TypeVar("T")


class Client:
    """A client of the PixVerse Platform API (and of vidswap, which speaks it).

    `base_url` is a host root such as `https://app-api.pixverse.ai`. Failed connections,
    timeouts, dropped responses, gateway errors (HTTP 502-504) and "overloaded" (500069) are
    retried up to `max_retries` times, waiting `backoff` seconds, doubling, in between. A
    retried POST repeats its `Ai-trace-id`, so the server answers it with its first response
    and never runs or charges it twice; other errors are raised at once.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        backoff: float = 0.5,
    ) -> None:
        self._opts = Options(api_key, dict(headers or {}), max_retries, backoff)
        self._http = httpx.Client(transport=transport, **Options.http_args(base_url, timeout))

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def balance(self) -> Balance:
        return self._call(calls.balance())

    def upload_image(self, src: Source, *, trace_id: str | None = None) -> ImageUpload:
        """Uploads a path, bytes or binary file, or has the server fetch an http(s) URL."""
        return self._call(calls.upload_image(src, trace_id))

    def upload_media(self, src: Source, *, trace_id: str | None = None) -> MediaUpload:
        """Uploads a video or audio file the same ways as `upload_image`."""
        return self._call(calls.upload_media(src, trace_id))

    def select_masks(
        self,
        *,
        video_media_id: int | None = None,
        source_video_id: int | None = None,
        keyframe_id: int = 1,
        trace_id: str | None = None,
    ) -> MaskSelection:
        call = calls.select_masks(video_media_id, source_video_id, keyframe_id, trace_id)
        return self._call(call)

    def swap(
        self,
        *,
        img_id: int,
        video_media_id: int | None = None,
        source_video_id: int | None = None,
        quality: str = "720p",
        keyframe_id: int = 1,
        mask_id: str | None = None,
        trace_id: str | None = None,
    ) -> SwapJob:
        call = calls.swap(
            img_id, video_media_id, source_video_id, quality, keyframe_id, mask_id, trace_id
        )
        return self._call(call)

    def result(self, video_id: int) -> VideoResult:
        return self._call(calls.result(video_id))

    def wait(
        self,
        video_id: int,
        *,
        timeout: float = 900.0,
        on_progress: Progress | None = None,
        poll_interval: float = 1.0,
        max_interval: float = 5.0,
    ) -> VideoResult:
        """Polls until the video succeeded; raises ModerationError (status 7), ServerError
        (8), NotFoundError (6), or TimeoutError after `timeout` seconds."""
        poll = Poll(video_id, timeout, poll_interval, max_interval, on_progress)
        while (delay := poll.next_delay(result := self.result(video_id))) is not None:
            time.sleep(delay)
        return result

    def download(self, video_id_or_url: int | str, path: str | os.PathLike[str]) -> Path:
        """Saves a finished video (by id, also as a string of digits) or any signed URL to
        `path` (a file, or a directory to keep the URL's file name). Does not wait."""
        video_id = calls.video_id(video_id_or_url)
        url = str(video_id_or_url) if video_id is None else video_url(self.result(video_id))
        ex = Exchange(calls.fetch(url), self._opts)
        target = destination(path, url)
        return self._retrying(ex, lambda request: self._save(ex, request, target))

    def fetch(self, url: str) -> bytes:
        """The content of a signed URL (a mask PNG, a keyframe), fetched without the key."""
        return self._call(calls.fetch(url))

    def _call(self, call: Call[T]) -> T:
        ex = Exchange(call, self._opts)
        return self._retrying(ex, lambda request: ex.settle(self._send(ex, request)))

    def _send(
        self, ex: Exchange[Any], request: httpx.Request, stream: bool = False
    ) -> httpx.Response:
        return self._http.send(request, stream=stream, follow_redirects=ex.call.follow_redirects)

    def _retrying(self, ex: Exchange[Any], attempt: Callable[[httpx.Request], T | Retry]) -> T:
        """Runs `attempt` until it gives a value, sleeping between tries as `ex` says."""
        while True:
            try:
                step = attempt(ex.call.request(self._http, self._opts))
            except httpx.HTTPError as exc:
                step = ex.failed(exc)
            if not isinstance(step, Retry):
                return step
            time.sleep(step.delay)

    def _save(self, ex: Exchange[Any], request: httpx.Request, target: Path) -> Path | Retry:
        response = self._send(ex, request, stream=True)
        try:
            if not response.is_success:
                response.read()
                return ex.refused(file_error(response), response.status_code)
            with Staged(target) as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
        finally:
            response.close()
        return target
