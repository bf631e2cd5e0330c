"""JetNet metrics on known answers (and equal to jetnet's when it is installed)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hepzoo.data.jets.kinematics import jet_mass
from hepzoo.errors import InvalidDataError
from hepzoo.metrics import fpd, kpd, stats, w1efp, w1m, w1p
from hepzoo.representations.point_cloud import PointCloud
from hepzoo.samples import Samples
from hepzoo.testing.data import random_jets


def _jets(n=300, p=20, spread=0.1, seed=0):
    return random_jets(n, p, spread, seed)


def test_jet_mass_of_two_massless_particles():
    x = np.array([[[0.5, 0.0, 0.5], [-0.5, 0.0, 0.5]]])
    # m^2 = 2 pt1 pt2 (cosh(deta) - cos(dphi))
    assert jet_mass(x)[0] == pytest.approx(np.sqrt(2 * 0.25 * (np.cosh(1.0) - 1)))


def test_identical_sets_are_near_zero():
    x, mask = _jets()
    s = Samples(x=x, representation=PointCloud(max_particles=20), mask=mask)
    assert w1m(s, s, num_eval_samples=300, seed=0)[0] < 0.01
    assert np.all(w1p((x, mask), s, num_eval_samples=300, seed=0)[0] < 0.01)
    assert np.all(w1efp(s, s, num_eval_samples=300, seed=0)[0] < 0.01)


def test_w1_of_shifted_gaussians_is_the_shift():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 20_000), rng.normal(0.5, 1, 20_000)
    mean, std = stats.bootstrap_w1(a, b, num_eval_samples=20_000, num_batches=3, seed=0)
    assert mean == pytest.approx(0.5, abs=0.03) and 0 < std < 0.05


def test_w1p_sees_a_shift_in_eta_only():
    x, mask = _jets(n=500)
    y = x.copy()
    y[..., 0] = np.where(mask, y[..., 0] + 0.2, 0)
    means, _ = w1p(x, (y, mask), num_eval_samples=500, seed=0)
    assert means[0] == pytest.approx(0.2, abs=0.02) and means[1] < 0.02 and means[2] < 0.01


def test_fpd_identical_gaussians_near_zero_and_shift_detected():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, (4000, 4)), rng.normal(0, 1, (4000, 4))
    same = fpd(a, b, min_samples=1000, max_samples=4000, num_batches=4, num_points=4, normalise=False)
    assert same[0] < 0.03  # a shift of 1 gives 4
    shifted = fpd(
        a, b + 1.0, min_samples=1000, max_samples=4000, num_batches=4, num_points=4, normalise=False
    )
    assert shifted[0] == pytest.approx(4.0, rel=0.1)  # |delta mu|^2 for 4 unit shifts


def test_frechet_distance_analytic():
    sigma = np.diag([1.0, 4.0])
    assert stats.frechet_distance(np.zeros(2), sigma, np.ones(2), 4 * sigma) == pytest.approx(
        2 + 5 - 2 * 10 + 20
    )


def test_kpd_identical_near_zero_shift_positive():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1, (2000, 3)), rng.normal(0, 1, (2000, 3))
    same, err = kpd(a, b, num_batches=5, batch_size=500)
    assert abs(same) < 3 * err + 1e-3
    assert kpd(a, b + 0.5, num_batches=5, batch_size=500)[0] > 10 * max(err, 1e-4)


def test_bad_inputs_raise():
    with pytest.raises(InvalidDataError, match=r"\[N, P, 3\]"):
        w1m(np.zeros((5, 3)), np.zeros((5, 3)))
    with pytest.raises(InvalidDataError, match="NaN"):
        fpd(np.full((5, 2), np.nan), np.zeros((5, 2)))


@pytest.mark.slow  # jetnet's numba compilation
def test_equal_to_jetnet():
    gm = pytest.importorskip("jetnet.evaluation.gen_metrics")
    x, _ = _jets(n=200, seed=4)
    y, _ = _jets(n=200, spread=0.12, seed=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.rng = np.random.default_rng(7)
        ref = gm.w1m(x, y, num_eval_samples=400)
        np.testing.assert_allclose(w1m(x, y, num_eval_samples=400, seed=7), ref, rtol=1e-5)
        gm.rng = np.random.default_rng(7)
        ref = gm.w1p(x, y, num_eval_samples=400)
        np.testing.assert_allclose(w1p(x, y, num_eval_samples=400, seed=7), ref, rtol=1e-6)
        fx, fy = gm.get_fpd_kpd_jet_features(x, efp_jobs=1), gm.get_fpd_kpd_jet_features(y, efp_jobs=1)
        ref = gm.fpd(fx, fy, min_samples=100, max_samples=200, num_batches=3, num_points=3)
        np.testing.assert_allclose(
            fpd(x, y, min_samples=100, max_samples=200, num_batches=3, num_points=3), ref, rtol=1e-4
        )
        np.testing.assert_allclose(
            kpd(x, y, num_batches=3, batch_size=100), gm.kpd(fx, fy, num_batches=3, batch_size=100), rtol=1e-5
        )


def _w1_one_resample_at_a_time(a, b, n, batches, seed):
    """The resampling loop as jetnet writes it: one scipy W1 per resample and column."""
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(seed)
    w1s = []
    for _ in range(batches):
        ia, ib = rng.choice(len(a), size=n), rng.choice(len(b), size=n)
        w1s.append([wasserstein_distance(a[ia, i], b[ib, i]) for i in range(a.shape[1])])
    return np.mean(w1s, axis=0), np.std(w1s, axis=0)


def test_counted_resamples_give_the_per_resample_floats():
    rng = np.random.default_rng(11)
    a = np.round(rng.gamma(2.0, 1.0, (700, 4)), 2)  # rounded: many ties within and across samples
    b = np.round(rng.gamma(2.2, 1.0, (450, 4)), 2)
    mean, std = stats.bootstrap_w1(a, b, num_eval_samples=900, num_batches=4, seed=3)
    ref_mean, ref_std = _w1_one_resample_at_a_time(a, b, 900, 4, 3)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-12, atol=0)
    np.testing.assert_allclose(std, ref_std, rtol=1e-12, atol=0)
    assert mean.min() > 0.05
    scalar = stats.bootstrap_w1(a[:, 0], b[:, 0], num_eval_samples=900, num_batches=4, seed=3)
    np.testing.assert_allclose(scalar[0], ref_mean[0], rtol=1e-12, atol=0)


def test_w1p_counts_each_particle_as_often_as_its_jet_is_drawn():
    from scipy.stats import wasserstein_distance

    x, mask = _jets(n=150, seed=8)
    y, mask_y = _jets(n=90, spread=0.13, seed=9)
    mask_y[3] = False  # a jet with no particles
    rng = np.random.default_rng(5)
    w1s = []
    for _ in range(3):  # jetnet's loop: resample jets, pool their particles, one W1 per feature
        ir, ig = rng.choice(len(x), size=200), rng.choice(len(y), size=200)
        pr, pg = x[ir][mask[ir]], y[ig][mask_y[ig]]
        w1s.append([wasserstein_distance(pr[:, i], pg[:, i]) for i in range(3)])
    means, stds = w1p((x, mask), (y, mask_y), num_eval_samples=200, num_batches=3, seed=5)
    np.testing.assert_allclose(means, np.mean(w1s, axis=0), rtol=1e-12, atol=0)
    np.testing.assert_allclose(stds, np.std(w1s, axis=0), rtol=1e-12, atol=0)


def test_kpd_in_place_kernels_give_the_expression_floats():
    rng = np.random.default_rng(12)
    x, y = rng.gamma(2.0, 0.1, (301, 7)), rng.gamma(2.1, 0.1, (257, 7))
    gamma = 1.0 / 7
    expected = (((x @ x.T * gamma + 1.0) ** 4).sum() - np.trace((x @ x.T * gamma + 1.0) ** 4)) / (301 * 300)
    expected += (((y @ y.T * gamma + 1.0) ** 4).sum() - np.trace((y @ y.T * gamma + 1.0) ** 4)) / (257 * 256)
    expected -= 2 * ((x @ y.T * gamma + 1.0) ** 4).mean()
    assert stats.mmd_poly_unbiased(x, y) == expected  # bit for bit: the value is a small difference
    assert stats.mmd_poly_unbiased(x, y, buffer=np.full(400 * 400, np.nan)) == expected


def test_fpd_resamples_side_by_side_give_the_sequential_floats():
    rng = np.random.default_rng(13)
    x, y = rng.gamma(2.0, 0.1, (400, 5)), rng.gamma(2.1, 0.1, (300, 5))
    sizes = (1 / np.linspace(1 / 100, 1 / 250, 3)).astype("int32")
    draw = np.random.default_rng(4)
    xn, yn = stats.normalise_features(x, y)
    vals = []
    for size in sizes:  # jetnet's loop, one resample after the other
        points = []
        for _ in range(4):
            sx, sy = xn[draw.choice(400, size=size)], yn[draw.choice(300, size=size)]
            cov = lambda s: np.cov(s, rowvar=False)  # noqa: E731
            points.append(stats.frechet_distance(sx.mean(0), cov(sx), sy.mean(0), cov(sy)))
        vals.append(np.mean(points))
    from scipy.optimize import curve_fit

    params, covs = curve_fit(lambda n, a, b: a + b * n, 1 / sizes, vals, bounds=([0, 0], [np.inf, np.inf]))
    value, error = stats.fpd_extrapolated(x, y, 100, 250, 4, 3, True, 4)
    assert (value, error) == (float(params[0]), float(np.sqrt(np.diag(covs)[0])))
    assert value > 0
