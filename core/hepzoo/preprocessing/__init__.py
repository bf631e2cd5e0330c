"""Composable, fitted, invertible preprocessing: standardise, logit, log, per-feature, chains.

Build a transform from its config (``StandardizeConfig(3, scale=5.0).build()``) or directly
(``Chain([Log(1, plus_one=True), Standardize(1)])``), ``fit(x, mask)`` it on training data, then
``forward``/``inverse`` map physical <-> network space. Fitted statistics are buffers, so they are
saved in model.safetensors and load strictly; the config goes into config.json.
"""

from hepzoo.preprocessing.config import (
    ChainConfig,
    LogConfig,
    LogitConfig,
    PerFeatureConfig,
    StandardizeConfig,
    TransformConfig,
)
from hepzoo.preprocessing.transforms import (
    Chain,
    Log,
    Logit,
    PerFeature,
    Standardize,
    Standardizer,
    Transform,
    build_transform,
)

__all__ = [
    "Transform",
    "Standardize",
    "Standardizer",
    "Logit",
    "Log",
    "PerFeature",
    "Chain",
    "build_transform",
    "TransformConfig",
    "StandardizeConfig",
    "LogitConfig",
    "LogConfig",
    "PerFeatureConfig",
    "ChainConfig",
]
