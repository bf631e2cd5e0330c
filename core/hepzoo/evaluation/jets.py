"""Evaluate generated jets against a reference: JetNet's five metrics (from ``hepzoo.metrics.jets``),
truth-vs-truth, plots. This module only orchestrates; it computes no metric itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hepzoo.data.jets.kinematics import jet_pt
from hepzoo.errors import InvalidDataError
from hepzoo.evaluation.checks import JET_METRICS, check_jets
from hepzoo.evaluation.report import ratio_histogram, write_metrics_json
from hepzoo.metrics import jets as jet_metrics
from hepzoo.metrics.jets import JetSample
from hepzoo.samples import Samples

__all__ = ["evaluate_jets", "JET_METRICS"]

_PLOTTED_EFPS = {1: "EFP d=1 (sum z_i z_j theta_ij)", 9: "EFP triangle", 17: "EFP square (n=4, d=4)"}


class _Jets(JetSample):
    """A JetSample with the sample's conditions (for plots) carried through ``take``."""

    def __init__(self, jets: Any, cond: dict[str, np.ndarray]):
        super().__init__(jets)
        self.cond = cond

    def take(self, idx: np.ndarray) -> _Jets:
        out = super().take(idx)
        out.cond = {k: v[idx] for k, v in self.cond.items()}
        return out


def _metric_calls(opts: dict[str, Any], seed: int) -> dict[str, Callable[[JetSample, JetSample], tuple]]:
    """Each metric of ``hepzoo.metrics.jets`` with the evaluation's settings bound."""
    n_eval = opts.get("num_eval_samples", 50_000)
    n_batches = opts.get("num_batches", 5)
    fpd_opts = {k: opts[k] for k in ("min_samples", "max_samples", "num_points") if k in opts}
    fpd_opts["num_batches"] = opts.get("fpd_num_batches", 20)
    kpd_opts = {"batch_size": opts.get("kpd_batch_size", 5_000), "num_batches": opts.get("kpd_num_batches", 10)}
    return {
        "w1m": lambda r, g: jet_metrics.w1m(r, g, n_eval, n_batches, seed),
        "w1p": lambda r, g: jet_metrics.w1p(r, g, True, n_eval, n_batches, seed),
        "w1efp": lambda r, g: jet_metrics.w1efp(r, g, n_eval, n_batches, seed),
        "fpd": lambda r, g: jet_metrics.fpd(r, g, **fpd_opts),
        "kpd": lambda r, g: jet_metrics.kpd(r, g, **kpd_opts),
    }


def _compute(real: _Jets, gen: _Jets, names: tuple[str, ...], opts: dict[str, Any], seed: int) -> dict:
    calls = _metric_calls(opts, seed)
    if {"fpd", "kpd"} & set(names):  # all 36 EFPs are needed anyway: compute them once, first
        real.efps, gen.efps  # noqa: B018
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        if name not in calls:
            raise InvalidDataError(f"unknown jet metric {name!r}; use some of {JET_METRICS}")
        v, e = calls[name](real, gen)
        if not (np.isfinite(v).all() and np.isfinite(e).all()):
            raise InvalidDataError(
                f"{name} could not be computed on these samples (value {v}, error {e}); nothing is written. "
                "Check the samples (empty jets?) and evaluate more events"
            )
        out[name] = {"value": np.asarray(v).tolist(), "error": np.asarray(e).tolist()}
        if np.ndim(v):
            out[name]["mean"] = float(np.mean(v))
    return out


def _plots(real: _Jets, gen: _Jets, out_dir: Path) -> list[str]:
    files = []

    def plot(name, a, b, label, logy=False):
        files.append(str(ratio_histogram(a, b, out_dir / f"{name}.png", label, logy=logy)))

    for i, feat in enumerate(("eta_rel", "phi_rel", "pt_rel")):
        plot(
            f"particle_{feat}",
            real.x[..., i][real.mask],
            gen.x[..., i][gen.mask],
            f"particle {feat}",
            feat == "pt_rel",
        )
    plot("jet_mass_rel", real.mass, gen.mass, "relative jet mass m/pT")
    if "pt" in real.cond and "pt" in gen.cond:
        plot("jet_pt", real.cond["pt"], gen.cond["pt"], "jet pT [GeV]")
    else:
        plot(
            "jet_pt_rel",
            jet_pt(real.x, real.mask),
            jet_pt(gen.x, gen.mask),
            "relative jet pT (sum of constituents)",
        )
    plot("multiplicity", real.mask.sum(1), gen.mask.sum(1), "particle multiplicity")
    for idx, label in _PLOTTED_EFPS.items():
        plot(f"efp_{idx}", real.efps[:, idx], gen.efps[:, idx], label, logy=True)
    return files


def evaluate_jets(
    gen: Samples | Any,
    reference: Samples | Any,
    output_dir: str | Path | None = None,
    metrics: tuple[str, ...] = JET_METRICS,
    truth_split: bool = True,
    seed: int = 0,
    plots: bool = True,
    checked: bool = False,
    **opts: Any,
) -> dict[str, Any]:
    """JetNet's metrics for ``gen`` vs ``reference`` and, beside them, two disjoint reference halves.

    ``opts`` pass metric settings (num_eval_samples, num_batches, min_samples, max_samples,
    num_points, fpd_num_batches, kpd_batch_size, kpd_num_batches; jetnet's defaults otherwise).
    With ``output_dir``, writes metrics.json and PNG histograms (with ratio panels) there.
    Samples that are degenerate or smaller than each metric's minimum (``MIN_JET_EVENTS``;
    ``min_events`` replaces it, for tests) are refused before any work (``check_jets``), unless
    ``checked`` says ``hepzoo.evaluate`` has run that check already.
    """
    start = time.perf_counter()
    unknown = set(metrics) - set(JET_METRICS)
    if unknown:
        raise InvalidDataError(f"unknown jet metrics {sorted(unknown)}; use some of {JET_METRICS}")
    if "fpd" in metrics and opts.get("num_points", 10) < 3:
        raise InvalidDataError("num_points must be at least 3: a line fitted through 2 points has no error")
    min_events = opts.pop("min_events", None)
    real, fake = (_Jets(obj, dict(getattr(obj, "cond", {}) or {})) for obj in (reference, gen))
    for what, jets in (("generated", fake), ("reference", real)) if not checked else ():
        check_jets(jets, what, tuple(metrics), truth_split, min_events)
    timings: dict[str, float] = {}  # seconds per step, so a slow step shows in metrics.json
    clock = [time.perf_counter()]

    def lap(step: str) -> None:
        now = time.perf_counter()
        timings[step], clock[0] = round(now - clock[0], 2), now

    result: dict[str, Any] = {
        "representation": "point_cloud",
        "n_gen": len(fake.x),
        "n_reference": len(real.x),
        "gen_vs_reference": _compute(real, fake, tuple(metrics), opts, seed),
    }
    lap("gen_vs_reference")  # includes deriving both samples' features
    if truth_split:  # halves of the reference: they keep the features it has derived
        perm = np.random.default_rng(seed).permutation(len(real.x))
        half = len(perm) // 2
        a, b = real.take(np.sort(perm[:half])), real.take(np.sort(perm[half : 2 * half]))
        result["truth_vs_truth"] = _compute(a, b, tuple(metrics), opts, seed + 1)
        result["truth_split_size"] = half
        lap("truth_vs_truth")
    result["seconds_by_step"] = timings
    if output_dir is not None:
        out = Path(output_dir)
        result["plots"] = _plots(real, fake, out) if plots else []
        lap("plots")
        result["seconds"] = round(time.perf_counter() - start, 2)
        result["metrics_json"] = str(write_metrics_json(result, out / "metrics.json"))
    else:
        result["seconds"] = round(time.perf_counter() - start, 2)
    return result
