"""hepzoo's training engine: a family supplies a :class:`Recipe`, the engine runs the loop.

``train(recipe, train_data, valid_data, out_dir, TrainOptions(...))`` trains with EMA, a warm-up +
cosine (or constant) lr, gradient clipping, bf16 autocast, safetensors checkpoints every N steps
and M minutes with bit-identical resume, a time limit, a JSONL log, and best-model selection on
the recipe's validation metrics. ``hepzoo train FAMILY`` is :func:`main_train` on the recipe the
family registered.
"""

from __future__ import annotations

from hepzoo.training.cli import build_train_parser, main_train, recipe_for
from hepzoo.training.ema import EMA
from hepzoo.training.engine import BEST, FINAL, LOG, data_fingerprint, train
from hepzoo.training.options import TrainOptions
from hepzoo.training.recipe import Metric, Recipe, default_optimizer
from hepzoo.training.schedule import lr_factor
from hepzoo.training.selection import metric_scales, selection_score
from hepzoo.training.steps import MODEL, AdversarialStep, LossStep, StepContext, TrainStep

__all__ = [
    "train",
    "TrainOptions",
    "Recipe",
    "Metric",
    "default_optimizer",
    "TrainStep",
    "LossStep",
    "AdversarialStep",
    "StepContext",
    "MODEL",
    "EMA",
    "lr_factor",
    "metric_scales",
    "selection_score",
    "data_fingerprint",
    "main_train",
    "build_train_parser",
    "recipe_for",
    "LOG",
    "BEST",
    "FINAL",
]
