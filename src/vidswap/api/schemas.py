"""Wire schemas: the PixVerse names and shapes live here and nowhere else."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """Every response body: ErrCode 0 and `Resp` on success, an error code and null otherwise."""

    ErrCode: int = Field(examples=[0])
    ErrMsg: str = Field(examples=["success"])
    Resp: T | None


class BalanceResp(BaseModel):
    account_id: int
    credit_monthly: int
    credit_package: int


class ImageUploadResp(BaseModel):
    img_id: int
    img_url: str


class MediaUploadResp(BaseModel):
    media_id: int
    media_type: str = Field(description="video or audio")
    url: str
    # (ours) for videos, so a page can scrub by frame number; null for audio
    width: int | None = Field(default=None, description="as displayed (rotation applied)")
    height: int | None = None
    duration: float | None = Field(default=None, description="seconds")
    fps: float | None = None
    frames: int | None = Field(default=None, description="frame count; keyframe_id <= frames")


class VideoResultResp(BaseModel):
    id: int
    status: int = Field(description="5 generating, 1 success, 7 moderated, 8 failed, 6 deleted")
    url: str
    outputWidth: int
    outputHeight: int
    size: int
    seed: int
    prompt: str
    negative_prompt: str
    style: str
    resolution_ratio: int
    create_time: str
    modify_time: str
    progress: int = Field(description="0-100 (vidswap extension)")
    has_audio: bool = Field(description="vidswap extension")
    credits: int = Field(description="credits charged (vidswap extension)")
    err_msg: str = Field(description="why a job ended at 7 or 8 (vidswap extension)")
    method: str = Field(
        description="how a swap was rendered: background, object, face or subject "
        "(vidswap extension)"
    )
    swapped_frames: int | None = Field(
        default=None,
        description="frames the subject was found and swapped in; the others are unchanged "
        "(vidswap extension; null until a swap succeeds, and for swaps made before it existed)",
    )
    total_frames: int | None = Field(
        default=None, description="frames in the output (vidswap extension; null as above)"
    )
    coverage_note: str = Field(
        default="",
        description="set when the subject was found in under half the frames (vidswap extension)",
    )


class VideoListItem(VideoResultResp):
    quality: str
    mask_name: str = Field(description="person, object or background")
    source_url: str = Field(description="the source video, signed; empty once it is gone")


class VideoListResp(BaseModel):
    """(ours) GET /video/list: an account's swaps, newest first."""

    videos: list[VideoListItem]
    total: int


def ok(resp: BaseModel | dict[str, object]) -> dict[str, object]:
    body = resp.model_dump() if isinstance(resp, BaseModel) else resp
    return {"ErrCode": 0, "ErrMsg": "success", "Resp": body}


def error(code: int, message: str) -> dict[str, object]:
    return {"ErrCode": code, "ErrMsg": message, "Resp": None}
