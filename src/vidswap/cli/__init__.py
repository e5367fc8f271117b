"""The `vidswap` command. Exit codes scripts can rely on:

0 done · 2 bad input (a usage error, a missing or unusable file, an invalid parameter, an
id the server does not know) · 3 the API key was refused · 4 out of credits or at the
concurrency limit · 5 refused by content moderation · 6 the generation failed or the
server erred · 7 the server could not be reached or did not finish in time.
"""

from __future__ import annotations

import json
import sys

from vidswap.cli import admin, flow  # noqa: F401  (their commands attach to `app`)
from vidswap.cli.app import app
from vidswap.client import (
    ApiError,
    AuthError,
    ConcurrencyError,
    CreditsError,
    InvalidParameterError,
    ModerationError,
    NotFoundError,
    ServerError,
    TransportError,
)
from vidswap.errors import VidswapError

EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (TransportError, 7),  # (before ApiError, its base)
    (TimeoutError, 7),
    (InvalidParameterError, 2),
    (NotFoundError, 2),
    (VidswapError, 2),
    (AuthError, 3),
    (CreditsError, 4),
    (ConcurrencyError, 4),
    (ModerationError, 5),
    (ServerError, 6),
    (ApiError, 6),
)


def exit_code(exc: BaseException) -> int | None:
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), None)


def main() -> None:
    try:
        app()
    except Exception as exc:
        code = exit_code(exc)
        if code is None:
            raise
        message = exc.message if isinstance(exc, VidswapError) else str(exc)
        print(f"error: {message}", file=sys.stderr)
        if "--json" in sys.argv[1:]:  # scripts get the failure in the form they asked for
            detail = {"exit_code": code, "message": message}
            if isinstance(exc, ApiError):
                detail |= {"err_code": exc.err_code, "trace_id": exc.trace_id}
            print(json.dumps({"error": detail}))
        raise SystemExit(code) from None
