"""Small synthetic jets for tests: Gaussian angles, exponential pT, a prefix mask."""

from __future__ import annotations

import numpy as np

from hepzoo.masking import mask_from_counts

__all__ = ["random_jets"]


def random_jets(
    n: int = 300, p: int = 20, spread: float = 0.1, seed: int = 0, min_particles: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """``(x [n, p, (eta_rel, phi_rel, pt_rel)] float32, mask [n, p] bool)``; padding is zero."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(min_particles, p + 1, n)
    mask = mask_from_counts(counts, p)
    x = np.stack(
        [rng.normal(0, spread, (n, p)), rng.normal(0, spread, (n, p)), rng.exponential(0.05, (n, p))], -1
    ).astype(np.float32)
    x[~mask] = 0
    return x, mask
