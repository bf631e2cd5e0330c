"""Jets by multiplicity: dense [b, n, 3] buckets (the authors' training batches) or packed real particles.

Point-cloud GANs that pool over a jet's real particles only (EPiC-GAN, arXiv:2301.08128; MDMA,
arXiv:2305.15254) never need padding computed: training runs one multiplicity per batch (dense,
no mask); sampling packs every jet's real particles back to back (``PackedJets``) and runs the
per-particle layers once on all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from hepzoo.masking import multiplicity_groups

__all__ = ["dense_by_multiplicity", "epoch_batches", "BucketBatches", "PackedJets"]


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


class PackedJets:
    """The real particles of ``B`` jets stored back to back as ``[M, F]`` (jet order, then particle order).

    Per-particle layers run once on ``[M, F]``; ``sum`` pools each jet's particles and ``spread``
    copies a per-jet vector to its particles, so a jet sees exactly its ``n`` particles, as in a
    dense ``[b, n, F]`` bucket, with no padding computed (JetNet150 tops fill 63 of 150 slots).
    """

    def __init__(self, counts: torch.Tensor) -> None:
        self.counts = torch.as_tensor(counts).long()
        self.index = torch.repeat_interleave(torch.arange(len(self.counts), device=self.counts.device), self.counts)
        self.inverse_counts = 1.0 / self.counts.clamp_min(1).float().unsqueeze(-1)

    @classmethod
    def from_mask(cls, mask: torch.Tensor) -> PackedJets:
        """Segments of the particles that ``mask [B, P]`` marks real (gaps allowed)."""
        return cls(mask.sum(1))

    def __len__(self) -> int:
        return len(self.counts)

    def sum(self, points: torch.Tensor) -> torch.Tensor:
        """``[M, F]`` -> each jet's sum over its particles ``[B, F]``."""
        out = points.new_zeros((len(self.counts), points.shape[-1]))
        return out.index_add_(0, self.index, points)

    def mean(self, sums: torch.Tensor) -> torch.Tensor:
        """Per-jet sums ``[B, F]`` -> means over each jet's particles."""
        return sums * self.inverse_counts.to(sums.dtype)

    def spread(self, per_jet: torch.Tensor) -> torch.Tensor:
        """``[B, F]`` -> ``[M, F]``: each jet's vector on every one of its particles."""
        return per_jet.index_select(0, self.index)

    @staticmethod
    def pack(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Padded ``[B, P, F]`` -> the real particles ``[M, F]`` in packed order."""
        return x[mask]

    @staticmethod
    def unpack(points: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Packed ``[M, F]`` -> padded ``[B, P, F]`` with zeros where ``mask`` is False."""
        out = points.new_zeros((*mask.shape, points.shape[-1]))
        out[mask] = points
        return out
