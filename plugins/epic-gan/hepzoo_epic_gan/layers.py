"""The EPiC (equivariant point cloud) layer: a global vector and per-point features updating each other."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

__all__ = ["wn_linear", "EPiCLayer", "fold_weight_norm"]


def wn_linear(n_in: int, n_out: int) -> nn.Linear:
    """A weight-normalised ``nn.Linear`` (Salimans & Kingma 2016), as every EPiC linear layer."""
    return weight_norm(nn.Linear(n_in, n_out))


def fold_weight_norm(module: nn.Module) -> nn.Module:
    """Replace every weight-norm parametrisation by its plain effective weight, in place.

    ``weight_norm`` recomputes ``g * v / ||v||`` on every call; for inference the product is
    constant, so folding it once saves that work. Returns ``module``.
    """
    for sub in module.modules():
        if parametrize.is_parametrized(sub, "weight"):
            parametrize.remove_parametrizations(sub, "weight", leave_parametrized=True)
    return module


class EPiCLayer(nn.Module):
    """One EPiC layer (Buhmann, Kasieczka, Thaler, arXiv:2301.08128, Sec. 3).

    Global first: ``g' = LReLU(W2 LReLU(W1 [mean_i p_i, sum_i p_i, g]) + g)``; then local:
    ``p_i' = LReLU(W4 LReLU(W3 [p_i, g']) + p_i)``. Pooling is over all points (no mask).
    """

    def __init__(self, local_dim: int = 128, global_dim: int = 10, hidden: int = 128) -> None:
        super().__init__()
        self.global1 = wn_linear(2 * local_dim + global_dim, hidden)
        self.global2 = wn_linear(hidden, global_dim)
        self.local1 = wn_linear(local_dim + global_dim, hidden)
        self.local2 = wn_linear(hidden, local_dim)

    def forward(self, points: torch.Tensor, glob: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``points [B, N, local_dim]``, ``glob [B, global_dim]`` -> the updated pair."""
        pooled = torch.cat([points.mean(1), points.sum(1), glob], dim=-1)
        glob = F.leaky_relu(self.global2(F.leaky_relu(self.global1(pooled))) + glob)
        # W3 [p_i, g'] = W3_p p_i + W3_g g': the global half once per jet, not once per point
        weight = self.local1.weight
        d = points.shape[-1]
        per_jet = F.linear(glob, weight[:, d:], self.local1.bias).unsqueeze(1)
        local = F.leaky_relu(F.linear(points, weight[:, :d]) + per_jet)
        points = F.leaky_relu(self.local2(local) + points)
        return points, glob
