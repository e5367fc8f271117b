"""A test-only replacement for the swap job kind, loaded into workers through
VIDSWAP_JOB_PLUGINS (after the built-in kinds, so it wins): it reports some progress, then
ends moderated (status 7) at 540p and failed (status 8) otherwise, so a page can be shown
both endings without a real explicit video or a real engine failure."""

from __future__ import annotations

from typing import Any

from tests.support.refusal import FAILED
from vidswap.domain.swap import KIND
from vidswap.errors import VidswapError
from vidswap.jobs.kinds import JobContext, JobModerated, register


@register(KIND)
def refusing_swap(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    for percent in (20, 40, 60):
        ctx.sleep(0.3)
        ctx.report(percent)
    if params.get("quality") == "540p":
        raise JobModerated()
    raise VidswapError(FAILED)
