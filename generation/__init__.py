"""Diffusion side of fedi: presets, pipelines, batching, provenance."""
