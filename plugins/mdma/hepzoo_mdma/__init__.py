"""MDMA: mean-field attention for point clouds (Käch, Melzer-Pellmann et al., arXiv:2305.15254, arXiv:2408.04997)."""

from __future__ import annotations

__version__ = "0.1.0"
