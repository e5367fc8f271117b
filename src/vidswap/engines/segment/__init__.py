"""Segmentation: candidate masks (people, objects, background) on one frame."""
