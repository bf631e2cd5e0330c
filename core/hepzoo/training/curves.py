"""A run's training curves and compute, read back from its ``train_log.jsonl`` for the model card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.training.log import JsonlLog

__all__ = ["training_summary", "plot_training_curves", "log_family"]

_NOT_METRICS = {"event", "time", "step", "epoch", "seconds", "score", "best", "lr", "steps_per_s"}


def _records(log: str | Path) -> list[dict[str, Any]]:
    path = Path(log)
    if path.is_dir():
        path = path / "train_log.jsonl"
    if not path.is_file():
        raise InvalidDataError(f"{path} does not exist; pass the train_log.jsonl of a hepzoo train run (or its folder)")
    rows = JsonlLog(path).records()
    if not any(r.get("event") == "valid" for r in rows):
        raise InvalidDataError(f"{path} holds no validation records; pass the train_log.jsonl of a hepzoo train run")
    for r in rows:
        if r.get("event") in ("train", "valid", "done") and not _is_number(r.get("step")):
            raise InvalidDataError(f"{path} has a {r['event']} record without a numeric step ({r.get('step')!r}); "
                                   "pass the train_log.jsonl of a hepzoo train run")
    return rows


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not NaN: the log writes non-finite floats as text)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and bool(np.isfinite(value))


def log_family(log: str | Path) -> str | None:
    """The family a run's log says it trained (its ``start`` record), None when it does not say."""
    families = {r.get("family") for r in _records(log) if r.get("event") == "start"} - {None}
    return families.pop() if len(families) == 1 else None


def _numeric_keys(rows: list[dict[str, Any]]) -> list[str]:
    keys = {k for r in rows for k, v in r.items() if _is_number(v)}
    return sorted(keys - _NOT_METRICS)


def training_summary(log: str | Path) -> dict[str, Any]:
    """Steps, training seconds (the engine counts them across resumptions), median steps/s, best step and metrics."""
    rows = _records(log)
    valid = [r for r in rows if r.get("event") == "valid"]
    done = [r for r in rows if r.get("event") == "done"]
    rates = [r["steps_per_s"] for r in rows if r.get("event") == "train" and "steps_per_s" in r]
    chosen = [r for r in valid if r.get("best") is True and _is_number(r.get("score"))]  # the engine's choice
    best = chosen[-1] if chosen else min(
        (r for r in valid if _is_number(r.get("score"))), key=lambda r: r["score"], default=valid[-1]
    )
    return {
        "steps": max(r.get("step", 0) for r in rows),
        "train_seconds": float(max((r.get("train_seconds", 0.0) for r in done), default=0.0)),
        "resumptions": sum(r.get("event") == "resume" for r in rows),
        "median_steps_per_s": float(np.median(rates)) if rates else None,
        "validations": len(valid),
        "best_step": best["step"],
        "best_metrics": {k: best[k] for k in _numeric_keys([best])},  # NaN/inf metrics are left out
    }


def plot_training_curves(log: str | Path, path: str | Path) -> Path:
    """Validation metrics (log scale, best step marked) and training losses against the step, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hepzoo.evaluation.report import save_figure

    rows = _records(log)
    valid = sorted((r for r in rows if r.get("event") == "valid"), key=lambda r: r["step"])
    train = sorted((r for r in rows if r.get("event") == "train"), key=lambda r: r["step"])
    best = training_summary(log)["best_step"]
    fig, (ax, lax) = plt.subplots(2, 1, figsize=(7, 6.5), sharex=True, gridspec_kw={"hspace": 0.08})
    for key in _numeric_keys(valid):
        pts = [(r["step"], r[key]) for r in valid if _is_number(r.get(key)) and r[key] > 0]
        if pts:
            ax.plot(*zip(*pts), "o-", markersize=3, label=f"validation {key}")
    ax.axvline(best, color="grey", linestyle="--", linewidth=1, label=f"selected (step {best:,})")
    ax.set_yscale("log")
    ax.set_ylabel("metric")
    ax.legend(fontsize=9)
    for key in _numeric_keys(train):
        pts = [(r["step"], r[key]) for r in train if _is_number(r.get(key))]
        if pts:
            lax.plot(*zip(*pts), linewidth=1, label=key)
    lax.set_xlabel("training step")
    lax.set_ylabel("training loss")
    if lax.lines:
        lax.legend(fontsize=9)
    return save_figure(fig, path, dpi=90, bbox_inches="tight")
