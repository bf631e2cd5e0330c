"""What the solvers share: seeded noise, the law a grid implies, and the ODE it defines."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from hepzoo._random import randn
from hepzoo.errors import ConfigError
from hepzoo.objectives.base import Law, LawFn

__all__ = [
    "noise_like",
    "times",
    "grid_values",
    "grid_law",
    "require_law",
    "ode_field",
    "ancestral_step",
]

Field = Callable[[torch.Tensor, float], torch.Tensor]


def noise_like(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Standard normal noise shaped like ``x``, drawn from ``generator`` on its own device."""
    return randn(x.shape, generator, x.device, x.dtype)


def times(value: float, x: torch.Tensor) -> torch.Tensor:
    """A grid value as the ``[B]`` tensor a law function receives."""
    return torch.full((x.shape[0],), value, device=x.device, dtype=x.dtype)


def grid_values(grid: torch.Tensor) -> list[float]:
    """The grid as Python floats (one device sync), checked to have at least two points."""
    values = [float(v) for v in torch.as_tensor(grid).reshape(-1).tolist()]
    if len(values) < 2:
        raise ConfigError(f"a sampling grid needs at least 2 points (steps + 1), got {len(values)}")
    return values


def grid_law(values: list[float]) -> Law:
    """The law a grid implies: increasing times (0 -> 1) are a velocity, decreasing sigmas a denoiser."""
    diffs = [b - a for a, b in zip(values, values[1:])]
    if all(d > 0 for d in diffs):
        return Law.VELOCITY
    if all(d < 0 for d in diffs) and values[-1] >= 0:
        return Law.DENOISER
    raise ConfigError(
        f"the grid {values[:3]}...{values[-2:]} is neither increasing flow times nor decreasing sigmas "
        "ending at 0; pass the objective's schedule(steps)"
    )


def ode_field(law_fn: LawFn, law: Law) -> Field:
    """``dx/ds`` along the grid: ``(x - D(x; sigma)) / sigma`` for a denoiser (Karras et al. 2022,
    arXiv:2206.00364, eq. 3 with sigma(t) = t), ``v(x, t)`` for a velocity."""
    if law is Law.VELOCITY:
        return lambda x, s: law_fn(x, times(s, x))
    return lambda x, s: (x - law_fn(x, times(s, x))) / s


def ancestral_step(
    law_fn: LawFn, x: torch.Tensor, sigma: float, sigma_next: float, eta: float, generator: torch.Generator
) -> torch.Tensor:
    """One DDIM step in VE sigma space with stochasticity ``eta`` (eta=1 is DDPM's ancestral step).

    Song et al. 2020 (arXiv:2010.02502, eq. 12) rewritten for ``x_ve = x_vp / sqrt(abar)``:
    ``sigma_up = eta * sigma_next * sqrt(1 - sigma_next^2 / sigma^2)``,
    ``sigma_down = sqrt(sigma_next^2 - sigma_up^2)``, ``x' = D + sigma_down (x - D)/sigma + sigma_up z``.
    """
    denoised = law_fn(x, times(sigma, x))
    if sigma_next == 0:
        return denoised
    sigma_up = min(sigma_next, eta * sigma_next * math.sqrt(max(0.0, 1 - sigma_next**2 / sigma**2)))
    sigma_down = math.sqrt(sigma_next**2 - sigma_up**2)
    x = denoised + (sigma_down / sigma) * (x - denoised)
    if sigma_up > 0:
        x = x + sigma_up * noise_like(x, generator)
    return x


def require_law(values: list[float], law: Law, sampler: str) -> None:
    """A clear error when a grid's direction does not fit a single-law sampler."""
    if grid_law(values) is not law:
        raise ConfigError(
            f"sampler {sampler!r} integrates a {law.value} law, whose grid runs "
            f"{'from 0 up to 1' if law is Law.VELOCITY else 'down from sigma_max to 0'}; this grid does "
            "not; pick a sampler that accepts the model's law ('hepzoo info MODEL')"
        )
