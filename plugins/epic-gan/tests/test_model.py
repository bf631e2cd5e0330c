"""EpicGanModel conformance: shapes, mask, determinism, fast path, save/load round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.config import structure
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.testing.conformance import ModelConformance
from hepzoo_epic_gan.config import EpicGanConfig
from hepzoo_epic_gan.model import EpicGanModel
from hepzoo_epic_gan.preprocessing import jet_axis, to_authors


@pytest.fixture
def model(jets) -> EpicGanModel:
    torch.manual_seed(0)
    return EpicGanModel.from_training_data(jets).eval()


class TestEpicConformance(ModelConformance):
    """The conformance suite every family inherits (CONTRIBUTING.md), on a small fitted EPiC-GAN."""

    @pytest.fixture
    def model(self, jets, registry):
        torch.manual_seed(0)
        return EpicGanModel.from_training_data(jets).eval()


def test_samples_through_the_core_path_with_the_one_shot_sampler(model, registry):
    from hepzoo.model import Model

    assert type(model).generate_batch is Model.generate_batch
    out = model.sample(20, seed=1, batch_size=7)
    assert out.meta["sampler"] == "one-shot" and out.meta["steps"] == 1
    assert out.cond["n_particles"].dtype == np.int64
    with pytest.raises(ConfigError, match="n_particles"):
        model.sample(2, cond={"n_particles": 13})  # above max_particles


def test_events_depend_on_seed_and_batch_size_and_meta_records_both(model, registry):
    """Conditions depend on the seed only; the noise is drawn per batch, so events depend on the batch size too."""
    a = model.sample(40, seed=9, batch_size=13)
    b = model.sample(40, seed=9, batch_size=13)
    c = model.sample(40, seed=9, batch_size=40)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.cond["n_particles"], c.cond["n_particles"])
    assert not np.array_equal(a.x, c.x)
    assert (a.meta["seed"], a.meta["batch_size"], a.meta["device"]) == (9, 13, "cpu")
    assert c.meta["batch_size"] == 40
    x, mask = model.generate_points(torch.tensor([3, 5, 5, 12]), torch.Generator().manual_seed(0))
    assert x.shape == (4, 12, 3) and mask.sum(1).tolist() == [3, 5, 5, 12]


def test_file_is_readable_by_jetnet_with_nan_where_jet_features_are_unknown(model, registry, tmp_path):
    import h5py

    from hepzoo.data import read_samples

    jets = model.sample(20, seed=2)
    path = jets.save(tmp_path / "gen.h5")
    with h5py.File(path) as f:
        jf = f["jet_features"][:]  # what jetnet's getData reads
    np.testing.assert_array_equal(jf[:, 3], jets.mask.sum(1))
    assert np.isnan(jf[:, :3]).all()  # the model knows no absolute pt, eta, mass
    back = read_samples(path)
    assert back.cond.keys() == jets.cond.keys()
    np.testing.assert_array_equal(back.cond["n_particles"], jets.cond["n_particles"])


def test_fit_on_training_data(model, jets):
    counts = jets.mask.sum(1)
    assert model.config.max_particles == 12
    assert sorted(model.prior.data[:, 0].tolist()) == sorted(counts.astype(float).tolist())
    pts = jets.x[..., 2][jets.mask]
    assert model.normaliser.pt_min.item() == pytest.approx(pts.min())
    assert model.normaliser.mean[0].item() == pytest.approx(pts.mean(), rel=1e-5)
    assert model.normaliser.std[0].item() == pytest.approx(pts.std(ddof=1), rel=1e-4)
    z = model.normalise(torch.cat([t.reshape(-1, 3) for t in model.training_points(jets).values()]))
    torch.testing.assert_close(z.std(0), torch.full((3,), 5.0), rtol=1e-3, atol=1e-3)


def test_sample_shapes_and_mask(model, registry):
    jets = model.sample(50, seed=1, batch_size=20)
    assert jets.x.shape == (50, 12, 3) and jets.mask.shape == (50, 12)
    counts = jets.mask.sum(1)
    np.testing.assert_array_equal(counts, jets.cond["n_particles"].astype(int))
    assert (counts >= 3).all() and (counts <= 12).all()
    assert (jets.x[~jets.mask] == 0).all()
    assert (jets.x[..., 2][jets.mask] >= model.normaliser.pt_min.item()).all()
    steps = np.diff(jets.x[..., 2], axis=1)[jets.mask[:, 1:]]  # ordered by pT within the real particles
    assert (steps <= 0).all()


def test_generated_jets_are_centred(model):
    x, mask = model.generate_points(torch.full((8,), 10), torch.Generator().manual_seed(0))
    pts = to_authors(torch.from_numpy(x)) * torch.from_numpy(mask)[..., None]
    eta, phi = jet_axis(pts.double())
    # all pT are positive after clamping up to pt_min; the centring used pre-clamp pT, so allow slack
    assert eta.abs().max() < 0.5 and phi.abs().max() < 0.5


def test_same_seed_same_jets(model, registry):
    a, b, c = model.sample(30, seed=7), model.sample(30, seed=7), model.sample(30, seed=8)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.x, c.x)


def test_fast_path_equals_reference(model, registry):
    model.fast = True
    fast = model.sample(40, seed=2)
    model.fast = False
    ref = model.sample(40, seed=2)
    np.testing.assert_array_equal(fast.mask, ref.mask)
    np.testing.assert_allclose(fast.x, ref.x, rtol=1e-4, atol=1e-5)


def test_fast_cache_follows_weight_updates(model):
    counts = torch.full((4,), 5)
    before, _ = model.generate_points(counts, torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.generator.local_out.bias.add_(0.5)
    after, _ = model.generate_points(counts, torch.Generator().manual_seed(0))
    assert not np.allclose(before, after)


def test_save_load_round_trip(model, registry, tmp_path):
    from hepzoo.hub.local import load_pretrained

    model.tag = "synthetic"
    folder = model.save_pretrained(tmp_path / "m")
    loaded = load_pretrained(folder)
    assert isinstance(loaded, EpicGanModel) and loaded.tag == "synthetic"
    assert loaded.config == model.config
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    a, b = model.sample(25, seed=4), loaded.sample(25, seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    assert not any(k.startswith("critic") for k in model.state_dict())


def test_config_json_round_trip():
    from hepzoo.config import unstructure

    cfg = EpicGanConfig(max_particles=30)
    assert structure(unstructure(cfg), EpicGanConfig) == cfg
    with pytest.raises(ConfigError):
        structure({**unstructure(cfg), "bogus": 1}, EpicGanConfig)
    with pytest.raises(ConfigError, match="features"):
        EpicGanModel(EpicGanConfig(features=("pt_rel", "eta_rel", "phi_rel")))


def test_rejects_data_without_mask(jets):
    from hepzoo.samples import Samples

    with pytest.raises(InvalidDataError, match="mask"):
        EpicGanModel.from_training_data(Samples(x=jets.x, representation=jets.representation))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"norm_sigma": True}, "config.norm_sigma must be a number, got true"),
        ({"norm_sigma": "nan"}, 'config.norm_sigma must be a number, got "nan"'),
        ({"max_particles": "150"}, 'config.max_particles must be an integer, got "150"'),
        ({"max_particles": 150.9}, "config.max_particles must be an integer, got 150.9"),
        ({"generator": {"latent": 10, "latent_local": 3, "hidden": 0, "feats": 3, "layers": 6}},
         "config.generator: 'hidden' must be a positive integer, got 0"),
    ],
)
def test_config_json_values_are_not_coerced(change, problem):
    from hepzoo.config import unstructure

    with pytest.raises(ConfigError) as info:
        structure({**unstructure(EpicGanConfig()), **change}, EpicGanConfig, what="m/config.json")
    assert str(info.value).startswith("m/config.json: ") and problem in str(info.value)


def test_a_prior_wider_than_the_configs_max_particles_is_refused_at_load(model, registry, tmp_path):
    import json

    from hepzoo.hub.local import load_pretrained

    folder = model.save_pretrained(tmp_path / "m")
    top = int(model.prior.high[0])
    data = json.loads((folder / "config.json").read_text())
    data["config"]["max_particles"] = top - 1  # a user's edit: the prior was fitted up to `top`
    (folder / "config.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=f"max_particles >= {top}"):
        load_pretrained(folder)


def test_steps_are_refused_for_the_one_shot_sampler(model, registry):
    with pytest.raises(ConfigError, match="takes no steps; drop steps=50"):
        model.sample(3, seed=0, steps=50)
    assert model.sample(3, seed=0, steps=1).meta["steps"] == 1
