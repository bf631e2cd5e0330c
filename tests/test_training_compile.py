"""``hepzoo train --compile``: every family takes it; compiled runs match eager, resume exactly, export plain weights."""

from __future__ import annotations

import json
import logging

import pytest
import torch
from torch import nn

from hepzoo.testing import ToyConditionalRecipe
from hepzoo.testing.training_conformance import check_resume_is_exact, conformance_options
from hepzoo.training import compile_targets, compiled_networks
from hepzoo.training.checkpoint import load_checkpoint, sub_state
from hepzoo.training.cli import build_train_parser, options_from_args, recipe_for
from hepzoo.training.compiled import eager


def _log(out):
    from hepzoo.training import LOG

    return [json.loads(line) for line in (out / LOG).read_text().splitlines()]


FAMILIES = ("pc-droid-cae", "pc-droid", "mdma", "mdma-fm", "epic-gan", "calodiffusion-unet", "test-toy-conditional")


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_takes_compile(family, toy_family):
    from hepzoo.errors import HepzooError

    try:
        recipe = recipe_for(family)
    except HepzooError:
        pytest.skip(f"{family} is not installed")
    parser = build_train_parser(recipe)
    assert options_from_args(recipe, parser.parse_args(["--data", "d", "--out", "o", "--compile"])).compile is True
    assert options_from_args(recipe, parser.parse_args(["--data", "d", "--out", "o"])).compile is False


def test_compiled_networks_keep_their_keys_and_validation_runs_eagerly():
    """Compiled in place (no ``_orig_mod.``), paused by ``eager``, plain again after the run."""
    recipe = ToyConditionalRecipe(events=40)
    train_data, _ = recipe.load_data("toy")
    model = recipe.build_model(train_data)
    critic = nn.Linear(3, 1)
    targets = compile_targets({"model": model, "critic": critic})
    assert targets[0] is model.objective.backbone and targets[1] is critic and len(targets) == 2
    keys = list(model.state_dict())
    with compiled_networks(targets):
        assert list(model.state_dict()) == keys
        assert all(t._compiled_call_impl is not None for t in targets)
        with eager(targets):
            assert all(t._compiled_call_impl is None for t in targets)
        assert all(t._compiled_call_impl is not None for t in targets)
    assert all(t._compiled_call_impl is None for t in targets)
    with compiled_networks(targets, enabled=False) as none:
        assert none == [] and critic._compiled_call_impl is None


@pytest.fixture
def toy_family():
    from hepzoo.plugins.manager import get_registry
    from hepzoo.testing.families import register_test_families

    register_test_families(get_registry())  # the live registry (another test may have reset it)


@pytest.mark.slow
def test_compiled_run_matches_eager_resumes_exactly_and_exports_plain_weights(tmp_path, toy_family, caplog):
    """Losses and weights as in eager (float rounding), a bit-identical resume, weights an eager model loads."""
    from hepzoo.hub.local import load_pretrained
    from hepzoo.training import train

    caplog.set_level(logging.WARNING, logger="torch")  # captured compiler traces would cost minutes

    def recipe():
        return ToyConditionalRecipe(events=200)

    train_data, valid = recipe().load_data("toy")
    folder = check_resume_is_exact(recipe, train_data, valid, tmp_path / "compiled", steps=4, compile=True)
    train(recipe(), train_data, valid, tmp_path / "eager", conformance_options(recipe(), steps=4))
    (compiled, _), (plain, _) = load_checkpoint(tmp_path / "compiled" / "whole"), load_checkpoint(tmp_path / "eager")
    assert compiled.keys() == plain.keys() and not any("_orig_mod" in k for k in compiled)
    for key in compiled:
        torch.testing.assert_close(compiled[key], plain[key], rtol=1e-4, atol=1e-6, msg=key)
    losses = [[r["loss"] for r in _log(out) if r["event"] == "train"] for out in (tmp_path / "compiled" / "whole",
                                                                                  tmp_path / "eager")]
    assert len(losses[0]) == 4 and losses[0] == pytest.approx(losses[1], rel=1e-5)
    fresh = recipe().build_model(train_data)
    fresh.load_state_dict(sub_state(compiled, "net.model"), strict=True)
    exported = load_pretrained(folder)
    assert exported.objective.backbone._compiled_call_impl is None
    assert len(exported.sample(4, seed=0, progress=False)) == 4
