"""What both clients share around one HTTP exchange: building the request, the retry
schedule, and turning a response into a model or a typed error. No I/O happens here, so
`Client` and `AsyncClient` differ only in how they send and sleep.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
import pydantic

from vidswap import __version__
from vidswap.client.errors import ApiError, TransportError, error_for

T = TypeVar("T")
M = TypeVar("M", bound=pydantic.BaseModel)
Parse = Callable[[httpx.Response, str | None], T]

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
USER_AGENT = f"vidswap-client/{__version__}"
# Failures after which we cannot know whether the server acted: safe to resend only because
# a POST's retry carries the same Ai-trace-id, which the server answers by replaying.
RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
RETRY_STATUS = frozenset({502, 503, 504})  # a proxy in front of the API gave up
OVERLOADED = 500069  # the server refused before doing anything: worth trying again
MAX_DELAY = 8.0


@dataclass(frozen=True)
class Options:
    """Constructor arguments common to both clients."""

    api_key: str
    headers: Mapping[str, str]
    max_retries: int
    backoff: float

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key is required")
        if self.max_retries < 0 or self.backoff < 0:
            raise ValueError("max_retries and backoff must not be negative")

    @staticmethod
    def http_args(base_url: str, timeout: float) -> dict[str, Any]:
        """For the httpx client. The API key goes on each API request instead, so signed
        download URLs (and whatever host they point to) never see it."""
        headers = {"User-Agent": USER_AGENT}
        return {"base_url": base_url.rstrip("/"), "timeout": timeout, "headers": headers}


@dataclass(frozen=True)
class Call(Generic[T]):
    """One logical call: the same request, trace id included, on every attempt."""

    method: str
    url: str
    parse: Parse[T]
    json: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    api: bool = True  # False: a signed file URL, fetched without the API key
    trace_id: str | None = None

    def request(self, http: httpx.Client | httpx.AsyncClient, opts: Options) -> httpx.Request:
        if not self.api:
            return http.build_request(self.method, self.url)
        headers = {**opts.headers, "API-KEY": opts.api_key}
        if self.trace_id is not None:
            headers["Ai-trace-id"] = self.trace_id
        return http.build_request(
            self.method, self.url, json=self.json, files=self.files, headers=headers
        )

    @property
    def follow_redirects(self) -> bool:
        """File hosts may redirect (CDNs); the API must not (a POST would turn into a GET)."""
        return not self.api


def post(url: str, parse: Parse[T], trace_id: str | None = None, **body: Any) -> Call[T]:
    """A POST with a fresh trace id, unless the caller repeats an earlier one on purpose."""
    return Call("POST", url, parse, trace_id=trace_id or str(uuid.uuid4()), **body)


@dataclass(frozen=True)
class Retry:
    """Send the call again after `delay` seconds."""

    delay: float


@dataclass
class Exchange(Generic[T]):
    """A call across its attempts: decides after each one whether to try again."""

    call: Call[T]
    opts: Options
    attempt: int = 0

    def _again(self) -> Retry | None:
        if self.attempt >= self.opts.max_retries:
            return None
        self.attempt += 1
        return Retry(min(self.opts.backoff * 2 ** (self.attempt - 1), MAX_DELAY))

    def failed(self, exc: httpx.HTTPError) -> Retry:
        """After a transport error: the delay before the next attempt, else TransportError."""
        retry = self._again() if isinstance(exc, RETRY_ERRORS) else None
        if retry is None:
            call, n = self.call, self.attempt + 1
            tries = f"{n} {'try' if n == 1 else 'tries'}"
            msg = f"{call.method} {call.url} failed after {tries}: {type(exc).__name__}: {exc}"
            raise TransportError(msg, trace_id=call.trace_id) from exc
        return retry

    def settle(self, response: httpx.Response) -> T | Retry:
        """After a response: the parsed value, a retry, or a typed error."""
        try:
            return self.call.parse(response, self.call.trace_id)
        except ApiError as err:
            return self.refused(err, response.status_code)

    def refused(self, err: ApiError, status_code: int) -> Retry:
        """A retry when the refusal is transient and attempts are left, else raises `err`."""
        transient = status_code in RETRY_STATUS or err.err_code == OVERLOADED
        retry = self._again() if transient else None
        if retry is None:
            raise err
        return retry


def _body(response: httpx.Response) -> dict[str, Any] | None:
    """The JSON body when it is an envelope (has an integer ErrCode), else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) and isinstance(body.get("ErrCode"), int) else None


def _failure(response: httpx.Response, body: dict[str, Any], trace_id: str | None) -> ApiError:
    msg = str(body.get("ErrMsg") or "")
    return error_for(body["ErrCode"], msg, trace_id=trace_id, status_code=response.status_code)


def unexpected(response: httpx.Response, trace_id: str | None, what: str) -> ApiError:
    """An error for a body that is not the API's, saying enough to tell what answered."""
    snippet = " ".join(response.text[:200].split())
    msg = f"HTTP {response.status_code} from {response.request.url}, {what}: {snippet!r}"
    status = response.status_code
    return error_for(
        400012 if status == 401 else 500100, msg, trace_id=trace_id, status_code=status
    )


def envelope(response: httpx.Response, trace_id: str | None) -> dict[str, Any]:
    """`Resp` of a `{ErrCode, ErrMsg, Resp}` body, or the matching error."""
    body = _body(response)
    if body is None:
        raise unexpected(response, trace_id, "not an API envelope")
    if body["ErrCode"] != 0 or response.status_code == 401:
        raise _failure(response, body, trace_id)
    resp = body.get("Resp")
    if not response.is_success:
        raise unexpected(response, trace_id, "an HTTP error with ErrCode 0")
    if not isinstance(resp, dict):
        raise unexpected(response, trace_id, "success without a Resp object")
    return resp


def model(cls: type[M]) -> Parse[M]:
    """A parser from the envelope's `Resp` to `cls`; a wrong shape is the server's fault."""

    def parse(response: httpx.Response, trace_id: str | None) -> M:
        resp = envelope(response, trace_id)
        try:
            return cls.model_validate(resp)
        except pydantic.ValidationError as exc:
            what = f"Resp does not fit {cls.__name__} ({exc.error_count()} errors)"
            raise unexpected(response, trace_id, what) from None

    return parse


def file_error(response: httpx.Response) -> ApiError:
    """The error a file host answered with (an envelope when it is vidswap)."""
    body = _body(response)
    if body is not None and body["ErrCode"] != 0:
        return _failure(response, body, None)
    return unexpected(response, None, "download failed")


def raw(response: httpx.Response, trace_id: str | None) -> bytes:
    if not response.is_success:
        raise file_error(response)
    return response.content
