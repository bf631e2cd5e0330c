"""Noise schedules shared by the diffusion objectives: Karras sigmas and the cosine alpha-bar."""

from __future__ import annotations

import math

import torch

from hepzoo.errors import ConfigError

__all__ = [
    "karras_sigmas",
    "cosine_alpha_bar",
    "cosine_betas",
    "discrete_cosine_alpha_bar",
    "alpha_bar_to_sigma",
    "sigma_to_alpha_bar",
    "sigma_to_index",
]


def karras_sigmas(
    steps: int,
    sigma_min: float = 0.002,
    sigma_max: float = 80.0,
    rho: float = 7.0,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """``steps`` sigmas from ``sigma_max`` to ``sigma_min`` spaced in ``sigma**(1/rho)``, then 0.

    Karras et al. 2022, arXiv:2206.00364, eq. 5. Returns ``steps + 1`` decreasing values.
    """
    if steps < 1:
        raise ConfigError(f"steps must be a positive integer, got {steps}")
    if not 0 < sigma_min < sigma_max:
        raise ConfigError(f"need 0 < sigma_min < sigma_max, got {sigma_min} and {sigma_max}")
    ramp = torch.linspace(0, 1, steps, dtype=torch.float64) if steps > 1 else torch.zeros(1).double()
    lo, hi = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    sigmas = (hi + ramp * (lo - hi)) ** rho
    return torch.cat([sigmas, sigmas.new_zeros(1)]).to(device=device, dtype=dtype)


def cosine_alpha_bar(t: torch.Tensor, s: float = 0.008) -> torch.Tensor:
    """Continuous ``alpha_bar(t) = f(t)/f(0)``, ``f(t) = cos^2((t+s)/(1+s) * pi/2)``, ``t`` in [0, 1].

    Nichol & Dhariwal 2021, arXiv:2102.09672, eq. 17.
    """
    f0 = math.cos(s / (1 + s) * math.pi / 2) ** 2
    return torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2 / f0


def cosine_betas(
    timesteps: int, s: float = 0.008, max_beta: float = 0.9999, min_beta: float = 1e-4
) -> torch.Tensor:
    """The ``timesteps`` betas of the discrete cosine schedule, clipped to ``[min_beta, max_beta]``.

    Nichol & Dhariwal 2021, arXiv:2102.09672 (``beta_t = 1 - abar_t/abar_{t-1}``). Computed in
    float32 exactly as CaloDiffusion does (Amram & Pedro 2023, arXiv:2308.03876), so its 400-step
    schedule is reproduced bit for bit.
    """
    if timesteps < 1:
        raise ConfigError(f"timesteps must be a positive integer, got {timesteps}")
    x = torch.linspace(0, timesteps, timesteps + 1, dtype=torch.float32)
    abar = torch.cos(((x / timesteps) + s) / (1 + s) * math.pi * 0.5) ** 2
    abar = abar / abar[0]
    return torch.clip(1 - abar[1:] / abar[:-1], min_beta, max_beta)


def discrete_cosine_alpha_bar(timesteps: int, s: float = 0.008) -> torch.Tensor:
    """``abar_t = prod_{i<=t} (1 - beta_i)``, ``t = 0 .. timesteps-1`` (Ho et al. 2020, arXiv:2006.11239)."""
    return torch.cumprod(1 - cosine_betas(timesteps, s), dim=0)


def alpha_bar_to_sigma(alpha_bar: torch.Tensor) -> torch.Tensor:
    """VP -> VE: ``sigma = sqrt((1 - abar) / abar)`` (Karras et al. 2022, arXiv:2206.00364, App. C.1)."""
    return ((1 - alpha_bar) / alpha_bar).sqrt()


def sigma_to_alpha_bar(sigma: torch.Tensor) -> torch.Tensor:
    """VE -> VP: ``abar = 1 / (1 + sigma^2)``."""
    return 1 / (1 + sigma**2)


def sigma_to_index(sigma: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """Fractional timestep whose sigma is ``sigma``, by linear interpolation in log sigma.

    ``sigmas`` are the increasing sigmas of timesteps ``0 .. T-1``; values outside are clamped.
    """
    log_s = sigmas.log().to(sigma.dtype)
    log_q = sigma.clamp(min=sigmas[0].item(), max=sigmas[-1].item()).log()
    hi = torch.searchsorted(log_s, log_q.contiguous()).clamp(1, len(log_s) - 1)
    lo = hi - 1
    w = ((log_q - log_s[lo]) / (log_s[hi] - log_s[lo])).clamp(0, 1)
    return lo.to(sigma.dtype) + w
