"""Read upload requests: multipart, urlencoded or JSON; stage the file or URL to disk."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from vidswap.api.deps import Services
from vidswap.errors import InvalidParameter, MissingParameter, VidswapError, WrongParameterType
from vidswap.net.fetch import fetch

CHUNK = 1 << 20


async def read_params(request: Request) -> dict[str, Any]:
    """The request's fields whatever its encoding; files arrive as `UploadFile`."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_files=4, max_fields=100)
        except VidswapError:
            raise
        except Exception:
            raise WrongParameterType("The form body is malformed.") from None
        return dict(form.items())
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise WrongParameterType("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise WrongParameterType("The JSON body must be an object.")
    return data


@dataclass(frozen=True)
class Source:
    """Which field carries the upload: a file field and a URL field, exactly one of them."""

    file_field: str
    url_field: str
    max_bytes: int
    too_large: Callable[[int | None], VidswapError]


async def stage_request(svc: Services, request: Request, source: Source) -> Path:
    """Reads the request and stages its file or URL; form files are closed either way."""
    params = await read_params(request)
    try:
        return await stage(svc, params, source)
    finally:
        for value in params.values():
            if isinstance(value, UploadFile):
                await value.close()


def _given(value: Any) -> bool:
    """False for absent, blank, and the nameless empty file a browser sends for "no file"."""
    if isinstance(value, UploadFile):
        return bool(value.filename) or bool(value.size)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _pick(params: dict[str, Any], source: Source) -> tuple[UploadFile | None, str | None]:
    """The one upload given, file or URL, checked for presence and type."""
    upload, url = params.get(source.file_field), params.get(source.url_field)
    has_file, has_url = _given(upload), _given(url)
    if not has_file and not has_url:
        raise MissingParameter(
            f"Send a file as {source.file_field} or a URL as {source.url_field}."
        )
    if has_file and has_url:
        raise InvalidParameter(f"Send either {source.file_field} or {source.url_field}, not both.")
    if has_file and not isinstance(upload, UploadFile):
        raise WrongParameterType(f"{source.file_field} must be a file upload.")
    if has_url and not isinstance(url, str):
        raise WrongParameterType(f"{source.url_field} must be a string.")
    return (upload, None) if has_file else (None, str(url).strip())


async def stage(svc: Services, params: dict[str, Any], source: Source) -> Path:
    """Writes the uploaded file or the URL's content to a staging file and returns its path."""
    upload, url = _pick(params, source)
    fd, name = tempfile.mkstemp(dir=svc.blobs.staging_dir())
    path = Path(name)
    try:
        with open(fd, "wb") as out:
            if upload is not None:
                await run_in_threadpool(_copy, upload, out, source)
        if url is not None:
            await _download(svc, url, path, source)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _copy(upload: UploadFile, out: Any, source: Source) -> None:
    total = 0
    while chunk := upload.file.read(CHUNK):
        total += len(chunk)
        if total > source.max_bytes:
            raise source.too_large(None)
        out.write(chunk)


async def _download(svc: Services, url: str, path: Path, source: Source) -> None:
    settings = svc.settings
    await run_in_threadpool(
        fetch,
        url,
        path,
        max_bytes=source.max_bytes,
        timeout_s=settings.url_fetch_timeout_s,
        allow_hosts=settings.url_fetch_allow_hosts,
        too_large=lambda _msg: source.too_large(None),
    )
