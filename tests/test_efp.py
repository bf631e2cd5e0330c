"""Energy flow polynomials: hand-computable cases, the batched torch path against the numpy one and
against energyflow."""

from __future__ import annotations

import numpy as np
import pytest

from hepzoo.metrics.efp import EFP_GRAPHS, W1EFP_INDICES, efp_graph, efps, efps_numpy


def _random_jets(n=30, p=12, seed=0, shuffle=False):
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, p + 1, n)
    mask = np.arange(p)[None] < counts[:, None]
    x = np.stack([rng.normal(0, 0.3, (n, p)), rng.normal(0, 0.3, (n, p)), rng.exponential(0.1, (n, p))], -1)
    x[~mask] = 0
    if shuffle:  # padding between real particles, as generated samples may have it
        order = rng.permuted(np.tile(np.arange(p), (n, 1)), axis=1)
        x, mask = np.take_along_axis(x, order[..., None], 1), np.take_along_axis(mask, order, 1)
    return x, mask


def test_two_particles_by_hand():
    x = np.array([[[0.0, 0.0, 0.6], [0.3, 0.4, 0.4]]])  # theta_12 = 0.5
    mask = np.ones((1, 2), bool)
    out = efps(x, mask)
    assert out.shape == (1, 36)
    assert out[0, 0] == pytest.approx(1.0)  # sum z
    assert out[0, 1] == pytest.approx(2 * 0.6 * 0.4 * 0.5)  # sum_ij z_i z_j theta_ij
    assert out[0, 2] == pytest.approx(2 * 0.6 * 0.4 * 0.25)
    assert out[0, 21] == pytest.approx(out[0, 1] ** 2)  # disconnected = product


def test_phi_wraps_around():
    x = np.array([[[0.0, 3.0, 0.5], [0.0, -3.0, 0.5]]])
    val = efp_graph(x, np.ones((1, 2), bool), ((0, 1),))
    assert val[0] == pytest.approx(2 * 0.25 * (2 * np.pi - 6.0))


def test_padding_and_batching_do_not_matter():
    x, mask = _random_jets()
    full = efps(x, mask)
    padded = np.concatenate([x, np.zeros((len(x), 5, 3))], axis=1)
    np.testing.assert_allclose(efps(padded, None, batch_size=7), full, rtol=1e-12)
    np.testing.assert_allclose(efps(x, mask, indices=W1EFP_INDICES), full[:, list(W1EFP_INDICES)])


def test_torch_batches_equal_the_numpy_evaluation():
    x, mask = _random_jets(n=80, p=30, seed=3, shuffle=True)
    x[5], mask[5] = 0, False  # an empty jet
    x[7, :, 1] += np.where(mask[7], 3.0, 0.0)  # phi near the wrap-around
    expected = efps_numpy(x, mask)
    assert expected[:, 0].min() == 0 and expected[:, 17].max() > 0
    # tiny batches (many multiplicity buckets) and one big batch give the same values
    np.testing.assert_allclose(efps(x, mask, max_elements=3000), expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(
        efps(x, mask, batch_size=100_000, max_elements=1 << 30), expected, rtol=1e-12, atol=0
    )
    chosen = (17, 9, 28, 16, 0)
    np.testing.assert_allclose(efps(x, mask, indices=chosen), expected[:, list(chosen)], rtol=1e-12, atol=0)
    assert efps(x[:0], mask[:0]).shape == (0, 36)


def test_matches_energyflow():
    ef = pytest.importorskip("energyflow")
    x, mask = _random_jets(n=40, p=15, shuffle=True)
    ref = ef.EFPSet(("d<=", 4), measure="hadr", beta=1, normed=None, coords="ptyphim")
    assert [tuple(map(tuple, g)) for g in ref.graphs()] == [tuple(g) for g in EFP_GRAPHS]
    expected = ref.batch_compute(x[:, :, [2, 0, 1]], 1)
    np.testing.assert_allclose(efps(x, mask), expected, rtol=1e-12, atol=0)
    w1 = ef.EFPSet(("n==", 4), ("d==", 4), ("p==", 1), measure="hadr", beta=1, normed=None, coords="ptyphim")
    np.testing.assert_allclose(
        efps(x, mask, indices=W1EFP_INDICES), w1.batch_compute(x[:, :, [2, 0, 1]], 1), rtol=1e-12, atol=0
    )
