"""MdmaModel / MdmaFmModel: the conformance suite, the core generation path, fast paths, strict configs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.testing.conformance import ModelConformance
from hepzoo_mdma.config import GeneratorConfig, MdmaConfig
from hepzoo_mdma.model import PT_REL, MdmaFmModel, MdmaModel


@pytest.fixture
def gan(jets) -> MdmaModel:
    torch.manual_seed(0)
    return MdmaModel.from_training_data(jets).eval()


@pytest.fixture
def fm(jets, small_fm) -> MdmaFmModel:
    torch.manual_seed(0)
    return MdmaFmModel.from_training_data(jets, small_fm()).eval()


class TestMdmaConformance(ModelConformance):
    @pytest.fixture
    def model(self, jets, registry):
        torch.manual_seed(0)
        return MdmaModel.from_training_data(jets).eval()


@pytest.mark.slow
class TestMdmaFmConformance(ModelConformance):
    @pytest.fixture
    def model(self, jets, registry, small_fm):
        torch.manual_seed(0)
        return MdmaFmModel.from_training_data(jets, small_fm()).eval()


def test_gan_samples_through_the_core_path(gan, registry):
    from hepzoo.model import Model

    assert type(gan).generate_batch is Model.generate_batch
    out = gan.sample(20, seed=1, batch_size=7)
    assert out.meta["sampler"] == "one-shot" and out.x.shape == (20, 12, 3)
    assert (out.x[~out.mask] == 0).all() and np.isfinite(out.x).all()


@pytest.mark.parametrize("fill", [0.0, 1.0])
@pytest.mark.parametrize("which", ["gan", "fm"])
def test_fast_paths_give_the_reference_jets(which, fill, request, registry):
    """Padded (``pack_below_fill`` 0) and packed (1) fast paths: the jets of the per-bucket reference."""
    model = request.getfixturevalue(which)
    model.pack_below_fill = fill
    mask = torch.ones(2, 12, dtype=torch.bool)
    mask[0, 3:] = False
    assert model.fast_path(mask, torch.device("cpu")) == ("packed" if fill else "padded")
    kw = {"seed": 4, "batch_size": 9} if which == "gan" else {"seed": 4, "batch_size": 9, "steps": 3}
    fast = model.sample(25, **kw)
    model.fast = False
    slow = model.sample(25, **kw)
    np.testing.assert_array_equal(fast.mask, slow.mask)
    np.testing.assert_allclose(fast.x, slow.x, atol=2e-5)


def test_bf16_path_is_close_to_float32(gan, registry):
    ref = gan.sample(30, seed=2)
    gan.autocast_bf16 = True
    out = gan.sample(30, seed=2)
    assert not np.array_equal(out.x, ref.x)
    assert np.abs(out.x - ref.x).max() < 0.05 * np.abs(ref.x).max()


def test_flow_matching_defaults_to_midpoint_and_takes_every_ode_sampler(fm, registry):
    assert (fm.default_sampler, MdmaFmModel.default_steps) == ("midpoint", 100)
    assert fm.objective.ot and fm.objective.law.value == "velocity"
    velocity = [name for name in registry.names("sampler")
                if fm.objective.law in registry.sampler_spec(name).laws]
    assert {"euler", "heun", "midpoint", "rk4"} <= set(velocity)
    outs = {s: fm.sample(6, seed=0, sampler=s, steps=2).x for s in velocity}
    assert all(np.isfinite(x).all() for x in outs.values())
    assert not np.array_equal(outs["euler"], outs["midpoint"])


def test_fit_on_training_data(gan, jets):
    counts = jets.mask.sum(1)
    assert gan.network.avg_n.item() == pytest.approx(counts.mean())
    assert sorted(gan.prior.data[:, 0].tolist()) == sorted(counts.astype(float).tolist())
    pts = jets.x[jets.mask]
    np.testing.assert_allclose(gan.preprocessing.mean.numpy(), pts.mean(0), rtol=1e-4, atol=1e-6)
    assert (gan.low < 0).all() and (gan.high > 0).all()


def test_generated_particles_stay_in_the_training_range(gan, jets):
    out = gan.sample(200, seed=0)
    pts, ref = out.x[out.mask], jets.x[jets.mask]
    assert (pts.min(0) >= ref.min(0) - 1e-5).all() and (pts.max(0) <= ref.max(0) + 1e-5).all()


def test_pt_rel_clipped_at_the_training_minimum_is_never_negative(jets):
    """Real constituents reach pt_rel ~1e-16: clipped there, the inverse standardisation must not round below 0."""
    gan = MdmaModel.from_training_data(jets).eval()
    with torch.no_grad():  # pt_rel's standardisation and minimum as fitted on 112k JetNet150-like tops
        gan.preprocessing.mean[PT_REL], gan.preprocessing.std[PT_REL] = 0.01540511753410101, 0.029262101277709007
        gan.low[PT_REL] = -0.526452898979187
        gan.network.out.weight.zero_()
        gan.network.out.bias.fill_(-1e3)
    out = gan.sample(50, seed=0)
    pts = out.x[out.mask]
    assert (pts[:, PT_REL] >= 0).all()
    assert (pts[:, PT_REL] <= 1e-12).all()  # clipped to the minimum, so the case was exercised


def test_bad_training_data_is_one_line(make_jets):
    jets = make_jets(8, 6)
    jets.mask[0] = False
    jets.x[0] = 0
    with pytest.raises(InvalidDataError, match="no particles") as info:
        MdmaModel.from_training_data(jets)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="heads"):
        GeneratorConfig(hidden=50, heads=16)
    with pytest.raises(ConfigError, match="features"):
        MdmaModel(MdmaConfig(features=("pt_rel", "eta_rel", "phi_rel")))


@pytest.mark.parametrize(
    ("family", "keys", "value"),
    [
        ("mdma", ("generator", "heads"), 0),
        ("mdma", ("generator", "heads"), 5),
        ("mdma", ("max_particles",), 0),
        ("mdma", ("generator", "hidden"), 2.5),
        ("mdma-fm", ("sigma_min",), 1e39),
        ("mdma-fm", ("sigma_min",), 1.5),
        ("mdma-fm", ("network", "time_frequencies"), 0),
        ("mdma-fm", ("unknown_key",), 1),
    ],
)
def test_unusable_config_fields_are_refused_in_one_line(tmp_path, registry, request, family, keys, value):
    from hepzoo.hub.local import build_model

    model = request.getfixturevalue("gan" if family == "mdma" else "fm")
    model.save_pretrained(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "config.json").read_text())
    parent = doc["config"]
    for key in keys[:-1]:
        parent = parent[key]
    parent[keys[-1]] = value
    (tmp_path / "m" / "config.json").write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=keys[-1]) as info:
        build_model(tmp_path / "m" / "config.json")
    assert "\n" not in str(info.value)


def test_cli_sample_runs_and_a_bad_condition_is_one_line(gan, tmp_path, registry, capsys):
    from hepzoo.cli.main import main

    folder = gan.save_pretrained(tmp_path / "m")
    assert main(["sample", f"local-dir:{folder}", "-n", "5", "-o", str(tmp_path / "s.h5")]) == 0
    capsys.readouterr()
    assert main(["sample", f"local-dir:{folder}", "-n", "5", "-o", str(tmp_path / "t.h5"),
                 "--cond", "n_particles=99"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "n_particles" in err[0]
