"""Time vs fidelity of one model under several samplers and step counts: jets/s beside a metric.

The trade-off that few-step and distilled diffusion models are judged by (PC-Droid, arXiv:2307.06836,
plots quality against generation time for its solvers, step counts and consistency distillation). Every figure comes from ``Model.sample(..., sampler=, steps=)`` and ``hepzoo.evaluate``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from hepzoo.errors import ConfigError, HepzooError

if TYPE_CHECKING:
    from hepzoo.model import Model
    from hepzoo.samples import Samples

__all__ = ["FidelityPoint", "parse_fidelity", "check_fidelity", "measure_fidelity", "fidelity_section",
           "hardware_line"]

_ITEM = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):(\d+(?:,\d+)*)$")


@attrs.define(frozen=True)
class FidelityPoint:
    """One row of the table: a sampler run with this many steps."""

    sampler: str
    steps: int


def parse_fidelity(text: str) -> tuple[FidelityPoint, ...]:
    """``"heun:5,10,20 dpmpp-2m:10,20 multistep-consistency:1,3,5"`` -> the points, in that order.

    Space-separated ``SAMPLER:STEPS[,STEPS...]``; steps are positive integers; a point given twice
    is refused (it would be measured twice under one name).
    """
    items = str(text).split()
    if not items:
        raise ConfigError("--fidelity is empty; give SAMPLER:STEPS[,STEPS...] items, e.g. 'heun:5,10,20 dpmpp-2m:10'")
    points: list[FidelityPoint] = []
    for item in items:
        match = _ITEM.match(item)
        if not match:
            raise ConfigError(f"--fidelity item {item!r} is not SAMPLER:STEPS[,STEPS...] (e.g. heun:5,10,20)")
        for steps in (int(s) for s in match.group(2).split(",")):
            point = FidelityPoint(match.group(1), steps)
            if steps < 1:
                raise ConfigError(f"--fidelity {item!r}: steps must be positive integers, got {steps}")
            if point in points:
                raise ConfigError(f"--fidelity names {point.sampler}:{steps} twice; give each point once")
            points.append(point)
    return tuple(points)


def check_fidelity(model: Model, points: Sequence[FidelityPoint], metric: str = "w1m") -> None:
    """Refuse, before any sampling, a sampler this model's law does not take, steps it cannot run, an unknown metric."""
    from hepzoo.plugins.manager import get_registry

    known = get_registry().evaluator(model.representation.kind).metrics
    if metric not in known:
        raise ConfigError(f"the fidelity table's metric {metric!r} is not one of this model's: {', '.join(known)}")
    for point in points:
        try:
            model.sampling_plan(point.sampler, point.steps)
        except HepzooError as exc:  # unknown sampler, a law it does not integrate, steps it cannot take
            raise type(exc)(f"--fidelity {point.sampler}:{point.steps}: {exc}") from None


def hardware_line(device: str) -> str:
    """What the timings were measured on: the GPU's name, or the CPU's model and threads, and torch."""
    import platform

    import torch

    if str(device).startswith("cuda"):
        where = torch.cuda.get_device_name(torch.device(device))
    else:
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
        except OSError:
            pass
        threads = torch.get_num_threads()
        where = f"CPU ({cpu}), {threads} thread{'' if threads == 1 else 's'}"
    return f"{where}, torch {torch.__version__}"


def measure_fidelity(
    model: Model,
    points: Sequence[FidelityPoint],
    reference: Samples,
    *,
    n: int,
    seed: int,
    cond: Mapping[str, Any] | None = None,
    device: str = "cpu",
    metric: str = "w1m",
    reference_name: str = "",
    **evaluate_options: Any,
) -> dict[str, Any]:
    """Sample ``n`` events per point (wall time -> events/s) and ``metric`` against ``reference``.

    One untimed warm-up draw comes first (start-up costs are no sampler's). The truth floor is the
    metric between two halves of the reference, once. The result is the card's ``hepzoo_fidelity``.
    """
    from hepzoo.evaluation import evaluate

    check_fidelity(model, points, metric)
    options = {k: v for k, v in evaluate_options.items() if k not in ("metrics", "truth_split")}
    model.sample(min(n, 64), cond=dict(cond or {}) or None, sampler=points[0].sampler, steps=points[0].steps,
                 seed=seed, device=device)
    rows, truth = [], None
    for point in points:
        start = time.perf_counter()
        samples = model.sample(n, cond=dict(cond or {}) or None, sampler=point.sampler, steps=point.steps,
                               seed=seed, device=device)
        seconds = time.perf_counter() - start
        result = evaluate(samples, reference, seed=0, metrics=(metric,), truth_split=truth is None, **options)
        if truth is None:
            truth = result["truth_vs_truth"][metric]
        entry = result["gen_vs_reference"][metric]
        rows.append({"sampler": point.sampler, "steps": point.steps, "seconds": seconds,
                     "events_per_s": n / seconds, "value": float(entry["value"]), "error": float(entry["error"])})
    return {
        "metric": metric,
        "n": n,
        "seed": seed,
        "cond": {k: _plain(v) for k, v in (cond or {}).items()},
        "reference": reference_name,
        "n_reference": len(reference),
        "device": str(device),
        "hardware": hardware_line(device),
        "truth": {"value": float(truth["value"]), "error": float(truth["error"])},
        "rows": rows,
    }


def _plain(value: Any) -> Any:
    """A condition value as JSON (a label stays text, a number a number)."""
    return value if isinstance(value, str) else float(value) if isinstance(value, float) else int(value)


def fidelity_section(fidelity: Mapping[str, Any], label: str, scale: float = 1.0) -> str:
    """The card's markdown: one row per sampler and steps, events/s and the metric, the truth floor once."""
    cond = ", ".join(f"{k}={v}" for k, v in fidelity["cond"].items())
    truth = fidelity["truth"]
    lines = [
        "## Time vs fidelity",
        "",
        f"{fidelity['n']} events per row (seed {fidelity['seed']}{', ' + cond if cond else ''}) against "
        f"{fidelity['n_reference']} held-out reference events{' (' + fidelity['reference'] + ')' if fidelity['reference'] else ''}; "
        f"wall time of `model.sample` on {fidelity['hardware']}. Truth vs truth (two halves of the reference): "
        f"{label} = {truth['value'] * scale:.3f} ± {truth['error'] * scale:.3f}.",
        "",
        f"| sampler | steps | events/s | {label} |",
        "|---|---:|---:|---:|",
    ]
    for row in fidelity["rows"]:
        lines.append(f"| {row['sampler']} | {row['steps']} | {row['events_per_s']:,.0f} "
                     f"| {row['value'] * scale:.3f} ± {row['error'] * scale:.3f} |")
    return "\n".join(lines)
