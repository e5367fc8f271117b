"""A test-only job kind, loaded into workers through VIDSWAP_JOB_PLUGINS like a real kind."""

from __future__ import annotations

from typing import Any

from vidswap.errors import VidswapError
from vidswap.jobs.kinds import JobContext, JobModerated, register


@register("test.sleep")
def sleep_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Sleeps in steps reporting progress, then ends as `params` asks."""
    steps = int(params.get("steps", 5))
    for i in range(steps):
        ctx.sleep(float(params.get("step_s", 0.05)))
        ctx.report(100 * (i + 1) / steps)
    if params.get("fail"):
        raise VidswapError(str(params["fail"]))
    if params.get("moderate"):
        raise JobModerated()
    if params.get("crash"):
        raise RuntimeError("a bug in the job")
    return {"width": 64, "height": 36, "size": 1234, "has_audio": True, "attempt": ctx.attempt}
