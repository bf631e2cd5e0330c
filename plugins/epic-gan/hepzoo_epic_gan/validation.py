"""Validation W1 of the jet mass, the authors' model-selection score (arXiv:2301.08128, Sec. 4)."""

from __future__ import annotations

import numpy as np
from scipy.stats import wasserstein_distance

from hepzoo.data.jets.kinematics import jet_mass

__all__ = ["w1_mass"]


def w1_mass(gen_x: np.ndarray, gen_mask: np.ndarray, ref_x: np.ndarray, ref_mask: np.ndarray, runs: int = 1) -> float:
    """Mean W1 between the reference jet masses and ``runs`` equal-size slices of the generated ones.

    The authors compare the whole validation set with successive generated sets of its size; a
    deterministic, cheap score (unlike jetnet's bootstrapped ``w1m``) suits model selection.
    """
    ref_m = jet_mass(ref_x, ref_mask)
    gen_m = jet_mass(gen_x, gen_mask)
    size = len(gen_m) // max(runs, 1)
    if size == 0:
        raise ValueError("no generated jets to compare")
    return float(np.mean([wasserstein_distance(ref_m, gen_m[i * size : (i + 1) * size]) for i in range(max(runs, 1))]))
