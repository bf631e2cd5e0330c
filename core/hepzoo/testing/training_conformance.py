"""What every family with a training ``Recipe`` must do with the engine: train, checkpoint, resume exactly.

A plugin's test suite mixes :class:`TrainingConformance` into a test class and provides two
fixtures: ``recipe_factory`` (no argument -> a fresh ``Recipe``) and ``training_data``
(``(train, valid)`` Samples, tiny). The checks run a few CPU steps, so they stay cheap.
``check_resume_is_exact`` is the same check as a function, for a family's own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

__all__ = ["TrainingConformance", "check_resume_is_exact", "conformance_options"]


def conformance_options(recipe, **overrides: Any):
    """``TrainOptions`` for a short CPU run: the recipe's defaults, EMA on, quiet, checkpoint every step."""
    from hepzoo.training import TrainOptions

    values = {**recipe.defaults, "device": "cpu", "quiet": True, "log_every": 1, "ema": 0.9,
              "checkpoint_every": 1, "epochs": 1000}
    return TrainOptions(**{**values, **overrides})


def _final_state(out: Path) -> tuple[dict[str, torch.Tensor], dict]:
    from hepzoo.training.checkpoint import load_checkpoint

    loaded = load_checkpoint(out)
    assert loaded is not None, f"{out} holds no checkpoint after training"
    return loaded


def check_resume_is_exact(
    recipe_factory: Callable[[], Any], train_data, valid_data, tmp_path: str | Path, steps: int = 4, **options: Any
) -> Path:
    """``steps`` in one run == ``steps // 2``, stop, resume to ``steps``: every checkpointed tensor equal.

    Returns the exported model folder of the run in one go.
    """
    from hepzoo.training import train

    if steps < 2:
        raise ValueError(f"steps must be at least 2 to stop half way, got {steps}")
    tmp_path = Path(tmp_path)
    whole = train(recipe_factory(), train_data, valid_data, tmp_path / "whole",
                  conformance_options(recipe_factory(), steps=steps, **options))
    train(recipe_factory(), train_data, valid_data, tmp_path / "split",
          conformance_options(recipe_factory(), steps=steps // 2, **options))
    assert _final_state(tmp_path / "split")[1]["state"]["step"] == steps // 2
    train(recipe_factory(), train_data, valid_data, tmp_path / "split",
          conformance_options(recipe_factory(), steps=steps, **options))
    (a, rec_a), (b, rec_b) = _final_state(tmp_path / "whole"), _final_state(tmp_path / "split")
    assert rec_a["state"]["step"] == rec_b["state"]["step"] == steps
    assert a.keys() == b.keys()
    assert any(k.startswith("net.model.") for k in a) and any(k.startswith("opt.model.") for k in a)
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert different == [], f"a resumed run differs from one run in {different[:5]}"
    return whole


class TrainingConformance:
    """Mix into a test class; provide fixtures ``recipe_factory`` and ``training_data``."""

    steps: int = 4
    options: dict[str, Any] = {}

    @pytest.fixture
    def recipe_factory(self) -> Callable[[], Any]:
        raise NotImplementedError("provide a recipe_factory fixture: () -> a fresh Recipe")

    @pytest.fixture
    def training_data(self):
        raise NotImplementedError("provide a training_data fixture: (train, valid) Samples")

    def test_trains_checkpoints_and_resumes_bit_identically(self, recipe_factory, training_data, tmp_path):
        train_data, valid_data = training_data
        check_resume_is_exact(recipe_factory, train_data, valid_data, tmp_path, self.steps, **self.options)

    def test_exports_a_model_that_loads_and_samples(self, recipe_factory, training_data, tmp_path):
        import numpy as np

        from hepzoo.hub.local import load_pretrained
        from hepzoo.training import train

        train_data, valid_data = training_data
        recipe = recipe_factory()
        folder = train(recipe, train_data, valid_data, tmp_path / "run",
                       conformance_options(recipe, steps=2, **self.options))
        model = load_pretrained(folder)
        assert model.family == recipe.family
        out = model.sample(8, seed=0, progress=False)
        assert len(out) == 8 and np.isfinite(out.x).all()
