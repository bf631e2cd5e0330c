"""PC-Droid's building blocks: pre-LayerNorm attention with key-padding masks, context feed-forwards.

Leigh et al., arXiv:2307.06836: every feed-forward (and the embedders) sees the jet context (noise
level encoding, jet pT, eta, mass, multiplicity and type), concatenated to its input. Here the
concatenation ``W [x; c]`` is computed as ``W_x x + W_c c`` with ``W_c c`` once per jet, the same
map without copying the context to every particle.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ContextMLP", "ContextFeedForward", "Attention", "CrossAttentionLayer", "SelfAttentionLayer"]


class ContextMLP(nn.Module):
    """``[x; context] -> hidden -> out`` with SiLU, for ``x [B, N, D_in]`` and a per-jet ``context [B, C]``."""

    def __init__(self, dim_in: int, context_dim: int, hidden: int, dim_out: int) -> None:
        super().__init__()
        self.lin_x = nn.Linear(dim_in, hidden)
        self.lin_c = nn.Linear(context_dim, hidden, bias=False)
        self.out = nn.Linear(hidden, dim_out)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.out(F.silu(self.lin_x(x) + self.lin_c(context).unsqueeze(1)))


class ContextFeedForward(nn.Module):
    """Pre-LN residual feed-forward: ``x + MLP([LN(x); context])``."""

    def __init__(self, dim: int, context_dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mlp = ContextMLP(dim, context_dim, hidden, dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(self.norm(x), context)


class Attention(nn.Module):
    """Pre-LN residual multi-head attention ``q + MHA(LN(q), LN(kv))`` through ``scaled_dot_product_attention``.

    ``key_mask [B, Nk]`` (True = real) keeps padded keys out of every query's softmax, so padded
    particles never influence real ones. ``self_attention`` shares one LayerNorm for queries and keys.
    """

    def __init__(self, dim: int, heads: int, self_attention: bool = False) -> None:
        super().__init__()
        self.heads = heads
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = None if self_attention else nn.LayerNorm(dim)
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, q_in: torch.Tensor, kv_in: torch.Tensor | None = None,
                key_mask: torch.Tensor | None = None) -> torch.Tensor:
        b, n_q, d = q_in.shape
        h = self.heads
        q_normed = self.norm_q(q_in)
        kv_normed = q_normed if self.norm_kv is None else self.norm_kv(kv_in)
        n_k = kv_normed.shape[1]
        q = self.q(q_normed).view(b, n_q, h, d // h).transpose(1, 2)
        k, v = self.kv(kv_normed).view(b, n_k, 2, h, d // h).unbind(2)
        attn_mask = None if key_mask is None else key_mask[:, None, None, :].to(torch.bool)
        o = _attention(q, k.transpose(1, 2), v.transpose(1, 2), attn_mask)
        return q_in + self.out(o.transpose(1, 2).reshape(b, n_q, d))


def _attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attn_mask: torch.Tensor | None) -> torch.Tensor:
    """``scaled_dot_product_attention``; on CPU under bf16 autocast in float32 (returned in ``q``'s dtype).

    With 8-wide heads the CPU's bfloat16 attention kernel is several times slower than float32 (its
    backward ~80 ms against ~10 ms per call at batch 128), while the projections gain from bfloat16.
    """
    if q.device.type == "cpu" and torch.is_autocast_enabled("cpu"):
        with torch.autocast("cpu", enabled=False):
            o = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=attn_mask)
        return o.to(q.dtype)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)


class CrossAttentionLayer(nn.Module):
    """One CAE layer: tokens attend to the (masked) particles, then particles attend to the tokens.

    Each attention is followed by a context feed-forward; tokens do not attend to each other
    (the authors' "FullCrossAttentionEncoder", arXiv:2307.06836). Cost O(N M) per jet.
    """

    def __init__(self, dim: int, heads: int, context_dim: int, hidden: int) -> None:
        super().__init__()
        self.tokens_from_particles = Attention(dim, heads)
        self.tokens_ff = ContextFeedForward(dim, context_dim, hidden)
        self.particles_from_tokens = Attention(dim, heads)
        self.particles_ff = ContextFeedForward(dim, context_dim, hidden)

    def forward(self, particles, tokens, context, mask):
        tokens = self.tokens_ff(self.tokens_from_particles(tokens, particles, mask), context)
        particles = self.particles_ff(self.particles_from_tokens(particles, tokens), context)
        return particles, tokens


class SelfAttentionLayer(nn.Module):
    """One full-transformer layer: masked self-attention over the particles, then a context feed-forward."""

    def __init__(self, dim: int, heads: int, context_dim: int, hidden: int) -> None:
        super().__init__()
        self.attention = Attention(dim, heads, self_attention=True)
        self.ff = ContextFeedForward(dim, context_dim, hidden)

    def forward(self, particles, tokens, context, mask):
        return self.ff(self.attention(particles, key_mask=mask), context), tokens
