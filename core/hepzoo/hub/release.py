"""Release a trained model: evaluate it on held-out data and write the Hub folder with its card.

Every figure on the card comes from ``hepzoo.evaluate`` run here, beside the truth-vs-truth floor;
the card also records the exact commands that reproduce them.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hepzoo.errors import InvalidDataError
from hepzoo.hub.card import ModelCard
from hepzoo.hub.local import load_pretrained, save_pretrained
from hepzoo.hub.publish import registry_snippet

if TYPE_CHECKING:
    from hepzoo.hub.fidelity import FidelityPoint
    from hepzoo.model import Model
    from hepzoo.plugins.specs import EvaluatorSpec

__all__ = ["release", "release_card", "speed_line", "metrics_table", "evaluation_section", "evaluation_text", "figures_section",
           "metric_summary", "reproduce_block", "load_for_release", "CARD_PLOTS"]


def _cell(entry: dict[str, Any] | None, scale: float, part: int | None = None) -> str:
    """``value ± error`` scaled; a vector's mean (errors in quadrature) unless ``part`` picks one entry."""
    if entry is None:
        return "-"
    value, error = np.atleast_1d(entry["value"]) * scale, np.atleast_1d(entry["error"]) * scale
    if part is not None:
        return f"{value[part]:.3f} ± {np.broadcast_to(error, value.shape)[part]:.3f}"
    if len(value) > 1:
        value, error = np.array([value.mean()]), np.array([np.sqrt(np.mean(error**2))])
    return f"{value[0]:.3f} ± {error[0]:.3f}"


def _components(spec: EvaluatorSpec, name: str, entry: dict[str, Any]) -> tuple[str, ...]:
    """The named entries of a vector metric (``spec.components``), when the value has exactly those."""
    parts = spec.components.get(name, ())
    return parts if len(parts) > 1 and np.size(entry["value"]) == len(parts) else ()


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
        for i, part in enumerate(_components(spec, name, gen[name])):
            lines.append(f"| {spec.label(name)}, {part} | {_cell(gen[name], scale, i)} "
                         f"| {_cell(truth.get(name), scale, i)} |")
    return "\n".join(lines)


def evaluation_section(result: dict[str, Any], n: int, seed: int, evaluator: EvaluatorSpec | None = None) -> str:
    """The card's evaluation section: what was compared, what the errors mean, the metric table."""
    return "## Evaluation on held-out data\n\n" + evaluation_text(result, n, seed, evaluator)


def evaluation_text(result: dict[str, Any], n: int, seed: int, evaluator: EvaluatorSpec | None = None) -> str:
    """What was compared, what the errors mean, then the metric table (a section's text, without its heading)."""
    spec = evaluator or _evaluator(result)
    note = f" {spec.errors_note}" if spec.errors_note else ""
    return (
        f"{n} generated events (seed {seed}) against {result['n_reference']} held-out reference "
        f"events; the truth column compares two disjoint halves of the reference "
        f"({result.get('truth_split_size')} each), the noise floor of each metric.{note}\n\n"
        + metrics_table(result, spec)
    )


def metric_summary(result: dict[str, Any], spec: EvaluatorSpec | None = None) -> dict[str, Any]:
    """The card's front-matter figures: each metric's mean, error and truth value (and its named entries)."""
    spec = spec or _evaluator(result)
    out = {}
    for name, entry in result["gen_vs_reference"].items():
        value, error = np.atleast_1d(entry["value"]), np.atleast_1d(entry["error"])
        truth = result.get("truth_vs_truth", {}).get(name)
        out[name] = {
            "value": float(value.mean()),
            "error": float(np.sqrt(np.mean(error**2))),
            "truth": None if truth is None else float(np.atleast_1d(truth["value"]).mean()),
        }
        parts = _components(spec, name, entry)
        if parts:
            error = np.broadcast_to(error, value.shape)
            t = None if truth is None else np.broadcast_to(np.atleast_1d(truth["value"]), value.shape)
            te = None if truth is None else np.broadcast_to(np.atleast_1d(truth["error"]), value.shape)
            out[name]["components"] = {
                part: {
                    "value": float(value[i]),
                    "error": float(error[i]),
                    "truth": None if t is None else float(t[i]),
                    "truth_error": None if te is None else float(te[i]),
                }
                for i, part in enumerate(parts)
            }
    return out


def figures_section(figures: Sequence[tuple[str, str]]) -> str:
    """Markdown images (caption, path relative to the card) under one heading."""
    if not figures:
        return ""
    return "## Figures\n\n" + "\n\n".join(f"![{caption}]({path})" for caption, path in figures)


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
    figures: Sequence[tuple[str, str]] = (),
    fidelity_text: str = "",
    speed_text: str = "",
) -> ModelCard:
    """The model card of a release: ``card``'s text, the evaluation section, the reproducing commands, figures.

    ``fidelity_text``: the time-vs-fidelity section (``hepzoo.hub.fidelity.fidelity_section``), after the commands;
    ``speed_text``: how fast the evaluated events were generated (:func:`speed_line`), after the evaluation.
    """
    card = card or ModelCard()
    card.body = "\n\n".join(
        part
        for part in [
            card.body.strip(),
            evaluation_section(result, n, seed),
            speed_text,
            "Reproduce with:\n\n" + reproduce_block(model_id, reference, n=n, seed=seed,
                                                     reference_command=reference_command),
            fidelity_text,
            notes.strip(),
            figures_section(figures),
        ]
        if part
    )
    card.metrics = metric_summary(result, _evaluator(result))
    return card


def speed_line(model: Model, n: int, seconds: float, device: str = "cpu") -> str:
    """One sentence: the evaluated events' generation time and rate, with the sampler and the hardware."""
    from hepzoo.hub.fidelity import hardware_line
    from hepzoo.plugins.manager import get_registry

    sampler, steps = model.default_sampler, model.default_steps
    takes_steps = get_registry().sampler_spec(sampler).takes_steps
    how = f"{sampler}, {steps} step{'' if steps == 1 else 's'}" if takes_steps else sampler
    return (f"Generation speed: the {n} events above took {seconds:.1f} s with `model.sample` "
            f"({how}): **{n / seconds:,.0f} events/s** on {hardware_line(device)}.")


def reproduce_block(model_id: str, reference: str | Path, *, n: int, seed: int, reference_command: str = "",
                    generated: str = "generated.h5") -> str:
    """The bash block that remakes a card's figures: (make the reference), sample the id on the CPU, evaluate."""
    return "\n".join(
        [
            "```bash",
            *([reference_command] if reference_command else []),
            f"hepzoo sample {model_id} -n {n} --seed {seed} --device cpu -o {generated}",
            f"hepzoo evaluate {generated} --reference {shlex.quote(str(Path(reference).name))}",
            "```",
        ]
    )


CARD_PLOTS = ("particle_eta_rel", "particle_phi_rel", "particle_pt_rel", "jet_mass_rel", "multiplicity",
              "layer_profile", "radial_profile")
"""The evaluation plots a card shows (those the evaluator wrote), in this order."""


def load_for_release(model_dir: str | Path, out_dir: str | Path, tag: str, train_log: str | Path | None = None):
    """The model to release, tagged; a bad ``out_dir`` or a ``train_log`` of another run is refused before any work."""
    from hepzoo.atomic import check_folder_target
    from hepzoo.hub.local import is_model_folder

    check_folder_target(out_dir, is_model_folder, what="hepzoo model folder")  # before any work
    if train_log is not None:
        from hepzoo.training.curves import training_summary

        training_summary(train_log)  # refuses a log without validation records before any work
    model = load_pretrained(model_dir)
    model.tag = tag
    if train_log is not None:
        from hepzoo.training.curves import log_family

        family = log_family(train_log)
        if family is not None and family != model.family:
            raise InvalidDataError(f"{train_log} is the log of a {family} run, but {model_dir} is a {model.family} "
                                   "model; pass the train_log.jsonl of the run that trained this model")
    return model


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
    plots: bool = True,
    train_log: str | Path | None = None,
    fidelity: Sequence[FidelityPoint] = (),
    fidelity_n: int = 10_000,
    fidelity_device: str = "cpu",
    **evaluate_options: Any,
) -> dict[str, Any]:
    """Evaluate ``model_dir`` against ``reference`` and write ``out_dir`` (config, weights, card, figures).

    With ``plots`` the card shows the evaluation's histograms (``CARD_PLOTS``) and, given the run's
    ``train_log`` (``train_log.jsonl`` or its run folder), its training curves; figures live in the
    folder's ``figures/``, as on the Hub. ``evaluate_options`` go to ``hepzoo.evaluate`` (e.g. ``metrics``).
    ``fidelity`` (``hepzoo.hub.fidelity.parse_fidelity``) adds the time-vs-fidelity table of
    ``fidelity_n`` events per point, timed on ``fidelity_device``.
    """
    import tempfile

    from hepzoo.evaluation import evaluate, load_samples
    from hepzoo.hub.fidelity import check_fidelity, measure_fidelity

    model = load_for_release(model_dir, out_dir, tag, train_log)
    held_out: Any = reference
    if fidelity:
        from hepzoo.config import positive_int

        positive_int("fidelity_n", fidelity_n)
        check_fidelity(model, fidelity)
        held_out = load_samples(reference)  # read once, for the evaluation and every fidelity point
    start = time.perf_counter()
    samples = model.sample(n, seed=seed, device="cpu")
    seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="hepzoo-release-") as tmp:
        result = evaluate(samples, held_out, tmp if plots else None, seed=0, **evaluate_options)
        written = {Path(p).stem: Path(p) for p in result.get("plots", ())}
        figures = [(name.replace("_", " "), f"figures/{name}.png") for name in CARD_PLOTS if name in written]
        if plots and train_log is not None:
            from hepzoo.training.curves import plot_training_curves

            written["training_curves"] = plot_training_curves(train_log, Path(tmp) / "training_curves.png")
            figures.append(("training curves", "figures/training_curves.png"))
        measured = {}
        if fidelity:
            measured = measure_fidelity(model, fidelity, held_out, n=fidelity_n, seed=seed,
                                        device=fidelity_device, reference_name=Path(reference).name,
                                        **evaluate_options)
        card = release_card(result, f"{model.family}/{tag}", reference, n=n, seed=seed, card=card,
                            reference_command=reference_command, notes=notes, figures=figures,
                            fidelity_text=fidelity_text(measured, result), speed_text=speed_line(model, n, seconds))
        card.fidelity = measured
        extra = {rel: written[Path(rel).stem] for _, rel in figures}
        folder = save_pretrained(model, out_dir, card=card, extra_files=extra)
    return {
        "folder": str(folder),
        "metrics": card.metrics,
        "cpu_sampling_events_per_s": n / seconds,
        **({"fidelity": measured} if measured else {}),
        "registry": registry_snippet(folder, repo_id or f"hepzoo/{model.family}-{tag}"),
    }


def fidelity_text(measured: dict[str, Any], result: dict[str, Any]) -> str:
    """The time-vs-fidelity section of a card, labelled and scaled as the evaluator of ``result`` says ("" without)."""
    if not measured:
        return ""
    from hepzoo.hub.fidelity import fidelity_section

    spec = _evaluator(result)
    return fidelity_section(measured, spec.label(measured["metric"]), spec.scale(measured["metric"]))
