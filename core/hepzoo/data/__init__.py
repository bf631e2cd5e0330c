"""Datasets by registered name, and the file formats (JetNet, CaloChallenge, tabular HDF5)."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "DatasetSpec": "hepzoo.data.datasets",
    "SPLITS": "hepzoo.data.datasets",
    "data_dir": "hepzoo.data.datasets",
    "get_dataset": "hepzoo.data.datasets",
    "split_indices": "hepzoo.data.datasets",
    "training_split": "hepzoo.data.datasets",
    "load_dataset": "hepzoo.data.datasets",
    "make_dataset": "hepzoo.data.datasets",
    "read_jetnet": "hepzoo.data.jetnet_io",
    "read_jetnet_batches": "hepzoo.data.jetnet_io",
    "write_jetnet": "hepzoo.data.jetnet_io",
    "JETNET_FEATURES": "hepzoo.data.jetnet_io",
    "JET_FEATURES": "hepzoo.data.jetnet_io",
    "relative_jet_features": "hepzoo.data.jetnet_io",
    "read_calochallenge": "hepzoo.data.calochallenge_io",
    "write_calochallenge": "hepzoo.data.calochallenge_io",
    "create_calochallenge": "hepzoo.data.calochallenge_io",
    "read_tabular": "hepzoo.data.tabular_io",
    "write_tabular": "hepzoo.data.tabular_io",
    "atomic_h5": "hepzoo.data.h5",
    "merge_files": "hepzoo.data.merge",
    "check_same_recipe": "hepzoo.data.merge",
    "read_samples": "hepzoo.data.formats",
    "write_samples": "hepzoo.data.formats",
    "dense_by_multiplicity": "hepzoo.data.buckets",
    "epoch_batches": "hepzoo.data.buckets",
    "BucketBatches": "hepzoo.data.buckets",
    "PackedJets": "hepzoo.data.buckets",
    "load_jet_training_data": "hepzoo.data.jet_training",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
