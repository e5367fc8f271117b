"""Python SDK for the PixVerse Platform API as vidswap serves it (and PixVerse's cloud).

Depends on httpx and pydantic only: importing it loads no vision or video library.
"""

from vidswap.client.aio import AsyncClient
from vidswap.client.errors import (
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
from vidswap.client.models import (
    Balance,
    ImageUpload,
    MaskInfo,
    MaskSelection,
    MediaUpload,
    SwapJob,
    VideoResult,
    VideoStatus,
)
from vidswap.client.sync import Client

__all__ = [
    "ApiError",
    "AsyncClient",
    "AuthError",
    "Balance",
    "Client",
    "ConcurrencyError",
    "CreditsError",
    "ImageUpload",
    "InvalidParameterError",
    "MaskInfo",
    "MaskSelection",
    "MediaUpload",
    "ModerationError",
    "NotFoundError",
    "ServerError",
    "SwapJob",
    "TransportError",
    "VideoResult",
    "VideoStatus",
]
