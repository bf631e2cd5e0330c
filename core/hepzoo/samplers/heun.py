"""Heun's second-order solver (EDM Algorithms 1 and 2) for denoisers, and plain Heun for velocities."""

from __future__ import annotations

import math

import torch

from hepzoo.errors import ConfigError
from hepzoo.masking import apply_mask
from hepzoo.objectives.base import Law, LawFn
from hepzoo.samplers._common import grid_law, grid_values, noise_like, ode_field

__all__ = ["heun"]


def heun(
    law_fn: LawFn,
    x: torch.Tensor,
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
    s_churn: float = 0.0,
    s_tmin: float = 0.0,
    s_tmax: float = float("inf"),
    s_noise: float = 1.0,
) -> torch.Tensor:
    """Heun's method with an Euler step to sigma=0 (Karras et al. 2022, arXiv:2206.00364, Alg. 1).

    ``s_churn > 0`` gives the stochastic sampler (Alg. 2): at ``s_tmin <= sigma <= s_tmax`` noise
    raises sigma to ``sigma (1 + gamma)``, ``gamma = min(s_churn / steps, sqrt(2) - 1)``, before the
    step. For a velocity grid (increasing t) it is the explicit trapezoidal rule, deterministic.
    """
    values = grid_values(grid)
    law = grid_law(values)
    if law is Law.VELOCITY and s_churn > 0:
        raise ConfigError("s_churn adds noise to a denoiser's sigma; a velocity (flow-matching) law has none")
    field = ode_field(law_fn, law)
    steps = len(values) - 1
    gamma_max = min(s_churn / steps, math.sqrt(2) - 1)
    for s, s_next in zip(values, values[1:]):
        if law is Law.DENOISER and gamma_max > 0 and s_tmin <= s <= s_tmax:
            s_hat = s * (1 + gamma_max)
            x = apply_mask(x + math.sqrt(s_hat**2 - s**2) * s_noise * noise_like(x, generator), mask)
            s = s_hat
        d = field(x, s)
        x_euler = x + (s_next - s) * d
        if law is Law.DENOISER and s_next == 0:
            x = apply_mask(x_euler, mask)
            continue
        x = apply_mask(x + (s_next - s) * 0.5 * (d + field(apply_mask(x_euler, mask), s_next)), mask)
    return x
