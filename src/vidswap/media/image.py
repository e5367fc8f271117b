"""Validate an uploaded image from its content: format, dimensions, full decode.

Dimensions are read from the header and checked before any pixel is decoded, so a
decompression bomb is refused without being expanded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from vidswap.errors import BadImageDimensions, BadImageFormat

# MPO is a JPEG with extra views (phone cameras write them); any JPEG decoder reads it.
FORMATS = {"PNG": "png", "JPEG": "jpg", "MPO": "jpg", "WEBP": "webp"}


@dataclass(frozen=True)
class ImageInfo:
    format: str  # png | jpg | webp
    width: int
    height: int


def inspect(path: Path, *, max_side: int, max_pixels: int) -> ImageInfo:
    """Describes an image file or raises the PixVerse error for what is wrong with it."""
    if path.stat().st_size == 0:
        raise BadImageFormat("The image file is empty.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:
                info = _check_header(img, max_side, max_pixels)
                img.load()
        except UnidentifiedImageError:
            raise BadImageFormat("The file is not a PNG, JPEG or WebP image.") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise BadImageDimensions(
                f"The image has too many pixels to decode safely; each side may be at most "
                f"{max_side} pixels and the image at most {max_pixels} pixels."
            ) from None
        except (OSError, SyntaxError, ValueError):
            raise BadImageFormat("The image data is damaged or truncated.") from None
    return info


def _check_header(img: Image.Image, max_side: int, max_pixels: int) -> ImageInfo:
    fmt = FORMATS.get(img.format or "")
    if fmt is None:
        raise BadImageFormat(f"{img.format} images are not supported; use PNG, JPEG or WebP.")
    width, height = img.size
    if width < 1 or height < 1:
        raise BadImageDimensions("The image has no pixels.")
    if max(width, height) > max_side:
        raise BadImageDimensions(
            f"The image is {width}x{height}; each side may be at most {max_side} pixels."
        )
    if width * height > max_pixels:
        raise BadImageDimensions(
            f"The image is {width}x{height}; at most {max_pixels} pixels are allowed."
        )
    return ImageInfo(fmt, width, height)
