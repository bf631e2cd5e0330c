"""MDMA trains through hepzoo's engine: resumes exactly, mean-field matching on schedule, both GAN losses."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.testing.training_conformance import TrainingConformance, conformance_options
from hepzoo.training import LOG, StepContext, TrainOptions
from hepzoo.training import train as engine_train
from hepzoo_mdma.config import MdmaFmConfig, VelocityConfig
from hepzoo_mdma.model import MdmaModel
from hepzoo_mdma.networks import MDMACritic
from hepzoo_mdma.train import MdmaFmRecipe, MdmaRecipe, MdmaStep, mean_field_loss


class _SmallFm(MdmaFmRecipe):
    def build_model(self, train):
        from hepzoo_mdma.model import MdmaFmModel

        config = MdmaFmConfig(network=VelocityConfig(hidden=16, layers=2, heads=4), max_particles=train.x.shape[1])
        return MdmaFmModel.from_training_data(train, config)


def _records(out, event):
    return [r for r in map(json.loads, (out / LOG).read_text().splitlines()) if r["event"] == event]


@pytest.mark.slow
class TestMdmaTraining(TrainingConformance):
    options = {"batch_size": 8, "valid_every": 2}

    @pytest.fixture
    def recipe_factory(self, registry):
        return lambda: MdmaRecipe(max_particles=8, valid_efp_jets=20)

    @pytest.fixture
    def training_data(self, make_jets):
        return make_jets(40, 8, seed=1), make_jets(12, 8, seed=2)


class TestMdmaWganTraining(TestMdmaTraining):
    @pytest.fixture
    def recipe_factory(self, registry):
        return lambda: MdmaRecipe(max_particles=8, valid_efp_jets=20, gan="wgan-gp", mean_field_steps=2)


class TestMdmaFmTraining(TestMdmaTraining):
    @pytest.fixture
    def recipe_factory(self, registry):
        return lambda: _SmallFm(max_particles=8, valid_efp_jets=20)


def test_valid_jets_validates_on_the_first_validation_jets_and_refuses_zero(registry, make_jets):
    data, valid = make_jets(40, 8, seed=1), make_jets(12, 8, seed=2)
    model = MdmaRecipe(max_particles=8).build_model(data)
    cpu = torch.device("cpu")
    on_subset = MdmaRecipe(max_particles=8, valid_efp_jets=5, valid_jets=6).validate(model, valid, cpu, 0)
    on_sliced = MdmaRecipe(max_particles=8, valid_efp_jets=5).validate(model, valid[:6], cpu, 0)
    on_all = MdmaRecipe(max_particles=8, valid_efp_jets=5).validate(model, valid, cpu, 0)
    assert on_subset == on_sliced
    assert on_subset != on_all
    with pytest.raises(ConfigError, match="--valid-jets must be >= 1"):
        MdmaRecipe(max_particles=8, valid_jets=0).validate(model, valid, cpu, 0)


@pytest.mark.parametrize(("family", "bad"), [("mdma", ["--valid-jets", "0"]), ("mdma-fm", ["--valid-jets", "-3"]),
                                             ("mdma-fm", ["--valid-steps", "0"])])
def test_bad_validation_options_are_one_line_before_any_training(tmp_path, registry, make_jets, capsys, family, bad):
    from hepzoo.cli.main import main

    path = make_jets(30, 6, seed=4).save(tmp_path / "jets.h5")
    out = tmp_path / "run"
    assert main(["train", family, "--data", str(path), "--out", str(out), "--max-particles", "6", "--hidden", "16",
                 "--device", "cpu", "--threads", "1", "-q", *bad]) == 2
    err = capsys.readouterr().err.strip()
    assert bad[0] in err and "\n" not in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())  # refused before the run folder holds anything


def test_a_run_recorded_before_valid_jets_existed_still_resumes(registry):
    recipe = MdmaRecipe(max_particles=8)
    assert "valid_jets" not in recipe.run_options()  # unset: the record of an older run is the same
    assert MdmaRecipe(max_particles=8, valid_jets=100).run_options()["valid_jets"] == 100


def test_mean_field_matching_stops_after_its_steps_and_the_counter_is_checkpointed(tmp_path, registry, make_jets):
    data, valid = make_jets(40, 8, seed=1), make_jets(12, 8, seed=2)
    recipe = MdmaRecipe(max_particles=8, valid_efp_jets=20, mean_field_steps=3)
    engine_train(recipe, data, valid, tmp_path / "r", conformance_options(recipe, steps=5, batch_size=8))
    logs = _records(tmp_path / "r", "train")
    assert [("mean_field" in r) for r in logs] == [True, True, True, False, False]
    assert all(np.isfinite([r["d_loss"], r["g_loss"]]).all() for r in logs)
    assert _records(tmp_path / "r", "valid") and {"w1m", "w1p", "w1efp"} <= set(_records(tmp_path / "r", "valid")[0])
    from hepzoo.training.checkpoint import load_checkpoint

    tensors, _ = load_checkpoint(tmp_path / "r")
    assert int(tensors["step.step"]) == 5


def test_generator_loss_adds_the_mean_field_distance(make_jets):
    """The generator update minimises LSGAN + mean((mf(G(z)) - mf(x))^2) on the critic's last mean field."""
    torch.manual_seed(0)
    model = MdmaModel.from_training_data(make_jets(20, 6))
    critic = MDMACritic(model.config.critic)
    step = MdmaStep(model, mean_field_steps=1)
    seen = []

    class Ctx(StepContext):
        def update(self, name, loss):
            seen.append((name, float(loss.detach())))

    ctx = Ctx({"model": model, "critic": critic}, {}, torch.device("cpu"), torch.Generator().manual_seed(3))
    batch = torch.randn(4, 5, 3)
    out = step(batch, ctx)
    assert [name for name, _ in seen] == ["critic", "model"]
    assert seen[1][1] == pytest.approx(float(out["g_loss"]))
    assert float(out["g_loss"]) == pytest.approx(float(out["mean_field"]) + float(out["g_loss"] - out["mean_field"]))
    assert float(out["mean_field"]) > 0
    a, b = torch.randn(3, 4), torch.randn(3, 4, requires_grad=True)
    loss = mean_field_loss(a.requires_grad_(), b)
    loss.backward()
    assert b.grad is None  # the real mean field is a target, not trained through
    out = step(batch, ctx)
    assert "mean_field" not in out  # after mean_field_steps


def test_authors_settings_are_the_defaults():
    gan, fm = TrainOptions(**MdmaRecipe.defaults), TrainOptions(**MdmaFmRecipe.defaults)
    assert (gan.lr, gan.betas, gan.eps, gan.batch_size, gan.optimizer, gan.lr_schedule) == (
        1e-4, (0.0, 0.999), 1e-14, 128, "adam", "cosine")
    assert (fm.lr, fm.optimizer, fm.weight_decay, fm.lr_schedule) == (1e-3, "adamw", 0.01, "cosine")
    assert MdmaRecipe().args["mean_field_steps"] == 50_000 and MdmaRecipe().args["gan"] == "lsgan"


def test_adamw_option_gives_the_checkpoints_optimiser():
    params = [torch.nn.Parameter(torch.zeros(2))]
    options = TrainOptions(**MdmaRecipe.defaults)
    assert type(MdmaRecipe().make_optimizer("model", params, options)) is torch.optim.Adam
    opt = MdmaRecipe(adamw=True).make_optimizer("model", params, options)
    assert type(opt) is torch.optim.AdamW and opt.defaults["weight_decay"] == 0.01
    assert opt.defaults["betas"] == (0.0, 0.999)


def test_bad_family_options_are_one_line(make_jets):
    data = make_jets(10, 6)
    with pytest.raises(ConfigError, match="mean-field-steps"):
        MdmaRecipe(mean_field_steps=-1).build_model(data)
    with pytest.raises(ConfigError, match="heads"):
        MdmaRecipe(hidden=50).build_model(data)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["mdma", "mdma-fm"])
def test_cli_trains_both_families(tmp_path, registry, make_jets, family):
    from hepzoo.cli.main import main

    path = make_jets(60, 6, seed=4).save(tmp_path / "jets.h5")
    extra = ["--hidden", "16", "--layers", "2"] if family == "mdma-fm" else ["--hidden", "16"]
    args = ["train", family, "--data", str(path), "--out", str(tmp_path / "c"), "--max-particles", "6",
            "--batch-size", "8", "--device", "cpu", "--threads", "1", "-q", "--valid-efp-jets", "10", *extra]
    assert main([*args, "--steps", "3"]) == 0
    assert main([*args, "--steps", "4"]) == 0  # resumes
    assert main([*args, "--steps", "5", "--max-jets", "30"]) == 2  # other data: one line, exit 2
