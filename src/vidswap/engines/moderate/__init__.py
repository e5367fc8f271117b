"""Moderation engines: explicit content in uploaded images and generated frames."""
