"""Multistep consistency sampling: denoise, re-noise to a lower sigma, denoise again."""

from __future__ import annotations

import math

import torch

from hepzoo.errors import ConfigError
from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import grid_values, noise_like, require_law, times

__all__ = ["multistep_consistency", "consistency_grid"]


def consistency_grid(objective, steps: int, device=None) -> torch.Tensor:
    """``steps`` evaluation sigmas, then 0: the first ``steps`` points of the objective's grid of
    ``steps + 1`` steps, so the last evaluation sits at a useful sigma and not at sigma_min (where
    a consistency function is the identity and the step would be wasted; arXiv:2303.01469, Alg. 1).
    """
    full = torch.as_tensor(objective.schedule(steps + 1, device))
    return torch.cat([full[:steps], full[-1:]])


def multistep_consistency(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
    sigma_eps: float = 0.0,
) -> torch.Tensor:
    """Song et al. 2023 (arXiv:2303.01469, Alg. 1): ``x = f(x, sigma_0)``, then for each later
    nonzero sigma ``tau`` of the grid ``x = f(x + sqrt(tau^2 - sigma_eps^2) z, tau)``.

    ``f`` is the law (a consistency model's output, or any denoiser, which then gives its posterior
    means rather than exact samples). ``sigma_eps`` is the sigma at which ``f`` is the identity.
    """
    values = grid_values(grid)
    require_law(values, Law.DENOISER, "multistep-consistency")
    later = [tau for tau in values[1:] if tau > 0]
    if not (math.isfinite(sigma_eps) and 0.0 <= sigma_eps < min(later, default=math.inf)):
        raise ConfigError(
            f"sigma_eps={sigma_eps} must be >= 0 and below every sigma the sampler re-noises to (the lowest is "
            f"{min(later, default=math.inf):.4g}), or those steps would be skipped; use the model's sigma_min or 0"
        )
    x = apply_mask(law_fn(x, times(values[0], x)), mask)
    for tau in values[1:]:
        if tau <= sigma_eps:
            continue
        x_tau = apply_mask(x + math.sqrt(tau**2 - sigma_eps**2) * noise_like(x, generator), mask)
        x = apply_mask(law_fn(x_tau, times(tau, x)), mask)
    return x
