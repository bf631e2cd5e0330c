"""The report's histogram ranges: x covering both samples, ratio panels fitting their points."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.evaluation.report import (
    histogram_bins,
    histogram_range,
    ratio_histogram,
    ratio_limits,
    ratio_outside,
)


def test_x_range_covers_a_small_narrow_sample_beside_a_large_wide_one():
    rng = np.random.default_rng(0)
    wide = rng.normal(0.0, 1.0, 100_000)
    narrow_far = rng.normal(8.0, 0.1, 50)  # 0.05% of the pooled values: pooled quantiles would cut it
    lo, hi = histogram_range(wide, narrow_far)
    assert lo < -2.5 and hi > 8.1
    pooled_hi = np.quantile(np.concatenate([wide, narrow_far]), 0.999)
    assert pooled_hi < 8.0 < hi  # what the range used to be vs now


def test_x_range_ignores_non_finite_values_and_outliers():
    values = np.concatenate([np.linspace(0.0, 1.0, 10_000), [np.nan, np.inf, -np.inf, 1e9]])
    lo, hi = histogram_range(values, np.linspace(0.2, 0.5, 100))
    assert lo == pytest.approx(0.001, abs=1e-3) and hi == pytest.approx(1.0, abs=2e-3)


def test_x_range_degenerate_and_empty_samples():
    assert histogram_range(np.full(10, 3.0), np.full(5, 3.0)) == (2.5, 3.5)
    assert histogram_range(np.array([]), np.array([np.nan])) == (0.0, 1.0)
    lo, hi = histogram_range(np.array([0.0, -1.0, 1e-2, 10.0]), log=True)
    assert lo > 0 and hi <= 10.0


def test_integer_samples_get_bins_centred_on_whole_numbers():
    edges = histogram_bins(np.arange(20, 80), np.arange(30, 140), bins=50)
    assert edges[0] == 19.5 and edges[-1] >= 139.5
    steps = np.diff(edges)
    assert np.allclose(steps, steps[0]) and steps[0] == np.round(steps[0]) and len(edges) - 1 <= 50
    assert np.allclose(histogram_bins(np.arange(1, 6), np.arange(2, 5)), np.arange(0.5, 6.0))


def test_log_bins_are_geometric_over_both_samples():
    edges = histogram_bins(np.geomspace(1, 100, 1000), np.geomspace(10, 1000, 1000), bins=20, log=True)
    assert edges[0] == pytest.approx(1, rel=0.02) and edges[-1] == pytest.approx(1000, rel=0.02)
    assert np.allclose(edges[1:] / edges[:-1], edges[1] / edges[0])


def test_ratio_limits_keep_the_base_grow_to_fit_and_stop_at_the_cap():
    assert ratio_limits(np.array([0.9, 1.1, np.nan])) == (0.5 - 0.08, 1.5 + 0.08)
    lo, hi = ratio_limits(np.array([0.2, 1.0, 2.2]))
    assert lo <= 0.2 and 2.2 <= hi < 3.0
    assert ratio_limits(np.array([0.0, 40.0, np.inf])) == (0.0, 3.0)


def test_points_outside_the_ratio_panel_are_flagged_for_edge_markers():
    ratio = np.array([0.5, 1.0, 7.0, np.inf, np.nan, -1.0])
    below, above = ratio_outside(ratio, (0.0, 3.0))
    assert below.tolist() == [False, False, False, False, False, True]
    assert above.tolist() == [False, False, True, True, False, False]


def test_ratio_histogram_writes_a_png_for_disjoint_samples(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(1)
    path = ratio_histogram(rng.exponential(0.02, 5000), rng.normal(0.03, 0.01, 3000), tmp_path / "pt.png",
                           "pt_rel", logy=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
