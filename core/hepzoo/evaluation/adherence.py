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


def _jets_of(batch) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(x, mask, recorded conditions)`` of one batch: point-cloud Samples or ``(x, mask)``."""
    if isinstance(batch, tuple):
        x, mask = batch
        return x, mask, {}
    if getattr(batch.representation, "kind", None) != "point_cloud" or batch.mask is None:
        raise InvalidDataError("conditional adherence needs jets (point clouds with a mask); pass a jet file")
    return batch.x, batch.mask, batch.cond or {}


def _requested(name: str, given, cond: dict, n: int, offset: int) -> np.ndarray | None:
    """The requested value of ``name`` for each of a batch's ``n`` jets (``given`` per jet is sliced at ``offset``)."""
    value = given if given is not None else cond.get(name)
    if value is None:
        return None
    value = np.asarray(value, dtype=np.float64)
    if given is not None and value.ndim == 1 and value.size > 1:
        if value.size < offset + n:
            raise InvalidDataError(f"the requested jet {name} has {value.size} values for at least {offset + n} jets; "
                                   "give one, or one per jet")
        value = value[offset : offset + n]
    try:
        value = np.broadcast_to(value, (n,))
    except ValueError:
        raise InvalidDataError(
            f"the requested jet {name} has {value.size} values for {n} jets; give one, or one per jet"
        ) from None
    if np.isnan(value).all() and given is None:
        return None  # a file that does not record this condition
    if not np.isfinite(value).all():
        raise InvalidDataError(f"the requested jet {name} is not finite for every jet; give it per jet")
    return value


class _Residuals:
    """Per-jet residuals of every batch seen (a few floats per jet); the jets themselves are not kept."""

    def __init__(self) -> None:
        self.n = 0
        self.sums: dict[str, list[float]] = {}  # name -> [requested sum, generated sum, jets]
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, key: str, values: np.ndarray) -> None:
        self.parts.setdefault(key, []).append(values)

    def values(self, key: str) -> np.ndarray:
        return np.concatenate(self.parts[key])

    def add_means(self, name: str, want: np.ndarray, got: np.ndarray | None) -> None:
        sums = self.sums.setdefault(name, [0.0, 0.0, 0])
        sums[0] += float(want.sum())
        sums[1] += float(got.sum()) if got is not None else 0.0
        sums[2] += len(want)

    def measure(self, x: np.ndarray, mask: np.ndarray, requested: dict[str, np.ndarray]) -> None:
        jets = constituent_jets(x, mask, requested["pt"], requested.get("eta"))
        self.n += len(x)
        for name in ("pt", "mass"):
            if name not in requested:
                continue
            want, got = requested[name], jets[name]
            self.add_means(name, want, got)
            self.add(f"{name}_gev", got - want)
            positive = want > 0
            self.add(f"{name}_relative", got[positive] / want[positive] - 1.0)
        if "eta" in requested:
            self.add_means("eta", requested["eta"], None)
            self.add("eta_difference", jets["eta"] - requested["eta"])


def conditional_adherence(samples, pt=None, mass=None, eta=None, tolerances: tuple[float, ...] = TOLERANCES) -> dict:
    """How closely generated jets follow the requested jet pT, mass and eta (JSON-ready).

    ``samples``: point-cloud Samples (the requested values default to their recorded conditions),
    ``(x, mask)``, or an iterable of Samples batches (``Model.sample_batches``), measured as they
    come: only a few numbers per jet are kept, never the jets. For pT and mass: the relative
    residual ``generated / requested - 1`` (its quantiles, mean, std and the fraction of jets
    within each relative tolerance) and the difference in GeV; for eta the difference. Jets asked
    for zero mass count in the GeV difference only. A requested value that is absent, NaN or not
    positive is refused.
    """
    from hepzoo.samples import Samples

    batches = [samples] if isinstance(samples, (tuple, Samples)) else samples
    found = _Residuals()
    for batch in batches:
        x, mask, cond = _jets_of(batch)
        n = len(x)
        if n == 0:
            continue
        requested = {}
        for name, given in (("pt", pt), ("mass", mass), ("eta", eta)):
            value = _requested(name, given, cond, n, found.n)
            if value is not None:
                requested[name] = value
        if "pt" not in requested or (requested["pt"] <= 0).any():
            raise InvalidDataError("the requested jet pt is missing or not positive; pass jets with their pt "
                                   "condition (jet_features) or give pt")
        found.measure(x, mask, requested)
    if found.n == 0:
        raise InvalidDataError("no jets to check; generate at least one")
    for name, given in (("pt", pt), ("mass", mass), ("eta", eta)):
        if given is not None and np.ndim(given) == 1 and np.size(given) not in (1, found.n):
            raise InvalidDataError(f"the requested jet {name} has {np.size(given)} values for {found.n} jets; "
                                   "give one, or one per jet")
    result: dict[str, Any] = {"n_jets": found.n, "tolerances": list(tolerances)}
    for name in ("pt", "mass"):
        if name not in found.sums:
            continue
        want_sum, got_sum, count = found.sums[name]
        entry: dict[str, Any] = {"requested_mean": want_sum / count, "generated_mean": got_sum / count,
                                 "difference_gev": _spread(found.values(f"{name}_gev"), None)}
        relative = found.values(f"{name}_relative")
        if relative.size:
            entry["relative"] = _spread(relative, tolerances)
            entry["relative"]["n_jets"] = int(relative.size)
        result[name] = entry
    if "eta" in found.sums:
        want_sum, _, count = found.sums["eta"]
        result["eta"] = {"requested_mean": want_sum / count, "difference": _spread(found.values("eta_difference"), None)}
    return result
