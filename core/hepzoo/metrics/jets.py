"""JetNet's generative metrics (arXiv:2106.11535, arXiv:2211.10295): W1M, W1P, W1EFP, FPD, KPD.

Each takes the real (reference) and generated jets -- Samples, arrays [N, P, 3] of (eta_rel,
phi_rel, pt_rel) (mask = any non-zero feature), arrays [N, P, 4] with the mask last, or a tuple
(x, mask), or a JetSample that caches masses and EFPs -- and returns (value, error) with jetnet
0.2.5's definitions and defaults. FPD/KPD also accept precomputed features [N, F]. This is the one
place jet metrics are computed; ``hepzoo.evaluation.jets`` only orchestrates them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepzoo.data.jets.kinematics import jet_mass
from hepzoo.errors import InvalidDataError
from hepzoo.masking import apply_mask
from hepzoo.metrics import stats
from hepzoo.metrics.efp import W1EFP_INDICES, efps

__all__ = ["as_jets", "JetSample", "jet_sample", "w1m", "w1p", "w1efp", "fpd", "kpd", "fpd_kpd_features"]


def as_jets(jets: Any, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(x [N, P, 3] float64, mask [N, P] bool) from Samples, arrays or (x, mask)."""
    if hasattr(jets, "representation") and hasattr(jets, "x"):
        x, mask = jets.x, jets.mask if mask is None else mask
    elif isinstance(jets, tuple) and len(jets) == 2:
        x, mask = jets
    else:
        x = jets
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] not in (3, 4):
        raise InvalidDataError(
            f"jets must be [N, P, 3] (eta_rel, phi_rel, pt_rel) or [N, P, 4] with a mask; got {x.shape}"
        )
    if x.shape[2] == 4:
        mask = x[..., 3] > 0.5 if mask is None else mask
        x = x[..., :3]
    mask = (x != 0).any(-1) if mask is None else np.asarray(mask).reshape(x.shape[:2]).astype(bool)
    if not np.isfinite(x[mask]).all():
        raise InvalidDataError("jets contain NaN or inf particle features; drop those jets first")
    return apply_mask(x, mask), mask


class JetSample:
    """One jet sample's arrays and the quantities the metrics derive from them, each computed once.

    Every metric below accepts a JetSample as well as raw jets, so an evaluation that computes
    several metrics (and truth-vs-truth halves via ``take``) derives masses and EFPs only once.
    """

    def __init__(self, jets: Any, mask: np.ndarray | None = None) -> None:
        self.x, self.mask = as_jets(jets, mask)
        self._mass: np.ndarray | None = None
        self._efps: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.x)

    @property
    def mass(self) -> np.ndarray:
        """Relative jet mass (m / pT) of each jet, ``[N]``."""
        if self._mass is None:
            self._mass = jet_mass(self.x, self.mask)
        return self._mass

    @property
    def efps(self) -> np.ndarray:
        """The 36 EFPs with d <= 4 of each jet, ``[N, 36]``."""
        if self._efps is None:
            self._efps = efps(self.x, self.mask)
        return self._efps

    def efps_subset(self, indices: tuple[int, ...]) -> np.ndarray:
        """Chosen EFPs ``[N, len(indices)]``: a slice of the cached 36, or just these computed."""
        if self._efps is not None:
            return self._efps[:, list(indices)]
        return efps(self.x, self.mask, indices=indices)

    def take(self, idx: np.ndarray) -> JetSample:
        """The jets at ``idx``, with whatever was already derived."""
        out = type(self).__new__(type(self))
        out.x, out.mask = self.x[idx], self.mask[idx]
        out._mass = None if self._mass is None else self._mass[idx]
        out._efps = None if self._efps is None else self._efps[idx]
        return out


def jet_sample(jets: Any) -> JetSample:
    """``jets`` as a JetSample (returned as is when it already is one)."""
    return jets if isinstance(jets, JetSample) else JetSample(jets)


def w1m(
    real: Any, gen: Any, num_eval_samples: int = 50_000, num_batches: int = 5, seed: int | None = None
) -> tuple[float, float]:
    """W1 between relative jet masses (m/pT of the summed massless constituents): (mean, std)."""
    m_real, m_gen = jet_sample(real).mass, jet_sample(gen).mass
    mean, std = stats.bootstrap_w1(m_real, m_gen, num_eval_samples, num_batches, seed)
    return float(mean), float(std)


def w1p(
    real: Any,
    gen: Any,
    exclude_zeros: bool = True,
    num_eval_samples: int = 50_000,
    num_batches: int = 5,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature W1 of (eta_rel, phi_rel, pt_rel) over real particles: (means [3], stds [3])."""
    real, gen = jet_sample(real), jet_sample(gen)
    (xr, mr), (xg, mg) = (real.x, real.mask), (gen.x, gen.mask)
    if exclude_zeros:
        mr, mg = mr & (xr != 0).any(-1), mg & (xg != 0).any(-1)
    counts_r, counts_g = stats.bootstrap_counts(
        np.random.default_rng(seed), len(xr), len(xg), num_eval_samples, num_batches
    )
    # a resampled jet brings all its particles: each particle weighs as often as its jet was drawn
    jet_r, jet_g = np.nonzero(mr)[0], np.nonzero(mg)[0]
    pr, pg = xr[mr], xg[mg]
    w1s = np.stack(
        [stats.weighted_w1(pr[:, i], pg[:, i], counts_r[:, jet_r], counts_g[:, jet_g]) for i in range(3)],
        axis=1,
    )
    return np.mean(w1s, axis=0), np.std(w1s, axis=0)


def w1efp(
    real: Any, gen: Any, num_eval_samples: int = 50_000, num_batches: int = 5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-EFP W1 of the 5 prime EFPs with n = 4, d = 4: (means [5], stds [5])."""
    e_real = jet_sample(real).efps_subset(W1EFP_INDICES)
    e_gen = jet_sample(gen).efps_subset(W1EFP_INDICES)
    return stats.bootstrap_w1(e_real, e_gen, num_eval_samples, num_batches, seed)


def fpd_kpd_features(jets: Any) -> np.ndarray:
    """The 36 EFPs with d <= 4 that FPD and KPD compare, ``[N, 36]``."""
    return jet_sample(jets).efps


def _features(obj: Any) -> np.ndarray:
    if isinstance(obj, np.ndarray) and obj.ndim == 2:
        return obj
    return fpd_kpd_features(obj)


def fpd(
    real: Any,
    gen: Any,
    min_samples: int = 20_000,
    max_samples: int = 50_000,
    num_batches: int = 20,
    num_points: int = 10,
    normalise: bool = True,
    seed: int = 42,
) -> tuple[float, float]:
    """Frechet physics distance on the 36 EFPs, extrapolated to N -> inf: (value, error)."""
    return stats.fpd_extrapolated(
        _features(real), _features(gen), min_samples, max_samples, num_batches, num_points, normalise, seed
    )


def kpd(
    real: Any,
    gen: Any,
    num_batches: int = 10,
    batch_size: int = 5_000,
    normalise: bool = True,
    seed: int = 42,
) -> tuple[float, float]:
    """Kernel physics distance (polynomial kernel of degree 4) on the 36 EFPs: (median, error)."""
    return stats.kpd_batches(_features(real), _features(gen), num_batches, batch_size, normalise, seed)
