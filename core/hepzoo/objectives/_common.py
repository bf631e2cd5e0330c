"""Helpers the objectives share: masks, masked means, and noise from an optional generator."""

from __future__ import annotations

import torch

from hepzoo._random import rand, randn

__all__ = ["expand_mask", "zero_padding", "check_steps", "masked_mean", "normal", "uniform"]


def expand_mask(mask: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor | None:
    """A ``[B, P]`` mask broadcast to ``x``'s rank (``[B, P, 1, ...]``), as ``x``'s dtype."""
    if mask is None:
        return None
    return mask.reshape(mask.shape + (1,) * (x.dim() - mask.dim())).to(x.dtype)


def zero_padding(out: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``out`` with padded particles set to zero (unchanged without a mask)."""
    m = expand_mask(mask, out)
    return out if m is None else out * m


def check_steps(steps: int) -> None:
    """Raise a ConfigError unless ``steps`` is a positive integer."""
    if not isinstance(steps, int) or steps < 1:
        from hepzoo.errors import ConfigError

        raise ConfigError(f"steps must be a positive integer, got {steps!r}")


def masked_mean(values: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of ``values`` over the entries of real particles (all entries without a mask)."""
    m = expand_mask(mask, values)
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
