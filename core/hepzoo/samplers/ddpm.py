"""DDPM's ancestral sampler, written in VE sigma space so it runs any denoiser on any sigma grid."""

from __future__ import annotations

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import ancestral_step, grid_values, require_law

__all__ = ["ddpm"]


def ddpm(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
    eta: float = 1.0,
) -> torch.Tensor:
    """Ancestral sampling (Ho, Jain & Abbeel 2020, arXiv:2006.11239, Alg. 2) in sigma space.

    Each step draws from the Gaussian posterior ``q(x_{s'} | x_s, x_0 = D(x_s; s))``: the
    "Euler ancestral" form of Karras et al. 2022 (arXiv:2206.00364) with ``sigma_up`` from DDIM's
    eta=1 (arXiv:2010.02502). The last step to sigma=0 returns ``D``.
    """
    values = grid_values(grid)
    require_law(values, Law.DENOISER, "ddpm")
    for s, s_next in zip(values, values[1:]):
        x = apply_mask(ancestral_step(law_fn, x, s, s_next, eta, generator), mask)
    return x
