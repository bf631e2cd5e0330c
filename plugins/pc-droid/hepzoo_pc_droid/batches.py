"""Training batches grouped by multiplicity and padded only to their own largest jet.

A JetNet150 jet has 40-65 particles on average but up to 150 slots; attention cost grows with the
padded length, so a batch is cut to its largest multiplicity, and jets of similar multiplicity are
put in the same batch: each window of ``window`` batches' worth of shuffled jets is sorted by
multiplicity and cut into batches, whose order is shuffled again.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["TrimmedBatches", "grouped_batches"]


class TrimmedBatches(Sequence):
    """An epoch's batches ``(x[idx, :n], cond[idx], mask[idx, :n])``, ``n`` the batch's largest multiplicity."""

    def __init__(self, x: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor, counts: torch.Tensor,
                 plan: list[torch.Tensor]) -> None:
        self.x, self.cond, self.mask, self.counts, self.plan = x, cond, mask, counts, plan

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = self.plan[i]
        n = int(self.counts[idx].max())
        idx = idx.to(self.x.device)
        return self.x[idx, :n], self.cond[idx], self.mask[idx, :n]


def grouped_batches(counts: torch.Tensor, batch_size: int, generator: torch.Generator,
                    window: int = 16) -> list[torch.Tensor]:
    """Index batches (CPU) of jets with similar ``counts``; ``window`` 1 gives plain shuffled batches.

    A function of ``generator`` alone, so a resumed epoch has the same batches.
    """
    perm = torch.randperm(len(counts), generator=generator)
    span = batch_size * max(1, window)
    plan: list[torch.Tensor] = []
    for lo in range(0, len(perm), span):
        chunk = perm[lo : lo + span]
        if window > 1:
            chunk = chunk[torch.argsort(counts[chunk], stable=True)]
        plan.extend(chunk.split(batch_size))
    order = torch.randperm(len(plan), generator=generator).tolist()
    return [plan[i] for i in order]
