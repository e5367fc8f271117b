"""Render engines: swapped frames from source frames, tracked masks and a target image."""
