"""Jets by multiplicity: the core's ``hepzoo.data`` helpers, under the names this plugin used first."""

from __future__ import annotations

from hepzoo.data import BucketBatches, PackedJets, dense_by_multiplicity, epoch_batches

__all__ = ["dense_by_multiplicity", "epoch_batches", "BucketBatches", "PackedJets"]
