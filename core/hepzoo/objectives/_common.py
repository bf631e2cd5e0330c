"""Helpers the objectives share: masked means, the positive-integer check, noise from an optional generator."""

from __future__ import annotations

import torch

from hepzoo._random import rand, randn
from hepzoo.config import positive_int
from hepzoo.masking import broadcast_mask

__all__ = ["positive_int", "masked_mean", "normal", "uniform"]


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of ``values`` over the entries of real particles (all entries without a mask)."""
    m = broadcast_mask(mask, values)
    if m is None:
        return values.mean()
    weight = m.expand_as(values)
    return (values * weight).sum() / weight.sum().clamp(min=1)


def normal(shape: tuple[int, ...], generator: torch.Generator | None, like: torch.Tensor) -> torch.Tensor:
    """Standard normal noise on ``like``'s device/dtype; the global RNG when ``generator`` is None."""
    if generator is None:
        return torch.randn(shape, device=like.device, dtype=like.dtype)
    return randn(shape, generator, like.device, like.dtype)


def uniform(shape: tuple[int, ...], generator: torch.Generator | None, like: torch.Tensor) -> torch.Tensor:
    """Uniform [0, 1) noise on ``like``'s device/dtype; the global RNG when ``generator`` is None."""
    if generator is None:
        return torch.rand(shape, device=like.device, dtype=like.dtype)
    return rand(shape, generator, like.device, like.dtype)
