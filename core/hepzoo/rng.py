"""Seeded noise drawn on the generator's own device (the public home of the core's random helpers).

A seed fixes the noise on each device; CPU and CUDA use different random streams, so they give
different noise for one seed (each reproducible).
"""

from __future__ import annotations

from hepzoo._random import make_generator, rand, randn

__all__ = ["make_generator", "randn", "rand"]
