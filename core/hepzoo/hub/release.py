"""Release a trained model: evaluate it on held-out data and write the Hub folder with its card.

Every figure on the card comes from ``hepzoo.evaluate`` run here, beside the truth-vs-truth floor;
the card also records the exact commands that reproduce them.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.hub.card import ModelCard
from hepzoo.hub.local import load_pretrained
from hepzoo.hub.publish import registry_snippet

if TYPE_CHECKING:
    from hepzoo.plugins.specs import EvaluatorSpec

__all__ = ["release", "release_card", "metrics_table", "evaluation_section"]


def _cell(entry: dict[str, Any] | None, scale: float) -> str:
    if entry is None:
        return "-"
    value, error = np.atleast_1d(entry["value"]) * scale, np.atleast_1d(entry["error"]) * scale
    if len(value) > 1:
        value, error = np.array([value.mean()]), np.array([np.sqrt(np.mean(error**2))])
    return f"{value[0]:.3f} ± {error[0]:.3f}"


def _evaluator(result: dict[str, Any]) -> EvaluatorSpec:
    """The evaluator registered for the representation a result was computed on."""
    from hepzoo.plugins.manager import get_registry

    if "representation" not in result:
        raise InvalidDataError("the evaluation result names no representation; pass the evaluator explicitly")
    return get_registry().evaluator(result["representation"])


def metrics_table(result: dict[str, Any], evaluator: EvaluatorSpec | None = None) -> str:
    """Markdown: one row per metric, labelled and scaled as its evaluator says, model beside truth floor."""
    spec = evaluator or _evaluator(result)
    gen, truth = result["gen_vs_reference"], result.get("truth_vs_truth", {})
    lines = ["| metric | this model | truth vs truth |", "|---|---:|---:|"]
    for name in spec.ordered(gen):
        scale = spec.scale(name)
        lines.append(f"| {spec.label(name)} | {_cell(gen[name], scale)} | {_cell(truth.get(name), scale)} |")
    return "\n".join(lines)


def evaluation_section(result: dict[str, Any], n: int, seed: int, evaluator: EvaluatorSpec | None = None) -> str:
    """The card's evaluation section: what was compared, what the errors mean, the metric table."""
    spec = evaluator or _evaluator(result)
    note = f" {spec.errors_note}" if spec.errors_note else ""
    return (
        "## Evaluation on held-out data\n\n"
        f"{n} generated events (seed {seed}) against {result['n_reference']} held-out reference "
        f"events; the truth column compares two disjoint halves of the reference "
        f"({result.get('truth_split_size')} each), the noise floor of each metric.{note}\n\n"
        + metrics_table(result, spec)
    )


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


def release_card(
    result: dict[str, Any],
    model_id: str,
    reference: str | Path,
    *,
    n: int,
    seed: int,
    card: ModelCard | None = None,
    reference_command: str = "",
    notes: str = "",
) -> ModelCard:
    """The model card of a release: ``card``'s text, the evaluation section, the reproducing commands."""
    card = card or ModelCard()
    reproduce = "\n".join(
        [
            "```bash",
            *([reference_command] if reference_command else []),
            f"hepzoo sample {model_id} -n {n} --seed {seed} --device cpu -o generated.h5",
            f"hepzoo evaluate generated.h5 --reference {shlex.quote(str(Path(reference).name))}",
            "```",
        ]
    )
    card.body = "\n\n".join(
        part
        for part in [
            card.body.strip(),
            evaluation_section(result, n, seed),
            "Reproduce with:\n\n" + reproduce,
            notes.strip(),
        ]
        if part
    )
    card.metrics = _summary(result)
    return card


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
    card = release_card(result, f"{model.family}/{tag}", reference, n=n, seed=seed, card=card,
                        reference_command=reference_command, notes=notes)
    folder = model.save_pretrained(out_dir, card=card)
    return {
        "folder": str(folder),
        "metrics": card.metrics,
        "cpu_sampling_events_per_s": n / seconds,
        "registry": registry_snippet(folder, repo_id or f"hepzoo/{model.family}-{tag}"),
    }
