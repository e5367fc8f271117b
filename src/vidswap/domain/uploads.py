"""Image and media uploads: validate a staged file from its content, store it, record it.

The caller stages the bytes (an HTTP body or a URL download) into a file in the blob
store's staging directory; on any error here that file is removed and no row is written.
An image with explicit content is refused here, before anything is stored or charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vidswap.config import Settings
from vidswap.domain.ids import new_id
from vidswap.engines.moderate.images import image_rgb
from vidswap.engines.pool import EnginePool
from vidswap.errors import ImageModerated, ImageTooLarge, InvalidParameter, NotFound
from vidswap.media import image as image_media
from vidswap.media.probe import MediaInfo, probe
from vidswap.storage.blobs import LocalBlobStore
from vidswap.storage.db import Database, utcnow
from vidswap.storage.tables import Image, Media

MB = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    id: int
    url: str
    media_type: str = ""
    video: dict[str, float] | None = None  # a video's shape and timing, as displayed


def _mb(n: int) -> str:
    if n < MB:  # small limits (tests, tight deployments) would all read "0.0 MB"
        return f"{n} bytes"
    return f"{n / MB:.1f} MB" if n % MB else f"{n // MB} MB"


def image_too_large(settings: Settings, size: int | None = None) -> ImageTooLarge:
    got = f"The image is {_mb(size)}; " if size is not None else "The image is too large; "
    return ImageTooLarge(f"{got}the limit is {_mb(settings.image_max_bytes)}.")


def media_too_large(settings: Settings, size: int | None = None) -> InvalidParameter:
    got = f"The file is {_mb(size)}; " if size is not None else "The file is too large; "
    return InvalidParameter(f"{got}the limit is {_mb(settings.media_max_bytes)}.")


def _store(blobs: LocalBlobStore, staged: Path, prefix: str, ext: str) -> str:
    key = blobs.new_key(prefix, ext)
    blobs.put_file(key, staged)
    return key


def _moderate(engines: EnginePool, staged: Path) -> None:
    rgb = image_rgb(staged)  # decoded outside the engine's lock
    with engines.use("moderate") as moderator:
        if moderator.flagged(rgb):
            raise ImageModerated()


def save_image(
    db: Database,
    blobs: LocalBlobStore,
    settings: Settings,
    account_id: int,
    staged: Path,
    *,
    engines: EnginePool,
) -> Stored:
    try:
        size = staged.stat().st_size
        if size > settings.image_max_bytes:
            raise image_too_large(settings, size)
        info = image_media.inspect(
            staged, max_side=settings.image_max_side, max_pixels=settings.image_max_pixels
        )
        _moderate(engines, staged)  # only once the image is known to be safe to decode
        key = _store(blobs, staged, "img", info.format)
    finally:
        staged.unlink(missing_ok=True)
    row = Image(
        id=new_id(),
        account_id=account_id,
        blob_key=key,
        format=info.format,
        width=info.width,
        height=info.height,
        size=size,
        created_at=utcnow(),
    )
    _insert_or_drop(db, blobs, row, key)
    return Stored(row.id, blobs.url(key))


def _check_media(settings: Settings, info: MediaInfo) -> None:
    if info.duration > settings.media_max_seconds + 0.05:
        raise InvalidParameter(
            f"The {info.media_type} is {info.duration:.1f} s long; "
            f"the limit is {settings.media_max_seconds:g} s."
        )
    side = max(info.width, info.height)
    if side > settings.video_max_side:
        raise InvalidParameter(
            f"The video is {info.width}x{info.height}; "
            f"its larger side may be at most {settings.video_max_side} pixels."
        )


def save_media(
    db: Database, blobs: LocalBlobStore, settings: Settings, account_id: int, staged: Path
) -> Stored:
    try:
        size = staged.stat().st_size
        if size > settings.media_max_bytes:
            raise media_too_large(settings, size)
        info = probe(staged)
        _check_media(settings, info)
        key = _store(blobs, staged, info.media_type, info.container)
    finally:
        staged.unlink(missing_ok=True)
    row = Media(
        id=new_id(),
        account_id=account_id,
        blob_key=key,
        media_type=info.media_type,
        container=info.container,
        codec=info.codec,
        width=info.width,
        height=info.height,
        rotation=info.rotation,
        duration=info.duration,
        fps=info.fps,
        frames=info.frames,
        has_audio=info.has_audio,
        size=size,
        created_at=utcnow(),
    )
    _insert_or_drop(db, blobs, row, key)
    return Stored(row.id, blobs.url(key), info.media_type, _video_details(row))


def _video_details(row: Media) -> dict[str, float] | None:
    """What a page needs to scrub a video by frame number: display size, fps, frames."""
    if row.media_type != "video":
        return None
    turned = row.rotation % 180 == 90
    width, height = (row.height, row.width) if turned else (row.width, row.height)
    details = {"width": width, "height": height, "duration": row.duration}
    return details | {"fps": round(row.fps, 3), "frames": row.frames}


def _insert_or_drop(db: Database, blobs: LocalBlobStore, row: Image | Media, key: str) -> None:
    """Writes the row; if that fails the stored blob goes too, so nothing is left half-made."""
    try:
        with db.write() as session:
            session.add(row)
    except BaseException:
        blobs.delete(key)
        raise


def get_media(db: Database, account_id: int, media_id: int) -> Media:
    with db.read() as session:
        row = session.get(Media, media_id)
    if row is None or row.account_id != account_id:
        raise NotFound(f"No media with id {media_id}.")
    return row
