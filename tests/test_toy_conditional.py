"""The toy conditional family: declared conditions, exact priors, the conformance suite."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.errors import ConfigError
from hepzoo.testing.conformance import ModelConformance
from hepzoo.testing.families import (
    TOY_TYPE_FREQUENCIES,
    ToyConditionalConfig,
    ToyConditionalFlow,
    ToyConditionalRecipe,
    register_test_families,
    toy_conditional_data,
)
from hepzoo.testing.training_conformance import TrainingConformance


@pytest.fixture
def toy():
    from hepzoo.plugins.manager import get_registry

    register_test_families(get_registry())  # the live registry (another test may have reset it)
    torch.manual_seed(0)
    x, cond = toy_conditional_data(2000, seed=0)
    model = ToyConditionalFlow(ToyConditionalConfig()).fit(x, cond)
    model.tag = "unit"
    return model


class TestToyConformance(ModelConformance):
    @pytest.fixture
    def model(self, toy):
        return toy


def test_conformance_catches_sampler_options_that_never_arrive(toy, monkeypatch):
    original = type(toy).generate_batch

    def dropping(self, n, cond, sampler, grid, generator, device, options=None):
        return original(self, n, cond, sampler, grid, generator, device, None)

    monkeypatch.setattr(type(toy), "generate_batch", dropping)
    with pytest.raises(AssertionError, match="option s_.* did not reach the sampler"):
        TestToyConformance().test_sampler_options_reach_the_sampler(toy, monkeypatch)


def test_a_fixed_type_gives_exactly_that_type(toy):
    out = toy.sample(1000, cond={"type": "top"}, seed=0)
    assert (out.cond["type"] == 1).sum() == 1000  # jetnet's order: g=0, t=1, q=2, w=3, z=4
    assert toy.sample(10, cond={"type": 1}, seed=0).cond["type"].tolist() == [1] * 10
    assert toy.sample(10, cond={"type": "t"}, seed=0).cond["type"].tolist() == [1] * 10


def test_unconditional_types_keep_their_training_frequencies(toy):
    types = toy.sample(4000, seed=1).cond["type"]
    assert set(np.unique(types)) <= set(range(5))
    freq = np.bincount(types, minlength=5) / len(types)
    train = np.bincount(toy.prior.data[:, 0].long().numpy(), minlength=5) / len(toy.prior.data)
    np.testing.assert_allclose(freq, train, atol=0.03)
    assert abs(freq[2] - TOY_TYPE_FREQUENCIES[2]) < 0.06


def test_fixed_pt_draws_types_from_nearby_rows_at_random(toy):
    out = toy.sample(600, cond={"pt": 1000.0}, seed=2)
    assert (out.cond["pt"] == 1000.0).all()
    # the k nearest rows hold several types; all of them are drawn, not one arbitrary row
    assert len(np.unique(out.cond["type"])) >= 3


def test_fixed_type_and_pt_draw_only_that_type(toy):
    out = toy.sample(300, cond={"type": "w", "pt": 700.0}, seed=3)
    assert (out.cond["type"] == 3).all() and (out.cond["pt"] == 700.0).all()


def test_per_event_conditions(toy):
    types = np.array(["gluon", "top", "z", "top"])
    out = toy.sample(4, cond={"type": types, "pt": np.array([500.0, 600, 700, 800])}, seed=0)
    assert out.cond["type"].tolist() == [0, 1, 4, 1]
    with pytest.raises(ConfigError, match="2 values for 4 events"):
        toy.sample(4, cond={"pt": np.array([500.0, 600])}, seed=0)


@pytest.mark.parametrize("with_prior", [True, False])
def test_bad_condition_shapes_are_refused_on_every_path(toy, with_prior):
    if not with_prior:
        del toy.prior  # conditions must then all be given
    good = {"type": "top", "pt": np.array([500.0, 600, 700, 800])}
    assert toy.sample(4, cond=good, seed=0).cond["pt"].tolist() == [500.0, 600, 700, 800]
    with pytest.raises(ConfigError, match="'pt' has 3 values for 4 events"):
        toy.sample(4, cond={**good, "pt": np.array([500.0, 600, 700])}, seed=0)
    with pytest.raises(ConfigError, match=r"pt has shape \(2, 2\)"):
        toy.sample(4, cond={**good, "pt": np.array([[500.0, 600], [700, 800]])}, seed=0)
    with pytest.raises(ConfigError, match=r"type has shape \(2, 2\)"):
        toy.sample(4, cond={**good, "type": [[2, 3], [1, 1]]}, seed=0)


def test_meta_records_what_reproduces_the_events(toy):
    first = toy.sample(30, batch_size=7)  # no seed given: one is drawn and recorded
    assert isinstance(first.meta["seed"], int) and first.meta["batch_size"] == 7 and first.meta["device"] == "cpu"
    again = toy.sample(30, seed=first.meta["seed"], batch_size=first.meta["batch_size"], device=first.meta["device"])
    np.testing.assert_array_equal(again.x, first.x)
    assert toy.sample(30).meta["seed"] != first.meta["seed"]


@pytest.mark.parametrize(
    "value, match",
    [("top-quark", "gluon, top, quark, w, z"), (3.7, "gluon"), (5, "index 0..4"), (float("nan"), "type")],
)
def test_bad_type_names_the_labels(toy, value, match):
    with pytest.raises(ConfigError, match=match):
        toy.sample(2, cond={"type": value})


def test_pt_out_of_range_names_the_range(toy):
    with pytest.raises(ConfigError, match=r"\[100, 3000\] GeV"):
        toy.sample(2, cond={"pt": 5000.0})


def test_condition_influences_the_events(toy):
    a = toy.sample(200, cond={"type": "top"}, seed=4).x
    b = toy.sample(200, cond={"type": "gluon"}, seed=4).x
    assert not np.allclose(a, b)


def test_cli_cond_parses_by_declared_kind(toy, tmp_path, capsys):
    from hepzoo.cli.main import main

    folder = toy.save_pretrained(tmp_path / "toy")
    out = tmp_path / "tops.h5"
    argv = ["sample", f"local-dir:{folder}", "-n", "50", "-o", str(out), "--cond", "type=top", "--cond", "pt=1000"]
    assert main(argv) == 0
    back = toy.representation.read(out)
    assert (back.cond["type"] == 1).all() and (back.cond["pt"] == 1000.0).all()
    assert main([*argv[:-4], "--cond", "type=3.7"]) == 2
    assert "type=" in capsys.readouterr().err


def test_card_lists_the_conditions(toy, tabular_model, tmp_path):
    from hepzoo.hub.card import condition_dict, parse_front_matter

    text = (toy.save_pretrained(tmp_path / "toy") / "README.md").read_text()
    assert "| type | categorical | - | one of gluon, top, quark, w, z (or index 0..4) |" in text
    assert "| pt | continuous | GeV | a number in [100, 3000] GeV |" in text
    assert parse_front_matter(text)["hepzoo_conditions"] == [condition_dict(c) for c in toy.conditions]
    plain = (tabular_model.save_pretrained(tmp_path / "plain") / "README.md").read_text()
    assert "## Conditions" not in plain and "hepzoo_conditions" not in parse_front_matter(plain)


@pytest.fixture
def toy_registry():
    from hepzoo.plugins.manager import get_registry

    registry = get_registry()
    register_test_families(registry)
    return registry


class TestToyTraining(TrainingConformance):
    """The toy's recipe through the engine: a few steps, checkpoints, an exact resume, a loadable export."""

    @pytest.fixture
    def recipe_factory(self, toy_registry):
        return lambda: ToyConditionalRecipe(events=200)

    @pytest.fixture
    def training_data(self):
        return ToyConditionalRecipe(events=200).load_data("toy")


def test_the_toy_is_exported_by_hepzoo_testing():
    import hepzoo.testing as testing

    for name in ("ToyConditionalFlow", "ToyConditionalConfig", "ToyConditionalRecipe", "toy_conditional_data",
                 "register_test_families", "TrainingConformance"):
        assert name in testing.__all__ and getattr(testing, name) is not None


def test_preprocessing_is_a_fitted_transform_in_the_state_dict(toy):
    from hepzoo.preprocessing import Standardize, StandardizeConfig

    assert isinstance(toy.preprocessing, Standardize) and toy.config.preprocessing == StandardizeConfig(2)
    state = toy.state_dict()
    assert {"preprocessing.mean", "preprocessing.std"} <= set(state) and "mean" not in state
    x, _ = toy_conditional_data(2000, seed=0)
    np.testing.assert_allclose(state["preprocessing.mean"].numpy(), x.mean(0), rtol=1e-5)


def test_registration_is_one_transaction_and_names_the_recipe(toy_registry):
    from hepzoo.registry import Registry

    entry = toy_registry.get("family", "test-toy-conditional")
    assert entry.distribution == "hepzoo-tests"
    assert toy_registry.family_tool("test-toy-conditional", "recipe") == "hepzoo.testing.families:ToyConditionalRecipe"
    fresh = Registry()
    register_test_families(fresh)
    assert fresh.current_distribution == "?" and set(fresh.names("family")) >= {"test-toy-conditional"}


def test_hepzoo_train_runs_the_toy(tmp_path, toy_registry, capsys):
    from hepzoo.cli.main import main

    args = ["train", "test-toy-conditional", "--data", "toy", "--events", "120", "--out", str(tmp_path / "t"),
            "--device", "cpu", "--threads", "1", "-q"]
    assert main([*args, "--steps", "2"]) == 0
    assert main([*args, "--steps", "3"]) == 0  # resumes
    assert (tmp_path / "t" / "model" / "model.safetensors").exists()
    assert main([*args[:3], "elsewhere.h5", *args[4:], "--steps", "4"]) == 2
    assert "--data toy" in capsys.readouterr().err
