"""Evaluation results as a printable table, a metrics.json, and histograms with ratio panels.

A result dict has ``gen_vs_reference`` and (optionally) ``truth_vs_truth``, each mapping a metric
name to ``{"value": float | list, "error": float | list}``, plus free-form keys (sizes, files).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hepzoo.atomic import atomic_path, atomic_write_text
from hepzoo.errors import InvalidDataError

__all__ = [
    "format_report",
    "write_metrics_json",
    "ratio_histogram",
    "histogram_range",
    "histogram_bins",
    "ratio_limits",
    "ratio_outside",
    "save_figure",
    "to_jsonable",
    "non_finite_key",
]


def to_jsonable(obj: Any) -> Any:
    """Numpy scalars/arrays (nested in dicts and lists) to plain Python for JSON."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def non_finite_key(obj: Any, where: str = "") -> str | None:
    """The key path of the first NaN or inf in a nested result (None if every number is finite)."""
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return (where or "value") if isinstance(obj, float) and not np.isfinite(obj) else None
    for key, value in items:
        found = non_finite_key(value, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def write_metrics_json(result: dict[str, Any], path: str | Path) -> Path:
    """Write the result dict as strict JSON (no NaN or Infinity), atomically; a non-finite number is refused."""
    data = to_jsonable(result)
    bad = non_finite_key(data)
    if bad:
        raise InvalidDataError(
            f"{bad} is not a finite number, so {path} is not written (JSON has no NaN/inf); "
            "check the samples and evaluate more events"
        )
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False))


def _fmt(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "-"
    value = np.atleast_1d(entry["value"])
    error = np.atleast_1d(entry["error"] if entry.get("error") is not None else np.zeros_like(value))
    suffix = f" (mean of {len(value)})" if len(value) > 1 else ""
    value, error = value.mean(), np.sqrt(np.mean(np.square(error)))
    return (f"{value:.4g} ± {error:.2g}" if error > 0 else f"{value:.4g}") + suffix


def format_report(metrics: dict[str, Any]) -> str:
    """A plain-text table: one row per metric, generated-vs-reference beside truth-vs-truth."""
    gen = metrics.get("gen_vs_reference", {})
    truth = metrics.get("truth_vs_truth", {})
    rows = [("metric", "gen vs reference", "truth vs truth")]
    rows += [(name, _fmt(gen[name]), _fmt(truth.get(name))) for name in gen]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    sizes = [f"{k}={metrics[k]}" for k in ("n_gen", "n_reference") if k in metrics]
    if sizes:
        lines.append("(" + ", ".join(sizes) + "; truth vs truth = two disjoint halves of the reference)")
    lines += [f"classifier {line}" for line in metrics.get("classifier_settings", [])]
    return "\n".join(lines)


def save_figure(fig: Any, path: str | Path, **savefig_kwargs: Any) -> Path:
    """Save a matplotlib figure atomically (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", **savefig_kwargs)
    finally:
        plt.close(fig)
    return path


def histogram_range(*samples: np.ndarray, quantiles: tuple[float, float] = (0.001, 0.999),
                    log: bool = False) -> tuple[float, float]:
    """An x range covering every sample: the union of each one's own quantile range (finite values only).

    Taking each sample's quantiles, not those of the pooled values, keeps a smaller or narrower
    sample's tails in view. ``log`` uses positive values only. ``(0, 1)`` (``(1, 10)`` with ``log``)
    when no sample has a usable value; a degenerate range is widened by one unit (one decade).
    """
    lows, highs = [], []
    for values in samples:
        values = np.asarray(values, float).ravel()
        values = values[np.isfinite(values) & ((values > 0) if log else True)]
        if len(values):
            lo, hi = np.quantile(values, quantiles)
            lows.append(lo)
            highs.append(hi)
    if not lows:
        return (1.0, 10.0) if log else (0.0, 1.0)
    lo, hi = float(min(lows)), float(max(highs))
    if hi <= lo:
        return (lo / 10**0.5, lo * 10**0.5) if log else (lo - 0.5, lo + 0.5)
    return lo, hi


def histogram_bins(*samples: np.ndarray, bins: int = 50, log: bool = False) -> np.ndarray:
    """Bin edges over ``histogram_range`` of the samples: log-spaced with ``log``, integer-aligned for counts.

    When every value is an integer (multiplicities), bins are whole numbers wide and centred on
    the integers, so no bin is empty by construction.
    """
    lo, hi = histogram_range(*samples, log=log)
    if log:
        return np.geomspace(lo, hi, int(bins) + 1)
    finite = [np.asarray(v, float)[np.isfinite(v)] for v in samples]
    if all(len(v) for v in finite) and all(np.array_equal(v, np.round(v)) for v in finite):
        lo, hi = np.floor(lo), np.ceil(hi)
        step = max(1, int(np.ceil((hi - lo + 1) / int(bins))))
        return np.arange(lo - 0.5, hi + 0.5 + step, step)
    return np.linspace(lo, hi, int(bins) + 1)


def ratio_limits(
    ratio: np.ndarray, base: tuple[float, float] = (0.5, 1.5), cap: tuple[float, float] = (0.0, 3.0)
) -> tuple[float, float]:
    """The ratio panel's y range: at least ``base``, grown to fit every finite ratio, never beyond ``cap``.

    Points still outside (beyond ``cap``, or infinite where the reference bin is empty) are drawn
    as markers at the panel's edge (``ratio_outside``).
    """
    finite = np.asarray(ratio, float)
    finite = finite[np.isfinite(finite)]
    lo, hi = base
    if len(finite):
        lo, hi = min(lo, finite.min()), max(hi, finite.max())
    pad = 0.08 * (hi - lo)
    return max(cap[0], lo - pad), min(cap[1], hi + pad)


def ratio_outside(ratio: np.ndarray, limits: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the ratio points below and above ``limits`` (infinite ones count as above)."""
    ratio = np.asarray(ratio, float)
    with np.errstate(invalid="ignore"):
        return ratio < limits[0], ratio > limits[1]


def ratio_histogram(
    reference: np.ndarray,
    gen: np.ndarray,
    path: str | Path,
    xlabel: str,
    bins: int | np.ndarray = 50,
    logy: bool = False,
    labels: tuple[str, str] = ("reference", "generated"),
    logx: bool = False,
) -> Path:
    """Normalised histograms of ``reference`` and ``gen`` with a gen/reference ratio panel, saved as PNG.

    With a bin count the x range covers both samples (``histogram_bins``); the reference is drawn
    filled and the generated sample on top of it; the ratio panel's y range fits the points
    (``ratio_limits``) and marks the ones beyond it with arrows at its edge.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, MaxNLocator

    try:
        import mplhep

        style: Any = mplhep.style.CMS
    except ImportError:  # plots still work without mplhep
        style = "default"
    reference, gen = np.asarray(reference, float).ravel(), np.asarray(gen, float).ravel()
    if np.isscalar(bins) or np.ndim(bins) == 0:
        bins = histogram_bins(reference, gen, bins=int(bins), log=logx)
    h_ref, edges = np.histogram(reference, bins=bins)
    h_gen, _ = np.histogram(gen, bins=edges)
    width = np.diff(edges)
    d_ref = h_ref / max(h_ref.sum(), 1) / width
    d_gen = h_gen / max(h_gen.sum(), 1) / width
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(h_ref > 0, d_gen / d_ref, np.where(h_gen > 0, np.inf, np.nan))
        err = np.nan_to_num(ratio * np.sqrt(1 / np.maximum(h_gen, 1) + 1 / np.maximum(h_ref, 1)), posinf=0.0)
    centers = np.sqrt(edges[1:] * edges[:-1]) if logx else 0.5 * (edges[1:] + edges[:-1])
    limits = ratio_limits(ratio)
    below, above = ratio_outside(ratio, limits)
    inside = np.isfinite(ratio) & ~below & ~above
    with plt.style.context(style):
        fig, (ax, rax) = plt.subplots(
            2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": (3, 1), "hspace": 0.06}
        )
        ax.stairs(d_ref, edges, label=labels[0], color="black", fill=True, alpha=0.18, zorder=1)
        ax.stairs(d_ref, edges, color="black", linewidth=1.5, zorder=2)
        ax.stairs(d_gen, edges, label=labels[1], color="tab:red", linewidth=1.8, zorder=3)
        ax.set_ylabel("density", fontsize=14)
        if logy:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=6, prune="lower"))
        ax.legend(fontsize=12, loc="best")
        rax.errorbar(centers[inside], ratio[inside], yerr=err[inside], fmt="o", color="tab:red", markersize=3)
        span = limits[1] - limits[0]
        rax.plot(centers[above], np.full(above.sum(), limits[1] - 0.06 * span), "^", color="tab:red",
                 markersize=6, clip_on=False)
        rax.plot(centers[below], np.full(below.sum(), limits[0] + 0.06 * span), "v", color="tab:red",
                 markersize=6, clip_on=False)
        rax.axhline(1.0, color="black", linewidth=1)
        rax.set_ylim(*limits)
        rax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10], prune="upper"))
        rax.set_ylabel(f"{labels[1][:3]}/{labels[0][:3]}", fontsize=12)
        rax.set_xlabel(xlabel, fontsize=14)
        rax.set_xlim(edges[0], edges[-1])
        if logx:
            rax.set_xscale("log")
            rax.xaxis.set_major_locator(LogLocator(numticks=6))
        else:
            rax.xaxis.set_major_locator(MaxNLocator(nbins=6))
        rax.tick_params(axis="x", labelsize=12)
        path = Path(path)
        save_figure(fig, path, dpi=90, bbox_inches="tight")
    return path
