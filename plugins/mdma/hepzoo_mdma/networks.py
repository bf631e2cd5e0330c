"""MDMA's generator, critic and flow-matching velocity network, built from mean-field blocks.

Käch, Melzer-Pellmann et al., arXiv:2305.15254 (GAN) and arXiv:2408.04997 (the same block as a
flow-matching network). Each network holds ``avg_n``, the mean training multiplicity: the mean
field starts as the particle sum over ``avg_n`` and every block sees the condition ``n / avg_n``.
"""

from __future__ import annotations

import torch
from torch import nn

from hepzoo.data import PackedJets
from hepzoo.encodings import CosineEncoding
from hepzoo.masking import apply_mask
from hepzoo_mdma.config import CriticConfig, GeneratorConfig, VelocityConfig
from hepzoo_mdma.layers import MeanFieldBlock, NormalizedLinear, masked_sum

__all__ = ["MDMAGenerator", "MDMACritic", "MDMAVelocity", "relative_counts"]


def relative_counts(x: torch.Tensor, mask: torch.Tensor | None, avg_n: torch.Tensor) -> torch.Tensor:
    """``[B, 1]`` multiplicity condition ``n / <n>`` of dense clouds (no mask: all ``N`` real)."""
    if mask is None:
        return (x.new_full((x.shape[0], 1), x.shape[1]) / avg_n).to(x.dtype)
    return (mask.sum(1, keepdim=True).to(x.dtype) / avg_n).to(x.dtype)


class _MeanFieldStack(nn.Module):
    """Embedding, mean-field blocks and output head shared by the generator and the velocity network."""

    def __init__(self, embed_in: int, embed: int, hidden: int, layers: int, heads: int, features: int,
                 cond_dim: int) -> None:
        super().__init__()
        self.embed = nn.Linear(embed_in, embed)
        self.blocks = nn.ModuleList(MeanFieldBlock(embed, hidden, heads, cond_dim) for _ in range(layers))
        self.out = nn.Linear(embed, features)
        self.act = nn.LeakyReLU()
        self.register_buffer("avg_n", torch.ones(()))

    def run(self, x: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Dense ``[B, N, embed_in]`` -> ``[B, N, features]`` (padding zero)."""
        x = self.act(self.embed(x))
        token = masked_sum(x, mask) / self.avg_n.to(x.dtype)
        for block in self.blocks:
            x, token = block(x, token, cond, mask)
        return apply_mask(self.out(self.act(x)), mask)

    def run_packed(self, x: torch.Tensor, cond: torch.Tensor, jets: PackedJets) -> torch.Tensor:
        """Packed ``[M, embed_in]`` -> ``[M, features]``."""
        x = self.act(self.embed(x))
        token = jets.sum(x) / self.avg_n.to(x.dtype)
        for block in self.blocks:
            x, token = block.forward_packed(x, token, cond, jets)
        return self.out(self.act(x))

    def packed_counts(self, jets: PackedJets, dtype: torch.dtype) -> torch.Tensor:
        """``[B, 1]`` ``n / <n>`` of packed jets."""
        return (jets.counts.to(self.avg_n.device).unsqueeze(-1).to(dtype) / self.avg_n.to(dtype))


class MDMAGenerator(_MeanFieldStack):
    """``G(z)``: per-particle Gaussian noise ``[B, N, 3]`` -> particles (arXiv:2305.15254, Sec. 3)."""

    def __init__(self, config: GeneratorConfig) -> None:
        super().__init__(config.features, config.embed, config.hidden, config.layers, config.heads,
                         config.features, cond_dim=1)

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``z [B, N, F]`` (``mask [B, N]``, True: real; none: every particle real) -> ``[B, N, F]``."""
        z = apply_mask(z, mask)
        return self.run(z, relative_counts(z, mask, self.avg_n), mask)

    def forward_packed(self, z: torch.Tensor, jets: PackedJets) -> torch.Tensor:
        """Packed noise ``[M, F]`` of ``jets`` -> packed particles ``[M, F]`` (the fast sampling path)."""
        return self.run_packed(z, self.packed_counts(jets, z.dtype), jets)


class MDMAVelocity(_MeanFieldStack):
    """``v(x_t, t)`` of conditional flow matching: mean-field blocks given ``[n/<n>, cos(pi k t)]`` (arXiv:2408.04997)."""

    def __init__(self, config: VelocityConfig) -> None:
        tf = config.time_frequencies
        super().__init__(config.features + tf, config.embed, config.hidden, config.layers, config.heads,
                         config.features, cond_dim=1 + tf)
        self.time = CosineEncoding(tf, max_value=1.0, spacing="linear")

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        """``x [B, N, F]`` at times ``t [B]`` -> velocity ``[B, N, F]`` (padding zero)."""
        te = self.time(t.expand(x.shape[0]) if t.dim() == 0 else t).to(x.dtype)
        inp = torch.cat([apply_mask(x, mask), te.unsqueeze(1).expand(-1, x.shape[1], -1)], -1)
        return self.run(apply_mask(inp, mask), torch.cat([relative_counts(x, mask, self.avg_n), te], -1), mask)

    def forward_packed(self, x: torch.Tensor, t: torch.Tensor, jets: PackedJets) -> torch.Tensor:
        """Packed ``x [M, F]`` of ``jets`` at per-jet times ``t [B]`` -> packed velocity ``[M, F]``."""
        te = self.time(t.expand(len(jets)) if t.dim() == 0 else t).to(x.dtype)
        cond = torch.cat([self.packed_counts(jets, x.dtype), te], -1)
        return self.run_packed(torch.cat([x, jets.spread(te)], -1), cond, jets)


class MDMACritic(nn.Module):
    """The weight-normalised MDMA critic: ``(score [B, 1], mean field [B, E])`` (arXiv:2305.15254, Sec. 3).

    The mean field after the last block is what the generator's mean-field matching loss compares.
    """

    def __init__(self, config: CriticConfig) -> None:
        super().__init__()
        e, h = config.embed, config.hidden
        self.embed = NormalizedLinear(config.features, e)
        self.embed_cls = NormalizedLinear(e, e)
        self.blocks = nn.ModuleList(MeanFieldBlock(e, h, config.heads, 1, normalized=True) for _ in range(config.layers))
        self.fc1 = NormalizedLinear(e + 1, h)
        self.fc2 = NormalizedLinear(h, e)
        self.out = NormalizedLinear(e, 1)
        self.act = nn.LeakyReLU()
        self.register_buffer("avg_n", torch.ones(()))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Clouds ``x [B, N, F]`` (``mask [B, N]``, True: real) -> scores ``[B, 1]`` and mean fields ``[B, E]``."""
        cond = relative_counts(x, mask, self.avg_n)
        x = apply_mask(self.act(self.embed(apply_mask(x, mask))), mask)
        token = self.act(self.embed_cls(masked_sum(x, mask) / self.avg_n.to(x.dtype)))
        for block in self.blocks:
            x, token = block(x, token, cond, mask)
        hidden = self.act(self.fc2(self.act(self.fc1(self.act(torch.cat([token, cond.to(token.dtype)], -1))))))
        return self.out(hidden), token
