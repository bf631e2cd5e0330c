"""PC-Droid training: the engine's conformance, batches trimmed to their jets, data of several types, overfitting."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from hepzoo.errors import InvalidDataError
from hepzoo.testing.training_conformance import TrainingConformance, conformance_options
from hepzoo_pc_droid.batches import grouped_batches
from hepzoo_pc_droid.model import PcDroid, PcDroidCAE
from hepzoo_pc_droid.train import PcDroidCAERecipe, PcDroidRecipe, load_training_data


def _small_recipe(base, config):
    class Small(base):
        def build_model(self, train):
            return self.model_cls.from_training_data(train, config(self.model_cls.attention, train.x.shape[1]))

    return Small


class TestCAETraining(TrainingConformance):
    @pytest.fixture
    def recipe_factory(self, small, registry):
        return _small_recipe(PcDroidCAERecipe, small)

    @pytest.fixture
    def training_data(self, make_jets):
        return make_jets(60, 12, seed=1), make_jets(20, 12, seed=2)


class TestFullTraining(TestCAETraining):
    @pytest.fixture
    def recipe_factory(self, small, registry):
        return _small_recipe(PcDroidRecipe, small)


def test_recipe_defaults_are_the_authors():
    d = PcDroidCAERecipe.defaults
    assert (d["lr"], d["optimizer"], d["weight_decay"], d["clip_grad"], d["ema"]) == (1e-4, "adamw", 0.0, 10.0, 0.999)
    assert d["warmup_steps"] > 0 and d["batch_size"] == 256
    assert PcDroidCAERecipe.model_cls is PcDroidCAE and PcDroidRecipe.model_cls is PcDroid


def test_grouped_batches_cover_every_jet_once_and_cut_padding():
    counts = torch.randint(3, 150, (2000,), generator=torch.Generator().manual_seed(0))
    grouped = grouped_batches(counts, 128, torch.Generator().manual_seed(1), window=16)
    again = grouped_batches(counts, 128, torch.Generator().manual_seed(1), window=16)
    plain = grouped_batches(counts, 128, torch.Generator().manual_seed(1), window=1)
    assert all(torch.equal(a, b) for a, b in zip(grouped, again))
    for plan in (grouped, plain):
        assert torch.equal(torch.sort(torch.cat(plan)).values, torch.arange(2000))

    def padded(plan):
        return sum(len(idx) * int(counts[idx].max()) for idx in plan)

    assert padded(grouped) < 0.7 * padded(plain) < 0.7 * 2000 * 150


def test_batches_are_trimmed_to_their_largest_jet(make_jets, small, registry):
    recipe = _small_recipe(PcDroidCAERecipe, small)()
    train = make_jets(60, 12, seed=1)
    model = recipe.build_model(train)
    prepared = recipe.prepare(model, train, torch.device("cpu"))
    batches = recipe.epoch_batches(prepared, 8, torch.Generator().manual_seed(0))
    for x, cond, mask in batches:
        assert x.shape[1] == mask.shape[1] == int(mask.sum(1).max())
        assert cond.shape == (len(x), 9) and (x[~mask] == 0).all()
    assert sum(len(b[0]) for b in batches) == 60


def _write(path, jets, jet_type=None):
    from hepzoo.data import write_samples
    from hepzoo.samples import Samples

    cond = {k: v for k, v in jets.cond.items() if k != "type"}
    if jet_type is not None:
        cond["type"] = np.full(len(jets), jet_type, np.int64)
    return write_samples(Samples(x=jets.x, representation=jets.representation, mask=jets.mask, cond=cond), path)


def test_data_of_several_types_keeps_each_files_type(tmp_path, make_jets):
    top = _write(tmp_path / "t.h5", make_jets(40, 12, seed=1), jet_type=1)  # hepzoo's files record the type
    plain = _write(tmp_path / "w.h5", make_jets(40, 12, seed=2))  # real JetNet files do not
    train, valid = load_training_data(f"{top}, w={plain}", max_particles=12)
    assert len(train) + len(valid) == 68  # 70% + 15% of 80
    types = np.concatenate([train.cond["type"], valid.cond["type"]])
    assert set(np.unique(types)) == {1, 3} and 20 < (types == 1).sum() < 48
    with pytest.raises(InvalidDataError, match="TYPE=FILE"):
        load_training_data(f"{top},{plain}", max_particles=12)


def test_train_command_on_files_of_two_types(tmp_path, make_jets, registry, monkeypatch):
    from hepzoo.hub.local import load_pretrained
    from hepzoo.training import main_train

    top = _write(tmp_path / "t.h5", make_jets(40, 12, seed=1))
    gluon = _write(tmp_path / "g.h5", make_jets(40, 12, seed=2))
    monkeypatch.setattr(PcDroidCAE, "default_config", classmethod(
        lambda cls, **changes: PcDroidCAE.__mro__[1].default_config.__func__(cls, **changes)))
    rc = main_train(PcDroidCAERecipe(), ["--data", f"t={top},g={gluon}", "--out", str(tmp_path / "run"),
                                         "--steps", "2", "--batch-size", "16", "--max-particles", "12", "-q"])
    assert rc == 0
    model = load_pretrained(tmp_path / "run" / "model")
    assert isinstance(model, PcDroidCAE)
    assert sorted(np.unique(model.prior.data[:, 0].numpy()).tolist()) == [0.0, 1.0]
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    assert any("valid_loss" in json.dumps(r) for r in log)


@pytest.mark.slow
def test_loss_falls_when_overfitting_a_few_jets(tmp_path, make_jets, small, registry):
    """Five template jets (one per type): the held-out EDM loss (fixed noise) on them falls well below its start."""
    from hepzoo.training import train

    recipe = _small_recipe(PcDroidCAERecipe, small)()
    jets = make_jets(64, 12, seed=3)
    template = jets.cond["type"]  # jet j becomes a copy of jet type(j), so the type tells the jet
    jets.x[:], jets.mask[:] = jets.x[template], jets.mask[template]
    jets.cond["n_particles"][:] = jets.cond["n_particles"][template]
    options = conformance_options(recipe, steps=400, lr=3e-3, warmup_steps=0, batch_size=16, ema=None,
                                  checkpoint_every=10_000, log_every=50)
    train(recipe, jets, jets[:32], tmp_path / "run", options)
    log = [json.loads(line) for line in (tmp_path / "run" / "train_log.jsonl").read_text().splitlines()]
    valid = [r["valid_loss"] for r in log if r["event"] == "valid"]
    assert len(valid) > 10
    assert np.mean(valid[-5:]) < 0.85 * valid[0], (valid[0], valid[-5:])


def test_a_file_whose_type_index_contradicts_its_type_name_is_refused(tmp_path, make_jets):
    from hepzoo.data import write_samples

    jets = make_jets(20, 12, seed=1)
    jets.cond.pop("type")
    jets.meta.update({"jet_type": "top", "jet_type_index": 2})  # quark's index in jetnet's order
    path = write_samples(jets, tmp_path / "old.h5")
    for data in (str(path), f"t={path}", f"q={path}"):  # no label makes its jets trustworthy
        with pytest.raises(InvalidDataError, match="remake the file") as info:
            load_training_data(data, max_particles=12)
        assert "\n" not in str(info.value)


def test_a_label_contradicting_the_files_recorded_type_is_refused(tmp_path, make_jets):
    from hepzoo.data import write_samples

    gluons = _write(tmp_path / "gluons.h5", make_jets(40, 12, seed=1), jet_type=0)
    with pytest.raises(InvalidDataError, match="gluon") as info:
        load_training_data(f"t={gluons}", max_particles=12)
    assert "\n" not in str(info.value)
    train, _ = load_training_data(f"g={gluons}", max_particles=12)  # a label that agrees is fine
    assert (train.cond["type"] == 0).all()
    jets = make_jets(40, 12, seed=2)
    jets.cond.pop("type")
    jets.meta.update({"jet_type": "gluon", "jet_type_index": 0})  # the type in the metadata only
    named = write_samples(jets, tmp_path / "named.h5")
    with pytest.raises(InvalidDataError, match="gluon"):
        load_training_data(f"t={named}", max_particles=12)


def test_files_made_with_different_recipes_are_refused(tmp_path, make_jets):
    from hepzoo.data import write_samples

    def made(name, seed, jet_type, detector):
        jets = make_jets(40, 12, seed=seed)
        jets.cond["type"][:] = jet_type
        jets.meta.update({"generator": "hepzoo.data.jets.pythia", "jet_type": ("gluon", "top")[jet_type],
                          "jet_type_index": jet_type, "pythia_settings": [f"process {jet_type}"],
                          "cuts": {"radius": 0.4}, "detector": detector})
        return write_samples(jets, tmp_path / name)

    gluons = made("g.h5", 1, 0, {"name": "none"})
    tops = made("t.h5", 2, 1, {"name": "none"})
    smeared = made("t_smeared.h5", 3, 1, {"name": "gaussian"})
    train, _ = load_training_data(f"{gluons},{tops}", max_particles=12)  # types and processes differ by design
    assert set(np.unique(train.cond["type"])) == {0, 1}
    with pytest.raises(InvalidDataError, match="'detector'") as info:
        load_training_data(f"{gluons},{smeared}", max_particles=12)
    assert "\n" not in str(info.value)


def test_max_jets_draws_from_every_file(tmp_path, make_jets):
    first = _write(tmp_path / "a.h5", make_jets(100, 12, seed=1), jet_type=0)
    second = _write(tmp_path / "b.h5", make_jets(100, 12, seed=2), jet_type=1)
    train, _ = load_training_data(f"{first},{second}", max_particles=12, max_jets=40)
    assert len(train) == 28 and set(np.unique(train.cond["type"])) == {0, 1}
