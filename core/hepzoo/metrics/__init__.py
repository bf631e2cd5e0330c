"""The community's metrics: JetNet's for jets, CaloChallenge's for showers, and their statistics."""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "w1m": "hepzoo.metrics.jets",
    "w1p": "hepzoo.metrics.jets",
    "w1efp": "hepzoo.metrics.jets",
    "fpd": "hepzoo.metrics.jets",
    "kpd": "hepzoo.metrics.jets",
    "fpd_kpd_features": "hepzoo.metrics.jets",
    "efps": "hepzoo.metrics.efp",
    "W1EFP_INDICES": "hepzoo.metrics.efp",
    "bootstrap_w1": "hepzoo.metrics.stats",
    "frechet_distance": "hepzoo.metrics.stats",
    "kpd_batches": "hepzoo.metrics.stats",
    "normalise_features": "hepzoo.metrics.stats",
    "separation_powers": "hepzoo.metrics.showers",
    "classifier_scores": "hepzoo.metrics.showers",
    "shower_fpd": "hepzoo.metrics.showers",
    "shower_kpd": "hepzoo.metrics.showers",
    "high_level_features": "hepzoo.metrics.showers",
    "CLASSIFIER_INPUTS": "hepzoo.metrics.showers",
    "ClassifierSettings": "hepzoo.metrics.classifier",
    "roc_auc": "hepzoo.metrics.classifier",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
