"""Small people, whose bodies the frame's selfie matte is too coarse to check.

Asked on a tile of a wide shot, the pose model guesses what it cannot see of a small
person: legs below someone cut off at the waist, drawn into the sky or down through the
head of the person in front. The frame's selfie matte sees no one that small, so it
cannot veto them; what can: the joints the model has in view, the selfie matte of a crop
around the person (where they look large), and other people's faces, which nobody's
torso or legs run through.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vidswap.engines.segment.bodies import Body, holding
from vidswap.engines.segment.faces import Face
from vidswap.engines.segment.regions import Box, Soft
from vidswap.engines.segment.selfie import NOBODY
from vidswap.engines.segment.skeleton import LOWER, UPPER

# Face sizes from the joints in view within which the pose matte is believed: sleeves,
# hair and a coat's width (a body matte farther out fills sky between guessed legs).
NEAR = 1.5
Where = npt.NDArray[np.bool_]
GRAZE = 0.2  # share of a face's size on each edge of its head a bone may cross
HAIR = 0.5  # the hair above a face box, in face sizes


def checked(body: Body, face: Face, local: Soft, crop: Box) -> Body:
    """A small `body` (its face `face`) without the matte farther than `NEAR` face sizes
    from its joints in view or where the selfie matte of `crop` (`local`) is sure no one
    is; then only the parts its head, shoulders and arms hold."""
    x0, y0, x1, y1 = crop
    seen = np.ones(body.soft.shape, bool)
    seen[y0:y1, x0:x1] = local >= NOBODY
    near = body.skeleton.distance(body.soft.shape) < NEAR * face.size
    soft = np.where(seen & near, body.soft, 0.0).astype(np.float32)
    return Body(body.skeleton, holding(soft, body.skeleton, UPPER))


def untangled(bodies: list[Body], own: list[Face | None], loose: list[Face]) -> list[Where | None]:
    """Per body (its face in `own`), where it is hidden: a skeleton whose torso or legs
    run through another person's face (`own`, `loose`) stands behind them, seen down to
    their face; beyond that its model guessed. The bodies lose their hips and legs and
    their matte there (in place); None for the others."""
    hidden: list[Where | None] = []
    for k, body in enumerate(bodies):
        mine = own[k]
        others = [f for j, f in enumerate(own) if j != k and f is not None] + loose
        crossed = [f for f in others if body.skeleton.crosses(_head(f), LOWER)]
        if mine is None or not crossed:
            hidden.append(None)
            continue
        behind = np.any([_beyond(mine, f, body.soft.shape) for f in crossed], axis=0)
        bodies[k] = Body(body.skeleton.without_legs(), np.where(behind, 0.0, body.soft))
        hidden.append(behind)
    return hidden


def _head(face: Face) -> Box:
    """The face box with the hair above it (`HAIR`), less a `GRAZE` margin all round: a
    torso may touch a chin, and guessed hips sit on the hair of the person below."""
    g, hair = round(GRAZE * face.size), round(HAIR * face.size)
    (dx, dy), (x0, y0, x1, y1) = face.down, (face.x0, face.y0, face.x1, face.y1)
    x0, x1 = x0 - hair * max(dx, 0), x1 + hair * max(-dx, 0)
    y0, y1 = y0 - hair * max(dy, 0), y1 + hair * max(-dy, 0)
    return x0 + g, y0 + g, x1 - g, y1 - g


def _beyond(mine: Face, other: Face, shape: tuple[int, ...]) -> Where:
    """Where, going down `mine`'s body, `other`'s face has begun (True)."""
    ys, xs = np.ogrid[: shape[0], : shape[1]]
    (cx, cy), (dx, dy) = mine.centre, mine.down
    along = (xs - cx) * dx + (ys - cy) * dy
    edge = (other.centre[0] - cx) * dx + (other.centre[1] - cy) * dy - other.size // 2
    return np.asarray(np.broadcast_to(along >= edge, shape[:2]), np.bool_)
