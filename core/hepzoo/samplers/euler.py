"""Euler's method on the probability-flow ODE of a denoiser, or on a flow-matching velocity."""

from __future__ import annotations

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import LawFn
from hepzoo.samplers._common import grid_law, grid_values, ode_field

__all__ = ["euler"]


def euler(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """First-order Euler steps ``x += (s' - s) dx/ds`` along the grid.

    Karras et al. 2022 (arXiv:2206.00364, eq. 3) for a denoiser (decreasing sigmas; the step to
    sigma=0 returns ``D``), Lipman et al. 2022 (arXiv:2210.02747) for a velocity (increasing t).
    The law is read from the grid's direction. Deterministic: ``generator`` is unused.
    """
    values = grid_values(grid)
    field = ode_field(law_fn, grid_law(values))
    for s, s_next in zip(values, values[1:]):
        x = apply_mask(x + (s_next - s) * field(x, s), mask)
    return x
