"""Shared fixtures: small synthetic jets, small MDMA configs and the registry."""

from __future__ import annotations

import pytest

from hepzoo.representations import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing import random_jets


def synthetic_jets(n_jets: int = 64, max_particles: int = 12, seed: int = 0) -> Samples:
    """Jets with 3..max_particles particles (Gaussian angles, exponential pT)."""
    x, mask = random_jets(n_jets, max_particles, seed=seed)
    return Samples(x=x, representation=PointCloud(max_particles), mask=mask)


@pytest.fixture
def make_jets():
    """``make_jets(n_jets, max_particles, seed) -> Samples`` of synthetic jets."""
    return synthetic_jets


@pytest.fixture
def jets() -> Samples:
    return synthetic_jets()


@pytest.fixture
def small_fm():
    """A small MDMA-FM config (the authors' width 512 x 10 blocks is slow for unit tests)."""
    from hepzoo_mdma.config import MdmaFmConfig, VelocityConfig

    return lambda max_particles=12: MdmaFmConfig(network=VelocityConfig(hidden=32, layers=2, heads=4),
                                                 max_particles=max_particles)


@pytest.fixture
def registry():
    """The plugin registry (hepzoo-mdma must be installed: its entry point registers it)."""
    from hepzoo.plugins.manager import get_registry

    reg = get_registry()
    assert {"mdma", "mdma-fm"} <= set(reg.names("family")), "install the plugin: pip install -e plugins/mdma"
    return reg
