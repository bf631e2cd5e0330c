"""Composable, fitted, invertible preprocessing: standardise, logit, log, per-feature, chains.

Build a transform from its config (``StandardizeConfig(3, scale=5.0).build()``) or directly
(``Chain([Log(1, plus_one=True), Standardize(1)])``), ``fit(x, mask)`` it on training data, then
``forward``/``inverse`` map physical <-> network space. Fitted statistics are buffers, so they are
saved in model.safetensors and load strictly; the config goes into config.json.
"""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "Transform": "hepzoo.preprocessing.transforms",
    "Standardize": "hepzoo.preprocessing.transforms",
    "Logit": "hepzoo.preprocessing.transforms",
    "Log": "hepzoo.preprocessing.transforms",
    "PerFeature": "hepzoo.preprocessing.transforms",
    "Chain": "hepzoo.preprocessing.transforms",
    "build_transform": "hepzoo.preprocessing.transforms",
    "TransformConfig": "hepzoo.preprocessing.config",
    "StandardizeConfig": "hepzoo.preprocessing.config",
    "LogitConfig": "hepzoo.preprocessing.config",
    "LogConfig": "hepzoo.preprocessing.config",
    "PerFeatureConfig": "hepzoo.preprocessing.config",
    "ChainConfig": "hepzoo.preprocessing.config",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
