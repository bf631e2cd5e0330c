"""One evaluation of a generator law: how a GAN samples."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from hepzoo.masking import apply_mask
from hepzoo.objectives.base import LawFn
from hepzoo.samplers._common import times

__all__ = ["one_shot"]


def one_shot(
    law_fn: LawFn,
    x: torch.Tensor | Mapping[str, torch.Tensor],
    grid: torch.Tensor,
    *,
    generator: torch.Generator,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """``G(z)`` for the latent ``x`` (Goodfellow et al. 2014, arXiv:1406.2661); ``grid[0]`` is passed as t.

    ``x`` is one tensor or, for generators with several latents, ``{name: tensor}``.
    """
    t0 = float(torch.as_tensor(grid).reshape(-1)[0]) if torch.as_tensor(grid).numel() else 0.0
    first = next(iter(x.values())) if isinstance(x, Mapping) else x
    return apply_mask(law_fn(x, times(t0, first)), mask)
