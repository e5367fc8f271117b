"""The page's pure helpers, run as ES modules in Node (skipped without it; the browser
tests in test_web.py need Chromium)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from vidswap.api.routes.web import PAGE

NODE = shutil.which("node")


def call(module: str, function: str, *args: object) -> object:
    script = (
        f"import {{ {function} }} from './{module}';"
        f"console.log(JSON.stringify({function}(...{json.dumps(args)})));"
    )
    run = subprocess.run(
        [NODE or "node", "--input-type=module", "-e", script],
        cwd=PAGE,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(run.stdout)


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
@pytest.mark.parametrize(
    ("result", "shown"),
    [
        ({"swapped_frames": 45, "total_frames": 90}, "45 of 90 frames swapped (50%)"),
        ({"swapped_frames": 0, "total_frames": 24}, "0 of 24 frames swapped (0%)"),
        ({"swapped_frames": None, "total_frames": None}, ""),  # a swap before the counts
        ({}, ""),  # a server without them
    ],
)
def test_coverage_figure(result: dict[str, object], shown: str) -> None:
    assert call("result.js", "coverage", result) == shown
