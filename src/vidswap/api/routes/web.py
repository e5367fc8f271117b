"""The web page: `/` and its static files under `/web/`, plus the limits and prices it
checks a file against before uploading it (so it can say "too long" without sending it)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from vidswap.api.deps import Svc
from vidswap.domain import masks
from vidswap.domain.swap import HEIGHTS

PAGE = Path(__file__).resolve().parents[2] / "web"
MEDIA_TYPES = ["video/mp4", "video/quicktime", "video/webm"]
IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"]

router = APIRouter(tags=["web page"], include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(PAGE / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/web/config.json")
async def config(svc: Svc) -> dict[str, object]:
    s = svc.settings
    return {
        "media_max_bytes": s.media_max_bytes,
        "media_max_seconds": s.media_max_seconds,
        "image_max_bytes": s.image_max_bytes,
        "image_max_side": s.image_max_side,
        "video_max_side": s.video_max_side,
        "media_types": MEDIA_TYPES,
        "image_types": IMAGE_TYPES,
        "qualities": [q for q in HEIGHTS if q in s.swap_prices],
        "prices": s.swap_prices,
        "mask_selection_credits": masks.PRICE,
    }


def install(app: FastAPI) -> None:
    """The routes above, then the static files (a mount would shadow config.json)."""
    app.include_router(router)
    app.mount("/web", StaticFiles(directory=PAGE), name="web")
