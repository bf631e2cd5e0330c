"""Seeded noise that is the same on every device: drawn on the CPU, then moved."""

from __future__ import annotations

import torch

__all__ = ["make_generator", "randn", "rand"]


def make_generator(seed: int | None) -> torch.Generator:
    """A CPU generator; ``None`` draws a fresh seed from the OS."""
    gen = torch.Generator()
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    return gen


def randn(shape, generator: torch.Generator, device=None, dtype=torch.float32) -> torch.Tensor:
    """Standard normal noise from a CPU generator, so a seed means the same noise everywhere."""
    return torch.randn(tuple(shape), generator=generator, dtype=dtype).to(device)


def rand(shape, generator: torch.Generator, device=None, dtype=torch.float32) -> torch.Tensor:
    """Uniform [0, 1) noise from a CPU generator."""
    return torch.rand(tuple(shape), generator=generator, dtype=dtype).to(device)
