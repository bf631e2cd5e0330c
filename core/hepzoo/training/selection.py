"""Best-checkpoint selection on several validation metrics at once."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hepzoo.errors import ConfigError
from hepzoo.training.recipe import Metric

__all__ = ["metric_scales", "selection_score"]


def metric_scales(metrics: Sequence[Metric], first: dict[str, float]) -> dict[str, float]:
    """Each metric's declared scale, or its value at the first validation (``first``)."""
    scales = {}
    for m in metrics:
        value = m.scale if m.scale is not None else first.get(m.name, math.nan)
        scales[m.name] = float(value) if math.isfinite(value) and value > 0 else 1.0
    return scales


def selection_score(values: dict[str, float], scales: dict[str, float]) -> float:
    """``sum(value / scale)`` over the named metrics (lower is better); inf if any is not finite."""
    missing = sorted(set(scales) - set(values))
    if missing:
        raise ConfigError(f"validation returned no value for {missing}; the recipe must return every metric it names")
    score = sum(values[name] / scale for name, scale in scales.items())
    return score if math.isfinite(score) else math.inf
