"""The community's metrics for generated jets (JetNet) and their statistics helpers."""

from __future__ import annotations

from hepzoo.metrics.jets import fpd, kpd, w1efp, w1m, w1p

__all__ = ["w1m", "w1p", "w1efp", "fpd", "kpd"]
