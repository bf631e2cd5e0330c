"""Small synthetic jets for tests: Gaussian angles, exponential pT, a prefix mask."""

from __future__ import annotations

import numpy as np

from hepzoo.masking import mask_from_counts

__all__ = ["random_jets", "jetnet_like_samples"]


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


def jetnet_like_samples(n_jets: int, max_particles: int, seed: int = 0):
    """Point-cloud Samples with JetNet150-top-like multiplicities (mean 63, std 17.5) and every jet condition.

    For benchmarks, whose speed depends on the multiplicities: arXiv:2106.11535's top-jet files.
    """
    from hepzoo.representations import PointCloud
    from hepzoo.samples import Samples

    rng = np.random.default_rng(seed)
    counts = np.clip(np.rint(rng.normal(63, 17.5, n_jets)), 10, max_particles).astype(np.int64)
    mask = mask_from_counts(counts, max_particles)
    x = np.stack([rng.normal(0, 0.1, mask.shape), rng.normal(0, 0.1, mask.shape),
                  rng.exponential(0.02, mask.shape)], -1).astype(np.float32) * mask[..., None]
    cond = {"type": rng.integers(0, 5, n_jets), "pt": rng.uniform(900, 1100, n_jets).astype(np.float32),
            "eta": rng.uniform(-2, 2, n_jets).astype(np.float32),
            "mass": rng.uniform(20, 200, n_jets).astype(np.float32), "n_particles": counts}
    return Samples(x=x, representation=PointCloud(max_particles), mask=mask, cond=cond)
