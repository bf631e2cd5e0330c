"""The explicit midpoint rule (second order) on a denoiser's probability-flow ODE or a velocity."""

from __future__ import annotations

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import LawFn
from hepzoo.samplers._common import grid_law, grid_values, ode_field

__all__ = ["midpoint"]


def midpoint(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """``x += h f(x + h/2 f(x, s), s + h/2)`` (Runge 1895; Hairer, Norsett & Wanner, Solving ODEs I, II.1).

    Used on the PF-ODE of Karras et al. 2022 (arXiv:2206.00364) for a denoiser (decreasing sigmas)
    and on a flow-matching velocity (increasing t), read from the grid's direction. Never
    evaluates the law at sigma=0. Deterministic: ``generator`` is unused.
    """
    values = grid_values(grid)
    field = ode_field(law_fn, grid_law(values))
    for s, s_next in zip(values, values[1:]):
        h = s_next - s
        x_mid = apply_mask(x + 0.5 * h * field(x, s), mask)
        x = apply_mask(x + h * field(x_mid, s + 0.5 * h), mask)
    return x
