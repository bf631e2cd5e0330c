"""Sample-based distances with bootstrapped errors: W1, Frechet distance with 1/N extrapolation, KPD.

Definitions and defaults follow jetnet 0.2.5 (arXiv:2106.11535, arXiv:2211.10295): the same
resampling order, so the same seed gives the same numbers as jetnet's functions. A bootstrap
resample is held as counts (how often each row was drawn), so the W1s of all resamples come from
one sort of the original values instead of one sort per resample.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from hepzoo.errors import InvalidDataError

__all__ = [
    "bootstrap_counts",
    "weighted_w1",
    "bootstrap_w1",
    "frechet_distance",
    "fpd_extrapolated",
    "mmd_poly_unbiased",
    "kpd_batches",
    "normalise_features",
    "single_threaded_blas",
    "cpu_threads",
]


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def cpu_threads() -> int:
    """Cores this process may use (for numpy work split into blocks that release the GIL)."""
    return max(
        1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )


def single_threaded_blas() -> Any:
    """BLAS on one thread where threadpoolctl is installed: [F, F] products gain nothing from more."""
    # On a loaded machine, waiting for a second BLAS thread costs more than the product itself;
    # BLAS splits the output, not the sums, so the floats are the same.
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


_threads = cpu_threads  # the former private names, for code written against them
_single_threaded_blas = single_threaded_blas


def bootstrap_counts(
    rng: np.random.Generator, n_a: int, n_b: int, num_eval_samples: int, num_batches: int
) -> tuple[np.ndarray, np.ndarray]:
    """How often each row of two samples is drawn in each of ``num_batches`` resamples: [K, n_a], [K, n_b].

    Draws exactly as jetnet does (``rng.choice`` for a, then for b, batch after batch), so a seed
    picks the same rows.
    """
    counts_a = np.empty((num_batches, n_a), dtype=np.int64)
    counts_b = np.empty((num_batches, n_b), dtype=np.int64)
    for k in range(num_batches):
        counts_a[k] = np.bincount(rng.choice(n_a, size=num_eval_samples), minlength=n_a)
        counts_b[k] = np.bincount(rng.choice(n_b, size=num_eval_samples), minlength=n_b)
    return counts_a, counts_b


def weighted_w1(a: np.ndarray, b: np.ndarray, counts_a: np.ndarray, counts_b: np.ndarray) -> np.ndarray:
    """W1 between ``a`` repeated ``counts_a[k]`` times and ``b`` repeated ``counts_b[k]`` times, for each k.

    ``a`` [n_a], ``b`` [n_b], counts [K, n_a], [K, n_b] (integers); returns [K] (inf where a side is
    empty). The integral of |F_a - F_b| over the merged sorted values, as
    ``scipy.stats.wasserstein_distance`` computes it, with one sort for all K.
    """
    values = np.concatenate([a, b])
    order = np.argsort(values, kind="stable")
    deltas = np.diff(values[order])
    counts_a, counts_b = np.atleast_2d(counts_a), np.atleast_2d(counts_b)
    # [position, resample] rows: one gather per sorted position serves all K resamples
    rows = np.zeros((len(values), len(counts_a)), dtype=np.int64)
    rows[: len(a)] = counts_a.T
    cum_a = np.cumsum(rows[order[:-1]], axis=0)
    rows[: len(a)], rows[len(a) :] = 0, counts_b.T
    cum_b = np.cumsum(rows[order[:-1]], axis=0)
    total_a, total_b = counts_a.sum(1), counts_b.sum(1)
    out = np.full(len(counts_a), np.inf)
    for k in np.flatnonzero((total_a > 0) & (total_b > 0)):  # contiguous columns: the same dot product
        cdf_a, cdf_b = np.ascontiguousarray(cum_a[:, k]), np.ascontiguousarray(cum_b[:, k])
        out[k] = np.abs(cdf_a / total_a[k] - cdf_b / total_b[k]) @ deltas
    return out


def bootstrap_w1(
    a: np.ndarray,
    b: np.ndarray,
    num_eval_samples: int = 50_000,
    num_batches: int = 5,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over ``num_batches`` of the W1 between resampled (with replacement) rows.

    ``a`` and ``b`` are ``[N]`` or ``[N, F]``; the result has shape ``[]`` or ``[F]``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) == 0 or len(b) == 0:
        raise InvalidDataError("W1 needs at least one entry in each sample; got an empty one")
    scalar = a.ndim == 1
    a2, b2 = (a[:, None], b[:, None]) if scalar else (a, b)
    counts_a, counts_b = bootstrap_counts(_rng(seed), len(a2), len(b2), num_eval_samples, num_batches)
    w1s = np.stack([weighted_w1(a2[:, i], b2[:, i], counts_a, counts_b) for i in range(a2.shape[1])], axis=1)
    mean, std = w1s.mean(axis=0), w1s.std(axis=0)
    return (mean[0], std[0]) if scalar else (mean, std)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Squared Frechet distance between N(mu1, sigma1) and N(mu2, sigma2) (Dowson & Landau 1982).

    ``tr sqrt(sigma1 sigma2)`` is computed as the sum of square roots of the eigenvalues of the
    symmetric ``sqrt(sigma1) sigma2 sqrt(sigma1)`` (same spectrum), two symmetric eigensolves
    instead of the general ``scipy.linalg.sqrtm`` that jetnet uses: equal to it within 1e-9
    (relative) and several times faster on the 362 CaloChallenge features.
    """
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    w1, v1 = np.linalg.eigh(sigma1)
    root1 = (v1 * np.sqrt(np.clip(w1, 0.0, None))) @ v1.T
    inner = root1 @ sigma2 @ root1
    trace_covmean = np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0.0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_covmean)


def normalise_features(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Divide each column of both sets by max|x| of the reference set (columns of zeros stay)."""
    maxes = np.max(np.abs(x), axis=0)
    maxes[maxes == 0] = 1
    return x / maxes, y / maxes


def _check_2d(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise InvalidDataError(f"feature sets must be [N, F] with equal F; got {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidDataError("feature sets contain NaN or inf; drop those events first")
    return x, y


def fpd_extrapolated(
    real: np.ndarray,
    gen: np.ndarray,
    min_samples: int = 20_000,
    max_samples: int = 50_000,
    num_batches: int = 20,
    num_points: int = 10,
    normalise: bool = True,
    seed: int = 42,
) -> tuple[float, float]:
    """Frechet distance extrapolated to infinite samples (arXiv:2211.10295): (intercept, error).

    Batch sizes evenly spaced in 1/N between ``min_samples`` and ``max_samples``; at each the mean
    over ``num_batches`` resamplings; a linear fit (non-negative intercept and slope) in 1/N.
    """
    x, y = _check_2d(real, gen)
    if normalise:
        x, y = normalise_features(x, y)
    sizes = (1 / np.linspace(1.0 / min_samples, 1.0 / max_samples, num_points)).astype("int32")
    rng = np.random.default_rng(seed)

    def point(draw: tuple[np.ndarray, np.ndarray]) -> float:
        sx, sy = x[draw[0]], y[draw[1]]
        return frechet_distance(sx.mean(0), np.cov(sx, rowvar=False), sy.mean(0), np.cov(sy, rowvar=False))

    from scipy.optimize import curve_fit  # here, not at import: scipy.optimize takes a third of a second

    vals = []
    with single_threaded_blas(), ThreadPoolExecutor(cpu_threads()) as pool:
        for size in sizes:  # draws in jetnet's order; the resamples themselves run side by side
            draws = [
                (rng.choice(len(x), size=size), rng.choice(len(y), size=size)) for _ in range(num_batches)
            ]
            vals.append(np.mean(list(pool.map(point, draws))))
    params, covs = curve_fit(
        lambda n_inv, a, b: a + b * n_inv, 1 / sizes, vals, bounds=([0, 0], [np.inf, np.inf])
    )
    return float(params[0]), float(np.sqrt(np.diag(covs)[0]))


def _poly_kernel(a: np.ndarray, b: np.ndarray, gamma: float, degree: int, flat: np.ndarray) -> np.ndarray:
    """``(a @ b.T * gamma + 1) ** degree`` written into ``flat``: the same floats as that expression.

    The elementwise passes run in place, in row blocks on all cores (numpy releases the GIL), and
    the buffer is reused across calls instead of faulting in a fresh [m, n] array each time.
    """
    out = flat[: len(a) * len(b)].reshape(len(a), len(b))
    np.matmul(a, b.T, out=out)

    def rows(lo: int, hi: int) -> None:
        block = out[lo:hi]
        np.multiply(block, gamma, out=block)
        np.add(block, 1.0, out=block)
        np.power(block, degree, out=block)

    cuts = np.linspace(0, len(out), cpu_threads() + 1).astype(int)
    with ThreadPoolExecutor(len(cuts) - 1) as pool:
        list(pool.map(rows, cuts[:-1], cuts[1:]))
    return out


def mmd_poly_unbiased(
    x: np.ndarray, y: np.ndarray, degree: int = 4, buffer: np.ndarray | None = None
) -> float:
    """Unbiased MMD^2 with the polynomial kernel (x.y/d + 1)^degree (arXiv:1801.01401).

    ``buffer``: optional float64 scratch of at least max(m, n)^2 entries, reused by repeated calls.
    """
    gamma = 1.0 / x.shape[-1]
    m, n = len(x), len(y)
    if buffer is None or buffer.size < max(m, n) ** 2:
        buffer = np.empty(max(m, n) ** 2)
    kxx = _poly_kernel(x, x, gamma, degree, buffer)
    term_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    kyy = _poly_kernel(y, y, gamma, degree, buffer)
    term_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    kxy = _poly_kernel(x, y, gamma, degree, buffer)
    return float(term_x + term_y - 2 * kxy.mean())


def kpd_batches(
    real: np.ndarray,
    gen: np.ndarray,
    num_batches: int = 10,
    batch_size: int = 5_000,
    normalise: bool = True,
    seed: int = 42,
    degree: int = 4,
) -> tuple[float, float]:
    """Kernel physics distance (arXiv:2211.10295): median of batch MMD^2s, half the 68% range."""
    x, y = _check_2d(real, gen)
    if normalise:
        x, y = normalise_features(x, y)
    vals = []
    buffer = np.empty(batch_size * batch_size)
    for i in range(num_batches):
        rng = np.random.default_rng(seed + i * 1000)
        sx = x[rng.choice(len(x), size=batch_size)]
        sy = y[rng.choice(len(y), size=batch_size)]
        vals.append(mmd_poly_unbiased(sx, sy, degree, buffer))
    low, high = np.percentile(vals, (16.275, 83.725))  # scipy.stats.iqr's arithmetic, without its import
    return float(np.median(vals)), float(np.subtract(high, low) / 2)
