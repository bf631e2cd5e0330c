"""DPM-Solver++(2M): a second-order multistep solver of a denoiser's ODE in log-sigma."""

from __future__ import annotations

import math

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import grid_values, require_law, times

__all__ = ["dpmpp_2m"]


def dpmpp_2m(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022, arXiv:2211.01095, Alg. 2) with ``lambda = -log sigma``.

    ``x' = (s'/s) x + (1 - s'/s) D_hat`` with ``D_hat = (1 + 1/2r) D_i - (1/2r) D_{i-1}``,
    ``r = h_{i-1}/h_i``; first-order on the first step, and the step to sigma=0 returns ``D``.
    Deterministic: ``generator`` is unused.
    """
    values = grid_values(grid)
    require_law(values, Law.DENOISER, "dpmpp-2m")
    old_denoised: torch.Tensor | None = None
    h_last = 0.0
    for s, s_next in zip(values, values[1:]):
        denoised = law_fn(x, times(s, x))
        if s_next == 0:
            x = apply_mask(denoised, mask)
            break
        h = math.log(s / s_next)
        target = denoised
        if old_denoised is not None:
            r = h_last / h
            target = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
        x = apply_mask((s_next / s) * x + (1 - s_next / s) * target, mask)
        old_denoised, h_last = denoised, h
    return x
