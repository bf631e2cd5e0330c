"""The MDMA mean-field block (Käch, Melzer-Pellmann et al., arXiv:2305.15254, Sec. 3), dense or packed.

One learned token per jet, the mean field, queries the jet's particles through multi-head
attention; the result, with the multiplicity condition ``n / <n>``, updates every particle
(residual) and becomes the next token. Cost is linear in the number of particles. Each block runs
on dense ``[B, N, E]`` clouds (optionally masked) or on ``PackedJets`` (real particles back to
back, ``[M, E]``), which give the same numbers up to float summation order.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from hepzoo.data import PackedJets

__all__ = ["NormalizedLinear", "MeanFieldAttention", "MeanFieldBlock", "linear", "masked_sum"]


class NormalizedLinear(nn.Module):
    """``x W^T / ||W_i||`` without bias: weight normalisation with unit gain (Salimans & Kingma, arXiv:1602.07868).

    MDMA's critic uses it for every linear map, keeping the critic Lipschitz-friendly without a
    gradient penalty (arXiv:2305.15254, Sec. 3).
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        bound = 1.0 / math.sqrt(in_features)
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight) / (self.weight.norm(dim=1) + 1e-8).to(x.dtype)


def linear(in_features: int, out_features: int, normalized: bool) -> nn.Module:
    """A critic's weight-normalised map or a generator's plain ``nn.Linear``."""
    return NormalizedLinear(in_features, out_features) if normalized else nn.Linear(in_features, out_features)


def masked_sum(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``[B, N, E] -> [B, E]``: the sum over each cloud's real particles."""
    return (x if mask is None else x * mask.unsqueeze(-1).to(x.dtype)).sum(1)


class MeanFieldAttention(nn.Module):
    """One query per jet (its mean field) attending to the jet's particles: ``softmax(q k^T / sqrt(d)) v``.

    Standard multi-head attention (Vaswani et al., arXiv:1706.03762) with a single query, so the
    cost is O(N). ``weight_normalized``: query/key/value projections weight-normalised with a learned
    gain per output row (the critic's attention, arXiv:2305.15254).
    """

    def __init__(self, hidden: int, heads: int, weight_normalized: bool = False) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.q, self.k, self.v = (nn.Linear(hidden, hidden) for _ in range(3))
        if weight_normalized:
            for proj in (self.q, self.k, self.v):
                weight_norm(proj)
        self.out = nn.Linear(hidden, hidden)

    def forward(self, token: torch.Tensor, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``token [B, H]``, particles ``x [B, N, H]``, ``mask [B, N]`` (True: real) -> ``[B, H]``."""
        b, n, h = x.shape
        q = self.q(token).view(b, self.heads, 1, self.head_dim)
        k = self.k(x).view(b, n, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(b, n, self.heads, self.head_dim).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) * (self.head_dim**-0.5)  # [B, heads, 1, N]
        if mask is not None:  # written out (not SDPA's fused kernel) so WGAN-GP can differentiate twice
            scores = scores.masked_fill(~mask.view(b, 1, 1, n), -torch.inf)
        out = torch.softmax(scores, -1) @ v
        return self.out(out.reshape(b, h))

    def forward_packed(self, token: torch.Tensor, x: torch.Tensor, jets: PackedJets) -> torch.Tensor:
        """``token [B, H]``, packed particles ``x [M, H]`` -> ``[B, H]``: a softmax over each jet's segment."""
        m = x.shape[0]
        q = self.q(token).view(-1, self.heads, self.head_dim)
        k = self.k(x).view(m, self.heads, self.head_dim)
        v = self.v(x).view(m, self.heads, self.head_dim)
        scores = (q.index_select(0, jets.index) * k).sum(-1) * (self.head_dim**-0.5)  # [M, heads]
        peak = scores.new_full((len(jets), self.heads), -torch.inf)
        peak = peak.scatter_reduce_(0, jets.index.unsqueeze(-1).expand_as(scores), scores, "amax")
        weights = torch.exp(scores - peak.index_select(0, jets.index))
        norm = weights.new_zeros((len(jets), self.heads)).index_add_(0, jets.index, weights)
        pooled = v.new_zeros((len(jets), self.heads, self.head_dim))
        pooled.index_add_(0, jets.index, weights.unsqueeze(-1) * v)
        pooled = pooled / norm.unsqueeze(-1)
        return self.out(pooled.reshape(len(jets), -1))


class MeanFieldBlock(nn.Module):
    """One MDMA block (arXiv:2305.15254, Sec. 3; equations in /docs/mdma.md).

    ``h = fc0(act(x))``; ``q = LN(fc0(act(token)))`` (fc0 shared); ``a = MHA(q, h, h)`` over real
    particles; ``c = fc1_cls([a, cond])`` with ``cond`` the multiplicity ``n/<n>`` (and, for flow
    matching, the time embedding); ``x <- fc1([h, c]) + x``; ``token <- act(fc2_cls(c))``.
    ``normalized``: every map weight-normalised (the critic).
    """

    def __init__(self, embed: int, hidden: int, heads: int, cond_dim: int = 1, normalized: bool = False) -> None:
        super().__init__()
        self.fc0 = linear(embed, hidden, normalized)
        self.fc1 = linear(2 * hidden, embed, normalized)
        self.fc1_cls = linear(hidden + cond_dim, hidden, normalized)
        self.fc2_cls = linear(hidden, embed, normalized)
        self.attn = MeanFieldAttention(hidden, heads, weight_normalized=normalized)
        self.ln = nn.LayerNorm(hidden)
        self.act = nn.LeakyReLU()

    def _condition(self, pooled: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.fc1_cls(torch.cat([pooled, cond.to(pooled.dtype)], -1))

    def forward(
        self, x: torch.Tensor, token: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Dense ``x [B, N, E]``, ``token [B, E]``, ``cond [B, C]`` -> updated ``(x, token)``."""
        h = self.fc0(self.act(x))
        q = self.ln(self.fc0(self.act(token)))
        c = self._condition(self.attn(q, h, mask), cond)
        x = self.fc1(torch.cat([h, c.unsqueeze(1).expand(-1, h.shape[1], -1)], -1)) + x
        return x, self.act(self.fc2_cls(c))

    def forward_packed(
        self, x: torch.Tensor, token: torch.Tensor, cond: torch.Tensor, jets: PackedJets
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Packed ``x [M, E]`` of ``jets``, ``token [B, E]``, ``cond [B, C]`` -> updated ``(x, token)``."""
        h = self.fc0(self.act(x))
        q = self.ln(self.fc0(self.act(token)))
        c = self._condition(self.attn.forward_packed(q, h, jets), cond)
        x = self.fc1(torch.cat([h, jets.spread(c)], -1)) + x
        return x, self.act(self.fc2_cls(c))
