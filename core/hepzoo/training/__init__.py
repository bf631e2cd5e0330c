"""hepzoo's training engine: a family supplies a :class:`Recipe`, the engine runs the loop.

``train(recipe, train_data, valid_data, out_dir, TrainOptions(...))`` trains with EMA, a warm-up +
cosine (or constant) lr, gradient clipping, bf16 autocast, safetensors checkpoints every N steps
and M minutes with bit-identical resume, a time limit, a JSONL log, and best-model selection on
the recipe's validation metrics. ``hepzoo train FAMILY`` is :func:`main_train` on the recipe the
family registered.
"""

from __future__ import annotations

from hepzoo._lazy import lazy_exports

_EXPORTS = {
    "train": "hepzoo.training.engine",
    "check_run_folder": "hepzoo.training.engine",
    "TrainOptions": "hepzoo.training.options",
    "Recipe": "hepzoo.training.recipe",
    "Metric": "hepzoo.training.recipe",
    "default_optimizer": "hepzoo.training.recipe",
    "TrainStep": "hepzoo.training.steps",
    "LossStep": "hepzoo.training.steps",
    "AdversarialStep": "hepzoo.training.steps",
    "StepContext": "hepzoo.training.steps",
    "ConsistencyDistillationStep": "hepzoo.training.distillation",
    "MODEL": "hepzoo.training.steps",
    "EMA": "hepzoo.training.ema",
    "compile_targets": "hepzoo.training.compiled",
    "compiled_networks": "hepzoo.training.compiled",
    "lr_factor": "hepzoo.training.schedule",
    "metric_scales": "hepzoo.training.selection",
    "selection_score": "hepzoo.training.selection",
    "data_fingerprint": "hepzoo.training.engine",
    "main_train": "hepzoo.training.cli",
    "build_train_parser": "hepzoo.training.cli",
    "recipe_for": "hepzoo.training.cli",
    "generate_jets": "hepzoo.training.jet_validation",
    "training_summary": "hepzoo.training.curves",
    "plot_training_curves": "hepzoo.training.curves",
    "LOG": "hepzoo.training.engine",
    "BEST": "hepzoo.training.engine",
    "FINAL": "hepzoo.training.engine",
    "JetValidator": "hepzoo.training.jet_validation",
}
__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
