"""`AsyncClient`: the asyncio SDK over `httpx.AsyncClient`; the same calls as `Client`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
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


class AsyncClient:
    """`Client` with coroutines; see `Client` for retries and trace ids."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        backoff: float = 0.5,
    ) -> None:
        self._opts = Options(api_key, dict(headers or {}), max_retries, backoff)
        self._http = httpx.AsyncClient(transport=transport, **Options.http_args(base_url, timeout))

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def balance(self) -> Balance:
        return await self._call(calls.balance())

    async def upload_image(self, src: Source, *, trace_id: str | None = None) -> ImageUpload:
        """Reads a path or file object synchronously (once), then uploads it."""
        return await self._call(calls.upload_image(src, trace_id))

    async def upload_media(self, src: Source, *, trace_id: str | None = None) -> MediaUpload:
        return await self._call(calls.upload_media(src, trace_id))

    async def select_masks(
        self,
        *,
        video_media_id: int | None = None,
        source_video_id: int | None = None,
        keyframe_id: int = 1,
        trace_id: str | None = None,
    ) -> MaskSelection:
        call = calls.select_masks(video_media_id, source_video_id, keyframe_id, trace_id)
        return await self._call(call)

    async def swap(
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
        return await self._call(call)

    async def result(self, video_id: int) -> VideoResult:
        return await self._call(calls.result(video_id))

    async def wait(
        self,
        video_id: int,
        *,
        timeout: float = 900.0,
        on_progress: Progress | None = None,
        poll_interval: float = 1.0,
        max_interval: float = 5.0,
    ) -> VideoResult:
        poll = Poll(video_id, timeout, poll_interval, max_interval, on_progress)
        while (delay := poll.next_delay(result := await self.result(video_id))) is not None:
            await asyncio.sleep(delay)
        return result

    async def download(self, video_id_or_url: int | str, path: str | os.PathLike[str]) -> Path:
        video_id = calls.video_id(video_id_or_url)
        url = str(video_id_or_url) if video_id is None else video_url(await self.result(video_id))
        ex = Exchange(calls.fetch(url), self._opts)
        target = destination(path, url)
        return await self._retrying(ex, lambda request: self._save(ex, request, target))

    async def fetch(self, url: str) -> bytes:
        return await self._call(calls.fetch(url))

    async def _call(self, call: Call[T]) -> T:
        ex = Exchange(call, self._opts)

        async def attempt(request: httpx.Request) -> T | Retry:
            return ex.settle(await self._send(ex, request))

        return await self._retrying(ex, attempt)

    async def _send(
        self, ex: Exchange[Any], request: httpx.Request, stream: bool = False
    ) -> httpx.Response:
        follow = ex.call.follow_redirects
        return await self._http.send(request, stream=stream, follow_redirects=follow)

    async def _retrying(
        self, ex: Exchange[Any], attempt: Callable[[httpx.Request], Awaitable[T | Retry]]
    ) -> T:
        while True:
            try:
                step = await attempt(ex.call.request(self._http, self._opts))
            except httpx.HTTPError as exc:
                step = ex.failed(exc)
            if not isinstance(step, Retry):
                return step
            await asyncio.sleep(step.delay)

    async def _save(self, ex: Exchange[Any], request: httpx.Request, target: Path) -> Path | Retry:
        response = await self._send(ex, request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                return ex.refused(file_error(response), response.status_code)
            with Staged(target) as out:
                async for chunk in response.aiter_bytes(CHUNK):
                    out.write(chunk)
        finally:
            await response.aclose()
        return target
