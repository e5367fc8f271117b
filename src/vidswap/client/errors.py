"""Typed errors: one base class and one class per family of PixVerse ErrCodes.

Callers branch on the class (what to do next), not on numbers; the ErrCode, message,
trace id and HTTP status stay on the error for logs and for a safe retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vidswap.client.models import VideoResult


class ApiError(Exception):
    """Base of every error the SDK raises for a failed call: catch it to catch them all.

    `trace_id` is the `Ai-trace-id` the POST was sent with: sending the same call again with
    it cannot start or charge anything twice. `result` is set when a job ended badly.
    """

    default_code = 500100

    def __init__(
        self,
        err_msg: str,
        *,
        err_code: int | None = None,
        trace_id: str | None = None,
        status_code: int | None = None,
        result: VideoResult | None = None,
    ) -> None:
        super().__init__(err_msg)
        self.err_msg = err_msg
        self.err_code = self.default_code if err_code is None else err_code
        self.trace_id = trace_id
        self.status_code = status_code
        self.result = result

    def __str__(self) -> str:
        trace = f", trace id {self.trace_id}" if self.trace_id else ""
        return f"{self.err_msg} (ErrCode {self.err_code}{trace})"


class AuthError(ApiError):
    """The API key is missing, unknown or revoked."""

    default_code = 400012


class InvalidParameterError(ApiError):
    """The request is wrong (missing, mistyped or invalid values, unusable image or media):
    sending it again unchanged fails again."""

    default_code = 400017


class NotFoundError(ApiError):
    """No such object for this account (or it was deleted)."""

    default_code = 500008


class CreditsError(ApiError):
    """The account's credits are used up."""

    default_code = 500043


class ConcurrencyError(ApiError):
    """Too many jobs running for the account: wait for one to finish."""

    default_code = 500044


class ModerationError(ApiError):
    """An input or the generated video failed content moderation (credits are refunded)."""

    default_code = 500054


class ServerError(ApiError):
    """The server failed, is overloaded, or answered something that is not the API."""


class TransportError(ApiError):
    """No usable response after every retry (connection refused, timeout, dropped)."""

    default_code = -1


_INVALID = (400011, 400013, 400017, 400018, 400019, 400032, 500030, 500032, 500033)
FAMILIES: dict[int, type[ApiError]] = {
    **dict.fromkeys(_INVALID, InvalidParameterError),
    400012: AuthError,
    500008: NotFoundError,
    500043: CreditsError,
    500044: ConcurrencyError,
    500052: ModerationError,
    500054: ModerationError,
}


def error_for(
    err_code: int, err_msg: str, *, trace_id: str | None, status_code: int | None
) -> ApiError:
    """The error for an envelope's ErrCode; HTTP 401 means a bad key whatever the body."""
    cls = AuthError if status_code == 401 else FAMILIES.get(err_code, ServerError)
    return cls(err_msg, err_code=err_code, trace_id=trace_id, status_code=status_code)
