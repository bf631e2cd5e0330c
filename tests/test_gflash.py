"""GFlash shower generator: determinism and physics sanity."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from hepzoo.data.showers.geometry import Geometry
from hepzoo.data.showers.gflash import THRESHOLD_MEV, W_SI, chunk_size, make_showers, simulate_showers
from hepzoo.errors import ConfigError


def test_material_constants():
    assert W_SI.x0_mm == pytest.approx(4.22, abs=0.01)
    assert W_SI.moliere_mm == pytest.approx(10.8, abs=0.1)
    assert W_SI.f_s == pytest.approx(2.48, abs=0.01)
    assert W_SI.e_hat == pytest.approx(0.704, abs=0.001)


def test_deterministic_and_independent_of_workers(tmp_path):
    n = chunk_size(Geometry.named("ds2")) + 7  # two chunks
    a = make_showers("ds2", n, tmp_path / "a.h5", seed=5, progress=False)
    b = make_showers("ds2", n, tmp_path / "b.h5", seed=5, workers=2, progress=False)
    c = make_showers("ds2", 20, tmp_path / "c.h5", seed=6, progress=False)
    with h5py.File(a) as fa, h5py.File(b) as fb, h5py.File(c) as fc:
        np.testing.assert_array_equal(fa["showers"][:], fb["showers"][:])
        np.testing.assert_array_equal(fa["incident_energies"][:], fb["incident_energies"][:])
        assert not np.array_equal(fa["showers"][:20], fc["showers"][:])
        e = fa["incident_energies"][:, 0]
    assert 1e3 <= e.min() and e.max() <= 1e6 and e.max() / e.min() > 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.h5", "b.h5", "c.h5"]  # no temp or lock file


def test_physics_sanity():
    g = Geometry.named("ds2")
    rng = np.random.default_rng(0)
    maxima, responses = [], []
    for energy in (1e3, 1e4, 1e5, 1e6):
        x = simulate_showers(g, np.full(100, energy), rng)
        assert x.shape == (100, 6480) and x.dtype == np.float32
        assert ((x == 0) | (x >= THRESHOLD_MEV)).all()
        response = x.sum(axis=1) / energy
        # stored energy = contained deposit x e/mip x sampling fraction / 0.033 (about 0.77)
        assert 0.6 < response.mean() < W_SI.visible_fraction
        responses.append(response)
        profile = x.reshape(100, 45, 16, 9).sum(axis=(0, 2, 3))
        maxima.append(np.argmax(profile))
        radial = x.reshape(100, 45, 16, 9).sum(axis=(0, 1, 2))
        assert radial[0] > radial[1] > radial[4] > radial[8]  # core-dominated, falling with r
    # shower maximum grows with ln E, about ln(10) X0 / 0.8 X0 per layer ~ 2.9 layers per decade
    assert np.all(np.diff(maxima) >= 2) and maxima[-1] - maxima[0] <= 12
    # resolution improves with energy
    assert responses[0].std() > 2 * responses[2].std()


def test_ds3_and_bad_geometry():
    x = simulate_showers(Geometry.named("ds3"), np.array([5e4, 5e5]), np.random.default_rng(1))
    assert x.shape == (2, 40500) and (x.sum(1) > 0).all()
    with pytest.raises(ConfigError, match="irregular"):
        simulate_showers(Geometry.named("ds1-photons"), np.array([1e4]), np.random.default_rng(1))
