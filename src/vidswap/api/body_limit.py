"""ASGI middleware that refuses request bodies over a size limit with HTTP 413.

It trusts no header: a body without Content-Length is counted as it streams, and the
error raised mid-stream is rendered by the app's error handler like any other.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vidswap.api.schemas import error
from vidswap.errors import VidswapError

Limit = tuple[int, VidswapError]


class BodyLimit:
    """Limits by path: `limits[path] = (bytes, error to raise)`, else `default`."""

    def __init__(self, app: ASGIApp, limits: dict[str, Limit], default: Limit) -> None:
        self.app, self.limits, self.default = app, limits, default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        limit, exc = self.limits.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            reject = JSONResponse(error(exc.code, exc.message), status_code=exc.http_status)
            await reject(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                # A fresh instance: re-raising the shared one would grow its traceback forever.
                raise type(exc)(exc.message)
            return message

        await self.app(scope, counted, send)
