"""Exponential moving average of a network's weights, used for validation and export."""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["EMA"]


class EMA(nn.Module):
    """``shadow <- decay * shadow + (1 - decay) * live`` after every optimiser step; buffers copied.

    The averaged copy (Polyak & Juditsky 1992; as in Karras et al., arXiv:2206.00364) starts from
    the live weights, so enabling it on a resumed run starts from the resumed network. Floating
    parameters move in one fused ``_foreach_lerp_``; a buffer is copied only when the live one
    changed since the last update (a BatchNorm statistic, not a fitted prior), so the shadow's
    buffers always equal the live ones without copying every buffer every step.
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        super().__init__()
        self.decay = float(decay)
        self.shadow = copy.deepcopy(module).eval().requires_grad_(False)
        self._seen: dict[int, tuple[torch.Tensor, int]] = {}  # buffer index -> (tensor, version) last copied

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        """Move the shadow towards ``module``'s current weights."""
        floats_ema, floats, others = [], [], []
        for p_ema, p in zip(self.shadow.parameters(), module.parameters()):
            if p_ema.is_floating_point():
                floats_ema.append(p_ema)
                floats.append(p.detach())
            else:
                others.append((p_ema, p))
        if floats:
            torch._foreach_lerp_(floats_ema, floats, 1.0 - self.decay)
        for p_ema, p in others:
            p_ema.copy_(p)
        for i, (b_ema, b) in enumerate(zip(self.shadow.buffers(), module.buffers())):
            seen = self._seen.get(i)
            if seen is None or seen[0] is not b or seen[1] != b._version:
                b_ema.copy_(b)
                self._seen[i] = (b, b._version)
