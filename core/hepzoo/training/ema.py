"""Exponential moving average of a network's weights, used for validation and export."""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["EMA"]


class EMA(nn.Module):
    """``shadow <- decay * shadow + (1 - decay) * live`` after every optimiser step.

    The averaged copy (Polyak & Juditsky 1992; as in Karras et al., arXiv:2206.00364) starts from
    the live weights, so enabling it on a resumed run starts from the resumed network. Floating
    parameters move in one fused ``_foreach_lerp_`` per step. Buffers (BatchNorm statistics, a
    fitted prior) are not averaged: :meth:`copy_buffers` takes the live ones when the shadow is
    used (validation, checkpoint, export), not every step; kernels such as BatchNorm update their
    buffers in place without a trace a cheaper per-step check could rely on.
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        super().__init__()
        self.decay = float(decay)
        self.shadow = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        """Move the shadow's parameters towards ``module``'s current ones."""
        floats_ema, floats = [], []
        for p_ema, p in zip(self.shadow.parameters(), module.parameters()):
            if p_ema.is_floating_point():
                floats_ema.append(p_ema)
                floats.append(p.detach())
            else:
                p_ema.copy_(p)
        if floats:
            torch._foreach_lerp_(floats_ema, floats, 1.0 - self.decay)

    @torch.no_grad()
    def copy_buffers(self, module: nn.Module) -> nn.Module:
        """Give the shadow ``module``'s current buffers; returns the shadow, ready to validate or save."""
        for b_ema, b in zip(self.shadow.buffers(), module.buffers()):
            b_ema.copy_(b)
        return self.shadow
