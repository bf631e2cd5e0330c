"""DDIM: the denoising diffusion implicit model's sampler, deterministic at eta=0."""

from __future__ import annotations

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import ancestral_step, grid_values, require_law

__all__ = ["ddim"]


def ddim(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
    eta: float = 0.0,
) -> torch.Tensor:
    """DDIM (Song, Meng & Ermon 2020, arXiv:2010.02502, eq. 12) in VE sigma space for a denoiser.

    ``eta=0`` is deterministic (and equals Euler on the PF-ODE in sigma); ``eta=1`` is DDPM's
    ancestral sampler. Noise comes from ``generator``.
    """
    values = grid_values(grid)
    require_law(values, Law.DENOISER, "ddim")
    for s, s_next in zip(values, values[1:]):
        x = apply_mask(ancestral_step(law_fn, x, s, s_next, eta, generator), mask)
    return x
