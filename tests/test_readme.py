"""The README's configuration table lists every setting, by its full variable name."""

from __future__ import annotations

import re
from pathlib import Path

from vidswap.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_configuration_table() -> None:
    table = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`(VIDSWAP_[A-Z0-9_]+)`", table))
    settings = {f"VIDSWAP_{name.upper()}" for name in Settings.model_fields}
    assert settings - listed == set(), "settings missing from the README's table"
    assert listed - settings <= {"VIDSWAP_SERVER", "VIDSWAP_API_KEY"}, "stale rows"
