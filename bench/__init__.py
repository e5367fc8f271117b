"""Benchmarks (see each module's docstring). `vidswap` is imported first, as the server
and its workers import it, so OpenCV loads with the environment vidswap sets for it."""

import vidswap  # noqa: F401
