"""CaloDiffusion trains through hepzoo's engine: the data it reads, and a loss that falls."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hepzoo.errors import InvalidDataError
from hepzoo.testing.training_conformance import TrainingConformance
from hepzoo.training import LOG
from hepzoo_calodiffusion.train import CaloDiffusionRecipe, load_training_data, train


@pytest.mark.slow
class TestCaloDiffusionTraining(TrainingConformance):
    """The recipe through the engine: checkpoints, an exact resume, an export that loads and samples."""

    @pytest.fixture
    def recipe_factory(self, registry):
        return lambda: CaloDiffusionRecipe(layer_sizes=(8, 8), valid_showers=4, timesteps=5)

    @pytest.fixture
    def training_data(self, make_showers):
        return make_showers(12, seed=5), make_showers(4, seed=6)


def test_reads_a_calochallenge_file_and_prepares_network_tensors(tmp_path, make_showers, registry):
    path = make_showers(40, seed=1).save(tmp_path / "ds2.h5")
    train_set, valid_set = load_training_data(str(path))
    assert (len(train_set), len(valid_set)) == (28, 6)
    recipe = CaloDiffusionRecipe(layer_sizes=(8, 8, 8))
    model = recipe.build_model(train_set)
    assert model.config.unet.layer_sizes == (8, 8, 8) and model.config.geometry == "ds2"
    x, c = recipe.prepare(model, train_set, torch.device("cpu"))
    assert x.shape == (28, 1, 45, 16, 9) and c.shape == (28, 1) and x.dtype == torch.float32
    assert ((c >= 0) & (c <= 1)).all()
    batches = recipe.epoch_batches((x, c), 8, torch.Generator().manual_seed(0))
    assert [len(b[0]) for b in batches] == [8, 8, 8, 4] and batches[0][2] is None


def test_dataset1_photons_get_glam_the_angle_channel_and_their_constants():
    from hepzoo.representations import Voxel
    from hepzoo.samples import Samples

    rep = Voxel.from_geometry("ds1-photons")
    rng = np.random.default_rng(0)
    energy = 2.0 ** rng.integers(8, 23, 6)
    x = rng.random((6, rep.n_voxels)) * (rng.random((6, rep.n_voxels)) < 0.3)
    x = (0.9 * energy[:, None] * x / x.sum(1, keepdims=True)).astype(np.float32)
    showers = Samples(x=x, representation=rep, cond={"energy": energy})
    recipe = CaloDiffusionRecipe(layer_sizes=(8, 8), timesteps=5)
    model = recipe.build_model(showers)
    assert model.config.geometry == "ds1-photons" and model.config.unet.angle_channel
    assert model.config.scaling.shift == -9.9807 and model.config.scaling.e_max == 4_194_304.0
    xs, c = recipe.prepare(model, showers, torch.device("cpu"))
    assert xs.shape == (6, 368) and c.shape == (6, 1) and ((c >= 0) & (c <= 1)).all()
    values, weights = model.prior.values.numpy(), model.prior.weights.numpy()  # the training energies' own
    np.testing.assert_array_equal(values, np.unique(energy))
    np.testing.assert_allclose(weights, [np.mean(energy == v) for v in values])


def test_refuses_showers_in_other_units(tmp_path, make_showers):
    showers = make_showers(20, seed=2)
    showers.cond["energy"] = showers.cond["energy"] / 1000  # GeV instead of MeV
    train_set, _ = load_training_data(str(showers.save(tmp_path / "gev.h5")))
    recipe = CaloDiffusionRecipe(layer_sizes=(8, 8, 8))
    with pytest.raises(InvalidDataError, match="MeV"):
        recipe.prepare(recipe.build_model(train_set), train_set, torch.device("cpu"))


@pytest.mark.slow
def test_loss_falls(tmp_path, make_showers, registry):
    """A one-stage U-Net, 12 steps of 8 showers: the training and the seeded validation loss fall."""
    from hepzoo.hub.local import load_pretrained

    data, valid = make_showers(32, seed=3), make_showers(8, seed=4)
    folder = train(data, valid, tmp_path / "run", epochs=20, steps=12, batch_size=8, lr=2e-3,
                   layer_sizes=(8, 8), valid_showers=8, device="cpu", log_every=1)
    records = [json.loads(line) for line in (tmp_path / "run" / LOG).read_text().splitlines()]
    losses = [r["loss"] for r in records if r["event"] == "train"]
    valids = [r["valid_loss"] for r in records if r["event"] == "valid"]
    assert len(losses) == 12 and np.isfinite(losses).all()
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3])
    assert len(valids) >= 3 and valids[-1] < valids[0]  # the same seeded noise each time: a real improvement
    model = load_pretrained(folder)
    out = model.sample(2, seed=0, sampler="ddim", steps=2)
    assert out.x.shape == (2, 6480) and np.isfinite(out.x).all()
