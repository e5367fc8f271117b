"""The triangles of mediapipe's 468-point face mesh, with the eyes filled and the mouth open.

mediapipe ships its tessellation only as a set of edges. Its triangles are the edge triples
that close, less two by the nose wings that close by accident (every edge of them already
borders two real triangles). The mesh has holes at the eyes and the mouth: the eyes are
filled, so the target's eyes come across; the mouth stays open, so the video's own teeth
and tongue show as it speaks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cache

import numpy as np
import numpy.typing as npt

EYE_CORNERS = (33, 263)  # an outer corner of each eye: where each eye's strip starts
# The inner edge of the lips, in order round the mouth opening (the mesh's hole there).
MOUTH = np.array(
    [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95],
    np.int32,
)


def _mesh() -> list[tuple[int, int, int]]:
    """The tessellation's triangles (see the module docstring)."""
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    near: defaultdict[int, set[int]] = defaultdict(set)
    for a, b in FACEMESH_TESSELATION:
        near[a].add(b)
        near[b].add(a)
    closed = sorted(
        {tuple(sorted((a, b, c))) for a in near for b in near[a] for c in near[a] & near[b]}
    )
    uses = Counter(edge for t in closed for edge in _edges(t))
    return [(a, b, c) for a, b, c in closed if min(uses[e] for e in _edges((a, b, c))) < 3]


def _edges(t: tuple[int, ...]) -> list[tuple[int, int]]:
    a, b, c = t
    return [(a, b), (a, c), (b, c)]


def _eye(corner: int) -> list[tuple[int, int, int]]:
    """A zigzag strip across the eye opening that starts at `corner`: the upper and lower
    lids meet in alternating triangles, which stay well shaped as the eye closes."""
    from mediapipe.python.solutions.face_mesh_connections import (
        FACEMESH_LEFT_EYE,
        FACEMESH_RIGHT_EYE,
    )

    edges = (
        FACEMESH_RIGHT_EYE if any(corner in e for e in FACEMESH_RIGHT_EYE) else FACEMESH_LEFT_EYE
    )
    near: defaultdict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        near[a].append(b)
        near[b].append(a)
    ring = [corner, near[corner][0]]
    while len(ring) < len(near):
        ring.append(next(p for p in near[ring[-1]] if p != ring[-2]))
    upper, lower = 1, len(ring) - 1
    strip = [(ring[0], ring[upper], ring[lower])]
    while upper + 1 < lower:
        if len(strip) % 2:
            strip.append((ring[upper], ring[upper + 1], ring[lower]))
            upper += 1
        else:
            strip.append((ring[upper], ring[lower - 1], ring[lower]))
            lower -= 1
    return strip


@cache
def triangles() -> npt.NDArray[np.int32]:
    """(T, 3) landmark indices; built on first use, as importing mediapipe is slow."""
    return np.array(_mesh() + [t for corner in EYE_CORNERS for t in _eye(corner)], np.int32)
