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

__all__ = ["format_report", "write_metrics_json", "ratio_histogram", "save_figure", "to_jsonable"]


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


def write_metrics_json(result: dict[str, Any], path: str | Path) -> Path:
    """Write the result dict as JSON, atomically (temporary file, then rename)."""
    return atomic_write_text(path, json.dumps(to_jsonable(result), indent=2, sort_keys=True))


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


def ratio_histogram(
    reference: np.ndarray,
    gen: np.ndarray,
    path: str | Path,
    xlabel: str,
    bins: int | np.ndarray = 50,
    logy: bool = False,
    labels: tuple[str, str] = ("reference", "generated"),
) -> Path:
    """Normalised histograms of ``reference`` and ``gen`` with a gen/reference ratio panel, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        import mplhep

        style: Any = mplhep.style.CMS
    except ImportError:  # plots still work without mplhep
        style = "default"
    reference, gen = np.asarray(reference, float), np.asarray(gen, float)
    if np.isscalar(bins) or np.ndim(bins) == 0:
        both = np.concatenate([reference, gen])
        lo, hi = np.percentile(both, [0.1, 99.9]) if len(both) else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1.0
        bins = np.linspace(lo, hi, int(bins) + 1)
    h_ref, edges = np.histogram(reference, bins=bins)
    h_gen, _ = np.histogram(gen, bins=edges)
    width = np.diff(edges)
    d_ref = h_ref / max(h_ref.sum(), 1) / width
    d_gen = h_gen / max(h_gen.sum(), 1) / width
    with plt.style.context(style):
        fig, (ax, rax) = plt.subplots(
            2, 1, figsize=(7, 6), sharex=True, gridspec_kw={"height_ratios": (3, 1), "hspace": 0.05}
        )
        ax.stairs(d_ref, edges, label=labels[0], color="black", linewidth=1.5)
        ax.stairs(d_gen, edges, label=labels[1], color="tab:red", linewidth=1.5)
        ax.set_ylabel("density", fontsize=14)
        if logy:
            ax.set_yscale("log")
        ax.legend(fontsize=12)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(h_ref > 0, d_gen / d_ref, np.nan)
            err = np.nan_to_num(ratio * np.sqrt(1 / np.maximum(h_gen, 1) + 1 / np.maximum(h_ref, 1)))
        centers = 0.5 * (edges[1:] + edges[:-1])
        rax.errorbar(centers, ratio, yerr=err, fmt="o", color="tab:red", markersize=3)
        rax.axhline(1.0, color="black", linewidth=1)
        rax.set_ylim(0.5, 1.5)
        rax.set_ylabel(f"{labels[1][:3]}/{labels[0][:3]}", fontsize=12)
        rax.set_xlabel(xlabel, fontsize=14)
        path = Path(path)
        save_figure(fig, path, dpi=90, bbox_inches="tight")
    return path
