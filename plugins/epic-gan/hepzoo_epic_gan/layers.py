"""The EPiC (equivariant point cloud) layer: a global vector and per-point features updating each other."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

from hepzoo_epic_gan.buckets import PackedJets

# rows of packed particles per step of the per-particle work: [2048, 128] float32 is 1 MiB
PACKED_CHUNK = 2048

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

    def forward_packed(
        self,
        points: torch.Tensor,
        glob: torch.Tensor,
        jets: PackedJets,
        sums: torch.Tensor | None = None,
        skip: torch.Tensor | None = None,
        out: torch.Tensor | None = None,
        chunk: int = PACKED_CHUNK,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``forward`` on packed real particles ``points [M, local_dim]`` of ``jets``: the same function per jet.

        ``sums`` are the per-jet sums of ``points`` when the caller has them; ``skip [M, local_dim]``
        is added to the new points (the generator's skip connection); ``out`` receives them (a
        buffer reused across layers: first touches of fresh memory cost). Returns the new points, the
        new global vectors and the per-jet sums of the new points (the next layer's pooling).
        The per-particle work runs ``chunk`` rows at a time so that its intermediates stay in
        cache, with biases and residuals entering the matrix products in place: on a CPU this
        step is limited by memory traffic, not arithmetic. The per-particle work runs in the
        dtype of ``points`` (bfloat16 for the fast path); pooling and global vectors stay float32.
        """
        sums = jets.sum(points.float()) if sums is None else sums
        pooled = torch.cat([jets.mean(sums), sums, glob], dim=-1)
        glob = F.leaky_relu(self.global2(F.leaky_relu(self.global1(pooled))) + glob)
        dtype, weight, d = points.dtype, self.local1.weight, points.shape[-1]
        per_jet = F.linear(glob, weight[:, d:], self.local1.bias).to(dtype)
        w_points, w_out = weight[:, :d].t().to(dtype), self.local2.weight.t().to(dtype)
        bias_out = self.local2.bias.to(dtype)
        out = torch.empty_like(points) if out is None else out
        new_sums = torch.zeros_like(sums)
        for start in range(0, len(points), chunk):
            rows = slice(start, start + chunk)
            index = jets.index[rows]
            local = per_jet.index_select(0, index).addmm_(points[rows], w_points)
            F.leaky_relu(local, inplace=True)
            block = torch.add(points[rows], bias_out, out=out[rows]).addmm_(local, w_out)
            F.leaky_relu(block, inplace=True)
            if skip is not None:
                block.add_(skip[rows])
            new_sums.index_add_(0, index, block.float())
        return out, glob, new_sums
