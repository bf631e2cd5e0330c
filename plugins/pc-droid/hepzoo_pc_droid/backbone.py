"""The PC-Droid network F(x, sigma, jet context, mask) that EDM preconditions into a denoiser."""

from __future__ import annotations

import torch
from torch import nn

from hepzoo.backbone import Backbone
from hepzoo.encodings import CosineEncoding
from hepzoo.masking import apply_mask
from hepzoo_pc_droid.config import BackboneConfig
from hepzoo_pc_droid.layers import ContextMLP, CrossAttentionLayer, SelfAttentionLayer

__all__ = ["PcDroidTransformer"]


class PcDroidTransformer(Backbone):
    """PC-Droid's transformer (Leigh et al., arXiv:2307.06836; PC-JeDi, arXiv:2303.05376).

    context = MLP([cos-encoded sigma; jet vector]) per jet; particles are embedded from
    ``[x; context]``, pass ``layers`` cross-attention (``attention="cross"``: ``tokens`` learned
    global tokens, O(N M)) or self-attention (``"full"``, O(N^2)) layers, a final LayerNorm and a
    ``[h; context]`` head whose last layer starts at zero (so the untrained denoiser is c_skip x).
    ``backbone(x [B, N, F], sigma [B], cond [B, C], mask [B, N]) -> [B, N, F]``, padding zero.
    """

    config_cls = BackboneConfig

    def __init__(self, config: BackboneConfig | None = None) -> None:
        super().__init__(config)
        c = self.config
        self.noise_encoding = CosineEncoding(c.noise_frequencies, c.noise_max, "exponential")
        self.context = nn.Sequential(
            nn.Linear(c.noise_frequencies + c.cond_dim, c.context_dim),
            nn.SiLU(),
            nn.Linear(c.context_dim, c.context_dim),
        )
        self.embed = ContextMLP(c.features, c.context_dim, c.ff_hidden, c.model_dim)
        layer = CrossAttentionLayer if c.attention == "cross" else SelfAttentionLayer
        self.layers = nn.ModuleList(layer(c.model_dim, c.heads, c.context_dim, c.ff_hidden) for _ in range(c.layers))
        self.tokens = nn.Parameter(torch.randn(1, c.tokens, c.model_dim)) if c.attention == "cross" else None
        self.final_norm = nn.LayerNorm(c.model_dim)
        self.head = ContextMLP(c.model_dim, c.context_dim, c.ff_hidden, c.features)
        nn.init.zeros_(self.head.out.weight)
        nn.init.zeros_(self.head.out.bias)

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        cond: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        b = x.shape[0]
        if cond is None:
            cond = x.new_zeros(b, self.config.cond_dim)
        noise = self.noise_encoding(t.reshape(-1).expand(b)).to(x.dtype)
        context = self.context(torch.cat([noise, cond.to(x.dtype)], dim=1))
        h = self.embed(x, context)
        tokens = None if self.tokens is None else self.tokens.expand(b, -1, -1)
        for layer in self.layers:
            h, tokens = layer(h, tokens, context, mask)
        return apply_mask(self.head(self.final_norm(h), context), mask)
