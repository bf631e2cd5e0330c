"""Release a trained model: evaluate it on held-out data and write the Hub folder with its card.

Every figure on the card comes from ``hepzoo.evaluate`` run here, beside the truth-vs-truth floor;
the card also records the exact commands that reproduce them.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import numpy as np

from hepzoo.hub.card import ModelCard
from hepzoo.hub.local import load_pretrained
from hepzoo.hub.publish import registry_snippet

__all__ = ["release", "metrics_table"]

SCALES = {"w1m": 1e3, "w1p": 1e3, "w1efp": 1e5, "fpd": 1e3, "kpd": 1e3}


def _cell(entry: dict[str, Any] | None, scale: float) -> str:
    if entry is None:
        return "-"
    value, error = np.atleast_1d(entry["value"]) * scale, np.atleast_1d(entry["error"]) * scale
    if len(value) > 1:
        value, error = np.array([value.mean()]), np.array([np.sqrt(np.mean(error**2))])
    return f"{value[0]:.3f} ± {error[0]:.3f}"


def metrics_table(result: dict[str, Any]) -> str:
    """Markdown: one row per metric (scaled as in the JetNet papers), model beside truth floor."""
    gen, truth = result["gen_vs_reference"], result.get("truth_vs_truth", {})
    lines = ["| metric | this model | truth vs truth |", "|---|---:|---:|"]
    for name in gen:
        scale = SCALES.get(name, 1.0)
        label = f"{name.upper()} ×10^{int(np.log10(scale))}" if scale != 1.0 else name
        lines.append(f"| {label} | {_cell(gen[name], scale)} | {_cell(truth.get(name), scale)} |")
    return "\n".join(lines)


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, entry in result["gen_vs_reference"].items():
        value, error = np.atleast_1d(entry["value"]), np.atleast_1d(entry["error"])
        truth = result.get("truth_vs_truth", {}).get(name)
        out[name] = {
            "value": float(value.mean()),
            "error": float(np.sqrt(np.mean(error**2))),
            "truth": None if truth is None else float(np.atleast_1d(truth["value"]).mean()),
        }
    return out


def release(
    model_dir: str | Path,
    out_dir: str | Path,
    reference: str | Path,
    *,
    tag: str,
    n: int = 10_000,
    seed: int = 1,
    card: ModelCard | None = None,
    reference_command: str = "",
    repo_id: str = "",
    notes: str = "",
) -> dict[str, Any]:
    """Evaluate ``model_dir`` against ``reference`` and write ``out_dir`` (config, weights, card)."""
    from hepzoo.evaluation import evaluate

    model = load_pretrained(model_dir)
    model.tag = tag
    start = time.perf_counter()
    samples = model.sample(n, seed=seed, device="cpu")
    seconds = time.perf_counter() - start
    result = evaluate(samples, reference, seed=0)
    model_id = f"{model.family}/{tag}"
    card = card or ModelCard()
    reproduce = "\n".join(
        [
            "```bash",
            *([reference_command] if reference_command else []),
            f"hepzoo sample {model_id} -n {n} --seed {seed} -o generated.h5",
            f"hepzoo evaluate generated.h5 --reference {shlex.quote(str(Path(reference).name))}",
            "```",
        ]
    )
    body = "\n\n".join(
        part
        for part in [
            card.body.strip(),
            "## Evaluation on held-out data\n\n"
            f"{n} generated events (seed {seed}) against {result['n_reference']} held-out reference "
            f"events; the truth column compares two disjoint halves of the reference "
            f"({result.get('truth_split_size')} each), the noise floor of each metric. Errors are "
            "the metrics' bootstrap spreads (jetnet's conventions).\n\n" + metrics_table(result),
            "Reproduce with:\n\n" + reproduce,
            notes.strip(),
        ]
        if part
    )
    card.body = body
    card.metrics = _summary(result)
    folder = model.save_pretrained(out_dir, card=card)
    return {
        "folder": str(folder),
        "metrics": card.metrics,
        "cpu_sampling_events_per_s": n / seconds,
        "registry": registry_snippet(folder, repo_id or f"hepzoo/{model.family}-{tag}"),
    }
