"""Registry ids that fix a condition: one all-type model published once per type (``PretrainedEntry.pinned_conditions``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import hepzoo
from hepzoo.errors import ConfigError
from hepzoo.hub.integrity import sha256_file
from hepzoo.registry import PretrainedEntry
from hepzoo.testing.families import (
    ToyConditionalConfig,
    ToyConditionalFlow,
    register_test_families,
    toy_conditional_data,
)

FILES = ("config.json", "model.safetensors", "README.md")


@pytest.fixture
def toy():
    from hepzoo.plugins.manager import get_registry

    register_test_families(get_registry())
    torch.manual_seed(0)
    x, cond = toy_conditional_data(500, seed=0)
    return ToyConditionalFlow(ToyConditionalConfig()).fit(x, cond)


def test_pinned_condition_fixes_every_draw(toy):
    toy.pin_conditions({"type": "top"})
    out = toy.sample(50, seed=0)
    assert (out.cond["type"] == 1).all()
    same = toy.sample(50, seed=0, cond={"type": "top", "pt": 800.0})
    assert (same.cond["type"] == 1).all() and (same.cond["pt"] == 800.0).all()
    with pytest.raises(ConfigError, match="fixes type=top"):
        toy.sample(5, seed=0, cond={"type": "w"})


def test_pins_are_checked_like_conditions(toy):
    with pytest.raises(ConfigError, match="unknown conditions"):
        toy.pin_conditions({"colour": "red"})
    with pytest.raises(ConfigError, match="type"):
        toy.pin_conditions({"type": "no-such-type"})
    with pytest.raises(ConfigError, match="one value"):
        toy.pin_conditions({"pt": [500.0, 600.0]})
    assert toy.pinned_conditions == {}


@pytest.fixture(autouse=False)
def _no_local_registry(monkeypatch):
    monkeypatch.setenv("HEPZOO_NO_CHECKOUT_REGISTRY", "1")
    monkeypatch.delenv("HEPZOO_PATH", raising=False)


def test_load_pins_the_conditions_of_a_registered_id(toy, hub_root, hub_server, _no_local_registry):
    from hepzoo.plugins.manager import get_registry

    folder = toy.save_pretrained(hub_root / "hepzoo-test" / "toy-all")
    files = {f: sha256_file(folder / f) for f in FILES}
    registry = get_registry()
    with registry.transaction("hepzoo-tests"):
        for tag, pinned in (("all-types-pin-test", {}), ("top-pin-test", {"type": "top"})):
            if f"test-toy-conditional/{tag}" not in hepzoo.list_models():
                registry.add_pretrained(PretrainedEntry(family="test-toy-conditional", tag=tag,
                                                        repo_id="hepzoo-test/toy-all", files=files,
                                                        pinned_conditions=pinned))
    every = hepzoo.load("test-toy-conditional/all-types-pin-test").sample(200, seed=1)
    top = hepzoo.load("test-toy-conditional/top-pin-test").sample(200, seed=1)
    assert len(np.unique(every.cond["type"])) > 1
    assert (top.cond["type"] == 1).all()
    info = hepzoo.info("test-toy-conditional/top-pin-test")
    assert info["pinned_conditions"] == {"type": "top"} and info["conditions"] is not None


@pytest.mark.parametrize("pins", [{"type": ["top"]}, {"type": None}, {"pt": float("nan")}, {"type": True}, ["type"]])
def test_a_pin_that_is_not_one_label_or_number_is_refused_at_registration(pins):
    with pytest.raises(ConfigError, match="pinned_conditions maps a condition name to one label or number"):
        PretrainedEntry(family="fam", tag="t", repo_id="org/x", files={"config.json": "0" * 64},
                        pinned_conditions=pins)


def test_info_shows_the_pins_and_names_a_mistyped_one(toy, hub_root, hub_server, _no_local_registry, capsys):
    from hepzoo.cli.main import main
    from hepzoo.plugins.manager import get_registry

    folder = toy.save_pretrained(hub_root / "hepzoo-test" / "toy-info")
    files = {f: sha256_file(folder / f) for f in FILES}
    registry = get_registry()
    with registry.transaction("hepzoo-tests"):
        for tag, pinned in (("top-info-test", {"type": "top"}), ("typo-info-test", {"type": "tpo"})):
            if f"test-toy-conditional/{tag}" not in hepzoo.list_models():
                registry.add_pretrained(PretrainedEntry(family="test-toy-conditional", tag=tag,
                                                        repo_id="hepzoo-test/toy-info", files=files,
                                                        pinned_conditions=pinned))
    assert main(["info", "test-toy-conditional/top-info-test"]) == 0
    out = capsys.readouterr().out
    assert "pinned: type=top" in out and "type (categorical): pinned to top" in out
    assert main(["info", "test-toy-conditional/typo-info-test"]) == 2
    err = capsys.readouterr().err
    assert "pins {'type': 'tpo'}, which its model refuses" in err and len(err.strip().splitlines()) == 1
