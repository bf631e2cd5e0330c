"""Exponential moving average of a network's weights, used for validation and export."""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["EMA"]


class EMA(nn.Module):
    """``shadow <- decay * shadow + (1 - decay) * live`` after every optimiser step; buffers copied.

    The averaged copy (Polyak & Juditsky 1992; as in Karras et al., arXiv:2206.00364) starts from
    the live weights, so enabling it on a resumed run starts from the resumed network.
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        super().__init__()
        self.decay = float(decay)
        self.shadow = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        """Move the shadow towards ``module``'s current weights."""
        for p_ema, p in zip(self.shadow.parameters(), module.parameters()):
            p_ema.lerp_(p.detach(), 1.0 - self.decay)
        for b_ema, b in zip(self.shadow.buffers(), module.buffers()):
            b_ema.copy_(b)
