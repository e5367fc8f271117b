"""Response models with PixVerse's field names. Unknown fields are kept (`model_extra`), so
a server that adds fields, or PixVerse's cloud that omits vidswap's, still parses."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class VideoStatus(IntEnum):
    """`VideoResult.status` values; the field stays a plain int so new values still parse."""

    SUCCEEDED = 1
    GENERATING = 5
    DELETED = 6
    MODERATED = 7
    FAILED = 8


class Balance(_Model):
    account_id: int
    credit_monthly: int
    credit_package: int


class ImageUpload(_Model):
    img_id: int
    img_url: str


class MediaUpload(_Model):
    media_id: int
    media_type: str
    url: str


class MaskInfo(_Model):
    # PixVerse documents string ids; accept numbers too rather than fail on them.
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    mask_id: str
    mask_name: str
    mask_url: str


class MaskSelection(_Model):
    keyframe_id: int
    keyframe_url: str
    credits: int
    mask_info: list[MaskInfo]


class SwapJob(_Model):
    video_id: int
    credits: int | None = None  # PixVerse's cloud answers only the video_id


class VideoResult(_Model):
    """GET /video/result. `progress` and later fields are vidswap extensions (None elsewhere)."""

    id: int
    status: int
    url: str = ""
    outputWidth: int | None = None
    outputHeight: int | None = None
    size: int | None = None
    seed: int | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    style: str | None = None
    resolution_ratio: int | None = None
    create_time: str | None = None
    modify_time: str | None = None
    progress: int | None = None
    has_audio: bool | None = None
    credits: int | None = None
    err_msg: str | None = None
    method: str | None = None
    swapped_frames: int | None = None  # None also from servers that do not count them
    total_frames: int | None = None
    coverage_note: str | None = None

    @field_validator("url", mode="before")
    @classmethod
    def _no_null_url(cls, value: Any) -> Any:
        return "" if value is None else value

    @property
    def done(self) -> bool:
        """No longer generating (whatever the outcome)."""
        return self.status != VideoStatus.GENERATING

    @property
    def succeeded(self) -> bool:
        return self.status == VideoStatus.SUCCEEDED
