"""Shared fixtures: small synthetic jets and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.masking import mask_from_counts
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples


def synthetic_jets(n_jets: int = 64, max_particles: int = 12, seed: int = 0) -> Samples:
    """Jets with 3..max_particles particles: exponential pT fractions, narrow eta/phi."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(3, max_particles + 1, n_jets)
    x = np.zeros((n_jets, max_particles, 3), np.float32)
    mask = mask_from_counts(counts, max_particles)
    for j, n in enumerate(counts):
        e = -np.log(rng.random(n))
        pt = np.sort(e / e.sum())[::-1]
        x[j, :n] = np.stack([0.1 * rng.standard_normal(n), 0.1 * rng.standard_normal(n), pt], -1)
    return Samples(x=x, representation=PointCloud(max_particles), mask=mask)


@pytest.fixture
def make_jets():
    """``make_jets(n_jets, max_particles, seed) -> Samples`` of synthetic jets."""
    return synthetic_jets


@pytest.fixture
def jets() -> Samples:
    return synthetic_jets()


@pytest.fixture
def registry():
    """The plugin registry (hepzoo-epic-gan must be installed: its entry point registers it)."""
    from hepzoo.plugins.manager import get_registry

    reg = get_registry()
    assert "epic-gan" in reg.names("family"), "install the plugin: pip install -e plugins/epic-gan"
    return reg
