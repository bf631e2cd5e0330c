"""Validation of a generator by JetNet's W1M, W1P and W1EFP (arXiv:2106.11535) on held-out jets.

The authors select EPiC-GAN models on W1M alone (arXiv:2301.08128, Sec. 4); the particle features
and EFPs are scored as well here, so a checkpoint with the right masses but wrong constituents is
not chosen. EFPs cost about a second per thousand 150-particle jets on one core, so W1EFP
compares the first ``efp_jets`` reference and generated jets (the reference's EFPs computed once).
A model validated this way has a multiplicity prior (``model.prior``) and
``model.generate_points(counts, generator, device) -> (x, mask)``.
"""

from __future__ import annotations

import numpy as np
import torch

from hepzoo.metrics import W1EFP_INDICES, bootstrap_w1, efps, w1m, w1p
from hepzoo.samples import Samples

__all__ = ["JetValidator"]


class JetValidator:
    """``{"w1m", "w1p" (mean of 3 features), "w1efp" (mean of 5)}`` of a model against ``reference``."""

    def __init__(self, reference: Samples, efp_jets: int = 2000) -> None:
        self.reference, self.efp_jets = reference, efp_jets
        self._ref = (reference.x, reference.mask)
        self._ref_efps = efps(reference.x[:efp_jets], reference.mask[:efp_jets], indices=W1EFP_INDICES)

    def __call__(self, model, device, seed: int, runs: int = 1) -> dict[str, float]:
        """Generate ``runs`` sets as large as the reference (fixed noise) and compare each."""
        gen = torch.Generator().manual_seed(seed)  # CPU noise: the same jets on any device
        n = len(self.reference)
        counts = model.prior.sample(n * runs, gen)["n_particles"]
        x, mask = model.generate_points(counts, gen, device)
        gen_efps = efps(x[: self.efp_jets], mask[: self.efp_jets], indices=W1EFP_INDICES)
        kw = {"num_eval_samples": n, "num_batches": runs, "seed": seed}
        kw_efp = {**kw, "num_eval_samples": len(self._ref_efps)}
        return {
            "w1m": w1m(self._ref, (x, mask), **kw)[0],
            "w1p": float(np.mean(w1p(self._ref, (x, mask), **kw)[0])),
            "w1efp": float(np.mean(bootstrap_w1(self._ref_efps, gen_efps, **kw_efp)[0])),
        }

