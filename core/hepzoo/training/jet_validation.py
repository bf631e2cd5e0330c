"""Validation of a generator by JetNet's W1M, W1P and W1EFP (arXiv:2106.11535) on held-out jets.

The authors select EPiC-GAN models on W1M alone (arXiv:2301.08128, Sec. 4); the particle features
and EFPs are scored as well here, so a checkpoint with the right masses but wrong constituents is
not chosen. EFPs cost about a second per thousand 150-particle jets on one core, so W1EFP
compares the first ``efp_jets`` reference and generated jets (the reference's EFPs computed once).
A model validated this way is a point-cloud model with an ``n_particles`` condition and a
multiplicity prior (``model.prior``); its jets come from the core generation path
(:func:`generate_jets`, the model's default sampler).
"""

from __future__ import annotations

import numpy as np
import torch

from hepzoo.metrics import W1EFP_INDICES, bootstrap_w1, efps, w1m, w1p
from hepzoo.samples import Samples

__all__ = ["JetValidator", "generate_jets"]


@torch.no_grad()
def generate_jets(model, counts, generator: torch.Generator, device="cpu", steps: int | None = None):
    """Jets of the given multiplicities ``[B]``: ``(x [B, P, F], mask [B, P])``, through the core path.

    The model's default sampler with ``steps`` (default: the model's own), noise from ``generator``
    on its device: what every jet family's validation and tests sample with.
    """
    from hepzoo.plugins import get_registry

    device = torch.device(device)
    counts = torch.as_tensor(counts).round().long().clamp(1, model.config.max_particles).cpu()
    spec = get_registry().sampler_spec(model.default_sampler)
    grid = spec.make_grid(model.objective, steps or model.default_steps, device)
    return model.generate_batch(len(counts), {"n_particles": counts}, spec, grid, generator, device)


class JetValidator:
    """``{"w1m", "w1p" (mean of 3 features), "w1efp" (mean of 5)}`` of a model against ``reference``."""

    def __init__(self, reference: Samples, efp_jets: int = 2000) -> None:
        self.reference, self.efp_jets = reference, efp_jets
        self._ref = (reference.x, reference.mask)
        self._ref_efps = efps(reference.x[:efp_jets], reference.mask[:efp_jets], indices=W1EFP_INDICES)

    def __call__(self, model, device, seed: int, runs: int = 1, steps: int | None = None) -> dict[str, float]:
        """Generate ``runs`` sets as large as the reference (fixed noise, ``steps`` sampler steps) and compare each."""
        gen = torch.Generator().manual_seed(seed)  # CPU noise: the same jets on any device
        n = len(self.reference)
        counts = model.prior.sample(n * runs, gen)["n_particles"]
        x, mask = generate_jets(model, counts, gen, device, steps)
        gen_efps = efps(x[: self.efp_jets], mask[: self.efp_jets], indices=W1EFP_INDICES)
        kw = {"num_eval_samples": n, "num_batches": runs, "seed": seed}
        kw_efp = {**kw, "num_eval_samples": len(self._ref_efps)}
        return {
            "w1m": w1m(self._ref, (x, mask), **kw)[0],
            "w1p": float(np.mean(w1p(self._ref, (x, mask), **kw)[0])),
            "w1efp": float(np.mean(bootstrap_w1(self._ref_efps, gen_efps, **kw_efp)[0])),
        }

