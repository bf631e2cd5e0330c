"""DDPM: a noise-predicting backbone, exposed as a denoiser in sigma space so every solver applies."""

from __future__ import annotations

import math

import torch
from torch import nn

from hepzoo.errors import ConfigError
from hepzoo.masking import apply_mask, broadcast_mask
from hepzoo.objectives._common import masked_mean, normal, positive_int, uniform
from hepzoo.objectives.base import GenerativeObjective, Law, LawFn
from hepzoo.objectives.schedules import (
    alpha_bar_to_sigma,
    cosine_alpha_bar,
    discrete_cosine_alpha_bar,
    sigma_to_alpha_bar,
    sigma_to_index,
)

__all__ = ["DDPMNoisePredictor"]

SCHEDULES = ("cosine", "linear")
TIME_INPUTS = ("index", "fraction", "sigma")
MIN_ALPHA_BAR = 1e-9  # continuous cosine: alpha_bar(1) = 0 would mean sigma = inf


class DDPMNoisePredictor(GenerativeObjective):
    """``eps_theta(x_t, t)``, ``x_t = sqrt(abar) x + sqrt(1-abar) eps`` (Ho et al. 2020, arXiv:2006.11239).

    ``schedule="cosine"`` is Nichol & Dhariwal 2021 (arXiv:2102.09672), ``"linear"`` Ho et al.'s
    betas from 1e-4 to 0.02. ``timesteps=None`` makes time continuous in [0, 1] (cosine only).
    The law is a denoiser in VE sigma space (Karras et al. 2022, arXiv:2206.00364, App. C.1):
    ``x_ve = x_vp / sqrt(abar)``, ``sigma = sqrt(1-abar)/sqrt(abar)``, ``D = x_ve - sigma eps``, so
    DDIM, DDPM, Euler and Heun all sample it. ``time_input`` is what the backbone gets as ``t``:
    the (fractional) timestep ``"index"``, ``"fraction"`` = index / timesteps (or continuous t),
    or ``"sigma"`` = ``sqrt(1-abar)`` (CaloDiffusion's 'sigma' time embedding). ``start_offset``
    starts every sampling grid that many timesteps below the last one, at ``timesteps - 1 -
    start_offset`` (CaloDiffusion samples from t = 397 of 400, offset 2, "to prevent
    instabilities": Amram & Pedro 2023, arXiv:2308.03876); training still sees every timestep.
    """

    law = Law.DENOISER

    def __init__(
        self,
        backbone: nn.Module,
        timesteps: int | None = 1000,
        schedule: str = "cosine",
        time_input: str = "index",
        s: float = 0.008,
        start_offset: int = 0,
    ) -> None:
        super().__init__(backbone)
        if schedule not in SCHEDULES:
            raise ConfigError(f"unknown DDPM schedule {schedule!r}; use one of {', '.join(SCHEDULES)}")
        if time_input not in TIME_INPUTS:
            raise ConfigError(f"unknown time_input {time_input!r}; use one of {', '.join(TIME_INPUTS)}")
        if timesteps is not None and (not isinstance(timesteps, int) or timesteps < 2):
            raise ConfigError(f"timesteps must be an integer >= 2 or None (continuous), got {timesteps!r}")
        if timesteps is None and schedule != "cosine":
            raise ConfigError("continuous time (timesteps=None) needs schedule='cosine'")
        if isinstance(start_offset, bool) or not isinstance(start_offset, int) or start_offset < 0:
            raise ConfigError(f"start_offset must be an integer >= 0, got {start_offset!r}")
        if start_offset and (timesteps is None or start_offset >= timesteps):
            raise ConfigError(
                f"start_offset={start_offset} needs discrete time with more timesteps ({timesteps!r}); "
                "use a smaller offset"
            )
        self.timesteps, self.schedule_name, self.time_input, self.s = timesteps, schedule, time_input, s
        self.start_offset = start_offset
        if timesteps is not None:
            if schedule == "cosine":
                abar = discrete_cosine_alpha_bar(timesteps, s)
            else:
                abar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, timesteps), dim=0)
            self.register_buffer("alpha_bar", abar, persistent=False)
            self.register_buffer("sigmas", alpha_bar_to_sigma(abar.double()).float(), persistent=False)

    # -- time <-> noise level ---------------------------------------------------------------------
    def _alpha_bar_at(self, t: torch.Tensor) -> torch.Tensor:
        """``abar`` at integer timesteps (discrete) or at ``t`` in [0, 1] (continuous)."""
        if self.timesteps is None:
            return cosine_alpha_bar(t, self.s).clamp(MIN_ALPHA_BAR, 1.0)
        return self.alpha_bar.to(t.device)[t.long()].to(t.dtype)

    def _time_from_sigma(self, sigma: torch.Tensor) -> torch.Tensor:
        """The (fractional) timestep of a VE sigma: index for discrete, t in [0, 1] for continuous."""
        if self.timesteps is None:
            f0 = math.cos(self.s / (1 + self.s) * math.pi / 2) ** 2
            root = (sigma_to_alpha_bar(sigma) * f0).sqrt().clamp(max=1.0)
            return (torch.arccos(root) * 2 / math.pi * (1 + self.s) - self.s).clamp(0.0, 1.0)
        return sigma_to_index(sigma, self.sigmas.to(sigma.device))

    def _backbone_time(self, time: torch.Tensor, vp_sigma: torch.Tensor) -> torch.Tensor:
        if self.time_input == "sigma":
            return vp_sigma
        if self.time_input == "fraction" and self.timesteps is not None:
            return time / self.timesteps
        return time

    # -- the contract -----------------------------------------------------------------------------
    def predict_noise(
        self, x_vp: torch.Tensor, time: torch.Tensor, vp_sigma: torch.Tensor, cond=None, mask=None
    ) -> torch.Tensor:
        """``eps_theta`` for VP inputs at ``[B]`` timesteps (``vp_sigma = sqrt(1-abar)``)."""
        return self.backbone(x_vp, self._backbone_time(time, vp_sigma), cond, mask)

    def loss(
        self,
        x: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        u = uniform((x.shape[0],), generator, x)
        time = u if self.timesteps is None else (u * self.timesteps).floor().clamp(max=self.timesteps - 1)
        abar = self._alpha_bar_at(time)
        noise = normal(tuple(x.shape), generator, x)
        m = broadcast_mask(mask, x)
        if m is not None:
            x, noise = x * m, noise * m
        view = (-1,) + (1,) * (x.dim() - 1)
        x_t = abar.sqrt().view(view) * x + (1 - abar).sqrt().view(view) * noise
        pred = self.predict_noise(x_t, time, (1 - abar).sqrt(), cond, mask)
        return masked_mean((pred - noise) ** 2, mask)

    def law_fn(self, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> LawFn:
        def fn(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            sigma = torch.as_tensor(sigma, device=x.device, dtype=x.dtype).reshape(-1).expand(x.shape[0])
            view = (-1,) + (1,) * (x.dim() - 1)
            scale = (1 + sigma**2).rsqrt()  # sqrt(abar)
            time = self._time_from_sigma(sigma)
            eps = self.predict_noise(x * scale.view(view), time, sigma * scale, cond, mask)
            out = x - sigma.view(view) * eps
            return apply_mask(out, mask)

        return fn

    def schedule(self, steps: int, device: torch.device | str | None = None) -> torch.Tensor:
        steps = positive_int("steps", steps)
        if self.timesteps is None:
            t = torch.linspace(1, 0, steps + 1, dtype=torch.float64)[:-1]
            sigmas = alpha_bar_to_sigma(cosine_alpha_bar(t, self.s).clamp(MIN_ALPHA_BAR, 1.0))
        else:
            start = self.timesteps - 1 - self.start_offset
            if steps > start + 1:
                offset = f" (from t = {start}: start offset {self.start_offset})" if self.start_offset else ""
                raise ConfigError(f"steps={steps} exceeds this model's {start + 1} timesteps{offset}; use fewer")
            idx = torch.linspace(start, 0, steps, dtype=torch.float64).round().long()
            sigmas = self.sigmas.double().cpu()[idx]
        return torch.cat([sigmas, sigmas.new_zeros(1)]).to(device=device, dtype=torch.float32)

    def noise_scale(self) -> float:
        """``x_T ~ N(0, I)`` in VP space, i.e. ``sqrt(1 + sigma_max^2) N(0, I)`` in VE space."""
        sigma_max = float(self.schedule(1)[0])
        return math.sqrt(1 + sigma_max**2)
