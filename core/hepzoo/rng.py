"""Seeded noise that is the same on every device (the public home of the core's random helpers)."""

from __future__ import annotations

from hepzoo._random import make_generator, rand, randn

__all__ = ["make_generator", "randn", "rand"]
