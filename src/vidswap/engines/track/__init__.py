"""Tracking: follow a keyframe mask through every frame of a video."""
