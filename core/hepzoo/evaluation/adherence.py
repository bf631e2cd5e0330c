"""Conditional adherence: do generated jets have the pT, mass and eta they were asked for?

PC-Droid (Leigh et al., arXiv:2307.06836) checks its conditioning this way: the jet built from
the generated constituents against the requested jet, most jets within 0.3% in pT.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepzoo.data.jets.kinematics import jet_four_vector
from hepzoo.errors import InvalidDataError

__all__ = ["TOLERANCES", "constituent_jets", "conditional_adherence"]

TOLERANCES = (0.003, 0.01, 0.05)  # relative: 0.3% (the authors' figure), 1%, 5%
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def constituent_jets(x: np.ndarray, mask: np.ndarray, pt: np.ndarray, eta: np.ndarray | None = None) -> dict:
    """``{"pt", "eta", "mass"}`` [GeV] of the jets summed from their massless constituents, as JetNet.

    ``x`` [N, P, 3] holds (eta_rel, phi_rel, pt_rel) relative to a jet of pT ``pt`` at ``eta``
    (phi 0): each constituent is made absolute (pT = pt_rel pt, eta = eta_rel + eta) and summed.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    pt = np.broadcast_to(np.asarray(pt, dtype=np.float64), (n,))
    eta = np.zeros(n) if eta is None else np.broadcast_to(np.asarray(eta, dtype=np.float64), (n,))
    absolute = np.stack([x[..., 0] + eta[:, None], x[..., 1], x[..., 2] * pt[:, None]], -1)
    e, px, py, pz = jet_four_vector(absolute, np.asarray(mask, dtype=bool))
    jet_pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        jet_eta = np.arcsinh(np.where(jet_pt > 0, pz / jet_pt, 0.0))
    return {"pt": jet_pt, "eta": jet_eta, "mass": np.sqrt(np.clip(e**2 - px**2 - py**2 - pz**2, 0.0, None))}


def _spread(residual: np.ndarray, tolerances: tuple[float, ...] | None) -> dict[str, Any]:
    """Quantiles, mean, std and (for relative residuals) the fraction within each tolerance."""
    out: dict[str, Any] = {"mean": float(residual.mean()), "std": float(residual.std())}
    out.update({f"q{int(round(q * 100)):02d}": float(v) for q, v in zip(QUANTILES, np.quantile(residual, QUANTILES))})
    if tolerances:
        out["within"] = {f"{t:.1%}": float((np.abs(residual) <= t).mean()) for t in tolerances}
    return out


def conditional_adherence(samples, pt=None, mass=None, eta=None, tolerances: tuple[float, ...] = TOLERANCES) -> dict:
    """How closely generated jets follow the requested jet pT, mass and eta (JSON-ready).

    ``samples``: point-cloud Samples (the requested values default to their recorded conditions)
    or ``(x, mask)``. For pT and mass: the relative residual ``generated / requested - 1`` (its
    quantiles, mean, std and the fraction of jets within each relative tolerance) and the
    difference in GeV; for eta the difference. Jets asked for zero mass count in the GeV
    difference only. A requested value that is absent, NaN or not positive is refused.
    """
    if isinstance(samples, tuple):
        x, mask = samples
        cond: dict = {}
    else:
        if getattr(samples.representation, "kind", None) != "point_cloud" or samples.mask is None:
            raise InvalidDataError("conditional adherence needs jets (point clouds with a mask); pass a jet file")
        x, mask, cond = samples.x, samples.mask, samples.cond or {}
    n = len(x)
    if n == 0:
        raise InvalidDataError("no jets to check; generate at least one")
    requested = {}
    for name, given in (("pt", pt), ("mass", mass), ("eta", eta)):
        value = given if given is not None else cond.get(name)
        if value is not None:
            value = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
            if np.isnan(value).all() and given is None:
                continue  # a file that does not record this condition
            if not np.isfinite(value).all():
                raise InvalidDataError(f"the requested jet {name} is not finite for every jet; give it per jet")
            requested[name] = value
    if "pt" not in requested or (requested["pt"] <= 0).any():
        raise InvalidDataError("the requested jet pt is missing or not positive; pass jets with their pt condition "
                               "(jet_features) or give pt")
    jets = constituent_jets(x, mask, requested["pt"], requested.get("eta"))
    result: dict[str, Any] = {"n_jets": n, "tolerances": list(tolerances)}
    for name in ("pt", "mass"):
        if name not in requested:
            continue
        want, got = requested[name], jets[name]
        entry: dict[str, Any] = {"requested_mean": float(want.mean()), "generated_mean": float(got.mean()),
                                 "difference_gev": _spread(got - want, None)}
        positive = want > 0
        if positive.any():
            entry["relative"] = _spread(got[positive] / want[positive] - 1.0, tolerances)
            entry["relative"]["n_jets"] = int(positive.sum())
        result[name] = entry
    if "eta" in requested:
        result["eta"] = {"requested_mean": float(requested["eta"].mean()),
                         "difference": _spread(jets["eta"] - requested["eta"], None)}
    return result
