"""Encodings of a scalar (a noise level, a flow time) as a feature vector for a network's context."""

from __future__ import annotations

import math

import torch
from torch import nn

from hepzoo.errors import ConfigError

__all__ = ["CosineEncoding", "SPACINGS"]

SPACINGS = ("exponential", "linear")


class CosineEncoding(nn.Module):
    """``t [B] -> cos(pi * t / max_value * f_k) [B, n]``, k = 0..n-1, for a diffusion network's context.

    ``spacing="exponential"``: ``f_k = e^k`` (PC-Droid's noise-level encoding, Leigh et al.,
    arXiv:2307.06836: high frequencies resolve small sigmas, low ones large); ``"linear"``:
    ``f_k = k + 1`` (PC-JeDi's time encoding, arXiv:2303.05376). No parameters.
    """

    def __init__(self, n: int, max_value: float = 1.0, spacing: str = "exponential") -> None:
        super().__init__()
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"a cosine encoding needs a positive number of frequencies, got {n!r}")
        if not max_value > 0 or not math.isfinite(max_value):
            raise ConfigError(f"max_value must be a positive finite number, got {max_value!r}")
        if spacing not in SPACINGS:
            raise ConfigError(f"unknown spacing {spacing!r}; use one of {', '.join(SPACINGS)}")
        k = torch.arange(n, dtype=torch.float64)
        freqs = k.exp() if spacing == "exponential" else k + 1
        self.n, self.max_value, self.spacing = n, float(max_value), spacing
        self.register_buffer("freqs", math.pi / max_value * freqs, persistent=False)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        """In float64 (the phases of high frequencies reach 1e7), returned as float32."""
        t = torch.as_tensor(t, device=self.freqs.device)
        return torch.cos(t.double().reshape(-1, 1) * self.freqs).float()
