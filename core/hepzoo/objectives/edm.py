"""EDM: a backbone preconditioned into a denoiser D(x; sigma), trained with EDM's weighted loss."""

from __future__ import annotations

import torch
from torch import nn

from hepzoo.errors import ConfigError
from hepzoo.masking import apply_mask, broadcast_mask
from hepzoo.objectives._common import masked_mean, normal
from hepzoo.objectives.base import GenerativeObjective, Law, LawFn
from hepzoo.objectives.schedules import karras_sigmas

__all__ = ["EDMDenoiser"]

C_NOISE = ("log", "sigma")


class EDMDenoiser(GenerativeObjective):
    """``D(x; sigma) = c_skip x + c_out F(c_in x, c_noise)`` (Karras et al. 2022, arXiv:2206.00364, Table 1).

    ``c_noise="log"`` feeds ``ln(sigma)/4`` to the backbone as ``t`` (EDM); ``"sigma"`` feeds raw
    sigma (PC-Droid, Leigh et al. 2023, arXiv:2307.06836). Training draws
    ``ln sigma ~ N(p_mean, p_std^2)`` and weights the squared error by
    ``lambda(sigma) = (sigma^2 + sigma_data^2) / (sigma sigma_data)^2``.
    """

    law = Law.DENOISER

    def __init__(
        self,
        backbone: nn.Module,
        sigma_data: float = 1.0,
        p_mean: float = -1.2,
        p_std: float = 1.2,
        sigma_min: float = 0.002,
        sigma_max: float = 80.0,
        rho: float = 7.0,
        c_noise: str = "log",
    ) -> None:
        super().__init__(backbone)
        if c_noise not in C_NOISE:
            raise ConfigError(f"unknown c_noise {c_noise!r}; use 'log' (EDM) or 'sigma' (raw, PC-Droid)")
        if sigma_data <= 0 or p_std <= 0 or not 0 < sigma_min < sigma_max:
            raise ConfigError(
                f"EDM needs sigma_data > 0, p_std > 0 and 0 < sigma_min < sigma_max; got sigma_data="
                f"{sigma_data}, p_std={p_std}, sigma_min={sigma_min}, sigma_max={sigma_max}"
            )
        self.sigma_data, self.p_mean, self.p_std = float(sigma_data), float(p_mean), float(p_std)
        self.sigma_min, self.sigma_max, self.rho = float(sigma_min), float(sigma_max), float(rho)
        self.c_noise = c_noise

    def precondition(self, sigma: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """``(c_skip, c_out, c_in, c_noise)`` for a ``[B]`` sigma."""
        sd2 = self.sigma_data**2
        c_skip = sd2 / (sigma**2 + sd2)
        c_out = sigma * self.sigma_data / (sigma**2 + sd2).sqrt()
        c_in = 1 / (sigma**2 + sd2).sqrt()
        c_noise = sigma.log() / 4 if self.c_noise == "log" else sigma
        return c_skip, c_out, c_in, c_noise

    def denoise(
        self,
        x: torch.Tensor,
        sigma: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``D(x; sigma)`` for a ``[B]`` (or scalar) sigma; padded entries are zero."""
        sigma = torch.as_tensor(sigma, device=x.device, dtype=x.dtype).reshape(-1).expand(x.shape[0])
        c_skip, c_out, c_in, c_noise = self.precondition(sigma)
        view = (-1,) + (1,) * (x.dim() - 1)
        f = self.backbone(c_in.view(view) * x, c_noise, cond, mask)
        out = c_skip.view(view) * x + c_out.view(view) * f
        return apply_mask(out, mask)

    def loss(
        self,
        x: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        sigma = (normal((x.shape[0],), generator, x) * self.p_std + self.p_mean).exp()
        noise = normal(tuple(x.shape), generator, x)
        m = broadcast_mask(mask, x)
        if m is not None:
            x, noise = x * m, noise * m
        view = (-1,) + (1,) * (x.dim() - 1)
        denoised = self.denoise(x + sigma.view(view) * noise, sigma, cond, mask)
        weight = (sigma**2 + self.sigma_data**2) / (sigma * self.sigma_data) ** 2
        return masked_mean(weight.view(view) * (denoised - x) ** 2, mask)

    def law_fn(self, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> LawFn:
        def fn(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            return self.denoise(x, sigma, cond, mask)

        return fn

    def schedule(self, steps: int, device: torch.device | str | None = None) -> torch.Tensor:
        return karras_sigmas(steps, self.sigma_min, self.sigma_max, self.rho, device=device)

    def noise_scale(self) -> float:
        return self.sigma_max
