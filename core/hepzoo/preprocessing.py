"""Invertible preprocessing fitted on training data; its state lives in the model's state dict."""

from __future__ import annotations

import torch
from torch import nn

from hepzoo.errors import InvalidDataError

__all__ = ["Standardizer"]


class Standardizer(nn.Module):
    """Per-feature ``(x - mean) / (std / scale)`` fitted on real entries only (padding excluded).

    ``scale`` sets the target width (EPiC-GAN uses 5, most models 1). Buffers ``mean`` and
    ``std`` are saved with the weights, so a loaded model preprocesses exactly as it trained.
    """

    def __init__(self, n_features: int, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = float(scale)
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))

    @torch.no_grad()
    def fit(self, points: torch.Tensor, mask: torch.Tensor | None = None) -> Standardizer:
        """Fit on ``points [..., F]``; with ``mask [...]`` only the real entries count."""
        points = torch.as_tensor(points)
        if points.shape[-1] != len(self.mean):
            raise InvalidDataError(f"expected {len(self.mean)} features, got shape {tuple(points.shape)}")
        flat = points.reshape(-1, points.shape[-1]) if mask is None else points[torch.as_tensor(mask, dtype=bool)]
        if len(flat) < 2:
            raise InvalidDataError(f"need at least 2 real entries to fit a standardisation, got {len(flat)}")
        flat = flat.double()
        self.mean.copy_(flat.mean(0).float())
        self.std.copy_(flat.std(0).clamp_min(1e-12).float())
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Physical -> network space."""
        return (x - self.mean) / (self.std / self.scale)

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """Network space -> physical."""
        return x * (self.std / self.scale) + self.mean
