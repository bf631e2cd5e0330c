"""Shared fixtures: small synthetic jets of every type with jet features, and small PC-Droid models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hepzoo.masking import mask_from_counts
from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo_pc_droid.config import BackboneConfig, PcDroidConfig

TYPE_MASS = (40.0, 175.0, 30.0, 80.0, 91.0)  # GeV, jetnet order g, t, q, w, z


def synthetic_jets(n_jets: int = 80, max_particles: int = 12, seed: int = 0) -> Samples:
    """Jets of all five types with 3..max_particles particles and jet pt/eta/mass/type conditions."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(3, max_particles + 1, n_jets)
    types = np.arange(n_jets) % 5
    x = np.zeros((n_jets, max_particles, 3), np.float32)
    mask = mask_from_counts(counts, max_particles)
    for j, n in enumerate(counts):
        e = -np.log(rng.random(n))
        pt = np.sort(e / e.sum())[::-1]
        x[j, :n] = np.stack([0.1 * rng.standard_normal(n), 0.1 * rng.standard_normal(n), pt], -1)
    cond = {
        "type": types.astype(np.int64),
        "pt": rng.uniform(500.0, 1500.0, n_jets).astype(np.float32),
        "eta": rng.uniform(-2.0, 2.0, n_jets).astype(np.float32),
        "mass": (np.asarray(TYPE_MASS)[types] + 5 * rng.standard_normal(n_jets)).astype(np.float32),
        "n_particles": counts.astype(np.int64),
    }
    return Samples(x=x, representation=PointCloud(max_particles), mask=mask, cond=cond)


def small_config(attention: str = "cross", max_particles: int = 12) -> PcDroidConfig:
    """A tiny network of the given attention pattern (fast tests)."""
    backbone = BackboneConfig(attention=attention, model_dim=16, layers=2, heads=2, ff_hidden=32, tokens=4,
                              context_dim=16)
    return PcDroidConfig(backbone=backbone, max_particles=max_particles, prior_rows=512)


def randomise_head(model) -> None:
    """Give the zero-initialised output layer weights, so a test sees the network's output move."""
    head = model.objective.backbone.head.out
    with torch.no_grad():
        head.weight.normal_(0, 0.3, generator=torch.Generator().manual_seed(1))
        head.bias.normal_(0, 0.3, generator=torch.Generator().manual_seed(2))


@pytest.fixture
def jets() -> Samples:
    return synthetic_jets()


@pytest.fixture
def registry():
    """The plugin registry (hepzoo-pc-droid must be installed: its entry point registers it)."""
    from hepzoo.plugins.manager import get_registry

    reg = get_registry()
    assert "pc-droid-cae" in reg.names("family"), "install the plugin: pip install -e plugins/pc-droid"
    return reg


@pytest.fixture(scope="session")  # a plain function: shareable by module-scoped fixtures
def make_jets():
    """``make_jets(n_jets, max_particles, seed) -> Samples`` of synthetic jets of every type."""
    return synthetic_jets


@pytest.fixture(scope="session")  # a plain function: shareable by module-scoped fixtures
def make_model():
    """``make_model(cls, jets, attention) -> a small fitted model`` with an output layer that is not zero."""

    def make(cls, jets, attention="cross"):
        torch.manual_seed(0)
        model = cls.from_training_data(jets, small_config(attention, jets.x.shape[1])).eval()
        randomise_head(model)
        return model

    return make


@pytest.fixture(scope="session")  # a plain function: shareable by module-scoped fixtures
def small():
    """``small(attention, max_particles) -> PcDroidConfig`` of a tiny network."""
    return small_config
