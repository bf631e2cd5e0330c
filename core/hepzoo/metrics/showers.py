"""The CaloChallenge metrics for generated showers: histogram separation power, classifier, FPD/KPD.

Conventions follow the challenge's ``code/evaluate.py`` and ``evaluate_plotting_helper.py``
(CaloChallenge/homepage; arXiv:2410.21611): voxels below the readout cut are zeroed in both
samples; histograms are densities on fixed binnings; the separation power is the triangular
discrimination S = 1/2 sum (h1 - h2)^2 / (h1 + h2) of eq. 15 of arXiv:2009.03796 (0 for
identical histograms, 1 for disjoint ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hepzoo.data.showers.geometry import Geometry
from hepzoo.errors import InvalidDataError
from hepzoo.metrics import stats
from hepzoo.metrics.classifier import ClassifierSettings, classifier_test
from hepzoo.metrics.shower_features import (
    cls_high_inputs,
    cls_low_inputs,
    cls_low_normed_inputs,
    high_level_features,
    min_energy,
)

__all__ = [
    "apply_threshold",
    "feature_bins",
    "separation_power",
    "separation_powers",
    "histogram_fractions",
    "challenge_log_bins",
    "voxel_bins",
    "classifier_scores",
    "shower_fpd",
    "shower_kpd",
    "high_level_features",
    "min_energy",
    "CLASSIFIER_INPUTS",
]

CLASSIFIER_INPUTS = ("cls-low", "cls-low-normed", "cls-high", "cls-resnet")


def apply_threshold(x: np.ndarray, cut: float) -> np.ndarray:
    """A copy of ``x`` with voxels below ``cut`` MeV set to 0 (the challenge's preprocessing)."""
    x = np.array(x, copy=True)
    x[x < cut] = 0.0
    return x


def _bin_index(a: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Bin of each entry of ``a`` (all inside ``bins``): np.histogram's rule, exact.

    For bins evenly spaced in x or in log x (the challenge's linspace/logspace), the index is
    read off that scale and then corrected by one step against the edges themselves, which is
    exact because rounding moves the estimate by less than one bin; otherwise a binary search.
    """
    nb = len(bins) - 1
    log = bins[0] > 0 and np.allclose(np.diff(np.log(bins)), np.log(bins[-1] / bins[0]) / nb, rtol=1e-6)
    if not log and not np.allclose(np.diff(bins), (bins[-1] - bins[0]) / nb, rtol=1e-6):
        idx = np.searchsorted(bins, a, side="right") - 1
        idx[idx == nb] = nb - 1  # the last edge belongs to the last bin
        return idx
    if log:
        guess = (np.log(a) - np.log(bins[0])) * (nb / np.log(bins[-1] / bins[0]))
    else:
        guess = (a - bins[0]) * (nb / (bins[-1] - bins[0]))
    idx = np.clip(guess, 0, nb - 1).astype(np.intp)
    idx -= a < bins[idx]
    idx += (a >= bins[idx + 1]) & (idx < nb - 1)
    return idx


def histogram_fractions(a: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Per-bin fractions of the entries of ``a`` inside ``bins``, as ``plt.hist(density=True) * diff(bins)``.

    ``np.histogram``'s counts (bins half-open, the last one closed, entries outside dropped,
    entries compared with the float64 edges exactly) without its sort.
    """
    a = np.asarray(a).reshape(-1)
    bins = np.asarray(bins, dtype=np.float64)
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    if bins[0] > 0:  # a cheap first cut (most voxels are 0)
        a = a[a > 0]
    a = a[(a >= bins[0]) & (a <= bins[-1])]  # float64 edges: float32 entries compared exactly
    counts = np.bincount(_bin_index(a, bins), minlength=len(bins) - 1)
    width = np.diff(bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts / width / counts.sum() * width


def separation_power(a: np.ndarray, b: np.ndarray, bins: np.ndarray) -> float:
    """Triangular discrimination of the density histograms of ``a`` and ``b`` on ``bins``.

    The challenge's ``_separation_power`` (``evaluate_plotting_helper.py``) term by term:
    ``1/2 sum (h1 - h2)^2 / (h1 + h2 + 1e-16)`` with ``h = density x bin width``. A sample with no
    entry inside the binning gives NaN there; here 1 (maximally apart) unless both are empty (NaN).
    """
    ha, hb = histogram_fractions(a, bins), histogram_fractions(b, bins)
    empty_a, empty_b = not np.isfinite(ha).all(), not np.isfinite(hb).all()
    if empty_a or empty_b:
        return float("nan") if empty_a and empty_b else 1.0
    ret = (ha - hb) ** 2
    ret /= ha + hb + 1e-16
    return float(0.5 * ret.sum())


def _regular(geometry: Geometry) -> bool:
    return not geometry.name.startswith("ds1") and geometry.particle not in ("photon", "pion")


def challenge_log_bins(cut: float, reference: np.ndarray, n_edges: int) -> np.ndarray:
    """``np.logspace(log10(cut), log10(max(reference)), n_edges)`` exactly as the challenge forms it.

    The maximum keeps the reference's dtype, so for float32 showers log10 is taken in float32 and
    the top edge can fall just below the largest entry, which then lies outside the histogram, as
    in ``plot_E_layers``/``plot_cell_dist``. A reference that never exceeds the cut gets one
    decade above it instead of the challenge's NaN edges.
    """
    top = np.max(np.asarray(reference))
    if not top > cut:
        top = 10.0 * cut
    return np.logspace(np.log10(cut), np.log10(top), n_edges)


def feature_bins(name: str, geometry: Geometry, reference: np.ndarray) -> np.ndarray:
    """The challenge's histogram binning of feature ``name`` (a high_level_features key)."""
    kind, _, lid = name.rpartition("_")
    if name == "E_ratio":
        return np.linspace(0.5, 1.5, 101)
    if name in ("E_tot", "E_inc"):
        lo, hi = max(float(np.min(reference)), 1e-3), max(float(np.max(reference)), 1e-2)
        return np.logspace(np.log10(lo), np.log10(hi * 1.0001), 51)
    layer = int(lid)
    i = geometry.layer_ids.index(layer)
    r_max = geometry.r_edges[i][-1]
    if kind == "E_layer":
        return challenge_log_bins(min_energy(geometry), reference, 40)
    if kind == "sparsity":
        return np.linspace(0.0, 1.0, 21)
    if kind in ("EC_eta", "EC_phi"):
        lim = 30.0 if _regular(geometry) else (500.0 if layer in (12, 13) else 100.0)
        return np.linspace(-lim, lim, 101)
    if kind in ("width_eta", "width_phi"):
        lim = 30.0 if _regular(geometry) else (400.0 if layer in (12, 13) else 100.0)
        return np.linspace(0.0, lim, 101)
    if kind == "EC_r":
        return np.linspace(0.0, 42.0 if _regular(geometry) else r_max, 101)
    if kind == "width_r":
        return np.linspace(0.0, 20.0 if _regular(geometry) else r_max / 2, 101)
    raise InvalidDataError(f"no histogram binning for feature {name!r}")


def voxel_bins(geometry: Geometry, reference_x: np.ndarray) -> np.ndarray:
    """50 log bins from the readout cut to the largest reference voxel (``plot_cell_dist``)."""
    return challenge_log_bins(min_energy(geometry), reference_x, 50)


def separation_powers(
    gen: dict[str, np.ndarray],
    reference: dict[str, np.ndarray],
    geometry: Geometry,
    gen_x: np.ndarray | None = None,
    reference_x: np.ndarray | None = None,
) -> dict[str, float]:
    """Separation power of every high-level feature (and of voxel energies if given), by name."""
    out = {}
    for name, ref in reference.items():
        if name == "E_inc":
            continue
        out[name] = separation_power(gen[name], ref, feature_bins(name, geometry, ref))
    if gen_x is not None and reference_x is not None:
        bins = voxel_bins(geometry, reference_x)
        out["voxel_energy"] = separation_power(gen_x, reference_x, bins)
    return out


def classifier_inputs(
    kind: str, x: np.ndarray, energy: np.ndarray, features: dict[str, np.ndarray], geometry: Geometry
) -> np.ndarray:
    """The inputs of one of the challenge's classifiers: 'cls-low' (also the ResNet's), 'cls-low-normed', 'cls-high'."""
    if kind in ("cls-low", "cls-resnet"):
        return cls_low_inputs(x, energy)
    if kind == "cls-low-normed":
        return cls_low_normed_inputs(x, energy, geometry)
    if kind == "cls-high":
        return cls_high_inputs(features, geometry)
    raise InvalidDataError(f"unknown classifier {kind!r}; use one of {CLASSIFIER_INPUTS}")


def _settings_for(kind: str, settings) -> ClassifierSettings:
    chosen = settings.get(kind) if isinstance(settings, Mapping) else settings
    network = "resnet" if kind == "cls-resnet" else "dnn"
    if chosen is None:
        return ClassifierSettings.default(network=network)
    if chosen.network != network:
        raise InvalidDataError(
            f"{kind} trains a {network.upper()} but its settings name a {chosen.network.upper()}; "
            "pass settings per kind, e.g. {'cls-resnet': ClassifierSettings.cpu(network='resnet')}"
        )
    return chosen


def classifier_scores(
    gen: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]],
    reference: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]],
    geometry: Geometry,
    kinds: tuple[str, ...] = ("cls-low", "cls-high"),
    settings: ClassifierSettings | Mapping[str, ClassifierSettings] | None = None,
    progress: bool = False,
    label: str = "",
) -> dict[str, dict[str, Any]]:
    """Classifier AUC/JSD (and the settings used) per input kind; ``gen``/``reference`` are (x, energy, features).

    ``settings`` is one ClassifierSettings for every kind or one per kind; missing ones are
    ``ClassifierSettings.default`` (the challenge's on a GPU, the CPU preset otherwise).
    """
    out = {}
    for kind in kinds:
        chosen = _settings_for(kind, settings)
        a = classifier_inputs(kind, *gen, geometry)
        b = classifier_inputs(kind, *reference, geometry)
        shape = geometry.grid_shape if kind == "cls-resnet" else None
        out[kind] = classifier_test(a, b, chosen, progress, f"{label}{kind}", shape)
    return out


def shower_fpd(
    gen_high: np.ndarray,
    reference_high: np.ndarray,
    seed: int = 42,
    num_batches: int = 20,
    num_points: int = 10,
) -> tuple[float, float]:
    """FPD on the ``cls-high`` features, extrapolated in 1/N (the challenge quotes it x1e3).

    The challenge's settings (jetnet defaults: 20 batches x 10 sizes) cost one 362-dim matrix
    square root each for DS2; fewer batches/points give a quick estimate.
    """
    n = min(len(gen_high), len(reference_high))
    max_samples = min(50_000, n)
    min_samples = min(10_000, max(2, max_samples // 2))
    return stats.fpd_extrapolated(
        reference_high,
        gen_high,
        min_samples,
        max_samples,
        num_batches=num_batches,
        num_points=num_points,
        seed=seed,
    )


def shower_kpd(gen_high: np.ndarray, reference_high: np.ndarray, seed: int = 42) -> tuple[float, float]:
    """KPD (polynomial-kernel MMD) on the ``cls-high`` features: median over 10 batches and error."""
    n = min(len(gen_high), len(reference_high))
    return stats.kpd_batches(reference_high, gen_high, batch_size=min(10_000, n), seed=seed)
