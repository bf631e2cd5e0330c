"""Euler-Maruyama on the reverse-time variance-exploding SDE of a denoiser."""

from __future__ import annotations

import math

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import grid_values, noise_like, require_law, times

__all__ = ["euler_maruyama"]


def euler_maruyama(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Reverse-time SDE ``dx = -d[sigma^2] score dt + sqrt(d[sigma^2]/dt) dw`` (Song et al. 2021,
    arXiv:2011.13456, eq. 6 for the VE SDE), with ``score = (D(x; sigma) - x) / sigma^2``.

    A step from ``s`` to ``s'`` is ``x + (1 - s'^2/s^2)(D - x) + sqrt(s^2 - s'^2) z``; the last
    step to sigma=0 returns ``D`` without noise (the usual final denoising step).
    """
    values = grid_values(grid)
    require_law(values, Law.DENOISER, "euler-maruyama")
    for s, s_next in zip(values, values[1:]):
        denoised = law_fn(x, times(s, x))
        if s_next == 0:
            x = apply_mask(denoised, mask)
            continue
        drift = (1 - s_next**2 / s**2) * (denoised - x)
        x = apply_mask(x + drift + math.sqrt(s**2 - s_next**2) * noise_like(x, generator), mask)
    return x
