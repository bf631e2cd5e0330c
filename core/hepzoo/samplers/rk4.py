"""The classical fourth-order Runge-Kutta method on a denoiser's PF-ODE or a velocity field."""

from __future__ import annotations

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import grid_law, grid_values, ode_field

__all__ = ["rk4"]


def rk4(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Classical RK4 (Kutta 1901; Hairer, Norsett & Wanner, Solving ODEs I, II.1) along the grid.

    On the PF-ODE of Karras et al. 2022 (arXiv:2206.00364) for a denoiser (decreasing sigmas) and
    on a flow-matching velocity (increasing t), read from the grid's direction. The denoiser's
    last step to sigma=0, where ``(x - D)/sigma`` is undefined, is a midpoint step.
    Deterministic: ``generator`` is unused.
    """
    values = grid_values(grid)
    law = grid_law(values)
    field = ode_field(law_fn, law)
    for s, s_next in zip(values, values[1:]):
        h = s_next - s
        k1 = field(x, s)
        k2 = field(apply_mask(x + 0.5 * h * k1, mask), s + 0.5 * h)
        if law is Law.DENOISER and s_next == 0:
            x = apply_mask(x + h * k2, mask)
            continue
        k3 = field(apply_mask(x + 0.5 * h * k2, mask), s + 0.5 * h)
        k4 = field(apply_mask(x + h * k3, mask), s_next)
        x = apply_mask(x + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6, mask)
    return x
