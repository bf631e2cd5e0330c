"""Seeded noise drawn on the generator's own device: a seed fixes the events on each device.

A CPU generator draws on the CPU and the result is moved (what every CPU run has always done); a
CUDA generator draws on the GPU, so stochastic samplers copy nothing per step. CPU and CUDA give
different events for one seed (different random streams), each reproducible on its device.
"""

from __future__ import annotations

import torch

__all__ = ["make_generator", "randn", "rand", "randint"]


def make_generator(seed: int | None, device: str | torch.device | None = None) -> torch.Generator:
    """A generator on ``device`` (default CPU); ``None`` draws a fresh seed from the OS."""
    gen = torch.Generator(device=torch.device(device) if device is not None else "cpu")
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    return gen


def randn(shape, generator: torch.Generator, device=None, dtype=torch.float32) -> torch.Tensor:
    """Standard normal noise drawn on ``generator``'s device, then moved to ``device``."""
    return torch.randn(tuple(shape), generator=generator, dtype=dtype, device=generator.device).to(device)


def rand(shape, generator: torch.Generator, device=None, dtype=torch.float32) -> torch.Tensor:
    """Uniform [0, 1) noise drawn on ``generator``'s device, then moved to ``device``."""
    return torch.rand(tuple(shape), generator=generator, dtype=dtype, device=generator.device).to(device)


def randint(high: int, shape, generator: torch.Generator) -> torch.Tensor:
    """Integers in ``[0, high)`` drawn on ``generator``'s device."""
    return torch.randint(0, high, tuple(shape), generator=generator, device=generator.device)
