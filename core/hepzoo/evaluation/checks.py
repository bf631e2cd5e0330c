"""What an evaluation refuses before any work: broken, degenerate or too-small samples.

Each check is cheap (numpy only, no metric), so ``hepzoo evaluate`` runs it on the generated file
before it even reads the reference. Minimum sizes are per metric: below them the bootstrap and
the 36-EFP covariances of FPD/KPD describe a handful of jets, not a distribution (10 jets gave a
"better than any model" FPD). The reference needs twice the minimum when truth-vs-truth splits it
into halves.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepzoo.errors import InvalidDataError

__all__ = ["JET_METRICS", "JET_METRICS_FEATURES", "MIN_JET_EVENTS", "MAX_EMPTY_FRACTION", "MIN_SHOWER_EVENTS", "PLAUSIBLE_RELATIVE", "check_jets", "check_showers", "needed_events"]

JET_METRICS = ("w1m", "w1p", "w1efp", "fpd", "kpd")
JET_METRICS_FEATURES = ("eta_rel", "phi_rel", "pt_rel")  # the particle features the jet metrics read
# fewest jets per sample for each metric (docs/jets.md, "Evaluation")
MIN_JET_EVENTS = {"w1m": 100, "w1p": 100, "w1efp": 100, "fpd": 500, "kpd": 500}
# fewest showers per sample (separation powers, classifiers, FPD/KPD; docs/showers.md)
MIN_SHOWER_EVENTS = 100
# a sample with more empty jets than this is broken, not a distribution to score
MAX_EMPTY_FRACTION = 0.5
# relative particle coordinates (eta_rel, phi_rel, pt_rel) of a jet are O(1); beyond this a file is broken
PLAUSIBLE_RELATIVE = 100.0


def needed_events(minimum: int, what: str, truth_split: bool) -> int:
    """Events a sample needs: ``minimum``, twice it for a reference that truth-vs-truth halves."""
    return 2 * minimum if what == "reference" and truth_split else minimum


def _too_few(what: str, n: int, need: int, unit: str, why: str, truth_split: bool) -> InvalidDataError:
    halves = " (truth vs truth compares two halves of it)" if what == "reference" and truth_split else ""
    return InvalidDataError(
        f"the {what} sample has {n} {unit}; {why} needs at least {need}{halves}; "
        f"evaluate at least {need} {unit} (docs: minimum sample sizes)"
    )


def check_jets(
    samples: Any,
    what: str = "generated",
    metrics: tuple[str, ...] | None = None,
    truth_split: bool = True,
    min_events: int | None = None,
    **_: Any,
) -> None:
    """Refuse jets that no metric should score: non-finite or absurd values, no particles, too few jets.

    ``min_events`` replaces every metric's minimum (``MIN_JET_EVENTS``); for tests of small samples.
    """
    metrics = tuple(JET_METRICS if metrics is None else metrics)
    x = np.asarray(samples.x)
    mask = samples.mask if samples.mask is not None else (x != 0).any(axis=-1)
    features = tuple(getattr(getattr(samples, "representation", None), "features", ())) or JET_METRICS_FEATURES
    bad = ~np.isfinite(x)
    if bad.any():
        jet, particle, feature = (int(i) for i in np.argwhere(bad)[0])
        raise InvalidDataError(
            f"the {what} jets hold {int(bad.sum())} NaN/inf particle values (first: jet {jet}, particle "
            f"{particle}, {features[feature]}); the file is broken or the model diverged: regenerate it"
        )
    absurd = np.abs(x) > PLAUSIBLE_RELATIVE
    if absurd.any():
        jet, particle, feature = (int(i) for i in np.argwhere(absurd)[0])
        raise InvalidDataError(
            f"the {what} jets hold {features[feature]} = {x[jet, particle, feature]:.3g} (jet {jet}, particle "
            f"{particle}): relative coordinates lie within ±{PLAUSIBLE_RELATIVE:g}; the file is broken or the "
            "model diverged: regenerate it"
        )
    real = np.asarray(mask).astype(bool).reshape(x.shape[:2]) if x.ndim == 3 else None
    if real is not None and "pt_rel" in features:
        negative = real & (x[..., features.index("pt_rel")] < 0)
        if negative.any():
            jet, particle = (int(i) for i in np.argwhere(negative)[0])
            raise InvalidDataError(
                f"the {what} jets hold {int(negative.sum())} particles with negative pt_rel (first: jet {jet}, "
                f"particle {particle}, {x[jet, particle, features.index('pt_rel')]:.3g}); a momentum fraction "
                "cannot be negative: the file is broken or the model diverged: regenerate it"
            )
    if len(x) > 1 and np.array_equal(x, np.broadcast_to(x[:1], x.shape)) and np.asarray(mask).any():
        raise InvalidDataError(
            f"all {len(x)} {what} jets are identical; a sample of one repeated jet is degenerate, not a "
            "distribution: check the sampler's seed and noise, or the file's origin"
        )
    if len(x) and not np.asarray(mask).any():
        raise InvalidDataError(
            f"every one of the {len(x)} {what} jets has 0 particles; there is nothing to score: "
            "check the multiplicities (n_particles) of the sample"
        )
    filled = int(np.asarray(mask).reshape(len(x), -1).any(axis=1).sum()) if len(x) else 0
    if len(x) and len(x) - filled > MAX_EMPTY_FRACTION * len(x):
        raise InvalidDataError(
            f"{len(x) - filled} of the {len(x)} {what} jets have 0 particles (more than "
            f"{MAX_EMPTY_FRACTION:.0%}); the sample is broken: check the multiplicities (n_particles) of the sample"
        )
    per_metric = {m: (min_events if min_events is not None else MIN_JET_EVENTS.get(m, 1)) for m in metrics}
    if not per_metric:
        return
    metric = max(per_metric, key=per_metric.get)
    need = needed_events(per_metric[metric], what, truth_split)
    if filled < need:
        unit = "jets" if filled == len(x) else "jets with particles"
        raise _too_few(what, filled, need, unit, metric.upper(), truth_split)


def check_showers(
    samples: Any, what: str = "generated", truth_split: bool = True, min_events: int | None = None, **_: Any
) -> None:
    """Refuse showers that no metric should score: no energy at all, absurd energies, too few showers."""
    x = np.asarray(samples.x)
    bad = ~np.isfinite(x)
    if bad.any():
        raise InvalidDataError(f"the {what} showers hold {int(bad.sum())} NaN/inf voxel energies; regenerate them")
    if len(x) and not (x > 0).any():
        raise InvalidDataError(f"every one of the {len(x)} {what} showers is empty (0 MeV); there is nothing to score")
    energy = np.asarray(samples.cond.get("energy", np.ones(len(x))), dtype=np.float64).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = x.sum(axis=1, dtype=np.float64) / energy
    absurd = ~np.isfinite(ratio) | (ratio > PLAUSIBLE_RELATIVE)
    if absurd.any():
        i = int(np.flatnonzero(absurd)[0])
        raise InvalidDataError(
            f"the {what} shower {i} deposits {x[i].sum():.3g} MeV for an incident {energy[i]:.3g} MeV (more than "
            f"{PLAUSIBLE_RELATIVE:g}x); the file is broken or the model diverged: regenerate it"
        )
    minimum = MIN_SHOWER_EVENTS if min_events is None else min_events
    need = needed_events(minimum, what, truth_split)
    if len(x) < need:
        raise _too_few(what, len(x), need, "showers", "the CaloChallenge evaluation", truth_split)
