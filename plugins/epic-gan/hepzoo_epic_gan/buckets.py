"""Group jets by multiplicity: EPiC-GAN runs dense [b, n, 3] batches with no mask (the authors' bucketing)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from hepzoo.objectives import multiplicity_groups

__all__ = ["dense_by_multiplicity", "epoch_batches", "BucketBatches"]


def dense_by_multiplicity(x: np.ndarray, mask: np.ndarray) -> dict[int, np.ndarray]:
    """Padded jets ``[J, P, F]`` + mask -> ``{n: [jets with n particles, n, F]}`` of their real particles.

    Real particles are assumed to come first in each jet (JetNet's zero padding at the end); a mask
    with gaps is compacted first.
    """
    counts = mask.sum(1)
    out: dict[int, np.ndarray] = {}
    for n, idx in multiplicity_groups(counts):
        if n == 0:
            continue
        sub_mask = mask[idx]
        if sub_mask[:, :n].all():
            out[n] = np.ascontiguousarray(x[idx, :n])
        else:  # gaps in the mask: keep the real particles in their order
            order = np.argsort(~sub_mask, axis=1, kind="stable")[:, :n]
            out[n] = np.take_along_axis(x[idx], order[..., None], axis=1)
    return out


class BucketBatches(Sequence):
    """An epoch's batches ``buckets[n][idx]``, gathered when read (the index lists are small)."""

    def __init__(self, buckets: dict[int, torch.Tensor], plan: list[tuple[int, torch.Tensor]]) -> None:
        self.buckets, self.plan = buckets, plan

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, i: int) -> torch.Tensor:
        n, idx = self.plan[i]
        bucket = self.buckets[n]
        return bucket[idx.to(bucket.device)]


def epoch_batches(buckets: dict[int, torch.Tensor], batch_size: int, generator: torch.Generator) -> BucketBatches:
    """Each multiplicity's jets shuffled and cut into batches of <= ``batch_size``, batches shuffled.

    The authors' bucketing (arXiv:2301.08128): every batch holds jets of one multiplicity, so the
    networks run dense ``[b, n, 3]`` tensors with no mask. Fixed by ``generator`` alone.
    """
    plan = []
    for n in sorted(buckets):
        perm = torch.randperm(len(buckets[n]), generator=generator)
        plan.extend((n, perm[i : i + batch_size]) for i in range(0, len(perm), batch_size))
    order = torch.randperm(len(plan), generator=generator).tolist()
    return BucketBatches(buckets, [plan[i] for i in order])
