"""Public ids: random, positive, below 2**53 (exact in JavaScript), never sequential."""

from __future__ import annotations

import secrets

_LOW = 2**40  # keeps ids long enough that guessing one is hopeless
_HIGH = 2**53


def new_id() -> int:
    return _LOW + secrets.randbelow(_HIGH - _LOW)
