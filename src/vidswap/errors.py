"""The one error tree. Each class carries its PixVerse ErrCode and the HTTP status it maps to.

Domain code raises these; the API turns them into the `{ErrCode, ErrMsg, Resp}` envelope.
"""

from __future__ import annotations


class VidswapError(Exception):
    """Base of every error a client can see. `message` is safe to show to a person."""

    code = 500100
    http_status = 200
    default_message = "Internal error. Please try again later."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class MissingParameter(VidswapError):
    code = 400011
    default_message = "A required parameter is missing."


class InvalidApiKey(VidswapError):
    code = 400012
    http_status = 401
    default_message = "Invalid API key. Send a valid key in the API-KEY header."


class WrongParameterType(VidswapError):
    code = 400013
    default_message = "A parameter has the wrong type."


class InvalidParameter(VidswapError):
    code = 400017
    default_message = "A parameter has an invalid value."


class FeatureNotEnabled(InvalidParameter):
    """A PixVerse feature this deployment has no engine for; it never pretends to succeed."""

    def __init__(self, feature: str) -> None:
        super().__init__(f"The {feature} feature is not enabled on this server.")


class BodyTooLarge(InvalidParameter):
    http_status = 413


class PromptTooLong(VidswapError):
    code = 400018
    default_message = "The prompt is too long."


class NegativePromptTooLong(VidswapError):
    code = 400019
    default_message = "The negative prompt is too long."


class InvalidImageId(VidswapError):
    code = 400032
    default_message = "Invalid image id."


class NotFound(VidswapError):
    code = 500008
    default_message = "The requested object was not found."


class ImageTooLarge(VidswapError):
    code = 500030
    default_message = "The image is too large."


class ImageTooLargeBody(ImageTooLarge):
    http_status = 413


class BadImageFormat(VidswapError):
    code = 500032
    default_message = "Unsupported image format. Use PNG, JPEG or WebP."


class BadImageDimensions(VidswapError):
    code = 500033
    default_message = "The image dimensions are not supported."


class CreditsExhausted(VidswapError):
    code = 500043
    default_message = (
        "All Credits have been used up. Please upgrade your membership or purchase credits."
    )


class ConcurrencyLimit(VidswapError):
    code = 500044
    default_message = "Reached the limit for concurrent generations."


class ImageModerated(VidswapError):
    code = 500052
    default_message = "The uploaded image failed content moderation."


class VideoModerated(VidswapError):
    code = 500054
    default_message = "The input video failed content moderation."


class Overloaded(VidswapError):
    code = 500069
    default_message = "The system is overloaded. Please try again later."


class InternalError(VidswapError):
    code = 500100


class RouteNotFound(VidswapError):
    code = 500008
    http_status = 404
    default_message = "No such endpoint."
