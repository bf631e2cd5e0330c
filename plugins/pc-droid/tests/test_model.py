"""PC-Droid models: the conformance suite, conditions and prior, features, save/load, config round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.config import structure, unstructure
from hepzoo.errors import ConfigError, InvalidDataError
from hepzoo.testing.conformance import ModelConformance
from hepzoo_pc_droid.config import PcDroidConfig
from hepzoo_pc_droid.model import PcDroid, PcDroidCAE


@pytest.fixture
def model(jets, make_model) -> PcDroidCAE:
    return make_model(PcDroidCAE, jets, "cross")


class TestCAEConformance(ModelConformance):
    """The conformance suite every family inherits, on a small fitted CAE."""

    sample_kwargs = {"steps": 4}

    @pytest.fixture
    def model(self, jets, registry, make_model):
        return make_model(PcDroidCAE, jets, "cross")


class TestFullConformance(ModelConformance):
    """The same suite on the full-transformer family."""

    sample_kwargs = {"steps": 4}

    @pytest.fixture
    def model(self, jets, registry, make_model):
        return make_model(PcDroid, jets, "full")


def test_given_type_pt_and_mass_are_kept_and_the_rest_drawn_for_that_type(model, jets, registry):
    out = model.sample(40, seed=1, steps=4, cond={"type": "w", "pt": 1100.0, "mass": 85.0})
    assert (out.cond["type"] == 3).all()
    np.testing.assert_array_equal(out.cond["pt"], np.full(40, 1100.0, np.float32))
    np.testing.assert_array_equal(out.cond["mass"], np.full(40, 85.0, np.float32))
    w_counts = set(jets.cond["n_particles"][jets.cond["type"] == 3].tolist())
    assert set(out.cond["n_particles"].tolist()) <= w_counts  # exact on type: W jets' multiplicities
    np.testing.assert_array_equal(out.mask.sum(1), out.cond["n_particles"])


def test_prior_draws_stay_in_the_declared_ranges(model, registry):
    conds = model.draw_conditions(5000, torch.Generator().manual_seed(0))
    for c in model.conditions:
        if c.kind == "continuous":
            assert c.low <= conds[c.name].min() and conds[c.name].max() <= c.high, c.name
    types = np.bincount(conds["type"].long().numpy(), minlength=5) / 5000
    np.testing.assert_allclose(types, 0.2, atol=0.03)  # the training frequencies (equal here)


def test_unconditional_draws_are_training_jets_conditions(model, jets, registry):
    """Unsmoothed rows keep resonance mass peaks (Scott's KDE over all types smeared them by ~10 GeV)."""
    conds = model.draw_conditions(500, torch.Generator().manual_seed(0))
    table = np.stack([jets.cond[k] for k in ("type", "pt", "eta", "mass", "n_particles")], 1).astype(np.float32)
    drawn = torch.stack([conds[k] for k in ("type", "pt", "eta", "mass", "n_particles")], 1).numpy()
    assert not model.prior.chol.any()
    assert all((table == row).all(1).any() for row in drawn)  # each draw is one jet's values together


def test_ranges_are_the_training_jets(model, jets):
    c = {c.name: c for c in model.conditions}
    assert c["pt"].low <= jets.cond["pt"].min() < c["pt"].low + 1
    assert c["pt"].high - 1 < jets.cond["pt"].max() <= c["pt"].high
    with pytest.raises(ConfigError, match="pt"):
        model.sample(2, seed=0, cond={"pt": 5000.0})


def test_network_space_round_trips_to_the_jets(model, jets):
    """Features -> (eta, phi, log(1 + pT GeV)) standardised -> back: the original (pT-ordered) jets."""
    x, cond, mask = model.network_inputs(jets)
    real = x[mask]
    torch.testing.assert_close(real.mean(0), torch.zeros(3), atol=1e-4, rtol=0)
    torch.testing.assert_close(real.std(0), torch.ones(3), atol=1e-3, rtol=0)
    assert (x[~mask] == 0).all()
    raw = {k: torch.as_tensor(v) for k, v in jets.cond.items()}
    back, back_mask = model.postprocess(x, mask, raw)
    np.testing.assert_array_equal(back_mask, jets.mask)
    np.testing.assert_allclose(back, jets.x, rtol=1e-4, atol=1e-6)
    assert cond.shape == (len(jets), 9)
    np.testing.assert_array_equal(cond[:, 4:].argmax(1).numpy(), jets.cond["type"])


def test_generated_jets_are_ordered_by_pt_with_pt_above_the_training_minimum(model, registry):
    out = model.sample(30, seed=2, steps=4)
    pt = out.x[..., 2]
    assert (np.diff(pt, axis=1)[out.mask[:, 1:]] <= 0).all()
    pt_gev = pt * out.cond["pt"][:, None]
    assert (pt_gev[out.mask] >= model.pt_min.item() * (1 - 1e-6)).all()
    assert (out.x[~out.mask] == 0).all()


def test_sampler_runs_on_batches_padded_to_their_largest_jet(model, registry, monkeypatch):
    widths = []
    original = model.objective.backbone.forward

    def spy(x, t, cond=None, mask=None):
        widths.append(x.shape[1])
        return original(x, t, cond, mask)

    monkeypatch.setattr(model.objective.backbone, "forward", spy)
    out = model.sample(8, seed=0, steps=2, batch_size=4, cond={"n_particles": np.array([3, 4, 5, 4, 6, 7, 3, 3])})
    assert set(widths) == {5, 7}
    assert out.x.shape == (8, 12, 3)


def test_config_round_trip_and_mismatched_family():
    cfg = PcDroidCAE.default_config(max_particles=30, pt_range=(150.0, 3200.0))
    assert structure(unstructure(cfg), PcDroidConfig) == cfg
    full = PcDroid.default_config()
    assert structure(unstructure(full), PcDroidConfig) == full
    with pytest.raises(ConfigError, match="attention"):
        PcDroid(cfg)
    with pytest.raises(ConfigError):
        structure({**unstructure(cfg), "bogus": 1}, PcDroidConfig)


def test_save_load_round_trip_keeps_weights_scalers_and_prior(model, registry, tmp_path):
    from hepzoo.hub.local import load_pretrained

    loaded = load_pretrained(model.save_pretrained(tmp_path / "m"))
    assert isinstance(loaded, PcDroidCAE) and loaded.config == model.config
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert any(k.startswith("prior.") for k in model.state_dict())
    assert any(k.startswith("cond_scaler.") for k in model.state_dict())


def test_training_jets_without_types_or_jet_features_are_refused(jets, small):
    from hepzoo.samples import Samples

    no_type = Samples(x=jets.x, representation=jets.representation, mask=jets.mask,
                      cond={k: v for k, v in jets.cond.items() if k != "type"})
    with pytest.raises(InvalidDataError, match="TYPE=FILE"):
        PcDroidCAE.from_training_data(no_type, small())
    bad_pt = Samples(x=jets.x, representation=jets.representation, mask=jets.mask,
                     cond={**jets.cond, "pt": np.zeros(len(jets), np.float32)})
    with pytest.raises(InvalidDataError, match="pt"):
        PcDroidCAE.from_training_data(bad_pt, small())


def test_cpu_chunks_by_multiplicity_give_the_same_jets(model, registry, monkeypatch):
    counts = np.array([3, 12, 4, 11, 5, 10, 6, 9, 7, 8, 12, 3])
    whole = model.sample(12, seed=4, steps=3, cond={"n_particles": counts})
    monkeypatch.setattr(model, "cpu_chunk", 4)
    widths = []
    original = model.objective.backbone.forward

    def spy(x, t, cond=None, mask=None):
        widths.append(x.shape[1])
        return original(x, t, cond, mask)

    monkeypatch.setattr(model.objective.backbone, "forward", spy)
    chunked = model.sample(12, seed=4, steps=3, cond={"n_particles": counts})
    assert set(widths) == {5, 9, 12}  # sorted counts 3 3 4 5 | 6 7 8 9 | 10 11 12 12
    np.testing.assert_array_equal(chunked.mask, whole.mask)
    np.testing.assert_allclose(chunked.x, whole.x, rtol=1e-4, atol=1e-5)
