"""Learning-rate factor per step: linear warm-up, then constant or cosine decay (a pure function)."""

from __future__ import annotations

import math

__all__ = ["lr_factor"]


def lr_factor(step: int, total_steps: int, warmup_steps: int = 0, kind: str = "constant",
              min_ratio: float = 0.0) -> float:
    """Multiplier of the base lr for optimiser step ``step`` (0-based).

    Warm-up rises linearly to 1 over ``warmup_steps``; ``cosine`` then decays to ``min_ratio`` at
    ``total_steps`` (SGDR without restarts, Loshchilov & Hutter, arXiv:1608.03983). A function of the
    step alone, so a resumed run follows the same curve with no scheduler state to restore.
    """
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    if kind == "constant":
        return 1.0
    span = max(total_steps - warmup_steps, 1)
    progress = min(max(step - warmup_steps, 0) / span, 1.0)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
