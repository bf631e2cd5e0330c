"""Histogram binning of the shower metrics at the bin edges: hand-computed separation powers."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.data.showers.geometry import Geometry
from hepzoo.metrics.shower_features import high_level_features, min_energy
from hepzoo.metrics.showers import (
    challenge_log_bins,
    feature_bins,
    histogram_fractions,
    separation_power,
    separation_powers,
)

CUT = 0.5e-3 / 0.033
# float32 maxima whose float32 log10 puts the challenge's top edge just below them (40 / 50 edges)
V40 = np.float32(42326.453)
V50 = np.float32(432.4972)


def test_edges_are_the_challenges_float32_log10():
    bins = challenge_log_bins(CUT, np.array([1.0, V40], dtype=np.float32), 40)
    assert len(bins) == 40 and bins[0] == pytest.approx(CUT, rel=1e-15)
    assert bins[-1] < V40  # the largest entry lies outside, as in the challenge's plot_E_layers
    assert np.array_equal(bins, np.logspace(np.log10(CUT), np.log10(V40), 40))
    assert challenge_log_bins(CUT, np.array([V40], dtype=np.float64), 40)[-1] >= V40
    # a reference that never passes the cut: one decade above it instead of NaN edges
    assert challenge_log_bins(CUT, np.zeros(3, dtype=np.float32), 5)[-1] == pytest.approx(10 * CUT)


def test_histogram_fractions_follow_numpys_edge_rule():
    bins = np.array([1.0, 2.0, 3.0])
    # 1 (first edge) in bin 0; 2 (inner edge) in bin 1; 3 (last edge) in the last bin; 0.5, 3.5, NaN out
    assert histogram_fractions(np.array([1.0, 2.0, 3.0, 0.5, 3.5, np.nan]), bins).tolist() == [1 / 3, 2 / 3]
    lin = np.linspace(-30.0, 30.0, 101)
    a = np.concatenate([lin, np.nextafter(lin, np.inf), np.nextafter(lin, -np.inf)])
    counts, _ = np.histogram(a, bins=lin, density=True)
    assert np.array_equal(histogram_fractions(a, lin), counts * np.diff(lin))


def test_separation_power_by_hand():
    bins = np.array([1.0, 2.0, 3.0])
    # fractions (2/3, 1/3) vs (0, 1): 1/2 [(2/3)^2 / (2/3) + (2/3)^2 / (4/3)] = 1/2
    assert separation_power(np.array([1.5, 1.5, 2.5]), np.array([2.5, 2.5, 2.0]), bins) == pytest.approx(0.5, abs=1e-15)
    assert separation_power(np.array([1.5]), np.array([5.0]), bins) == 1.0
    assert np.isnan(separation_power(np.array([5.0]), np.array([5.0]), bins))


def test_layer_energy_separation_at_the_top_edge():
    g = Geometry.named("ds2")
    ref = np.array([V40, 100.0, 100.0, 1000.0], dtype=np.float32)
    gen = np.array([100.0, 1000.0, 1000.0, 1000.0], dtype=np.float32)
    bins = feature_bins("E_layer_0", g, ref)
    # V40 falls outside: reference fractions (2/3, 1/3), generated (1/4, 3/4) in the bins of 100 and 1000 MeV
    # S = 1/2 (5/12)^2 (12/11 + 12/13) = 25/143
    assert separation_power(gen, ref, bins) == pytest.approx(25 / 143, abs=1e-15)
    float64_edges = np.logspace(np.log10(CUT), np.log10(float(V40)), 40)
    assert separation_power(gen, ref, float64_edges) != pytest.approx(25 / 143, abs=1e-3)


def test_voxel_energy_separation_at_the_top_edge():
    g = Geometry.named("ds2")
    ref_x = np.zeros((2, g.n_voxels), dtype=np.float32)
    gen_x = np.zeros((2, g.n_voxels), dtype=np.float32)
    ref_x[0, :3] = [V50, 1.0, 10.0]  # the largest voxel lies just above the top edge
    ref_x[1, 5] = 10.0
    gen_x[0, :2] = [1.0, 1.0]
    gen_x[1, 0] = 10.0
    energy = np.full(2, 1e4)
    seps = separation_powers(
        high_level_features(gen_x, energy, g), high_level_features(ref_x, energy, g), g, gen_x, ref_x
    )
    # reference voxels (1, 10, 10) -> (1/3, 2/3); generated (1, 1, 10) -> (2/3, 1/3): S = 1/2 * 2 * (1/3)^2 = 1/9
    assert seps["voxel_energy"] == pytest.approx(1 / 9, abs=1e-15)


def test_energy_features_keep_the_showers_dtype():
    g = Geometry.named("ds2")
    rng = np.random.default_rng(0)
    x = (rng.exponential(1.0, (5, g.n_voxels)) * (rng.random((5, g.n_voxels)) < 0.3)).astype(np.float32)
    f = high_level_features(x, np.full(5, 1e3), g)
    assert f["E_layer_0"].dtype == np.float32 and f["E_tot"].dtype == np.float32
    assert np.array_equal(f["E_tot"], x.sum(axis=-1))  # the challenge's float32 sum, bit for bit
    assert np.array_equal(f["E_layer_7"], x[:, 7 * 144 : 8 * 144].sum(axis=-1))
    assert f["E_ratio"].dtype == np.float64 and min_energy(g) == CUT
