"""A GFlash (Grindhammer-Peters) electron-shower generator filling the CaloChallenge DS2/DS3 geometry.

Physics: G. Grindhammer, M. Rudowicz, S. Peters, NIM A290 (1990) 469 and G. Grindhammer,
S. Peters, hep-ex/0001020 (the parameterisation, including its sampling-calorimeter terms), with
the constants of Geant4's GFlash tuning (``GVFlashHomoShowerTuning``/``GFlashSamplingShowerTuning``).
The detector is the CaloChallenge DS2/DS3 one (Geant4 Par04): 45 readout layers of 2 x (1.4 mm W +
0.3 mm Si), 3.4 mm each; stored voxel energies are the Si deposit divided by 0.033.

Per shower: a correlated (ln T, ln alpha) draw gives the gamma longitudinal profile, integrated
exactly over each layer; the spots of each layer (their number follows GFlash's spot profile)
fall into (alpha, r) voxels with the core + tail radial profile evaluated at the layer's shower
age -- drawn as one multinomial per layer, the same law as drawing each spot's radius -- and each
voxel's energy gets the Gamma sampling fluctuation before the 15.15 keV readout threshold.
"""

from __future__ import annotations

import concurrent.futures
import math
from pathlib import Path

import attrs
import numpy as np
from scipy.special import gammainc

from hepzoo.data.h5 import atomic_h5
from hepzoo.data.showers.geometry import Geometry
from hepzoo.errors import ConfigError, InvalidDataError

__all__ = [
    "Material", "Calorimeter", "W_SI", "simulate_showers", "make_showers", "shower_recipe", "chunk_size", "E_MAX_MEV",
    "GFLASH_VERSION",
]

ES = 21.0  # MeV, the scale energy of the Moliere radius
THRESHOLD_MEV = 0.5e-3 / 0.033  # 15.15 keV: the challenge's readout threshold on stored energies


@attrs.define(frozen=True)
class Material:
    """One layer material (PDG values): Z, A [g/mol], density [g/cm3], X0 [g/cm2], dE/dx_min [MeV cm2/g]."""

    z: float
    a: float
    density: float
    x0: float
    dedx_mip: float

    @property
    def critical_energy(self) -> float:
        """Ec = 2.66 (X0 Z / A)^1.1 MeV (Grindhammer-Peters, X0 in g/cm2)."""
        return 2.66 * (self.x0 * self.z / self.a) ** 1.1


TUNGSTEN = Material(z=74, a=183.84, density=19.3, x0=6.76, dedx_mip=1.145)
SILICON = Material(z=14, a=28.0855, density=2.329, x0=21.82, dedx_mip=1.664)


@attrs.define(frozen=True)
class Calorimeter:
    """A sampling calorimeter: absorber/active thicknesses [mm] and readout layer depth [mm]."""

    absorber: Material = TUNGSTEN
    active: Material = SILICON
    d_absorber: float = 1.4
    d_active: float = 0.3
    layer_depth: float = 3.4
    readout_scale: float = 1 / 0.033  # stored energy = Si deposit x readout_scale
    sampling_c: float = 0.11  # sqrt(GeV): Gamma sampling fluctuation, sigma/E = c / sqrt(E)

    @property
    def _weights(self) -> tuple[float, float]:
        ma = self.d_absorber * self.absorber.density
        mb = self.d_active * self.active.density
        return ma / (ma + mb), mb / (ma + mb)

    @property
    def density(self) -> float:
        """g/cm3, averaged over one absorber + active pair."""
        d = self.d_absorber + self.d_active
        return (self.d_absorber * self.absorber.density + self.d_active * self.active.density) / d

    @property
    def z_eff(self) -> float:
        wa, wb = self._weights
        return wa * self.absorber.z + wb * self.active.z

    @property
    def x0_mm(self) -> float:
        """Effective radiation length, mm: 1/X0 = sum w_i / X0_i."""
        wa, wb = self._weights
        x0 = 1.0 / (wa / self.absorber.x0 + wb / self.active.x0)
        return 10.0 * x0 / self.density

    @property
    def _ec_over_x0(self) -> float:
        wa, wb = self._weights
        return (
            wa * self.absorber.critical_energy / self.absorber.x0
            + wb * self.active.critical_energy / self.active.x0
        )

    @property
    def critical_energy(self) -> float:
        """Effective critical energy, MeV."""
        wa, wb = self._weights
        return (1.0 / (wa / self.absorber.x0 + wb / self.active.x0)) * self._ec_over_x0

    @property
    def moliere_mm(self) -> float:
        """Effective Moliere radius, mm: R_M = Es / sum(w_i Ec_i / X0_i)."""
        return 10.0 * ES / self._ec_over_x0 / self.density

    @property
    def f_s(self) -> float:
        """F_S = X0_eff / (d_abs + d_act)."""
        return self.x0_mm / (self.d_absorber + self.d_active)

    @property
    def e_hat(self) -> float:
        """e/mip ratio: 1 / (1 + 0.007 (Z_abs - Z_act))."""
        return 1.0 / (1.0 + 0.007 * (self.absorber.z - self.active.z))

    @property
    def visible_fraction(self) -> float:
        """Stored energy per deposited MeV: e/mip x mip sampling fraction x readout scale."""
        a = self.d_absorber * self.absorber.density * self.absorber.dedx_mip
        b = self.d_active * self.active.density * self.active.dedx_mip
        return self.e_hat * b / (a + b) * self.readout_scale


W_SI = Calorimeter()


def _profile_params(cal: Calorimeter, energy: np.ndarray, rng: np.random.Generator):
    """Per-shower (T, alpha) of the sampling calorimeter (hep-ex/0001020) and the mean alpha."""
    ln_y = np.log(energy / cal.critical_energy)
    z = cal.z_eff
    t_hom = np.maximum(ln_y - 0.812, 1e-3)  # exp<ln T_hom>
    a_hom = 0.81 + (0.458 + 2.26 / z) * ln_y
    mean_ln_t = np.log(np.maximum(t_hom - 0.55 / cal.f_s - 0.69 * (1 - cal.e_hat), 1.0))
    mean_ln_a = np.log(np.maximum(a_hom - 0.476 / cal.f_s, 1.1))
    sig_t = np.clip(1.0 / np.maximum(-2.5 + 1.25 * ln_y, 1e-3), 0, 0.5)
    sig_a = np.clip(1.0 / np.maximum(-0.82 + 0.79 * ln_y, 1e-3), 0, 0.5)
    rho = 0.784 - 0.023 * ln_y
    z1, z2 = rng.standard_normal((2, len(energy)))
    cp, cm = np.sqrt((1 + rho) / 2), np.sqrt((1 - rho) / 2)
    t = np.maximum(np.exp(mean_ln_t + sig_t * (cp * z1 + cm * z2)), 1.0)
    alpha = np.maximum(np.exp(mean_ln_a + sig_a * (cp * z1 - cm * z2)), 1.1)
    return t, alpha, np.exp(mean_ln_a)


def _radial_params(cal: Calorimeter, e_gev: np.ndarray, tau: np.ndarray):
    """Core radius, tail radius (R_M units) and core weight at shower age ``tau`` (G4 GFlash)."""
    z, ln_e, fs, e_hat = cal.z_eff, np.log(e_gev)[:, None], cal.f_s, cal.e_hat
    r_c = (0.0251 + 0.00319 * ln_e) + (0.1162 - 0.000381 * z) * tau
    k1, k2, k3, k4 = 0.659 - 0.00309 * z, 0.645, -2.59, 0.3585 + 0.0412 * ln_e
    r_t = k1 * (np.exp(k3 * (tau - k2)) + np.exp(k4 * (tau - k2)))
    p1, p2, p3 = 2.632 - 0.00094 * z, 0.401 + 0.00187 * z, 1.313 - 0.0686 * ln_e
    arg = (p2 - tau) / p3
    p = p1 * np.exp(arg - np.exp(arg))
    r_c = r_c - 0.0203 * (1 - e_hat) + 0.0397 * np.exp(-tau) / fs
    r_t = r_t - 0.14 * (1 - e_hat) - 0.495 * np.exp(-tau) / fs
    p = p + (1 - e_hat) * (0.348 - 0.642 * np.exp(-((tau - 1) ** 2)) / fs)
    return np.maximum(r_c, 1e-3), np.maximum(r_t, 1e-3), np.clip(p, 0.0, 1.0)


def simulate_showers(
    geometry: Geometry, energy: np.ndarray, rng: np.random.Generator, calorimeter: Calorimeter = W_SI
) -> np.ndarray:
    """``[N, n_voxels]`` float32 showers (stored-energy MeV) for incident electron energies [MeV]."""
    if not geometry.is_regular:
        raise ConfigError(
            f"the GFlash generator fills regular geometries (ds2, ds3); {geometry.name!r} has irregular layers"
        )
    cal = calorimeter
    energy = np.asarray(energy, dtype=np.float64)
    n_layers, n_alpha, n_r = geometry.grid_shape
    m = len(energy)
    # longitudinal: energy per layer from the gamma profile, integrated exactly
    t, alpha, alpha_mean = _profile_params(cal, energy, rng)
    beta = (alpha - 1) / t
    edges = np.arange(n_layers + 1) * cal.layer_depth / cal.x0_mm
    cdf = gammainc(alpha[:, None], beta[:, None] * edges[None, :])
    de = energy[:, None] * np.diff(cdf, axis=1)
    # spots per layer: (10.3 / c) E^0.959 in total, spread with the spot profile; >= 1 per 0.1 X0 step
    e_gev = energy / 1e3
    n_spots = 10.3 / cal.sampling_c * e_gev**0.959
    z = cal.z_eff
    t_s, a_s = t * (0.813 + 0.0019 * z), alpha * (0.844 + 0.0026 * z)
    b_s = (a_s - 1) / t_s
    p_spots = np.diff(gammainc(a_s[:, None], b_s[:, None] * edges[None, :]), axis=1)
    min_spots = max(1, int(round(cal.layer_depth / cal.x0_mm / 0.1)))
    counts_layer = np.maximum(np.floor(p_spots * n_spots[:, None]), min_spots).astype(np.int64)
    # radial: core + tail profile at the shower age of each layer's centre
    t_mid = 0.5 * (edges[1:] + edges[:-1])
    tau = t_mid[None, :] / t[:, None] * ((alpha - 1) / alpha * alpha_mean / (alpha_mean - 1))[:, None]
    r_c, r_t, p = _radial_params(cal, e_gev, tau)
    u2 = (np.asarray(geometry.r_edges[0]) / cal.moliere_mm) ** 2
    cdf_r = p[..., None] * u2 / (u2 + r_c[..., None] ** 2) + (1 - p[..., None]) * u2 / (
        u2 + r_t[..., None] ** 2
    )
    p_r = np.diff(cdf_r, axis=-1) / n_alpha  # [m, L, n_r], per alpha bin
    p_vox = np.broadcast_to(p_r[:, :, None, :], (m, n_layers, n_alpha, n_r)).reshape(m, n_layers, -1)
    leak = np.clip(1.0 - p_vox.sum(axis=-1, keepdims=True), 0.0, 1.0)
    pvals = np.concatenate([p_vox, leak], axis=-1)
    pvals /= pvals.sum(axis=-1, keepdims=True)
    hits = rng.multinomial(counts_layer, pvals)[..., :-1]
    deposit = hits * (de / counts_layer)[..., None]
    # sampling fluctuation per voxel: Gamma with mean E and variance c^2 E (E in GeV)
    scale = cal.sampling_c**2 * 1e3
    positive = deposit > 0
    fluct = np.zeros_like(deposit)
    fluct[positive] = rng.gamma(deposit[positive] / scale, scale)
    stored = fluct * cal.visible_fraction
    stored[stored < THRESHOLD_MEV] = 0.0
    return stored.reshape(m, -1).astype(np.float32)


def chunk_size(geometry: Geometry) -> int:
    """Showers per generation chunk (fixed per geometry, so results do not depend on workers)."""
    return max(16, 4_000_000 // (geometry.n_voxels + geometry.n_layers))


def _chunk(geometry: Geometry, seed: int, index: int, n: int, e_min: float, e_max: float):
    rng = np.random.default_rng([seed, index])
    energy = np.clip(np.exp(rng.uniform(np.log(e_min), np.log(e_max), n)), e_min, e_max)  # exp(log) may overshoot
    return energy, simulate_showers(geometry, energy, rng)


E_MAX_MEV = 1e7  # 10 TeV: ten times the CaloChallenge's 1 TeV, far inside what GFlash computes finitely
GFLASH_VERSION = 1  # raise it when a change here alters the showers a seed gives: older cached files are then refused


def shower_recipe(geometry: str | Geometry, e_min: float = 1e3, e_max: float = 1e6) -> dict:
    """The recipe part of a GFlash file's metadata, without generating: what a cached file is checked against."""
    return {
        "generator": "hepzoo GFlash (Grindhammer-Peters)",
        "generator_version": GFLASH_VERSION,
        "geometry": geometry if isinstance(geometry, str) else geometry.name,
        "particle": "electron",
        "e_min_mev": float(e_min),
        "e_max_mev": float(e_max),
    }


def make_showers(
    geometry: str | Geometry,
    n: int,
    path: str | Path,
    seed: int = 0,
    workers: int = 1,
    progress: bool = True,
    e_min: float = 1e3,
    e_max: float = 1e6,
) -> Path:
    """Generate ``n`` GFlash electron showers, log-uniform in [e_min, e_max] MeV, into a CaloChallenge file.

    Deterministic per ``seed`` whatever ``workers`` is: the showers are made in fixed chunks,
    each seeded by (seed, chunk index). The file appears atomically.
    """
    from tqdm.auto import tqdm

    from hepzoo.data.calochallenge_io import create_calochallenge

    if isinstance(geometry, str):
        geometry = Geometry.named(geometry)
    if n < 1:
        raise InvalidDataError(f"n must be a positive number of showers, got {n}")
    for name, value in (("e_min", e_min), ("e_max", e_max)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidDataError(f"{name} must be a finite number of MeV (e.g. --set {name}=1e4), got {value!r}")
    if not 0 < e_min <= e_max:
        raise InvalidDataError(f"need 0 < e_min <= e_max (MeV); got e_min={e_min}, e_max={e_max}")
    if e_min < 100.0:
        raise InvalidDataError(f"the GFlash parameterisation is valid above ~100 MeV; got e_min={e_min} MeV")
    if e_max > E_MAX_MEV:
        raise InvalidDataError(
            f"e_max={e_max} MeV is beyond {E_MAX_MEV:g} MeV, ten times the CaloChallenge's highest energy; "
            "GFlash's tuning does not reach it (its spot counts overflow near 1e300 MeV)"
        )
    size = chunk_size(geometry)
    starts = list(range(0, n, size))
    jobs = [(geometry, seed, i, min(size, n - s), e_min, e_max) for i, s in enumerate(starts)]
    meta = {**shower_recipe(geometry, e_min, e_max), "seed": seed}
    with (
        atomic_h5(path) as f,
        tqdm(total=n, disable=not progress, desc=f"GFlash {geometry.name}", unit="shower") as bar,
    ):
        e_ds, s_ds = create_calochallenge(f, n, geometry.n_voxels, meta)
        if workers > 1 and len(jobs) > 1:
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
                results = pool.map(_chunk, *zip(*jobs))
                _fill(results, starts, e_ds, s_ds, bar)
        else:
            _fill((_chunk(*job) for job in jobs), starts, e_ds, s_ds, bar)
    return Path(path)


def _fill(results, starts, e_ds, s_ds, bar) -> None:
    for start, (energy, showers) in zip(starts, results):
        e_ds[start : start + len(energy), 0] = energy
        s_ds[start : start + len(energy)] = showers
        bar.update(len(energy))
